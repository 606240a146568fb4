// SPDX-License-Identifier: GPL-2.0
/*
 * nvflush destager: a kernel thread per device that writes committed NVM
 * blocks back to the origin in batches sorted by origin block, merges
 * adjacent blocks into one bio, makes the batch durable on the origin with
 * one flush, and only then frees the slots.
 *
 * It runs when the dirty slots reach the high watermark (until they fall to
 * the low watermark), when a writer waits for a free slot, and when a drain
 * is requested (until nothing is dirty). After an origin error it latches
 * the degraded state, keeps the data in NVM and retries once a second.
 *
 * Pacing: with a rate cap, a batch of B bytes takes at least B / cap
 * seconds. Between the watermarks it also yields to foreground I/O: while
 * bios arrived in the last NVF_FG_IDLE_MS it pauses, until the NVM is
 * NVF_PRESSURE_PCT of the way from the high watermark to full. Neither
 * applies while a writer waits for a free slot.
 *
 * Order: each batch first takes the blocks of the highest destage rank
 * among the policies holding blocks (their weight; writers waiting at a
 * policy's cap rank above all, see policy.c), from the cursor on, then
 * fills up with the others. Within a batch blocks go out sorted.
 *
 * It also frees the slots that commits superseded, after an SRCU grace
 * period (no reader can still be copying them): a commit never waits for
 * one.
 */
#include <linux/bio.h>
#include <linux/blkdev.h>
#include <linux/delay.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/uaccess.h>
#include "nvflush.h"

#define NVF_DESTAGE_BATCH	256	/* blocks per batch (1 MiB) */
#define NVF_FG_IDLE_MS		250	/* foreground idle after this */
#define NVF_PRESSURE_PCT	50	/* of the room above the high watermark */

struct nvf_destage_batch {
	struct nvf_destage_entry e[NVF_DESTAGE_BATCH];
	unsigned int n;
	atomic_t pending;
	struct completion done;
	blk_status_t status;
};

/* Which blocks a pass of the collection takes, by destage rank. */
struct nvf_destage_pass {
	u32 top;		/* the rank served first */
	bool top_only;		/* this pass: rank >= top, else rank < top */
	bool ranked;		/* policies exist: look ranks up */
	u64 from, to;		/* block range */
};

static bool nvf_destage_wants(struct nvf_dev *dev,
			      const struct nvf_destage_pass *p, u64 slot)
{
	u32 rank;

	if (!p->ranked)
		return p->top_only;
	rank = nvf_policy_weight(dev, READ_ONCE(dev->tier.slots[slot].pol));
	return nvf_destage_rank_wanted(rank, p->top, p->top_only);
}

/*
 * One pass over the index: add committed blocks in [from, to] that the
 * pass wants, at most an equal share of the room left per shard, copying
 * their data out of the NVM while no commit can free their slots.
 */
static void nvf_destage_scan(struct nvf_dev *dev, struct nvf_destage_batch *b,
			     const struct nvf_destage_pass *p)
{
	const unsigned int per_shard =
		max_t(unsigned int, (NVF_DESTAGE_BATCH - b->n) / NVF_INDEX_SHARDS, 1);
	struct nvf_tier *t = &dev->tier;
	u64 commit = READ_ONCE(dev->commit_seq);
	unsigned long block;
	unsigned int i, taken;
	void *e;
	int idx;

	idx = srcu_read_lock(&t->srcu);
	for (i = 0; i < NVF_INDEX_SHARDS && b->n < NVF_DESTAGE_BATCH; i++) {
		taken = 0;
		xa_for_each_range(&t->index[i], block, e, p->from, p->to) {
			u64 slot = xa_to_value(e);
			struct page *page;

			if (READ_ONCE(t->slots[slot].seq) > commit)
				continue;	/* not committed yet */
			if (!nvf_destage_wants(dev, p, slot))
				continue;
			page = alloc_page(GFP_NOIO);
			if (!page)
				break;
			if (nvf_nvm_read(&dev->nvm, page_address(page),
					 nvf_slot_data(dev, slot),
					 NVF_BLOCK_SIZE)) {
				nvf_tier_error(dev, "NVM read", -EIO);
				__free_page(page);
				continue;	/* stays in NVM, stays readable */
			}
			b->e[b->n++] = (struct nvf_destage_entry){
				.block = block, .slot = slot, .page = page };
			if (++taken == per_shard || b->n == NVF_DESTAGE_BATCH)
				break;
		}
	}
	srcu_read_unlock(&t->srcu, idx);
}

