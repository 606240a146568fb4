// SPDX-License-Identifier: GPL-2.0
/*
 * nvflush NVM tier: absorb writes into NVM slots, serve reads from them,
 * commit on flush/FUA, and rebuild the index when a device is created.
 *
 * Concurrency (no device-wide lock on the I/O path):
 * - the index is NVF_INDEX_SHARDS xarrays (block -> slot); lookups are
 *   lock-free, stores take one shard's lock;
 * - free slots come from an sbitmap_queue;
 * - every access to slot contents happens inside an SRCU read section; a
 *   slot is reused only after a grace period (the destager does that, off
 *   the I/O path), so a slot is never reused under a reader or a writer;
 * - writes are tagged with the current sequence. A write whose block is
 *   already in a slot written at the same sequence (not yet committed)
 *   updates that slot in place; otherwise it takes a new slot, and the old
 *   one (committed) is freed once the new write is committed. A commit
 *   advances the sequence first, waits for the writers of the old one (per
 *   CPU enter/exit counts of that sequence's parity: no grace period, no
 *   wait at all when no write is in flight), then stores it as the commit
 *   sequence (format.h, Documentation/format.md).
 */
#include <linux/bio.h>
#include <linux/blkdev.h>
#include <linux/delay.h>
#include <linux/highmem.h>
#include <linux/ktime.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/vmalloc.h>
#include "nvflush.h"

/*
 * Enter the writers of the current sequence and return it. Pairs with
 * nvf_writers_wait(): either the commit that advances the sequence sees
 * this entry, or this writer sees the new sequence and enters that one.
 */
static u64 nvf_writer_enter(struct nvf_tier *t)
{
	u64 seq;

	for (;;) {
		seq = atomic64_read(&t->seq);
		this_cpu_inc(t->writers->enter[seq & 1]);
		smp_mb();	/* the entry before the check; pairs with W1 */
		if (likely(atomic64_read(&t->seq) == seq))
			return seq;
		smp_mb();	/* the entry before its exit */
		this_cpu_inc(t->writers->exit[seq & 1]);
	}
}

/* Leave the writers of @seq; the slot stores are fenced already. */
static void nvf_writer_exit(struct nvf_tier *t, u64 seq)
{
	smp_mb();	/* the slot stores before the exit; pairs with W2 */
	this_cpu_inc(t->writers->exit[seq & 1]);
}

/* Whether every writer that entered parity @p has left it. */
static bool nvf_writers_idle(struct nvf_tier *t, unsigned int p)
{
	unsigned long enter = 0, exit = 0;
	int cpu;

	/* exits first: an exit counted implies its entry is counted below */
	for_each_possible_cpu(cpu)
		exit += READ_ONCE(per_cpu_ptr(t->writers, cpu)->exit[p]);
	smp_mb();	/* W2 */
	for_each_possible_cpu(cpu)
		enter += READ_ONCE(per_cpu_ptr(t->writers, cpu)->enter[p]);
	return enter == exit;
}

/* After the sequence moved past @seq: wait for its last writers. */
static void nvf_writers_wait(struct nvf_tier *t, u64 seq)
{
	unsigned int spins = 0;

	smp_mb();	/* W1: the new sequence before the counts */
	while (!nvf_writers_idle(t, seq & 1)) {
		if (++spins < 16)
			cpu_relax();
		else
			usleep_range(5, 20);	/* a writer may sleep in xa_store */
	}
}

/**
 * nvf_slot_data() - address of a slot's data in the NVM mapping
 * @dev: the device
 * @slot: slot number
 *
 * Return: kernel address of the slot's 4 KiB.
 */
void *nvf_slot_data(struct nvf_dev *dev, u64 slot)
{
	return dev->nvm.kaddr + dev->sb.data_offset + slot * NVF_BLOCK_SIZE;
}

static struct nvf_slot_ondisk *nvf_slot_rec(struct nvf_dev *dev, u64 slot)
{
	return dev->nvm.kaddr + dev->sb.meta_offset +
	       slot * sizeof(struct nvf_slot_ondisk);
}

/**
 * nvf_slot_invalidate() - free a slot's record with one 8-byte store
 * @dev: the device
 * @slot: slot number
 *
 * Not durable before the caller's next nvf_pmem_fence().
 */
void nvf_slot_invalidate(struct nvf_dev *dev, u64 slot)
{
	const __le64 zero = 0;

	nvf_pmem_store(&nvf_slot_rec(dev, slot)->seq, &zero, sizeof(zero));
}

