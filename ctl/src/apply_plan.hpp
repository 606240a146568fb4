// SPDX-License-Identifier: GPL-2.0-only
//
// What `nvflushctl apply` does: the steps that take the kernel's devices
// and policies to what an apply file says, computed from the two alone.
#pragma once

#include <string>
#include <variant>
#include <vector>

#include "apply_file.hpp"
#include "messages.hpp"
#include "result.hpp"

namespace nvflush {

// The kernel's devices and policies (DEV_GET and POLICY_GET dumps).
struct ApplyState {
  std::vector<DevInfo> devices;
  std::vector<PolicyInfo> policies;
};

// One step of an apply and the line that describes it.
struct ApplyAction {
  // "create d0 (origin /dev/vda, nvm /dev/pmem0)", "set d0: mode bypass ->
  // absorb", "create policy d0 /a: mode absorb, max-dirty 512 MiB", "set
  // policy d0 /a: max-dirty 256 MiB -> 512 MiB", "delete policy d0 /old",
  // or "d0: up to date", which has no request.
  std::string text;
  std::variant<std::monostate, DevCreateRequest, DevSetRequest, PolicySetRequest, PolicyDelRequest>
      request;

  // Whether the step changes anything (it is not "up to date").
  [[nodiscard]] bool changes() const { return !std::holds_alternative<std::monostate>(request); }
};

// The steps, in order, per device of `desired` in file order:
//  - `create` when no device has its name (DEV_CREATE with the file's mode
//    and format), then `set` of the other settings the file gives, if any;
//    else `set` of the settings the file gives that differ from the
//    device's (only those are sent);
//  - per policy of the file, `create policy` when the cgroup has none on
//    the device (every setting the file gives), else `set policy` of the
//    settings that differ;
//  - with `prune`, `delete policy` (by cgroup id) of each policy of the
//    device whose cgroup the file does not list, stale ones included;
//  - "NAME: up to date" when there is nothing to do for the device.
// Devices the file does not list are not looked at; no device is
// destroyed, and settings the file leaves out are left as they are.
// Fails, with nothing planned, when a device exists over another origin or
// NVM than the file gives, a policy to create has no mode, or a device's
// low watermark would not end up below its high one.
Result<std::vector<ApplyAction>> plan_apply(const ApplyState& current,
                                            const std::vector<DesiredDevice>& desired, bool prune);

}  // namespace nvflush
