// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests of the on-media format (format.h): superblock and slot
 * record encoding, and everything their decoders must refuse.
 *
 * This file also carries the module information of nvflush_kunit.ko, the
 * module of every *_kunit.c file (see Kbuild).
 */
#include <kunit/test.h>
#include <linux/module.h>
#include <linux/stddef.h>
#include "format.h"

#define NVF_T_NVM_BYTES		(256ull << 20)
#define NVF_T_ORIGIN_BLOCKS	1000ull

/* A superblock as format would write it for an NVM of @nvm_bytes. */
static void nvf_t_sb_info(struct kunit *test, struct nvf_sb_info *s,
			  u64 nvm_bytes)
{
	unsigned int i;

	memset(s, 0, sizeof(*s));
	for (i = 0; i < sizeof(s->uuid); i++)
		s->uuid[i] = 0xa0 + i;
	s->origin_sectors = NVF_T_ORIGIN_BLOCKS * 8;
	s->origin_lbs = 512;
	s->nvm_bytes = nvm_bytes;
	s->format_time = 1790000000;
	KUNIT_ASSERT_EQ(test, nvf_fmt_geometry(nvm_bytes, s), 0);
}

/* Recompute the checksum after a field was changed on purpose. */
static void nvf_t_sb_reseal(struct nvf_sb_ondisk *d)
{
	d->csum = cpu_to_le32(nvf_sb_csum(d));
}

static void nvf_t_geometry(struct kunit *test)
{
	static const u64 sizes[] = {
		17 * 4096 + 4096, 1ull << 20, (1ull << 20) + 4095,
		32ull << 20, NVF_T_NVM_BYTES, (1ull << 30) + 12345,
	};
	struct nvf_sb_info s;
	unsigned int i;
	u64 rec;

	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		memset(&s, 0, sizeof(s));
		KUNIT_ASSERT_EQ(test, nvf_fmt_geometry(sizes[i], &s), 0);
		rec = s.nr_slots * sizeof(struct nvf_slot_ondisk);
		KUNIT_EXPECT_GE(test, s.nr_slots, NVF_MIN_SLOTS);
		KUNIT_EXPECT_EQ(test, s.meta_offset, (u64)NVF_FMT_BLOCK_SIZE);
		KUNIT_EXPECT_EQ(test, s.data_offset % NVF_FMT_BLOCK_SIZE, 0ull);
		KUNIT_EXPECT_GE(test, s.data_offset, s.meta_offset + rec);
		KUNIT_EXPECT_LE(test,
				s.data_offset + s.nr_slots * NVF_FMT_BLOCK_SIZE,
				sizes[i]);
		/* as many slots as fit: one more would not */
		KUNIT_EXPECT_GT(test,
				NVF_FMT_BLOCK_SIZE +
				nvf_round_up(rec + sizeof(struct nvf_slot_ondisk),
					     NVF_FMT_BLOCK_SIZE) +
				(s.nr_slots + 1) * NVF_FMT_BLOCK_SIZE,
				sizes[i] / NVF_FMT_BLOCK_SIZE * NVF_FMT_BLOCK_SIZE);
	}
	/* too small for NVF_MIN_SLOTS slots */
	KUNIT_EXPECT_EQ(test, nvf_fmt_geometry(0, &s), -ENOSPC);
	KUNIT_EXPECT_EQ(test, nvf_fmt_geometry(4096, &s), -ENOSPC);
	KUNIT_EXPECT_EQ(test, nvf_fmt_geometry(17 * 4096, &s), -ENOSPC);
}

