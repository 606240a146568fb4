// SPDX-License-Identifier: GPL-2.0
/*
 * nvflush fault injection, built only with NVF_FAULT=1 (see fault.h).
 *
 * debugfs nvflush/fault/:
 *   fail_nvm_write, fail_nvm_read, fail_origin_write, fail_origin_flush
 *		write N: the Nth such operation from now fails with EIO
 *		(0 disarms); read: N
 *   freeze_after	write N >= 0: persistence events (NVM fences, origin
 *		writes and flushes) 1..N take effect, every later one is
 *		suppressed and from then on NVM stores are dropped, origin
 *		writes and flushes fail and every bio of an nvflush device
 *		completes with EIO: a power cut at an exact point. It also
 *		starts the shadow of unfenced NVM stores. -1 disarms.
 *   crash		write SEED: freeze now (if not yet), then undo a
 *		pseudo-random half of the 8-byte words of every NVM store
 *		not yet fenced by the task that made it
 *   reset		write anything: disarm everything, thaw, forget the shadow
 *   status		counters, one "name value" per line
 *
 * The hooks are global (one set for all devices): tests use one device.
 */
#include <linux/debugfs.h>
#include <linux/list.h>
#include <linux/prandom.h>
#include <linux/sched.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include "nvflush.h"

#define NVF_SHADOW_MAX	(64ULL << 20)	/* bytes of unfenced stores kept */

/* One NVM store not yet fenced, and what it overwrote. */
struct nvf_shadow {
	struct list_head node;
	struct task_struct *task;	/* only compared, never dereferenced */
	void *dst;
	size_t len;
	u8 old[];
};

static struct dentry *nvf_fault_top, *nvf_fault_dir;
static atomic64_t nvf_fail_at[NVF_FAULT_OPS];
static atomic64_t nvf_fail_count[NVF_FAULT_OPS];
static atomic64_t nvf_injected[NVF_FAULT_OPS];
static atomic64_t nvf_freeze_after = ATOMIC64_INIT(-1);
static atomic64_t nvf_events;
static atomic64_t nvf_suppressed;	/* stores, fences and bios dropped */
static int nvf_frozen;			/* 0 or 1 */
static u64 nvf_tripped_at;		/* the event that froze, 0: none */
static u64 nvf_dropped_words, nvf_kept_words;

static DEFINE_SPINLOCK(nvf_shadow_lock);	/* protects the three below */
static LIST_HEAD(nvf_shadow);
static u64 nvf_shadow_bytes;
static bool nvf_shadow_overflow;

static const char * const nvf_fault_names[NVF_FAULT_OPS] = {
	[NVF_FAULT_NVM_WRITE] = "nvm_write",
	[NVF_FAULT_NVM_READ] = "nvm_read",
	[NVF_FAULT_ORIGIN_WRITE] = "origin_write",
	[NVF_FAULT_ORIGIN_FLUSH] = "origin_flush",
};

/* Count a persistence event; true if it must not take effect. */
static bool nvf_fault_event(void)
{
	s64 after = atomic64_read(&nvf_freeze_after);
	s64 n;

	if (READ_ONCE(nvf_frozen)) {
		atomic64_inc(&nvf_suppressed);
		return true;
	}
	if (after < 0)
		return false;
	n = atomic64_inc_return(&nvf_events);
	if (n <= after)
		return false;
	if (!cmpxchg(&nvf_frozen, 0, 1))
		WRITE_ONCE(nvf_tripped_at, n);
	atomic64_inc(&nvf_suppressed);
	return true;
}

static void nvf_shadow_add(void *dst, size_t len)
{
	struct nvf_shadow *s;
	unsigned long flags;

	s = kmalloc(struct_size(s, old, len), GFP_NOIO | __GFP_NOWARN);
	spin_lock_irqsave(&nvf_shadow_lock, flags);
	if (!s || nvf_shadow_bytes + len > NVF_SHADOW_MAX) {
		nvf_shadow_overflow = true;
		spin_unlock_irqrestore(&nvf_shadow_lock, flags);
		kfree(s);
		return;
	}
	s->task = current;
	s->dst = dst;
	s->len = len;
	memcpy(s->old, dst, len);
	list_add_tail(&s->node, &nvf_shadow);
	nvf_shadow_bytes += len;
	spin_unlock_irqrestore(&nvf_shadow_lock, flags);
}

