// SPDX-License-Identifier: GPL-2.0-only
#include "messages.hpp"

#include <catch2/catch.hpp>
#include <fmt/format.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <linux/nvflush.h>
#include <netlink/attr.h>
#include <netlink/msg.h>

#include <array>
#include <cerrno>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "test_support.hpp"

using nvflush::Bytes;
using nvflush::DevInfo;
using nvflush::KernelStatus;
using nvflush::test::MessageBuilder;

namespace {

constexpr std::uint16_t kFamily = 0x1d;

// A device whose u64s need all 64 bits of their attributes.
DevInfo sample_dev() {
  DevInfo dev = nvflush::test::sample_device("d0", 3);
  dev.size = 0x1'0000'0000ULL;
  dev.nvm_slots = 0x2'0000'0001ULL;
  dev.recovered_blocks = 0x1'0000'0003ULL;
  dev.recovery_usec = 0xffff'ffff'ffff'fffeULL;
  dev.mode = NVFLUSH_MODE_BYPASS;
  dev.degraded = true;
  dev.dirty_blocks = 0x1'0000'0005ULL;
  dev.slot_wait_usec = 0xffff'ffff'ffff'fffdULL;
  dev.destage_throttle_usec = 0x1'0000'0007ULL;
  dev.high_watermark = 90;
  dev.low_watermark = 10;
  dev.destage_rate = 0xffff'ffff'ffff'ffffULL;
  dev.root_sync = NVFLUSH_ROOT_SYNC_FOLLOW;
  return dev;
}

// A DEV_GET reply as the kernel builds it, with the u64s 8-byte aligned by
// pad attributes; attributes of type `dropped` are left out.
MessageBuilder dev_reply(const DevInfo& dev, std::uint16_t dropped = 0) {
  constexpr std::uint16_t kPad = NVFLUSH_A_DEV_PAD;
  MessageBuilder msg(kFamily);
  msg.drop(dropped)
      .genl(NVFLUSH_CMD_DEV_GET)
      .str(NVFLUSH_A_DEV_NAME, dev.name)
      .str(NVFLUSH_A_DEV_ORIGIN_PATH, dev.origin_path)
      .str(NVFLUSH_A_DEV_NVM_PATH, dev.nvm_path)
      .u32(NVFLUSH_A_DEV_INDEX, dev.index)
      .str(NVFLUSH_A_DEV_DISK_NAME, dev.disk_name)
      .u64_aligned(NVFLUSH_A_DEV_SIZE, dev.size, kPad)
      .u64_aligned(NVFLUSH_A_DEV_NVM_SIZE, dev.nvm_size, kPad)
      .u32(NVFLUSH_A_DEV_BLOCK_SIZE, dev.block_size)
      .u32(NVFLUSH_A_DEV_OPENERS, dev.openers)
      .str(NVFLUSH_A_DEV_NVM_UUID, dev.nvm_uuid)
      .u64_aligned(NVFLUSH_A_DEV_NVM_SLOTS, dev.nvm_slots, kPad)
      .u64_aligned(NVFLUSH_A_DEV_RECOVERED_BLOCKS, dev.recovered_blocks, kPad)
      .u64_aligned(NVFLUSH_A_DEV_RECOVERY_USEC, dev.recovery_usec, kPad)
      .u32(NVFLUSH_A_DEV_MODE, dev.mode)
      .u8(NVFLUSH_A_DEV_DEGRADED, dev.degraded ? 1 : 0);
  for (const auto& field : nvflush::kDevCounterFields) {
    msg.u64_aligned(static_cast<std::uint16_t>(field.attr), dev.*field.member, kPad);
  }
  msg.u64_aligned(NVFLUSH_A_DEV_DESTAGE_RATE, dev.destage_rate, kPad)
      .u32(NVFLUSH_A_DEV_HIGH_WATERMARK, dev.high_watermark)
      .u32(NVFLUSH_A_DEV_LOW_WATERMARK, dev.low_watermark)
      .u32(NVFLUSH_A_DEV_ROOT_SYNC, dev.root_sync);
  return msg;
}

Bytes bytes_of(const std::vector<std::byte>& message) { return {message.data(), message.size()}; }

// Parses an encoded request back with libnl.
struct Decoded {
  nlmsghdr header{};
  genlmsghdr genl{};
  std::vector<nlattr*> attrs;
};

Decoded decode_request(nl_msg* msg, int max_type) {
  Decoded out;
  nlmsghdr* header = nlmsg_hdr(msg);
  out.header = *header;
  out.genl = *static_cast<genlmsghdr*>(nlmsg_data(header));
  out.attrs.assign(static_cast<std::size_t>(max_type) + 1, nullptr);
  REQUIRE(nlmsg_parse(header, GENL_HDRLEN, out.attrs.data(), max_type, nullptr) == 0);
  return out;
}

std::string string_attr(const Decoded& decoded, int type) {
  const nlattr* attr = decoded.attrs.at(static_cast<std::size_t>(type));
  REQUIRE(attr != nullptr);
  // Sent with the terminating NUL.
  REQUIRE(nla_len(attr) > 0);
  const auto* data = static_cast<const char*>(nla_data(attr));
  REQUIRE(data[nla_len(attr) - 1] == '\0');
  return data;
}

int attr_count(const Decoded& decoded) {
  int count = 0;
  for (const nlattr* attr : decoded.attrs) {
    count += attr != nullptr ? 1 : 0;
  }
  return count;
}

}  // namespace

