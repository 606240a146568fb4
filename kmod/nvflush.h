/* SPDX-License-Identifier: GPL-2.0 */
/*
 * nvflush private definitions shared by the module's files.
 *
 * Locking: the device list and every control operation are serialized by
 * nvf_devs_lock (netlink and module unload only). The I/O path takes no
 * module-wide lock: it finds its device through the gendisk and its
 * per-cgroup counters through a lock-free xarray lookup.
 */
#ifndef NVF_NVFLUSH_H
#define NVF_NVFLUSH_H

#include <linux/bio.h>
#include <linux/blkdev.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/netlink.h>
#include <linux/percpu-refcount.h>
#include <linux/xarray.h>
#include "format.h"
#include "tier.h"
#include "uapi/linux/nvflush.h"

struct nvf_dev;

/* Logical and physical block size of every nvflush device. */
#define NVF_BLOCK_SIZE		4096u
#define NVF_BLOCK_SECTORS	(NVF_BLOCK_SIZE >> SECTOR_SHIFT)

/* cgroup id recorded for I/O that carries no cgroup association. */
#define NVF_ROOT_CGROUP_ID	1ull
/* cgroup id under which I/O is counted if its entry cannot be allocated. */
#define NVF_UNATTRIBUTED_ID	0ull

/*
 * Set an extack message chosen at run time among static strings (the
 * NL_SET_ERR_MSG* macros only take literals).
 */
static inline void nvf_extack(struct netlink_ext_ack *extack,
			      const struct nlattr *attr, const char *msg)
{
	if (extack) {
		extack->_msg = msg;
		extack->bad_attr = attr;
	}
}

/* ---- nvm.c: the NVM (persistent memory) device mapped through DAX ---- */

struct nvf_nvm {
	struct dax_device *dax;
	void *kaddr;		/* start of the DAX mapping */
	u64 size;		/* bytes mapped */
};

int nvf_nvm_map(struct nvf_nvm *nvm, struct block_device *bdev,
		struct netlink_ext_ack *extack);
void nvf_nvm_unmap(struct nvf_nvm *nvm);

/* ---- super.c: NVM superblock, format and recovery ---- */

int nvf_super_load(struct nvf_dev *dev, bool format,
		   struct netlink_ext_ack *extack);

/* ---- stats.c: per-cgroup I/O counters ---- */

struct nvf_counters {
	u64 write_bios;
	u64 write_bytes;
	u64 sync_writes;
	u64 flushes;
	u64 fua_writes;
	u64 read_bios;
	u64 read_bytes;
	u64 discard_bios;
	u64 discard_bytes;
};

struct nvf_stats {
	struct xarray cgroups;	/* cgroup id -> struct nvf_cgroup_stats */
};

int nvf_stats_init(struct nvf_stats *st);
void nvf_stats_exit(struct nvf_stats *st);
void nvf_stats_account(struct nvf_stats *st, struct bio *bio);
u64 nvf_bio_cgroup_id(struct bio *bio);
int nvf_stats_read(struct nvf_stats *st, u64 *id, struct nvf_counters *sum);

/* ---- device.c: device lifecycle ---- */

struct nvf_dev {
	struct list_head node;		/* nvf_devs, sorted by index */
	char name[NVFLUSH_NAME_LEN];
	char *origin_path;
	char *nvm_path;
	int index;			/* N of /dev/nvflushN */
	struct nvf_bdev origin;
	struct nvf_bdev nvm_bdev;
	struct nvf_nvm nvm;
	struct nvf_sb_info sb;		/* the NVM's superblock */
	u64 commit_seq;			/* last committed sequence */
	u32 slot_seed;			/* checksum seed of slot records */
	u64 recovered_blocks;		/* committed blocks found at create */
	u64 recovery_usec;		/* time to load the NVM at create */
	u32 mode;			/* enum nvflush_mode */
	struct nvf_tier tier;
	struct gendisk *disk;
	bool dying;			/* under disk->open_mutex */
	struct bio_set bios;		/* clones towards the origin */
	struct percpu_ref inflight;	/* clones not yet completed */
	struct completion drained;	/* inflight reached zero after kill */
	struct nvf_stats stats;
};

struct nvf_create_args {
	const char *name;
	const char *origin_path;
	const char *nvm_path;
	bool format;			/* initialize the NVM */
	u32 mode;			/* enum nvflush_mode */
	/* netlink attributes named in error messages, may be NULL */
	const struct nlattr *origin_attr;
	const struct nlattr *nvm_attr;
};

extern struct mutex nvf_devs_lock;
extern struct list_head nvf_devs;

struct nvf_dev *nvf_dev_create(const struct nvf_create_args *args,
			       struct netlink_ext_ack *extack);
int nvf_dev_destroy(struct nvf_dev *dev, struct netlink_ext_ack *extack);
struct nvf_dev *nvf_dev_find(const char *name);

/* ---- io.c: the I/O path ---- */

extern const struct block_device_operations nvf_fops;

int nvf_io_init(struct nvf_dev *dev);
void nvf_io_exit(struct nvf_dev *dev);

/* ---- netlink.c: generic netlink family "nvflush" ---- */

int nvf_netlink_init(void);
void nvf_netlink_exit(void);

#endif /* NVF_NVFLUSH_H */
