// SPDX-License-Identifier: GPL-2.0-only
#include "latency.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <numeric>

namespace nvflush {

namespace {

constexpr std::size_t kLastBucket = NVFLUSH_LAT_BUCKETS - 1;
constexpr double kUsecPerMsec = 1e3;
constexpr double kUsecPerSec = 1e6;

std::string format_usec(std::uint64_t usec) {
  if (usec < 1000) {
    return fmt::format("{}us", usec);
  }
  const auto value = static_cast<double>(usec);
  if (usec < 1'000'000) {
    return fmt::format("{:.1f}ms", value / kUsecPerMsec);
  }
  return fmt::format("{:.1f}s", value / kUsecPerSec);
}

}  // namespace

Latency& Latency::operator+=(const Latency& other) {
  for (std::size_t i = 0; i < write.size(); ++i) {
    write.at(i) += other.write.at(i);
    flush.at(i) += other.flush.at(i);
  }
  return *this;
}

std::uint64_t completions(const Histogram& histogram) {
  return std::accumulate(histogram.begin(), histogram.end(), std::uint64_t{0});
}

std::optional<std::uint64_t> bucket_upper_usec(std::size_t bucket) {
  if (bucket >= kLastBucket) {
    return std::nullopt;
  }
  return std::uint64_t{1} << bucket;
}

std::optional<std::size_t> quantile_bucket(const Histogram& histogram, double quantile) {
  const std::uint64_t total = completions(histogram);
  if (total == 0) {
    return std::nullopt;
  }
  // The rank of the completion at the quantile, 1-based, at least 1.
  const auto rank = std::max<std::uint64_t>(
      1, static_cast<std::uint64_t>(std::ceil(quantile * static_cast<double>(total))));
  std::uint64_t seen = 0;
  for (std::size_t bucket = 0; bucket < kLastBucket; ++bucket) {
    seen += histogram.at(bucket);
    if (seen >= rank) {
      return bucket;
    }
  }
  return kLastBucket;
}

std::string format_quantile(const Histogram& histogram, double quantile) {
  const auto bucket = quantile_bucket(histogram, quantile);
  if (!bucket) {
    return "-";
  }
  if (const auto upper = bucket_upper_usec(*bucket)) {
    return "<" + format_usec(*upper);
  }
  return ">=" + format_usec(std::uint64_t{1} << (kLastBucket - 1));
}

}  // namespace nvflush