/**
 * nvf_slot_release() - return a slot to the free pool
 * @dev: the device
 * @slot: a slot no longer in the index, its record invalidated durably,
 *	  and no SRCU reader left that could use it
 */
void nvf_slot_release(struct nvf_dev *dev, u64 slot)
{
	struct nvf_tier *t = &dev->tier;
	struct nvf_slot *s = &t->slots[slot];

	this_cpu_dec(nvf_stats_of(&dev->stats, s->cgroup)->dirty_blocks);
	nvf_policy_charge(dev, s->pol, -1);
	s->pol = 0;
	WRITE_ONCE(s->seq, 0);
	percpu_counter_dec(&t->dirty);
	sbitmap_queue_clear(&t->free, slot, raw_smp_processor_id());
	if (wq_has_sleeper(&t->slot_wait))
		wake_up_all(&t->slot_wait);
}

/**
 * nvf_tier_dirty() - number of slots holding data
 * @dev: the device
 *
 * Return: the count (approximate while I/O runs).
 */
u64 nvf_tier_dirty(struct nvf_dev *dev)
{
	s64 n = percpu_counter_sum(&dev->tier.dirty);

	return n > 0 ? n : 0;
}

/**
 * nvf_tier_counters() - sum the tier's per-CPU counters
 * @dev: the device
 * @sum: the sums (approximate while I/O runs)
 */
void nvf_tier_counters(struct nvf_dev *dev, struct nvf_tier_counters *sum)
{
	const unsigned int n = sizeof(*sum) / sizeof(u64);
	u64 *out = (u64 *)sum;
	unsigned int i;
	int cpu;

	memset(sum, 0, sizeof(*sum));
	for_each_possible_cpu(cpu) {
		const u64 *c = (const u64 *)per_cpu_ptr(dev->tier.pc, cpu);

		for (i = 0; i < n; i++)
			out[i] += READ_ONCE(c[i]);
	}
}

/**
 * nvf_tier_set_watermarks() - set when the destager starts and stops
 * @dev: the device
 * @high_pct: start when this % of the slots hold data (1..100)
 * @low_pct: stop at this % (below @high_pct)
 *
 * Return: 0, or -EINVAL for values out of range.
 */
int nvf_tier_set_watermarks(struct nvf_dev *dev, u32 high_pct, u32 low_pct)
{
	struct nvf_tier *t = &dev->tier;

	if (!high_pct || high_pct > 100 || low_pct >= high_pct)
		return -EINVAL;
	WRITE_ONCE(t->high_pct, high_pct);
	WRITE_ONCE(t->low_pct, low_pct);
	WRITE_ONCE(t->high_wm, div_u64(t->nr_slots * high_pct, 100));
	WRITE_ONCE(t->low_wm, div_u64(t->nr_slots * low_pct, 100));
	nvf_destage_kick(dev);
	return 0;
}

/**
 * nvf_tier_error() - latch the first error of a device (sticky)
 * @dev: the device
 * @what: what failed
 * @err: its errno
 */
void nvf_tier_error(struct nvf_dev *dev, const char *what, int err)
{
	struct nvf_tier *t = &dev->tier;

	if (test_and_set_bit(0, &t->error))
		return;
	pr_err("%s: degraded: %s failed (error %d)\n", dev->name, what, err);
	t->error_what = what;
	t->error_errno = -err;
	schedule_work(&t->error_work);	/* the event; we may be in IRQ */
}

static void nvf_error_work(struct work_struct *work)
{
	struct nvf_tier *t = container_of(work, struct nvf_tier, error_work);
	struct nvf_event ev = {
		.type = NVFLUSH_EVENT_TYPE_DEGRADED,
		.reason = t->error_what,
		.error = t->error_errno,
	};

	nvf_event_send(container_of(t, struct nvf_dev, tier), &ev, GFP_KERNEL);
}

/**
 * nvf_tier_degraded() - whether an error was latched
 * @dev: the device
 *
 * Return: true once any NVM or origin error happened.
 */
bool nvf_tier_degraded(struct nvf_dev *dev)
{
	return test_bit(0, &dev->tier.error);
}

static long nvf_slot_take(struct nvf_tier *t)
{
	int slot = __sbitmap_queue_get(&t->free);

	if (slot >= 0)
		percpu_counter_inc(&t->dirty);
	return slot;
}

