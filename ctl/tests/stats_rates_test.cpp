// SPDX-License-Identifier: GPL-2.0-only
#include "stats_rates.hpp"

#include <catch2/catch.hpp>

#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <vector>

using nvflush::CgroupStats;
using nvflush::Counters;
using nvflush::DeviceStats;

namespace {

constexpr std::uint64_t kMax = std::numeric_limits<std::uint64_t>::max();

CgroupStats cgroup(std::uint64_t id, const Counters& counters) {
  CgroupStats stats;
  stats.id = id;
  stats.path = id == 1 ? std::optional<std::string>{"/"} : std::nullopt;
  stats.counters = counters;
  return stats;
}

DeviceStats device(const std::string& name, const std::vector<CgroupStats>& cgroups) {
  DeviceStats stats;
  stats.name = name;
  stats.disk = "nvflush0";
  stats.cgroups = cgroups;
  for (const auto& entry : cgroups) {
    stats.totals += entry.counters;
  }
  return stats;
}

}  // namespace

TEST_CASE("stats_rates divides the growth of counts by the time between samples") {
  const std::vector<DeviceStats> before{
      device("d0", {cgroup(1, {.write_bios = 10, .write_bytes = 4096, .dirty_bytes = 8192}),
                    cgroup(7, {.read_bytes = 1000})})};
  const std::vector<DeviceStats> after{
      device("d0", {cgroup(1, {.write_bios = 30, .write_bytes = 4096 + 8192, .dirty_bytes = 4096}),
                    cgroup(7, {.read_bytes = 1003}), cgroup(9, {.destaged_bytes = 4000})})};

  const auto rates = nvflush::stats_rates(before, after, 2.0);
  REQUIRE(rates.size() == 1);
  const DeviceStats& d0 = rates[0];
  CHECK(d0.name == "d0");
  CHECK(d0.disk == "nvflush0");
  REQUIRE(d0.cgroups.size() == 3);
  CHECK(d0.cgroups[0].id == 1);
  CHECK(d0.cgroups[0].path == "/");
  // Counts per second; the level as it is now.
  CHECK(d0.cgroups[0].counters ==
        Counters{.write_bios = 10, .write_bytes = 4096, .dirty_bytes = 4096});
  // 1.5 per second rounds up.
  CHECK(d0.cgroups[1].counters == Counters{.read_bytes = 2});
  // A new cgroup counts from 0.
  CHECK(d0.cgroups[2].counters == Counters{.destaged_bytes = 2000});
  CHECK(d0.totals == Counters{.write_bios = 10,
                              .write_bytes = 4096,
                              .read_bytes = 2,
                              .dirty_bytes = 4096,
                              .destaged_bytes = 2000});
}

TEST_CASE("stats_rates of new devices, counters that went down and odd intervals") {
  const std::vector<DeviceStats> before{device("d0", {cgroup(1, {.write_bytes = 1'000'000})})};
  const std::vector<DeviceStats> after{device("d0", {cgroup(1, {.write_bytes = 500})}),
                                       device("d1", {cgroup(1, {.read_bios = 5})})};

  // A count that went down started again from 0: the device is new.
  const auto rates = nvflush::stats_rates(before, after, 0.5);
  REQUIRE(rates.size() == 2);
  CHECK(rates[0].cgroups[0].counters.write_bytes == 1000);
  CHECK(rates[1].cgroups[0].counters.read_bios == 10);
  CHECK(rates[1].totals.read_bios == 10);

  // No time passed: no rates, levels still shown.
  const std::vector<DeviceStats> dirty{
      device("d0", {cgroup(1, {.write_bios = 9, .dirty_bytes = 7})})};
  const auto none = nvflush::stats_rates({}, dirty, 0.0);
  CHECK(none[0].cgroups[0].counters == Counters{.dirty_bytes = 7});
  CHECK(nvflush::stats_rates({}, dirty, -1.0)[0].totals == Counters{.dirty_bytes = 7});

  // Saturates instead of overflowing.
  const std::vector<DeviceStats> huge{device("d0", {cgroup(1, {.write_bytes = kMax})})};
  CHECK(nvflush::stats_rates({}, huge, 0.001)[0].cgroups[0].counters.write_bytes == kMax);
  CHECK(nvflush::stats_rates({}, {}, 1.0).empty());
}
