// SPDX-License-Identifier: GPL-2.0-only
#include "apply_plan.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstdint>
#include <iterator>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>
#include <vector>

#include "units.hpp"

namespace nvflush {

namespace {

std::string mode_text(std::uint32_t mode) { return mode_name(mode); }
std::string percent_text(std::uint32_t percent) { return fmt::format("{}%", percent); }
std::string root_sync_text(std::uint32_t root_sync) { return root_sync_name(root_sync); }
std::string max_dirty_text(std::uint64_t bytes) {
  return bytes == 0 ? std::string{"none"} : format_iec_exact(bytes);
}
std::string on_full_text(std::uint32_t on_full) { return on_full_name(on_full); }
std::string weight_text(std::uint32_t weight) { return std::to_string(weight); }

// The settings of one step: "KEY FROM -> TO" parts, or "KEY TO" for
// something new, and the request fields they set.
class Changes {
 public:
  // `fresh`: the device or policy is new, so every setting given is a
  // change and there is nothing to compare with.
  explicit Changes(bool fresh) : fresh_(fresh) {}

  // When `want` is given and differs from `have` (or fresh_): adds its
  // part and sets `out` to it.
  template <typename T, typename Have>
  void add(std::string_view key, const std::optional<T>& want, Have have, std::optional<T>& out,
           std::string (*format)(Have)) {
    if (!want) {
      return;
    }
    const auto wanted = static_cast<Have>(*want);
    if (!fresh_ && wanted == have) {
      return;
    }
    parts_.push_back(fresh_ ? fmt::format("{} {}", key, format(wanted))
                            : fmt::format("{} {} -> {}", key, format(have), format(wanted)));
    out = want;
  }

  [[nodiscard]] bool empty() const { return parts_.empty(); }
  [[nodiscard]] std::string text() const { return fmt::format("{}", fmt::join(parts_, ", ")); }