/* Wait for a free slot (outside any SRCU section: commits wait for those). */
static long nvf_slot_wait(struct nvf_dev *dev)
{
	struct nvf_tier *t = &dev->tier;
	u64 start = ktime_get_ns();
	long slot;

	atomic_inc(&t->slot_waiters);
	nvf_destage_kick(dev);
	if (nvf_event_ratelimit(&t->full_stamp)) {
		struct nvf_event ev = {
			.type = NVFLUSH_EVENT_TYPE_NVM_FULL,
			.has_dirty = true,
			.dirty_bytes = nvf_tier_dirty(dev) * NVF_BLOCK_SIZE,
		};

		nvf_event_send(dev, &ev, GFP_NOIO);
	}
	wait_event(t->slot_wait, (slot = nvf_slot_take(t)) >= 0);
	atomic_dec(&t->slot_waiters);
	this_cpu_add(t->pc->slot_wait_ns, ktime_get_ns() - start);
	return slot;
}

/* Copy one block from the bio into NVM with non-temporal stores. */
static u32 nvf_copy_from_bio(void *dst, struct bio *bio,
			     struct bvec_iter *iter)
{
	unsigned int done = 0;
	u32 crc = ~0u;

	while (done < NVF_BLOCK_SIZE) {
		struct bio_vec bv = bio_iter_iovec(bio, *iter);
		unsigned int len = min(bv.bv_len, NVF_BLOCK_SIZE - done);
		void *src = bvec_kmap_local(&bv);

		nvf_pmem_store(dst + done, src, len);
		crc = crc32c(crc, src, len);
		kunmap_local(src);
		bio_advance_iter_single(bio, iter, len);
		done += len;
	}
	return crc;
}

/* Copy one block from NVM into the bio; -EIO on a media error. */
static int nvf_copy_to_bio(struct nvf_dev *dev, struct bio *bio,
			   struct bvec_iter *iter, const void *src)
{
	unsigned int done = 0;
	int err = 0;

	while (done < NVF_BLOCK_SIZE) {
		struct bio_vec bv = bio_iter_iovec(bio, *iter);
		unsigned int len = min(bv.bv_len, NVF_BLOCK_SIZE - done);
		void *dst = bvec_kmap_local(&bv);

		if (nvf_nvm_read(&dev->nvm, dst, src + done, len))
			err = -EIO;
		kunmap_local(dst);
		flush_dcache_page(bv.bv_page);
		bio_advance_iter_single(bio, iter, len);
		done += len;
	}
	return err;
}

static int nvf_absorb_block(struct nvf_dev *dev, struct bio *bio,
			    struct bvec_iter *iter, u64 block, u64 cgroup,
			    struct nvf_counters __percpu *c, u64 pol)
{
	struct nvf_tier *t = &dev->tier;
	struct nvf_slot_info info = { .origin_block = block,
				      .cgroup_id = cgroup };
	struct nvf_slot_ondisk rec;
	long slot = -1, old;
	bool in_place;
	void *prev;
	int idx;

	if (nvf_fault_fail(NVF_FAULT_NVM_WRITE)) {
		nvf_tier_error(dev, "NVM write", -EIO);
		return -EIO;
	}
	for (;;) {
		idx = srcu_read_lock(&t->srcu);
		info.seq = nvf_writer_enter(t);
		old = nvf_lookup(t, block);
		in_place = old >= 0 && READ_ONCE(t->slots[old].seq) == info.seq;
		if (in_place) {
			if (slot >= 0)	/* taken before waiting: give back */
				nvf_slot_release(dev, slot);
			slot = old;
			break;
		}
		if (slot < 0)
			slot = nvf_slot_take(t);
		if (slot >= 0)
			break;
		nvf_writer_exit(t, info.seq);
		srcu_read_unlock(&t->srcu, idx);
		slot = nvf_slot_wait(dev);
	}

	info.data_csum = nvf_copy_from_bio(nvf_slot_data(dev, slot), bio, iter);
	nvf_slot_encode(&rec, dev->slot_seed, &info);
	nvf_pmem_store(nvf_slot_rec(dev, slot), &rec, sizeof(rec));
	/* this CPU's stores are ordered before any later commit store */
	nvf_pmem_fence();
	WRITE_ONCE(t->written[info.seq & 1], true);
	if (old >= 0) {
		this_cpu_add(t->pc->write_hits, 1);
		this_cpu_inc(c->write_hits);
	}
	if (!in_place) {
		struct nvf_slot *s = &t->slots[slot];

		WRITE_ONCE(s->block, block);
		WRITE_ONCE(s->cgroup, cgroup);
		WRITE_ONCE(s->seq, info.seq);
		this_cpu_inc(c->dirty_blocks);	/* undone by a release */
		prev = nvf_index_store(t, block, slot, GFP_NOIO);
		if (xa_is_err(prev)) {
			/* never indexed: no reader, and not committable */
			nvf_slot_invalidate(dev, slot);
			nvf_pmem_fence();
			nvf_writer_exit(t, info.seq);
			srcu_read_unlock(&t->srcu, idx);
			nvf_slot_release(dev, slot);
			return xa_err(prev);
		}
		if (prev)	/* superseded: freed when this write commits */
			llist_add(&t->slots[xa_to_value(prev)].node,
				  &t->superseded[info.seq & 1]);
		s->pol = pol;
		nvf_policy_charge(dev, pol, 1);
	}
	nvf_writer_exit(t, info.seq);
	srcu_read_unlock(&t->srcu, idx);
	return 0;
}

