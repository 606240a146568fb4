// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests of the destage order: the rank of a policy's blocks (its
 * weight, urgent while writers wait at its cap), the rank served first,
 * which collection pass takes a block, and within a batch the sort by
 * origin block and the merge of adjacent blocks into one bio.
 */
#include <kunit/test.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include "nvflush.h"
#include "policy.h"

#define NVF_T_BATCH	256	/* the destager's batch, one bio at most */
#define NVF_T_MAX_WEIGHT	1000	/* the highest weight netlink accepts */

static int nvf_t_destage_init(struct kunit *test)
{
	struct xarray *xa = kunit_kzalloc(test, sizeof(*xa), GFP_KERNEL);

	if (!xa)
		return -ENOMEM;
	xa_init(xa);
	test->priv = xa;
	return 0;
}

static void nvf_t_destage_exit(struct kunit *test)
{
	xa_destroy(test->priv);
}

static struct nvf_policy *nvf_t_policy(struct kunit *test, u64 cgid,
				       u32 weight, s64 held)
{
	struct nvf_policy *p = kunit_kzalloc(test, sizeof(*p), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, p);
	p->cgid = cgid;
	p->weight = weight;
	atomic64_set(&p->dirty, held);
	KUNIT_ASSERT_EQ(test, xa_insert(test->priv, cgid, p, GFP_KERNEL), 0);
	return p;
}

static int nvf_t_cmp(u64 a, u64 b)
{
	struct nvf_destage_entry x = { .block = a }, y = { .block = b };

	return nvf_entry_cmp(&x, &y);
}

static void nvf_t_cmp_sign(struct kunit *test)
{
	KUNIT_EXPECT_LT(test, nvf_t_cmp(1, 2), 0);
	KUNIT_EXPECT_GT(test, nvf_t_cmp(2, 1), 0);
	KUNIT_EXPECT_EQ(test, nvf_t_cmp(3, 3), 0);
	/* no overflow where a difference would not fit an int */
	KUNIT_EXPECT_LT(test, nvf_t_cmp(0, U64_MAX), 0);
	KUNIT_EXPECT_GT(test, nvf_t_cmp(U64_MAX, 0), 0);
	KUNIT_EXPECT_GT(test, nvf_t_cmp(1ull << 63, 1), 0);
	KUNIT_EXPECT_LT(test, nvf_t_cmp(1, 1ull << 32), 0);
	KUNIT_EXPECT_GT(test, nvf_t_cmp((1ull << 32) + 1, 1), 0);
}

/* A batch collected shard by shard goes out sorted by origin block. */
static void nvf_t_sort(struct kunit *test)
{
	struct nvf_destage_entry *e;
	unsigned int i;

	e = kunit_kcalloc(test, NVF_T_BATCH, sizeof(*e), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, e);
	/* a permutation of 0..255, spread out, plus a far block */
	for (i = 0; i < NVF_T_BATCH - 1; i++) {
		e[i].block = (u64)((i * 97) % NVF_T_BATCH) * 5 + (1ull << 33);
		e[i].slot = e[i].block ^ 0x5555;
	}
	e[i].block = 3;
	e[i].slot = 3 ^ 0x5555;
	sort(e, NVF_T_BATCH, sizeof(*e), nvf_entry_cmp, NULL);
	KUNIT_EXPECT_EQ(test, e[0].block, 3ull);
	for (i = 0; i < NVF_T_BATCH; i++) {
		if (i)
			KUNIT_EXPECT_LT(test, e[i - 1].block, e[i].block);
		/* each block keeps its slot */
		KUNIT_EXPECT_EQ(test, e[i].slot, e[i].block ^ 0x5555);
	}
}

