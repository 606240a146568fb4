// SPDX-License-Identifier: GPL-2.0
/*
 * nvflush per-cgroup policies: which writes of a cgroup are absorbed, how
 * much NVM it may hold and what happens at that cap, and its destage
 * weight.
 *
 * Policies live in a per-device xarray keyed by cgroup id. A write finds
 * its policy by walking from its cgroup towards the root (one lock-free
 * xa_load per level, under RCU); a cgroup without a policy of its own
 * inherits the nearest ancestor's, else the device's default mode. Policy
 * objects are freed after an RCU grace period; settings are changed in
 * place (plain stores of single values) so their NVM usage survives.
 *
 * A policy whose cgroup was removed matches no I/O any more (cgroup ids
 * are never reused); it is reported as stale until it is deleted.
 *
 * Destage order: the destager takes the blocks of the highest weight
 * first. A policy with writers waiting at its cap ranks above every
 * weight, so that throttled writers wait for their own blocks only.
 */
#include <linux/blk-cgroup.h>
#include <linux/cgroup.h>
#include <linux/rcupdate.h>
#include <linux/slab.h>
#include "nvflush.h"
#include "policy.h"

/**
 * nvf_policies_init() - set up the policies of a device
 * @dev: the device
 */
void nvf_policies_init(struct nvf_dev *dev)
{
	xa_init(&dev->policies);
	init_waitqueue_head(&dev->quota_wait);
	dev->root_sync = NVFLUSH_ROOT_SYNC_ABSORB;
}

static void nvf_policy_free(struct nvf_policy *p)
{
	kfree(p->path);
	kfree(p);
}

static void nvf_policy_free_rcu(struct rcu_head *head)
{
	nvf_policy_free(container_of(head, struct nvf_policy, rcu));
}

/**
 * nvf_policies_exit() - free the policies of a device
 * @dev: the device, with no I/O in flight
 */
void nvf_policies_exit(struct nvf_dev *dev)
{
	struct nvf_policy *p;
	unsigned long id;

	xa_for_each(&dev->policies, id, p)
		nvf_policy_free(p);
	xa_destroy(&dev->policies);
}

/*
 * The policy of the nearest cgroup from @cgrp up that has one; a write
 * without cgroup is the root's. Looks the ids up NVF_WALK_IDS levels at a
 * time. Context: RCU read side.
 */
static struct nvf_policy *nvf_policy_find(struct nvf_dev *dev,
					  struct cgroup *cgrp)
{
	u64 ids[NVF_WALK_IDS] = { NVF_ROOT_CGROUP_ID };
	struct nvf_policy *p = NULL;
	unsigned int n;

	if (!cgrp)
		return nvf_policy_nearest(&dev->policies, ids, 1);
	while (cgrp && !p) {
		for (n = 0; cgrp && n < NVF_WALK_IDS; cgrp = cgroup_parent(cgrp))
			ids[n++] = cgroup_id(cgrp);
		p = nvf_policy_nearest(&dev->policies, ids, n);
	}
	return p;
}

/**
 * nvf_policy_resolve() - find the policy that governs a write
 * @dev: the device
 * @bio: a write
 * @d: receives the decision
 *
 * Context: the I/O path; takes no lock. Cost: one xarray lookup per level
 * of the writer's cgroup hierarchy (none while the device has no policy).
 */
void nvf_policy_resolve(struct nvf_dev *dev, struct bio *bio,
			struct nvf_decision *d)
{
	struct cgroup_subsys_state *css = bio_blkcg_css(bio);
	struct cgroup *cgrp = css ? css->cgroup : NULL;
	struct nvf_policy *p = NULL;

	if (nvf_root_sync_absorbs(READ_ONCE(dev->root_sync),
				  !cgrp || !cgroup_parent(cgrp), bio->bi_opf)) {
		*d = (struct nvf_decision){ .mode = NVFLUSH_MODE_ABSORB,
					    .absorb = true };
		return;
	}
	rcu_read_lock();
	if (!xa_empty(&dev->policies))
		p = nvf_policy_find(dev, cgrp);
	nvf_policy_decide(d, p, READ_ONCE(dev->mode), bio->bi_opf);
	rcu_read_unlock();
}

/**
 * nvf_policy_charge() - account blocks held in NVM under a policy
 * @dev: the device
 * @pol: the policy's cgroup id (0: none)
 * @n: blocks taken (> 0) or released (< 0)
 */
void nvf_policy_charge(struct nvf_dev *dev, u64 pol, long n)
{
	struct nvf_policy *p;

	if (!pol)
		return;
	rcu_read_lock();
	p = xa_load(&dev->policies, pol);
	if (p)
		atomic64_add(n, &p->dirty);
	rcu_read_unlock();
	if (n < 0 && wq_has_sleeper(&dev->quota_wait))
		wake_up_all(&dev->quota_wait);
}

