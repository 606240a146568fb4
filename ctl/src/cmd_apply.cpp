// SPDX-License-Identifier: GPL-2.0-only
//
// nvflushctl apply -f FILE [--dry-run] [--prune]
#include <fmt/format.h>

#include <algorithm>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "apply_file.hpp"
#include "apply_plan.hpp"
#include "cli.hpp"

namespace nvflush {

namespace {

struct ApplyOptions {
  std::string file;
  bool dry_run = false;
  bool prune = false;
};

Result<ApplyState> read_state(Api& api) {
  auto devices = api.dev_list();
  if (!devices) {
    return std::move(devices).error().wrap("list devices");
  }
  auto policies = api.policy_list(std::nullopt);
  if (!policies) {
    return std::move(policies).error().wrap("list policies");
  }
  return ApplyState{.devices = std::move(*devices), .policies = std::move(*policies)};
}

// Sends the request of one step.
struct Executor {
  Api& api;

  Result<void> operator()(std::monostate /*up to date*/) const { return {}; }
  Result<void> operator()(const DevCreateRequest& request) const {
    auto dev = api.dev_create(request);
    if (!dev) {
      return std::move(dev).error();
    }
    return {};
  }
  Result<void> operator()(const DevSetRequest& request) const { return api.dev_set(request); }
  Result<void> operator()(const PolicySetRequest& request) const { return api.policy_set(request); }
  Result<void> operator()(const PolicyDelRequest& request) const { return api.policy_del(request); }
};

// Runs the steps in order, printing each once done; stops at the first
// that fails and says what was done before it.
int execute(const Context& ctx, Api& api, const std::vector<ApplyAction>& plan,
            const std::string& what) {
  const auto steps = std::count_if(plan.begin(), plan.end(),
                                   [](const ApplyAction& action) { return action.changes(); });
  std::vector<std::string> done;
  for (const auto& action : plan) {
    if (auto sent = std::visit(Executor{api}, action.request); !sent) {
      const int code = ctx.fail(std::move(sent).error().wrap(action.text));
      ctx.err << fmt::format(
          "nvflushctl: {}: stopped at step {} of {}; {}\n", what, done.size() + 1, steps,
          done.empty() ? std::string{"nothing was changed before it"}
                       : fmt::format("done before it: {}", fmt::join(done, "; ")));
      return code;
    }
    ctx.out << action.text << '\n';
    if (action.changes()) {
      done.push_back(action.text);
    }
  }
  return kExitOk;
}

int apply(const Context& ctx, const ApplyOptions& options) {
  CgroupTree cgroups = ctx.cgroup_tree();
  auto desired = read_apply_file(options.file, [&cgroups](const std::string& cgroup) {
    return cgroups.relative_path(cgroup);
  });
  if (!desired) {
    return ctx.fail(desired.error());
  }
  const std::string what = "apply " + options.file;
  return ctx.with_api([&](Api& api) {
    auto state = read_state(api);
    if (!state) {
      return ctx.fail(std::move(state).error().wrap(what));
    }
    auto plan = plan_apply(*state, *desired, options.prune);
    if (!plan) {
      return ctx.fail(std::move(plan).error().wrap(what));
    }
    if (!options.dry_run) {
      return execute(ctx, api, *plan, what);
    }
    for (const auto& action : *plan) {
      ctx.out << (action.changes() ? "would " : "") << action.text << '\n';
    }
    return static_cast<int>(kExitOk);
  });
}

}  // namespace

void setup_apply(CLI::App& app, Context& ctx) {
  auto options = std::make_shared<ApplyOptions>();
  CLI::App* apply_cmd =
      app.add_subcommand("apply", "Make devices and policies what a YAML file says");
  apply_cmd->footer(
      "FILE lists devices (name, origin, nvm, format, mode, high-watermark, low-watermark,\n"
      "destage-rate, root-sync) and their policies (cgroup, mode, max-dirty, on-full,\n"
      "weight), values as the options of 'dev set' and 'policy set' take them; see\n"
      "'man nvflushctl' and Documentation/examples/nvflush.yaml. The whole file is checked\n"
      "first (errors name FILE:LINE:COLUMN and the key; nothing is changed). Then missing\n"
      "devices are created, settings that differ are set, and policies are created or\n"
      "changed; settings the file leaves out stay as they are. Devices the file does not\n"
      "list are not touched and no device is destroyed; a device that exists over another\n"
      "origin or NVM is an error. Prints one line per step: 'create d0 (origin /dev/vda,\n"
      "nvm /dev/pmem0)', 'set d0: mode bypass -> absorb', 'create policy d0 /a: mode\n"
      "absorb', 'set policy d0 /a: max-dirty 256 MiB -> 512 MiB', 'delete policy d0 /old',\n"
      "or 'd0: up to date'. Stops at the first step that fails, saying what was done\n"
      "before it. Needs CAP_NET_ADMIN when anything changes.");
  apply_cmd->add_option("-f,--file", options->file, "The YAML file of devices and policies")
      ->required()
      ->type_name("FILE");
  apply_cmd->add_flag("--dry-run", options->dry_run,
                      "Print the steps, each as 'would ...', and change nothing");
  apply_cmd->add_flag("--prune", options->prune,
                      "Also delete the policies of the file's devices that it does not list");
  apply_cmd->callback(
      [&ctx, options] { ctx.action = [&ctx, options] { return apply(ctx, *options); }; });
}

}  // namespace nvflush
