// SPDX-License-Identifier: GPL-2.0-only
//
// nvflushctl stats [NAME] [--cgroup PATH] [--json]
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cli.hpp"
#include "output.hpp"
#include "stats_report.hpp"

namespace nvflush {

namespace {

struct StatsOptions {
  std::string name;  // empty: every device
  std::string cgroup;
  bool json = false;
};

int show_stats(const Context& ctx, const StatsOptions& options) {
  CgroupTree cgroups = ctx.cgroup_tree();
  std::optional<std::uint64_t> only_cgroup;
  if (!options.cgroup.empty()) {
    auto id = cgroups.id_of(options.cgroup);
    if (!id) {
      return ctx.fail(id.error());
    }
    only_cgroup = *id;
  }
  const std::string what = options.name.empty() ? "stats" : "stats " + options.name;

  return ctx.with_api([&](Api& api) {
    std::vector<DevInfo> devices;
    std::optional<std::string> filter;
    if (options.name.empty()) {
      auto listed = api.dev_list();
      if (!listed) {
        return ctx.fail(std::move(listed).error().wrap(what));
      }
      devices = std::move(*listed);
    } else {
      auto dev = api.dev_get(options.name);
      if (!dev) {
        return ctx.fail(std::move(dev).error().wrap(what));
      }
      devices.push_back(std::move(*dev));
      filter = options.name;
    }

    auto records = api.stats(filter);
    if (!records) {
      return ctx.fail(std::move(records).error().wrap(what));
    }
    const auto report = build_stats_report(
        devices, *records, [&cgroups](std::uint64_t id) { return cgroups.path_of(id); },
        only_cgroup);
    ctx.out << (options.json ? json_text(stats_json(report)) : stats_table(report));
    return static_cast<int>(kExitOk);
  });
}

}  // namespace

void setup_stats(CLI::App& app, Context& ctx) {
  auto options = std::make_shared<StatsOptions>();
  CLI::App* stats = app.add_subcommand("stats", "Show per-cgroup I/O counters");
  stats->footer(
      "Counts I/O since device creation: one row per (device, cgroup), then a TOTAL row\n"
      "per device. Cgroups are shown by path relative to the cgroup2 mount, or by id\n"
      "when the cgroup no longer exists.\n"
      "JSON: {\"devices\": [{\"name\", \"disk\", \"totals\": {COUNTERS},\n"
      "                      \"cgroups\": [{\"id\", \"path\" (or null), COUNTERS}, ...]}]}\n"
      "with COUNTERS write_bios write_bytes sync_writes flushes fua_writes read_bios\n"
      "read_bytes discard_bios discard_bytes absorbed_writes absorbed_bytes\n"
      "bypassed_writes bypassed_bytes write_hits read_hits read_misses dirty_bytes\n"
      "destaged_bytes quota_throttles quota_throttle_usec quota_bypasses, cgroups\n"
      "sorted by id. The table shows WRITES WRITTEN READS READ ABSORBED BYPASSED DIRTY\n"
      "DESTAGED (sizes in IEC units); the other counters are in the JSON only.");
  stats->add_option("NAME", options->name, "Only this device (an error if there is none)")
      ->type_name("")
      ->check(device_name_validator());
  stats
      ->add_option("--cgroup", options->cgroup,
                   "Only this cgroup's rows (totals still cover all): /a/b or a full path")
      ->type_name("PATH");
  stats->add_flag("--json", options->json, "Print JSON with exact integers");
  stats->callback(
      [&ctx, options] { ctx.action = [&ctx, options] { return show_stats(ctx, *options); }; });
}

}  // namespace nvflush