/**
 * nvf_policy_over() - whether @n more blocks would exceed a policy's cap
 * @dev: the device
 * @d: the decision of the write
 * @n: blocks the write needs
 *
 * A write larger than the whole cap fits once the policy holds nothing.
 * Return: true if the write does not fit now.
 */
bool nvf_policy_over(struct nvf_dev *dev, const struct nvf_decision *d, u64 n)
{
	struct nvf_policy *p;
	bool over = false;
	s64 held;

	if (!d->max_blocks)
		return false;
	rcu_read_lock();
	p = xa_load(&dev->policies, d->pol);
	if (p) {
		held = atomic64_read(&p->dirty);
		over = held > 0 && held + n > d->max_blocks;
	}
	rcu_read_unlock();
	return over;
}

/* Settings of a policy-set request; a NULL pointer leaves one unchanged. */
static void nvf_policy_apply(struct nvf_policy *p,
			     const struct nvf_policy_args *a)
{
	if (a->mode)
		WRITE_ONCE(p->mode, *a->mode);
	if (a->on_full)
		WRITE_ONCE(p->on_full, *a->on_full);
	if (a->max_dirty)
		WRITE_ONCE(p->max_dirty, *a->max_dirty);
	if (a->weight)
		WRITE_ONCE(p->weight, *a->weight);
}

/**
 * nvf_policy_set() - create or change the policy of a cgroup
 * @dev: the device
 * @a: the cgroup (by path) and the settings given
 * @extack: receives the reason of a refusal
 *
 * Context: caller holds nvf_devs_lock (serializes changes).
 * Return: 0, or a negative errno (nothing changed).
 */
int nvf_policy_set(struct nvf_dev *dev, const struct nvf_policy_args *a,
		   struct netlink_ext_ack *extack)
{
	struct cgroup *cgrp = cgroup_get_from_path(a->path);
	struct nvf_policy *p, *old;
	u64 id;
	int err;

	lockdep_assert_held(&nvf_devs_lock);
	if (IS_ERR(cgrp)) {
		nvf_extack(extack, a->path_attr,
			   "no such cgroup (give a path under the cgroup2 mount, e.g. /tenant-a)");
		return PTR_ERR(cgrp);
	}
	id = cgroup_id(cgrp);
	cgroup_put(cgrp);
	p = xa_load(&dev->policies, id);
	if (p) {
		nvf_policy_apply(p, a);
		wake_up_all(&dev->quota_wait);	/* a cap may have grown */
		nvf_event_policy(dev, id, p->path, false);
		return 0;
	}
	if (!a->mode) {
		nvf_extack(extack, NULL, "a new policy needs a mode");
		return -EINVAL;
	}
	if (dev->nr_policies >= NVF_MAX_POLICIES) {
		nvf_extack(extack, NULL, "too many policies on this device");
		return -ENOSPC;
	}
	p = kzalloc(sizeof(*p), GFP_KERNEL);
	if (!p)
		return -ENOMEM;
	p->path = kstrdup(a->path, GFP_KERNEL);
	if (!p->path) {
		kfree(p);
		return -ENOMEM;
	}
	p->cgid = id;
	p->on_full = NVFLUSH_ON_FULL_THROTTLE;
	p->weight = NVF_DEFAULT_WEIGHT;
	nvf_policy_apply(p, a);
	old = xa_cmpxchg(&dev->policies, id, NULL, p, GFP_KERNEL);
	err = xa_is_err(old) ? xa_err(old) : old ? -EEXIST : 0;
	if (err) {
		nvf_policy_free(p);
		return err;
	}
	dev->nr_policies++;
	nvf_event_policy(dev, id, p->path, false);
	return 0;
}

/**
 * nvf_policy_del() - delete the policy of a cgroup
 * @dev: the device
 * @id: the cgroup id
 * @extack: receives the reason of a refusal
 *
 * Its cgroup (and the descendants that inherited it) follow their nearest
 * ancestor's policy again; blocks it holds stay in NVM until destaged.
 * Context: caller holds nvf_devs_lock.
 * Return: 0 or -ENOENT.
 */
int nvf_policy_del(struct nvf_dev *dev, u64 id, struct netlink_ext_ack *extack)
{
	struct nvf_policy *p;

	lockdep_assert_held(&nvf_devs_lock);
	p = xa_erase(&dev->policies, id);
	if (!p) {
		nvf_extack(extack, NULL, "this cgroup has no policy on this device");
		return -ENOENT;
	}
	dev->nr_policies--;
	nvf_event_policy(dev, id, p->path, true);
	call_rcu(&p->rcu, nvf_policy_free_rcu);
	wake_up_all(&dev->quota_wait);
	return 0;
}