static bool nvf_any_in_nvm(struct nvf_dev *dev, struct bio *bio)
{
	u64 block = bio->bi_iter.bi_sector / NVF_BLOCK_SECTORS;
	u64 end = bio_end_sector(bio) / NVF_BLOCK_SECTORS;

	/* lock-free lookups; an exact "anything dirty?" would take a lock */
	for (; block < end; block++)
		if (nvf_lookup(&dev->tier, block) >= 0)
			return true;
	return false;
}

/*
 * The one place that decides whether a write is absorbed: the policy of
 * the writer's cgroup (policy.c), unless the device is degraded or the
 * policy's cap says bypass. A block that is in NVM is always updated
 * there, whatever the policy: otherwise a later destage would overwrite
 * newer data on the origin. d->absorb tells whether the policy chose it.
 */
static bool nvf_write_absorbs(struct nvf_dev *dev, struct bio *bio,
			      struct nvf_counters __percpu *c,
			      struct nvf_decision *d)
{
	nvf_policy_resolve(dev, bio, d);
	if (nvf_tier_degraded(dev))
		d->absorb = false;
	if (d->absorb && d->on_full == NVFLUSH_ON_FULL_BYPASS &&
	    nvf_policy_over(dev, d, bio_sectors(bio) / NVF_BLOCK_SECTORS)) {
		this_cpu_inc(c->quota_bypasses);
		nvf_policy_quota_event(dev, d);
		d->absorb = false;
	}
	return d->absorb || nvf_any_in_nvm(dev, bio);
}

/* A writer at its policy's cap waits until its blocks were destaged. */
static void nvf_quota_throttle(struct nvf_dev *dev,
			       struct nvf_counters __percpu *c,
			       const struct nvf_decision *d, u64 n)
{
	struct nvf_tier *t = &dev->tier;
	u64 start;

	if (!nvf_policy_over(dev, d, n))
		return;
	start = ktime_get_ns();
	nvf_policy_quota_event(dev, d);
	nvf_policy_waiting(dev, d->pol, 1);	/* its blocks destage first */
	atomic_inc(&t->quota_waiters);
	nvf_destage_kick(dev);
	wait_event(dev->quota_wait, !nvf_policy_over(dev, d, n));
	atomic_dec(&t->quota_waiters);
	nvf_policy_waiting(dev, d->pol, -1);
	this_cpu_inc(c->quota_throttles);
	this_cpu_add(c->quota_throttle_ns, ktime_get_ns() - start);
}

/* Absorb a write; @commit: make it and every completed write durable. */
static void nvf_tier_write(struct nvf_dev *dev, struct bio *bio,
			   const struct nvf_lat *lat,
			   const struct nvf_decision *d, bool commit)
{
	struct nvf_counters __percpu *c = lat->c;
	u64 block = bio->bi_iter.bi_sector / NVF_BLOCK_SECTORS;
	u64 n = bio->bi_iter.bi_size / NVF_BLOCK_SIZE, i;
	u64 cgroup = nvf_bio_cgroup_id(bio);
	struct bvec_iter iter = bio->bi_iter;
	struct nvf_tier *t = &dev->tier;
	int err = 0;

	if (d->absorb && d->max_blocks)
		nvf_quota_throttle(dev, c, d, n);
	for (i = 0; i < n && !err; i++)
		err = nvf_absorb_block(dev, bio, &iter, block + i, cgroup, c,
				       d->absorb ? d->pol : 0);
	if (!err && commit)
		err = nvf_tier_commit(dev);
	if (err) {
		bio->bi_status = errno_to_blk_status(err);
	} else {
		this_cpu_add(t->pc->absorbed_writes, 1);
		this_cpu_add(t->pc->absorbed_bytes, bio->bi_iter.bi_size);
		this_cpu_inc(c->absorbed_writes);
		this_cpu_add(c->absorbed_bytes, bio->bi_iter.bi_size);
	}
	if (percpu_counter_read_positive(&t->dirty) >= t->high_wm)
		nvf_destage_kick(dev);
	nvf_lat_end(lat);
	nvf_bio_endio(bio);
}

