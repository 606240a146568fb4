// SPDX-License-Identifier: GPL-2.0-only
//
// nvflushctl stats [NAME] [--cgroup PATH] [--json | --prometheus |
//                  --watch [SECONDS] [--count N]]
#include <fmt/chrono.h>
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <ctime>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cli.hpp"
#include "output.hpp"
#include "prometheus.hpp"
#include "settings.hpp"
#include "stats_rates.hpp"
#include "stats_report.hpp"
#include "stop_signals.hpp"

namespace nvflush {

namespace {

struct StatsOptions {
  std::string name;  // empty: every device
  std::string cgroup;
  bool json = false;
  bool prometheus = false;
  std::optional<std::string> watch;  // seconds between refreshes, as typed
  std::optional<std::uint64_t> count;
};

// A sleep is cut into slices of at most this, so that SIGINT or SIGTERM
// ends `--watch` soon.
constexpr std::chrono::milliseconds kWatchSlice{100};

// What one stats command reads: the devices named and the rows of one
// cgroup or all.
struct StatsQuery {
  std::string name;  // empty: every device
  std::optional<std::uint64_t> only_cgroup;
  std::string what;  // "stats" or "stats NAME", for errors
};

Result<std::vector<DeviceStats>> read_report(Api& api, const StatsQuery& query,
                                             CgroupTree& cgroups) {
  std::vector<DevInfo> devices;
  std::optional<std::string> filter;
  if (query.name.empty()) {
    auto listed = api.dev_list();
    if (!listed) {
      return std::move(listed).error().wrap(query.what);
    }
    devices = std::move(*listed);
  } else {
    auto dev = api.dev_get(query.name);
    if (!dev) {
      return std::move(dev).error().wrap(query.what);
    }
    devices.push_back(std::move(*dev));
    filter = query.name;
  }
  auto records = api.stats(filter);
  if (!records) {
    return std::move(records).error().wrap(query.what);
  }
  return build_stats_report(
      devices, *records, [&cgroups](std::uint64_t id) { return cgroups.path_of(id); },
      query.only_cgroup);
}

// Sleeps `pause` in slices; false if SIGINT or SIGTERM arrived before or
// during it.
bool pause_unless_stopped(const Context& ctx, std::chrono::milliseconds pause) {
  while (pause.count() > 0 && !StopSignals::stopped()) {
    const auto slice = std::min(pause, kWatchSlice);
    ctx.sleep(slice);
    pause -= slice;
  }
  return !StopSignals::stopped();
}

// "2025-06-01 12:00:00  every 2 s, per second over the last 2.0 s"
std::string watch_header(std::chrono::system_clock::time_point when, double interval,
                         double elapsed) {
  const std::time_t seconds = std::chrono::system_clock::to_time_t(when);
  return fmt::format("{:%Y-%m-%d %H:%M:%S}  every {:g} s, per second over the last {:.1f} s\n",
                     fmt::localtime(seconds), interval, elapsed);
}

// Reads a sample, then every `interval` seconds another, and shows the
// rates between the two last ones until `count` refreshes were shown or
// SIGINT or SIGTERM arrives.
int watch_stats(const Context& ctx, Api& api, const StatsQuery& query, CgroupTree& cgroups,
                double interval, std::optional<std::uint64_t> count) {
  const StopSignals catch_stop_signals;
  const std::chrono::milliseconds pause{std::max<std::int64_t>(1, std::llround(interval * 1000))};
  auto before = read_report(api, query, cgroups);
  if (!before) {
    return ctx.fail(before.error());
  }
  auto taken = ctx.now();
  for (std::uint64_t refresh = 1; !count || refresh <= *count; ++refresh) {
    if (!pause_unless_stopped(ctx, pause)) {
      break;
    }
    auto after = read_report(api, query, cgroups);
    if (!after) {
      return ctx.fail(after.error());
    }
    const auto now = ctx.now();
    const double elapsed = std::chrono::duration<double>(now - taken).count();
    if (ctx.out_is_terminal) {
      ctx.out << "\x1b[H\x1b[2J";  // cursor home, clear the screen
    } else if (refresh > 1) {
      ctx.out << '\n';
    }
    ctx.out << watch_header(ctx.time_of_day(), interval, elapsed)
            << stats_rate_table(stats_rates(*before, *after, elapsed)) << std::flush;
    before = std::move(after);
    taken = now;
  }
  return kExitOk;
}

int show_stats(const Context& ctx, const StatsOptions& options) {
  CgroupTree cgroups = ctx.cgroup_tree();
  StatsQuery query{.name = options.name,
                   .only_cgroup = std::nullopt,
                   .what = options.name.empty() ? "stats" : "stats " + options.name};
  if (!options.cgroup.empty()) {
    auto id = cgroups.id_of(options.cgroup);
    if (!id) {
      return ctx.fail(id.error());
    }
    query.only_cgroup = *id;
  }

  return ctx.with_api([&](Api& api) {
    if (options.watch) {
      return watch_stats(ctx, api, query, cgroups, *parse_interval(*options.watch), options.count);
    }
    auto report = read_report(api, query, cgroups);
    if (!report) {
      return ctx.fail(report.error());
    }
    if (options.json) {
      ctx.out << json_text(stats_json(*report));
    } else if (options.prometheus) {
      ctx.out << prometheus_text(*report);
    } else {
      ctx.out << stats_table(*report);
    }
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
      "destaged_bytes quota_throttles quota_throttle_usec quota_bypasses, and\n"
      "write_latency flush_latency (32 counts: log2 microsecond buckets, bucket 0 under\n"
      "1 us, bucket i from 2^(i-1) us, bucket 31 from 2^30 us); cgroups sorted by id.\n"
      "The table shows WRITES WRITTEN READS READ ABSORBED BYPASSED DIRTY DESTAGED\n"
      "(sizes in IEC units) and WRITE P99, FLUSH P99 (the upper bound of the bucket\n"
      "holding the 99th percentile, '-' without completions); the other counters are\n"
      "in the JSON only.\n"
      "--prometheus prints every counter in the Prometheus text format: nvflush_KEY_total\n"
      "(nvflush_dirty_bytes, a gauge), labelled device, disk, cgroup (the path, if known)\n"
      "and cgroup_id, then the histograms nvflush_write_latency_seconds and\n"
      "nvflush_flush_latency_seconds.\n"
      "--watch redraws the table every SECONDS (default 2) with what happened per second\n"
      "since the previous refresh (WRITTEN/s ... DESTAGED/s; DIRTY as it is now), after a\n"
      "header with the time, until interrupted (exit 0) or --count refreshes were shown.\n"
      "Give NAME before --watch: 'stats d0 --watch'.");
  stats->add_option("NAME", options->name, "Only this device (an error if there is none)")
      ->type_name("")
      ->check(device_name_validator());
  stats
      ->add_option("--cgroup", options->cgroup,
                   "Only this cgroup's rows (totals still cover all): /a/b or a full path")
      ->type_name("PATH");
  CLI::Option* json = stats->add_flag("--json", options->json, "Print JSON with exact integers");
  CLI::Option* prometheus = stats
                                ->add_flag("--prometheus", options->prometheus,
                                           "Print the Prometheus text exposition format")
                                ->excludes(json);
  CLI::Option* watch =
      stats
          ->add_option("--watch", options->watch,
                       "Redraw the table with per-second rates every SECONDS (default 2)")
          ->expected(0, 1)
          ->default_str("2")
          ->type_name("[SECONDS]")
          ->check(parse_validator(parse_interval, "seconds"))
          ->excludes(json)
          ->excludes(prometheus);
  stats->add_option("--count", options->count, "With --watch: stop after N refreshes")
      ->type_name("N")
      ->check(CLI::PositiveNumber)
      ->needs(watch);
  stats->callback(
      [&ctx, options] { ctx.action = [&ctx, options] { return show_stats(ctx, *options); }; });
}

}  // namespace nvflush
