/* SPDX-License-Identifier: GPL-2.0 */
/*
 * nvflush on-media format of the NVM tier, and its encode/decode/validate
 * helpers. Plain C that compiles in the module and in userspace (the unit
 * tests include it with a small shim that provides the kernel types).
 *
 * Layout of the NVM device (byte offsets, all fields little endian):
 *
 *   [0, 4096)                      superblock block:
 *       [0, sizeof(nvf_sb_ondisk))  static superblock, crc32c protected
 *       [NVF_COMMIT_OFFSET, +8)     commit sequence (one aligned __le64)
 *   [meta_offset, +nr_slots * 32)  slot records, one per data slot
 *   [data_offset, +nr_slots * 4096) data slots, 4 KiB each
 *
 * Commit protocol: a slot's data and then its record (tagged with the
 * current sequence) are written and fenced; a flush fences, stores the
 * sequence into the commit field with one aligned 8-byte store, and fences
 * again. A record is committed iff its sequence is non-zero and <= the
 * commit sequence and its checksum is right; every torn state therefore
 * reads as "not committed". See Documentation/format.md.
 *
 * Versions:
 *   1 (2026-11)  first format.
 */
#ifndef NVF_FORMAT_H
#define NVF_FORMAT_H

#ifdef __KERNEL__
#include <linux/types.h>
#include <linux/errno.h>
#include <linux/string.h>
#include <linux/crc32c.h>
#include <asm/byteorder.h>
#endif

#define NVF_MAGIC		0x314853554c46564eull	/* "NVFLUSH1" */
#define NVF_VERSION		1u
#define NVF_FMT_BLOCK_SIZE	4096u
#define NVF_COMMIT_OFFSET	2048u
#define NVF_MIN_SLOTS		16ull

/* Feature bits: none defined yet. Unknown incompat bits refuse the NVM;
 * unknown ro_compat bits would allow read-only use; compat bits are ignored.
 */
#define NVF_FEATURE_COMPAT_SUPP		0ull
#define NVF_FEATURE_RO_COMPAT_SUPP	0ull
#define NVF_FEATURE_INCOMPAT_SUPP	0ull

struct nvf_sb_ondisk {
	__le64 magic;
	__le32 version;
	__le32 sb_bytes;	/* sizeof(struct nvf_sb_ondisk) at format */
	__le64 compat;
	__le64 ro_compat;
	__le64 incompat;
	__u8 uuid[16];		/* identity of this tier, random at format */
	__le64 origin_sectors;	/* identity of the origin: its size ... */
	__le32 origin_lbs;	/* ... and logical block size */
	__le32 block_size;	/* bytes per slot, NVF_FMT_BLOCK_SIZE */
	__le64 nvm_bytes;	/* NVM size at format */
	__le64 nr_slots;
	__le64 meta_offset;
	__le64 data_offset;
	__le64 format_time;	/* seconds since 1970, informational */
	__le32 reserved[3];	/* zero */
	__le32 csum;		/* crc32c of all bytes before this field */
};

struct nvf_slot_ondisk {
	__le64 origin_block;	/* block number on the origin, in 4 KiB */
	__le64 cgroup_id;	/* writer that owns the block */
	__le64 seq;		/* sequence of the write; 0 = free */
	__le32 data_csum;	/* crc32c of the slot's 4 KiB of data */
	__le32 csum;		/* crc32c(seed, the 28 bytes before this) */
};

/* In-memory form of a superblock. */
struct nvf_sb_info {
	__u8 uuid[16];
	__u64 origin_sectors;
	__u32 origin_lbs;
	__u64 nvm_bytes;
	__u64 nr_slots;
	__u64 meta_offset;
	__u64 data_offset;
	__u64 format_time;
	__u64 ro_compat;
};

