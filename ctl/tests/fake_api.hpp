// SPDX-License-Identifier: GPL-2.0-only
//
// A fake kernel behind the Api, and a harness that runs nvflushctl command
// lines against it with a fake clock and captured output.
#pragma once

#include <cerrno>
#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "api.hpp"
#include "cli.hpp"
#include "test_support.hpp"

namespace nvflush::test {

// Answers from canned data and records what it was asked.
struct FakeKernel {
  std::vector<DevInfo> devices;
  std::vector<StatsRecord> records;
  std::optional<Error> fail_with;  // returned by every operation
  // Returned by the first operation whose call (see `calls`) starts with
  // the string, and by every later one.
  std::optional<std::pair<std::string, Error>> fail_on;
  std::vector<std::string> calls;
  std::optional<DevCreateRequest> created;
  std::optional<DevSetRequest> set;
  std::vector<PolicyInfo> policies;
  std::optional<PolicySetRequest> policy_set;
  std::optional<PolicyDelRequest> policy_del;
  // What dev_create reports to have found in the NVM.
  std::uint64_t recovered_blocks = 0;
  std::uint64_t recovery_usec = 0;
  // Set by dev_drain; from then on every dev_get first applies
  // `drain_step` to the device it returns.
  bool draining = false;
  std::function<void(DevInfo&)> drain_step;
  // Applied to `records` before each stats() answers.
  std::function<void(std::vector<StatsRecord>&)> stats_step;
  // Whether dev_set, policy_set and policy_del change `devices` and
  // `policies` as the kernel would.
  bool stateful = false;
};

class FakeApi final : public Api {
 public:
  explicit FakeApi(FakeKernel& kernel) : kernel_(kernel) {}

  Result<DevInfo> dev_create(const DevCreateRequest& request) override {
    kernel_.created = request;
    if (auto error = failure("create " + request.name)) {
      return *error;
    }
    DevInfo dev = sample_device(request.name, 4);
    dev.origin_path = request.origin_path;
    dev.nvm_path = request.nvm_path;
    dev.recovered_blocks = kernel_.recovered_blocks;
    dev.recovery_usec = kernel_.recovery_usec;
    if (request.mode) {
      dev.mode = static_cast<std::uint32_t>(*request.mode);
    }
    kernel_.devices.push_back(dev);
    return dev;
  }

  Result<void> dev_destroy(const std::string& name) override {
    if (auto error = failure("destroy " + name)) {
      return *error;
    }
    return {};
  }

  Result<DevInfo> dev_get(const std::string& name) override {
    if (auto error = failure("get " + name)) {
      return *error;
    }
    if (DevInfo* dev = find_device(name)) {
      if (kernel_.draining && kernel_.drain_step) {
        kernel_.drain_step(*dev);
      }
      return *dev;
    }
    return Error{ENODEV, "", "no device named " + name};
  }

  Result<void> dev_set(const DevSetRequest& request) override {
    std::string call = "set " + request.name;
    if (request.mode) {
      call += " mode " + mode_name(*request.mode);
    }
    if (request.high_watermark) {
      call += " high " + std::to_string(*request.high_watermark);
    }
    if (request.low_watermark) {
      call += " low " + std::to_string(*request.low_watermark);
    }
    if (request.destage_rate) {
      call += " rate " + std::to_string(*request.destage_rate);
    }
    if (request.root_sync) {
      call += " root-sync " + root_sync_name(*request.root_sync);
    }
    kernel_.set = request;
    if (auto error = failure(call)) {
      return *error;
    }
    if (DevInfo* dev = find_device(request.name); dev != nullptr && kernel_.stateful) {
      apply(request, *dev);
    }
    return {};
  }

  Result<void> dev_drain(const std::string& name) override {
    if (auto error = failure("drain " + name)) {
      return *error;
    }
    kernel_.draining = true;
    return {};
  }

  Result<std::vector<DevInfo>> dev_list() override {
    if (auto error = failure("list")) {
      return *error;
    }
    return kernel_.devices;
  }

  Result<std::vector<StatsRecord>> stats(const std::optional<std::string>& dev_name) override {
    if (auto error = failure("stats " + dev_name.value_or("*"))) {
      return *error;
    }
    if (kernel_.stats_step) {
      kernel_.stats_step(kernel_.records);
    }
    std::vector<StatsRecord> out;
    for (const auto& record : kernel_.records) {
      if (!dev_name || record.dev_name == *dev_name) {
        out.push_back(record);
      }
    }
    return out;
  }

  Result<void> policy_set(const PolicySetRequest& request) override {
    kernel_.policy_set = request;
    if (auto error = failure("policy set " + request.dev_name + " " + request.cgroup_path)) {
      return *error;
    }
    if (kernel_.stateful) {
      apply(request);
    }
    return {};
  }

  Result<void> policy_del(const PolicyDelRequest& request) override {
    kernel_.policy_del = request;
    if (auto error = failure(
            "policy del " + request.dev_name + " " +
            request.cgroup_path.value_or("id " + std::to_string(request.cgroup_id.value_or(0))))) {
      return *error;
    }
    if (kernel_.stateful) {
      std::erase_if(kernel_.policies, [&request](const PolicyInfo& policy) {
        return policy.dev_name == request.dev_name &&
               (request.cgroup_path ? policy.cgroup_path == *request.cgroup_path
                                    : policy.cgroup_id == request.cgroup_id);
      });
    }
    return {};
  }

