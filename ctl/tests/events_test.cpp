// SPDX-License-Identifier: GPL-2.0-only
#include <catch2/catch.hpp>
#include <linux/nvflush.h>

#include <cstdint>
#include <string>
#include <vector>

#include "event_format.hpp"
#include "messages.hpp"
#include "test_support.hpp"

using nvflush::Event;
using nvflush::test::MessageBuilder;

namespace {

constexpr std::uint16_t kFamily = 0x1d;

nvflush::Bytes bytes_of(const std::vector<std::byte>& message) {
  return {message.data(), message.size()};
}

}  // namespace

TEST_CASE("an EVENT message decodes the attributes it carries") {
  MessageBuilder msg(kFamily);
  msg.genl(NVFLUSH_CMD_EVENT)
      .u32(NVFLUSH_A_EVENT_TYPE, NVFLUSH_EVENT_TYPE_QUOTA_HIT)
      .str(NVFLUSH_A_EVENT_DEV_NAME, "d0")
      .u64(NVFLUSH_A_EVENT_CGROUP_ID, 4242)
      .str(NVFLUSH_A_EVENT_CGROUP_PATH, "/wa")
      .u64(NVFLUSH_A_EVENT_DIRTY_BYTES, 28672)
      .u64(NVFLUSH_A_EVENT_MAX_DIRTY, 32768)
      .u32(NVFLUSH_A_EVENT_ON_FULL, NVFLUSH_ON_FULL_BYPASS);
  const auto message = msg.finish();
  const auto event = nvflush::decode_event(bytes_of(message));
  REQUIRE(event.ok());
  CHECK(*event == Event{.type = NVFLUSH_EVENT_TYPE_QUOTA_HIT,
                        .dev_name = "d0",
                        .cgroup_id = 4242,
                        .cgroup_path = "/wa",
                        .dirty_bytes = 28672,
                        .max_dirty = 32768,
                        .on_full = NVFLUSH_ON_FULL_BYPASS});
  CHECK(nvflush::event_line("05:40:01.123", *event) ==
        "05:40:01.123 d0 quota-hit cgroup /wa (id 4242): 28.0 KiB held, cap 32.0 KiB, "
        "on-full bypass\n");
  CHECK(nvflush::event_json("t", *event).dump() ==
        R"({"time":"t","type":"quota-hit","device":"d0","cgroup_id":4242,"cgroup_path":"/wa",)"
        R"("dirty_bytes":28672,"max_dirty":32768,"on_full":"bypass"})");
}

TEST_CASE("an EVENT message without its type or device is rejected") {
  const int missing =
      GENERATE(static_cast<int>(NVFLUSH_A_EVENT_TYPE), static_cast<int>(NVFLUSH_A_EVENT_DEV_NAME));
  MessageBuilder msg(kFamily);
  msg.genl(NVFLUSH_CMD_EVENT)
      .drop(static_cast<std::uint16_t>(missing))
      .u32(NVFLUSH_A_EVENT_TYPE, NVFLUSH_EVENT_TYPE_DRAINED)
      .str(NVFLUSH_A_EVENT_DEV_NAME, "d0");
  const auto message = msg.finish();
  const auto event = nvflush::decode_event(bytes_of(message));
  REQUIRE_FALSE(event.ok());
  CHECK(event.error().what == "malformed event");
  CHECK_THAT(event.error().detail, Catch::StartsWith("missing attribute"));
}

TEST_CASE("a message of another command is not an event") {
  MessageBuilder msg(kFamily);
  msg.genl(NVFLUSH_CMD_DEV_GET).str(NVFLUSH_A_EVENT_DEV_NAME, "d0");
  const auto message = msg.finish();
  const auto event = nvflush::decode_event(bytes_of(message));
  REQUIRE_FALSE(event.ok());
  CHECK(event.error().detail ==
        "command " + std::to_string(NVFLUSH_CMD_DEV_GET) + " is not an event");
}

TEST_CASE("an EVENT with a wrongly sized attribute is rejected") {
  MessageBuilder msg(kFamily);
  msg.genl(NVFLUSH_CMD_EVENT)
      .u32(NVFLUSH_A_EVENT_TYPE, NVFLUSH_EVENT_TYPE_NVM_FULL)
      .str(NVFLUSH_A_EVENT_DEV_NAME, "d0")
      .u32(NVFLUSH_A_EVENT_DIRTY_BYTES, 7);  // a u64 attribute
  const auto message = msg.finish();
  const auto event = nvflush::decode_event(bytes_of(message));
  REQUIRE_FALSE(event.ok());
  CHECK_THAT(event.error().detail, Catch::Contains("'dirty-bytes'"));
}

TEST_CASE("every event type has its line") {
  const Event degraded{
      .type = NVFLUSH_EVENT_TYPE_DEGRADED, .dev_name = "d1", .reason = "origin write", .error = 5};
  CHECK(nvflush::event_line("T", degraded) ==
        "T d1 degraded origin write failed: Input/output error (errno 5)\n");
  const Event full{
      .type = NVFLUSH_EVENT_TYPE_NVM_FULL, .dev_name = "d1", .dirty_bytes = 31 * 1024 * 1024};
  CHECK(nvflush::event_line("T", full) ==
        "T d1 nvm-full writers wait for NVM slots, 31.0 MiB dirty\n");
  const Event drained{.type = NVFLUSH_EVENT_TYPE_DRAINED, .dev_name = "d0", .dirty_bytes = 0};
  CHECK(nvflush::event_line("T", drained) == "T d0 drained nothing dirty in NVM\n");
  const Event settings{.type = NVFLUSH_EVENT_TYPE_POLICY_CHANGED, .dev_name = "d0"};
  CHECK(nvflush::event_line("T", settings) == "T d0 policy-changed device settings changed\n");
  const Event deleted{.type = NVFLUSH_EVENT_TYPE_POLICY_CHANGED,
                      .dev_name = "d0",
                      .cgroup_id = 7,
                      .cgroup_path = "/wb",
                      .removed = true};
  CHECK(nvflush::event_line("T", deleted) ==
        "T d0 policy-changed policy of cgroup /wb (id 7) deleted\n");
  CHECK(nvflush::event_json("T", deleted)["removed"] == true);
  const Event future{.type = 99, .dev_name = "d0"};
  CHECK(nvflush::event_line("T", future) == "T d0 event-99\n");
}
