// SPDX-License-Identifier: GPL-2.0-only
#include "units.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cerrno>
#include <limits>
#include <optional>

namespace nvflush {

namespace {

constexpr unsigned kUnitShift = 10;  // 1024 = 2^10
constexpr std::array<std::string_view, 7> kIecUnits{"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
// The prefixes of kIecUnits[1..], in lower case.
constexpr std::string_view kPrefixes = "kmgtpe";
// 19 decimal digits always fit in 64 bits.
constexpr std::size_t kMaxFractionDigits = 19;

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// The power of 1024 a unit stands for, nullopt if it is not a unit.
std::optional<unsigned> unit_exponent(std::string_view unit) {
  std::string lower(unit);
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (lower.empty() || lower == "b") {
    return 0U;
  }
  const auto prefix = kPrefixes.find(lower.front());
  if (prefix == std::string_view::npos) {
    return std::nullopt;
  }
  const std::string_view rest = std::string_view(lower).substr(1);
  if (!rest.empty() && rest != "ib") {
    return std::nullopt;
  }
  return static_cast<unsigned>(prefix + 1);
}

bool checked_add(std::uint64_t& value, std::uint64_t addend) {
  return !__builtin_add_overflow(value, addend, &value);
}

bool checked_mul(std::uint64_t& value, std::uint64_t factor) {
  return !__builtin_mul_overflow(value, factor, &value);
}

bool checked_shift_left(std::uint64_t& value, unsigned shift) {
  if (shift >= 64 || value > (std::numeric_limits<std::uint64_t>::max() >> shift)) {
    return value == 0;
  }
  value <<= shift;
  return true;
}

// parse_size() and parse_rate(): `text` is the number and unit, `what` the
// error's context, `expected` what to type instead of something that does
// not start with a digit.
Result<std::uint64_t> parse_bytes(std::string_view text, const std::string& what,
                                  std::string_view expected) {
  auto invalid = [&what](std::string detail) { return Error{EINVAL, what, std::move(detail)}; };
  auto too_large = [&what]() { return Error{ERANGE, what, "more than 2^64 - 1 bytes"}; };

  std::size_t pos = 0;
  std::uint64_t whole = 0;
  while (pos < text.size() && is_digit(text[pos])) {
    if (!checked_mul(whole, 10) || !checked_add(whole, static_cast<unsigned>(text[pos] - '0'))) {
      return too_large();
    }
    ++pos;
  }
  if (pos == 0) {
    return invalid(std::string{expected});
  }

  // The fraction as numerator / 10^digits, trailing zeros dropped.
  std::string_view fraction;
  if (pos < text.size() && text[pos] == '.') {
    const std::size_t start = ++pos;
    while (pos < text.size() && is_digit(text[pos])) {
      ++pos;
    }
    if (pos == start) {
      return invalid("expected digits after the decimal point");
    }
    fraction = text.substr(start, pos - start);
    fraction = fraction.substr(0, fraction.find_last_not_of('0') + 1);
  }

  while (pos < text.size() && text[pos] == ' ') {
    ++pos;
  }
  const auto exponent = unit_exponent(text.substr(pos));
  if (!exponent) {
    return invalid(fmt::format("unknown unit '{}'; use B, K, M, G, T, P, E or KiB, MiB, ...",
                               text.substr(pos)));
  }
  const unsigned shift = *exponent * kUnitShift;

  std::uint64_t bytes = whole;
  if (!checked_shift_left(bytes, shift)) {
    return too_large();
  }
  if (fraction.empty()) {
    return bytes;
  }

  // numerator * 2^shift / 10^digits must be whole. With 10^d = 5^d * 2^d,
  // that needs 5^d to divide the numerator and enough factors of two.
  if (fraction.size() > kMaxFractionDigits) {
    return invalid("too many decimal places");
  }
  std::uint64_t numerator = 0;
  std::uint64_t pow5 = 1;
  for (const char digit : fraction) {
    numerator = numerator * 10 + static_cast<unsigned>(digit - '0');
    pow5 *= 5;
  }
  if (numerator % pow5 != 0) {
    return invalid("not a whole number of bytes");
  }
  std::uint64_t part = numerator / pow5;
  const auto digits = static_cast<unsigned>(fraction.size());
  if (shift >= digits) {
    if (!checked_shift_left(part, shift - digits)) {
      return too_large();
    }
  } else {
    const unsigned right = digits - shift;
    if (right >= 64 || (part & ((std::uint64_t{1} << right) - 1)) != 0) {
      return invalid("not a whole number of bytes");
    }
    part >>= right;
  }
  if (!checked_add(bytes, part)) {
    return too_large();
  }
  return bytes;
}

std::string lower_case(std::string_view text) {
  std::string lower(text);
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return lower;
}

}  // namespace

Result<std::uint64_t> parse_size(std::string_view text) {
  return parse_bytes(text, fmt::format("invalid size '{}'", text),
                     "expected a number of bytes such as 4096, 4K or 1.5G");
}

Result<std::uint64_t> parse_rate(std::string_view text) {
  const std::string lower = lower_case(text);
  if (lower == "unlimited" || lower == "none") {
    return std::uint64_t{0};
  }
  const std::string what = fmt::format("invalid rate '{}'", text);
  if (text.starts_with('-')) {
    return Error{EINVAL, what, "a rate cannot be negative; 0 or 'unlimited' means no cap"};
  }
  std::string_view amount = text;
  if (constexpr std::string_view kPerSecond = "/s";
      lower.size() > kPerSecond.size() && lower.ends_with(kPerSecond)) {
    amount.remove_suffix(kPerSecond.size());
  }
  return parse_bytes(amount, what,
                     "expected bytes per second such as 1048576, 512K, 64M or 1G, or "
                     "'unlimited'");
}

Result<std::uint32_t> parse_percent(std::string_view text) {
  const std::string what = fmt::format("invalid percentage '{}'", text);
  std::string_view digits = text;
  if (digits.ends_with('%')) {
    digits.remove_suffix(1);
  }
  if (digits.empty() || !std::all_of(digits.begin(), digits.end(), is_digit)) {
    return Error{EINVAL, what, "expected a whole number such as 50 or 50%"};
  }
  std::uint64_t value = 0;
  for (const char digit : digits) {
    if (!checked_mul(value, 10) || !checked_add(value, static_cast<unsigned>(digit - '0')) ||
        value > std::numeric_limits<std::uint32_t>::max()) {
      return Error{ERANGE, what};
    }
  }
  return static_cast<std::uint32_t>(value);
}

std::string format_iec(std::uint64_t bytes) {
  constexpr std::uint64_t kStep = std::uint64_t{1} << kUnitShift;
  if (bytes < kStep) {
    return fmt::format("{} {}", bytes, kIecUnits.front());
  }
  std::size_t unit = 1;
  while (unit + 1 < kIecUnits.size() && (bytes >> (kUnitShift * (unit + 1))) != 0) {
    ++unit;
  }
  // Tenths of the unit, rounded half up. The remainder is below 2^60, so
  // ten times it (plus half a unit) fits in 64 bits.
  auto tenths_in = [bytes](std::size_t u) {
    const auto shift = static_cast<unsigned>(kUnitShift * u);
    const std::uint64_t remainder = bytes & ((std::uint64_t{1} << shift) - 1);
    return (bytes >> shift) * 10 + ((remainder * 10 + (std::uint64_t{1} << (shift - 1))) >> shift);
  };
  std::uint64_t tenths = tenths_in(unit);
  if (tenths >= kStep * 10 && unit + 1 < kIecUnits.size()) {
    tenths = tenths_in(++unit);
  }
  return fmt::format("{}.{} {}", tenths / 10, tenths % 10, kIecUnits.at(unit));
}

std::string format_usec_as_ms(std::uint64_t usec) {
  constexpr std::uint64_t kUsecPerTenth = 100;
  // Rounded half up without overflowing near 2^64.
  const std::uint64_t round_up = usec % kUsecPerTenth >= kUsecPerTenth / 2 ? 1 : 0;
  const std::uint64_t tenths = usec / kUsecPerTenth + round_up;
  return fmt::format("{}.{} ms", tenths / 10, tenths % 10);
}

std::string format_iec_exact(std::uint64_t bytes) {
  // The largest unit that holds the count a whole number of times.
  std::size_t unit = 0;
  while (bytes != 0 && unit + 1 < kIecUnits.size() &&
         (bytes & ((std::uint64_t{1} << (kUnitShift * (unit + 1))) - 1)) == 0) {
    ++unit;
  }
  return fmt::format("{} {}", bytes >> (kUnitShift * unit), kIecUnits.at(unit));
}

std::string format_rate(std::uint64_t bytes_per_second) {
  return bytes_per_second == 0 ? "none" : format_iec_exact(bytes_per_second) + "/s";
}

}  // namespace nvflush