/* Send blocks [first, first + n) of the bio to the origin, chained. */
static void nvf_read_origin(struct nvf_dev *dev, struct bio *bio, u64 first,
			    u64 n)
{
	struct bio *clone = bio_alloc_clone(dev->origin.bdev, bio, GFP_NOIO,
					    &dev->bios);

	bio_trim(clone, first * NVF_BLOCK_SECTORS, n * NVF_BLOCK_SECTORS);
	bio_chain(clone, bio);
	nvf_origin_submit(clone);
}

static void nvf_tier_read(struct nvf_dev *dev, struct bio *bio,
			  struct nvf_counters __percpu *c)
{
	u64 block = bio->bi_iter.bi_sector / NVF_BLOCK_SECTORS;
	u64 n = bio->bi_iter.bi_size / NVF_BLOCK_SIZE, i, run = 0;
	struct bvec_iter iter = bio->bi_iter;
	struct nvf_tier *t = &dev->tier;
	u64 hits = 0;
	long slot;
	int idx;

	for (i = 0; i < n; i++) {
		idx = srcu_read_lock(&t->srcu);
		slot = nvf_lookup(t, block + i);
		if (slot < 0) {
			srcu_read_unlock(&t->srcu, idx);
			bio_advance_iter(bio, &iter, NVF_BLOCK_SIZE);
			continue;
		}
		if (i > run)
			nvf_read_origin(dev, bio, run, i - run);
		run = i + 1;
		hits++;
		if (nvf_copy_to_bio(dev, bio, &iter, nvf_slot_data(dev, slot))) {
			bio->bi_status = BLK_STS_IOERR;
			nvf_tier_error(dev, "NVM read", -EIO);
		}
		srcu_read_unlock(&t->srcu, idx);
	}
	if (n > run)
		nvf_read_origin(dev, bio, run, n - run);
	this_cpu_add(t->pc->read_hits, hits);
	this_cpu_add(t->pc->read_misses, n - hits);
	this_cpu_add(c->read_hits, hits);
	this_cpu_add(c->read_misses, n - hits);
	nvf_bio_endio(bio);
}

/*
 * Flush the origin now if writes reached it since its last flush. On
 * failure the mark is restored: the data may still be only in its cache.
 * Context: not in ->submit_bio (the flush would wait for itself).
 */
static int nvf_flush_origin_if_dirty(struct nvf_dev *dev)
{
	struct nvf_tier *t = &dev->tier;
	int err;

	if (!atomic_xchg(&t->origin_dirty, 0)) {
		this_cpu_add(t->pc->origin_flushes_avoided, 1);
		return 0;
	}
	this_cpu_add(t->pc->origin_flushes, 1);
	err = nvf_origin_flush(dev->origin.bdev);
	if (err) {
		atomic_set(&t->origin_dirty, 1);
		nvf_tier_error(dev, "origin flush", err);
	}
	return err;
}

/* An absorbed write with a flush waiting for the origin's flush. */
struct nvf_deferred {
	struct list_head node;
	struct bio *bio;
	struct nvf_lat lat;
};

/* Absorbed writes with a flush while the origin needs one (see below). */
static void nvf_deferred_work(struct work_struct *work)
{
	struct nvf_tier *t = container_of(work, struct nvf_tier, deferred_work);
	struct nvf_dev *dev = container_of(t, struct nvf_dev, tier);
	struct nvf_deferred *w, *tmp;
	LIST_HEAD(list);

	spin_lock_irq(&t->deferred_lock);
	list_splice_init(&t->deferred, &list);
	spin_unlock_irq(&t->deferred_lock);
	list_for_each_entry_safe(w, tmp, &list, node) {
		struct nvf_decision d;

		nvf_policy_resolve(dev, w->bio, &d);
		if (nvf_flush_origin_if_dirty(dev)) {
			nvf_lat_end(&w->lat);
			bio_io_error(w->bio);
		} else {
			nvf_tier_write(dev, w->bio, &w->lat, &d, true);
		}
		mempool_free(w, t->deferred_pool);
		percpu_ref_put(&dev->inflight);
	}
}

/*
 * An absorbed write with a flush: the origin's completed writes must be
 * durable before this write can be, then one commit after the write covers
 * both the flush and the write. An origin that needs a flush is flushed
 * from a worker (rare: only after bypassed writes).
 */
