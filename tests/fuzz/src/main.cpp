// SPDX-License-Identifier: GPL-2.0-only
//
// nvf-nlfuzz: a structure-aware fuzzer of the nvflush generic netlink
// family. Prints "nlfuzz: seed N" first and a summary line last; exits 0
// when every answer came in time, every unprivileged mutating request was
// refused with EPERM and no socket broke, 1 otherwise, 2 on a usage or
// setup error.
#include <CLI/CLI.hpp>
#include <linux/nvflush.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <exception>
#include <iostream>
#include <string>
#include <vector>

#include "driver.hpp"

namespace {

constexpr int kExitFailed = 1;
constexpr int kExitUsage = 2;

std::uint64_t time_seed() {
  const auto now = std::chrono::system_clock::now().time_since_epoch();
  return static_cast<std::uint64_t>(
             std::chrono::duration_cast<std::chrono::nanoseconds>(now).count()) ^
         (static_cast<std::uint64_t>(getpid()) << 32);
}

int fuzz(int argc, char** argv) {
  CLI::App app{"Structure-aware fuzzer of the nvflush generic netlink family"};
  std::uint64_t seed = 0;
  std::uint64_t messages = 10000;
  std::vector<std::string> origins;
  std::vector<std::string> nvms;
  std::string device = "nlfz-race";
  std::vector<std::string> keep;
  std::vector<std::string> cgroups;
  std::string cgroup_root = "/sys/fs/cgroup";
  unsigned timeout_ms = 20000;
  std::uint64_t unprivileged_every = 500;
  std::uint64_t unprivileged_batch = 8;
  unsigned interrupted_percent = 1;
  unsigned jobs = 1;
  std::string family = NVFLUSH_FAMILY_NAME;
  bool json = false;
  bool trace = false;
  app.add_option("--seed", seed, "Seed of the message sequence (default: from the clock)");
  app.add_option("--messages", messages, "Messages to send")->capture_default_str();
  app.add_option("--origin", origins,
                 "Block device dev-create may name as origin (the only real ones, with --nvm)");
  app.add_option("--nvm", nvms, "Block device dev-create may name as NVM");
  app.add_option("--device", device, "Name of a device someone else creates and destroys")
      ->capture_default_str();
  app.add_option("--keep", keep, "Device that may be read and changed but never destroyed");
  app.add_option("--cgroup", cgroups, "Existing cgroup (path under the cgroup2 mount) to name");
  app.add_option("--cgroup-root", cgroup_root, "cgroup2 mount, for the ids of --cgroup")
      ->capture_default_str();
  app.add_option("--timeout-ms", timeout_ms, "Receive timeout of every answer")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  app.add_option("--unprivileged-every", unprivileged_every,
                 "Send a batch as an unprivileged user after this many messages (0: never)")
      ->capture_default_str();
  app.add_option("--unprivileged-batch", unprivileged_batch, "Messages per unprivileged batch")
      ->capture_default_str();
  app.add_option("--interrupted-percent", interrupted_percent,
                 "Percentage of messages sent as dumps whose socket is closed early")
      ->capture_default_str()
      ->check(CLI::Range(0, 100));
  app.add_option("--jobs", jobs,
                 "Processes sending at once (process k sends its share with seed + k)")
      ->capture_default_str()
      ->check(CLI::Range(1, 64));
  // Hidden: points the fuzzer at another family to test the fuzzer itself.
  app.add_option("--family", family, "Generic netlink family to fuzz")->group("");
  app.add_flag("--json", json, "Print the final summary as JSON");
  app.add_flag("--trace", trace, "Print every message and its answer");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : kExitUsage;
  }
  if (app.count("--seed") == 0) {
    seed = time_seed();
  }
  std::cout << "nlfuzz: seed " << seed << std::endl;

  nvflush::fuzz::Options options{
      .seed = seed,
      .messages = messages,
      .timeout = std::chrono::milliseconds{timeout_ms},
      .unprivileged_every = unprivileged_every,
      .unprivileged_batch = unprivileged_batch,
      .interrupted_percent = interrupted_percent,
      .jobs = jobs,
      .family = family,
  };
  auto& targets = options.targets;
  targets.origins = origins;
  targets.nvms = nvms;
  targets.race_device = device;
  targets.keep_devices = keep;
  targets.pool_devices = {"nlfz-pool0", "nlfz-pool1"};
  if (std::find(cgroups.begin(), cgroups.end(), "/") == cgroups.end()) {
    cgroups.insert(cgroups.begin(), "/");
  }
  targets.cgroup_paths = cgroups;
  for (const std::string& path : cgroups) {
    struct stat st {};
    if (::stat((cgroup_root + path).c_str(), &st) == 0) {
      targets.cgroup_ids.push_back(static_cast<std::uint64_t>(st.st_ino));
    }
  }

  auto tally = nvflush::fuzz::run(options, trace ? &std::cout : nullptr);
  if (!tally) {
    std::cerr << "nlfuzz: " << tally.error().to_string() << '\n';
    return kExitUsage;
  }
  if (json) {
    std::cout << nvflush::fuzz::summary_json(seed, *tally).dump() << '\n';
  } else {
    for (const std::string& incident : tally->incidents) {
      std::cout << "nlfuzz: " << incident << '\n';
    }
    if (!tally->socket_failure.empty()) {
      std::cout << "nlfuzz: socket failed: " << tally->socket_failure << '\n';
    }
    std::cout << nvflush::fuzz::details_line(*tally) << '\n';
    std::cout << nvflush::fuzz::summary_line(seed, *tally) << '\n';
  }
  return tally->failed() ? kExitFailed : 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return fuzz(argc, argv);
  } catch (const std::exception& e) {
    std::cerr << "nlfuzz: " << e.what() << '\n';
    return kExitUsage;
  }
}
