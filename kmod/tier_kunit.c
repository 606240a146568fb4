// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests of the tier's block index (tier.h): shard selection, and
 * lookup, replace and conditional erase as the write path, recovery and
 * the destager use them.
 */
#include <kunit/test.h>
#include <linux/slab.h>
#include "nvflush.h"

/* A tier with nothing but its index. */
static int nvf_t_index_init(struct kunit *test)
{
	struct nvf_tier *t = kunit_kzalloc(test, sizeof(*t), GFP_KERNEL);
	unsigned int i;

	if (!t)
		return -ENOMEM;
	for (i = 0; i < NVF_INDEX_SHARDS; i++)
		xa_init(&t->index[i]);
	test->priv = t;
	return 0;
}

static void nvf_t_index_exit(struct kunit *test)
{
	struct nvf_tier *t = test->priv;
	unsigned int i;

	for (i = 0; i < NVF_INDEX_SHARDS; i++)
		xa_destroy(&t->index[i]);
}

/* Which shards hold an entry for @block. */
static unsigned int nvf_t_shards_holding(struct nvf_tier *t, u64 block)
{
	unsigned int i, mask = 0;

	for (i = 0; i < NVF_INDEX_SHARDS; i++)
		if (xa_load(&t->index[i], block))
			mask |= 1u << i;
	return mask;
}

static void nvf_t_shard_selection(struct kunit *test)
{
	static const u64 far[] = {
		U32_MAX, (u64)U32_MAX + 1, 1ull << 40, U64_MAX - 1, U64_MAX,
	};
	struct nvf_tier *t = test->priv;
	unsigned int i, seen = 0;
	u64 b;

	KUNIT_EXPECT_EQ(test, NVF_INDEX_SHARDS, 16);
	for (b = 0; b < 4 * NVF_INDEX_SHARDS; b++)
		KUNIT_EXPECT_PTR_EQ(test, nvf_shard(t, b),
				    &t->index[b % NVF_INDEX_SHARDS]);
	for (i = 0; i < ARRAY_SIZE(far); i++)
		KUNIT_EXPECT_PTR_EQ(test, nvf_shard(t, far[i]),
				    &t->index[far[i] % NVF_INDEX_SHARDS]);
	/* consecutive blocks (a sequential write) spread over every shard */
	for (b = 1000; b < 1000 + NVF_INDEX_SHARDS; b++)
		seen |= 1u << (nvf_shard(t, b) - t->index);
	KUNIT_EXPECT_EQ(test, seen, (1u << NVF_INDEX_SHARDS) - 1);
}

static void nvf_t_lookup_empty(struct kunit *test)
{
	struct nvf_tier *t = test->priv;
	u64 b;

	for (b = 0; b < 2 * NVF_INDEX_SHARDS; b++)
		KUNIT_EXPECT_EQ(test, nvf_lookup(t, b), -1L);
	KUNIT_EXPECT_EQ(test, nvf_lookup(t, U64_MAX), -1L);
	KUNIT_EXPECT_FALSE(test, nvf_index_holds(t, 0, 0));
	KUNIT_EXPECT_FALSE(test, nvf_index_erase(t, 0, 0));
}

static void nvf_t_store_lookup(struct kunit *test)
{
	struct nvf_tier *t = test->priv;
	void *prev;
	u64 b;

	/* every third block, in slot 2 * block: slot 0 included */
	for (b = 0; b < 300; b += 3) {
		prev = nvf_index_store(t, b, 2 * b, GFP_KERNEL);
		KUNIT_ASSERT_FALSE(test, xa_is_err(prev));
		KUNIT_EXPECT_NULL(test, prev);
	}
	for (b = 0; b < 300; b++) {
		KUNIT_EXPECT_EQ_MSG(test, nvf_lookup(t, b),
				    b % 3 ? -1L : (long)(2 * b), "block %llu", b);
		/* in its own shard only */
		KUNIT_EXPECT_EQ_MSG(test, nvf_t_shards_holding(t, b),
				    b % 3 ? 0u : 1u << (b % NVF_INDEX_SHARDS),
				    "block %llu", b);
	}
	KUNIT_EXPECT_TRUE(test, nvf_index_holds(t, 0, 0));
	KUNIT_EXPECT_TRUE(test, nvf_index_holds(t, 3, 6));
	KUNIT_EXPECT_FALSE(test, nvf_index_holds(t, 3, 3));
	KUNIT_EXPECT_FALSE(test, nvf_index_holds(t, 4, 8));
}

/* A rewrite into a new slot returns the slot it supersedes. */
static void nvf_t_replace(struct kunit *test)
{
	struct nvf_tier *t = test->priv;
	void *prev;

	prev = nvf_index_store(t, 5, 1, GFP_KERNEL);
	KUNIT_EXPECT_NULL(test, prev);
	prev = nvf_index_store(t, 5, 9, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, prev);
	KUNIT_ASSERT_FALSE(test, xa_is_err(prev));
	KUNIT_EXPECT_EQ(test, xa_to_value(prev), 1UL);
	KUNIT_EXPECT_EQ(test, nvf_lookup(t, 5), 9L);
	KUNIT_EXPECT_TRUE(test, nvf_index_holds(t, 5, 9));
	KUNIT_EXPECT_FALSE(test, nvf_index_holds(t, 5, 1));
	/* back into slot 0 */
	prev = nvf_index_store(t, 5, 0, GFP_KERNEL);
	KUNIT_EXPECT_EQ(test, xa_to_value(prev), 9UL);
	KUNIT_EXPECT_EQ(test, nvf_lookup(t, 5), 0L);
	KUNIT_EXPECT_EQ(test, nvf_t_shards_holding(t, 5), 1u << 5);
}