static void nvf_flush_absorbed(struct nvf_dev *dev, struct bio *bio,
			       const struct nvf_lat *lat,
			       const struct nvf_decision *d)
{
	struct nvf_tier *t = &dev->tier;
	struct nvf_deferred *w;

	if (!atomic_read(&t->origin_dirty)) {
		this_cpu_add(t->pc->origin_flushes_avoided, 1);
		nvf_tier_write(dev, bio, lat, d, true);
		return;
	}
	/* a mempool allocation with GFP_NOIO waits, it does not fail */
	w = mempool_alloc(t->deferred_pool, GFP_NOIO);
	w->bio = bio;
	w->lat = *lat;
	percpu_ref_get(&dev->inflight);
	spin_lock_irq(&t->deferred_lock);
	list_add_tail(&w->node, &t->deferred);
	spin_unlock_irq(&t->deferred_lock);
	queue_work(t->deferred_wq, &t->deferred_work);
}

/*
 * A flush, or a write with a flush, that goes to the origin: commit the NVM
 * first; the origin is flushed by the clone only if it needs it.
 * Return: true if the bio was completed here.
 */
static bool nvf_flush_passed(struct nvf_dev *dev, struct bio *bio,
			     const struct nvf_lat *lat)
{
	struct nvf_tier *t = &dev->tier;

	if (nvf_tier_commit(dev)) {
		nvf_lat_end(lat);
		bio_io_error(bio);
		return true;
	}
	if (atomic_xchg(&t->origin_dirty, 0)) {
		/* the clone carries the flush; its failure restores the mark */
		this_cpu_add(t->pc->origin_flushes, 1);
		return false;
	}
	this_cpu_add(t->pc->origin_flushes_avoided, 1);
	bio->bi_opf &= ~REQ_PREFLUSH;
	if (!bio_sectors(bio)) {
		nvf_lat_end(lat);
		nvf_bio_endio(bio);
		return true;
	}
	return false;
}

/**
 * nvf_tier_handle() - handle a bio through the NVM tier
 * @dev: the device
 * @bio: a bio entering the device (already counted)
 * @lat: its latency measurement, with the per-CPU counters of its cgroup
 *
 * Return: true if the bio was handled (and will complete), false if the
 * caller passes it through to the origin (after this function possibly
 * removed its REQ_PREFLUSH, not needed there).
 */
bool nvf_tier_handle(struct nvf_dev *dev, struct bio *bio,
		     const struct nvf_lat *lat)
{
	struct nvf_counters __percpu *c = lat->c;
	struct nvf_tier *t = &dev->tier;
	unsigned long now = jiffies;
	struct nvf_decision d;
	bool absorb = false;

	/* for the destager's back-off; written at most once per tick */
	if (READ_ONCE(t->fg_stamp) != now)
		WRITE_ONCE(t->fg_stamp, now);
	if ((bio_op(bio) == REQ_OP_WRITE || bio_op(bio) == REQ_OP_READ) &&
	    ((bio->bi_iter.bi_sector | bio_sectors(bio)) &
	     (NVF_BLOCK_SECTORS - 1))) {
		bio_io_error(bio);	/* the queue limits forbid this */
		return true;
	}
	if (bio_op(bio) == REQ_OP_WRITE && bio_sectors(bio)) {
		absorb = nvf_write_absorbs(dev, bio, c, &d);
		if (!absorb) {
			this_cpu_inc(c->bypassed_writes);
			this_cpu_add(c->bypassed_bytes, bio->bi_iter.bi_size);
		}
	}
	if (bio->bi_opf & REQ_PREFLUSH) {
		this_cpu_add(t->pc->flushes_absorbed, 1);
		if (!absorb)
			return nvf_flush_passed(dev, bio, lat);
		nvf_flush_absorbed(dev, bio, lat, &d);
		return true;
	}
	switch (bio_op(bio)) {
	case REQ_OP_WRITE:
		if (absorb) {
			nvf_tier_write(dev, bio, lat, &d, bio->bi_opf & REQ_FUA);
			return true;
		}
		return false;	/* origin_dirty is set when it completes */
	case REQ_OP_READ:
		if (!nvf_any_in_nvm(dev, bio)) {
			this_cpu_add(t->pc->read_misses,
				     bio_sectors(bio) / NVF_BLOCK_SECTORS);
			this_cpu_add(c->read_misses,
				     bio_sectors(bio) / NVF_BLOCK_SECTORS);
			return false;
		}
		nvf_tier_read(dev, bio, c);
		return true;
	default:
		return false;
	}
}

