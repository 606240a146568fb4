// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests of policy resolution (policy.h): the nearest cgroup with a
 * policy governs a write, descendants inherit it, the device's default
 * mode applies without one, and which writes each mode absorbs.
 *
 * The hierarchy, by cgroup id: / (1), /a (10), /a/b (11), /a/b/c (12),
 * /x (20). A writer is given as its id followed by its ancestors' ids,
 * the way policy.c walks the cgroup tree.
 */
#include <kunit/test.h>
#include <linux/slab.h>
#include "nvflush.h"
#include "policy.h"

/* A writer: its cgroup's id, then its ancestors' up to the root. */
struct nvf_t_writer {
	u64 ids[4];
	unsigned int n;
};

static const struct nvf_t_writer nvf_t_c = { { 12, 11, 10, 1 }, 4 };
static const struct nvf_t_writer nvf_t_b = { { 11, 10, 1 }, 3 };
static const struct nvf_t_writer nvf_t_a = { { 10, 1 }, 2 };
static const struct nvf_t_writer nvf_t_x = { { 20, 1 }, 2 };
static const struct nvf_t_writer nvf_t_root = { { 1 }, 1 };

/* The policy that governs @w's writes. */
static struct nvf_policy *nvf_t_find(struct xarray *xa,
				     const struct nvf_t_writer *w)
{
	return nvf_policy_nearest(xa, w->ids, w->n);
}

/* The cgroup id of a policy found, 0 for none. */
static u64 nvf_t_id(const struct nvf_policy *p)
{
	return p ? p->cgid : 0;
}

static int nvf_t_policy_init(struct kunit *test)
{
	struct xarray *xa = kunit_kzalloc(test, sizeof(*xa), GFP_KERNEL);

	if (!xa)
		return -ENOMEM;
	xa_init(xa);
	test->priv = xa;
	return 0;
}

static void nvf_t_policy_exit(struct kunit *test)
{
	xa_destroy(test->priv);	/* the policies are kunit allocations */
}

static struct nvf_policy *nvf_t_add(struct kunit *test, u64 cgid, u32 mode,
				    u64 max_dirty)
{
	struct nvf_policy *p = kunit_kzalloc(test, sizeof(*p), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, p);
	p->cgid = cgid;
	p->mode = mode;
	p->on_full = NVFLUSH_ON_FULL_THROTTLE;
	p->max_dirty = max_dirty;
	p->weight = NVF_DEFAULT_WEIGHT;
	KUNIT_ASSERT_EQ(test, xa_insert(test->priv, cgid, p, GFP_KERNEL), 0);
	return p;
}

/* Without any policy every write follows the device's mode. */
static void nvf_t_defaults(struct kunit *test)
{
	static const u32 modes[] = {
		NVFLUSH_MODE_ABSORB, NVFLUSH_MODE_BYPASS, NVFLUSH_MODE_SYNC_ONLY,
	};
	struct xarray *xa = test->priv;
	struct nvf_decision d;
	unsigned int i;

	KUNIT_EXPECT_NULL(test, nvf_t_find(xa, &nvf_t_c));
	KUNIT_EXPECT_NULL(test, nvf_t_find(xa, &nvf_t_root));
	KUNIT_EXPECT_NULL(test, nvf_policy_nearest(xa, nvf_t_c.ids, 0));
	for (i = 0; i < ARRAY_SIZE(modes); i++) {
		memset(&d, 0x5a, sizeof(d));
		nvf_policy_decide(&d, NULL, modes[i], REQ_OP_WRITE);
		KUNIT_EXPECT_EQ(test, d.mode, modes[i]);
		KUNIT_EXPECT_EQ(test, d.pol, 0ull);
		KUNIT_EXPECT_EQ(test, d.on_full, 0u);
		KUNIT_EXPECT_EQ(test, d.max_blocks, 0ull);
		KUNIT_EXPECT_EQ(test, d.absorb, modes[i] == NVFLUSH_MODE_ABSORB);
		nvf_policy_decide(&d, NULL, modes[i], REQ_OP_WRITE | REQ_SYNC);
		KUNIT_EXPECT_EQ(test, d.absorb, modes[i] != NVFLUSH_MODE_BYPASS);
	}
}

