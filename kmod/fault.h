/* SPDX-License-Identifier: GPL-2.0 */
/*
 * nvflush persistence primitives and their fault-injection hooks.
 *
 * Every store to NVM goes through nvf_pmem_store(), every fence through
 * nvf_pmem_fence(), every bio sent to the origin through
 * nvf_origin_submit() and every origin flush through nvf_origin_flush().
 * In a release build these are the plain kernel primitives. A test build
 * (make NVF_FAULT=1, which defines NVF_FAULT_INJECT and links fault.c)
 * routes them through hooks driven from debugfs (nvflush/fault/, see
 * Documentation/testing.md): fail the Nth NVM or origin operation, freeze
 * all persistence after event N, and at a simulated crash drop a random
 * subset of the NVM stores not yet fenced, at 8-byte granularity.
 */
#ifndef NVF_FAULT_H
#define NVF_FAULT_H

#include <linux/bio.h>
#include <linux/blkdev.h>
#include <linux/libnvdimm.h>
#include <linux/string.h>

/* Operations that can be made to fail (the Nth one after arming). */
enum nvf_fault_op {
	NVF_FAULT_NVM_WRITE,	/* a block written into NVM (or a format) */
	NVF_FAULT_NVM_READ,	/* a read from NVM */
	NVF_FAULT_ORIGIN_WRITE,	/* a write bio sent to the origin */
	NVF_FAULT_ORIGIN_FLUSH,	/* a flush of the origin */
	NVF_FAULT_OPS
};

#ifdef NVF_FAULT_INJECT

void nvf_pmem_store(void *dst, const void *src, size_t len);
void nvf_pmem_fence(void);
bool nvf_fault_fail(enum nvf_fault_op op);
void nvf_origin_submit(struct bio *bio);
int nvf_origin_flush(struct block_device *bdev);
void nvf_bio_endio(struct bio *bio);
int nvf_fault_init(void);
void nvf_fault_exit(void);

#else /* !NVF_FAULT_INJECT */

/* Non-temporal stores: durable after the next nvf_pmem_fence(). */
static inline void nvf_pmem_store(void *dst, const void *src, size_t len)
{
	memcpy_flushcache(dst, src, len);
}

/* Make this CPU's earlier NVM stores durable. */
static inline void nvf_pmem_fence(void)
{
	pmem_wmb();
}

static inline bool nvf_fault_fail(enum nvf_fault_op op)
{
	return false;
}

static inline void nvf_origin_submit(struct bio *bio)
{
	submit_bio_noacct(bio);
}

static inline int nvf_origin_flush(struct block_device *bdev)
{
	return blkdev_issue_flush(bdev);
}

/* Complete a bio of the nvflush device itself. */
static inline void nvf_bio_endio(struct bio *bio)
{
	bio_endio(bio);
}

static inline int nvf_fault_init(void)
{
	return 0;
}

static inline void nvf_fault_exit(void)
{
}

#endif /* NVF_FAULT_INJECT */
#endif /* NVF_FAULT_H */
