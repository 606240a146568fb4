// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests of the latency histogram's buckets (nvf_lat_bucket()):
 * bucket 0 below 1 us, bucket i for [2^(i-1), 2^i) us, the last bucket
 * for everything above.
 */
#include <kunit/test.h>
#include "nvflush.h"

#define NVF_T_LAST	(NVFLUSH_LAT_BUCKETS - 1)

/* The first nanosecond of bucket @i (1 <= i <= NVF_T_LAST). */
static u64 nvf_t_bucket_start(unsigned int i)
{
	return (1ull << (i - 1)) * NSEC_PER_USEC;
}

static void nvf_t_below_1us(struct kunit *test)
{
	static const u64 ns[] = { 0, 1, 500, 998, 999 };
	unsigned int i;

	KUNIT_EXPECT_EQ(test, NVFLUSH_LAT_BUCKETS, 32);
	for (i = 0; i < ARRAY_SIZE(ns); i++)
		KUNIT_EXPECT_EQ_MSG(test, nvf_lat_bucket(ns[i]), 0u,
				    "%llu ns", ns[i]);
}

/* Both ends of every bucket below the last, to the nanosecond. */
static void nvf_t_boundaries(struct kunit *test)
{
	unsigned int i;
	u64 lo, hi;

	for (i = 1; i < NVF_T_LAST; i++) {
		lo = nvf_t_bucket_start(i);
		hi = nvf_t_bucket_start(i + 1) - 1;
		KUNIT_EXPECT_EQ_MSG(test, nvf_lat_bucket(lo), i, "%llu ns", lo);
		KUNIT_EXPECT_EQ_MSG(test, nvf_lat_bucket(lo - 1), i - 1,
				    "%llu ns", lo - 1);
		KUNIT_EXPECT_EQ_MSG(test, nvf_lat_bucket(hi), i, "%llu ns", hi);
		KUNIT_EXPECT_EQ_MSG(test, nvf_lat_bucket(hi + 1), i + 1,
				    "%llu ns", hi + 1);
	}
	/* the values the admin guide names */
	KUNIT_EXPECT_EQ(test, nvf_lat_bucket(1000), 1u);
	KUNIT_EXPECT_EQ(test, nvf_lat_bucket(1999), 1u);
	KUNIT_EXPECT_EQ(test, nvf_lat_bucket(2000), 2u);
	KUNIT_EXPECT_EQ(test, nvf_lat_bucket(3999), 2u);
	KUNIT_EXPECT_EQ(test, nvf_lat_bucket(4000), 3u);
	KUNIT_EXPECT_EQ(test, nvf_lat_bucket(1000000), 10u);	/* 1 ms */
}

/* The last bucket holds 2^30 us (about 18 min) and everything above. */
static void nvf_t_saturates(struct kunit *test)
{
	static const u64 ns[] = {
		(1ull << 30) * NSEC_PER_USEC, (1ull << 31) * NSEC_PER_USEC,
		(1ull << 40) * NSEC_PER_USEC, U64_MAX / 2, U64_MAX - 1, U64_MAX,
	};
	unsigned int i;

	KUNIT_EXPECT_EQ(test, nvf_t_bucket_start(NVF_T_LAST), ns[0]);
	KUNIT_EXPECT_EQ(test, nvf_lat_bucket(ns[0] - 1), NVF_T_LAST - 1u);
	for (i = 0; i < ARRAY_SIZE(ns); i++)
		KUNIT_EXPECT_EQ_MSG(test, nvf_lat_bucket(ns[i]), NVF_T_LAST + 0u,
				    "%llu ns", ns[i]);
}

/* Longer never lands in a lower bucket, and no bucket is skipped. */
static void nvf_t_monotonic(struct kunit *test)
{
	unsigned int b, prev = 0, seen = 0;
	u64 ns;

	for (ns = 1; ns < (1ull << 42); ns += ns / 7 + 1) {
		b = nvf_lat_bucket(ns);
		KUNIT_EXPECT_LE_MSG(test, prev, b, "%llu ns", ns);
		KUNIT_EXPECT_LE_MSG(test, b, prev + 1, "%llu ns", ns);
		KUNIT_EXPECT_LT(test, b, (unsigned int)NVFLUSH_LAT_BUCKETS);
		prev = b;
		seen |= 1u << b;
	}
	KUNIT_EXPECT_EQ(test, seen, U32_MAX);
}

static struct kunit_case nvf_histogram_cases[] = {
	KUNIT_CASE(nvf_t_below_1us),
	KUNIT_CASE(nvf_t_boundaries),
	KUNIT_CASE(nvf_t_saturates),
	KUNIT_CASE(nvf_t_monotonic),
	{}
};

static struct kunit_suite nvf_histogram_suite = {
	.name = "nvflush_histogram",
	.test_cases = nvf_histogram_cases,
};

kunit_test_suite(nvf_histogram_suite);