/* The policy of the nearest cgroup wins; siblings do not count. */
static void nvf_t_nearest(struct kunit *test)
{
	struct xarray *xa = test->priv;
	struct nvf_policy *root, *a, *b;

	root = nvf_t_add(test, 1, NVFLUSH_MODE_BYPASS, 0);
	KUNIT_EXPECT_PTR_EQ(test, nvf_t_find(xa, &nvf_t_c), root);
	KUNIT_EXPECT_PTR_EQ(test, nvf_t_find(xa, &nvf_t_x), root);

	a = nvf_t_add(test, 10, NVFLUSH_MODE_ABSORB, 0);
	KUNIT_EXPECT_PTR_EQ(test, nvf_t_find(xa, &nvf_t_c), a);
	KUNIT_EXPECT_PTR_EQ(test, nvf_t_find(xa, &nvf_t_b), a);
	KUNIT_EXPECT_PTR_EQ(test, nvf_t_find(xa, &nvf_t_a), a);
	KUNIT_EXPECT_PTR_EQ(test, nvf_t_find(xa, &nvf_t_x), root);
	KUNIT_EXPECT_PTR_EQ(test, nvf_t_find(xa, &nvf_t_root), root);

	b = nvf_t_add(test, 11, NVFLUSH_MODE_SYNC_ONLY, 0);
	KUNIT_EXPECT_PTR_EQ(test, nvf_t_find(xa, &nvf_t_c), b);
	KUNIT_EXPECT_PTR_EQ(test, nvf_t_find(xa, &nvf_t_b), b);
	KUNIT_EXPECT_PTR_EQ(test, nvf_t_find(xa, &nvf_t_a), a);

	/* a policy of a sibling's descendant governs nothing here */
	nvf_t_add(test, 21, NVFLUSH_MODE_ABSORB, 0);
	KUNIT_EXPECT_PTR_EQ(test, nvf_t_find(xa, &nvf_t_x), root);
}

/* A descendant without a policy takes its ancestor's settings. */
static void nvf_t_inherit(struct kunit *test)
{
	struct xarray *xa = test->priv;
	struct nvf_decision d;
	struct nvf_policy *a;

	nvf_t_add(test, 1, NVFLUSH_MODE_BYPASS, 0);
	a = nvf_t_add(test, 10, NVFLUSH_MODE_SYNC_ONLY, (10ull << 20) + 100);
	a->on_full = NVFLUSH_ON_FULL_BYPASS;

	nvf_policy_decide(&d, nvf_t_find(xa, &nvf_t_c), NVFLUSH_MODE_ABSORB,
			  REQ_OP_WRITE | REQ_FUA);
	KUNIT_EXPECT_EQ(test, d.pol, 10ull);
	KUNIT_EXPECT_EQ(test, d.mode, (u32)NVFLUSH_MODE_SYNC_ONLY);
	KUNIT_EXPECT_EQ(test, d.on_full, (u32)NVFLUSH_ON_FULL_BYPASS);
	/* the cap in whole blocks */
	KUNIT_EXPECT_EQ(test, d.max_blocks, 2560ull);
	KUNIT_EXPECT_TRUE(test, d.absorb);
	nvf_policy_decide(&d, nvf_t_find(xa, &nvf_t_c), NVFLUSH_MODE_ABSORB,
			  REQ_OP_WRITE);
	KUNIT_EXPECT_FALSE(test, d.absorb);

	/* the sibling hierarchy inherits the root's */
	nvf_policy_decide(&d, nvf_t_find(xa, &nvf_t_x), NVFLUSH_MODE_ABSORB,
			  REQ_OP_WRITE | REQ_FUA);
	KUNIT_EXPECT_EQ(test, d.pol, 1ull);
	KUNIT_EXPECT_EQ(test, d.mode, (u32)NVFLUSH_MODE_BYPASS);
	KUNIT_EXPECT_EQ(test, d.max_blocks, 0ull);
	KUNIT_EXPECT_FALSE(test, d.absorb);

	/* a change of the ancestor's policy applies to the next write */
	WRITE_ONCE(a->mode, NVFLUSH_MODE_ABSORB);
	nvf_policy_decide(&d, nvf_t_find(xa, &nvf_t_b), NVFLUSH_MODE_BYPASS,
			  REQ_OP_WRITE);
	KUNIT_EXPECT_EQ(test, d.mode, (u32)NVFLUSH_MODE_ABSORB);
	KUNIT_EXPECT_TRUE(test, d.absorb);
}

/* Deleting a policy hands its cgroups to the next ancestor's. */
static void nvf_t_delete(struct kunit *test)
{
	struct xarray *xa = test->priv;
	struct nvf_decision d;
	struct nvf_policy *root;

	root = nvf_t_add(test, 1, NVFLUSH_MODE_SYNC_ONLY, 0);
	nvf_t_add(test, 10, NVFLUSH_MODE_ABSORB, 0);
	nvf_t_add(test, 12, NVFLUSH_MODE_BYPASS, 0);
	KUNIT_EXPECT_EQ(test, nvf_t_id(nvf_t_find(xa, &nvf_t_c)), 12ull);
	xa_erase(xa, 12);
	KUNIT_EXPECT_EQ(test, nvf_t_id(nvf_t_find(xa, &nvf_t_c)), 10ull);
	xa_erase(xa, 10);
	KUNIT_EXPECT_PTR_EQ(test, nvf_t_find(xa, &nvf_t_c), root);
	xa_erase(xa, 1);
	KUNIT_EXPECT_NULL(test, nvf_t_find(xa, &nvf_t_c));
	nvf_policy_decide(&d, NULL, NVFLUSH_MODE_ABSORB, REQ_OP_WRITE);
	KUNIT_EXPECT_EQ(test, d.mode, (u32)NVFLUSH_MODE_ABSORB);
	KUNIT_EXPECT_EQ(test, d.pol, 0ull);
}

