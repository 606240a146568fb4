/* SPDX-License-Identifier: GPL-2.0 */
/*
 * nvflush NVM tier: DRAM state of the slots, the block index, and the
 * interfaces of the tier's files (tier.c: index, absorb, read, commit;
 * destage.c: the destager).
 */
#ifndef NVF_TIER_H
#define NVF_TIER_H

#include <linux/bio.h>
#include <linux/kthread.h>
#include <linux/llist.h>
#include <linux/mempool.h>
#include <linux/percpu_counter.h>
#include <linux/sbitmap.h>
#include <linux/srcu.h>
#include <linux/wait.h>
#include <linux/workqueue.h>
#include <linux/xarray.h>

struct nvf_dev;
struct nvf_destage_batch;
struct nvf_counters;
struct nvf_decision;
struct nvf_lat;

#define NVF_INDEX_SHARDS	16
#define NVF_DEFERRED_MIN	16	/* reserved deferred flush writes */

/* DRAM state of one data slot. */
struct nvf_slot {
	u64 block;		/* origin block held (valid while seq != 0) */
	u64 seq;		/* sequence of its record; 0 = free */
	u64 cgroup;		/* owner */
	u64 pol;		/* policy charged for it (cgroup id), 0: none */
	struct llist_node node;	/* on a superseded list */
};

/* Device-wide counters of the tier, per CPU (summed when read). */
struct nvf_tier_counters {
	u64 absorbed_writes;
	u64 absorbed_bytes;
	u64 write_hits;			/* blocks updated that were in NVM */
	u64 read_hits;			/* blocks read from NVM */
	u64 read_misses;		/* blocks read from the origin */
	u64 flushes_absorbed;
	u64 origin_flushes;
	u64 origin_flushes_avoided;
	u64 commits;
	u64 destaged_bytes;
	u64 destage_batches;
	u64 destage_writes;		/* bios sent to the origin */
	u64 slot_wait_ns;		/* time writers waited for a slot */
	u64 destage_backoffs;		/* pauses for foreground I/O */
	u64 destage_throttle_ns;	/* time paused by the rate cap */
};

/*
 * Writers in flight per sequence parity, per CPU. A commit waits until,
 * for the parity it closes, every counted entry has its exit (see
 * nvf_writer_enter()).
 */
struct nvf_writers {
	unsigned long enter[2];
	unsigned long exit[2];
};

struct nvf_tier {
	struct nvf_slot *slots;
	u64 nr_slots;
	struct xarray index[NVF_INDEX_SHARDS];	/* block -> xa_mk_value(slot) */
	struct sbitmap_queue free;		/* free slots */
	struct percpu_counter dirty;		/* slots in use */
	wait_queue_head_t slot_wait;		/* writers waiting for a slot */
	atomic_t slot_waiters;
	atomic_t quota_waiters;			/* writers waiting at their cap */
	/* I/O that touches slots; a slot is reused only after its readers */
	struct srcu_struct srcu;
	atomic64_t seq;				/* sequence of new writes */
	struct nvf_writers __percpu *writers;	/* writers per seq parity */
	bool written[2];			/* a write used seq (by parity) */
	struct llist_head superseded[2];	/* freed at commit of seq (parity) */
	struct llist_head reclaim;		/* superseded, committed: to free */
	struct mutex commit_lock;		/* one commit at a time */
	/* absorbed flush writes waiting for an origin flush (rare) */
	spinlock_t deferred_lock;		/* protects deferred */
	struct list_head deferred;		/* of struct nvf_deferred */
	mempool_t *deferred_pool;
	struct work_struct deferred_work;
	struct workqueue_struct *deferred_wq;
	atomic_t origin_dirty;			/* bypass writes since origin flush */
	unsigned long error;			/* first error, sticky (bit 0) */
	const char *error_what;			/* what failed first */
	u32 error_errno;
	struct work_struct error_work;		/* sends the degraded event */
	unsigned long full_stamp;		/* last nvm-full event */
	/* destager */
	struct task_struct *destager;
	struct nvf_destage_batch *batch;
	wait_queue_head_t destage_wait;
	wait_queue_head_t drained;
	bool draining;
	u64 high_wm, low_wm;			/* in slots */
	u32 high_pct, low_pct;			/* the same, in % of the slots */
	u64 rate_cap;				/* destage bytes/s, 0: none */
	unsigned long fg_stamp;			/* jiffies of the last bio */
	u64 cursor;				/* next block to consider */
	struct nvf_tier_counters __percpu *pc;
};

/*
 * The block index: origin block -> slot, spread over NVF_INDEX_SHARDS
 * xarrays by block number. Lookups are lock-free; a store or an erase takes
 * its shard's lock only.
 */

/**
 * nvf_shard() - the index shard that holds a block
 * @t: the tier
 * @block: an origin block
 *
 * Return: the shard's xarray.
 */