/* Forget the shadow entries of @task (NULL: all). */
static void nvf_shadow_forget(struct task_struct *task)
{
	struct nvf_shadow *s, *tmp;
	unsigned long flags;
	LIST_HEAD(gone);

	spin_lock_irqsave(&nvf_shadow_lock, flags);
	list_for_each_entry_safe(s, tmp, &nvf_shadow, node) {
		if (task && s->task != task)
			continue;
		nvf_shadow_bytes -= s->len;
		list_move(&s->node, &gone);
	}
	spin_unlock_irqrestore(&nvf_shadow_lock, flags);
	list_for_each_entry_safe(s, tmp, &gone, node)
		kfree(s);
}

/**
 * nvf_pmem_store() - store to NVM with non-temporal stores
 * @dst: NVM address
 * @src: data
 * @len: bytes
 *
 * Durable after the storing task's next nvf_pmem_fence(). Dropped while
 * frozen; remembered in the shadow while a freeze is armed.
 */
void nvf_pmem_store(void *dst, const void *src, size_t len)
{
	if (READ_ONCE(nvf_frozen)) {
		atomic64_inc(&nvf_suppressed);
		return;
	}
	if (atomic64_read(&nvf_freeze_after) >= 0)
		nvf_shadow_add(dst, len);
	memcpy_flushcache(dst, src, len);
}

/**
 * nvf_pmem_fence() - make this task's earlier NVM stores durable
 *
 * A persistence event: suppressed once frozen.
 */
void nvf_pmem_fence(void)
{
	if (nvf_fault_event())
		return;
	pmem_wmb();
	if (atomic64_read(&nvf_freeze_after) >= 0)
		nvf_shadow_forget(current);
}

/**
 * nvf_fault_fail() - whether this operation is the one armed to fail
 * @op: the kind of operation
 *
 * Return: true for the Nth @op since fail_<op> was set to N.
 */
bool nvf_fault_fail(enum nvf_fault_op op)
{
	s64 at = atomic64_read(&nvf_fail_at[op]);

	if (!at || atomic64_inc_return(&nvf_fail_count[op]) != at)
		return false;
	atomic64_inc(&nvf_injected[op]);
	pr_info("fault: injected %s failure #%lld\n", nvf_fault_names[op], at);
	return true;
}

/**
 * nvf_origin_submit() - send a bio to the origin
 * @bio: a bio for the origin
 *
 * Writes and flushes are persistence events; an armed failure or a freeze
 * completes them with EIO without sending them.
 */
void nvf_origin_submit(struct bio *bio)
{
	bool write = bio_op(bio) == REQ_OP_WRITE && bio_sectors(bio);
	bool flush = bio->bi_opf & REQ_PREFLUSH;

	if (((write || flush) && nvf_fault_event()) ||
	    (write && nvf_fault_fail(NVF_FAULT_ORIGIN_WRITE)) ||
	    (flush && nvf_fault_fail(NVF_FAULT_ORIGIN_FLUSH))) {
		bio_io_error(bio);
		return;
	}
	submit_bio_noacct(bio);
}

/**
 * nvf_origin_flush() - flush the origin's volatile cache
 * @bdev: the origin
 *
 * Return: 0 or a negative errno (-EIO when injected or frozen).
 */
int nvf_origin_flush(struct block_device *bdev)
{
	if (nvf_fault_event() || nvf_fault_fail(NVF_FAULT_ORIGIN_FLUSH))
		return -EIO;
	return blkdev_issue_flush(bdev);
}

