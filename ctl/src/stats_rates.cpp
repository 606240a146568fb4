// SPDX-License-Identifier: GPL-2.0-only
#include "stats_rates.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>

#include "counter_kind.hpp"

namespace nvflush {

namespace {

// `growth` per `seconds`, rounded half up; saturated at 2^64 - 1.
std::uint64_t per_second(std::uint64_t growth, double seconds) {
  if (seconds <= 0) {
    return 0;
  }
  const double rate = std::floor(static_cast<double>(growth) / seconds + 0.5);
  // 2^64 as a double: the first value that does not fit.
  constexpr double kLimit = 18446744073709551616.0;
  return rate >= kLimit ? std::numeric_limits<std::uint64_t>::max()
                        : static_cast<std::uint64_t>(rate);
}

Counters rates(const Counters* before, const Counters& after, double seconds) {
  Counters out = after;
  for (const auto& field : kCounterFields) {
    if (is_level(field)) {
      continue;
    }
    const std::uint64_t now = after.*field.member;
    const std::uint64_t then = before != nullptr ? before->*field.member : 0;
    out.*field.member = per_second(now >= then ? now - then : now, seconds);
  }
  return out;
}

template <typename T, typename Key>
const T* find_by(const std::vector<T>& items, const Key& key, Key T::*member) {
  const auto found =
      std::find_if(items.begin(), items.end(), [&](const T& item) { return item.*member == key; });
  return found == items.end() ? nullptr : &*found;
}

}  // namespace

std::vector<DeviceStats> stats_rates(const std::vector<DeviceStats>& before,
                                     const std::vector<DeviceStats>& after, double seconds) {
  std::vector<DeviceStats> out = after;
  for (auto& dev : out) {
    const DeviceStats* earlier = find_by(before, dev.name, &DeviceStats::name);
    dev.totals = rates(earlier != nullptr ? &earlier->totals : nullptr, dev.totals, seconds);
    for (auto& cgroup : dev.cgroups) {
      const CgroupStats* then =
          earlier != nullptr ? find_by(earlier->cgroups, cgroup.id, &CgroupStats::id) : nullptr;
      cgroup.counters =
          rates(then != nullptr ? &then->counters : nullptr, cgroup.counters, seconds);
    }
  }
  return out;
}

}  // namespace nvflush
