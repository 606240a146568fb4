// SPDX-License-Identifier: GPL-2.0-only
//
// The values of device and policy settings as an operator types them, on
// the command line or in an `apply` file, so that both read them alike.
// Sizes and rates are read by units.hpp. The errors here carry no errno:
// their to_string() is the message of the usage error, e.g. "mode must be
// 'absorb', 'sync-only' or 'bypass', not 'fast'".
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "messages.hpp"
#include "result.hpp"

namespace nvflush {

// "absorb", "sync-only" or "bypass" (parse_mode()).
Result<DevMode> parse_mode_setting(std::string_view text);
// "absorb" or "follow" (parse_root_sync()).
Result<RootSync> parse_root_sync_setting(std::string_view text);
// "throttle" or "bypass" (parse_on_full()).
Result<OnFull> parse_on_full_setting(std::string_view text);

// A whole percentage from `min` to `max`, "%" allowed: "50", "50%".
Result<std::uint32_t> parse_percent_setting(std::string_view text, std::uint32_t min,
                                            std::uint32_t max);
// A high watermark (kHighWatermarkMin to kHighWatermarkMax) and a low one
// (0 to kLowWatermarkMax), as parse_percent_setting() reads them.
Result<std::uint32_t> parse_high_watermark(std::string_view text);
Result<std::uint32_t> parse_low_watermark(std::string_view text);

// A destage weight: a whole number from kWeightMin to kWeightMax.
Result<std::uint32_t> parse_weight(std::string_view text);

// A cgroup id: digits only, up to 2^64 - 1.
Result<std::uint64_t> parse_cgroup_id(std::string_view text);

// A finite number of seconds, 0 or more, fractions allowed: "30", "0.5".
Result<double> parse_seconds(std::string_view text);
// The same, but above 0 and at most a day (86400): the pause between two
// refreshes.
Result<double> parse_interval(std::string_view text);

// A device path made absolute against the working directory and lexically
// normalized, symbolic links (/dev/disk/by-id/*) kept: the kernel stores
// the paths it is given as they are, and compares nothing.
std::string absolute_device_path(const std::string& path);

}  // namespace nvflush
