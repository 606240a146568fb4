// SPDX-License-Identifier: GPL-2.0-only
//
// The two kinds of the counters of kCounterFields: counts, which only grow
// while the device exists, and levels, which say what is held now.
#pragma once

#include "counters.hpp"

namespace nvflush {

// Whether `field` is a level (dirty_bytes): it has no rate, and is a gauge
// where the others are counters.
constexpr bool is_level(const CounterField& field) {
  return field.member == &Counters::dirty_bytes;
}

}  // namespace nvflush
