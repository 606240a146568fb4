// SPDX-License-Identifier: GPL-2.0-only
//
// Command-line plumbing shared by the commands: the run context, exit
// codes, and the entry point that parses arguments and runs one command.
#pragma once

#include <CLI/CLI.hpp>

#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <thread>
#include <utility>

#include "api.hpp"
#include "cgroup.hpp"
#include "result.hpp"

namespace nvflush {

enum ExitCode : int {
  kExitOk = 0,
  kExitFailure = 1,  // the operation failed
  kExitUsage = 2,    // the command line was wrong
};

using ApiFactory = std::function<Result<std::unique_ptr<Api>>()>;

// What a command runs against. main() uses the kernel and the system's
// cgroup2 mount; tests substitute both.
struct Context {
  Context(std::ostream& out_stream, std::ostream& err_stream) : out(out_stream), err(err_stream) {}

  std::ostream& out;  // data
  std::ostream& err;  // diagnostics
  ApiFactory connect = connect_kernel;
  // Root of the cgroup2 tree; nullopt: the cgroup2 mount of /proc/self/mounts.
  std::optional<std::filesystem::path> cgroup_root;
  // Whether `err` is a terminal; `dev drain` shows its progress only then.
  bool err_is_terminal = false;
  // Whether `out` is a terminal; `stats --watch` clears the screen only then.
  bool out_is_terminal = false;
  // `dev drain` and `stats --watch` wait with `sleep` between polls and
  // measure time on `now`; tests substitute both so they never sleep.
  std::function<void(std::chrono::milliseconds)> sleep = [](std::chrono::milliseconds pause) {
    std::this_thread::sleep_for(pause);
  };
  std::function<std::chrono::steady_clock::time_point()> now = std::chrono::steady_clock::now;
  // The time of day `stats --watch` shows.
  std::function<std::chrono::system_clock::time_point()> time_of_day =
      std::chrono::system_clock::now;
  // The command selected by the arguments, set while parsing them.
  std::function<int()> action;

  // Prints "nvflushctl: <error>" to err and returns kExitFailure.
  [[nodiscard]] int fail(const Error& error) const;
  // Connects, then runs `body`; a failed connection is reported with fail().
  [[nodiscard]] int with_api(const std::function<int(Api&)>& body) const;
  [[nodiscard]] CgroupTree cgroup_tree() const;
};

// Validates a device name argument (see device_name_problem()).
CLI::Validator device_name_validator();

// Lets through what `parse` (a parser of settings.hpp or units.hpp) reads;
// anything else fails with the parser's error as usage_message() words it.
template <typename Parse>
CLI::Validator parse_validator(Parse parse, std::string name) {
  return {[parse](const std::string& text) {
            auto parsed = parse(text);
            return parsed ? std::string{} : usage_message(parsed.error());
          },
          "", std::move(name)};
}

// Lets "absorb", "sync-only" and "bypass" (parse_mode()) through.
CLI::Validator mode_validator();

// The value of an option as `parsed`; an error becomes a usage error
// (CLI::ValidationError) naming `option`.
template <typename T>
T option_value(Result<T> parsed, const std::string& option) {
  if (!parsed) {
    throw CLI::ValidationError(option, usage_message(parsed.error()));
  }
  return std::move(parsed).value();
}

// Register the subcommands (cmd_dev.cpp, cmd_stats.cpp, cmd_policy.cpp,
// cmd_apply.cpp).
void setup_dev(CLI::App& app, Context& ctx);
void setup_stats(CLI::App& app, Context& ctx);
void setup_policy(CLI::App& app, Context& ctx);
void setup_apply(CLI::App& app, Context& ctx);
void setup_monitor(CLI::App& app, Context& ctx);

// The command line of nvflushctl: every command and option, the selected
// command's action stored in ctx.action while parsing.
std::unique_ptr<CLI::App> make_app(Context& ctx);

// Parses `argv` and runs the selected command. Returns the exit code:
// usage errors print the message and the relevant help to ctx.err and
// return kExitUsage; --help and --version print to ctx.out.
int run(Context& ctx, int argc, const char* const* argv);

}  // namespace nvflush
