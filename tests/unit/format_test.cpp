// Unit tests of the NVM on-media format (kmod/format.h).
#include "kshim.h"
// kshim.h must come first: it provides the kernel types format.h uses.
#include <catch2/catch.hpp>

#include <array>
#include <cstddef>
#include <vector>

#include "../../kmod/format.h"

namespace {

constexpr __u64 kMiB = 1024 * 1024;

nvf_sb_info make_info(__u64 nvm_bytes) {
  nvf_sb_info s{};
  for (unsigned i = 0; i < sizeof(s.uuid); i++) s.uuid[i] = static_cast<__u8>(0xa0 + i);
  s.origin_sectors = 2 * 1024 * 1024;
  s.origin_lbs = 512;
  s.nvm_bytes = nvm_bytes;
  s.format_time = 1795000000;
  REQUIRE(nvf_fmt_geometry(nvm_bytes, &s) == 0);
  return s;
}

}  // namespace

TEST_CASE("crc32c shim matches the standard check value", "[format]") {
  const char check[] = "123456789";
  REQUIRE((crc32c(~0u, check, 9) ^ ~0u) == 0xE3069283u);
}

TEST_CASE("on-media structures have their documented sizes", "[format]") {
  STATIC_REQUIRE(sizeof(nvf_slot_ondisk) == 32);
  STATIC_REQUIRE(sizeof(nvf_sb_ondisk) == 128);
  STATIC_REQUIRE(sizeof(nvf_sb_ondisk) <= NVF_COMMIT_OFFSET);
  STATIC_REQUIRE(offsetof(nvf_slot_ondisk, seq) % 8 == 0);
}

TEST_CASE("geometry fits the device and leaves no overlap", "[format]") {
  for (__u64 size : {1 * kMiB, 32 * kMiB, 250 * kMiB + 4096 * 7, 8192 * kMiB}) {
    nvf_sb_info s{};
    REQUIRE(nvf_fmt_geometry(size, &s) == 0);
    CHECK(s.meta_offset == NVF_FMT_BLOCK_SIZE);
    CHECK(s.data_offset % NVF_FMT_BLOCK_SIZE == 0);
    CHECK(s.data_offset >= s.meta_offset + s.nr_slots * sizeof(nvf_slot_ondisk));
    CHECK(s.data_offset + s.nr_slots * NVF_FMT_BLOCK_SIZE <= size);
    // no room for one more slot
    nvf_sb_info more = s;
    more.nr_slots++;
    __u64 meta_end = more.meta_offset +
                     nvf_round_up(more.nr_slots * sizeof(nvf_slot_ondisk), NVF_FMT_BLOCK_SIZE);
    CHECK(meta_end + more.nr_slots * NVF_FMT_BLOCK_SIZE > size / 4096 * 4096);
  }
}

TEST_CASE("geometry refuses a device too small for the minimum slots", "[format]") {
  nvf_sb_info s{};
  CHECK(nvf_fmt_geometry(0, &s) == -ENOSPC);
  CHECK(nvf_fmt_geometry(16 * 4096, &s) == -ENOSPC);
  CHECK(nvf_fmt_geometry(32 * 4096, &s) == 0);
  CHECK(s.nr_slots >= NVF_MIN_SLOTS);
}

TEST_CASE("superblock round trip", "[format]") {
  const nvf_sb_info in = make_info(64 * kMiB);
  nvf_sb_ondisk d{};
  nvf_sb_encode(&d, &in);
  nvf_sb_info out{};
  REQUIRE(nvf_sb_decode(&d, 64 * kMiB, &out) == NVF_SB_OK);
  CHECK(memcmp(out.uuid, in.uuid, sizeof(in.uuid)) == 0);
  CHECK(out.origin_sectors == in.origin_sectors);
  CHECK(out.origin_lbs == in.origin_lbs);
  CHECK(out.nr_slots == in.nr_slots);
  CHECK(out.meta_offset == in.meta_offset);
  CHECK(out.data_offset == in.data_offset);
  CHECK(out.format_time == in.format_time);
  // the magic spells NVFLUSH1 in byte order
  CHECK(memcmp(&d, "NVFLUSH1", 8) == 0);
}

