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
  std::uint64_t absorbed_writes = 0;  // write bios absorbed into NVM
  std::uint64_t absorbed_bytes = 0;
  std::uint64_t bypassed_writes = 0;  // write bios sent to the origin
  std::uint64_t bypassed_bytes = 0;
  std::uint64_t write_hits = 0;   // blocks written that were in NVM already
  std::uint64_t read_hits = 0;    // blocks read from NVM
  std::uint64_t read_misses = 0;  // blocks read from the origin
  std::uint64_t dirty_bytes = 0;  // held in NVM now (a level, not a count)
  std::uint64_t destaged_bytes = 0;
  std::uint64_t quota_throttles = 0;      // writes that waited at max-dirty
  std::uint64_t quota_throttle_usec = 0;  // time they waited
  std::uint64_t quota_bypasses = 0;       // writes sent to the origin at max-dirty

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
    CounterField{NVFLUSH_A_STATS_SYNC_WRITES, "sync_writes", "", false, &Counters::sync_writes},
    CounterField{NVFLUSH_A_STATS_FLUSHES, "flushes", "", false, &Counters::flushes},
    CounterField{NVFLUSH_A_STATS_FUA_WRITES, "fua_writes", "", false, &Counters::fua_writes},
    CounterField{NVFLUSH_A_STATS_READ_BIOS, "read_bios", "READS", false, &Counters::read_bios},
    CounterField{NVFLUSH_A_STATS_READ_BYTES, "read_bytes", "READ", true, &Counters::read_bytes},
    CounterField{NVFLUSH_A_STATS_DISCARD_BIOS, "discard_bios", "", false, &Counters::discard_bios},
    CounterField{NVFLUSH_A_STATS_DISCARD_BYTES, "discard_bytes", "", true,
                 &Counters::discard_bytes},
    CounterField{NVFLUSH_A_STATS_ABSORBED_WRITES, "absorbed_writes", "", false,
                 &Counters::absorbed_writes},
    CounterField{NVFLUSH_A_STATS_ABSORBED_BYTES, "absorbed_bytes", "ABSORBED", true,
                 &Counters::absorbed_bytes},
    CounterField{NVFLUSH_A_STATS_BYPASSED_WRITES, "bypassed_writes", "", false,
                 &Counters::bypassed_writes},
    CounterField{NVFLUSH_A_STATS_BYPASSED_BYTES, "bypassed_bytes", "BYPASSED", true,
                 &Counters::bypassed_bytes},
    CounterField{NVFLUSH_A_STATS_WRITE_HITS, "write_hits", "", false, &Counters::write_hits},
    CounterField{NVFLUSH_A_STATS_READ_HITS, "read_hits", "", false, &Counters::read_hits},
    CounterField{NVFLUSH_A_STATS_READ_MISSES, "read_misses", "", false, &Counters::read_misses},
    CounterField{NVFLUSH_A_STATS_DIRTY_BYTES, "dirty_bytes", "DIRTY", true, &Counters::dirty_bytes},
    CounterField{NVFLUSH_A_STATS_DESTAGED_BYTES, "destaged_bytes", "DESTAGED", true,
                 &Counters::destaged_bytes},
    CounterField{NVFLUSH_A_STATS_QUOTA_THROTTLES, "quota_throttles", "", false,
                 &Counters::quota_throttles},
    CounterField{NVFLUSH_A_STATS_QUOTA_THROTTLE_USEC, "quota_throttle_usec", "", false,
                 &Counters::quota_throttle_usec},
    CounterField{NVFLUSH_A_STATS_QUOTA_BYPASSES, "quota_bypasses", "", false,
                 &Counters::quota_bypasses},
};

// Every counter attribute of the UAPI has a row, and every Counters member
// is reachable through one.
static_assert(kCounterFields.size() ==
              NVFLUSH_A_STATS_QUOTA_BYPASSES - NVFLUSH_A_STATS_WRITE_BIOS + 1);
static_assert(sizeof(Counters) == kCounterFields.size() * sizeof(std::uint64_t));

}  // namespace nvflush
