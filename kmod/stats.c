// SPDX-License-Identifier: GPL-2.0
/*
 * nvflush per-cgroup I/O counters.
 *
 * Counters live in per-cpu structures, one per (device, cgroup), found by
 * cgroup id in an xarray: the I/O path does a lock-free lookup and per-cpu
 * additions; only the first bio of a cgroup takes the xarray's lock to
 * insert its entry. Entries live until the device is destroyed, so
 * counters of a removed cgroup stay readable under its id.
 *
 * Latency histograms count write and flush completions per cgroup in log2
 * microsecond buckets, from the bio's entry into the device to its end.
 */
#include <linux/blk-cgroup.h>
#include <linux/cgroup.h>
#include <linux/percpu.h>
#include <linux/slab.h>
#include "nvflush.h"

struct nvf_cgroup_stats {
	struct nvf_counters __percpu *pcpu;
};

static struct nvf_cgroup_stats *nvf_cgs_alloc(gfp_t gfp)
{
	struct nvf_cgroup_stats *cgs = kzalloc(sizeof(*cgs), gfp);

	if (!cgs)
		return NULL;
	cgs->pcpu = alloc_percpu_gfp(struct nvf_counters, gfp);
	if (!cgs->pcpu) {
		kfree(cgs);
		return NULL;
	}
	return cgs;
}

static void nvf_cgs_free(struct nvf_cgroup_stats *cgs)
{
	free_percpu(cgs->pcpu);
	kfree(cgs);
}

/**
 * nvf_stats_init() - initialize the counters of a device
 * @st: the counters
 *
 * Return: 0 or -ENOMEM.
 */
int nvf_stats_init(struct nvf_stats *st)
{
	struct nvf_cgroup_stats *cgs;
	int err;

	xa_init(&st->cgroups);
	/* the fallback entry must exist before any I/O */
	cgs = nvf_cgs_alloc(GFP_KERNEL);
	if (!cgs)
		return -ENOMEM;
	err = xa_insert(&st->cgroups, NVF_UNATTRIBUTED_ID, cgs, GFP_KERNEL);
	if (err)
		nvf_cgs_free(cgs);
	return err;
}

/**
 * nvf_stats_exit() - free the counters of a device
 * @st: the counters, with no I/O in flight
 */
void nvf_stats_exit(struct nvf_stats *st)
{
	struct nvf_cgroup_stats *cgs;
	unsigned long id;

	xa_for_each(&st->cgroups, id, cgs)
		nvf_cgs_free(cgs);
	xa_destroy(&st->cgroups);
}

/**
 * nvf_bio_cgroup_id() - cgroup v2 id of the writer of a bio
 * @bio: the bio
 *
 * Return: the id of the bio's blkcg, or the root's if it has none.
 */
u64 nvf_bio_cgroup_id(struct bio *bio)
{
	struct cgroup_subsys_state *css = bio_blkcg_css(bio);

	return css ? cgroup_id(css->cgroup) : NVF_ROOT_CGROUP_ID;
}

static struct nvf_cgroup_stats *nvf_cgs_get(struct nvf_stats *st, u64 id)
{
	struct nvf_cgroup_stats *cgs, *old;

	cgs = xa_load(&st->cgroups, id);
	if (likely(cgs))
		return cgs;
	/* first I/O of this cgroup; we are on the I/O path: no reclaim I/O */
	cgs = nvf_cgs_alloc(GFP_NOIO | __GFP_NOWARN);
	if (!cgs)
		return xa_load(&st->cgroups, NVF_UNATTRIBUTED_ID);
	old = xa_cmpxchg(&st->cgroups, id, NULL, cgs, GFP_NOIO | __GFP_NOWARN);
	if (!old)
		return cgs;
	nvf_cgs_free(cgs);
	/* lost a race (old is the winner) or the insert failed (error) */
	return xa_is_err(old) ?
		xa_load(&st->cgroups, NVF_UNATTRIBUTED_ID) : old;
}

/**
 * nvf_stats_of() - the counters of a cgroup (created on first use)
 * @st: the device's counters
 * @id: the cgroup id
 *
 * Context: may sleep only as GFP_NOIO allows.
 * Return: its per-CPU counters (the unattributed ones if out of memory).
 */
