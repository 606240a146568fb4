// SPDX-License-Identifier: GPL-2.0-only
#include "tally.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace nvflush::fuzz {

namespace {

constexpr std::size_t kMaxIncidents = 20;

std::string outcome_text(const Outcome& outcome) {
  switch (outcome.kind) {
    case Outcome::Kind::kAck:
      return "acked";
    case Outcome::Kind::kError:
      return errno_name(outcome.error);
    case Outcome::Kind::kTimeout:
      return "timeout";
    case Outcome::Kind::kDropped:
      return "dropped";
    case Outcome::Kind::kInterrupted:
      return "interrupted";
  }
  return "?";
}

}  // namespace

std::string errno_name(int error) {
  const char* name = strerrorname_np(error);
  return name != nullptr ? std::string{name} : fmt::format("errno {}", error);
}

std::string describe(std::uint64_t index, const Generated& message) {
  return fmt::format("#{} {}/{} {} cmd {} {} bytes{}", index, mutation_name(message.mutation),
                     message.variant, message.op != nullptr ? message.op->name : "?", message.cmd,
                     message.bytes.size(), message.dump ? " dump" : "");
}

void Tally::count(std::uint64_t index, const Generated& message, const Outcome& outcome,
                  bool as_unprivileged) {
  ++messages;
  ClassCount& cls = classes.at(static_cast<std::size_t>(message.mutation));
  ++cls.sent;
  switch (outcome.kind) {
    case Outcome::Kind::kAck:
      ++acked;
      ++cls.acked;
      break;
    case Outcome::Kind::kError:
      ++errors;
      ++cls.errors;
      ++by_errno[outcome.error];
      break;
    case Outcome::Kind::kTimeout:
      ++timeouts;
      break;
    case Outcome::Kind::kDropped:
      ++dropped;
      break;
    case Outcome::Kind::kInterrupted:
      ++interrupted_dumps;
      break;
  }
  const bool refused = outcome.kind == Outcome::Kind::kError && outcome.error == EPERM;
  if (as_unprivileged) {
    ++unprivileged;
  }
  const bool not_refused = as_unprivileged && !refused;
  if (not_refused) {
    ++unprivileged_not_refused;
  }
  if ((not_refused || outcome.kind == Outcome::Kind::kTimeout) &&
      incidents.size() < kMaxIncidents) {
    incidents.push_back(fmt::format("{}{}: {}", as_unprivileged ? "unprivileged " : "",
                                    describe(index, message), outcome_text(outcome)));
  }
}

void Tally::count_interrupted(std::uint64_t index, const Generated& message,
                              const Outcome& outcome) {
  ++messages;
  if (outcome.kind == Outcome::Kind::kTimeout) {
    ++timeouts;
    if (incidents.size() < kMaxIncidents) {
      incidents.push_back(fmt::format("interrupted dump {}: timeout", describe(index, message)));
    }
  } else {
    ++interrupted_dumps;
  }
}

void Tally::merge(const Tally& other) {
  messages += other.messages;
  acked += other.acked;
  errors += other.errors;
  timeouts += other.timeouts;
  dropped += other.dropped;
  interrupted_dumps += other.interrupted_dumps;
  unprivileged += other.unprivileged;
  unprivileged_not_refused += other.unprivileged_not_refused;
  for (const auto& [error, n] : other.by_errno) {
    by_errno[error] += n;
  }
  for (std::size_t i = 0; i < classes.size(); ++i) {
    classes.at(i).sent += other.classes.at(i).sent;
    classes.at(i).acked += other.classes.at(i).acked;
    classes.at(i).errors += other.classes.at(i).errors;
  }
  for (const std::string& incident : other.incidents) {
    if (incidents.size() < kMaxIncidents) {
      incidents.push_back(incident);
    }
  }
  if (socket_failure.empty()) {
    socket_failure = other.socket_failure;
  }
  seconds = std::max(seconds, other.seconds);
}

bool Tally::failed() const {
  return timeouts > 0 || unprivileged_not_refused > 0 || !socket_failure.empty();
}

std::string summary_line(std::uint64_t seed, const Tally& tally) {
  std::string by_errno;
  for (const auto& [error, n] : tally.by_errno) {
    by_errno += fmt::format("{}{} {}", by_errno.empty() ? "" : ", ", errno_name(error), n);
  }
  return fmt::format(
      "nlfuzz: seed {}, {} messages, {} acked ok, {} errors (by errno: {}), {} timeouts, {} "
      "unprivileged-mutations-not-refused",
      seed, tally.messages, tally.acked, tally.errors, by_errno.empty() ? "none" : by_errno,
      tally.timeouts, tally.unprivileged_not_refused);
}

