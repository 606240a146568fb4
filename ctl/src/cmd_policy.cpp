// SPDX-License-Identifier: GPL-2.0-only
//
// nvflushctl policy set|del|show|list
#include <fmt/format.h>

#include <algorithm>
#include <memory>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "cli.hpp"
#include "output.hpp"
#include "settings.hpp"
#include "units.hpp"

namespace nvflush {

namespace {

// As typed; nullopt: not given. The validators let only valid values in.
struct SetOptions {
  std::string dev_name;
  std::string cgroup;
  std::optional<std::string> mode;
  std::optional<std::string> max_dirty;
  std::optional<std::string> on_full;
  std::optional<std::string> weight;
};

struct DelOptions {
  std::string dev_name;
  std::string cgroup;  // empty: not given
  std::optional<std::string> cgroup_id;
};

struct ShowOptions {
  std::string dev_name;
  std::string cgroup;
  bool json = false;
};

struct ListOptions {
  std::string dev_name;  // empty: every device
  bool json = false;
};

// Rejects an empty cgroup argument, which would name nothing.
CLI::Validator cgroup_validator() {
  return {[](const std::string& text) {
            return text.empty() ? std::string{"the cgroup path is empty"} : std::string{};
          },
          "", "cgroup"};
}

// The POLICY_SET request of validated options, the cgroup as the kernel
// takes it. Throws CLI::ValidationError (a usage error) when no setting is
// given.
PolicySetRequest policy_set_request(const Context& ctx, const SetOptions& options) {
  PolicySetRequest request{.dev_name = options.dev_name,
                           .cgroup_path = ctx.cgroup_tree().relative_path(options.cgroup)};
  if (options.mode) {
    request.mode = parse_mode(*options.mode);
  }
  if (options.max_dirty) {
    request.max_dirty = option_value(parse_size(*options.max_dirty), "--max-dirty");
  }
  if (options.on_full) {
    request.on_full = parse_on_full(*options.on_full);
  }
  if (options.weight) {
    request.weight = option_value(parse_weight(*options.weight), "--weight");
  }
  if (!request.any()) {
    throw CLI::ValidationError(
        "nothing to set: give at least one of --mode, --max-dirty, --on-full and --weight");
  }
  return request;
}

PolicyDelRequest policy_del_request(const Context& ctx, const DelOptions& options) {
  if (options.cgroup.empty() == !options.cgroup_id.has_value()) {
    throw CLI::ValidationError("give either CGROUP or --id (exactly one)");
  }
  PolicyDelRequest request{.dev_name = options.dev_name};
  if (options.cgroup_id) {
    request.cgroup_id = option_value(parse_cgroup_id(*options.cgroup_id), "--id");
  } else {
    request.cgroup_path = ctx.cgroup_tree().relative_path(options.cgroup);
  }
  return request;
}

int policy_set(const Context& ctx, const PolicySetRequest& request) {
  return ctx.with_api([&](Api& api) {
    if (auto done = api.policy_set(request); !done) {
      return ctx.fail(std::move(done).error().wrap(
          fmt::format("set policy of {} on {}", request.cgroup_path, request.dev_name)));
    }
    ctx.out << policy_set_done(request);
    return static_cast<int>(kExitOk);
  });
}

int policy_del(const Context& ctx, const PolicyDelRequest& request) {
  const std::string cgroup = request.cgroup_path
                                 ? *request.cgroup_path
                                 : fmt::format("cgroup id {}", request.cgroup_id.value_or(0));
  return ctx.with_api([&](Api& api) {
    if (auto done = api.policy_del(request); !done) {
      return ctx.fail(std::move(done).error().wrap(
          fmt::format("delete policy of {} on {}", cgroup, request.dev_name)));
    }
    ctx.out << fmt::format("deleted policy of {} on {}\n", cgroup, request.dev_name);
    return static_cast<int>(kExitOk);
  });
}

int policy_show(const Context& ctx, const ShowOptions& options) {
  const std::string cgroup = ctx.cgroup_tree().relative_path(options.cgroup);
  return ctx.with_api([&](Api& api) {
    auto policy = api.policy_get(options.dev_name, cgroup);
    if (!policy) {
      return ctx.fail(std::move(policy).error().wrap(
          fmt::format("show policy of {} on {}", cgroup, options.dev_name)));
    }
    ctx.out << (options.json ? json_text(policy_json(*policy)) : policy_details(*policy));
    return static_cast<int>(kExitOk);
  });
}

int policy_list(const Context& ctx, const ListOptions& options) {
  std::optional<std::string> filter;
  if (!options.dev_name.empty()) {
    filter = options.dev_name;
  }
  return ctx.with_api([&](Api& api) {
    auto policies = api.policy_list(filter);
    if (!policies) {
      return ctx.fail(std::move(policies).error().wrap(filter ? "list policies of " + *filter
                                                              : std::string{"list policies"}));
    }
    std::sort(policies->begin(), policies->end(), [](const PolicyInfo& a, const PolicyInfo& b) {
      return std::tie(a.dev_name, a.cgroup_path, a.cgroup_id) <
             std::tie(b.dev_name, b.cgroup_path, b.cgroup_id);
    });
    ctx.out << (options.json ? json_text(policy_list_json(*policies)) : policy_table(*policies));
    return static_cast<int>(kExitOk);
  });
}

CLI::Option* add_device(CLI::App& cmd, std::string& name, const std::string& description) {
  return cmd.add_option("DEV", name, description)->type_name("")->check(device_name_validator());
}

CLI::Option* add_cgroup(CLI::App& cmd, std::string& cgroup, const std::string& description) {
  return cmd.add_option("CGROUP", cgroup, description)->type_name("")->check(cgroup_validator());
}

constexpr const char* kCgroupHelp =
    "cgroup2 path: /tenant-a, or the full /sys/fs/cgroup/tenant-a (/ is the root cgroup)";

}  // namespace

void setup_policy(CLI::App& app, Context& ctx) {
  CLI::App* policy = app.add_subcommand("policy", "Set, delete and inspect per-cgroup policies");
  policy->require_subcommand(1);

  auto set_options = std::make_shared<SetOptions>();
  CLI::App* set = policy->add_subcommand("set", "Create or change the policy of a cgroup");
  set->footer(
      "A cgroup without a policy follows its nearest ancestor's, else the device's mode.\n"
      "A new policy needs --mode; for an existing one only the settings given change.\n"
      "absorb: the cgroup's writes go to NVM; sync-only: only its writes flagged sync,\n"
      "FUA or flush (fsync, O_SYNC, O_DIRECT); bypass: none (they go to the origin).\n"
      "--max-dirty caps the NVM that writes under the policy hold (0: no cap); at the\n"
      "cap a write waits until blocks of the policy were destaged (throttle, the\n"
      "default; other cgroups are not slowed) or goes to the origin (bypass).\n"
      "SIZE: bytes, as 536870912, 512M, 1.5G, 1GiB (powers of 1024).\n"
      "The cgroup must exist. Needs CAP_NET_ADMIN. Prints 'DEV CGROUP: ' and the\n"
      "settings, e.g. 'd0 /tenant-a: mode absorb, max dirty 512.0 MiB'.");
  add_device(*set, set_options->dev_name, "Device")->required();
  add_cgroup(*set, set_options->cgroup, kCgroupHelp)->required();
  set->add_option("--mode", set_options->mode, "Which writes are absorbed into NVM")
      ->type_name("absorb|sync-only|bypass")
      ->check(mode_validator());
  set->add_option("--max-dirty", set_options->max_dirty,
                  "Cap on the NVM bytes the policy's writes may hold (0: no cap)")
      ->type_name("SIZE")
      ->check(parse_validator(parse_size, "size"));
  set->add_option("--on-full", set_options->on_full, "What a write does at the cap")
      ->type_name("throttle|bypass")
      ->check(parse_validator(parse_on_full_setting, "on-full"));
  set->add_option("--weight", set_options->weight, "Destage weight, 1 to 1000 (default 100)")
      ->type_name("N")
      ->check(parse_validator(parse_weight, "weight"));
  set->callback([&ctx, set_options] {
    // Parsed here, so that a usage error is reported as one (exit 2).
    ctx.action = [&ctx, request = policy_set_request(ctx, *set_options)] {
      return policy_set(ctx, request);
    };
  });

  auto del_options = std::make_shared<DelOptions>();
  CLI::App* del = policy->add_subcommand("del", "Delete the policy of a cgroup");
  del->footer(
      "Names the cgroup by path, or with --id by its id: the policy of a removed cgroup\n"
      "('stale' in 'policy list') can only be deleted by id. Blocks the policy holds stay\n"
      "in NVM until destaged. Needs CAP_NET_ADMIN. Prints 'deleted policy of CGROUP on DEV'.");
  add_device(*del, del_options->dev_name, "Device")->required();
  add_cgroup(*del, del_options->cgroup, kCgroupHelp);
  del->add_option("--id", del_options->cgroup_id, "cgroup id instead of CGROUP")
      ->type_name("N")
      ->check(parse_validator(parse_cgroup_id, "cgroup id"));
  del->callback([&ctx, del_options] {
    ctx.action = [&ctx, request = policy_del_request(ctx, *del_options)] {
      return policy_del(ctx, request);
    };
  });

  auto show_options = std::make_shared<ShowOptions>();
  CLI::App* show = policy->add_subcommand("show", "Show the policy of a cgroup");
  show->footer(
      "Prints 'key: value' lines. Fails if the cgroup has no policy of its own.\n"
      "JSON: as one entry of 'policy list --json'.");
  add_device(*show, show_options->dev_name, "Device")->required();
  add_cgroup(*show, show_options->cgroup, kCgroupHelp)->required();
  show->add_flag("--json", show_options->json, "Print JSON with exact integers");
  show->callback([&ctx, show_options] {
    ctx.action = [&ctx, show_options] { return policy_show(ctx, *show_options); };
  });

  auto list_options = std::make_shared<ListOptions>();
  CLI::App* list = policy->add_subcommand("list", "List policies");
  list->footer(
      "Columns: DEVICE CGROUP ID MODE MAX-DIRTY ('-': no cap) ON-FULL WEIGHT DIRTY, and\n"
      "'stale' for the policy of a removed cgroup; sorted by device and cgroup.\n"
      "JSON: {\"policies\": [{\"dev_name\", \"cgroup_path\", \"cgroup_id\", \"mode\",\n"
      "\"max_dirty\" (bytes, 0: no cap), \"on_full\", \"weight\", \"stale\" (bool),\n"
      "\"dirty_bytes\"}, ...]}.");
  add_device(*list, list_options->dev_name, "Only this device's policies");
  list->add_flag("--json", list_options->json, "Print JSON with exact integers");
  list->callback([&ctx, list_options] {
    ctx.action = [&ctx, list_options] { return policy_list(ctx, *list_options); };
  });
}

}  // namespace nvflush
