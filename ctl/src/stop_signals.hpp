// SPDX-License-Identifier: GPL-2.0-only
//
// SIGINT and SIGTERM as a request to stop: a loop that runs until
// interrupted (`stats --watch`) checks for them and ends cleanly.
#pragma once

#include <csignal>

namespace nvflush {

// Catches SIGINT and SIGTERM while it lives (one at a time); the handlers
// that were there before come back at its end.
class StopSignals {
 public:
  StopSignals();
  ~StopSignals();
  StopSignals(const StopSignals&) = delete;
  StopSignals& operator=(const StopSignals&) = delete;
  StopSignals(StopSignals&&) = delete;
  StopSignals& operator=(StopSignals&&) = delete;

  // Whether either signal arrived since the construction of the one
  // StopSignals that lives.
  [[nodiscard]] static bool stopped();

 private:
  struct sigaction old_int_ {};
  struct sigaction old_term_ {};
};

}  // namespace nvflush