/* Adjacent blocks of a sorted batch are one bio; gaps start a new one. */
static void nvf_t_merge(struct kunit *test)
{
	static const u64 blocks[] = { 1, 2, 3, 5, 6, 9, 100, 101, 102, 103,
				      105 };
	static const unsigned int ends[] = { 3, 5, 6, 10, 11 };
	struct nvf_destage_entry e[ARRAY_SIZE(blocks)] = {};
	unsigned int i, j, runs = 0;

	for (i = 0; i < ARRAY_SIZE(blocks); i++)
		e[i].block = blocks[i];
	for (i = 0; i < ARRAY_SIZE(blocks); i = j) {
		j = nvf_destage_run(e, ARRAY_SIZE(blocks), i);
		KUNIT_ASSERT_LT(test, runs, (unsigned int)ARRAY_SIZE(ends));
		KUNIT_EXPECT_EQ(test, j, ends[runs]);
		KUNIT_ASSERT_GT(test, j, i);
		runs++;
	}
	KUNIT_EXPECT_EQ(test, runs, (unsigned int)ARRAY_SIZE(ends));
	/* one block is one bio */
	KUNIT_EXPECT_EQ(test, nvf_destage_run(e, 1, 0), 1u);
	/* the last entry of a batch */
	KUNIT_EXPECT_EQ(test, nvf_destage_run(e, ARRAY_SIZE(blocks),
					      ARRAY_SIZE(blocks) - 1),
			(unsigned int)ARRAY_SIZE(blocks));
}

/* A full batch of adjacent blocks is one bio of the whole batch. */
static void nvf_t_merge_full(struct kunit *test)
{
	struct nvf_destage_entry *e;
	unsigned int i;

	e = kunit_kcalloc(test, NVF_T_BATCH, sizeof(*e), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, e);
	for (i = 0; i < NVF_T_BATCH; i++)
		e[i].block = 4096 + i;
	KUNIT_EXPECT_EQ(test, nvf_destage_run(e, NVF_T_BATCH, 0),
			(unsigned int)NVF_T_BATCH);
	KUNIT_EXPECT_EQ(test, nvf_destage_run(e, NVF_T_BATCH, 200),
			(unsigned int)NVF_T_BATCH);
	/* the run stops at the batch's end, not at the next block */
	KUNIT_EXPECT_EQ(test, nvf_destage_run(e, 10, 0), 10u);
	/* every other block: no merge */
	for (i = 0; i < NVF_T_BATCH; i++)
		e[i].block = 2 * i;
	for (i = 0; i < NVF_T_BATCH; i++)
		KUNIT_EXPECT_EQ(test, nvf_destage_run(e, NVF_T_BATCH, i), i + 1);
}

/* The rank of a policy's blocks: its weight, urgent above all. */
static void nvf_t_rank(struct kunit *test)
{
	struct nvf_policy *p = nvf_t_policy(test, 10, 1, 0);

	KUNIT_EXPECT_EQ(test, nvf_policy_rank(p), 1u);
	WRITE_ONCE(p->weight, NVF_T_MAX_WEIGHT);
	KUNIT_EXPECT_EQ(test, nvf_policy_rank(p), (u32)NVF_T_MAX_WEIGHT);
	/* writers waiting at the cap: above every weight */
	WRITE_ONCE(p->weight, 1);
	atomic_set(&p->waiters, 2);
	KUNIT_EXPECT_EQ(test, nvf_policy_rank(p), (u32)NVF_URGENT_WEIGHT);
	KUNIT_EXPECT_GT(test, nvf_policy_rank(p), (u32)NVF_T_MAX_WEIGHT);
	atomic_set(&p->waiters, 0);
	KUNIT_EXPECT_EQ(test, nvf_policy_rank(p), 1u);
}

