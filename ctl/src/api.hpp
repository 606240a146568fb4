// SPDX-License-Identifier: GPL-2.0-only
//
// The nvflush control operations, as the commands see them. The kernel
// implementation speaks generic netlink; tests substitute a fake.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "messages.hpp"
#include "result.hpp"

namespace nvflush {

class Api {
 public:
  Api() = default;
  Api(const Api&) = delete;
  Api& operator=(const Api&) = delete;
  Api(Api&&) = delete;
  Api& operator=(Api&&) = delete;
  virtual ~Api() = default;

  virtual Result<DevInfo> dev_create(const DevCreateRequest& request) = 0;
  virtual Result<void> dev_destroy(const std::string& name) = 0;
  // Fails with ENODEV if there is no such device.
  virtual Result<DevInfo> dev_get(const std::string& name) = 0;
  virtual Result<std::vector<DevInfo>> dev_list() = 0;
  // Changes the given settings (DEV_SET); the kernel changes none if it
  // refuses any.
  virtual Result<void> dev_set(const DevSetRequest& request) = 0;
  // Starts destaging every dirty block; returns at once (see dirty_blocks).
  virtual Result<void> dev_drain(const std::string& name) = 0;
  // Counters of every device, or of `dev_name` only.
  virtual Result<std::vector<StatsRecord>> stats(const std::optional<std::string>& dev_name) = 0;
  // Creates or changes the policy of a cgroup (POLICY_SET).
  virtual Result<void> policy_set(const PolicySetRequest& request) = 0;
  virtual Result<void> policy_del(const PolicyDelRequest& request) = 0;
  // The policy of the cgroup at `cgroup_path` on `dev_name`.
  virtual Result<PolicyInfo> policy_get(const std::string& dev_name,
                                        const std::string& cgroup_path) = 0;
  // The policies of every device, or of `dev_name` only.
  virtual Result<std::vector<PolicyInfo>> policy_list(
      const std::optional<std::string>& dev_name) = 0;

  // Called with every event; returns whether to go on.
  using EventHandler = std::function<bool(const Event& event)>;
  // Subscribes to the events group and hands over events until `on_event`
  // returns false or `should_stop` (asked at least every 200 ms) returns
  // true. `on_lost` is told about events the kernel dropped. A backend
  // without events fails with EOPNOTSUPP.
  virtual Result<void> watch_events(const EventHandler& on_event,
                                    const std::function<bool()>& should_stop,
                                    const std::function<void()>& on_lost);
};

// Connects to the nvflush generic netlink family of the running kernel.
Result<std::unique_ptr<Api>> connect_kernel();

}  // namespace nvflush
