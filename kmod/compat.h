/* SPDX-License-Identifier: GPL-2.0 */
/*
 * nvflush kernel compatibility layer.
 *
 * Every difference between the kernels nvflush supports (Debian's 6.1 and
 * 6.12 LTS) lives here. Kbuild probes the kernel headers for features and
 * defines NVF_HAVE_*; no other file tests kernel versions or features.
 * This header is force-included before every source file.
 */
#ifndef NVF_COMPAT_H
#define NVF_COMPAT_H

#include <linux/blkdev.h>
#include <linux/fs.h>
#include <net/genetlink.h>

/* Exclusive opening of the lower block devices. */
struct nvf_bdev {
	struct block_device *bdev;
#ifdef NVF_HAVE_BDEV_FILE
	struct file *file;
#endif
};

static inline int nvf_bdev_open(struct nvf_bdev *b, const char *path,
				void *holder)
{
#ifdef NVF_HAVE_BDEV_FILE
	struct file *f = bdev_file_open_by_path(path,
						BLK_OPEN_READ | BLK_OPEN_WRITE,
						holder, NULL);

	if (IS_ERR(f))
		return PTR_ERR(f);
	b->file = f;
	b->bdev = file_bdev(f);
#else
	struct block_device *bdev =
		blkdev_get_by_path(path, FMODE_READ | FMODE_WRITE | FMODE_EXCL,
				   holder);

	if (IS_ERR(bdev))
		return PTR_ERR(bdev);
	b->bdev = bdev;
#endif
	return 0;
}

static inline void nvf_bdev_close(struct nvf_bdev *b)
{
	if (!b->bdev)
		return;
#ifdef NVF_HAVE_BDEV_FILE
	fput(b->file);
	b->file = NULL;
#else
	blkdev_put(b->bdev, FMODE_READ | FMODE_WRITE | FMODE_EXCL);
#endif
	b->bdev = NULL;
}

/* Allocation of a bio-based gendisk with its queue limits. */
struct nvf_disk_limits {
	unsigned int block_size;
	unsigned int max_discard_sectors;
	unsigned int discard_granularity;
};

static inline struct gendisk *nvf_alloc_disk(const struct nvf_disk_limits *l)
{
#ifdef NVF_HAVE_BLK_FEATURES
	struct queue_limits lim = {
		.logical_block_size = l->block_size,
		.physical_block_size = l->block_size,
		.io_min = l->block_size,
		.max_hw_discard_sectors = l->max_discard_sectors,
		.discard_granularity = l->discard_granularity,
		.features = BLK_FEAT_WRITE_CACHE | BLK_FEAT_FUA,
	};

	return blk_alloc_disk(&lim, NUMA_NO_NODE);
#else
	struct gendisk *disk = blk_alloc_disk(NUMA_NO_NODE);

	if (!disk)
		return ERR_PTR(-ENOMEM);
	blk_queue_logical_block_size(disk->queue, l->block_size);
	blk_queue_physical_block_size(disk->queue, l->block_size);
	blk_queue_io_min(disk->queue, l->block_size);
	blk_queue_max_discard_sectors(disk->queue, l->max_discard_sectors);
	disk->queue->limits.discard_granularity = l->discard_granularity;
	blk_queue_write_cache(disk->queue, true, true);
	return disk;
#endif
}

/* block_device_operations open/release. */
int nvf_disk_open(struct gendisk *disk);

#ifdef NVF_HAVE_BLK_MODE_T
static inline int nvf_compat_open(struct gendisk *disk, blk_mode_t mode)
{
	return nvf_disk_open(disk);
}
#else
static inline int nvf_compat_open(struct block_device *bdev, fmode_t mode)
{
	return nvf_disk_open(bdev->bd_disk);
}
#endif

/* Request attributes of a generic netlink dump. */
static inline struct nlattr **nvf_dump_attrs(struct netlink_callback *cb)
{
#ifdef NVF_HAVE_GENL_INFO_DUMP
	return genl_info_dump(cb)->attrs;
#else
	return genl_dumpit_info(cb)->attrs;
#endif
}

#endif /* NVF_COMPAT_H */