TEST_CASE("superblock: blank, damaged, unknown version and features", "[format]") {
  const nvf_sb_info in = make_info(64 * kMiB);
  nvf_sb_ondisk d{};
  nvf_sb_info out{};

  SECTION("all zeroes is blank") { CHECK(nvf_sb_decode(&d, 64 * kMiB, &out) == NVF_SB_BLANK); }
  SECTION("any flipped byte after the magic is detected") {
    nvf_sb_encode(&d, &in);
    auto* bytes = reinterpret_cast<unsigned char*>(&d);
    for (size_t i = 8; i < offsetof(nvf_sb_ondisk, csum); i++) {
      nvf_sb_ondisk bad = d;
      reinterpret_cast<unsigned char*>(&bad)[i] ^= 0x40;
      INFO("byte " << i);
      CHECK(nvf_sb_decode(&bad, 64 * kMiB, &out) != NVF_SB_OK);
    }
    (void)bytes;
  }
  SECTION("a newer version is refused as such") {
    nvf_sb_encode(&d, &in);
    d.version = cpu_to_le32(NVF_VERSION + 1);
    d.csum = cpu_to_le32(nvf_sb_csum(&d));
    CHECK(nvf_sb_decode(&d, 64 * kMiB, &out) == NVF_SB_BAD_VERSION);
  }
  SECTION("unknown incompatible features are refused") {
    nvf_sb_encode(&d, &in);
    d.incompat = cpu_to_le64(1ull << 63);
    d.csum = cpu_to_le32(nvf_sb_csum(&d));
    CHECK(nvf_sb_decode(&d, 64 * kMiB, &out) == NVF_SB_BAD_FEATURES);
  }
  SECTION("unknown compatible features are accepted") {
    nvf_sb_encode(&d, &in);
    d.compat = cpu_to_le64(1ull << 5);
    d.csum = cpu_to_le32(nvf_sb_csum(&d));
    CHECK(nvf_sb_decode(&d, 64 * kMiB, &out) == NVF_SB_OK);
  }
  SECTION("a geometry larger than the device is refused") {
    nvf_sb_encode(&d, &in);
    CHECK(nvf_sb_decode(&d, 32 * kMiB, &out) == NVF_SB_BAD_GEOMETRY);
  }
  SECTION("slots overlapping the records are refused") {
    nvf_sb_encode(&d, &in);
    d.data_offset = cpu_to_le64(in.meta_offset);
    d.csum = cpu_to_le32(nvf_sb_csum(&d));
    CHECK(nvf_sb_decode(&d, 64 * kMiB, &out) == NVF_SB_BAD_GEOMETRY);
  }
}

TEST_CASE("slot records: round trip and classification", "[format]") {
  const nvf_sb_info sb = make_info(64 * kMiB);
  const __u32 seed = nvf_slot_seed(sb.uuid);
  const nvf_slot_info in{.origin_block = 4242, .cgroup_id = 77, .seq = 9, .data_csum = 0xdeadbeef};
  nvf_slot_ondisk r{};
  nvf_slot_info out{};

  nvf_slot_encode(&r, seed, &in);
  CHECK(nvf_slot_decode(&r, seed, 9, 1 << 20, &out) == NVF_SLOT_VALID);
  CHECK(out.origin_block == 4242);
  CHECK(out.cgroup_id == 77);
  CHECK(out.seq == 9);
  CHECK(out.data_csum == 0xdeadbeef);
  CHECK(nvf_slot_decode(&r, seed, 8, 1 << 20, &out) == NVF_SLOT_UNCOMMITTED);
  CHECK(nvf_slot_decode(&r, seed, 9, 4242, &out) == NVF_SLOT_OUT_OF_RANGE);

  SECTION("seq 0 is free whatever the rest says") {
    r.seq = 0;
    CHECK(nvf_slot_decode(&r, seed, 100, 1 << 20, &out) == NVF_SLOT_FREE);
  }
  SECTION("a record of another format (other seed) never validates") {
    nvf_sb_info other = sb;
    other.uuid[0] ^= 1;
    CHECK(nvf_slot_decode(&r, nvf_slot_seed(other.uuid), 9, 1 << 20, &out) == NVF_SLOT_TORN);
  }
  SECTION("every torn mix of an old and a new record reads as not valid") {
    // A record is written as four 8-byte stores; any subset may land.
    const nvf_slot_info newer{.origin_block = 99, .cgroup_id = 5, .seq = 12, .data_csum = 1};
    nvf_slot_ondisk n{};
    nvf_slot_encode(&n, seed, &newer);
    for (unsigned mask = 1; mask < 15; mask++) {
      nvf_slot_ondisk mix = r;
      auto* dst = reinterpret_cast<uint64_t*>(&mix);
      const auto* src = reinterpret_cast<const uint64_t*>(&n);
      for (unsigned w = 0; w < 4; w++)
        if (mask & (1u << w)) dst[w] = src[w];
      INFO("mask " << mask);
      const auto st = nvf_slot_decode(&mix, seed, 100, 1 << 20, &out);
      // only the untouched old record or the complete new one are valid
      CHECK((st != NVF_SLOT_VALID || (out.origin_block == in.origin_block && out.seq == in.seq)));
    }
  }
}
