// SPDX-License-Identifier: GPL-2.0-only
//
// nvflushctl monitor [--json] [--dev NAME] [--count N]
#include <fmt/chrono.h>
#include <fmt/format.h>

#include <chrono>
#include <cstdint>
#include <ctime>
#include <memory>
#include <optional>
#include <string>

#include "cli.hpp"
#include "event_format.hpp"
#include "stop_signals.hpp"

namespace nvflush {

namespace {

struct MonitorOptions {
  bool json = false;
  std::string dev;  // empty: every device
  std::optional<std::uint64_t> count;
};

// Local wall-clock time with milliseconds, e.g. "05:40:01.123".
std::string clock_text() {
  using std::chrono::duration_cast;
  using std::chrono::milliseconds;
  const auto now = std::chrono::system_clock::now();
  const std::time_t seconds = std::chrono::system_clock::to_time_t(now);
  std::tm local{};
  localtime_r(&seconds, &local);
  const auto ms = duration_cast<milliseconds>(now.time_since_epoch()).count() % 1000;
  return fmt::format("{:%H:%M:%S}.{:03}", local, ms);
}

int monitor(const Context& ctx, const MonitorOptions& options) {
  return ctx.with_api([&](Api& api) {
    const StopSignals stop;
    std::uint64_t shown = 0;
    auto watched = api.watch_events(
        [&](const Event& event) {
          if (!options.dev.empty() && event.dev_name != options.dev) {
            return true;
          }
          const std::string time = clock_text();
          ctx.out << (options.json ? event_json(time, event).dump() + "\n"
                                   : event_line(time, event));
          ctx.out.flush();
          return !options.count || ++shown < *options.count;
        },
        [] { return StopSignals::stopped(); },
        [&ctx] { ctx.err << "nvflushctl: monitor: events were lost (receive buffer full)\n"; });
    if (!watched) {
      return ctx.fail(std::move(watched).error().wrap("monitor"));
    }
    return static_cast<int>(kExitOk);
  });
}

}  // namespace

void setup_monitor(CLI::App& app, Context& ctx) {
  auto options = std::make_shared<MonitorOptions>();
  CLI::App* monitor_cmd =
      app.add_subcommand("monitor", "Print nvflush events as they happen (any user may)");
  monitor_cmd->footer(
      "Subscribes to the events multicast group and prints one line per event:\n"
      "'TIME DEVICE TYPE details', TYPE one of degraded, quota-hit, nvm-full, drained,\n"
      "policy-changed. Runs until interrupted (SIGINT, SIGTERM: exit 0) or --count events\n"
      "were shown. quota-hit and nvm-full are sent at most once a second per policy and\n"
      "per device.\n"
      "JSON (--json): one object per line with \"time\", \"type\", \"device\" and what the\n"
      "event carries: \"cgroup_id\", \"cgroup_path\", \"reason\", \"error\", \"dirty_bytes\",\n"
      "\"max_dirty\", \"on_full\", \"removed\".");
  monitor_cmd->add_flag("--json", options->json, "One JSON object per line");
  monitor_cmd->add_option("--dev", options->dev, "Only events of this device")
      ->type_name("NAME")
      ->check(device_name_validator());
  monitor_cmd->add_option("--count", options->count, "Stop after N events")
      ->type_name("N")
      ->check(CLI::Range(std::uint64_t{1}, UINT64_MAX));
  monitor_cmd->callback(
      [&ctx, options] { ctx.action = [&ctx, options] { return monitor(ctx, *options); }; });
}

}  // namespace nvflush