/* Only the ids given count: policy.c looks a deep tree up in steps. */
static void nvf_t_deep(struct kunit *test)
{
	struct xarray *xa = test->priv;
	u64 ids[3 * NVF_WALK_IDS];
	unsigned int i, n = ARRAY_SIZE(ids);

	for (i = 0; i < n; i++)
		ids[i] = 1000 + n - i;	/* ids[n - 1] is the top */
	nvf_t_add(test, ids[n - 1], NVFLUSH_MODE_ABSORB, 0);
	KUNIT_EXPECT_EQ(test, nvf_t_id(nvf_policy_nearest(xa, ids, n)),
			ids[n - 1]);
	KUNIT_EXPECT_NULL(test, nvf_policy_nearest(xa, ids, n - 1));
	KUNIT_EXPECT_NULL(test, nvf_policy_nearest(xa, ids, NVF_WALK_IDS));
	nvf_t_add(test, ids[NVF_WALK_IDS], NVFLUSH_MODE_BYPASS, 0);
	KUNIT_EXPECT_NULL(test, nvf_policy_nearest(xa, ids, NVF_WALK_IDS));
	KUNIT_EXPECT_EQ(test,
			nvf_t_id(nvf_policy_nearest(xa, ids + NVF_WALK_IDS,
						    NVF_WALK_IDS)),
			ids[NVF_WALK_IDS]);
	KUNIT_EXPECT_EQ(test, nvf_t_id(nvf_policy_nearest(xa, ids, n)),
			ids[NVF_WALK_IDS]);
}

/* Which writes each mode absorbs. */
static void nvf_t_mode_absorbs(struct kunit *test)
{
	static const blk_opf_t flags[] = {
		0, REQ_SYNC, REQ_FUA, REQ_PREFLUSH, REQ_META, REQ_SYNC | REQ_IDLE,
		REQ_META | REQ_PRIO,
	};
	blk_opf_t opf;
	unsigned int i;
	bool sync;

	for (i = 0; i < ARRAY_SIZE(flags); i++) {
		opf = REQ_OP_WRITE | flags[i];
		sync = flags[i] & (REQ_SYNC | REQ_FUA | REQ_PREFLUSH);
		KUNIT_EXPECT_TRUE_MSG(test,
				      nvf_mode_absorbs(NVFLUSH_MODE_ABSORB, opf),
				      "flags %#x", (__force u32)flags[i]);
		KUNIT_EXPECT_FALSE_MSG(test,
				       nvf_mode_absorbs(NVFLUSH_MODE_BYPASS, opf),
				       "flags %#x", (__force u32)flags[i]);
		KUNIT_EXPECT_EQ_MSG(test,
				    nvf_mode_absorbs(NVFLUSH_MODE_SYNC_ONLY, opf),
				    sync, "flags %#x", (__force u32)flags[i]);
	}
	/* a mode this module does not know absorbs nothing */
	KUNIT_EXPECT_FALSE(test, nvf_mode_absorbs(NVFLUSH_MODE_SYNC_ONLY + 1,
						  REQ_OP_WRITE | REQ_FUA));
}

/* Journal commits of the root cgroup: absorbed whatever the policies. */
static void nvf_t_root_sync(struct kunit *test)
{
	static const blk_opf_t journal[] = {
		REQ_FUA, REQ_PREFLUSH, REQ_META, REQ_PREFLUSH | REQ_FUA | REQ_SYNC,
	};
	const u32 absorb = NVFLUSH_ROOT_SYNC_ABSORB;
	const u32 follow = NVFLUSH_ROOT_SYNC_FOLLOW;
	blk_opf_t opf;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(journal); i++) {
		opf = REQ_OP_WRITE | journal[i];
		KUNIT_EXPECT_TRUE(test, nvf_root_sync_absorbs(absorb, true, opf));
		KUNIT_EXPECT_FALSE(test, nvf_root_sync_absorbs(follow, true, opf));
		/* a tenant's own writes follow its policy */
		KUNIT_EXPECT_FALSE(test,
				   nvf_root_sync_absorbs(absorb, false, opf));
	}
	/* plain O_DIRECT (REQ_SYNC) and buffered writes are not journal */
	KUNIT_EXPECT_FALSE(test, nvf_root_sync_absorbs(absorb, true,
						       REQ_OP_WRITE | REQ_SYNC));
	KUNIT_EXPECT_FALSE(test, nvf_root_sync_absorbs(absorb, true,
						       REQ_OP_WRITE));
}

static struct kunit_case nvf_policy_cases[] = {
	KUNIT_CASE(nvf_t_defaults),
	KUNIT_CASE(nvf_t_nearest),
	KUNIT_CASE(nvf_t_inherit),
	KUNIT_CASE(nvf_t_delete),
	KUNIT_CASE(nvf_t_deep),
	KUNIT_CASE(nvf_t_mode_absorbs),
	KUNIT_CASE(nvf_t_root_sync),
	{}
};

static struct kunit_suite nvf_policy_suite = {
	.name = "nvflush_policy",
	.init = nvf_t_policy_init,
	.exit = nvf_t_policy_exit,
	.test_cases = nvf_policy_cases,
};

kunit_test_suite(nvf_policy_suite);
