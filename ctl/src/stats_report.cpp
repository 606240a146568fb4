// SPDX-License-Identifier: GPL-2.0-only
#include "stats_report.hpp"

#include <algorithm>
#include <map>

namespace nvflush {

std::vector<DeviceStats> build_stats_report(const std::vector<DevInfo>& devices,
                                            const std::vector<StatsRecord>& records,
                                            const CgroupPathLookup& path_of,
                                            std::optional<std::uint64_t> only_cgroup) {
  // device name -> cgroup id -> record; std::map keeps ids sorted.
  std::map<std::string, std::map<std::uint64_t, const StatsRecord*>> by_device;
  for (const auto& dev : devices) {
    by_device[dev.name];
  }
  for (const auto& record : records) {
    if (auto dev = by_device.find(record.dev_name); dev != by_device.end()) {
      dev->second[record.cgroup_id] = &record;
    }
  }

  std::vector<DeviceStats> report;
  report.reserve(devices.size());
  for (const auto& dev : devices) {
    DeviceStats stats{
        .name = dev.name, .disk = dev.disk_name, .totals = {}, .latency = {}, .cgroups = {}};
    for (const auto& [id, record] : by_device.at(dev.name)) {
      stats.totals += record->counters;
      stats.latency += record->latency;
      if (!only_cgroup || *only_cgroup == id) {
        stats.cgroups.push_back(CgroupStats{.id = id,
                                            .path = path_of(id),
                                            .counters = record->counters,
                                            .latency = record->latency});
      }
    }
    report.push_back(std::move(stats));
  }
  std::sort(report.begin(), report.end(),
            [](const DeviceStats& a, const DeviceStats& b) { return a.name < b.name; });
  // A device listed twice would otherwise be reported twice.
  report.erase(
      std::unique(report.begin(), report.end(),
                  [](const DeviceStats& a, const DeviceStats& b) { return a.name == b.name; }),
      report.end());
  return report;
}

}  // namespace nvflush