enum nvf_sb_status {
	NVF_SB_OK = 0,
	NVF_SB_BLANK,		/* no nvflush magic: never formatted */
	NVF_SB_BAD_CSUM,	/* magic present, contents damaged */
	NVF_SB_BAD_VERSION,	/* a version this module does not know */
	NVF_SB_BAD_FEATURES,	/* unknown incompatible features */
	NVF_SB_BAD_GEOMETRY,	/* does not fit the NVM device */
};

enum nvf_slot_status {
	NVF_SLOT_FREE = 0,	/* seq 0 */
	NVF_SLOT_VALID,		/* committed */
	NVF_SLOT_UNCOMMITTED,	/* written after the last commit */
	NVF_SLOT_TORN,		/* checksum mismatch */
	NVF_SLOT_OUT_OF_RANGE,	/* block beyond the origin */
};

struct nvf_slot_info {
	__u64 origin_block;
	__u64 cgroup_id;
	__u64 seq;
	__u32 data_csum;
};

static inline __u64 nvf_round_up(__u64 x, __u64 to)
{
	return (x + to - 1) / to * to;
}

/*
 * nvf_fmt_geometry() - place the slot records and data slots in an NVM of
 * @nvm_bytes bytes. Fills nr_slots, meta_offset and data_offset of @sb.
 * Returns 0, or -ENOSPC if fewer than NVF_MIN_SLOTS slots fit.
 */
static inline int nvf_fmt_geometry(__u64 nvm_bytes, struct nvf_sb_info *sb)
{
	const __u64 bs = NVF_FMT_BLOCK_SIZE;
	const __u64 rec = sizeof(struct nvf_slot_ondisk);
	__u64 avail, n;

	if (nvm_bytes < bs)
		return -ENOSPC;
	avail = nvm_bytes / bs * bs - bs;	/* minus the superblock */
	n = avail / (bs + rec);
	/* the record area is rounded up to whole blocks */
	while (n && nvf_round_up(n * rec, bs) + n * bs > avail)
		n--;
	if (n < NVF_MIN_SLOTS)
		return -ENOSPC;
	sb->nr_slots = n;
	sb->meta_offset = bs;
	sb->data_offset = bs + nvf_round_up(n * rec, bs);
	return 0;
}

static inline __u32 nvf_sb_csum(const struct nvf_sb_ondisk *d)
{
	return crc32c(~0u, d, (unsigned int)((const char *)&d->csum -
					    (const char *)d));
}

static inline void nvf_sb_encode(struct nvf_sb_ondisk *d,
				 const struct nvf_sb_info *s)
{
	memset(d, 0, sizeof(*d));
	d->magic = cpu_to_le64(NVF_MAGIC);
	d->version = cpu_to_le32(NVF_VERSION);
	d->sb_bytes = cpu_to_le32(sizeof(*d));
	d->ro_compat = cpu_to_le64(s->ro_compat);
	memcpy(d->uuid, s->uuid, sizeof(d->uuid));
	d->origin_sectors = cpu_to_le64(s->origin_sectors);
	d->origin_lbs = cpu_to_le32(s->origin_lbs);
	d->block_size = cpu_to_le32(NVF_FMT_BLOCK_SIZE);
	d->nvm_bytes = cpu_to_le64(s->nvm_bytes);
	d->nr_slots = cpu_to_le64(s->nr_slots);
	d->meta_offset = cpu_to_le64(s->meta_offset);
	d->data_offset = cpu_to_le64(s->data_offset);
	d->format_time = cpu_to_le64(s->format_time);
	d->csum = cpu_to_le32(nvf_sb_csum(d));
}

/*
 * nvf_sb_decode() - validate a superblock read from an NVM of @nvm_bytes
 * bytes and decode it into @s. Never trusts a field before the checksum
 * and version were checked; the geometry must lie inside the device.
 */
static inline enum nvf_sb_status nvf_sb_decode(const struct nvf_sb_ondisk *d,
					       __u64 nvm_bytes,
					       struct nvf_sb_info *s)
{
	__u64 incompat, nr, meta, data;