/**
 * nvf_tier_commit() - make every completed absorbed write durable
 * @dev: the device
 *
 * Context: process context; must not be called inside the tier's SRCU.
 * Return: 0.
 */
int nvf_tier_commit(struct nvf_dev *dev)
{
	struct nvf_tier *t = &dev->tier;
	struct llist_node *freed, *last;
	struct nvf_slot *s;
	__le64 le;
	u64 seq;

	mutex_lock(&t->commit_lock);
	seq = atomic64_read(&t->seq);
	if (!READ_ONCE(t->written[seq & 1])) {
		mutex_unlock(&t->commit_lock);
		return 0;
	}
	WRITE_ONCE(t->written[(seq + 1) & 1], false);
	smp_wmb();	/* the reset is seen before the new sequence */
	atomic64_set(&t->seq, seq + 1);
	/* writers that may still use seq finish their slot writes */
	nvf_writers_wait(t, seq);
	nvf_pmem_fence();
	le = cpu_to_le64(seq);
	nvf_pmem_store(dev->nvm.kaddr + NVF_COMMIT_OFFSET, &le, sizeof(le));
	nvf_pmem_fence();
	WRITE_ONCE(dev->commit_seq, seq);
	this_cpu_add(t->pc->commits, 1);

	/*
	 * Slots superseded by writes of seq: their records go now; the slots
	 * are reused after the readers that may have found them (destager).
	 */
	freed = llist_del_all(&t->superseded[seq & 1]);
	if (freed) {
		llist_for_each_entry(s, freed, node) {
			nvf_slot_invalidate(dev, s - t->slots);
			last = &s->node;
		}
		nvf_pmem_fence();
		llist_add_batch(freed, last, &t->reclaim);
		if (atomic_read(&t->slot_waiters))
			nvf_destage_kick(dev);
	}
	mutex_unlock(&t->commit_lock);
	return 0;
}

/* Rebuild the index from the committed records; free everything else. */
static int nvf_tier_recover(struct nvf_dev *dev)
{
	u64 origin_blocks = bdev_nr_sectors(dev->origin.bdev) /
			    NVF_BLOCK_SECTORS;
	struct nvf_tier *t = &dev->tier;
	struct nvf_slot_ondisk rec;
	struct nvf_slot_info info;
	u64 slot, recovered = 0, corrupt = 0;
	unsigned long block;
	void *e;
	int st;

	for (slot = 0; slot < t->nr_slots; slot++) {
		long old;

		if (nvf_nvm_read(&dev->nvm, &rec, nvf_slot_rec(dev, slot),
				 sizeof(rec)))
			return -EIO;
		st = nvf_slot_decode(&rec, dev->slot_seed, dev->commit_seq,
				     origin_blocks, &info);
		if (st == NVF_SLOT_VALID &&
		    crc32c(~0u, nvf_slot_data(dev, slot), NVF_BLOCK_SIZE) !=
		    info.data_csum) {
			corrupt++;
			st = NVF_SLOT_TORN;
		}
		if (st != NVF_SLOT_VALID) {
			if (rec.seq)
				nvf_slot_invalidate(dev, slot);
			continue;
		}
		old = nvf_lookup(t, info.origin_block);
		if (old >= 0 && t->slots[old].seq > info.seq) {
			nvf_slot_invalidate(dev, slot);
			continue;
		}
		if (old >= 0) {
			nvf_slot_invalidate(dev, old);
			t->slots[old].seq = 0;
		}
		t->slots[slot] = (struct nvf_slot){ .block = info.origin_block,
						    .seq = info.seq,
						    .cgroup = info.cgroup_id };
		e = nvf_index_store(t, info.origin_block, slot, GFP_KERNEL);
		if (xa_is_err(e))
			return xa_err(e);
		cond_resched();
	}
	nvf_pmem_fence();
	for (st = 0; st < NVF_INDEX_SHARDS; st++) {
		xa_for_each(&t->index[st], block, e) {
			struct nvf_slot *s = &t->slots[xa_to_value(e)];

			sbitmap_set_bit(&t->free.sb, xa_to_value(e));
			percpu_counter_inc(&t->dirty);
			this_cpu_inc(nvf_stats_of(&dev->stats,
						  s->cgroup)->dirty_blocks);
			recovered++;
		}
	}
	if (corrupt)
		pr_err("%s: %llu committed blocks had bad data checksums and were dropped\n",
		       dev->name, corrupt);
	dev->recovered_blocks = recovered;
	atomic64_set(&t->seq, dev->commit_seq + 1);
	return 0;
}