/*
 * Pick a batch: the top rank first, from the cursor on and then wrapping
 * around, then the other blocks the same way.
 */
static void nvf_destage_collect(struct nvf_dev *dev,
				struct nvf_destage_batch *b)
{
	struct nvf_tier *t = &dev->tier;
	struct nvf_destage_pass p = { .ranked = !xa_empty(&dev->policies) };
	u64 cursor = t->cursor;
	int pass;

	p.top = p.ranked ? nvf_policy_top_weight(dev) : 0;
	b->n = 0;
	for (pass = 0; pass < 4 && b->n < NVF_DESTAGE_BATCH; pass++) {
		p.top_only = pass < 2;
		if (!p.ranked && !p.top_only)
			break;
		p.from = pass % 2 ? 0 : cursor;
		p.to = pass % 2 ? (cursor ? cursor - 1 : 0) : ULONG_MAX;
		if (pass % 2 && !cursor)
			continue;	/* the first half covered everything */
		nvf_destage_scan(dev, b, &p);
	}
	sort(b->e, b->n, sizeof(b->e[0]), nvf_entry_cmp, NULL);
	/* continue after the highest block taken */
	t->cursor = b->n ? b->e[b->n - 1].block + 1 : 0;
}

static void nvf_destage_endio(struct bio *bio)
{
	struct nvf_destage_batch *b = bio->bi_private;

	if (bio->bi_status)
		b->status = bio->bi_status;
	bio_put(bio);
	if (atomic_dec_and_test(&b->pending))
		complete(&b->done);
}

/* Write the batch to the origin, adjacent blocks merged into one bio. */
static int nvf_destage_write(struct nvf_dev *dev, struct nvf_destage_batch *b)
{
	struct nvf_tier *t = &dev->tier;
	unsigned int i = 0, j, bios = 0;
	struct bio *bio;

	atomic_set(&b->pending, 1);
	init_completion(&b->done);
	b->status = BLK_STS_OK;
	while (i < b->n) {
		j = nvf_destage_run(b->e, b->n, i);
		bio = bio_alloc(dev->origin.bdev, j - i, REQ_OP_WRITE,
				GFP_NOIO);
		bio->bi_iter.bi_sector = b->e[i].block * NVF_BLOCK_SECTORS;
		bio->bi_private = b;
		bio->bi_end_io = nvf_destage_endio;
		for (; i < j; i++)
			__bio_add_page(bio, b->e[i].page, NVF_BLOCK_SIZE, 0);
		atomic_inc(&b->pending);
		nvf_origin_submit(bio);
		bios++;
	}
	if (atomic_dec_and_test(&b->pending))
		complete(&b->done);
	wait_for_completion(&b->done);
	this_cpu_add(t->pc->destage_writes, bios);
	if (b->status)
		return blk_status_to_errno(b->status);
	return nvf_origin_flush(dev->origin.bdev);
}

/* The origin holds the batch durably: free the slots not rewritten since. */
static void nvf_destage_free(struct nvf_dev *dev, struct nvf_destage_batch *b)
{
	struct nvf_tier *t = &dev->tier;
	unsigned int i, n = 0;

	/* invalidate first: a crash then finds the data on the origin only */
	for (i = 0; i < b->n; i++)
		if (nvf_index_holds(t, b->e[i].block, b->e[i].slot))
			nvf_slot_invalidate(dev, b->e[i].slot);
	nvf_pmem_fence();
	for (i = 0; i < b->n; i++) {
		struct nvf_destage_entry *e = &b->e[i];

		if (nvf_index_erase(t, e->block, e->slot))
			b->e[n++] = *e;	/* removed: ours to free */
	}
	/* readers that found the slots before their removal are done */
	synchronize_srcu(&t->srcu);
	for (i = 0; i < n; i++) {
		u64 cgroup = t->slots[b->e[i].slot].cgroup;

		this_cpu_add(nvf_stats_of(&dev->stats, cgroup)->destaged_bytes,
			     NVF_BLOCK_SIZE);
		nvf_slot_release(dev, b->e[i].slot);
	}
}