/**
 * nvf_bio_endio() - complete a bio of an nvflush device
 * @bio: the bio
 *
 * Once frozen nothing is acknowledged: what completes after the simulated
 * power cut fails, as it would never have completed.
 */
void nvf_bio_endio(struct bio *bio)
{
	if (READ_ONCE(nvf_frozen))
		bio->bi_status = BLK_STS_IOERR;
	bio_endio(bio);
}

/* Undo about half of the words of every unfenced store (newest first). */
static int nvf_fault_crash(u64 seed)
{
	struct nvf_shadow *s, *tmp;
	struct rnd_state rs;
	unsigned long flags;
	bool overflow;
	LIST_HEAD(list);

	WRITE_ONCE(nvf_frozen, 1);
	spin_lock_irqsave(&nvf_shadow_lock, flags);
	list_splice_init(&nvf_shadow, &list);
	nvf_shadow_bytes = 0;
	overflow = nvf_shadow_overflow;
	spin_unlock_irqrestore(&nvf_shadow_lock, flags);

	prandom_seed_state(&rs, seed);
	list_for_each_entry_reverse(s, &list, node) {
		size_t off = 0, n;

		while (off < s->len) {
			/* up to the next 8-byte boundary of the NVM address */
			n = min_t(size_t, s->len - off,
				  8 - (((unsigned long)s->dst + off) & 7));
			if (prandom_u32_state(&rs) & 1) {
				memcpy_flushcache(s->dst + off, s->old + off, n);
				nvf_dropped_words++;
			} else {
				nvf_kept_words++;
			}
			off += n;
		}
	}
	pmem_wmb();
	list_for_each_entry_safe(s, tmp, &list, node)
		kfree(s);
	pr_info("fault: crash (seed %llu): %llu unfenced words dropped, %llu kept%s\n",
		seed, nvf_dropped_words, nvf_kept_words,
		overflow ? ", SHADOW OVERFLOWED" : "");
	return overflow ? -E2BIG : 0;
}

static void nvf_fault_reset(void)
{
	int i;

	atomic64_set(&nvf_freeze_after, -1);
	for (i = 0; i < NVF_FAULT_OPS; i++) {
		atomic64_set(&nvf_fail_at[i], 0);
		atomic64_set(&nvf_fail_count[i], 0);
		atomic64_set(&nvf_injected[i], 0);
	}
	nvf_shadow_forget(NULL);
	nvf_shadow_overflow = false;
	atomic64_set(&nvf_events, 0);
	atomic64_set(&nvf_suppressed, 0);
	nvf_dropped_words = 0;
	nvf_kept_words = 0;
	WRITE_ONCE(nvf_tripped_at, 0);
	WRITE_ONCE(nvf_frozen, 0);
}

static int nvf_fail_get(void *data, u64 *val)
{
	*val = atomic64_read(data);
	return 0;
}

static int nvf_fail_set(void *data, u64 val)
{
	atomic64_t *at = data;

	atomic64_set(&nvf_fail_count[at - nvf_fail_at], 0);
	atomic64_set(at, val);
	return 0;
}
DEFINE_DEBUGFS_ATTRIBUTE(nvf_fail_fops, nvf_fail_get, nvf_fail_set, "%llu\n");

static int nvf_freeze_get(void *data, u64 *val)
{
	*val = atomic64_read(&nvf_freeze_after);
	return 0;
}

static int nvf_freeze_set(void *data, u64 val)
{
	nvf_shadow_forget(NULL);
	nvf_shadow_overflow = false;
	atomic64_set(&nvf_events, 0);
	WRITE_ONCE(nvf_tripped_at, 0);
	WRITE_ONCE(nvf_frozen, 0);
	atomic64_set(&nvf_freeze_after, (s64)val < 0 ? -1 : (s64)val);
	return 0;
}
DEFINE_DEBUGFS_ATTRIBUTE(nvf_freeze_fops, nvf_freeze_get, nvf_freeze_set,
			 "%lld\n");

