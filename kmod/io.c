// SPDX-License-Identifier: GPL-2.0
/*
 * nvflush I/O path: every bio is counted for the cgroup that issued it and
 * passed to the origin as a clone that keeps the cgroup association.
 */
#include <linux/bio.h>
#include <linux/blkdev.h>
#include <linux/module.h>
#include "nvflush.h"

/* Per-clone context, placed in front of the clone by the bio_set. */
struct nvf_io {
	struct nvf_dev *dev;
	struct bio *orig;
	unsigned long start;	/* for the disk's I/O accounting */
	struct nvf_lat lat;
	struct bio clone;	/* must be last */
};

/* Whether a status from the origin is a device failure (latches). */
static bool nvf_origin_failed(blk_status_t status)
{
	return status && status != BLK_STS_NOTSUPP && status != BLK_STS_AGAIN;
}

static void nvf_clone_endio(struct bio *clone)
{
	struct nvf_io *io = container_of(clone, struct nvf_io, clone);
	struct nvf_dev *dev = io->dev;
	struct bio *bio = io->orig;

	bio->bi_status = clone->bi_status;
	/*
	 * A write completed on the origin: the next flush must flush the
	 * origin. Set on completion, not submission, so that a flush racing
	 * with this write cannot clear it before the write is done. A failed
	 * flush leaves the origin's cache unflushed: mark it again.
	 */
	if ((bio_op(bio) == REQ_OP_WRITE && bio_sectors(bio)) ||
	    (clone->bi_status && (clone->bi_opf & REQ_PREFLUSH)))
		atomic_set(&dev->tier.origin_dirty, 1);
	if (nvf_origin_failed(clone->bi_status))
		nvf_tier_error(dev, op_is_write(bio_op(bio)) ? "origin write" :
			       "origin read", blk_status_to_errno(clone->bi_status));
	bio_end_io_acct(bio, io->start);
	nvf_lat_end(&io->lat);
	bio_put(clone);
	nvf_bio_endio(bio);
	percpu_ref_put(&dev->inflight);
}

static void nvf_submit_bio(struct bio *bio)
{
	struct nvf_dev *dev = bio->bi_bdev->bd_disk->private_data;
	struct bio *clone;
	struct nvf_io *io;

	struct nvf_counters __percpu *c = nvf_stats_account(&dev->stats, bio);
	struct nvf_lat lat;

	if (unlikely(!percpu_ref_tryget_live(&dev->inflight))) {
		bio_io_error(bio);
		return;
	}
	nvf_lat_start(&lat, c, bio);
	if (nvf_tier_handle(dev, bio, &lat)) {
		percpu_ref_put(&dev->inflight);
		return;
	}
	/*
	 * A clone for a non-NULL bdev inherits the blkcg association of the
	 * original, so the origin's I/O controller sees the real writer.
	 */
	clone = bio_alloc_clone(dev->origin.bdev, bio, GFP_NOIO, &dev->bios);
	if (unlikely(!clone)) {
		percpu_ref_put(&dev->inflight);
		bio_io_error(bio);
		return;
	}
	io = container_of(clone, struct nvf_io, clone);
	io->dev = dev;
	io->orig = bio;
	io->start = bio_start_io_acct(bio);
	io->lat = lat;
	clone->bi_end_io = nvf_clone_endio;
	nvf_origin_submit(clone);
}

const struct block_device_operations nvf_fops = {
	.owner = THIS_MODULE,
	.submit_bio = nvf_submit_bio,
	.open = nvf_compat_open,
};

static void nvf_inflight_release(struct percpu_ref *ref)
{
	struct nvf_dev *dev = container_of(ref, struct nvf_dev, inflight);

	complete(&dev->drained);
}

/**
 * nvf_io_init() - set up the I/O path of a device
 * @dev: the device
 *
 * The caller calls nvf_io_exit() whether this succeeds or fails.
 *
 * Return: 0 or a negative errno.
 */
int nvf_io_init(struct nvf_dev *dev)
{
	int err;

	init_completion(&dev->drained);
	err = percpu_ref_init(&dev->inflight, nvf_inflight_release, 0,
			      GFP_KERNEL);
	if (err)
		return err;
	/*
	 * A read split between NVM and origin allocates several clones.
	 * On failure the ref stays for nvf_io_exit(): a second
	 * percpu_ref_exit() would free a stale pointer.
	 */
	return bioset_init(&dev->bios, BIO_POOL_SIZE,
			   offsetof(struct nvf_io, clone), BIOSET_NEED_RESCUER);
}

/**
 * nvf_io_exit() - release what nvf_io_init() set up
 * @dev: the device, with no I/O in flight (or never or partly initialized;
 *	 called once)
 */
void nvf_io_exit(struct nvf_dev *dev)
{
	bioset_exit(&dev->bios);
	percpu_ref_exit(&dev->inflight);
}