std::string details_line(const Tally& tally) {
  std::string classes;
  for (Mutation m : all_mutations()) {
    const ClassCount& c = tally.classes.at(static_cast<std::size_t>(m));
    classes += fmt::format("{}{} {} ({} ok)", classes.empty() ? "" : ", ", mutation_name(m), c.sent,
                           c.acked);
  }
  const double rate = tally.seconds > 0 ? static_cast<double>(tally.messages) / tally.seconds : 0.0;
  return fmt::format(
      "nlfuzz: classes: {}; {} dropped unanswered as expected, {} interrupted dumps, {} "
      "unprivileged; {:.1f} s, {:.0f} messages/s",
      classes, tally.dropped, tally.interrupted_dumps, tally.unprivileged, tally.seconds, rate);
}

nlohmann::json summary_json(std::uint64_t seed, const Tally& tally) {
  nlohmann::json by_errno = nlohmann::json::object();
  for (const auto& [error, n] : tally.by_errno) {
    by_errno[errno_name(error)] = n;
  }
  nlohmann::json classes = nlohmann::json::object();
  for (Mutation m : all_mutations()) {
    const ClassCount& c = tally.classes.at(static_cast<std::size_t>(m));
    classes[std::string{mutation_name(m)}] = {
        {"sent", c.sent}, {"acked", c.acked}, {"errors", c.errors}};
  }
  return nlohmann::json{
      {"seed", seed},
      {"messages", tally.messages},
      {"acked", tally.acked},
      {"errors", tally.errors},
      {"errors_by_errno", by_errno},
      {"timeouts", tally.timeouts},
      {"dropped", tally.dropped},
      {"interrupted_dumps", tally.interrupted_dumps},
      {"unprivileged", tally.unprivileged},
      {"unprivileged_not_refused", tally.unprivileged_not_refused},
      {"classes", classes},
      {"incidents", tally.incidents},
      {"socket_failure", tally.socket_failure},
      {"seconds", tally.seconds},
      {"ok", !tally.failed()},
  };
}

nlohmann::json to_wire(const Tally& tally) {
  nlohmann::json classes = nlohmann::json::array();
  for (const ClassCount& c : tally.classes) {
    classes.push_back({c.sent, c.acked, c.errors});
  }
  nlohmann::json by_errno = nlohmann::json::array();
  for (const auto& [error, n] : tally.by_errno) {
    by_errno.push_back({error, n});
  }
  return nlohmann::json{
      {"messages", tally.messages},
      {"acked", tally.acked},
      {"errors", tally.errors},
      {"timeouts", tally.timeouts},
      {"dropped", tally.dropped},
      {"interrupted_dumps", tally.interrupted_dumps},
      {"unprivileged", tally.unprivileged},
      {"unprivileged_not_refused", tally.unprivileged_not_refused},
      {"by_errno", by_errno},
      {"classes", classes},
      {"incidents", tally.incidents},
      {"socket_failure", tally.socket_failure},
      {"seconds", tally.seconds},
  };
}

Result<Tally> from_wire(const nlohmann::json& wire) {
  try {
    Tally tally;
    tally.messages = wire.at("messages").get<std::uint64_t>();
    tally.acked = wire.at("acked").get<std::uint64_t>();
    tally.errors = wire.at("errors").get<std::uint64_t>();
    tally.timeouts = wire.at("timeouts").get<std::uint64_t>();
    tally.dropped = wire.at("dropped").get<std::uint64_t>();
    tally.interrupted_dumps = wire.at("interrupted_dumps").get<std::uint64_t>();
    tally.unprivileged = wire.at("unprivileged").get<std::uint64_t>();
    tally.unprivileged_not_refused = wire.at("unprivileged_not_refused").get<std::uint64_t>();
    for (const auto& entry : wire.at("by_errno")) {
      tally.by_errno[entry.at(0).get<int>()] = entry.at(1).get<std::uint64_t>();
    }
    const auto& classes = wire.at("classes");
    for (std::size_t i = 0; i < tally.classes.size(); ++i) {
      tally.classes.at(i) = ClassCount{.sent = classes.at(i).at(0).get<std::uint64_t>(),
                                       .acked = classes.at(i).at(1).get<std::uint64_t>(),
                                       .errors = classes.at(i).at(2).get<std::uint64_t>()};
    }
    tally.incidents = wire.at("incidents").get<std::vector<std::string>>();
    tally.socket_failure = wire.at("socket_failure").get<std::string>();
    tally.seconds = wire.at("seconds").get<double>();
    return tally;
  } catch (const nlohmann::json::exception& e) {
    return Error{EBADMSG, "read a worker's tally", e.what()};
  }
}

}  // namespace nvflush::fuzz
