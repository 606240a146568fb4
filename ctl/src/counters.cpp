// SPDX-License-Identifier: GPL-2.0-only
#include "counters.hpp"

namespace nvflush {

Counters& Counters::operator+=(const Counters& other) {
  for (const auto& field : kCounterFields) {
    this->*field.member += other.*field.member;
  }
  return *this;
}

}  // namespace nvflush