/* The highest weight among the policies that hold blocks goes first. */
static void nvf_t_top_rank(struct kunit *test)
{
	struct xarray *xa = test->priv;
	struct nvf_policy *heavy;

	KUNIT_EXPECT_EQ(test, nvf_policy_top_rank(xa, 0), 0u);
	/* blocks outside every policy have the default weight */
	KUNIT_EXPECT_EQ(test, nvf_policy_top_rank(xa, 5),
			(u32)NVF_DEFAULT_WEIGHT);

	nvf_t_policy(test, 10, 50, 4);
	nvf_t_policy(test, 11, 20, 6);
	KUNIT_EXPECT_EQ(test, nvf_policy_top_rank(xa, 10), 50u);
	KUNIT_EXPECT_EQ(test, nvf_policy_top_rank(xa, 11),
			(u32)NVF_DEFAULT_WEIGHT);

	heavy = nvf_t_policy(test, 12, 300, 0);
	/* a policy that holds nothing is not served */
	KUNIT_EXPECT_EQ(test, nvf_policy_top_rank(xa, 10), 50u);
	atomic64_set(&heavy->dirty, 1);
	KUNIT_EXPECT_EQ(test, nvf_policy_top_rank(xa, 11), 300u);
	/* a policy left holding less than nothing (a race) is not either */
	atomic64_set(&heavy->dirty, -1);
	KUNIT_EXPECT_EQ(test, nvf_policy_top_rank(xa, 10), 50u);
}

/* Writers waiting at a cap: their blocks before every weight. */
static void nvf_t_urgent_first(struct kunit *test)
{
	struct xarray *xa = test->priv;
	struct nvf_policy *heavy, *light;
	u32 top;

	heavy = nvf_t_policy(test, 10, NVF_T_MAX_WEIGHT, 8);
	light = nvf_t_policy(test, 11, 1, 8);
	top = nvf_policy_top_rank(xa, 16);
	KUNIT_EXPECT_EQ(test, top, (u32)NVF_T_MAX_WEIGHT);
	KUNIT_EXPECT_TRUE(test, nvf_destage_rank_wanted(nvf_policy_rank(heavy),
							top, true));
	KUNIT_EXPECT_FALSE(test, nvf_destage_rank_wanted(nvf_policy_rank(light),
							 top, true));

	atomic_set(&light->waiters, 1);
	top = nvf_policy_top_rank(xa, 16);
	KUNIT_EXPECT_EQ(test, top, (u32)NVF_URGENT_WEIGHT);
	KUNIT_EXPECT_TRUE(test, nvf_destage_rank_wanted(nvf_policy_rank(light),
							top, true));
	KUNIT_EXPECT_FALSE(test, nvf_destage_rank_wanted(nvf_policy_rank(heavy),
							 top, true));
	/* the heavy policy's blocks wait for the filling passes */
	KUNIT_EXPECT_TRUE(test, nvf_destage_rank_wanted(nvf_policy_rank(heavy),
							top, false));
}

/* Every block is taken by exactly one kind of pass. */
static void nvf_t_passes(struct kunit *test)
{
	static const u32 tops[] = { 1, 100, 500, NVF_URGENT_WEIGHT };
	unsigned int i;
	u32 rank;

	for (i = 0; i < ARRAY_SIZE(tops); i++) {
		for (rank = 1; rank <= NVF_URGENT_WEIGHT; rank++) {
			bool first = nvf_destage_rank_wanted(rank, tops[i], true);
			bool rest = nvf_destage_rank_wanted(rank, tops[i], false);
			bool top = rank >= tops[i];

			if (first == rest || first != top)
				KUNIT_FAIL(test, "rank %u, top %u: first %d rest %d",
					   rank, tops[i], first, rest);
		}
	}
}

static struct kunit_case nvf_destage_cases[] = {
	KUNIT_CASE(nvf_t_cmp_sign),
	KUNIT_CASE(nvf_t_sort),
	KUNIT_CASE(nvf_t_merge),
	KUNIT_CASE(nvf_t_merge_full),
	KUNIT_CASE(nvf_t_rank),
	KUNIT_CASE(nvf_t_top_rank),
	KUNIT_CASE(nvf_t_urgent_first),
	KUNIT_CASE(nvf_t_passes),
	{}
};

static struct kunit_suite nvf_destage_suite = {
	.name = "nvflush_destage",
	.init = nvf_t_destage_init,
	.exit = nvf_t_destage_exit,
	.test_cases = nvf_destage_cases,
};

kunit_test_suite(nvf_destage_suite);
