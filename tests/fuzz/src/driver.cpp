// SPDX-License-Identifier: GPL-2.0-only
#include "driver.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdio>
#include <string>
#include <vector>

#include "session.hpp"
#include "unprivileged.hpp"

namespace nvflush::fuzz {

namespace {

using Clock = std::chrono::steady_clock;

class Loop {
 public:
  // Message numbers in reports start at `first_index`.
  Loop(const Options& options, int family, Session session, std::uint64_t first_index,
       std::ostream* trace)
      : options_(options),
        mutator_(options.seed, options.targets, family),
        session_(std::move(session)),
        first_index_(first_index),
        trace_(trace) {}

  Result<Tally> run() {
    const auto start = Clock::now();
    std::uint64_t next_batch = std::max<std::uint64_t>(options_.unprivileged_every / 10, 1);
    while (tally_.messages < options_.messages && tally_.socket_failure.empty()) {
      const std::uint64_t left = options_.messages - tally_.messages;
      Result<void> step{};
      if (options_.unprivileged_batch > 0 && options_.unprivileged_every > 0 &&
          tally_.messages >= next_batch) {
        next_batch += options_.unprivileged_every;
        step = unprivileged_batch(std::min(left, options_.unprivileged_batch));
      } else if (mutator_.rng().chance(options_.interrupted_percent)) {
        step = interrupted_dump();
      } else {
        step = one();
      }
      if (!step) {
        return std::move(step).error();
      }
    }
    if (tally_.socket_failure.empty()) {
      cleanup();
    }
    tally_.seconds = std::chrono::duration<double>(Clock::now() - start).count();
    return std::move(tally_);
  }

 private:
  void traced(std::uint64_t index, const Generated& message, const Outcome& outcome,
              const char* how) {
    if (trace_ == nullptr) {
      return;
    }
    std::string answer = outcome.kind == Outcome::Kind::kError ? errno_name(outcome.error) : "";
    switch (outcome.kind) {
      case Outcome::Kind::kAck:
        answer = "ack";
        break;
      case Outcome::Kind::kTimeout:
        answer = "timeout";
        break;
      case Outcome::Kind::kDropped:
        answer = "dropped";
        break;
      case Outcome::Kind::kInterrupted:
        answer = "interrupted";
        break;
      case Outcome::Kind::kError:
        break;
    }
    *trace_ << fmt::format("nlfuzz: {}{}: {}\n", how, describe(index, message), answer);
    trace_->flush();
  }

  void broke(const Error& error) { tally_.socket_failure = error.to_string(); }

  Result<void> one() {
    auto message = mutator_.next();
    if (!message) {
      return std::move(message).error();
    }
    const std::uint64_t index = first_index_ + tally_.messages;
    auto outcome = session_.exchange(message->bytes, message->expect_reply);
    if (!outcome) {
      broke(outcome.error());
      return {};
    }
    tally_.count(index, *message, *outcome, false);
    traced(index, *message, *outcome, "");
    return {};
  }

  Result<void> interrupted_dump() {
    auto message = mutator_.dump_request();
    if (!message) {
      return std::move(message).error();
    }
    const bool read_first = mutator_.rng().chance(70);
    auto session = Session::open(options_.timeout);
    if (!session) {
      broke(session.error());
      return {};
    }
    const std::uint64_t index = first_index_ + tally_.messages;
    auto outcome = session->start_dump(message->bytes, read_first);
    if (!outcome) {
      broke(outcome.error());
      return {};
    }
    tally_.count_interrupted(index, *message, *outcome);
    traced(index, *message, *outcome, "interrupted dump ");
    return {};
  }

  Result<void> unprivileged_batch(std::uint64_t n) {
    std::vector<Generated> batch;
    std::vector<Buffer> bytes;
    for (std::uint64_t i = 0; i < n; ++i) {
      auto message = mutator_.unprivileged();
      if (!message) {
        return std::move(message).error();
      }
      bytes.push_back(message->bytes);
      batch.push_back(std::move(*message));
    }
    auto outcomes = run_unprivileged(bytes, options_.timeout);
    if (!outcomes) {
      broke(outcomes.error());
      return {};
    }
    for (std::size_t i = 0; i < batch.size(); ++i) {
      const std::uint64_t index = first_index_ + tally_.messages;
      tally_.count(index, batch[i], (*outcomes)[i], true);
      traced(index, batch[i], (*outcomes)[i], "unprivileged ");
    }
    return {};
  }