struct nvf_counters __percpu *nvf_stats_of(struct nvf_stats *st, u64 id)
{
	return nvf_cgs_get(st, id)->pcpu;
}

/**
 * nvf_stats_account() - count a bio for the cgroup that issued it
 * @st: the device's counters
 * @bio: a bio entering the device
 *
 * Context: the I/O path; may sleep only as GFP_NOIO allows.
 * Return: the per-CPU counters of the bio's cgroup, for the tier's counts.
 */
struct nvf_counters __percpu *
nvf_stats_account(struct nvf_stats *st, struct bio *bio)
{
	struct nvf_counters __percpu *c = nvf_stats_of(st, nvf_bio_cgroup_id(bio));
	unsigned int bytes = bio->bi_iter.bi_size;

	if (bio->bi_opf & REQ_PREFLUSH)
		this_cpu_inc(c->flushes);
	switch (bio_op(bio)) {
	case REQ_OP_WRITE:
		if (!bytes)	/* an empty flush carries no data */
			break;
		this_cpu_inc(c->write_bios);
		this_cpu_add(c->write_bytes, bytes);
		if (bio->bi_opf & REQ_SYNC)
			this_cpu_inc(c->sync_writes);
		if (bio->bi_opf & REQ_FUA)
			this_cpu_inc(c->fua_writes);
		break;
	case REQ_OP_READ:
		this_cpu_inc(c->read_bios);
		this_cpu_add(c->read_bytes, bytes);
		break;
	case REQ_OP_DISCARD:
		this_cpu_inc(c->discard_bios);
		this_cpu_add(c->discard_bytes, bytes);
		break;
	default:
		break;
	}
	return c;
}

/**
 * nvf_stats_read() - read the counters of the next cgroup
 * @st: the device's counters
 * @id: in: the first cgroup id to consider; out: the id found
 * @sum: receives the counters summed over all CPUs
 *
 * Return: 1 if a cgroup with an id >= *@id was found, else 0.
 */
int nvf_stats_read(struct nvf_stats *st, u64 *id, struct nvf_counters *sum)
{
	unsigned long index = *id;
	struct nvf_cgroup_stats *cgs;
	unsigned int i;
	int cpu;

	cgs = xa_find(&st->cgroups, &index, ULONG_MAX, XA_PRESENT);
	if (!cgs)
		return 0;
	memset(sum, 0, sizeof(*sum));
	for_each_possible_cpu(cpu) {
		const u64 *c = (const u64 *)per_cpu_ptr(cgs->pcpu, cpu);
		u64 *out = (u64 *)sum;

		for (i = 0; i < sizeof(*sum) / sizeof(u64); i++)
			out[i] += READ_ONCE(c[i]);
	}
	*id = index;
	return 1;
}

/**
 * nvf_lat_start() - start measuring the completion latency of a bio
 * @lat: the measurement, carried to where the bio completes
 * @c: the per-CPU counters of the bio's cgroup
 * @bio: a bio entering the device
 */
void nvf_lat_start(struct nvf_lat *lat, struct nvf_counters __percpu *c,
		   const struct bio *bio)
{
	lat->c = c;
	lat->kind = 0;
	if (bio_op(bio) == REQ_OP_WRITE && bio_sectors(bio))
		lat->kind |= NVF_LAT_WRITE;
	if (bio->bi_opf & REQ_PREFLUSH)
		lat->kind |= NVF_LAT_FLUSH;
	lat->start = lat->kind ? ktime_get_ns() : 0;
}

/**
 * nvf_lat_end() - record the latency of a bio about to complete
 * @lat: its measurement
 *
 * Context: any (completion context included).
 */
void nvf_lat_end(const struct nvf_lat *lat)
{
	unsigned int b;

	if (!lat->kind)
		return;
	b = nvf_lat_bucket(ktime_get_ns() - lat->start);
	if (lat->kind & NVF_LAT_WRITE)
		this_cpu_inc(lat->c->write_lat[b]);
	if (lat->kind & NVF_LAT_FLUSH)
		this_cpu_inc(lat->c->flush_lat[b]);
}