/*
 * The destager removes a block only if it is still in the slot it copied:
 * a block rewritten meanwhile stays indexed in its new slot.
 */
static void nvf_t_erase(struct kunit *test)
{
	struct nvf_tier *t = test->priv;

	nvf_index_store(t, 7, 3, GFP_KERNEL);
	nvf_index_store(t, 7, 4, GFP_KERNEL);	/* rewritten */
	KUNIT_EXPECT_FALSE(test, nvf_index_erase(t, 7, 3));
	KUNIT_EXPECT_EQ(test, nvf_lookup(t, 7), 4L);
	KUNIT_EXPECT_TRUE(test, nvf_index_erase(t, 7, 4));
	KUNIT_EXPECT_EQ(test, nvf_lookup(t, 7), -1L);
	KUNIT_EXPECT_FALSE(test, nvf_index_holds(t, 7, 4));
	/* a second erase finds nothing to free */
	KUNIT_EXPECT_FALSE(test, nvf_index_erase(t, 7, 4));
	KUNIT_EXPECT_EQ(test, nvf_t_shards_holding(t, 7), 0u);
	/* and the block can be absorbed again */
	KUNIT_EXPECT_NULL(test, nvf_index_store(t, 7, 3, GFP_KERNEL));
	KUNIT_EXPECT_EQ(test, nvf_lookup(t, 7), 3L);
}

/* Blocks that share a shard do not disturb each other. */
static void nvf_t_same_shard(struct kunit *test)
{
	struct nvf_tier *t = test->priv;
	unsigned int i;

	for (i = 0; i < 8; i++)
		nvf_index_store(t, 3 + i * NVF_INDEX_SHARDS, 100 + i, GFP_KERNEL);
	KUNIT_EXPECT_PTR_EQ(test, xa_load(&t->index[3], 3 + NVF_INDEX_SHARDS),
			    xa_mk_value(101));
	KUNIT_EXPECT_TRUE(test, nvf_index_erase(t, 3 + 2 * NVF_INDEX_SHARDS,
						102));
	nvf_index_store(t, 3 + 5 * NVF_INDEX_SHARDS, 200, GFP_KERNEL);
	for (i = 0; i < 8; i++)
		KUNIT_EXPECT_EQ_MSG(test, nvf_lookup(t, 3 + i * NVF_INDEX_SHARDS),
				    i == 2 ? -1L : i == 5 ? 200L : 100L + i,
				    "block %u", 3 + i * NVF_INDEX_SHARDS);
	for (i = 0; i < NVF_INDEX_SHARDS; i++)
		if (i != 3)
			KUNIT_EXPECT_TRUE(test, xa_empty(&t->index[i]));
}

/* Origins far beyond 4 GiB blocks, and large slot numbers. */
static void nvf_t_large(struct kunit *test)
{
	static const u64 blocks[] = {
		(u64)U32_MAX + 1, 1ull << 40, (1ull << 40) + 1, U64_MAX - 1,
	};
	struct nvf_tier *t = test->priv;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(blocks); i++)
		KUNIT_EXPECT_NULL(test, nvf_index_store(t, blocks[i],
							(1ull << 32) + i,
							GFP_KERNEL));
	for (i = 0; i < ARRAY_SIZE(blocks); i++) {
		KUNIT_EXPECT_EQ(test, nvf_lookup(t, blocks[i]),
				(long)((1ull << 32) + i));
		KUNIT_EXPECT_EQ(test, nvf_t_shards_holding(t, blocks[i]),
				1u << (blocks[i] % NVF_INDEX_SHARDS));
	}
	KUNIT_EXPECT_EQ(test, nvf_lookup(t, U32_MAX), -1L);
	for (i = 0; i < ARRAY_SIZE(blocks); i++)
		KUNIT_EXPECT_TRUE(test, nvf_index_erase(t, blocks[i],
							(1ull << 32) + i));
	for (i = 0; i < NVF_INDEX_SHARDS; i++)
		KUNIT_EXPECT_TRUE(test, xa_empty(&t->index[i]));
}

static struct kunit_case nvf_index_cases[] = {
	KUNIT_CASE(nvf_t_shard_selection),
	KUNIT_CASE(nvf_t_lookup_empty),
	KUNIT_CASE(nvf_t_store_lookup),
	KUNIT_CASE(nvf_t_replace),
	KUNIT_CASE(nvf_t_erase),
	KUNIT_CASE(nvf_t_same_shard),
	KUNIT_CASE(nvf_t_large),
	{}
};

static struct kunit_suite nvf_index_suite = {
	.name = "nvflush_index",
	.init = nvf_t_index_init,
	.exit = nvf_t_index_exit,
	.test_cases = nvf_index_cases,
};

kunit_test_suite(nvf_index_suite);