static void nvf_t_sb_round_trip(struct kunit *test)
{
	struct nvf_sb_info in, out;
	struct nvf_sb_ondisk d;

	nvf_t_sb_info(test, &in, NVF_T_NVM_BYTES);
	in.ro_compat = 0;
	nvf_sb_encode(&d, &in);
	KUNIT_EXPECT_EQ(test, le64_to_cpu(d.magic), NVF_MAGIC);
	KUNIT_EXPECT_EQ(test, le32_to_cpu(d.version), NVF_VERSION);
	KUNIT_EXPECT_EQ(test, le32_to_cpu(d.sb_bytes), (u32)sizeof(d));
	KUNIT_EXPECT_EQ(test, le32_to_cpu(d.block_size), NVF_FMT_BLOCK_SIZE);

	memset(&out, 0x5a, sizeof(out));
	KUNIT_ASSERT_EQ(test, nvf_sb_decode(&d, NVF_T_NVM_BYTES, &out),
			NVF_SB_OK);
	KUNIT_EXPECT_MEMEQ(test, out.uuid, in.uuid, sizeof(in.uuid));
	KUNIT_EXPECT_EQ(test, out.origin_sectors, in.origin_sectors);
	KUNIT_EXPECT_EQ(test, out.origin_lbs, in.origin_lbs);
	KUNIT_EXPECT_EQ(test, out.nvm_bytes, in.nvm_bytes);
	KUNIT_EXPECT_EQ(test, out.nr_slots, in.nr_slots);
	KUNIT_EXPECT_EQ(test, out.meta_offset, in.meta_offset);
	KUNIT_EXPECT_EQ(test, out.data_offset, in.data_offset);
	KUNIT_EXPECT_EQ(test, out.format_time, in.format_time);
	KUNIT_EXPECT_EQ(test, out.ro_compat, 0ull);

	/* an NVM that grew since format still holds the same tier */
	KUNIT_EXPECT_EQ(test, nvf_sb_decode(&d, 2 * NVF_T_NVM_BYTES, &out),
			NVF_SB_OK);
	KUNIT_EXPECT_EQ(test, out.nvm_bytes, NVF_T_NVM_BYTES);
}

static void nvf_t_sb_blank(struct kunit *test)
{
	struct nvf_sb_ondisk d;
	struct nvf_sb_info out;

	memset(&d, 0, sizeof(d));
	KUNIT_EXPECT_EQ(test, nvf_sb_decode(&d, NVF_T_NVM_BYTES, &out),
			NVF_SB_BLANK);
	memset(&d, 0xff, sizeof(d));
	KUNIT_EXPECT_EQ(test, nvf_sb_decode(&d, NVF_T_NVM_BYTES, &out),
			NVF_SB_BLANK);
}

/* Every single-bit change of the superblock is refused. */
static void nvf_t_sb_flipped_bit(struct kunit *test)
{
	const size_t version = offsetof(struct nvf_sb_ondisk, version);
	const size_t csummed = offsetof(struct nvf_sb_ondisk, compat);
	struct nvf_sb_ondisk good, bad;
	enum nvf_sb_status want, got;
	struct nvf_sb_info in, out;
	unsigned int bit;
	size_t off;

	nvf_t_sb_info(test, &in, NVF_T_NVM_BYTES);
	nvf_sb_encode(&good, &in);
	for (off = 0; off < sizeof(good); off++) {
		/* the magic, then the version fields, are checked first */
		want = off < version ? NVF_SB_BLANK :
		       off < csummed ? NVF_SB_BAD_VERSION : NVF_SB_BAD_CSUM;
		for (bit = 0; bit < 8; bit++) {
			bad = good;
			((u8 *)&bad)[off] ^= 1u << bit;
			got = nvf_sb_decode(&bad, NVF_T_NVM_BYTES, &out);
			KUNIT_EXPECT_EQ_MSG(test, got, want,
					    "byte %zu bit %u", off, bit);
		}
	}
}

static void nvf_t_sb_version(struct kunit *test)
{
	static const u32 versions[] = { 0, NVF_VERSION + 1, 0xffffffff };
	struct nvf_sb_ondisk good, d;
	struct nvf_sb_info in, out;
	unsigned int i;

	nvf_t_sb_info(test, &in, NVF_T_NVM_BYTES);
	nvf_sb_encode(&good, &in);
	for (i = 0; i < ARRAY_SIZE(versions); i++) {
		d = good;
		d.version = cpu_to_le32(versions[i]);
		KUNIT_EXPECT_EQ(test, nvf_sb_decode(&d, NVF_T_NVM_BYTES, &out),
				NVF_SB_BAD_VERSION);
		nvf_t_sb_reseal(&d);	/* a consistent future version */
		KUNIT_EXPECT_EQ(test, nvf_sb_decode(&d, NVF_T_NVM_BYTES, &out),
				NVF_SB_BAD_VERSION);
	}
	/* a superblock of another size is another version */
	d = good;
	d.sb_bytes = cpu_to_le32(sizeof(d) + 8);
	nvf_t_sb_reseal(&d);
	KUNIT_EXPECT_EQ(test, nvf_sb_decode(&d, NVF_T_NVM_BYTES, &out),
			NVF_SB_BAD_VERSION);
}

