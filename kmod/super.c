// SPDX-License-Identifier: GPL-2.0
/*
 * nvflush NVM superblock: validate and recover at device creation, or
 * format on request. The on-media format is in format.h and described in
 * Documentation/format.md.
 *
 * An NVM is used as it is only if it holds a valid superblock for this
 * origin; a blank, damaged or foreign NVM needs an explicit format, and an
 * NVM that holds committed data is never formatted.
 */
#include <linux/blkdev.h>
#include <linux/ktime.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <linux/uuid.h>
#include "nvflush.h"

static const char nvf_msg_recover_first[] =
	"NVM holds committed data for this origin: create without --format to recover it";
static const char nvf_msg_foreign_data[] =
	"NVM holds committed data of another origin: refusing to format it";

static void *nvf_nvm_at(struct nvf_dev *dev, u64 off)
{
	return dev->nvm.kaddr + off;
}

/* Read from NVM: a media error or a known bad block is -EIO. */
static int nvf_nvm_copy(struct nvf_dev *dev, void *dst, u64 off, size_t len)
{
	return nvf_nvm_read(&dev->nvm, dst, nvf_nvm_at(dev, off), len);
}

static void nvf_nvm_write(struct nvf_dev *dev, u64 off, const void *src,
			  size_t len)
{
	nvf_pmem_store(nvf_nvm_at(dev, off), src, len);
}

/*
 * Classify every slot record. Returns the number of committed records, or
 * -EIO if the records cannot be read.
 */
static s64 nvf_super_scan(struct nvf_dev *dev, u64 commit)
{
	const size_t per_block = NVF_FMT_BLOCK_SIZE / sizeof(struct nvf_slot_ondisk);
	u64 origin_blocks = get_capacity(dev->origin.bdev->bd_disk) /
			    NVF_BLOCK_SECTORS;
	struct nvf_slot_ondisk *recs;
	struct nvf_slot_info info;
	u64 slot, valid = 0;
	size_t i, n;
	int err = 0;

	recs = kmalloc(NVF_FMT_BLOCK_SIZE, GFP_KERNEL);
	if (!recs)
		return -ENOMEM;
	for (slot = 0; slot < dev->sb.nr_slots && !err; slot += n) {
		n = min_t(u64, per_block, dev->sb.nr_slots - slot);
		err = nvf_nvm_copy(dev, recs, dev->sb.meta_offset +
				   slot * sizeof(*recs), n * sizeof(*recs));
		for (i = 0; i < n && !err; i++)
			if (nvf_slot_decode(&recs[i], dev->slot_seed, commit,
					    origin_blocks, &info) ==
			    NVF_SLOT_VALID)
				valid++;
		cond_resched();
	}
	kfree(recs);
	return err ? err : valid;
}

static int nvf_super_format(struct nvf_dev *dev, struct netlink_ext_ack *extack)
{
	struct block_device *origin = dev->origin.bdev;
	struct nvf_sb_ondisk *d;
	const __le64 zero_seq = 0;
	struct nvf_sb_info s = {};
	u64 off, end;
	void *zero;
	uuid_t uuid;

	if (nvf_fmt_geometry(dev->nvm.size, &s)) {
		NL_SET_ERR_MSG(extack, "NVM is too small for nvflush");
		return -ENOSPC;
	}
	if (nvf_fault_fail(NVF_FAULT_NVM_WRITE)) {
		NL_SET_ERR_MSG(extack, "NVM write failed while formatting");
		return -EIO;
	}
	zero = kzalloc(NVF_FMT_BLOCK_SIZE, GFP_KERNEL);
	d = kmalloc(sizeof(*d), GFP_KERNEL);
	if (!zero || !d) {
		kfree(zero);
		kfree(d);
		return -ENOMEM;
	}
	uuid_gen(&uuid);
	memcpy(s.uuid, uuid.b, sizeof(s.uuid));
	s.origin_sectors = bdev_nr_sectors(origin);
	s.origin_lbs = bdev_logical_block_size(origin);
	s.nvm_bytes = dev->nvm.size;
	s.format_time = ktime_get_real_seconds();

	/* 1. invalidate the old superblock: a torn format reads as blank */
	nvf_nvm_write(dev, 0, zero, sizeof(*d));
	nvf_pmem_fence();
	/* 2. free every slot record, reset the commit sequence */
	end = s.meta_offset + s.nr_slots * sizeof(struct nvf_slot_ondisk);
	for (off = s.meta_offset; off < end; off += NVF_FMT_BLOCK_SIZE) {
		nvf_nvm_write(dev, off, zero,
			      min_t(u64, NVF_FMT_BLOCK_SIZE, end - off));
		cond_resched();
	}
	nvf_nvm_write(dev, NVF_COMMIT_OFFSET, &zero_seq, sizeof(zero_seq));
	nvf_pmem_fence();
	/* 3. the new superblock makes the tier valid */
	nvf_sb_encode(d, &s);
	nvf_nvm_write(dev, 0, d, sizeof(*d));
	nvf_pmem_fence();
	kfree(d);
	kfree(zero);
	dev->sb = s;
	dev->commit_seq = 0;
	return 0;
}