	if (le64_to_cpu(d->magic) != NVF_MAGIC)
		return NVF_SB_BLANK;
	if (le32_to_cpu(d->version) != NVF_VERSION ||
	    le32_to_cpu(d->sb_bytes) != sizeof(*d))
		return NVF_SB_BAD_VERSION;
	if (le32_to_cpu(d->csum) != nvf_sb_csum(d))
		return NVF_SB_BAD_CSUM;
	incompat = le64_to_cpu(d->incompat);
	if (incompat & ~NVF_FEATURE_INCOMPAT_SUPP)
		return NVF_SB_BAD_FEATURES;
	nr = le64_to_cpu(d->nr_slots);
	meta = le64_to_cpu(d->meta_offset);
	data = le64_to_cpu(d->data_offset);
	if (le32_to_cpu(d->block_size) != NVF_FMT_BLOCK_SIZE ||
	    le64_to_cpu(d->nvm_bytes) > nvm_bytes || nr < NVF_MIN_SLOTS ||
	    nr > nvm_bytes / NVF_FMT_BLOCK_SIZE ||
	    meta < NVF_FMT_BLOCK_SIZE || meta % NVF_FMT_BLOCK_SIZE ||
	    data % NVF_FMT_BLOCK_SIZE ||
	    data < meta + nr * sizeof(struct nvf_slot_ondisk) ||
	    data > nvm_bytes || nr > (nvm_bytes - data) / NVF_FMT_BLOCK_SIZE)
		return NVF_SB_BAD_GEOMETRY;
	memcpy(s->uuid, d->uuid, sizeof(s->uuid));
	s->origin_sectors = le64_to_cpu(d->origin_sectors);
	s->origin_lbs = le32_to_cpu(d->origin_lbs);
	s->nvm_bytes = le64_to_cpu(d->nvm_bytes);
	s->nr_slots = nr;
	s->meta_offset = meta;
	s->data_offset = data;
	s->format_time = le64_to_cpu(d->format_time);
	s->ro_compat = le64_to_cpu(d->ro_compat);
	return NVF_SB_OK;
}

/* Seed of the slot record checksums: records of another format never
 * validate.
 */
static inline __u32 nvf_slot_seed(const __u8 uuid[16])
{
	return crc32c(~0u, uuid, 16);
}

static inline __u32 nvf_slot_csum(__u32 seed, const struct nvf_slot_ondisk *r)
{
	return crc32c(seed, r, (unsigned int)((const char *)&r->csum -
					     (const char *)r));
}

static inline void nvf_slot_encode(struct nvf_slot_ondisk *r, __u32 seed,
				   const struct nvf_slot_info *s)
{
	r->origin_block = cpu_to_le64(s->origin_block);
	r->cgroup_id = cpu_to_le64(s->cgroup_id);
	r->seq = cpu_to_le64(s->seq);
	r->data_csum = cpu_to_le32(s->data_csum);
	r->csum = cpu_to_le32(nvf_slot_csum(seed, r));
}

/*
 * nvf_slot_decode() - classify a slot record against the commit sequence
 * @commit and an origin of @origin_blocks blocks, decoding it into @s.
 */
static inline enum nvf_slot_status
nvf_slot_decode(const struct nvf_slot_ondisk *r, __u32 seed, __u64 commit,
		__u64 origin_blocks, struct nvf_slot_info *s)
{
	s->seq = le64_to_cpu(r->seq);
	if (!s->seq)
		return NVF_SLOT_FREE;
	if (le32_to_cpu(r->csum) != nvf_slot_csum(seed, r))
		return NVF_SLOT_TORN;
	s->origin_block = le64_to_cpu(r->origin_block);
	s->cgroup_id = le64_to_cpu(r->cgroup_id);
	s->data_csum = le32_to_cpu(r->data_csum);
	if (s->seq > commit)
		return NVF_SLOT_UNCOMMITTED;
	if (s->origin_block >= origin_blocks)
		return NVF_SLOT_OUT_OF_RANGE;
	return NVF_SLOT_VALID;
}

#endif /* NVF_FORMAT_H */