static void nvf_t_sb_features(struct kunit *test)
{
	struct nvf_sb_ondisk good, d;
	struct nvf_sb_info in, out;
	unsigned int bit;

	nvf_t_sb_info(test, &in, NVF_T_NVM_BYTES);
	nvf_sb_encode(&good, &in);
	for (bit = 0; bit < 64; bit++) {
		/* unknown incompatible features refuse the NVM */
		d = good;
		d.incompat = cpu_to_le64(1ull << bit);
		nvf_t_sb_reseal(&d);
		KUNIT_EXPECT_EQ_MSG(test,
				    nvf_sb_decode(&d, NVF_T_NVM_BYTES, &out),
				    NVF_SB_BAD_FEATURES, "incompat bit %u", bit);
		/* unknown compatible features are ignored */
		d = good;
		d.compat = cpu_to_le64(1ull << bit);
		nvf_t_sb_reseal(&d);
		KUNIT_EXPECT_EQ_MSG(test,
				    nvf_sb_decode(&d, NVF_T_NVM_BYTES, &out),
				    NVF_SB_OK, "compat bit %u", bit);
		/* read-only compatible ones are passed on to the caller */
		d = good;
		d.ro_compat = cpu_to_le64(1ull << bit);
		nvf_t_sb_reseal(&d);
		KUNIT_EXPECT_EQ_MSG(test,
				    nvf_sb_decode(&d, NVF_T_NVM_BYTES, &out),
				    NVF_SB_OK, "ro_compat bit %u", bit);
		KUNIT_EXPECT_EQ(test, out.ro_compat, 1ull << bit);
	}
}

/* Geometries that do not fit the device, each consistently sealed. */
static void nvf_t_sb_bad_geometry(struct nvf_sb_ondisk *d, unsigned int what,
				  u64 nvm_bytes)
{
	u64 nr = le64_to_cpu(d->nr_slots);
	u64 meta = le64_to_cpu(d->meta_offset);
	u64 data = le64_to_cpu(d->data_offset);

	switch (what) {
	case 0:	/* slots of another size */
		d->block_size = cpu_to_le32(512);
		break;
	case 1:	/* formatted on a larger device */
		d->nvm_bytes = cpu_to_le64(nvm_bytes + 4096);
		break;
	case 2:
		d->nr_slots = cpu_to_le64(NVF_MIN_SLOTS - 1);
		break;
	case 3:
		d->nr_slots = cpu_to_le64(nvm_bytes / NVF_FMT_BLOCK_SIZE + 1);
		break;
	case 4:	/* records over the superblock */
		d->meta_offset = 0;
		break;
	case 5:
		d->meta_offset = cpu_to_le64(meta + 8);
		break;
	case 6:
		d->data_offset = cpu_to_le64(data + 512);
		break;
	case 7:	/* data slots over the records */
		d->data_offset = cpu_to_le64(meta);
		break;
	case 8:
		d->data_offset = cpu_to_le64(nvm_bytes + NVF_FMT_BLOCK_SIZE);
		break;
	case 9:	/* data slots past the end */
		d->nr_slots = cpu_to_le64((nvm_bytes - data) /
					  NVF_FMT_BLOCK_SIZE + 1);
		break;
	case 10:
		d->nr_slots = cpu_to_le64(nr * 2);
		break;
	}
	nvf_t_sb_reseal(d);
}

#define NVF_T_BAD_GEOMETRIES	11