static inline struct xarray *nvf_shard(struct nvf_tier *t, u64 block)
{
	return &t->index[block % NVF_INDEX_SHARDS];
}

/**
 * nvf_lookup() - the slot that holds a block
 * @t: the tier
 * @block: an origin block
 *
 * Return: the slot number, or -1 if the block is not in NVM.
 */
static inline long nvf_lookup(struct nvf_tier *t, u64 block)
{
	void *e = xa_load(nvf_shard(t, block), block);

	return e ? (long)xa_to_value(e) : -1;
}

/**
 * nvf_index_store() - index a block in a slot, replacing any older slot
 * @t: the tier
 * @block: an origin block
 * @slot: the slot that holds it now
 * @gfp: allocation flags
 *
 * Return: NULL if the block was not indexed, the entry of the slot it was
 * in (xa_to_value() gives the slot), or an error entry (xa_is_err()).
 */
static inline void *nvf_index_store(struct nvf_tier *t, u64 block, u64 slot,
				    gfp_t gfp)
{
	return xa_store(nvf_shard(t, block), block, xa_mk_value(slot), gfp);
}

/**
 * nvf_index_holds() - whether a block is still indexed in a slot
 * @t: the tier
 * @block: an origin block
 * @slot: a slot
 *
 * Return: true if @block maps to @slot.
 */
static inline bool nvf_index_holds(struct nvf_tier *t, u64 block, u64 slot)
{
	return xa_load(nvf_shard(t, block), block) == xa_mk_value(slot);
}

/**
 * nvf_index_erase() - remove a block from the index if it is still in a slot
 * @t: the tier
 * @block: an origin block
 * @slot: the slot it was found in
 *
 * A block rewritten into another slot meanwhile stays indexed.
 * Return: true if the block was removed (its slot is the caller's to free).
 */
static inline bool nvf_index_erase(struct nvf_tier *t, u64 block, u64 slot)
{
	return xa_cmpxchg(nvf_shard(t, block), block, xa_mk_value(slot), NULL,
			  0) == xa_mk_value(slot);
}

/* ---- tier.c ---- */
int nvf_tier_init(struct nvf_dev *dev);
void nvf_tier_exit(struct nvf_dev *dev);
bool nvf_tier_handle(struct nvf_dev *dev, struct bio *bio,
		     const struct nvf_lat *lat);
int nvf_tier_commit(struct nvf_dev *dev);
u64 nvf_tier_dirty(struct nvf_dev *dev);
void nvf_tier_counters(struct nvf_dev *dev, struct nvf_tier_counters *sum);
int nvf_tier_set_watermarks(struct nvf_dev *dev, u32 high_pct, u32 low_pct);
void nvf_tier_error(struct nvf_dev *dev, const char *what, int err);
bool nvf_tier_degraded(struct nvf_dev *dev);
void *nvf_slot_data(struct nvf_dev *dev, u64 slot);
void nvf_slot_invalidate(struct nvf_dev *dev, u64 slot);
void nvf_slot_release(struct nvf_dev *dev, u64 slot);

/* ---- destage.c ---- */

/* A block of a destage batch, with a copy of its data. */
struct nvf_destage_entry {
	u64 block;
	u64 slot;
	struct page *page;
};

/**
 * nvf_entry_cmp() - sort() order of a destage batch: by origin block
 * @a: a struct nvf_destage_entry
 * @b: another one
 *
 * Return: <0, 0 or >0 as @a's block is below, equal to or above @b's.
 */
static inline int nvf_entry_cmp(const void *a, const void *b)
{
	const struct nvf_destage_entry *x = a, *y = b;

	return x->block < y->block ? -1 : x->block > y->block;
}

/**
 * nvf_destage_run() - the blocks of a sorted batch that go out in one bio
 * @e: the batch, sorted by nvf_entry_cmp()
 * @n: its number of entries
 * @i: the first entry of the bio
 *
 * Return: the end (exclusive) of the run of adjacent blocks from @e[@i].
 */
static inline unsigned int nvf_destage_run(const struct nvf_destage_entry *e,
					   unsigned int n, unsigned int i)
{
	unsigned int j;

	for (j = i + 1; j < n && e[j].block == e[j - 1].block + 1; j++)
		;
	return j;
}

/**
 * nvf_destage_rank_wanted() - whether a collection pass takes a block
 * @rank: the destage rank of the block's policy
 * @top: the rank served first (see nvf_policy_top_weight())
 * @top_only: the pass takes the top rank, else every lower one
 *
 * Return: true if the pass takes the block.
 */
static inline bool nvf_destage_rank_wanted(u32 rank, u32 top, bool top_only)
{
	return (rank >= top) == top_only;
}

int nvf_destage_start(struct nvf_dev *dev);
void nvf_destage_stop(struct nvf_dev *dev);
void nvf_destage_kick(struct nvf_dev *dev);
int nvf_destage_drain(struct nvf_dev *dev, bool wait);

#endif /* NVF_TIER_H */
