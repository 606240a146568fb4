// SPDX-License-Identifier: GPL-2.0-only
//
// Rates of the stats counters between two samples, as `stats --watch`
// shows them.
#pragma once

#include <vector>

#include "stats_report.hpp"

namespace nvflush {

// The report `after` with each count replaced by its growth per second
// since `before`, taken `seconds` earlier, rounded to the nearest whole
// number; levels (is_level()) keep their value in `after`. A device or
// cgroup that `before` lacks counts from 0, and so does a count that went
// down (the device was created anew in between). `seconds` not above 0
// gives rates of 0.
std::vector<DeviceStats> stats_rates(const std::vector<DeviceStats>& before,
                                     const std::vector<DeviceStats>& after, double seconds);

}  // namespace nvflush