  // Destroys the devices the fuzzer may have created (best effort).
  void cleanup() {
    for (const std::string& name : options_.targets.pool_devices) {
      auto message = mutator_.destroy(name);
      if (message) {
        (void)session_.exchange(message->bytes, true);
      }
    }
  }

  const Options& options_;
  Mutator mutator_;
  Session session_;
  std::uint64_t first_index_;
  std::ostream* trace_;
  Tally tally_;
};

Result<Tally> run_one(const Options& options, int family, std::uint64_t first_index,
                      std::ostream* trace) {
  auto session = Session::open(options.timeout);
  if (!session) {
    return std::move(session).error();
  }
  Loop loop(options, family, std::move(session).value(), first_index, trace);
  return loop.run();
}

// A worker process: its pid and the pipe its tally comes through.
struct Worker {
  pid_t pid = -1;
  int fd = -1;
};

void write_all(int fd, const std::string& text) {
  std::size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n <= 0) {
      return;
    }
    done += static_cast<std::size_t>(n);
  }
}

Result<Worker> start_worker(const Options& options, int family, std::uint64_t first_index,
                            std::ostream* trace) {
  int fds[2] = {-1, -1};
  if (pipe2(fds, O_CLOEXEC) != 0) {
    return Error{errno, "create a pipe to a worker"};
  }
  (void)std::fflush(nullptr);
  if (trace != nullptr) {
    trace->flush();
  }
  const pid_t pid = fork();
  if (pid < 0) {
    const int err = errno;
    ::close(fds[0]);
    ::close(fds[1]);
    return Error{err, "fork a worker"};
  }
  if (pid == 0) {
    ::close(fds[0]);
    auto tally = run_one(options, family, first_index, trace);
    if (trace != nullptr) {
      trace->flush();
    }
    const nlohmann::json report =
        tally ? to_wire(*tally) : nlohmann::json{{"error", tally.error().to_string()}};
    write_all(fds[1], report.dump());
    _exit(0);
  }
  ::close(fds[1]);
  return Worker{.pid = pid, .fd = fds[0]};
}

// The tally of a worker, once it ended.
Result<Tally> finish_worker(const Worker& worker, unsigned number) {
  std::string text;
  std::array<char, 4096> chunk{};
  for (;;) {
    const ssize_t n = ::read(worker.fd, chunk.data(), chunk.size());
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n <= 0) {
      break;
    }
    text.append(chunk.data(), static_cast<std::size_t>(n));
  }
  ::close(worker.fd);
  int status = 0;
  while (waitpid(worker.pid, &status, 0) < 0 && errno == EINTR) {
  }
  const std::string what = fmt::format("worker {}", number);
  const auto report = nlohmann::json::parse(text, nullptr, false);
  if (report.is_discarded() || !report.is_object()) {
    return Error{ECHILD, what, "it ended without a report"};
  }
  if (report.contains("error")) {
    return Error{EIO, what, report["error"].get<std::string>()};
  }
  return from_wire(report);
}

}  // namespace

Result<Tally> run(const Options& options, std::ostream* trace) {
  auto family = resolve_family(options.family);
  if (!family) {
    return std::move(family).error();
  }
  const unsigned jobs = std::max(options.jobs, 1U);
  // Worker k sends messages [first(k), first(k + 1)) with seed + k.
  auto first = [&options, jobs](unsigned k) { return options.messages * k / jobs; };
  std::vector<Worker> workers;
  for (unsigned k = 1; k < jobs; ++k) {
    Options mine = options;
    mine.seed = options.seed + k;
    mine.messages = first(k + 1) - first(k);
    auto worker = start_worker(mine, *family, first(k), trace);
    if (!worker) {
      return std::move(worker).error();
    }
    workers.push_back(*worker);
  }
  Options mine = options;
  mine.messages = first(1);
  auto tally = run_one(mine, *family, 0, trace);
  for (unsigned k = 1; k < jobs; ++k) {
    auto theirs = finish_worker(workers[k - 1], k);
    if (!tally) {
      continue;
    }
    if (theirs) {
      tally->merge(*theirs);
    } else {
      tally->socket_failure = theirs.error().to_string();
    }
  }
  return tally;
}

}  // namespace nvflush::fuzz
