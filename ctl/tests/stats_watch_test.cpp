// SPDX-License-Identifier: GPL-2.0-only
#include <catch2/catch.hpp>

#include <cerrno>
#include <chrono>
#include <csignal>
#include <numeric>
#include <regex>
#include <string>
#include <vector>

#include "cli.hpp"
#include "fake_api.hpp"
#include "test_support.hpp"

using nvflush::Error;
using nvflush::StatsRecord;
using nvflush::test::Harness;
using nvflush::test::Outcome;
using nvflush::test::sample_device;

namespace {

// d0 whose root cgroup (id 1) writes 2 bios of 4 KiB and has 4 KiB more
// dirty at each STATS_GET.
Harness watch_harness() {
  Harness harness;
  harness.kernel.devices = {sample_device("d0", 0)};
  StatsRecord record;
  record.dev_name = "d0";
  record.cgroup_id = 1;
  harness.kernel.records = {record};
  harness.kernel.stats_step = [](std::vector<StatsRecord>& records) {
    records[0].counters.write_bios += 2;
    records[0].counters.write_bytes += 8192;
    records[0].counters.dirty_bytes += 4096;
  };
  return harness;
}

std::chrono::milliseconds slept(const Harness& harness) {
  return std::accumulate(harness.sleeps.begin(), harness.sleeps.end(),
                         std::chrono::milliseconds{0});
}

// Whether `line` is "YYYY-MM-DD HH:MM:SS  every 1 s, ..." with the time of
// day in local time.
bool is_header(const std::string& line) {
  const std::regex header{
      R"(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d  every 1 s, per second over the last 1\.0 s)"};
  return std::regex_match(line, header);
}

// The table of refresh 1 and 2 of watch_harness() at 1 s.
constexpr const char* kFirst =
    "DEVICE  CGROUP  WRITES/s  WRITTEN/s  READS/s  READ/s  ABSORBED/s  BYPASSED/s    DIRTY  "
    "DESTAGED/s\n"
    "d0      1              2    8.0 KiB        0     0 B         0 B         0 B  8.0 KiB  "
    "       0 B\n"
    "d0      TOTAL          2    8.0 KiB        0     0 B         0 B         0 B  8.0 KiB  "
    "       0 B\n";
constexpr const char* kSecond =
    "DEVICE  CGROUP  WRITES/s  WRITTEN/s  READS/s  READ/s  ABSORBED/s  BYPASSED/s     DIRTY  "
    "DESTAGED/s\n"
    "d0      1              2    8.0 KiB        0     0 B         0 B         0 B  12.0 KiB  "
    "       0 B\n"
    "d0      TOTAL          2    8.0 KiB        0     0 B         0 B         0 B  12.0 KiB  "
    "       0 B\n";

std::vector<std::string> split_lines(const std::string& text) {
  std::vector<std::string> lines;
  std::size_t start = 0;
  while (start < text.size()) {
    const std::size_t end = text.find('\n', start);
    lines.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return lines;
}

}  // namespace

TEST_CASE("stats --watch shows rates between samples, refreshes apart") {
  Harness harness = watch_harness();
  const Outcome outcome = harness.run({"stats", "--watch", "1", "--count", "2"});
  REQUIRE(outcome.code == nvflush::kExitOk);
  CHECK(outcome.err.empty());
  const auto lines = split_lines(outcome.out);
  REQUIRE(lines.size() == 9);
  CHECK(is_header(lines[0]));
  CHECK(lines[4].empty());  // refreshes are apart when stdout is no terminal
  CHECK(is_header(lines[5]));
  const std::string header = lines[0] + "\n";
  const std::string second = lines[5] + "\n";
  CHECK(outcome.out == header + kFirst + "\n" + second + kSecond);
  // Three samples, a second apart, in slices of 100 ms.
  CHECK(harness.kernel.calls ==
        std::vector<std::string>{"list", "stats *", "list", "stats *", "list", "stats *"});
  CHECK(slept(harness) == std::chrono::milliseconds{2000});
  CHECK(harness.sleeps.size() == 20);
}

TEST_CASE("stats --watch clears a terminal and waits 2 s by default") {
  Harness harness = watch_harness();
  harness.out_terminal = true;
  const Outcome outcome = harness.run({"stats", "d0", "--watch", "--count", "3"});
  REQUIRE(outcome.code == nvflush::kExitOk);
  CHECK(slept(harness) == std::chrono::milliseconds{6000});
  CHECK(harness.kernel.calls.front() == "get d0");
  CHECK(harness.kernel.calls.back() == "stats d0");
  // Each refresh starts with cursor home and clear screen, none with a
  // blank line.
  const std::string clear = "\x1b[H\x1b[2J";
  std::size_t clears = 0;
  for (auto at = outcome.out.find(clear); at != std::string::npos;
       at = outcome.out.find(clear, at + 1)) {
    ++clears;
  }
  CHECK(clears == 3);
  CHECK_THAT(outcome.out, Catch::StartsWith(clear));
  CHECK(outcome.out.find("\n\n") == std::string::npos);
  CHECK_THAT(outcome.out, Catch::Contains("every 2 s, per second over the last 2.0 s\n"));
}

TEST_CASE("stats --watch ends with exit 0 at SIGINT or SIGTERM") {
  const int signal = GENERATE(SIGINT, SIGTERM);
  struct sigaction before {};
  REQUIRE(sigaction(signal, nullptr, &before) == 0);
  Harness harness = watch_harness();
  // Arrives half-way through the second interval.
  harness.on_sleep = [&harness, signal] {
    if (harness.sleeps.size() == 15) {
      std::raise(signal);
    }
  };
  const Outcome outcome = harness.run({"stats", "--watch", "1"});
  CHECK(outcome.code == nvflush::kExitOk);
  CHECK(outcome.err.empty());
  CHECK(split_lines(outcome.out).size() == 4);  // one refresh
  CHECK(harness.sleeps.size() == 15);
  // The handler of before is back.
  struct sigaction after {};
  REQUIRE(sigaction(signal, nullptr, &after) == 0);
  CHECK(after.sa_handler == before.sa_handler);
}

TEST_CASE("stats --watch stops at an error with exit 1") {
  Harness harness = watch_harness();
  harness.kernel.fail_on = {"stats", Error{EPERM, ""}};
  harness.on_sleep = [&harness] { harness.kernel.fail_on.reset(); };
  // The first sample fails.
  Outcome outcome = harness.run({"stats", "--watch", "1"});
  CHECK(outcome.code == nvflush::kExitFailure);
  CHECK(outcome.err == "nvflushctl: stats: Operation not permitted\n");

  // A later one: the device is gone.
  harness = watch_harness();
  harness.on_sleep = [&harness] { harness.kernel.devices.clear(); };
  outcome = harness.run({"stats", "d0", "--watch", "1"});
  CHECK(outcome.code == nvflush::kExitFailure);
  CHECK(outcome.out.empty());
  CHECK(outcome.err == "nvflushctl: stats d0: No such device: no device named d0\n");
}

TEST_CASE("stats output options that do not go together are usage errors") {
  const auto args = GENERATE(std::vector<std::string>{"stats", "--json", "--prometheus"},
                             std::vector<std::string>{"stats", "--watch", "--json"},
                             std::vector<std::string>{"stats", "--prometheus", "--watch", "5"},
                             std::vector<std::string>{"stats", "--count", "2"},
                             std::vector<std::string>{"stats", "--watch", "0"},
                             std::vector<std::string>{"stats", "--watch", "-1"},
                             std::vector<std::string>{"stats", "--watch", "86401"},
                             std::vector<std::string>{"stats", "--watch", "soon"},
                             std::vector<std::string>{"stats", "--watch", "--count", "0"},
                             std::vector<std::string>{"stats", "--watch", "--count", "x"});
  Harness harness;
  const Outcome outcome = harness.run(args);
  CHECK(outcome.code == nvflush::kExitUsage);
  CHECK(outcome.out.empty());
  CHECK_THAT(outcome.err, Catch::Contains("Usage: nvflushctl stats"));
  CHECK(harness.connects == 0);
}

TEST_CASE("stats --prometheus through the CLI") {
  Harness harness = watch_harness();
  const Outcome outcome = harness.run({"stats", "--prometheus"});
  CHECK(outcome.code == nvflush::kExitOk);
  CHECK_THAT(outcome.out, Catch::StartsWith("# HELP nvflush_write_bios_total "));
  CHECK_THAT(outcome.out, Catch::Contains("\nnvflush_write_bytes_total{device=\"d0\",disk="
                                          "\"nvflush0\",cgroup_id=\"1\"} 8192\n"));
  CHECK_THAT(outcome.out, Catch::Contains("\nnvflush_dirty_bytes{device=\"d0\",disk="
                                          "\"nvflush0\",cgroup_id=\"1\"} 4096\n"));
}