 private:
  bool fresh_;
  std::vector<std::string> parts_;
};

// The device settings of `want` other than the mode that differ from
// `have`'s, into `out`.
void add_destage_settings(const DevSetRequest& want, const DevInfo& have, Changes& changes,
                          DevSetRequest& out) {
  changes.add("high-watermark", want.high_watermark, have.high_watermark, out.high_watermark,
              percent_text);
  changes.add("low-watermark", want.low_watermark, have.low_watermark, out.low_watermark,
              percent_text);
  changes.add("destage-rate", want.destage_rate, have.destage_rate, out.destage_rate, format_rate);
  changes.add("root-sync", want.root_sync, have.root_sync, out.root_sync, root_sync_text);
}

void add_set(std::vector<ApplyAction>& plan, const Changes& changes, DevSetRequest request) {
  if (!changes.empty()) {
    plan.push_back({fmt::format("set {}: {}", request.name, changes.text()), std::move(request)});
  }
}

// DEV_CREATE with the mode, then DEV_SET of the other settings given.
void plan_create(const DesiredDevice& want, std::vector<ApplyAction>& plan) {
  DevCreateRequest create{.name = want.name,
                          .origin_path = want.origin_path,
                          .nvm_path = want.nvm_path,
                          .format = want.format,
                          .mode = want.settings.mode};
  std::string text =
      fmt::format("create {} (origin {}, nvm {}", want.name, want.origin_path, want.nvm_path);
  if (create.format) {
    text += ", format";
  }
  if (create.mode) {
    text += ", mode " + mode_name(*create.mode);
  }
  plan.push_back({text + ")", std::move(create)});

  Changes changes(true);
  DevSetRequest set{.name = want.name};
  add_destage_settings(want.settings, DevInfo{}, changes, set);
  add_set(plan, changes, std::move(set));
}

// DEV_SET of the settings that differ.
Result<void> plan_set(const DesiredDevice& want, const DevInfo& have,
                      std::vector<ApplyAction>& plan) {
  for (const auto& [what, wanted, existing] :
       {std::tuple{"origin", want.origin_path, have.origin_path},
        std::tuple{"NVM", want.nvm_path, have.nvm_path}}) {
    if (wanted != existing) {
      return Error{0, want.name,
                   fmt::format("the device's {} is {}, not {}; apply does not re-create "
                               "devices (destroy it first)",
                               what, existing, wanted)};
    }
  }
  const DevSetRequest& settings = want.settings;
  if (settings.high_watermark || settings.low_watermark) {
    const std::uint32_t high = settings.high_watermark.value_or(have.high_watermark);
    const std::uint32_t low = settings.low_watermark.value_or(have.low_watermark);
    if (low >= high) {
      return Error{
          0, want.name,
          fmt::format("low-watermark {}% would not be below high-watermark {}%", low, high)};
    }
  }
  Changes changes(false);
  DevSetRequest set{.name = want.name};
  changes.add("mode", settings.mode, have.mode, set.mode, mode_text);
  add_destage_settings(settings, have, changes, set);
  add_set(plan, changes, std::move(set));
  return {};
}

// POLICY_SET of the policies to create or change, then with `prune`
// POLICY_DEL of those the file does not list.
Result<void> plan_policies(const DesiredDevice& want, const std::vector<PolicyInfo>& current,
                           bool prune, std::vector<ApplyAction>& plan) {
  std::vector<PolicyInfo> existing;
  std::copy_if(current.begin(), current.end(), std::back_inserter(existing),
               [&want](const PolicyInfo& policy) { return policy.dev_name == want.name; });
  auto live = [&existing](const std::string& cgroup_path) {
    return std::find_if(existing.begin(), existing.end(), [&cgroup_path](const PolicyInfo& p) {
      return !p.stale && p.cgroup_path == cgroup_path;
    });
  };

  for (const auto& policy : want.policies) {
    const auto found = live(policy.cgroup_path);
    const bool fresh = found == existing.end();
    if (fresh && !policy.mode) {
      return Error{0, fmt::format("{} {}", want.name, policy.cgroup_path),
                   "the cgroup has no policy yet and a new policy needs a mode"};
    }
    const PolicyInfo have = fresh ? PolicyInfo{} : *found;
    Changes changes(fresh);
    PolicySetRequest set{.dev_name = want.name, .cgroup_path = policy.cgroup_path};
    changes.add("mode", policy.mode, have.mode, set.mode, mode_text);
    changes.add("max-dirty", policy.max_dirty, have.max_dirty, set.max_dirty, max_dirty_text);
    changes.add("on-full", policy.on_full, have.on_full, set.on_full, on_full_text);
    changes.add("weight", policy.weight, have.weight, set.weight, weight_text);
    if (!changes.empty()) {
      plan.push_back({fmt::format("{} policy {} {}: {}", fresh ? "create" : "set", want.name,
                                  policy.cgroup_path, changes.text()),
                      std::move(set)});
    }
  }

  if (!prune) {
    return {};
  }
  std::sort(existing.begin(), existing.end(), [](const PolicyInfo& a, const PolicyInfo& b) {
    return std::tie(a.cgroup_path, a.cgroup_id) < std::tie(b.cgroup_path, b.cgroup_id);
  });
  for (const auto& policy : existing) {
    const bool listed =
        !policy.stale && std::any_of(want.policies.begin(), want.policies.end(),
                                     [&policy](const PolicySetRequest& wanted) {
                                       return wanted.cgroup_path == policy.cgroup_path;
                                     });
    if (!listed) {
      plan.push_back({fmt::format("delete policy {} {}{}", want.name, policy.cgroup_path,
                                  policy.stale ? " (stale)" : ""),
                      PolicyDelRequest{.dev_name = want.name, .cgroup_id = policy.cgroup_id}});
    }
  }
  return {};
}

}  // namespace

Result<std::vector<ApplyAction>> plan_apply(const ApplyState& current,
                                            const std::vector<DesiredDevice>& desired, bool prune) {
  std::vector<ApplyAction> plan;
  for (const auto& want : desired) {
    const std::size_t start = plan.size();
    const auto have = std::find_if(current.devices.begin(), current.devices.end(),
                                   [&want](const DevInfo& dev) { return dev.name == want.name; });
    if (have == current.devices.end()) {
      plan_create(want, plan);
    } else if (auto planned = plan_set(want, *have, plan); !planned) {
      return std::move(planned).error();
    }
    if (auto planned = plan_policies(want, current.policies, prune, plan); !planned) {
      return std::move(planned).error();
    }
    if (plan.size() == start) {
      plan.push_back({want.name + ": up to date", std::monostate{}});
    }
  }
  return plan;
}

}  // namespace nvflush