  Result<PolicyInfo> policy_get(const std::string& dev_name,
                                const std::string& cgroup_path) override {
    if (auto error = failure("policy get " + dev_name + " " + cgroup_path)) {
      return *error;
    }
    for (const auto& policy : kernel_.policies) {
      if (policy.dev_name == dev_name && policy.cgroup_path == cgroup_path) {
        return policy;
      }
    }
    return Error{ENOENT, "", "no policy for this cgroup"};
  }

  Result<std::vector<PolicyInfo>> policy_list(const std::optional<std::string>& dev_name) override {
    if (auto error = failure("policy list " + dev_name.value_or("*"))) {
      return *error;
    }
    std::vector<PolicyInfo> out;
    for (const auto& policy : kernel_.policies) {
      if (!dev_name || policy.dev_name == *dev_name) {
        out.push_back(policy);
      }
    }
    return out;
  }

 private:
  // Records the call; the error it fails with, if any.
  std::optional<Error> failure(const std::string& call) {
    kernel_.calls.push_back(call);
    if (kernel_.fail_on && call.starts_with(kernel_.fail_on->first)) {
      kernel_.fail_with = kernel_.fail_on->second;
    }
    return kernel_.fail_with;
  }

  DevInfo* find_device(const std::string& name) {
    for (auto& dev : kernel_.devices) {
      if (dev.name == name) {
        return &dev;
      }
    }
    return nullptr;
  }

  static void apply(const DevSetRequest& request, DevInfo& dev) {
    if (request.mode) {
      dev.mode = static_cast<std::uint32_t>(*request.mode);
    }
    dev.high_watermark = request.high_watermark.value_or(dev.high_watermark);
    dev.low_watermark = request.low_watermark.value_or(dev.low_watermark);
    dev.destage_rate = request.destage_rate.value_or(dev.destage_rate);
    if (request.root_sync) {
      dev.root_sync = static_cast<std::uint32_t>(*request.root_sync);
    }
  }

  // Creates or changes the policy, a new one with the kernel's defaults.
  void apply(const PolicySetRequest& request) {
    PolicyInfo* policy = nullptr;
    for (auto& existing : kernel_.policies) {
      if (existing.dev_name == request.dev_name && existing.cgroup_path == request.cgroup_path &&
          !existing.stale) {
        policy = &existing;
      }
    }
    if (policy == nullptr) {
      policy =
          &kernel_.policies.emplace_back(PolicyInfo{.dev_name = request.dev_name,
                                                    .cgroup_path = request.cgroup_path,
                                                    .cgroup_id = 1000 + kernel_.policies.size(),
                                                    .mode = NVFLUSH_MODE_ABSORB,
                                                    .max_dirty = 0,
                                                    .on_full = NVFLUSH_ON_FULL_THROTTLE,
                                                    .weight = 100,
                                                    .stale = false,
                                                    .dirty_bytes = 0});
    }
    if (request.mode) {
      policy->mode = static_cast<std::uint32_t>(*request.mode);
    }
    policy->max_dirty = request.max_dirty.value_or(policy->max_dirty);
    if (request.on_full) {
      policy->on_full = static_cast<std::uint32_t>(*request.on_full);
    }
    policy->weight = request.weight.value_or(policy->weight);
  }

  FakeKernel& kernel_;
};

struct Outcome {
  int code;
  std::string out;
  std::string err;
};

struct Harness {
  FakeKernel kernel;
  std::optional<Error> connect_error;
  std::optional<std::filesystem::path> cgroup_root;
  bool broken_stdout = false;  // as if stdout were a full disk
  bool terminal = false;       // as if stderr were a terminal
  bool out_terminal = false;   // as if stdout were a terminal
  int connects = 0;
  // A fake clock: sleeping advances it instantly.
  std::chrono::steady_clock::time_point clock{};
  std::vector<std::chrono::milliseconds> sleeps;
  // Called after each sleep.
  std::function<void()> on_sleep;
  // The time of day the commands see.
  std::chrono::system_clock::time_point time_of_day{};

  Outcome run(std::vector<std::string> args) {
    args.insert(args.begin(), "nvflushctl");
    std::vector<const char*> argv;
    argv.reserve(args.size());
    for (const auto& arg : args) {
      argv.push_back(arg.c_str());
    }
    std::ostringstream out;
    std::ostringstream err;
    if (broken_stdout) {
      out.setstate(std::ios::badbit);
    }
    Context ctx(out, err);
    ctx.err_is_terminal = terminal;
    ctx.out_is_terminal = out_terminal;
    ctx.sleep = [this](std::chrono::milliseconds pause) {
      sleeps.push_back(pause);
      clock += pause;
      if (on_sleep) {
        on_sleep();
      }
    };
    ctx.now = [this] { return clock; };
    ctx.time_of_day = [this] { return time_of_day; };
    ctx.connect = [this]() -> Result<std::unique_ptr<Api>> {
      ++connects;
      if (connect_error) {
        return *connect_error;
      }
      return std::unique_ptr<Api>{std::make_unique<FakeApi>(kernel)};
    };
    // Never look at the machine's cgroups: an empty fake tree by default.
    const TempDir empty;
    ctx.cgroup_root = cgroup_root.value_or(empty.path());
    const int code = nvflush::run(ctx, static_cast<int>(argv.size()), argv.data());
    return {code, out.str(), err.str()};
  }
};

}  // namespace nvflush::test
