// SPDX-License-Identifier: GPL-2.0-only
#include "settings.hpp"

#include <catch2/catch.hpp>

#include <filesystem>
#include <string>

using nvflush::DevMode;
using nvflush::OnFull;
using nvflush::RootSync;

namespace {

// The usage message of a value that must not parse.
template <typename T>
std::string problem(const nvflush::Result<T>& parsed) {
  REQUIRE_FALSE(parsed.ok());
  CHECK(parsed.error().code == 0);
  return nvflush::usage_message(parsed.error());
}

}  // namespace

TEST_CASE("settings read the enum names") {
  CHECK(*nvflush::parse_mode_setting("sync-only") == DevMode::kSyncOnly);
  CHECK(*nvflush::parse_root_sync_setting("follow") == RootSync::kFollow);
  CHECK(*nvflush::parse_on_full_setting("bypass") == OnFull::kBypass);
  CHECK(problem(nvflush::parse_mode_setting("Absorb")) ==
        "mode must be 'absorb', 'sync-only' or 'bypass', not 'Absorb'");
  CHECK(problem(nvflush::parse_root_sync_setting("")) ==
        "root-sync must be 'absorb' or 'follow', not ''");
  CHECK(problem(nvflush::parse_on_full_setting("wait")) ==
        "on-full must be 'throttle' or 'bypass', not 'wait'");
}

TEST_CASE("settings read numbers in their ranges") {
  CHECK(*nvflush::parse_high_watermark("100%") == 100);
  CHECK(*nvflush::parse_low_watermark("0") == 0);
  CHECK(*nvflush::parse_percent_setting("7", 5, 9) == 7);
  CHECK(problem(nvflush::parse_high_watermark("0")) ==
        "must be a whole percentage from 1 to 100, not '0'");
  CHECK(problem(nvflush::parse_low_watermark("99.5")) ==
        "must be a whole percentage from 0 to 99, not '99.5'");
  CHECK(*nvflush::parse_weight("1000") == 1000);
  CHECK(problem(nvflush::parse_weight("+5")) == "must be a whole number from 1 to 1000, not '+5'");
  CHECK(*nvflush::parse_cgroup_id("18446744073709551615") == 18446744073709551615ULL);
  CHECK(problem(nvflush::parse_cgroup_id("18446744073709551616")) ==
        "must be a cgroup id (a whole number), not '18446744073709551616'");
  CHECK(*nvflush::parse_seconds("0") == 0.0);
  CHECK(*nvflush::parse_seconds("0.25") == 0.25);
  CHECK(problem(nvflush::parse_seconds("nan")) ==
        "must be a number of seconds, 0 or more, not 'nan'");
  CHECK(*nvflush::parse_interval("86400") == 86400.0);
  CHECK(*nvflush::parse_interval("0.1") == 0.1);
  CHECK(problem(nvflush::parse_interval("0")) ==
        "must be a number of seconds above 0, at most 86400, not '0'");
}

TEST_CASE("device paths are made absolute, not resolved") {
  CHECK(nvflush::absolute_device_path("/dev/disk/by-id/x/../y") == "/dev/disk/by-id/y");
  CHECK(nvflush::absolute_device_path("pmem0") ==
        (std::filesystem::current_path() / "pmem0").string());
}