static void nvf_t_sb_geometry(struct kunit *test)
{
	struct nvf_sb_ondisk good, d;
	struct nvf_sb_info in, out;
	unsigned int what;

	nvf_t_sb_info(test, &in, NVF_T_NVM_BYTES);
	nvf_sb_encode(&good, &in);
	for (what = 0; what < NVF_T_BAD_GEOMETRIES; what++) {
		d = good;
		nvf_t_sb_bad_geometry(&d, what, NVF_T_NVM_BYTES);
		KUNIT_EXPECT_EQ_MSG(test,
				    nvf_sb_decode(&d, NVF_T_NVM_BYTES, &out),
				    NVF_SB_BAD_GEOMETRY, "geometry change %u",
				    what);
	}
	/* the NVM shrank since format */
	KUNIT_EXPECT_EQ(test, nvf_sb_decode(&good, NVF_T_NVM_BYTES / 2, &out),
			NVF_SB_BAD_GEOMETRY);
	KUNIT_EXPECT_EQ(test, nvf_sb_decode(&good, NVF_T_NVM_BYTES - 4096,
					    &out),
			NVF_SB_BAD_GEOMETRY);
}

/* A record of block 7 by cgroup 42 at sequence 5 under the test uuid. */
static u32 nvf_t_slot(struct kunit *test, struct nvf_slot_ondisk *r,
		      u64 block, u64 seq)
{
	const struct nvf_slot_info s = {
		.origin_block = block,
		.cgroup_id = 42,
		.seq = seq,
		.data_csum = 0xdeadbeef,
	};
	struct nvf_sb_info sb;
	u32 seed;

	nvf_t_sb_info(test, &sb, NVF_T_NVM_BYTES);
	seed = nvf_slot_seed(sb.uuid);
	nvf_slot_encode(r, seed, &s);
	return seed;
}

static void nvf_t_slot_valid(struct kunit *test)
{
	struct nvf_slot_ondisk r;
	struct nvf_slot_info out;
	u32 seed;

	seed = nvf_t_slot(test, &r, 7, 5);
	KUNIT_EXPECT_EQ(test, nvf_slot_decode(&r, seed, 5, NVF_T_ORIGIN_BLOCKS,
					      &out),
			NVF_SLOT_VALID);
	KUNIT_EXPECT_EQ(test, out.origin_block, 7ull);
	KUNIT_EXPECT_EQ(test, out.cgroup_id, 42ull);
	KUNIT_EXPECT_EQ(test, out.seq, 5ull);
	KUNIT_EXPECT_EQ(test, out.data_csum, 0xdeadbeefu);
	/* committed by any later commit as well */
	KUNIT_EXPECT_EQ(test, nvf_slot_decode(&r, seed, U64_MAX,
					      NVF_T_ORIGIN_BLOCKS, &out),
			NVF_SLOT_VALID);
	/* the last block of the origin */
	seed = nvf_t_slot(test, &r, NVF_T_ORIGIN_BLOCKS - 1, 5);
	KUNIT_EXPECT_EQ(test, nvf_slot_decode(&r, seed, 5, NVF_T_ORIGIN_BLOCKS,
					      &out),
			NVF_SLOT_VALID);
}

static void nvf_t_slot_free(struct kunit *test)
{
	struct nvf_slot_ondisk r;
	struct nvf_slot_info out;
	u32 seed;

	seed = nvf_t_slot(test, &r, 7, 5);
	r.seq = 0;	/* invalidated with one store: the checksum is stale */
	KUNIT_EXPECT_EQ(test, nvf_slot_decode(&r, seed, 5, NVF_T_ORIGIN_BLOCKS,
					      &out),
			NVF_SLOT_FREE);
	memset(&r, 0, sizeof(r));	/* never written */
	KUNIT_EXPECT_EQ(test, nvf_slot_decode(&r, seed, 5, NVF_T_ORIGIN_BLOCKS,
					      &out),
			NVF_SLOT_FREE);
}

/* Every single-bit change of a record, and another tier's records. */
static void nvf_t_slot_torn(struct kunit *test)
{
	struct nvf_slot_ondisk good, r;
	struct nvf_slot_info out;
	unsigned int bit;
	u8 uuid[16] = { 1 };
	u32 seed;
	size_t off;

	/* seq 5 has two bits set: no single flip makes the record free */
	seed = nvf_t_slot(test, &good, 7, 5);
	for (off = 0; off < sizeof(good); off++) {
		for (bit = 0; bit < 8; bit++) {
			r = good;
			((u8 *)&r)[off] ^= 1u << bit;
			KUNIT_EXPECT_EQ_MSG(test,
					    nvf_slot_decode(&r, seed, 5,
							    NVF_T_ORIGIN_BLOCKS,
							    &out),
					    NVF_SLOT_TORN, "byte %zu bit %u",
					    off, bit);
		}
	}
	memset(&r, 0xff, sizeof(r));
	KUNIT_EXPECT_EQ(test, nvf_slot_decode(&r, seed, U64_MAX,
					      NVF_T_ORIGIN_BLOCKS, &out),
			NVF_SLOT_TORN);
	/* a record left by an earlier format of the same NVM */
	KUNIT_EXPECT_EQ(test, nvf_slot_decode(&good, nvf_slot_seed(uuid), 5,
					      NVF_T_ORIGIN_BLOCKS, &out),
			NVF_SLOT_TORN);
}

