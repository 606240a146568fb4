// SPDX-License-Identifier: GPL-2.0-only
//
// The declarative file of `nvflushctl apply`: the devices to have and the
// policies to have on them, in YAML (Documentation/admin-guide.md, "Applying
// a file"). Reading it checks the whole file; nothing in it is compared with
// the kernel's state yet (apply_plan.hpp does that).
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "messages.hpp"
#include "result.hpp"

namespace nvflush {

// One entry of `devices:`. Settings the file leaves out are nullopt: apply
// leaves them as they are.
struct DesiredDevice {
  std::string name;
  std::string origin_path;  // made absolute, as `dev create` sends it
  std::string nvm_path;
  bool format = false;  // only used when the device is created
  // name, mode, watermarks, destage rate, root sync.
  DevSetRequest settings;
  // In file order, one per cgroup; cgroup paths as the kernel takes them.
  std::vector<PolicySetRequest> policies;

  friend bool operator==(const DesiredDevice&, const DesiredDevice&) = default;
};

// The path under the cgroup2 mount of a cgroup as the file names it
// (CgroupTree::relative_path()).
using CgroupPathOf = std::function<std::string(const std::string& cgroup)>;

// Reads the YAML `text` of the file called `file_name`. The top level is a
// map with one key, `devices`: a list of maps with the keys name, origin,
// nvm (required), format, mode, high-watermark, low-watermark,
// destage-rate, root-sync and policies, a list of maps with the keys
// cgroup (required), mode, max-dirty, on-full and weight. Values read as
// the command line options of the same names read them. Refused, with an
// error "FILE:LINE:COLUMN: KEY: problem" (no errno): YAML syntax errors,
// unknown, repeated or missing keys, values that do not parse, a low
// watermark not below the high one, a device name, origin or NVM path used
// twice, a cgroup listed twice on one device.
Result<std::vector<DesiredDevice>> parse_apply_file(std::string_view text,
                                                    const std::string& file_name,
                                                    const CgroupPathOf& cgroup_path);

// Reads the file at `path`, then parses it as parse_apply_file() does.
Result<std::vector<DesiredDevice>> read_apply_file(const std::string& path,
                                                   const CgroupPathOf& cgroup_path);

}  // namespace nvflush
