// SPDX-License-Identifier: GPL-2.0-only
#include "latency.hpp"

#include <catch2/catch.hpp>

#include <cstdint>

using nvflush::Histogram;

TEST_CASE("latency buckets: bounds follow the kernel's log2 microsecond buckets") {
  CHECK(nvflush::bucket_upper_usec(0) == 1U);  // under 1 us
  CHECK(nvflush::bucket_upper_usec(1) == 2U);  // [1, 2) us
  CHECK(nvflush::bucket_upper_usec(10) == 1024U);
  CHECK(nvflush::bucket_upper_usec(30) == std::uint64_t{1} << 30U);
  CHECK_FALSE(nvflush::bucket_upper_usec(31).has_value());  // 2^30 us and more
}

TEST_CASE("latency quantiles: the bucket holding the rank") {
  Histogram h{};
  CHECK_FALSE(nvflush::quantile_bucket(h, 0.5).has_value());
  CHECK(nvflush::format_quantile(h, 0.99) == "-");

  h.at(3) = 90;  // [4, 8) us
  h.at(7) = 9;   // [64, 128) us
  h.at(12) = 1;  // [2048, 4096) us
  CHECK(nvflush::completions(h) == 100U);
  CHECK(nvflush::quantile_bucket(h, 0.5) == 3U);
  CHECK(nvflush::quantile_bucket(h, 0.9) == 3U);     // rank 90: the last of bucket 3
  CHECK(nvflush::quantile_bucket(h, 0.91) == 7U);    // rank 91
  CHECK(nvflush::quantile_bucket(h, 0.99) == 7U);    // rank 99
  CHECK(nvflush::quantile_bucket(h, 0.999) == 12U);  // rank 100
  CHECK(nvflush::quantile_bucket(h, 1.0) == 12U);
  CHECK(nvflush::format_quantile(h, 0.5) == "<8us");
  CHECK(nvflush::format_quantile(h, 0.99) == "<128us");
  CHECK(nvflush::format_quantile(h, 1.0) == "<4.1ms");
}

TEST_CASE("latency quantiles: a single completion, and the open last bucket") {
  Histogram h{};
  h.at(0) = 1;
  CHECK(nvflush::quantile_bucket(h, 0.01) == 0U);  // rank is at least 1
  CHECK(nvflush::format_quantile(h, 0.5) == "<1us");
  h = Histogram{};
  h.at(20) = 1;  // [0.52, 1.05) s
  CHECK(nvflush::format_quantile(h, 0.5) == "<1.0s");
  h.at(31) = 1;
  CHECK(nvflush::format_quantile(h, 1.0) == ">=1073.7s");
}

TEST_CASE("latency histograms add up bucket by bucket") {
  nvflush::Latency a;
  nvflush::Latency b;
  a.write.at(1) = 2;
  a.flush.at(5) = 1;
  b.write.at(1) = 3;
  b.write.at(31) = 7;
  b.flush.at(5) = 4;
  a += b;
  CHECK(a.write.at(1) == 5U);
  CHECK(a.write.at(31) == 7U);
  CHECK(a.flush.at(5) == 5U);
  CHECK(nvflush::completions(a.write) == 12U);
}
