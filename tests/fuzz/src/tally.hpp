// SPDX-License-Identifier: GPL-2.0-only
//
// What a fuzzing run sent and how the kernel answered, and the summary
// printed at its end (a text line, or JSON).
#pragma once

#include <nlohmann/json.hpp>

#include <array>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "mutator.hpp"
#include "result.hpp"
#include "session.hpp"

namespace nvflush::fuzz {

struct ClassCount {
  std::uint64_t sent = 0;
  std::uint64_t acked = 0;
  std::uint64_t errors = 0;
};

struct Tally {
  std::uint64_t messages = 0;  // every fuzzing message sent
  std::uint64_t acked = 0;
  std::uint64_t errors = 0;
  std::uint64_t timeouts = 0;
  std::uint64_t dropped = 0;            // unanswered as expected
  std::uint64_t interrupted_dumps = 0;  // dumps whose socket was closed early
  std::uint64_t unprivileged = 0;       // sent by the unprivileged child
  std::uint64_t unprivileged_not_refused = 0;
  std::map<int, std::uint64_t> by_errno;
  std::array<ClassCount, kMutationCount> classes{};
  // The first few messages that timed out or were not refused, described.
  std::vector<std::string> incidents;
  std::string socket_failure;  // empty unless a socket broke
  double seconds = 0;

  // Counts `outcome` of message number `index`; an unprivileged message
  // must have been refused with EPERM.
  void count(std::uint64_t index, const Generated& message, const Outcome& outcome,
             bool as_unprivileged);
  // Counts an interrupted dump.
  void count_interrupted(std::uint64_t index, const Generated& message, const Outcome& outcome);

  // Adds the counts of another process's run (seconds: the longer one).
  void merge(const Tally& other);

  // Whether the run failed: a timeout, an unprivileged mutation not
  // refused, or a broken socket.
  [[nodiscard]] bool failed() const;
};

// "EINVAL" and the like, or the number.
std::string errno_name(int error);
// How message number `index` looks in reports: "#12 truncated/short-buffer dev-create".
std::string describe(std::uint64_t index, const Generated& message);

// "nlfuzz: seed S, N messages, A acked ok, E errors (by errno: ...), T
// timeouts, P unprivileged-mutations-not-refused"
std::string summary_line(std::uint64_t seed, const Tally& tally);
// The per-class counts and the rest, one line.
std::string details_line(const Tally& tally);
nlohmann::json summary_json(std::uint64_t seed, const Tally& tally);

// A tally as it travels from a worker process to the one that reports.
nlohmann::json to_wire(const Tally& tally);
Result<Tally> from_wire(const nlohmann::json& wire);

}  // namespace nvflush::fuzz
