// SPDX-License-Identifier: GPL-2.0-only
#include "units.hpp"

#include <catch2/catch.hpp>

#include <cerrno>
#include <cstdint>
#include <limits>
#include <string>

using nvflush::format_iec;
using nvflush::parse_size;

namespace {

constexpr std::uint64_t kKiB = 1024;
constexpr std::uint64_t kMiB = kKiB * 1024;
constexpr std::uint64_t kGiB = kMiB * 1024;
constexpr std::uint64_t kEiB = kGiB * 1024 * 1024 * 1024;

}  // namespace

TEST_CASE("parse_size accepts bytes and binary units") {
  const auto [text, expected] = GENERATE(table<std::string, std::uint64_t>({
      {"0", 0},
      {"4096", 4096},
      {"4k", 4 * kKiB},
      {"4K", 4 * kKiB},
      {"4KiB", 4 * kKiB},
      {"4kib", 4 * kKiB},
      {"4 KiB", 4 * kKiB},
      {"512M", 512 * kMiB},
      {"512MiB", 512 * kMiB},
      {"1G", kGiB},
      {"1.5G", kGiB + kGiB / 2},
      {"0.5K", 512},
      {"1.25K", 1280},
      {"1.0K", 1024},
      {"2.000", 2},
      {"100B", 100},
      {"100b", 100},
      {"3T", 3 * kGiB * 1024},
      {"15E", 15 * kEiB},
      {"18446744073709551615", std::numeric_limits<std::uint64_t>::max()},
  }));
  INFO(text);
  const auto parsed = parse_size(text);
  REQUIRE(parsed.ok());
  CHECK(*parsed == expected);
}

TEST_CASE("parse_size rejects garbage, negatives and fractional bytes") {
  const std::string text = GENERATE(as<std::string>{}, "", " 4", "-1", "-4K", "+4", "abc", "4X",
                                    "4KB", "4MB", "4 K B", "4K ", "K", ".5K", "1.", "1.5", "1.1K",
                                    "4Ki", "0x10", "1e3", "1,5G", "1.00000000000000000001K");
  INFO("'" << text << "'");
  const auto parsed = parse_size(text);
  REQUIRE_FALSE(parsed.ok());
  CHECK(parsed.error().code == EINVAL);
  CHECK(parsed.error().what == "invalid size '" + text + "'");
}

TEST_CASE("parse_size rejects values above 64 bits") {
  const std::string text = GENERATE(as<std::string>{}, "18446744073709551616", "16E", "16384P",
                                    "99999999999999999999999", "15.99999999999999999E");
  INFO(text);
  const auto parsed = parse_size(text);
  REQUIRE_FALSE(parsed.ok());
  CHECK((parsed.error().code == ERANGE || parsed.error().code == EINVAL));
}

TEST_CASE("parse_size overflow is ERANGE") {
  CHECK(parse_size("16E").error().code == ERANGE);
  CHECK(parse_size("18446744073709551616").error().code == ERANGE);
  CHECK(parse_size("15.9375E").ok());  // 2^64 - 2^56
  CHECK(parse_size("16.5E").error().code == ERANGE);
}

TEST_CASE("format_iec uses one decimal and IEC units") {
  const auto [bytes, expected] = GENERATE(table<std::uint64_t, std::string>({
      {0, "0 B"},
      {1, "1 B"},
      {1023, "1023 B"},
      {1024, "1.0 KiB"},
      {4096, "4.0 KiB"},
      {1536, "1.5 KiB"},
      {1075, "1.0 KiB"},  // 1.0498 rounds down
      {1076, "1.1 KiB"},  // 1.0508 rounds up
      {kMiB + kMiB / 2, "1.5 MiB"},
      {kMiB - 1, "1.0 MiB"},  // 1023.999 KiB rounds to the next unit
      {kGiB, "1.0 GiB"},
      {512 * kGiB, "512.0 GiB"},
      {kEiB, "1.0 EiB"},
      {std::numeric_limits<std::uint64_t>::max(), "16.0 EiB"},
  }));
  INFO(bytes);
  CHECK(format_iec(bytes) == expected);
}

TEST_CASE("format_iec output parses back to the same rounded size") {
  for (const std::uint64_t bytes : {kKiB, 3 * kMiB / 2, 7 * kGiB}) {
    const auto parsed = parse_size(format_iec(bytes));
    REQUIRE(parsed.ok());
    CHECK(*parsed == bytes);
  }
}

