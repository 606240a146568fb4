// SPDX-License-Identifier: GPL-2.0-only
//
// The fuzzing loop: draws messages from the mutator, sends them as root,
// in batches from an unprivileged child, and as dumps whose socket is
// closed before their end, and tallies the kernel's answers.
#pragma once

#include <chrono>
#include <cstdint>
#include <ostream>
#include <string>

#include "result.hpp"
#include "tally.hpp"
#include "values.hpp"

namespace nvflush::fuzz {

struct Options {
  std::uint64_t seed = 0;
  std::uint64_t messages = 0;
  std::chrono::milliseconds timeout{0};
  Targets targets{};
  // A batch of `unprivileged_batch` unprivileged messages every
  // `unprivileged_every` messages (none if either is 0).
  std::uint64_t unprivileged_every = 0;
  std::uint64_t unprivileged_batch = 0;
  unsigned interrupted_percent = 0;  // of the other messages: interrupted dumps
  // Processes sending at once; process k sends its share of the messages
  // with seed + k.
  unsigned jobs = 1;
  std::string family{};
};

// Runs `options.messages` messages, split over `options.jobs` processes.
// A broken socket ends the run early (Tally::socket_failure); other
// failures (no family, no socket at all) are errors. With `trace`, every
// message and its answer is printed to it.
Result<Tally> run(const Options& options, std::ostream* trace);

}  // namespace nvflush::fuzz