/* Free the tier's allocations (the workqueue is idle). */
static void nvf_tier_free(struct nvf_tier *t)
{
	if (t->deferred_wq)
		destroy_workqueue(t->deferred_wq);
	t->deferred_wq = NULL;
	mempool_destroy(t->deferred_pool);
	t->deferred_pool = NULL;
	free_percpu(t->pc);
	t->pc = NULL;
	free_percpu(t->writers);
	t->writers = NULL;
	kvfree(t->slots);
	t->slots = NULL;
}

/**
 * nvf_tier_init() - set up the tier of a device whose NVM is loaded
 * @dev: the device
 *
 * Return: 0 or a negative errno.
 */
int nvf_tier_init(struct nvf_dev *dev)
{
	struct nvf_tier *t = &dev->tier;
	int i, err;

	t->nr_slots = dev->sb.nr_slots;
	for (i = 0; i < NVF_INDEX_SHARDS; i++)
		xa_init(&t->index[i]);
	init_waitqueue_head(&t->slot_wait);
	init_waitqueue_head(&t->destage_wait);
	init_waitqueue_head(&t->drained);
	mutex_init(&t->commit_lock);
	nvf_tier_set_watermarks(dev, 50, 25);
	init_llist_head(&t->superseded[0]);
	init_llist_head(&t->superseded[1]);
	init_llist_head(&t->reclaim);
	spin_lock_init(&t->deferred_lock);
	INIT_LIST_HEAD(&t->deferred);
	INIT_WORK(&t->deferred_work, nvf_deferred_work);
	INIT_WORK(&t->error_work, nvf_error_work);
	t->slots = kvcalloc(t->nr_slots, sizeof(*t->slots), GFP_KERNEL);
	t->writers = alloc_percpu(struct nvf_writers);
	t->pc = alloc_percpu(struct nvf_tier_counters);
	t->deferred_wq = alloc_workqueue("nvflush-%s", WQ_MEM_RECLAIM, 1,
					 dev->name);
	t->deferred_pool = mempool_create_kmalloc_pool(NVF_DEFERRED_MIN,
						       sizeof(struct nvf_deferred));
	if (!t->slots || !t->writers || !t->pc || !t->deferred_wq ||
	    !t->deferred_pool) {
		err = -ENOMEM;
		goto out_slots;
	}
	err = init_srcu_struct(&t->srcu);
	if (err)
		goto out_slots;
	err = percpu_counter_init(&t->dirty, 0, GFP_KERNEL);
	if (err)
		goto out_srcu;
	err = sbitmap_queue_init_node(&t->free, t->nr_slots, -1, false,
				      GFP_KERNEL, NUMA_NO_NODE);
	if (err)
		goto out_counter;
	err = nvf_tier_recover(dev);
	if (err)
		goto out_free;
	err = nvf_destage_start(dev);
	if (err)
		goto out_free;
	return 0;

out_free:
	sbitmap_queue_free(&t->free);
out_counter:
	percpu_counter_destroy(&t->dirty);
out_srcu:
	cleanup_srcu_struct(&t->srcu);
out_slots:
	for (i = 0; i < NVF_INDEX_SHARDS; i++)
		xa_destroy(&t->index[i]);
	nvf_tier_free(t);
	return err;
}

/* Blocks in the index: what the next create recovers (not superseded). */
static unsigned long nvf_tier_blocks(struct nvf_tier *t)
{
	unsigned long block, n = 0;
	void *e;
	int i;

	for (i = 0; i < NVF_INDEX_SHARDS; i++)
		xa_for_each(&t->index[i], block, e)
			n++;
	return n;
}

/**
 * nvf_tier_exit() - commit and tear down the tier of an idle device
 * @dev: the device (no I/O in flight); dirty data stays in NVM
 */
void nvf_tier_exit(struct nvf_dev *dev)
{
	struct nvf_tier *t = &dev->tier;
	int i;

	if (!t->slots)
		return;
	nvf_destage_stop(dev);
	nvf_tier_commit(dev);
	cancel_work_sync(&t->error_work);
	pr_info("%s: %lu dirty blocks stay committed in NVM\n", dev->name,
		nvf_tier_blocks(t));
	sbitmap_queue_free(&t->free);
	percpu_counter_destroy(&t->dirty);
	cleanup_srcu_struct(&t->srcu);
	for (i = 0; i < NVF_INDEX_SHARDS; i++)
		xa_destroy(&t->index[i]);
	nvf_tier_free(t);
}
