// SPDX-License-Identifier: GPL-2.0-only
#include "settings.hpp"

#include <fmt/format.h>

#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <system_error>

#include "units.hpp"

namespace nvflush {

namespace {

// A usage problem: no errno, the message as `what`.
Error problem(std::string message) { return Error{0, std::move(message)}; }

// The whole of `text` as an unsigned number, or nullopt.
template <typename T>
std::optional<T> whole_number(std::string_view text) {
  T value = 0;
  const char* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (text.empty() || ec != std::errc{} || ptr != end) {
    return std::nullopt;
  }
  return value;
}

}  // namespace

Result<DevMode> parse_mode_setting(std::string_view text) {
  if (auto mode = parse_mode(text)) {
    return *mode;
  }
  return problem(fmt::format("mode must be 'absorb', 'sync-only' or 'bypass', not '{}'", text));
}

Result<RootSync> parse_root_sync_setting(std::string_view text) {
  if (auto root_sync = parse_root_sync(text)) {
    return *root_sync;
  }
  return problem(fmt::format("root-sync must be 'absorb' or 'follow', not '{}'", text));
}

Result<OnFull> parse_on_full_setting(std::string_view text) {
  if (auto on_full = parse_on_full(text)) {
    return *on_full;
  }
  return problem(fmt::format("on-full must be 'throttle' or 'bypass', not '{}'", text));
}

Result<std::uint32_t> parse_percent_setting(std::string_view text, std::uint32_t min,
                                            std::uint32_t max) {
  auto percent = parse_percent(text);
  if (!percent || *percent < min || *percent > max) {
    return problem(
        fmt::format("must be a whole percentage from {} to {}, not '{}'", min, max, text));
  }
  return *percent;
}

Result<std::uint32_t> parse_high_watermark(std::string_view text) {
  return parse_percent_setting(text, kHighWatermarkMin, kHighWatermarkMax);
}

Result<std::uint32_t> parse_low_watermark(std::string_view text) {
  return parse_percent_setting(text, 0, kLowWatermarkMax);
}

Result<std::uint32_t> parse_weight(std::string_view text) {
  auto weight = whole_number<std::uint32_t>(text);
  if (!weight || *weight < kWeightMin || *weight > kWeightMax) {
    return problem(fmt::format("must be a whole number from {} to {}, not '{}'", kWeightMin,
                               kWeightMax, text));
  }
  return *weight;
}

Result<std::uint64_t> parse_cgroup_id(std::string_view text) {
  if (auto id = whole_number<std::uint64_t>(text)) {
    return *id;
  }
  return problem(fmt::format("must be a cgroup id (a whole number), not '{}'", text));
}

Result<double> parse_seconds(std::string_view text) {
  const std::string copy(text);
  char* end = nullptr;
  errno = 0;
  const double seconds = std::strtod(copy.c_str(), &end);
  const bool whole = !copy.empty() && end == copy.c_str() + copy.size();
  if (!whole || errno != 0 || !std::isfinite(seconds) || seconds < 0) {
    return problem(fmt::format("must be a number of seconds, 0 or more, not '{}'", text));
  }
  return seconds;
}

Result<double> parse_interval(std::string_view text) {
  constexpr double kMaxInterval = 86400;  // a day
  auto seconds = parse_seconds(text);
  if (!seconds || *seconds <= 0 || *seconds > kMaxInterval) {
    return problem(fmt::format("must be a number of seconds above 0, at most {:g}, not '{}'",
                               kMaxInterval, text));
  }
  return *seconds;
}

std::string absolute_device_path(const std::string& path) {
  return std::filesystem::absolute(path).lexically_normal().string();
}

}  // namespace nvflush