static int nvf_crash_set(void *data, u64 val)
{
	return nvf_fault_crash(val);
}
DEFINE_DEBUGFS_ATTRIBUTE(nvf_crash_fops, NULL, nvf_crash_set, "%llu\n");

static int nvf_reset_set(void *data, u64 val)
{
	nvf_fault_reset();
	return 0;
}
DEFINE_DEBUGFS_ATTRIBUTE(nvf_reset_fops, NULL, nvf_reset_set, "%llu\n");

static int nvf_status_show(struct seq_file *m, void *v)
{
	unsigned long flags;
	u64 bytes, entries = 0;
	struct nvf_shadow *s;
	bool overflow;
	int i;

	spin_lock_irqsave(&nvf_shadow_lock, flags);
	list_for_each_entry(s, &nvf_shadow, node)
		entries++;
	bytes = nvf_shadow_bytes;
	overflow = nvf_shadow_overflow;
	spin_unlock_irqrestore(&nvf_shadow_lock, flags);
	seq_printf(m, "events %lld\n", atomic64_read(&nvf_events));
	seq_printf(m, "freeze_after %lld\n", atomic64_read(&nvf_freeze_after));
	seq_printf(m, "frozen %d\n", READ_ONCE(nvf_frozen));
	seq_printf(m, "tripped_at %llu\n", READ_ONCE(nvf_tripped_at));
	seq_printf(m, "suppressed %lld\n", atomic64_read(&nvf_suppressed));
	seq_printf(m, "shadow_entries %llu\n", entries);
	seq_printf(m, "shadow_bytes %llu\n", bytes);
	seq_printf(m, "shadow_overflow %d\n", overflow);
	seq_printf(m, "dropped_words %llu\n", nvf_dropped_words);
	seq_printf(m, "kept_words %llu\n", nvf_kept_words);
	for (i = 0; i < NVF_FAULT_OPS; i++)
		seq_printf(m, "injected_%s %lld\n", nvf_fault_names[i],
			   atomic64_read(&nvf_injected[i]));
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(nvf_status);

/**
 * nvf_fault_init() - create the debugfs controls
 *
 * Return: 0 (debugfs failures are not fatal; the hooks stay disarmed).
 */
int nvf_fault_init(void)
{
	static const char * const fail_files[NVF_FAULT_OPS] = {
		[NVF_FAULT_NVM_WRITE] = "fail_nvm_write",
		[NVF_FAULT_NVM_READ] = "fail_nvm_read",
		[NVF_FAULT_ORIGIN_WRITE] = "fail_origin_write",
		[NVF_FAULT_ORIGIN_FLUSH] = "fail_origin_flush",
	};
	int i;

	nvf_fault_top = debugfs_create_dir("nvflush", NULL);
	nvf_fault_dir = debugfs_create_dir("fault", nvf_fault_top);
	for (i = 0; i < NVF_FAULT_OPS; i++)
		debugfs_create_file_unsafe(fail_files[i], 0600, nvf_fault_dir,
					   &nvf_fail_at[i], &nvf_fail_fops);
	debugfs_create_file_unsafe("freeze_after", 0600, nvf_fault_dir, NULL,
				   &nvf_freeze_fops);
	debugfs_create_file_unsafe("crash", 0200, nvf_fault_dir, NULL,
				   &nvf_crash_fops);
	debugfs_create_file_unsafe("reset", 0200, nvf_fault_dir, NULL,
				   &nvf_reset_fops);
	debugfs_create_file("status", 0400, nvf_fault_dir, NULL,
			    &nvf_status_fops);
	pr_info("fault injection hooks are built in (debugfs nvflush/fault)\n");
	return 0;
}

/**
 * nvf_fault_exit() - remove the debugfs controls and the shadow
 */
void nvf_fault_exit(void)
{
	debugfs_remove_recursive(nvf_fault_top);
	nvf_fault_top = NULL;
	nvf_fault_dir = NULL;
	nvf_shadow_forget(NULL);
}
