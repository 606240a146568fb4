// SPDX-License-Identifier: GPL-2.0-only
//
// Byte sizes: parsing what an operator types and printing IEC units.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "result.hpp"

namespace nvflush {

// Parses a size in bytes. Grammar:
//
//   size   := digits [ "." digits ] [ " "* unit ]
//   unit   := "B" | prefix | prefix "iB"          (case-insensitive)
//   prefix := "K" | "M" | "G" | "T" | "P" | "E"   (powers of 1024)
//
// so "4096", "4k", "4K", "4KiB", "512M", "1G" and "1.5G" are accepted. All
// units are binary; "KB"-style SI spellings are rejected as ambiguous. A
// fraction is allowed as long as the result is a whole number of bytes
// ("1.5K" is 1536, "0.1K" is an error). Signs, empty input, other
// characters and values above 2^64 - 1 fail with EINVAL or ERANGE; the
// error's detail says why.
Result<std::uint64_t> parse_size(std::string_view text);

// Parses a rate in bytes per second, as `dev set --destage-rate` takes it:
// a size as parse_size() reads it ("1048576", "512K", "64M", "64MiB", "1G"),
// optionally followed by "/s" ("64M/s", "64 MiB/s"), or "unlimited" or
// "none" (case-insensitive), which mean no cap and read as 0, as does "0".
// Errors are those of parse_size() with what "invalid rate '<text>'".
Result<std::uint64_t> parse_rate(std::string_view text);

// Formats a byte count exactly, in the largest IEC unit that holds it a
// whole number of times: "0 B", "1000 B", "1536 KiB", "512 MiB".
// parse_size() reads every result back.
std::string format_iec_exact(std::uint64_t bytes);

// Formats a rate in bytes per second exactly, as format_iec_exact() does,
// with "/s": "64 MiB/s", "1536 KiB/s", "1000 B/s"; 0 (no cap) is "none".
// parse_rate() reads every result back.
std::string format_rate(std::uint64_t bytes_per_second);

// Parses a whole percentage: digits, optionally followed by "%" ("50",
// "50%"). The range is the caller's to check. Anything else fails with
// EINVAL, a value above 2^32 - 1 with ERANGE; what is
// "invalid percentage '<text>'".
Result<std::uint32_t> parse_percent(std::string_view text);

// Formats a byte count in IEC units with one decimal: "0 B", "1023 B",
// "4.0 KiB", "1.5 MiB", "16.0 EiB". Values are rounded half up to the
// nearest tenth and move to the next unit when they round to 1024.
std::string format_iec(std::uint64_t bytes);

// Formats a duration given in microseconds as milliseconds with one
// decimal, rounded half up: "0.0 ms", "1.2 ms", "4567.9 ms".
std::string format_usec_as_ms(std::uint64_t usec);

}  // namespace nvflush