TEST_CASE("a DEV_GET reply decodes into DevInfo") {
  const auto message = dev_reply(sample_dev()).finish();
  const auto dev = nvflush::decode_dev(bytes_of(message));
  REQUIRE(dev.ok());
  CHECK(*dev == sample_dev());
  // The attributes added with the NVM format, spelled out.
  CHECK(dev->nvm_uuid == "6b1d2c3e-8f90-4a1b-9c2d-3e4f5a6b7c03");
  CHECK(dev->nvm_slots == 0x2'0000'0001ULL);
  CHECK(dev->recovered_blocks == 0x1'0000'0003ULL);
  CHECK(dev->recovery_usec == 0xffff'ffff'ffff'fffeULL);
}

TEST_CASE("the hand-built reply aligns every u64 like the kernel") {
  const auto message = dev_reply(sample_dev()).finish();
  constexpr std::size_t kAttrOffset = NLMSG_HDRLEN + GENL_HDRLEN;
  const auto* nla = reinterpret_cast<const nlattr*>(message.data() + kAttrOffset);
  int remaining = static_cast<int>(message.size() - kAttrOffset);
  int u64s = 0;
  for (; nla_ok(nla, remaining) != 0; nla = nla_next(nla, &remaining)) {
    if (nla_len(nla) == sizeof(std::uint64_t)) {
      ++u64s;
      CHECK((static_cast<const std::byte*>(nla_data(nla)) - message.data()) % 8 == 0);
    }
  }
  CHECK(remaining == 0);
  CHECK(u64s == 6 + static_cast<int>(nvflush::kDevCounterFields.size()));
}

TEST_CASE("a DEV_GET reply decodes the mode, the degraded flag and every device counter") {
  const auto message = dev_reply(sample_dev()).finish();
  const auto dev = nvflush::decode_dev(bytes_of(message));
  REQUIRE(dev.ok());
  CHECK(dev->mode == NVFLUSH_MODE_BYPASS);
  CHECK(dev->degraded);
  CHECK(dev->dirty_blocks == 0x1'0000'0005ULL);
  CHECK(dev->commit_seq == 42);
  CHECK(dev->absorbed_writes == 1000);
  CHECK(dev->absorbed_bytes == 4'096'000);
  CHECK(dev->write_hits == 12);
  CHECK(dev->read_hits == 500);
  CHECK(dev->read_misses == 20);
  CHECK(dev->flushes_absorbed == 30);
  CHECK(dev->origin_flushes == 2);
  CHECK(dev->origin_flushes_avoided == 28);
  CHECK(dev->commits == 31);
  CHECK(dev->destaged_bytes == 2'867'200);
  CHECK(dev->destage_batches == 7);
  CHECK(dev->destage_writes == 40);
  CHECK(dev->slot_wait_usec == 0xffff'ffff'ffff'fffdULL);
  CHECK(dev->destage_backoffs == 3);
  CHECK(dev->destage_throttle_usec == 0x1'0000'0007ULL);

  SECTION("distinct values land in their own fields") {
    DevInfo distinct = sample_dev();
    std::uint64_t value = 1000;
    for (const auto& field : nvflush::kDevCounterFields) {
      distinct.*field.member = value++;
    }
    distinct.degraded = false;
    distinct.mode = NVFLUSH_MODE_ABSORB;
    const auto distinct_message = dev_reply(distinct).finish();
    const auto decoded = nvflush::decode_dev(bytes_of(distinct_message));
    REQUIRE(decoded.ok());
    CHECK(*decoded == distinct);
    CHECK(decoded->dirty_blocks == 1000);
    CHECK(decoded->slot_wait_usec == 1014);
    CHECK(decoded->destage_backoffs == 1015);
    CHECK(decoded->destage_throttle_usec == 1016);
  }
  SECTION("any non-zero degraded byte means degraded; an unknown mode is kept") {
    DevInfo future = sample_dev();
    future.mode = 7;
    auto builder = dev_reply(future, NVFLUSH_A_DEV_DEGRADED);
    builder.drop(0).u8(NVFLUSH_A_DEV_DEGRADED, 2);
    const auto odd = builder.finish();
    const auto decoded = nvflush::decode_dev(bytes_of(odd));
    REQUIRE(decoded.ok());
    CHECK(decoded->degraded);
    CHECK(decoded->mode == 7);
  }
}

TEST_CASE("a reply without a mode, degraded or counter attribute is rejected") {
  std::vector<std::pair<std::uint16_t, std::string>> required{{NVFLUSH_A_DEV_MODE, "mode"},
                                                              {NVFLUSH_A_DEV_DEGRADED, "degraded"}};
  for (const auto& field : nvflush::kDevCounterFields) {
    required.emplace_back(static_cast<std::uint16_t>(field.attr), std::string{field.name});
  }
  REQUIRE(required.size() == 19);
  for (const auto& [type, name] : required) {
    INFO(name);
    const auto message = dev_reply(sample_dev(), type).finish();
    const auto dev = nvflush::decode_dev(bytes_of(message));
    REQUIRE_FALSE(dev.ok());
    CHECK(dev.error().code == EBADMSG);
    CHECK(dev.error().detail == fmt::format("missing attribute '{}' (type {})", name, type));
  }
}

TEST_CASE("a DEV_GET reply decodes the destager settings") {
  const auto message = dev_reply(sample_dev()).finish();
  const auto dev = nvflush::decode_dev(bytes_of(message));
  REQUIRE(dev.ok());
  CHECK(dev->high_watermark == 90);
  CHECK(dev->low_watermark == 10);
  CHECK(dev->destage_rate == 0xffff'ffff'ffff'ffffULL);

  SECTION("no cap") {
    DevInfo uncapped = sample_dev();
    uncapped.destage_rate = 0;
    const auto uncapped_message = dev_reply(uncapped).finish();
    const auto decoded = nvflush::decode_dev(bytes_of(uncapped_message));
    REQUIRE(decoded.ok());
    CHECK(*decoded == uncapped);
  }
}

TEST_CASE("a reply without a destager setting is rejected") {
  const auto [type, name] = GENERATE(table<std::uint16_t, std::string>({
      {NVFLUSH_A_DEV_HIGH_WATERMARK, "high-watermark"},
      {NVFLUSH_A_DEV_LOW_WATERMARK, "low-watermark"},
      {NVFLUSH_A_DEV_DESTAGE_RATE, "destage-rate"},
  }));
  const auto message = dev_reply(sample_dev(), type).finish();
  const auto dev = nvflush::decode_dev(bytes_of(message));
  REQUIRE_FALSE(dev.ok());
  CHECK(dev.error().code == EBADMSG);
  CHECK(dev.error().detail == fmt::format("missing attribute '{}' (type {})", name, type));
}

TEST_CASE("the destager settings must have their exact sizes") {
  auto replace = [](std::uint16_t type, const void* data, std::size_t len) {
    auto builder = dev_reply(sample_dev(), type);
    builder.drop(0).attr(type, data, len);
    const auto message = builder.finish();
    return nvflush::decode_dev(bytes_of(message));
  };
  const std::uint64_t wide = 1;
  const std::uint32_t u32 = 1;
  CHECK(replace(NVFLUSH_A_DEV_HIGH_WATERMARK, &wide, sizeof(wide)).error().detail ==
        fmt::format("attribute 'high-watermark' (type {}) has an invalid payload of 8 bytes",
                    NVFLUSH_A_DEV_HIGH_WATERMARK));
  CHECK(replace(NVFLUSH_A_DEV_LOW_WATERMARK, &wide, sizeof(wide)).error().detail ==
        fmt::format("attribute 'low-watermark' (type {}) has an invalid payload of 8 bytes",
                    NVFLUSH_A_DEV_LOW_WATERMARK));
  CHECK(replace(NVFLUSH_A_DEV_DESTAGE_RATE, &u32, sizeof(u32)).error().detail ==
        fmt::format("attribute 'destage-rate' (type {}) has an invalid payload of 4 bytes",
                    NVFLUSH_A_DEV_DESTAGE_RATE));
}

TEST_CASE("the new attributes must have their exact sizes") {
  auto replace = [](std::uint16_t type, const void* data, std::size_t len) {
    auto builder = dev_reply(sample_dev(), type);
    builder.drop(0).attr(type, data, len);
    const auto message = builder.finish();
    return nvflush::decode_dev(bytes_of(message));
  };
  const std::uint64_t wide = 1;
  const std::uint32_t u32 = 1;
  const std::uint16_t u16 = 1;
  SECTION("degraded as 4 bytes") {
    CHECK(replace(NVFLUSH_A_DEV_DEGRADED, &u32, sizeof(u32)).error().detail ==
          "attribute 'degraded' (type 17) has an invalid payload of 4 bytes");
  }
  SECTION("degraded as 2 bytes") {
    CHECK(replace(NVFLUSH_A_DEV_DEGRADED, &u16, sizeof(u16)).error().detail ==
          "attribute 'degraded' (type 17) has an invalid payload of 2 bytes");
  }
  SECTION("degraded without payload") {
    CHECK(replace(NVFLUSH_A_DEV_DEGRADED, nullptr, 0).error().detail ==
          "attribute 'degraded' (type 17) has an invalid payload of 0 bytes");
  }
  SECTION("mode as 8 bytes") {
    CHECK(replace(NVFLUSH_A_DEV_MODE, &wide, sizeof(wide)).error().detail ==
          "attribute 'mode' (type 16) has an invalid payload of 8 bytes");
  }
  SECTION("mode as 2 bytes") {
    CHECK(replace(NVFLUSH_A_DEV_MODE, &u16, sizeof(u16)).error().detail ==
          "attribute 'mode' (type 16) has an invalid payload of 2 bytes");
  }
  SECTION("a counter as 4 bytes") {
    for (const auto& field : nvflush::kDevCounterFields) {
      INFO(field.name);
      const auto type = static_cast<std::uint16_t>(field.attr);
      CHECK(replace(type, &u32, sizeof(u32)).error().detail ==
            fmt::format("attribute '{}' (type {}) has an invalid payload of 4 bytes", field.name,
                        field.attr));
    }
  }
}

TEST_CASE("mode names") {
  CHECK(nvflush::mode_name(NVFLUSH_MODE_ABSORB) == "absorb");
  CHECK(nvflush::mode_name(NVFLUSH_MODE_BYPASS) == "bypass");
  CHECK(nvflush::mode_name(nvflush::DevMode::kBypass) == "bypass");
  CHECK(nvflush::mode_name(9) == "9");
  CHECK(nvflush::parse_mode("absorb") == nvflush::DevMode::kAbsorb);
  CHECK(nvflush::parse_mode("bypass") == nvflush::DevMode::kBypass);
  CHECK_FALSE(nvflush::parse_mode("Bypass").has_value());
  CHECK_FALSE(nvflush::parse_mode("").has_value());
  CHECK_FALSE(nvflush::parse_mode("1").has_value());
}

TEST_CASE("a stray FORMAT flag in a reply is ignored") {
  auto builder = dev_reply(sample_dev());
  builder.flag(NVFLUSH_A_DEV_FORMAT);
  const auto message = builder.finish();
  const auto dev = nvflush::decode_dev(bytes_of(message));
  REQUIRE(dev.ok());
  CHECK(*dev == sample_dev());
}

TEST_CASE("a reply without an NVM attribute is rejected") {
  const auto [type, name] = GENERATE(table<std::uint16_t, std::string>({
      {NVFLUSH_A_DEV_NVM_UUID, "nvm-uuid"},
      {NVFLUSH_A_DEV_NVM_SLOTS, "nvm-slots"},
      {NVFLUSH_A_DEV_RECOVERED_BLOCKS, "recovered-blocks"},
      {NVFLUSH_A_DEV_RECOVERY_USEC, "recovery-usec"},
  }));
  const auto message = dev_reply(sample_dev(), type).finish();
  const auto dev = nvflush::decode_dev(bytes_of(message));
  REQUIRE_FALSE(dev.ok());
  CHECK(dev.error().code == EBADMSG);
  CHECK(dev.error().detail == fmt::format("missing attribute '{}' (type {})", name, type));
}

TEST_CASE("nvm-uuid is a string of at most 36 characters") {
  SECTION("37 characters") {
    DevInfo dev = sample_dev();
    dev.nvm_uuid += "0";
    const auto message = dev_reply(dev).finish();
    CHECK(nvflush::decode_dev(bytes_of(message)).error().detail ==
          "attribute 'nvm-uuid' (type 12) has an invalid payload of 38 bytes");
  }
  SECTION("without its NUL") {
    const std::string uuid = sample_dev().nvm_uuid;
    auto builder = dev_reply(sample_dev(), NVFLUSH_A_DEV_NVM_UUID);
    builder.drop(0).attr(NVFLUSH_A_DEV_NVM_UUID, uuid.data(), uuid.size());
    const auto message = builder.finish();
    CHECK_THAT(nvflush::decode_dev(bytes_of(message)).error().detail,
               Catch::StartsWith("attribute 'nvm-uuid' (type 12)"));
  }
  SECTION("u64 sent as 4 bytes") {
    auto builder = dev_reply(sample_dev(), NVFLUSH_A_DEV_RECOVERY_USEC);
    builder.drop(0).u32(NVFLUSH_A_DEV_RECOVERY_USEC, 1);
    const auto message = builder.finish();
    CHECK(nvflush::decode_dev(bytes_of(message)).error().detail ==
          "attribute 'recovery-usec' (type 15) has an invalid payload of 4 bytes");
  }
}

TEST_CASE("unknown attributes in a reply are ignored") {
  const std::uint32_t future = 7;
  auto builder = dev_reply(sample_dev());
  builder.u32(NVFLUSH_A_DEV_MAX + 1, future).u32(200, future);
  const auto message = builder.finish();
  const auto dev = nvflush::decode_dev(bytes_of(message));
  REQUIRE(dev.ok());
  CHECK(*dev == sample_dev());
}

TEST_CASE("a truncated attribute is rejected") {
  // The last attribute claims 8 payload bytes but the message ends after 4.
  auto builder = dev_reply(sample_dev());
  const std::uint32_t half = 0;
  builder.attr(NVFLUSH_A_DEV_MAX + 1, &half, sizeof(half), NLA_HDRLEN + 8);
  const auto message = builder.finish();
  const auto dev = nvflush::decode_dev(bytes_of(message));
  REQUIRE_FALSE(dev.ok());
  CHECK(dev.error().code == EBADMSG);
  CHECK(dev.error().what == "malformed device reply");
  CHECK_THAT(dev.error().detail, Catch::StartsWith("truncated attribute at offset"));
}

TEST_CASE("a message longer than the bytes received is rejected") {
  const auto message = dev_reply(sample_dev()).finish();
  const auto cut = Bytes{message.data(), message.size() - 4};
  const auto dev = nvflush::decode_dev(cut);
  REQUIRE_FALSE(dev.ok());
  CHECK(dev.error().code == EBADMSG);
  CHECK_THAT(dev.error().detail, Catch::Contains("exceeds"));

  const std::array<std::byte, 8> tiny{};
  CHECK(nvflush::decode_dev(Bytes{tiny}).error().detail == "truncated netlink header");

  const auto header_only = MessageBuilder(kFamily).finish();
  CHECK_THAT(nvflush::decode_dev(bytes_of(header_only)).error().detail,
             Catch::Contains("too short"));
}

TEST_CASE("attributes of the wrong length are rejected") {
  SECTION("u64 sent as 4 bytes") {
    MessageBuilder msg(kFamily);
    msg.genl(NVFLUSH_CMD_DEV_GET).u32(NVFLUSH_A_DEV_SIZE, 1);
    const auto message = msg.finish();
    const auto dev = nvflush::decode_dev(bytes_of(message));
    REQUIRE_FALSE(dev.ok());
    CHECK(dev.error().code == EBADMSG);
    CHECK(dev.error().detail == "attribute 'size' (type 6) has an invalid payload of 4 bytes");
  }
  SECTION("u32 sent as 8 bytes") {
    MessageBuilder msg(kFamily);
    msg.genl(NVFLUSH_CMD_DEV_GET).u64(NVFLUSH_A_DEV_INDEX, 1);
    const auto message = msg.finish();
    CHECK_THAT(nvflush::decode_dev(bytes_of(message)).error().detail,
               Catch::StartsWith("attribute 'index' (type 4)"));
  }
  SECTION("string without its NUL") {
    MessageBuilder msg(kFamily);
    msg.genl(NVFLUSH_CMD_DEV_GET).attr(NVFLUSH_A_DEV_NAME, "d0", 2);
    const auto message = msg.finish();
    CHECK_THAT(nvflush::decode_dev(bytes_of(message)).error().detail,
               Catch::StartsWith("attribute 'name' (type 1)"));
  }
  SECTION("name longer than NVFLUSH_NAME_LEN") {
    MessageBuilder msg(kFamily);
    msg.genl(NVFLUSH_CMD_DEV_GET).str(NVFLUSH_A_DEV_NAME, std::string(NVFLUSH_NAME_LEN, 'x'));
    const auto message = msg.finish();
    CHECK_THAT(nvflush::decode_dev(bytes_of(message)).error().detail,
               Catch::StartsWith("attribute 'name' (type 1)"));
  }
}

TEST_CASE("a reply without a spec'd attribute is rejected") {
  MessageBuilder msg(kFamily);
  msg.genl(NVFLUSH_CMD_DEV_GET)
      .str(NVFLUSH_A_DEV_NAME, "d0")
      .str(NVFLUSH_A_DEV_ORIGIN_PATH, "/dev/vdb")
      .str(NVFLUSH_A_DEV_NVM_PATH, "/dev/pmem0")
      .u32(NVFLUSH_A_DEV_INDEX, 0)
      .str(NVFLUSH_A_DEV_DISK_NAME, "nvflush0");
  const auto message = msg.finish();
  const auto dev = nvflush::decode_dev(bytes_of(message));
  REQUIRE_FALSE(dev.ok());
  CHECK(dev.error().code == EBADMSG);
  CHECK(dev.error().detail == "missing attribute 'size' (type 6)");
}

TEST_CASE("a STATS_GET message decodes every counter") {
  MessageBuilder msg(kFamily, NLM_F_MULTI);
  msg.genl(NVFLUSH_CMD_STATS_GET)
      .str(NVFLUSH_A_STATS_DEV_NAME, "d1")
      .u64(NVFLUSH_A_STATS_CGROUP_ID, 0xffff'ffff'0000'0001ULL);
  // Distinct values show that no two counters are swapped.
  std::uint64_t value = 100;
  for (const auto& field : nvflush::kCounterFields) {
    msg.u64(static_cast<std::uint16_t>(field.attr), value++);
  }
  nvflush::Latency latency;
  for (std::size_t i = 0; i < latency.write.size(); ++i) {
    latency.write.at(i) = 1000 + i;
    latency.flush.at(i) = 2000 + i;
  }
  msg.attr(NVFLUSH_A_STATS_WRITE_LATENCY, latency.write.data(), sizeof(latency.write))
      .attr(NVFLUSH_A_STATS_FLUSH_LATENCY, latency.flush.data(), sizeof(latency.flush));
  const auto message = msg.finish();
  const auto record = nvflush::decode_stats(bytes_of(message));
  REQUIRE(record.ok());
  CHECK(record->latency == latency);
  CHECK(record->dev_name == "d1");
  CHECK(record->cgroup_id == 0xffff'ffff'0000'0001ULL);
  CHECK(record->counters == nvflush::Counters{.write_bios = 100,
                                              .write_bytes = 101,
                                              .sync_writes = 102,
                                              .flushes = 103,
                                              .fua_writes = 104,
                                              .read_bios = 105,
                                              .read_bytes = 106,
                                              .discard_bios = 107,
                                              .discard_bytes = 108,
                                              .absorbed_writes = 109,
                                              .absorbed_bytes = 110,
                                              .bypassed_writes = 111,
                                              .bypassed_bytes = 112,
                                              .write_hits = 113,
                                              .read_hits = 114,
                                              .read_misses = 115,
                                              .dirty_bytes = 116,
                                              .destaged_bytes = 117,
                                              .quota_throttles = 118,
                                              .quota_throttle_usec = 119,
                                              .quota_bypasses = 120});
}

TEST_CASE("a STATS_GET histogram of the wrong size is rejected") {
  const auto [length, accepted] = GENERATE(table<std::size_t, bool>({
      {sizeof(nvflush::Histogram), true},
      {sizeof(nvflush::Histogram) - 8, false},
      {sizeof(nvflush::Histogram) + 8, false},
      {0, false},
  }));
  MessageBuilder msg(kFamily, NLM_F_MULTI);
  msg.genl(NVFLUSH_CMD_STATS_GET)
      .str(NVFLUSH_A_STATS_DEV_NAME, "d1")
      .u64(NVFLUSH_A_STATS_CGROUP_ID, 1);
  for (const auto& field : nvflush::kCounterFields) {
    msg.u64(static_cast<std::uint16_t>(field.attr), 1);
  }
  const std::vector<std::uint64_t> counts(length / sizeof(std::uint64_t) + 1, 7);
  const nvflush::Histogram full{};
  msg.attr(NVFLUSH_A_STATS_WRITE_LATENCY, full.data(), sizeof(full))
      .attr(NVFLUSH_A_STATS_FLUSH_LATENCY, counts.data(), length);
  const auto message = msg.finish();
  const auto record = nvflush::decode_stats(bytes_of(message));
  CHECK(record.ok() == accepted);
  if (!accepted) {
    CHECK_THAT(record.error().detail, Catch::Contains("attribute 'flush-latency'"));
  }
}

TEST_CASE("a STATS_GET message from before the policy counters is rejected") {
  MessageBuilder msg(kFamily, NLM_F_MULTI);
  msg.genl(NVFLUSH_CMD_STATS_GET)
      .str(NVFLUSH_A_STATS_DEV_NAME, "d1")
      .u64(NVFLUSH_A_STATS_CGROUP_ID, 1);
  for (int attr = NVFLUSH_A_STATS_WRITE_BIOS; attr <= NVFLUSH_A_STATS_DISCARD_BYTES; ++attr) {
    msg.u64(static_cast<std::uint16_t>(attr), 1);
  }
  const auto message = msg.finish();
  const auto record = nvflush::decode_stats(bytes_of(message));
  REQUIRE_FALSE(record.ok());
  CHECK(record.error().detail == "missing attribute 'absorbed_writes' (type 12)");
}

TEST_CASE("a STATS_GET message missing a counter is rejected") {
  MessageBuilder msg(kFamily);
  msg.genl(NVFLUSH_CMD_STATS_GET)
      .str(NVFLUSH_A_STATS_DEV_NAME, "d1")
      .u64(NVFLUSH_A_STATS_CGROUP_ID, 1)
      .u64(NVFLUSH_A_STATS_WRITE_BIOS, 1);
  const auto message = msg.finish();
  const auto record = nvflush::decode_stats(bytes_of(message));
  REQUIRE_FALSE(record.ok());
  CHECK(record.error().what == "malformed statistics reply");
  CHECK(record.error().detail == "missing attribute 'write_bytes' (type 4)");
}

TEST_CASE("the extack message is extracted from NLMSG_ERROR") {
  const std::string kRequestPayload(20, 'r');  // an echoed request body
  nlmsgerr err{};
  err.error = -EBUSY;
  err.msg.nlmsg_type = kFamily;

  SECTION("capped ACK") {
    err.msg.nlmsg_len = NLMSG_HDRLEN + GENL_HDRLEN + 12;  // not echoed
    MessageBuilder msg(NLMSG_ERROR, NLM_F_CAPPED | NLM_F_ACK_TLVS);
    msg.append(&err, sizeof(err))
        .str(NLMSGERR_ATTR_MSG, "device d0 is open")
        .u32(NLMSGERR_ATTR_OFFS, 20);
    const auto message = msg.finish();
    const auto status = nvflush::decode_status(bytes_of(message));
    REQUIRE(status.ok());
    CHECK(*status == KernelStatus{.error = EBUSY, .message = "device d0 is open"});
  }
  SECTION("request echoed before the TLVs") {
    err.msg.nlmsg_len = static_cast<std::uint32_t>(NLMSG_HDRLEN + kRequestPayload.size());
    MessageBuilder msg(NLMSG_ERROR, NLM_F_ACK_TLVS);
    msg.append(&err, sizeof(err))
        .append(kRequestPayload.data(), kRequestPayload.size())
        .str(NLMSGERR_ATTR_MSG, "origin is not a block device");
    const auto message = msg.finish();
    const auto status = nvflush::decode_status(bytes_of(message));
    REQUIRE(status.ok());
    CHECK(*status == KernelStatus{.error = EBUSY, .message = "origin is not a block device"});
  }
  SECTION("no TLVs") {
    err.msg.nlmsg_len = NLMSG_HDRLEN;
    MessageBuilder msg(NLMSG_ERROR, NLM_F_CAPPED);
    msg.append(&err, sizeof(err));
    const auto message = msg.finish();
    CHECK(*nvflush::decode_status(bytes_of(message)) ==
          KernelStatus{.error = EBUSY, .message = {}});
  }
  SECTION("a malformed TLV loses the message but not the errno") {
    err.msg.nlmsg_len = NLMSG_HDRLEN;
    MessageBuilder msg(NLMSG_ERROR, NLM_F_CAPPED | NLM_F_ACK_TLVS);
    msg.append(&err, sizeof(err)).attr(NLMSGERR_ATTR_MSG, "no nul", 6);
    const auto message = msg.finish();
    CHECK(*nvflush::decode_status(bytes_of(message)) ==
          KernelStatus{.error = EBUSY, .message = {}});
  }
}

TEST_CASE("an ACK decodes as success") {
  nlmsgerr err{};
  err.msg.nlmsg_len = NLMSG_HDRLEN + GENL_HDRLEN;
  MessageBuilder msg(NLMSG_ERROR, NLM_F_CAPPED);
  msg.append(&err, sizeof(err));
  const auto message = msg.finish();
  CHECK(*nvflush::decode_status(bytes_of(message)) == KernelStatus{});
}

TEST_CASE("NLMSG_DONE carries the dump's error and extack") {
  SECTION("failed dump") {
    const int error = -ENODEV;
    MessageBuilder msg(NLMSG_DONE, NLM_F_MULTI | NLM_F_ACK_TLVS);
    msg.append(&error, sizeof(error)).str(NLMSGERR_ATTR_MSG, "no device named d9");
    const auto message = msg.finish();
    CHECK(*nvflush::decode_status(bytes_of(message)) ==
          KernelStatus{.error = ENODEV, .message = "no device named d9"});
  }
  SECTION("complete dump") {
    const int error = 0;
    MessageBuilder msg(NLMSG_DONE, NLM_F_MULTI);
    msg.append(&error, sizeof(error));
    const auto message = msg.finish();
    CHECK(*nvflush::decode_status(bytes_of(message)) == KernelStatus{});
  }
}

TEST_CASE("decode_status rejects what is not a status") {
  const nlmsgerr err{};
  const auto truncated = MessageBuilder(NLMSG_ERROR).append(&err, 4).finish();
  CHECK(nvflush::decode_status(bytes_of(truncated)).error().detail == "truncated NLMSG_ERROR");

  const auto reply = dev_reply(sample_dev()).finish();
  CHECK(nvflush::decode_status(bytes_of(reply)).error().detail == "unexpected message type 29");
}

TEST_CASE("DEV_CREATE encodes its command and attributes") {
  const auto msg = nvflush::encode_dev_create(
      kFamily, {.name = "d0", .origin_path = "/dev/vdb", .nvm_path = "/dev/pmem0"});
  REQUIRE(msg.ok());
  const Decoded decoded = decode_request(msg->get(), NVFLUSH_A_DEV_MAX);
  CHECK(decoded.header.nlmsg_type == kFamily);
  CHECK((decoded.header.nlmsg_flags & NLM_F_DUMP) == 0);
  CHECK(decoded.genl.cmd == NVFLUSH_CMD_DEV_CREATE);
  CHECK(decoded.genl.version == NVFLUSH_FAMILY_VERSION);
  CHECK(attr_count(decoded) == 3);
  CHECK(string_attr(decoded, NVFLUSH_A_DEV_NAME) == "d0");
  CHECK(string_attr(decoded, NVFLUSH_A_DEV_ORIGIN_PATH) == "/dev/vdb");
  CHECK(string_attr(decoded, NVFLUSH_A_DEV_NVM_PATH) == "/dev/pmem0");
}

TEST_CASE("DEV_CREATE carries FORMAT as a zero-length flag only when asked") {
  nvflush::DevCreateRequest request{
      .name = "d0", .origin_path = "/dev/vdb", .nvm_path = "/dev/pmem0", .format = false};
  SECTION("without --format") {
    const auto msg = nvflush::encode_dev_create(kFamily, request);
    REQUIRE(msg.ok());
    const Decoded decoded = decode_request(msg->get(), NVFLUSH_A_DEV_MAX);
    CHECK(decoded.attrs.at(NVFLUSH_A_DEV_FORMAT) == nullptr);
    CHECK(attr_count(decoded) == 3);
  }
  SECTION("with --format") {
    request.format = true;
    const auto msg = nvflush::encode_dev_create(kFamily, request);
    REQUIRE(msg.ok());
    const Decoded decoded = decode_request(msg->get(), NVFLUSH_A_DEV_MAX);
    CHECK(decoded.genl.cmd == NVFLUSH_CMD_DEV_CREATE);
    CHECK(attr_count(decoded) == 4);
    CHECK(string_attr(decoded, NVFLUSH_A_DEV_NAME) == "d0");
    CHECK(string_attr(decoded, NVFLUSH_A_DEV_NVM_PATH) == "/dev/pmem0");
    const nlattr* format = decoded.attrs.at(NVFLUSH_A_DEV_FORMAT);
    REQUIRE(format != nullptr);
    CHECK(format->nla_len == NLA_HDRLEN);  // a bare header, no payload
    CHECK(nla_len(format) == 0);
    CHECK(nla_get_flag(format) != 0);
  }
}

TEST_CASE("DEV_CREATE carries MODE as a u32 only when given") {
  nvflush::DevCreateRequest request{
      .name = "d0", .origin_path = "/dev/vdb", .nvm_path = "/dev/pmem0", .format = true};
  SECTION("without --mode") {
    const auto msg = nvflush::encode_dev_create(kFamily, request);
    REQUIRE(msg.ok());
    const Decoded decoded = decode_request(msg->get(), NVFLUSH_A_DEV_MAX);
    CHECK(decoded.attrs.at(NVFLUSH_A_DEV_MODE) == nullptr);
    CHECK(attr_count(decoded) == 4);
  }
  SECTION("with --mode") {
    const auto [mode, value] = GENERATE(table<nvflush::DevMode, std::uint32_t>({
        {nvflush::DevMode::kAbsorb, NVFLUSH_MODE_ABSORB},
        {nvflush::DevMode::kBypass, NVFLUSH_MODE_BYPASS},
    }));
    request.mode = mode;
    const auto msg = nvflush::encode_dev_create(kFamily, request);
    REQUIRE(msg.ok());
    const Decoded decoded = decode_request(msg->get(), NVFLUSH_A_DEV_MAX);
    CHECK(decoded.genl.cmd == NVFLUSH_CMD_DEV_CREATE);
    CHECK(attr_count(decoded) == 5);
    CHECK(string_attr(decoded, NVFLUSH_A_DEV_NAME) == "d0");
    CHECK(decoded.attrs.at(NVFLUSH_A_DEV_FORMAT) != nullptr);
    const nlattr* attr = decoded.attrs.at(NVFLUSH_A_DEV_MODE);
    REQUIRE(attr != nullptr);
    CHECK(nla_len(attr) == sizeof(std::uint32_t));
    CHECK(nla_get_u32(attr) == value);
  }
}

TEST_CASE("DEV_SET carries the name and the mode") {
  const auto msg =
      nvflush::encode_dev_set(kFamily, {.name = "d0", .mode = nvflush::DevMode::kBypass});
  REQUIRE(msg.ok());
  const Decoded d = decode_request(msg->get(), NVFLUSH_A_DEV_MAX);
  CHECK(d.header.nlmsg_type == kFamily);
  CHECK((d.header.nlmsg_flags & NLM_F_DUMP) == 0);
  CHECK(d.genl.cmd == NVFLUSH_CMD_DEV_SET);
  CHECK(d.genl.version == NVFLUSH_FAMILY_VERSION);
  CHECK(attr_count(d) == 2);
  CHECK(string_attr(d, NVFLUSH_A_DEV_NAME) == "d0");
  const nlattr* mode = d.attrs.at(NVFLUSH_A_DEV_MODE);
  REQUIRE(mode != nullptr);
  CHECK(nla_len(mode) == sizeof(std::uint32_t));
  CHECK(nla_get_u32(mode) == NVFLUSH_MODE_BYPASS);

  const auto absorb =
      nvflush::encode_dev_set(kFamily, {.name = "d1", .mode = nvflush::DevMode::kAbsorb});
  REQUIRE(absorb.ok());
  CHECK(
      nla_get_u32(decode_request(absorb->get(), NVFLUSH_A_DEV_MAX).attrs.at(NVFLUSH_A_DEV_MODE)) ==
      NVFLUSH_MODE_ABSORB);

  CHECK(nvflush::encode_dev_set(kFamily, {.name = "a/b", .mode = nvflush::DevMode::kAbsorb})
            .error()
            .code == EINVAL);
}

TEST_CASE("DEV_SET carries the watermarks as u32 and the rate as u64, only when given") {
  SECTION("all of them") {
    const auto msg = nvflush::encode_dev_set(kFamily, {.name = "d0",
                                                       .mode = nvflush::DevMode::kAbsorb,
                                                       .high_watermark = 100,
                                                       .low_watermark = 0,
                                                       .destage_rate = 0x1'0000'0001ULL});
    REQUIRE(msg.ok());
    const Decoded d = decode_request(msg->get(), NVFLUSH_A_DEV_MAX);
    CHECK(d.genl.cmd == NVFLUSH_CMD_DEV_SET);
    CHECK(attr_count(d) == 5);
    CHECK(string_attr(d, NVFLUSH_A_DEV_NAME) == "d0");
    const nlattr* high = d.attrs.at(NVFLUSH_A_DEV_HIGH_WATERMARK);
    const nlattr* low = d.attrs.at(NVFLUSH_A_DEV_LOW_WATERMARK);
    const nlattr* rate = d.attrs.at(NVFLUSH_A_DEV_DESTAGE_RATE);
    REQUIRE(high != nullptr);
    REQUIRE(low != nullptr);
    REQUIRE(rate != nullptr);
    CHECK(nla_len(high) == sizeof(std::uint32_t));
    CHECK(nla_get_u32(high) == 100);
    CHECK(nla_len(low) == sizeof(std::uint32_t));
    CHECK(nla_get_u32(low) == 0);
    CHECK(nla_len(rate) == sizeof(std::uint64_t));
    CHECK(nla_get_u64(rate) == 0x1'0000'0001ULL);
  }
  SECTION("the rate alone, 0 meaning no cap") {
    const auto msg = nvflush::encode_dev_set(kFamily, {.name = "d0", .destage_rate = 0});
    REQUIRE(msg.ok());
    const Decoded d = decode_request(msg->get(), NVFLUSH_A_DEV_MAX);
    CHECK(attr_count(d) == 2);
    CHECK(d.attrs.at(NVFLUSH_A_DEV_MODE) == nullptr);
    REQUIRE(d.attrs.at(NVFLUSH_A_DEV_DESTAGE_RATE) != nullptr);
    CHECK(nla_get_u64(d.attrs.at(NVFLUSH_A_DEV_DESTAGE_RATE)) == 0);
  }
  SECTION("one watermark: the kernel checks it against the other") {
    const auto msg = nvflush::encode_dev_set(kFamily, {.name = "d0", .low_watermark = 99});
    REQUIRE(msg.ok());
    const Decoded d = decode_request(msg->get(), NVFLUSH_A_DEV_MAX);
    CHECK(attr_count(d) == 2);
    CHECK(d.attrs.at(NVFLUSH_A_DEV_HIGH_WATERMARK) == nullptr);
    REQUIRE(d.attrs.at(NVFLUSH_A_DEV_LOW_WATERMARK) != nullptr);
    CHECK(nla_get_u32(d.attrs.at(NVFLUSH_A_DEV_LOW_WATERMARK)) == 99);
  }
}

TEST_CASE("DEV_SET refuses what the kernel would refuse anyway") {
  const auto [request, problem] = GENERATE(table<nvflush::DevSetRequest, std::string>({
      {{.name = "d0"},
       "nothing to set: give mode, high-watermark, low-watermark, destage-rate or root-sync"},
      {{.name = "d0", .high_watermark = 0}, "high-watermark 0 is not between 1 and 100 (percent)"},
      {{.name = "d0", .high_watermark = 101},
       "high-watermark 101 is not between 1 and 100 (percent)"},
      {{.name = "d0", .low_watermark = 100}, "low-watermark 100 is not between 0 and 99 (percent)"},
      {{.name = "d0", .high_watermark = 50, .low_watermark = 50},
       "low-watermark 50 is not below high-watermark 50"},
      {{.name = "d0", .high_watermark = 40, .low_watermark = 60},
       "low-watermark 60 is not below high-watermark 40"},
  }));
  INFO(problem);
  CHECK(nvflush::dev_set_problem(request) == problem);
  const auto msg = nvflush::encode_dev_set(kFamily, request);
  REQUIRE_FALSE(msg.ok());
  CHECK(msg.error().code == EINVAL);
  CHECK(msg.error().what == "invalid settings for 'd0'");
  CHECK(msg.error().detail == problem);
}

TEST_CASE("dev_set_problem lets valid settings through") {
  const nvflush::DevSetRequest request =
      GENERATE(nvflush::DevSetRequest{.name = "d0", .mode = nvflush::DevMode::kBypass},
               nvflush::DevSetRequest{.name = "d0", .high_watermark = 1, .low_watermark = 0},
               nvflush::DevSetRequest{.name = "d0", .high_watermark = 100, .low_watermark = 99},
               nvflush::DevSetRequest{.name = "d0", .high_watermark = 1},
               nvflush::DevSetRequest{.name = "d0", .low_watermark = 99},
               nvflush::DevSetRequest{.name = "d0", .destage_rate = 0},
               nvflush::DevSetRequest{.name = "d0", .destage_rate = ~0ULL});
  CHECK_FALSE(nvflush::dev_set_problem(request).has_value());
  CHECK(nvflush::encode_dev_set(kFamily, request).ok());
}

TEST_CASE("DEV_DRAIN carries the name only") {
  const auto msg = nvflush::encode_dev_drain(kFamily, "d0");
  REQUIRE(msg.ok());
  const Decoded d = decode_request(msg->get(), NVFLUSH_A_DEV_MAX);
  CHECK(d.genl.cmd == NVFLUSH_CMD_DEV_DRAIN);
  CHECK((d.header.nlmsg_flags & NLM_F_DUMP) == 0);
  CHECK(attr_count(d) == 1);
  CHECK(string_attr(d, NVFLUSH_A_DEV_NAME) == "d0");
  CHECK(nvflush::encode_dev_drain(kFamily, "").error().code == EINVAL);
}

TEST_CASE("DEV_CREATE takes paths up to PATH_MAX - 1") {
  const std::string long_path = "/" + std::string(4094, 'p');
  const auto msg = nvflush::encode_dev_create(
      kFamily, {.name = "d0", .origin_path = long_path, .nvm_path = long_path});
  REQUIRE(msg.ok());
  CHECK(string_attr(decode_request(msg->get(), NVFLUSH_A_DEV_MAX), NVFLUSH_A_DEV_NVM_PATH) ==
        long_path);

  const auto too_long = nvflush::encode_dev_create(
      kFamily, {.name = "d0", .origin_path = long_path + "p", .nvm_path = "/dev/pmem0"});
  REQUIRE_FALSE(too_long.ok());
  CHECK(too_long.error().code == ENAMETOOLONG);
}

TEST_CASE("DEV_DESTROY and DEV_GET carry the name") {
  const auto destroy = nvflush::encode_dev_destroy(kFamily, "d0");
  REQUIRE(destroy.ok());
  const Decoded d = decode_request(destroy->get(), NVFLUSH_A_DEV_MAX);
  CHECK(d.genl.cmd == NVFLUSH_CMD_DEV_DESTROY);
  CHECK(attr_count(d) == 1);
  CHECK(string_attr(d, NVFLUSH_A_DEV_NAME) == "d0");

  const auto get = nvflush::encode_dev_get(kFamily, "d.1-x_");
  REQUIRE(get.ok());
  const Decoded g = decode_request(get->get(), NVFLUSH_A_DEV_MAX);
  CHECK(g.genl.cmd == NVFLUSH_CMD_DEV_GET);
  CHECK((g.header.nlmsg_flags & NLM_F_DUMP) == 0);
  CHECK(string_attr(g, NVFLUSH_A_DEV_NAME) == "d.1-x_");
}

TEST_CASE("dump requests set NLM_F_DUMP") {
  const auto devs = nvflush::encode_dev_dump(kFamily);
  REQUIRE(devs.ok());
  const Decoded d = decode_request(devs->get(), NVFLUSH_A_DEV_MAX);
  CHECK(d.genl.cmd == NVFLUSH_CMD_DEV_GET);
  CHECK((d.header.nlmsg_flags & NLM_F_DUMP) == NLM_F_DUMP);
  CHECK(attr_count(d) == 0);

  const auto all = nvflush::encode_stats_dump(kFamily, std::nullopt);
  REQUIRE(all.ok());
  const Decoded a = decode_request(all->get(), NVFLUSH_A_STATS_MAX);
  CHECK(a.genl.cmd == NVFLUSH_CMD_STATS_GET);
  CHECK((a.header.nlmsg_flags & NLM_F_DUMP) == NLM_F_DUMP);
  CHECK(attr_count(a) == 0);

  const auto one = nvflush::encode_stats_dump(kFamily, "d0");
  REQUIRE(one.ok());
  const Decoded o = decode_request(one->get(), NVFLUSH_A_STATS_MAX);
  CHECK(attr_count(o) == 1);
  CHECK(string_attr(o, NVFLUSH_A_STATS_DEV_NAME) == "d0");
}

TEST_CASE("requests with an invalid device name are not encoded") {
  for (const std::string& name :
       std::vector<std::string>{"", "a/b", "with space", std::string(NVFLUSH_NAME_LEN, 'x')}) {
    INFO("'" << name << "'");
    const auto msg = nvflush::encode_dev_destroy(kFamily, name);
    REQUIRE_FALSE(msg.ok());
    CHECK(msg.error().code == EINVAL);
    CHECK_FALSE(nvflush::encode_stats_dump(kFamily, name).ok());
  }
}

TEST_CASE("device_name_problem follows the spec's name rule") {
  CHECK_FALSE(nvflush::device_name_problem("d0").has_value());
  CHECK_FALSE(nvflush::device_name_problem("A.b_c-9").has_value());
  CHECK_FALSE(nvflush::device_name_problem(std::string(NVFLUSH_NAME_LEN - 1, 'x')).has_value());
  CHECK(nvflush::device_name_problem("") == "the name is empty");
  CHECK(nvflush::device_name_problem(std::string(NVFLUSH_NAME_LEN, 'x')) ==
        "the name is longer than 31 bytes");
  CHECK(nvflush::device_name_problem("a/b") ==
        "the name contains '/'; allowed are A-Z a-z 0-9 _ . -");
}

namespace {

// A POLICY_GET reply as the kernel builds it; attributes of type `dropped`
// are left out.
MessageBuilder policy_reply(const nvflush::PolicyInfo& policy, std::uint16_t dropped = 0) {
  constexpr std::uint16_t kPad = NVFLUSH_A_POLICY_PAD;
  MessageBuilder msg(kFamily, NLM_F_MULTI);
  msg.drop(dropped)
      .genl(NVFLUSH_CMD_POLICY_GET)
      .str(NVFLUSH_A_POLICY_DEV_NAME, policy.dev_name)
      .str(NVFLUSH_A_POLICY_CGROUP_PATH, policy.cgroup_path)
      .u64_aligned(NVFLUSH_A_POLICY_CGROUP_ID, policy.cgroup_id, kPad)
      .u32(NVFLUSH_A_POLICY_MODE, policy.mode)
      .u64_aligned(NVFLUSH_A_POLICY_MAX_DIRTY, policy.max_dirty, kPad)
      .u32(NVFLUSH_A_POLICY_ON_FULL, policy.on_full)
      .u32(NVFLUSH_A_POLICY_WEIGHT, policy.weight);
  if (policy.stale) {
    msg.flag(NVFLUSH_A_POLICY_STALE);
  }
  msg.u64_aligned(NVFLUSH_A_POLICY_DIRTY_BYTES, policy.dirty_bytes, kPad);
  return msg;
}

nvflush::PolicyInfo sample_policy() {
  return nvflush::PolicyInfo{.dev_name = "d0",
                             .cgroup_path = "/tenant-a/job1",
                             .cgroup_id = 0x1'0000'0123ULL,
                             .mode = NVFLUSH_MODE_SYNC_ONLY,
                             .max_dirty = 512ULL << 20,
                             .on_full = NVFLUSH_ON_FULL_BYPASS,
                             .weight = 250,
                             .stale = false,
                             .dirty_bytes = 0xffff'ffff'ffff'fff0ULL};
}

}  // namespace

TEST_CASE("a DEV_GET reply carries root-sync, which is required") {
  const auto message = dev_reply(sample_dev()).finish();
  const auto dev = nvflush::decode_dev(bytes_of(message));
  REQUIRE(dev.ok());
  CHECK(dev->root_sync == NVFLUSH_ROOT_SYNC_FOLLOW);

  const auto without = dev_reply(sample_dev(), NVFLUSH_A_DEV_ROOT_SYNC).finish();
  const auto missing = nvflush::decode_dev(bytes_of(without));
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.error().detail ==
        fmt::format("missing attribute 'root-sync' (type {})", NVFLUSH_A_DEV_ROOT_SYNC));
}

TEST_CASE("mode, on-full and root-sync names") {
  CHECK(nvflush::mode_name(NVFLUSH_MODE_SYNC_ONLY) == "sync-only");
  CHECK(nvflush::parse_mode("sync-only") == nvflush::DevMode::kSyncOnly);
  CHECK_FALSE(nvflush::parse_mode("sync_only").has_value());
  CHECK(nvflush::on_full_name(NVFLUSH_ON_FULL_THROTTLE) == "throttle");
  CHECK(nvflush::on_full_name(NVFLUSH_ON_FULL_BYPASS) == "bypass");
  CHECK(nvflush::on_full_name(9) == "9");
  CHECK(nvflush::parse_on_full("bypass") == nvflush::OnFull::kBypass);
  CHECK_FALSE(nvflush::parse_on_full("absorb").has_value());
  CHECK(nvflush::root_sync_name(NVFLUSH_ROOT_SYNC_ABSORB) == "absorb");
  CHECK(nvflush::root_sync_name(NVFLUSH_ROOT_SYNC_FOLLOW) == "follow");
  CHECK(nvflush::root_sync_name(4) == "4");
  CHECK(nvflush::parse_root_sync("follow") == nvflush::RootSync::kFollow);
  CHECK_FALSE(nvflush::parse_root_sync("bypass").has_value());
}

TEST_CASE("DEV_SET carries ROOT_SYNC as a u32 only when given") {
  const auto msg =
      nvflush::encode_dev_set(kFamily, {.name = "d0", .root_sync = nvflush::RootSync::kFollow});
  REQUIRE(msg.ok());
  const Decoded d = decode_request(msg->get(), NVFLUSH_A_DEV_MAX);
  CHECK(attr_count(d) == 2);
  const nlattr* attr = d.attrs.at(NVFLUSH_A_DEV_ROOT_SYNC);
  REQUIRE(attr != nullptr);
  CHECK(nla_len(attr) == sizeof(std::uint32_t));
  CHECK(nla_get_u32(attr) == NVFLUSH_ROOT_SYNC_FOLLOW);

  const auto mode =
      nvflush::encode_dev_set(kFamily, {.name = "d0", .mode = nvflush::DevMode::kSyncOnly});
  REQUIRE(mode.ok());
  const Decoded m = decode_request(mode->get(), NVFLUSH_A_DEV_MAX);
  CHECK(m.attrs.at(NVFLUSH_A_DEV_ROOT_SYNC) == nullptr);
  CHECK(nla_get_u32(m.attrs.at(NVFLUSH_A_DEV_MODE)) == NVFLUSH_MODE_SYNC_ONLY);
}

TEST_CASE("a POLICY_GET reply decodes into PolicyInfo") {
  const auto message = policy_reply(sample_policy()).finish();
  const auto policy = nvflush::decode_policy(bytes_of(message));
  REQUIRE(policy.ok());
  CHECK(*policy == sample_policy());
  CHECK_FALSE(policy->stale);

  SECTION("the stale flag") {
    nvflush::PolicyInfo stale = sample_policy();
    stale.stale = true;
    const auto stale_message = policy_reply(stale).finish();
    const auto decoded = nvflush::decode_policy(bytes_of(stale_message));
    REQUIRE(decoded.ok());
    CHECK(decoded->stale);
    CHECK(*decoded == stale);
  }
}

TEST_CASE("a POLICY_GET reply without a required attribute is rejected") {
  const auto [type, name] = GENERATE(table<std::uint16_t, std::string>({
      {NVFLUSH_A_POLICY_DEV_NAME, "dev-name"},
      {NVFLUSH_A_POLICY_CGROUP_PATH, "cgroup-path"},
      {NVFLUSH_A_POLICY_CGROUP_ID, "cgroup-id"},
      {NVFLUSH_A_POLICY_MODE, "mode"},
      {NVFLUSH_A_POLICY_MAX_DIRTY, "max-dirty"},
      {NVFLUSH_A_POLICY_ON_FULL, "on-full"},
      {NVFLUSH_A_POLICY_WEIGHT, "weight"},
      {NVFLUSH_A_POLICY_DIRTY_BYTES, "dirty-bytes"},
  }));
  const auto message = policy_reply(sample_policy(), type).finish();
  const auto policy = nvflush::decode_policy(bytes_of(message));
  REQUIRE_FALSE(policy.ok());
  CHECK(policy.error().code == EBADMSG);
  CHECK(policy.error().what == "malformed policy reply");
  CHECK(policy.error().detail == fmt::format("missing attribute '{}' (type {})", name, type));
}

TEST_CASE("a POLICY_GET reply with a short weight is rejected") {
  auto builder = policy_reply(sample_policy(), NVFLUSH_A_POLICY_WEIGHT);
  builder.drop(0).u8(NVFLUSH_A_POLICY_WEIGHT, 1);
  const auto message = builder.finish();
  const auto policy = nvflush::decode_policy(bytes_of(message));
  REQUIRE_FALSE(policy.ok());
  CHECK_THAT(policy.error().detail, Catch::StartsWith("attribute 'weight' (type 7)"));
}

TEST_CASE("POLICY_SET carries the path and only the settings given") {
  const auto msg = nvflush::encode_policy_set(kFamily, {.dev_name = "d0",
                                                        .cgroup_path = "/tenant-a",
                                                        .mode = nvflush::DevMode::kAbsorb,
                                                        .max_dirty = 0x1'0000'0000ULL,
                                                        .on_full = nvflush::OnFull::kBypass,
                                                        .weight = 1000});
  REQUIRE(msg.ok());
  const Decoded d = decode_request(msg->get(), NVFLUSH_A_POLICY_MAX);
  CHECK(d.genl.cmd == NVFLUSH_CMD_POLICY_SET);
  CHECK(d.genl.version == NVFLUSH_FAMILY_VERSION);
  CHECK((d.header.nlmsg_flags & NLM_F_DUMP) == 0);
  CHECK(attr_count(d) == 6);
  CHECK(string_attr(d, NVFLUSH_A_POLICY_DEV_NAME) == "d0");
  CHECK(string_attr(d, NVFLUSH_A_POLICY_CGROUP_PATH) == "/tenant-a");
  CHECK(nla_len(d.attrs.at(NVFLUSH_A_POLICY_MODE)) == sizeof(std::uint32_t));
  CHECK(nla_get_u32(d.attrs.at(NVFLUSH_A_POLICY_MODE)) == NVFLUSH_MODE_ABSORB);
  CHECK(nla_len(d.attrs.at(NVFLUSH_A_POLICY_MAX_DIRTY)) == sizeof(std::uint64_t));
  CHECK(nla_get_u64(d.attrs.at(NVFLUSH_A_POLICY_MAX_DIRTY)) == 0x1'0000'0000ULL);
  CHECK(nla_get_u32(d.attrs.at(NVFLUSH_A_POLICY_ON_FULL)) == NVFLUSH_ON_FULL_BYPASS);
  CHECK(nla_len(d.attrs.at(NVFLUSH_A_POLICY_WEIGHT)) == sizeof(std::uint32_t));
  CHECK(nla_get_u32(d.attrs.at(NVFLUSH_A_POLICY_WEIGHT)) == 1000);

  SECTION("max-dirty 0 (no cap) is sent") {
    const auto cap =
        nvflush::encode_policy_set(kFamily, {.dev_name = "d0", .cgroup_path = "/", .max_dirty = 0});
    REQUIRE(cap.ok());
    const Decoded c = decode_request(cap->get(), NVFLUSH_A_POLICY_MAX);
    CHECK(attr_count(c) == 3);
    REQUIRE(c.attrs.at(NVFLUSH_A_POLICY_MAX_DIRTY) != nullptr);
    CHECK(nla_get_u64(c.attrs.at(NVFLUSH_A_POLICY_MAX_DIRTY)) == 0);
    CHECK(string_attr(c, NVFLUSH_A_POLICY_CGROUP_PATH) == "/");
  }
  SECTION("sync-only alone") {
    const auto mode = nvflush::encode_policy_set(
        kFamily, {.dev_name = "d0", .cgroup_path = "/b", .mode = nvflush::DevMode::kSyncOnly});
    REQUIRE(mode.ok());
    const Decoded m = decode_request(mode->get(), NVFLUSH_A_POLICY_MAX);
    CHECK(attr_count(m) == 3);
    CHECK(nla_get_u32(m.attrs.at(NVFLUSH_A_POLICY_MODE)) == NVFLUSH_MODE_SYNC_ONLY);
  }
}

TEST_CASE("POLICY_SET refuses what the kernel would refuse anyway") {
  using Request = nvflush::PolicySetRequest;
  const auto [request, detail] = GENERATE(table<Request, std::string>({
      {Request{.dev_name = "d0", .cgroup_path = "/a"},
       "nothing to set: give mode, max-dirty, on-full or weight"},
      {Request{.dev_name = "d0", .cgroup_path = "/a", .weight = 0},
       "weight 0 is not between 1 and 1000"},
      {Request{.dev_name = "d0", .cgroup_path = "/a", .weight = 1001},
       "weight 1001 is not between 1 and 1000"},
      {Request{.dev_name = "d0", .cgroup_path = "", .mode = nvflush::DevMode::kAbsorb}, ""},
      {Request{.dev_name = "a/b", .cgroup_path = "/a", .mode = nvflush::DevMode::kAbsorb},
       "the name contains '/'; allowed are A-Z a-z 0-9 _ . -"},
  }));
  const auto msg = nvflush::encode_policy_set(kFamily, request);
  REQUIRE_FALSE(msg.ok());
  CHECK(msg.error().code == EINVAL);
  CHECK(msg.error().detail == detail);
  CHECK_FALSE(
      nvflush::policy_set_problem({.dev_name = "d0", .cgroup_path = "/", .weight = 1}).has_value());
}

TEST_CASE("POLICY_DEL carries the path or the id, exactly one") {
  const auto by_path =
      nvflush::encode_policy_del(kFamily, {.dev_name = "d0", .cgroup_path = "/tenant-a"});
  REQUIRE(by_path.ok());
  const Decoded p = decode_request(by_path->get(), NVFLUSH_A_POLICY_MAX);
  CHECK(p.genl.cmd == NVFLUSH_CMD_POLICY_DEL);
  CHECK(attr_count(p) == 2);
  CHECK(string_attr(p, NVFLUSH_A_POLICY_DEV_NAME) == "d0");
  CHECK(string_attr(p, NVFLUSH_A_POLICY_CGROUP_PATH) == "/tenant-a");

  const auto by_id =
      nvflush::encode_policy_del(kFamily, {.dev_name = "d0", .cgroup_id = 0x1'0000'0042ULL});
  REQUIRE(by_id.ok());
  const Decoded i = decode_request(by_id->get(), NVFLUSH_A_POLICY_MAX);
  CHECK(attr_count(i) == 2);
  REQUIRE(i.attrs.at(NVFLUSH_A_POLICY_CGROUP_ID) != nullptr);
  CHECK(nla_len(i.attrs.at(NVFLUSH_A_POLICY_CGROUP_ID)) == sizeof(std::uint64_t));
  CHECK(nla_get_u64(i.attrs.at(NVFLUSH_A_POLICY_CGROUP_ID)) == 0x1'0000'0042ULL);

  const auto neither = nvflush::encode_policy_del(kFamily, {.dev_name = "d0"});
  REQUIRE_FALSE(neither.ok());
  CHECK(neither.error().code == EINVAL);
  const auto both =
      nvflush::encode_policy_del(kFamily, {.dev_name = "d0", .cgroup_path = "/a", .cgroup_id = 5});
  REQUIRE_FALSE(both.ok());
  CHECK(both.error().detail == "give exactly one of cgroup-path and cgroup-id");
}

TEST_CASE("POLICY_GET: do with device and path, dump with an optional device") {
  const auto get = nvflush::encode_policy_get(kFamily, "d0", "/tenant-a");
  REQUIRE(get.ok());
  const Decoded g = decode_request(get->get(), NVFLUSH_A_POLICY_MAX);
  CHECK(g.genl.cmd == NVFLUSH_CMD_POLICY_GET);
  CHECK((g.header.nlmsg_flags & NLM_F_DUMP) == 0);
  CHECK(attr_count(g) == 2);
  CHECK(string_attr(g, NVFLUSH_A_POLICY_CGROUP_PATH) == "/tenant-a");
  CHECK_FALSE(nvflush::encode_policy_get(kFamily, "d0", "").ok());
  CHECK_FALSE(nvflush::encode_policy_get(kFamily, "a b", "/").ok());

  const auto all = nvflush::encode_policy_dump(kFamily, std::nullopt);
  REQUIRE(all.ok());
  const Decoded a = decode_request(all->get(), NVFLUSH_A_POLICY_MAX);
  CHECK(a.genl.cmd == NVFLUSH_CMD_POLICY_GET);
  CHECK((a.header.nlmsg_flags & NLM_F_DUMP) == NLM_F_DUMP);
  CHECK(attr_count(a) == 0);

  const auto one = nvflush::encode_policy_dump(kFamily, "d1");
  REQUIRE(one.ok());
  const Decoded o = decode_request(one->get(), NVFLUSH_A_POLICY_MAX);
  CHECK(attr_count(o) == 1);
  CHECK(string_attr(o, NVFLUSH_A_POLICY_DEV_NAME) == "d1");
  CHECK_FALSE(nvflush::encode_policy_dump(kFamily, "a/b").ok());
}