static void nvf_destage_put_pages(struct nvf_destage_batch *b)
{
	unsigned int i;

	for (i = 0; i < b->n; i++)
		__free_page(b->e[i].page);
}

/*
 * Free the slots superseded by committed writes, once no reader that found
 * them before they left the index can still be copying them.
 */
static void nvf_destage_reclaim(struct nvf_dev *dev)
{
	struct nvf_tier *t = &dev->tier;
	struct llist_node *list = llist_del_all(&t->reclaim);
	struct nvf_slot *s, *tmp;

	if (!list)
		return;
	synchronize_srcu(&t->srcu);
	llist_for_each_entry_safe(s, tmp, list, node)
		nvf_slot_release(dev, s - t->slots);
}

/* One batch. Returns the number of blocks destaged, or a negative errno. */
static int nvf_destage_batch(struct nvf_dev *dev, struct nvf_destage_batch *b)
{
	struct nvf_tier *t = &dev->tier;
	unsigned int n;
	int err;

	nvf_tier_commit(dev);	/* uncommitted blocks cannot be destaged */
	nvf_destage_reclaim(dev);
	nvf_destage_collect(dev, b);
	if (!b->n)
		return 0;
	err = nvf_destage_write(dev, b);
	/* pages were copies: the slots are untouched either way */
	nvf_destage_put_pages(b);
	if (err) {
		nvf_tier_error(dev, "origin write", err);
		return err;
	}
	n = b->n;
	nvf_destage_free(dev, b);
	this_cpu_add(t->pc->destaged_bytes, (u64)n * NVF_BLOCK_SIZE);
	this_cpu_add(t->pc->destage_batches, 1);
	return n;
}

/* A drain that found nothing dirty is over: say so. */
static void nvf_destage_drained(struct nvf_dev *dev)
{
	struct nvf_tier *t = &dev->tier;
	struct nvf_event ev = {
		.type = NVFLUSH_EVENT_TYPE_DRAINED,
		.has_dirty = true,
	};

	if (!READ_ONCE(t->draining) || nvf_tier_dirty(dev))
		return;
	WRITE_ONCE(t->draining, false);
	wake_up_all(&t->drained);
	nvf_event_send(dev, &ev, GFP_KERNEL);
}

/* Writers wait for a slot or at their cap, or a drain runs: no pacing. */
static bool nvf_destage_urgent(struct nvf_tier *t)
{
	return atomic_read(&t->slot_waiters) ||
	       atomic_read(&t->quota_waiters) || READ_ONCE(t->draining);
}

static bool nvf_destage_wanted(struct nvf_dev *dev, bool running)
{
	struct nvf_tier *t = &dev->tier;
	u64 dirty = nvf_tier_dirty(dev);

	if (!dirty)
		return false;
	return nvf_destage_urgent(t) || dirty >= READ_ONCE(t->high_wm) ||
	       (running && dirty > READ_ONCE(t->low_wm));
}

/* Sleep up to @ms, or until a writer waits for a slot or a stop. */
static void nvf_destage_pause(struct nvf_tier *t, u64 ms)
{
	wait_event_interruptible_timeout(t->destage_wait,
					 kthread_should_stop() ||
					 atomic_read(&t->slot_waiters) ||
					 atomic_read(&t->quota_waiters),
					 msecs_to_jiffies(ms));
}

/* Whether to yield to foreground I/O before the next batch. */
static bool nvf_destage_yield(struct nvf_dev *dev)
{
	struct nvf_tier *t = &dev->tier;
	u64 high = READ_ONCE(t->high_wm);
	u64 pressure = high + div_u64((t->nr_slots - high) * NVF_PRESSURE_PCT,
				      100);
	unsigned long idle = READ_ONCE(t->fg_stamp) +
			     msecs_to_jiffies(NVF_FG_IDLE_MS);

	return !nvf_destage_urgent(t) && time_before_eq(jiffies, idle) &&
	       nvf_tier_dirty(dev) < pressure;
}

