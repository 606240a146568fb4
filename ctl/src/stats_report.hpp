// SPDX-License-Identifier: GPL-2.0-only
//
// Groups the flat STATS_GET records by device, adds per-device totals and
// cgroup paths: the model both the JSON and the table output render.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "counters.hpp"
#include "latency.hpp"
#include "messages.hpp"

namespace nvflush {

struct CgroupStats {
  std::uint64_t id = 0;
  std::optional<std::string> path;  // nullopt: no such cgroup directory
  Counters counters;
  Latency latency{};

  friend bool operator==(const CgroupStats&, const CgroupStats&) = default;
};

struct DeviceStats {
  std::string name;
  std::string disk;                  // "nvflushN"
  Counters totals;                   // over all of the device's cgroups
  Latency latency{};                 // the same, for the histograms
  std::vector<CgroupStats> cgroups;  // sorted by id

  friend bool operator==(const DeviceStats&, const DeviceStats&) = default;
};

using CgroupPathLookup = std::function<std::optional<std::string>(std::uint64_t id)>;

// One entry per device of `devices`, sorted by name, including devices
// without records. Records of devices not in `devices` (created after they
// were listed) are dropped; a repeated (device, cgroup) record replaces the
// earlier one. With `only_cgroup`, just that cgroup's row is kept; the
// totals still cover every cgroup.
std::vector<DeviceStats> build_stats_report(const std::vector<DevInfo>& devices,
                                            const std::vector<StatsRecord>& records,
                                            const CgroupPathLookup& path_of,
                                            std::optional<std::uint64_t> only_cgroup = {});

}  // namespace nvflush
