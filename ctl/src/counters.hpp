// SPDX-License-Identifier: GPL-2.0-only
//
// The per-(device, cgroup) I/O counters of STATS_GET, and the one table that
// ties each counter to its netlink attribute, JSON key and table column.
// Decoding, JSON output and the human table all iterate kCounterFields, so
// a new counter is added here and nowhere else.
#pragma once

#include <linux/nvflush.h>

#include <array>
#include <cstdint>
#include <string_view>

namespace nvflush {

struct Counters {
  std::uint64_t write_bios = 0;
  std::uint64_t write_bytes = 0;
  std::uint64_t sync_writes = 0;
  std::uint64_t flushes = 0;
  std::uint64_t fua_writes = 0;
  std::uint64_t read_bios = 0;
  std::uint64_t read_bytes = 0;
  std::uint64_t discard_bios = 0;
  std::uint64_t discard_bytes = 0;

  Counters& operator+=(const Counters& other);
  friend bool operator==(const Counters&, const Counters&) = default;
};

struct CounterField {
  int attr;                 // NVFLUSH_A_STATS_* attribute carrying it
  std::string_view key;     // JSON key
  std::string_view column;  // human table header; empty: not shown
  bool bytes;               // a byte count, shown in IEC units
  std::uint64_t Counters::*member;
};

inline constexpr std::array kCounterFields{
    CounterField{NVFLUSH_A_STATS_WRITE_BIOS, "write_bios", "WRITES", false, &Counters::write_bios},
    CounterField{NVFLUSH_A_STATS_WRITE_BYTES, "write_bytes", "WRITTEN", true,
                 &Counters::write_bytes},
    CounterField{NVFLUSH_A_STATS_SYNC_WRITES, "sync_writes", "SYNC", false, &Counters::sync_writes},
    CounterField{NVFLUSH_A_STATS_FLUSHES, "flushes", "FLUSH", false, &Counters::flushes},
    CounterField{NVFLUSH_A_STATS_FUA_WRITES, "fua_writes", "FUA", false, &Counters::fua_writes},
    CounterField{NVFLUSH_A_STATS_READ_BIOS, "read_bios", "READS", false, &Counters::read_bios},
    CounterField{NVFLUSH_A_STATS_READ_BYTES, "read_bytes", "READ", true, &Counters::read_bytes},
    CounterField{NVFLUSH_A_STATS_DISCARD_BIOS, "discard_bios", "", false, &Counters::discard_bios},
    CounterField{NVFLUSH_A_STATS_DISCARD_BYTES, "discard_bytes", "DISCARD", true,
                 &Counters::discard_bytes},
};

// Every counter attribute of the UAPI has a row, and every Counters member
// is reachable through one.
static_assert(kCounterFields.size() ==
              NVFLUSH_A_STATS_DISCARD_BYTES - NVFLUSH_A_STATS_WRITE_BIOS + 1);
static_assert(sizeof(Counters) == kCounterFields.size() * sizeof(std::uint64_t));

}  // namespace nvflush