static const char *nvf_sb_problem(enum nvf_sb_status st)
{
	switch (st) {
	case NVF_SB_BLANK:
		return "NVM is not formatted for nvflush (pass --format to initialize it)";
	case NVF_SB_BAD_CSUM:
		return "NVM superblock is damaged (checksum mismatch; --format discards it)";
	case NVF_SB_BAD_VERSION:
		return "NVM was formatted by an unknown version of nvflush";
	case NVF_SB_BAD_FEATURES:
		return "NVM uses features this version of nvflush does not support";
	case NVF_SB_BAD_GEOMETRY:
		return "NVM superblock does not fit this device";
	default:
		return "NVM superblock is invalid";
	}
}

/*
 * Load the superblock and the commit sequence. Returns the decode status,
 * or a negative errno if the NVM cannot be read.
 */
static int nvf_super_read(struct nvf_dev *dev)
{
	struct nvf_sb_ondisk d;
	__le64 seq;
	int st;

	if (nvf_nvm_copy(dev, &d, 0, sizeof(d)) ||
	    nvf_nvm_copy(dev, &seq, NVF_COMMIT_OFFSET, sizeof(seq)))
		return -EIO;
	st = nvf_sb_decode(&d, dev->nvm.size, &dev->sb);
	if (st == NVF_SB_OK) {
		dev->commit_seq = le64_to_cpu(seq);
		dev->slot_seed = nvf_slot_seed(dev->sb.uuid);
	}
	return st;
}

static bool nvf_super_same_origin(struct nvf_dev *dev)
{
	struct block_device *origin = dev->origin.bdev;

	return dev->sb.origin_sectors == bdev_nr_sectors(origin) &&
	       dev->sb.origin_lbs == bdev_logical_block_size(origin);
}

/**
 * nvf_super_load() - validate and recover, or format, the NVM of a device
 * @dev: the device, with origin opened and NVM mapped
 * @format: the caller asked to initialize the NVM
 * @extack: receives the reason of a refusal
 *
 * Without @format the NVM must hold a valid superblock for this origin;
 * its committed records are counted. With @format the NVM is initialized,
 * unless it holds committed data (for this origin or another one).
 *
 * Return: 0 or a negative errno; on failure the NVM is unchanged.
 */
int nvf_super_load(struct nvf_dev *dev, bool format,
		   struct netlink_ext_ack *extack)
{
	ktime_t start = ktime_get();
	s64 valid = 0;
	int st, err;

	st = nvf_super_read(dev);
	if (st < 0) {
		NL_SET_ERR_MSG(extack,
			       "NVM superblock cannot be read (media error)");
		return st;
	}
	if (st == NVF_SB_OK) {
		valid = nvf_super_scan(dev, dev->commit_seq);
		if (valid < 0) {
			NL_SET_ERR_MSG(extack,
				       "NVM slot records cannot be read (media error)");
			return valid;
		}
	}
	if (format) {
		if (valid > 0) {
			nvf_extack(extack, NULL, nvf_super_same_origin(dev) ?
				   nvf_msg_recover_first : nvf_msg_foreign_data);
			return -EBUSY;
		}
		err = nvf_super_format(dev, extack);
		if (err)
			return err;
		valid = 0;
	} else if (st != NVF_SB_OK) {
		nvf_extack(extack, NULL, nvf_sb_problem(st));
		return -EINVAL;
	} else if (!nvf_super_same_origin(dev)) {
		NL_SET_ERR_MSG(extack,
			       "NVM is formatted for a different origin (size or block size differ)");
		return -EINVAL;
	}
	dev->slot_seed = nvf_slot_seed(dev->sb.uuid);
	dev->recovered_blocks = valid;
	dev->recovery_usec = ktime_us_delta(ktime_get(), start);
	pr_info("%s: NVM %pUb: %llu slots, %s, %llu committed blocks recovered in %llu us\n",
		dev->name, dev->sb.uuid, dev->sb.nr_slots,
		format ? "formatted" : "loaded", dev->recovered_blocks,
		dev->recovery_usec);
	return 0;
}