TEST_CASE("format_usec_as_ms uses one decimal, rounded half up") {
  const auto [usec, expected] = GENERATE(table<std::uint64_t, std::string>({
      {0, "0.0 ms"},
      {49, "0.0 ms"},
      {50, "0.1 ms"},
      {1234, "1.2 ms"},
      {1250, "1.3 ms"},
      {999'950, "1000.0 ms"},
      {std::numeric_limits<std::uint64_t>::max(), "18446744073709551.6 ms"},
  }));
  INFO(usec);
  CHECK(nvflush::format_usec_as_ms(usec) == expected);
}

TEST_CASE("parse_rate accepts bytes per second, binary units and no cap") {
  const auto [text, expected] = GENERATE(table<std::string, std::uint64_t>({
      {"0", 0},
      {"unlimited", 0},
      {"Unlimited", 0},
      {"none", 0},
      {"0K", 0},
      {"1", 1},
      {"1048576", kMiB},
      {"512K", 512 * kKiB},
      {"512k", 512 * kKiB},
      {"64M", 64 * kMiB},
      {"64MiB", 64 * kMiB},
      {"64 MiB", 64 * kMiB},
      {"64M/s", 64 * kMiB},
      {"64 MiB/s", 64 * kMiB},
      {"64MiB/S", 64 * kMiB},
      {"1000000/s", 1'000'000},
      {"100B/s", 100},
      {"1G", kGiB},
      {"1GiB", kGiB},
      {"1.5G", kGiB + kGiB / 2},
      {"2T", 2 * kGiB * 1024},
      {"2TiB", 2 * kGiB * 1024},
      {"18446744073709551615", std::numeric_limits<std::uint64_t>::max()},
  }));
  INFO(text);
  const auto parsed = nvflush::parse_rate(text);
  REQUIRE(parsed.ok());
  CHECK(*parsed == expected);
}

TEST_CASE("parse_rate rejects negatives, junk and unknown units") {
  const std::string text =
      GENERATE(as<std::string>{}, "", " ", "-1", "-64M", "+64M", "abc", "fast", "unlimitedx",
               "no cap", "64X", "64MB", "64mb", "64Mi", "64 M B", "64M/", "64M/h", "64M/s/s", "/s",
               "M", "0x40", "1e6", "64,5M", "1.5", "0.1K", " 64M", "64M ");
  INFO("'" << text << "'");
  const auto parsed = nvflush::parse_rate(text);
  REQUIRE_FALSE(parsed.ok());
  CHECK(parsed.error().code == EINVAL);
  CHECK(parsed.error().what == "invalid rate '" + text + "'");
  CHECK_FALSE(parsed.error().detail.empty());
}

TEST_CASE("parse_rate errors say what to type") {
  CHECK(nvflush::parse_rate("fast").error().to_string() ==
        "invalid rate 'fast': Invalid argument: expected bytes per second such as 1048576, "
        "512K, 64M or 1G, or 'unlimited'");
  CHECK(nvflush::parse_rate("64X").error().to_string() ==
        "invalid rate '64X': Invalid argument: unknown unit 'X'; use B, K, M, G, T, P, E or "
        "KiB, MiB, ...");
  CHECK(nvflush::parse_rate("-1").error().to_string() ==
        "invalid rate '-1': Invalid argument: a rate cannot be negative; 0 or 'unlimited' means "
        "no cap");
  CHECK(nvflush::parse_rate("16E").error().to_string() ==
        "invalid rate '16E': Numerical result out of range: more than 2^64 - 1 bytes");
}

TEST_CASE("parse_rate rejects rates above 64 bits") {
  const std::string text = GENERATE(as<std::string>{}, "18446744073709551616", "16E", "16E/s",
                                    "99999999999999999999K", "17179869184G");
  INFO(text);
  const auto parsed = nvflush::parse_rate(text);
  REQUIRE_FALSE(parsed.ok());
  CHECK(parsed.error().code == ERANGE);
  CHECK(parsed.error().what == "invalid rate '" + text + "'");
}

TEST_CASE("format_rate is exact and parses back") {
  const auto [rate, expected] = GENERATE(table<std::uint64_t, std::string>({
      {0, "none"},
      {1, "1 B/s"},
      {1023, "1023 B/s"},
      {1000, "1000 B/s"},
      {1'000'000, "1000000 B/s"},
      {kKiB, "1 KiB/s"},
      {512 * kKiB, "512 KiB/s"},
      {kMiB + kKiB, "1025 KiB/s"},
      {64 * kMiB, "64 MiB/s"},
      {kGiB + kGiB / 2, "1536 MiB/s"},
      {kGiB, "1 GiB/s"},
      {kEiB, "1 EiB/s"},
      {std::numeric_limits<std::uint64_t>::max(), "18446744073709551615 B/s"},
  }));
  INFO(rate);
  CHECK(nvflush::format_rate(rate) == expected);
  const auto parsed = nvflush::parse_rate(expected);
  REQUIRE(parsed.ok());
  CHECK(*parsed == rate);
}

TEST_CASE("parse_percent takes whole numbers, '%' allowed") {
  const auto [text, expected] = GENERATE(table<std::string, std::uint32_t>({
      {"0", 0},
      {"50", 50},
      {"50%", 50},
      {"100", 100},
      {"007", 7},
      {"4294967295", 4'294'967'295U},
  }));
  INFO(text);
  const auto parsed = nvflush::parse_percent(text);
  REQUIRE(parsed.ok());
  CHECK(*parsed == expected);
}

TEST_CASE("parse_percent rejects the rest") {
  const std::string text = GENERATE(as<std::string>{}, "", "%", "-1", "+5", "5.5", "50 %", " 50",
                                    "50%%", "half", "0x10", "5e1");
  INFO("'" << text << "'");
  const auto parsed = nvflush::parse_percent(text);
  REQUIRE_FALSE(parsed.ok());
  CHECK(parsed.error().code == EINVAL);
  CHECK(parsed.error().what == "invalid percentage '" + text + "'");
  CHECK(nvflush::parse_percent("4294967296").error().code == ERANGE);
  CHECK(nvflush::parse_percent("99999999999999999999999").error().code == ERANGE);
}

TEST_CASE("format_iec_exact uses the largest unit that holds the count whole") {
  const auto [bytes, expected] = GENERATE(table<std::uint64_t, std::string>({
      {0, "0 B"},
      {1000, "1000 B"},
      {1024, "1 KiB"},
      {1536, "1536 B"},
      {3 * kKiB / 2 * 1024, "1536 KiB"},
      {512 * kMiB, "512 MiB"},
      {kGiB, "1 GiB"},
      {std::numeric_limits<std::uint64_t>::max(), "18446744073709551615 B"},
      {15 * kEiB, "15 EiB"},
  }));
  CHECK(nvflush::format_iec_exact(bytes) == expected);
  CHECK(*parse_size(expected) == bytes);
}