/* Hold the rate cap: @bytes went out in the batch that began at @start. */
static void nvf_destage_pace(struct nvf_dev *dev, u64 bytes, u64 start)
{
	struct nvf_tier *t = &dev->tier;
	u64 cap = READ_ONCE(t->rate_cap), want, took;

	if (!cap || atomic_read(&t->slot_waiters) ||
	    atomic_read(&t->quota_waiters))
		return;
	want = div64_u64(bytes * NSEC_PER_SEC, cap);
	took = ktime_get_ns() - start;
	if (want <= took)
		return;
	nvf_destage_pause(t, div_u64(want - took, NSEC_PER_MSEC) + 1);
	this_cpu_add(t->pc->destage_throttle_ns, ktime_get_ns() - start - took);
}

static int nvf_destage_thread(void *data)
{
	struct nvf_dev *dev = data;
	struct nvf_tier *t = &dev->tier;
	struct nvf_destage_batch *b = t->batch;
	u64 start;
	int ret;

	while (!kthread_should_stop()) {
		wait_event_interruptible_timeout(t->destage_wait,
						 kthread_should_stop() ||
						 nvf_destage_wanted(dev, false),
						 HZ);
		nvf_destage_reclaim(dev);
		while (!kthread_should_stop() && nvf_destage_wanted(dev, true)) {
			if (nvf_destage_yield(dev)) {
				this_cpu_add(t->pc->destage_backoffs, 1);
				nvf_destage_pause(t, NVF_FG_IDLE_MS);
				continue;
			}
			start = ktime_get_ns();
			ret = nvf_destage_batch(dev, b);
			if (ret < 0) {
				msleep_interruptible(1000);
				break;
			}
			if (!ret)
				break;
			/* end a drain as soon as nothing is dirty */
			nvf_destage_drained(dev);
			nvf_destage_pace(dev, (u64)ret * NVF_BLOCK_SIZE, start);
			cond_resched();
		}
		nvf_destage_reclaim(dev);
		nvf_destage_drained(dev);
	}
	return 0;
}

/**
 * nvf_destage_kick() - wake the destager
 * @dev: the device
 */
void nvf_destage_kick(struct nvf_dev *dev)
{
	wake_up(&dev->tier.destage_wait);
}

/**
 * nvf_destage_drain() - destage everything
 * @dev: the device
 * @wait: wait (interruptibly) until nothing is dirty
 *
 * Return: 0, or -ERESTARTSYS if the wait was interrupted.
 */
int nvf_destage_drain(struct nvf_dev *dev, bool wait)
{
	struct nvf_tier *t = &dev->tier;

	WRITE_ONCE(t->draining, true);
	nvf_destage_kick(dev);
	if (!wait)
		return 0;
	return wait_event_interruptible(t->drained, !READ_ONCE(t->draining));
}

/**
 * nvf_destage_start() - start the destager of a device
 * @dev: the device, with its tier initialized
 *
 * Return: 0 or a negative errno.
 */
int nvf_destage_start(struct nvf_dev *dev)
{
	struct task_struct *task;

	dev->tier.batch = kzalloc(sizeof(*dev->tier.batch), GFP_KERNEL);
	if (!dev->tier.batch)
		return -ENOMEM;
	task = kthread_run(nvf_destage_thread, dev, "nvflush-%s", dev->name);
	if (IS_ERR(task)) {
		kfree(dev->tier.batch);
		dev->tier.batch = NULL;
		return PTR_ERR(task);
	}
	dev->tier.destager = task;
	return 0;
}

/**
 * nvf_destage_stop() - stop the destager (dirty data stays in NVM)
 * @dev: the device
 */
void nvf_destage_stop(struct nvf_dev *dev)
{
	if (dev->tier.destager) {
		kthread_stop(dev->tier.destager);
		dev->tier.destager = NULL;
	}
	kfree(dev->tier.batch);
	dev->tier.batch = NULL;
}
