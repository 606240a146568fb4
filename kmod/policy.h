/* SPDX-License-Identifier: GPL-2.0 */
/*
 * nvflush per-cgroup policy objects, and the parts of policy resolution
 * and destage ranking that depend on nothing but their arguments (policy.c
 * does the cgroup walk and the locking around them).
 */
#ifndef NVF_POLICY_H
#define NVF_POLICY_H

#include <linux/atomic.h>
#include <linux/rcupdate.h>
#include <linux/xarray.h>
#include "nvflush.h"

struct nvf_policy {
	u64 cgid;
	char *path;		/* as given by the operator */
	u32 mode;		/* enum nvflush_mode */
	u32 on_full;		/* enum nvflush_on_full */
	u64 max_dirty;		/* bytes, 0: no cap */
	u32 weight;
	atomic64_t dirty;	/* blocks absorbed under this policy, held */
	atomic_t waiters;	/* writers waiting at the cap */
	unsigned long event_stamp;	/* jiffies of the last quota-hit */
	struct rcu_head rcu;
};

/* cgroup ids the walk of a writer's hierarchy looks up per step. */
#define NVF_WALK_IDS	8

/**
 * nvf_policy_rank() - rank of a policy's blocks in the destage order
 * @p: the policy
 *
 * Return: its weight, or NVF_URGENT_WEIGHT (above every weight) while
 * writers wait at its cap.
 */
static inline u32 nvf_policy_rank(struct nvf_policy *p)
{
	return atomic_read(&p->waiters) ? NVF_URGENT_WEIGHT : READ_ONCE(p->weight);
}

/**
 * nvf_policy_nearest() - the policy of the nearest cgroup that has one
 * @pols: the device's policies, by cgroup id
 * @ids: a cgroup's id, then its ancestors' up towards the root
 * @n: number of ids
 *
 * Context: RCU read side (the policy is freed after a grace period).
 * Return: the policy of the first id in @ids that has one, or NULL.
 */
static inline struct nvf_policy *nvf_policy_nearest(struct xarray *pols,
						    const u64 *ids,
						    unsigned int n)
{
	struct nvf_policy *p = NULL;
	unsigned int i;

	for (i = 0; i < n && !p; i++)
		p = xa_load(pols, ids[i]);
	return p;
}

/**
 * nvf_mode_absorbs() - whether a mode absorbs a write
 * @mode: enum nvflush_mode
 * @opf: the write's operation and flags
 *
 * Return: true if the write goes to NVM.
 */
static inline bool nvf_mode_absorbs(u32 mode, blk_opf_t opf)
{
	switch (mode) {
	case NVFLUSH_MODE_ABSORB:
		return true;
	case NVFLUSH_MODE_SYNC_ONLY:
		return opf & (REQ_SYNC | REQ_FUA | REQ_PREFLUSH);
	default:
		return false;
	}
}

/**
 * nvf_root_sync_absorbs() - whether a journal/metadata write of the root
 * cgroup is absorbed whatever the policies say
 * @root_sync: the device's enum nvflush_root_sync
 * @root: the write comes from the root cgroup (or carries none)
 * @opf: the write's operation and flags
 *
 * Journal and metadata writes are issued from the root cgroup (jbd2, the
 * XFS log) and carry REQ_META, and REQ_PREFLUSH/REQ_FUA on their commit
 * records. A tenant's fsync waits for them: with root-sync absorb they go
 * to NVM whatever the root's policy, so the fsync completes in NVM. Plain
 * REQ_SYNC (every O_DIRECT write has it) does not count.
 *
 * Return: true if the write is absorbed.
 */
static inline bool nvf_root_sync_absorbs(u32 root_sync, bool root,
					 blk_opf_t opf)
{
	return root && root_sync == NVFLUSH_ROOT_SYNC_ABSORB &&
	       (opf & (REQ_FUA | REQ_PREFLUSH | REQ_META));
}

/**
 * nvf_policy_decide() - the decision for a write under a policy
 * @d: receives the decision
 * @p: the policy that governs the write, NULL: the device's default
 * @dev_mode: the device's default mode (enum nvflush_mode)
 * @opf: the write's operation and flags
 */
static inline void nvf_policy_decide(struct nvf_decision *d,
				     const struct nvf_policy *p, u32 dev_mode,
				     blk_opf_t opf)
{
	*d = (struct nvf_decision){ .mode = dev_mode };
	if (p) {
		d->pol = p->cgid;
		d->mode = READ_ONCE(p->mode);
		d->on_full = READ_ONCE(p->on_full);
		d->max_blocks = READ_ONCE(p->max_dirty) / NVF_BLOCK_SIZE;
	}
	d->absorb = nvf_mode_absorbs(d->mode, opf);
}

/**
 * nvf_policy_top_rank() - the rank the destager serves first
 * @pols: the device's policies
 * @dirty: blocks held in NVM in total
 *
 * Return: the highest rank among policies holding blocks, and at least
 * the default weight if blocks are held outside every policy; 0 if no
 * block is held.
 */
static inline u32 nvf_policy_top_rank(struct xarray *pols, s64 dirty)
{
	struct nvf_policy *p;
	unsigned long id;
	u32 top = 0;
	s64 held;

	rcu_read_lock();
	xa_for_each(pols, id, p) {
		held = atomic64_read(&p->dirty);
		if (held <= 0)
			continue;
		dirty -= held;
		top = max(top, nvf_policy_rank(p));
	}
	rcu_read_unlock();
	if (dirty > 0)
		top = max_t(u32, top, NVF_DEFAULT_WEIGHT);
	return top;
}

#endif /* NVF_POLICY_H */