/**
 * nvf_policy_lookup_path() - the cgroup id of a path, for deletion
 * @path: a path under the cgroup2 mount
 * @id: receives the id
 *
 * Return: 0, or -ENOENT if no such cgroup exists (any more).
 */
int nvf_policy_lookup_path(const char *path, u64 *id)
{
	struct cgroup *cgrp = cgroup_get_from_path(path);

	if (IS_ERR(cgrp))
		return PTR_ERR(cgrp);
	*id = cgroup_id(cgrp);
	cgroup_put(cgrp);
	return 0;
}

/**
 * nvf_policy_read() - read the next policy of a device
 * @dev: the device
 * @id: in: the first cgroup id to consider; out: the id found
 * @out: receives its settings and state (path points into the policy:
 *	 valid while nvf_devs_lock is held)
 *
 * Context: caller holds nvf_devs_lock.
 * Return: 1 if found, else 0.
 */
int nvf_policy_read(struct nvf_dev *dev, u64 *id, struct nvf_policy_info *out)
{
	unsigned long index = *id;
	struct nvf_policy *p;
	struct cgroup *cgrp;

	lockdep_assert_held(&nvf_devs_lock);
	p = xa_find(&dev->policies, &index, ULONG_MAX, XA_PRESENT);
	if (!p)
		return 0;
	cgrp = cgroup_get_from_id(p->cgid);
	*out = (struct nvf_policy_info){
		.cgid = p->cgid,
		.path = p->path,
		.mode = READ_ONCE(p->mode),
		.on_full = READ_ONCE(p->on_full),
		.max_dirty = READ_ONCE(p->max_dirty),
		.weight = READ_ONCE(p->weight),
		.dirty_bytes = max_t(s64, atomic64_read(&p->dirty), 0) *
			       NVF_BLOCK_SIZE,
		.stale = IS_ERR(cgrp),
	};
	if (!IS_ERR(cgrp))
		cgroup_put(cgrp);
	*id = index;
	return 1;
}

/**
 * nvf_policy_weight() - destage weight of the policy that absorbed a block
 * @dev: the device
 * @pol: the policy's cgroup id (0: none)
 *
 * Return: its weight, or the default weight.
 */
u32 nvf_policy_weight(struct nvf_dev *dev, u64 pol)
{
	struct nvf_policy *p;
	u32 w = NVF_DEFAULT_WEIGHT;

	if (!pol)
		return w;
	rcu_read_lock();
	p = xa_load(&dev->policies, pol);
	if (p)
		w = nvf_policy_rank(p);
	rcu_read_unlock();
	return w;
}

/**
 * nvf_policy_top_weight() - the rank the destager serves first
 * @dev: the device
 *
 * Context: the destager; walks every policy (at most NVF_MAX_POLICIES).
 * Return: the highest rank among policies holding blocks, and the default
 * weight if blocks are held outside every policy.
 */
u32 nvf_policy_top_weight(struct nvf_dev *dev)
{
	if (xa_empty(&dev->policies))
		return NVF_DEFAULT_WEIGHT;
	return nvf_policy_top_rank(&dev->policies, nvf_tier_dirty(dev));
}

/**
 * nvf_policy_waiting() - count writers waiting at a policy's cap
 * @dev: the device
 * @pol: the policy's cgroup id
 * @n: +1 when a writer starts waiting, -1 when it stops
 */
void nvf_policy_waiting(struct nvf_dev *dev, u64 pol, int n)
{
	struct nvf_policy *p;

	rcu_read_lock();
	p = xa_load(&dev->policies, pol);
	if (p)
		atomic_add(n, &p->waiters);
	rcu_read_unlock();
}

/**
 * nvf_policy_quota_event() - report that a write reached its policy's cap
 * @dev: the device
 * @d: the write's decision
 *
 * Context: the I/O path. At most one event per policy per second.
 */
void nvf_policy_quota_event(struct nvf_dev *dev, const struct nvf_decision *d)
{
	struct nvf_event ev = { .type = NVFLUSH_EVENT_TYPE_QUOTA_HIT };
	struct nvf_policy *p;

	rcu_read_lock();
	p = xa_load(&dev->policies, d->pol);
	if (p && nvf_event_ratelimit(&p->event_stamp)) {
		ev.cgroup_id = p->cgid;
		ev.cgroup_path = p->path;
		ev.has_dirty = true;
		ev.dirty_bytes = max_t(s64, atomic64_read(&p->dirty), 0) *
				 NVF_BLOCK_SIZE;
		ev.max_dirty = READ_ONCE(p->max_dirty);
		ev.on_full = d->on_full;
		nvf_event_send(dev, &ev, GFP_NOWAIT | __GFP_NOWARN);
	}
	rcu_read_unlock();
}