/* Written after the last commit: not part of the committed state. */
static void nvf_t_slot_uncommitted(struct kunit *test)
{
	struct nvf_slot_ondisk r;
	struct nvf_slot_info out;
	u32 seed;

	seed = nvf_t_slot(test, &r, 7, 6);
	KUNIT_EXPECT_EQ(test, nvf_slot_decode(&r, seed, 5, NVF_T_ORIGIN_BLOCKS,
					      &out),
			NVF_SLOT_UNCOMMITTED);
	KUNIT_EXPECT_EQ(test, out.seq, 6ull);
	KUNIT_EXPECT_EQ(test, nvf_slot_decode(&r, seed, 0, NVF_T_ORIGIN_BLOCKS,
					      &out),
			NVF_SLOT_UNCOMMITTED);
	KUNIT_EXPECT_EQ(test, nvf_slot_decode(&r, seed, 6, NVF_T_ORIGIN_BLOCKS,
					      &out),
			NVF_SLOT_VALID);
	seed = nvf_t_slot(test, &r, 7, U64_MAX);
	KUNIT_EXPECT_EQ(test, nvf_slot_decode(&r, seed, U64_MAX - 1,
					      NVF_T_ORIGIN_BLOCKS, &out),
			NVF_SLOT_UNCOMMITTED);
}

/* A block the origin does not have (the origin shrank). */
static void nvf_t_slot_beyond_origin(struct kunit *test)
{
	static const u64 blocks[] = {
		NVF_T_ORIGIN_BLOCKS, NVF_T_ORIGIN_BLOCKS + 1, 1ull << 40,
		U64_MAX,
	};
	struct nvf_slot_ondisk r;
	struct nvf_slot_info out;
	unsigned int i;
	u32 seed;

	for (i = 0; i < ARRAY_SIZE(blocks); i++) {
		seed = nvf_t_slot(test, &r, blocks[i], 5);
		KUNIT_EXPECT_EQ_MSG(test,
				    nvf_slot_decode(&r, seed, 5,
						    NVF_T_ORIGIN_BLOCKS, &out),
				    NVF_SLOT_OUT_OF_RANGE, "block %llu",
				    blocks[i]);
	}
	seed = nvf_t_slot(test, &r, 0, 5);
	KUNIT_EXPECT_EQ(test, nvf_slot_decode(&r, seed, 5, 1, &out),
			NVF_SLOT_VALID);
	KUNIT_EXPECT_EQ(test, nvf_slot_decode(&r, seed, 5, 0, &out),
			NVF_SLOT_OUT_OF_RANGE);
}

static struct kunit_case nvf_format_cases[] = {
	KUNIT_CASE(nvf_t_geometry),
	KUNIT_CASE(nvf_t_sb_round_trip),
	KUNIT_CASE(nvf_t_sb_blank),
	KUNIT_CASE(nvf_t_sb_flipped_bit),
	KUNIT_CASE(nvf_t_sb_version),
	KUNIT_CASE(nvf_t_sb_features),
	KUNIT_CASE(nvf_t_sb_geometry),
	KUNIT_CASE(nvf_t_slot_valid),
	KUNIT_CASE(nvf_t_slot_free),
	KUNIT_CASE(nvf_t_slot_torn),
	KUNIT_CASE(nvf_t_slot_uncommitted),
	KUNIT_CASE(nvf_t_slot_beyond_origin),
	{}
};

static struct kunit_suite nvf_format_suite = {
	.name = "nvflush_format",
	.test_cases = nvf_format_cases,
};

kunit_test_suite(nvf_format_suite);

MODULE_DESCRIPTION("nvflush KUnit tests of the module's pure logic");
MODULE_LICENSE("GPL");
