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
#include "fault.h"
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
	struct badblocks *bb;	/* known media errors of its disk, or NULL */
	sector_t first_sector;	/* of the mapping, on that disk */
};

int nvf_nvm_map(struct nvf_nvm *nvm, struct block_device *bdev,
		struct netlink_ext_ack *extack);
void nvf_nvm_unmap(struct nvf_nvm *nvm);
int nvf_nvm_read(const struct nvf_nvm *nvm, void *dst, const void *src,
		 size_t len);

/* ---- super.c: NVM superblock, format and recovery ---- */

int nvf_super_load(struct nvf_dev *dev, bool format,
		   struct netlink_ext_ack *extack);

/* ---- stats.c: per-cgroup I/O counters ---- */

/* Counters of one cgroup on one device (per CPU; all u64, summed). */
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
	u64 absorbed_writes;	/* write bios absorbed into NVM */
	u64 absorbed_bytes;
	u64 bypassed_writes;	/* write bios sent to the origin */
	u64 bypassed_bytes;
	u64 write_hits;		/* blocks written that were in NVM */
	u64 read_hits;		/* blocks read from NVM */
	u64 read_misses;	/* blocks read from the origin */
	u64 dirty_blocks;	/* blocks held in NVM (+1/-1 per CPU) */
	u64 destaged_bytes;
	u64 quota_throttles;	/* writes that waited at the cap */
	u64 quota_throttle_ns;
	u64 quota_bypasses;	/* writes bypassed at the cap */
	u64 write_lat[NVFLUSH_LAT_BUCKETS];	/* completion latency, log2 us */
	u64 flush_lat[NVFLUSH_LAT_BUCKETS];
};

/* What a latency measurement of one bio records (struct nvf_lat.kind). */
#define NVF_LAT_WRITE	1u	/* a write carrying data */
#define NVF_LAT_FLUSH	2u	/* a bio carrying REQ_PREFLUSH */

/* Completion latency measurement of one bio. */
struct nvf_lat {
	struct nvf_counters __percpu *c;	/* its cgroup's counters */
	u64 start;				/* ktime_get_ns() at entry */
	unsigned int kind;			/* NVF_LAT_*, 0: not measured */
};

/**
 * nvf_lat_bucket() - histogram bucket of a latency
 * @ns: the latency in nanoseconds
 *
 * Return: 0 below 1 us, i for [2^(i-1), 2^i) us, the last bucket above.
 */
static inline unsigned int nvf_lat_bucket(u64 ns)
{
	unsigned int b = fls64(div_u64(ns, NSEC_PER_USEC));

	return min_t(unsigned int, b, NVFLUSH_LAT_BUCKETS - 1);
}

struct nvf_stats {
	struct xarray cgroups;	/* cgroup id -> struct nvf_cgroup_stats */
};

int nvf_stats_init(struct nvf_stats *st);
void nvf_stats_exit(struct nvf_stats *st);
struct nvf_counters __percpu *
nvf_stats_account(struct nvf_stats *st, struct bio *bio);
struct nvf_counters __percpu *nvf_stats_of(struct nvf_stats *st, u64 id);
u64 nvf_bio_cgroup_id(struct bio *bio);
int nvf_stats_read(struct nvf_stats *st, u64 *id, struct nvf_counters *sum);
void nvf_lat_start(struct nvf_lat *lat, struct nvf_counters __percpu *c,
		   const struct bio *bio);
void nvf_lat_end(const struct nvf_lat *lat);

/* ---- policy.c: per-cgroup policies ---- */

#define NVF_MAX_POLICIES	65536	/* per device */
#define NVF_DEFAULT_WEIGHT	100
#define NVF_URGENT_WEIGHT	1001	/* above every weight: writers wait */

/* What the policy of a write's cgroup says about it. */
struct nvf_decision {
	u64 pol;		/* cgroup id of the policy, 0: device default */
	u32 mode;		/* enum nvflush_mode */
	u32 on_full;		/* enum nvflush_on_full */
	u64 max_blocks;		/* cap in blocks, 0: none */
	bool absorb;		/* the mode absorbs this write */
};

/* A policy-set request: NULL pointers leave a setting unchanged. */
struct nvf_policy_args {
	const char *path;
	const struct nlattr *path_attr;
	const u32 *mode;
	const u32 *on_full;
	const u64 *max_dirty;
	const u32 *weight;
};

struct nvf_policy_info {
	u64 cgid;
	const char *path;
	u32 mode;
	u32 on_full;
	u64 max_dirty;
	u32 weight;
	u64 dirty_bytes;
	bool stale;		/* its cgroup was removed */
};

void nvf_policies_init(struct nvf_dev *dev);
void nvf_policies_exit(struct nvf_dev *dev);
void nvf_policy_resolve(struct nvf_dev *dev, struct bio *bio,
			struct nvf_decision *d);
void nvf_policy_charge(struct nvf_dev *dev, u64 pol, long n);
bool nvf_policy_over(struct nvf_dev *dev, const struct nvf_decision *d, u64 n);
int nvf_policy_set(struct nvf_dev *dev, const struct nvf_policy_args *a,
		   struct netlink_ext_ack *extack);
int nvf_policy_del(struct nvf_dev *dev, u64 id, struct netlink_ext_ack *extack);
int nvf_policy_lookup_path(const char *path, u64 *id);
int nvf_policy_read(struct nvf_dev *dev, u64 *id, struct nvf_policy_info *out);
u32 nvf_policy_weight(struct nvf_dev *dev, u64 pol);
void nvf_policy_quota_event(struct nvf_dev *dev, const struct nvf_decision *d);
void nvf_policy_waiting(struct nvf_dev *dev, u64 pol, int n);
u32 nvf_policy_top_weight(struct nvf_dev *dev);

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
	u32 mode;			/* enum nvflush_mode, the default */
	u32 root_sync;			/* enum nvflush_root_sync */
	struct xarray policies;		/* cgroup id -> struct nvf_policy */
	unsigned int nr_policies;	/* under nvf_devs_lock */
	wait_queue_head_t quota_wait;	/* writers waiting at their cap */
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

extern struct genl_family nvf_family;

int nvf_netlink_init(void);
void nvf_netlink_exit(void);

/* ---- events.c: the events multicast group ---- */

enum nvf_mcgrp {
	NVF_MCGRP_EVENTS,
};

/* An event; zero/NULL members are not sent. */
struct nvf_event {
	u32 type;		/* enum nvflush_event_type */
	u64 cgroup_id;
	const char *cgroup_path;
	const char *reason;	/* with error */
	u32 error;
	bool has_dirty;		/* dirty_bytes is sent */
	u64 dirty_bytes;
	u64 max_dirty;		/* quota-hit: with on_full */
	u32 on_full;
	bool removed;
};

void nvf_event_send(struct nvf_dev *dev, const struct nvf_event *ev, gfp_t gfp);
void nvf_event_policy(struct nvf_dev *dev, u64 cgid, const char *path,
		      bool removed);
bool nvf_event_ratelimit(unsigned long *stamp);

/* ---- nlpolicy.c: the policy operations of the family ---- */

int nvf_cmd_policy_set(struct sk_buff *skb, struct genl_info *info);
int nvf_cmd_policy_del(struct sk_buff *skb, struct genl_info *info);
int nvf_cmd_policy_get(struct sk_buff *skb, struct genl_info *info);
int nvf_dump_policy(struct sk_buff *skb, struct netlink_callback *cb);

#endif /* NVF_NVFLUSH_H */
