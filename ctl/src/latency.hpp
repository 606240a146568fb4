// SPDX-License-Identifier: GPL-2.0-only
//
// Completion latency histograms of STATS_GET (write-latency, flush-latency):
// NVFLUSH_LAT_BUCKETS log2 microsecond buckets. Bucket 0 counts completions
// under 1 us, bucket i (1..30) those of [2^(i-1), 2^i) us, the last bucket
// those of 2^30 us or more.
#pragma once

#include <linux/nvflush.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

namespace nvflush {

using Histogram = std::array<std::uint64_t, NVFLUSH_LAT_BUCKETS>;

struct Latency {
  Histogram write{};  // write bios carrying data
  Histogram flush{};  // bios carrying REQ_PREFLUSH

  Latency& operator+=(const Latency& other);
  friend bool operator==(const Latency&, const Latency&) = default;
};

// Completions counted in `histogram`.
std::uint64_t completions(const Histogram& histogram);

// Exclusive upper bound of `bucket` in microseconds; nullopt for the last
// bucket, which has none.
std::optional<std::uint64_t> bucket_upper_usec(std::size_t bucket);

// The bucket that holds the `quantile` (0 < quantile <= 1) of the
// completions; nullopt if the histogram is empty.
std::optional<std::size_t> quantile_bucket(const Histogram& histogram, double quantile);

// A quantile for the table: "<64us", "<2.0ms", "<1.1s", ">=1073.7s" for the
// last bucket, "-" when there were no completions.
std::string format_quantile(const Histogram& histogram, double quantile);

}  // namespace nvflush
