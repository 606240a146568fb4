// SPDX-License-Identifier: GPL-2.0-only
//
// nvflushctl dev create|destroy|list|show|set|drain
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "cli.hpp"
#include "output.hpp"
#include "settings.hpp"
#include "units.hpp"

namespace nvflush {

namespace {

struct NameOptions {
  std::string name;
  bool json = false;
};

struct CreateOptions {
  DevCreateRequest request;
  std::string mode;  // empty: not given
};

// As typed; nullopt: not given. The validators let only valid values in.
struct SetOptions {
  std::string name;
  std::optional<std::string> mode;
  std::optional<std::string> high_watermark;
  std::optional<std::string> low_watermark;
  std::optional<std::string> destage_rate;
  std::optional<std::string> root_sync;
};

struct DrainOptions {
  std::string name;
  bool no_wait = false;
  std::optional<double> timeout_seconds;
};

// Pause between two DEV_GETs while waiting for a drain.
constexpr std::chrono::milliseconds kDrainPollInterval{200};

// The DEV_SET request of validated options. Throws CLI::ValidationError
// (a usage error) when no setting is given or the watermarks given cross.
DevSetRequest dev_set_request(const SetOptions& options) {
  DevSetRequest request{.name = options.name};
  if (options.mode) {
    request.mode = parse_mode(*options.mode);
  }
  if (options.high_watermark) {
    request.high_watermark =
        option_value(parse_high_watermark(*options.high_watermark), "--high-watermark");
  }
  if (options.low_watermark) {
    request.low_watermark =
        option_value(parse_low_watermark(*options.low_watermark), "--low-watermark");
  }
  if (options.destage_rate) {
    request.destage_rate = option_value(parse_rate(*options.destage_rate), "--destage-rate");
  }
  if (options.root_sync) {
    request.root_sync = parse_root_sync(*options.root_sync);
  }
  if (!request.any()) {
    throw CLI::ValidationError(
        "nothing to set: give at least one of --mode, --high-watermark, --low-watermark, "
        "--destage-rate and --root-sync");
  }
  if (request.high_watermark && request.low_watermark &&
      *request.low_watermark >= *request.high_watermark) {
    throw CLI::ValidationError("--low-watermark",
                               fmt::format("{}% must be below --high-watermark {}%",
                                           *request.low_watermark, *request.high_watermark));
  }
  return request;
}

int dev_create(const Context& ctx, const CreateOptions& options) {
  const DevCreateRequest request{
      .name = options.request.name,
      .origin_path = absolute_device_path(options.request.origin_path),
      .nvm_path = absolute_device_path(options.request.nvm_path),
      .format = options.request.format,
      .mode = options.mode.empty() ? std::nullopt : parse_mode(options.mode),
  };
  return ctx.with_api([&](Api& api) {
    auto dev = api.dev_create(request);
    if (!dev) {
      return ctx.fail(std::move(dev).error().wrap("create " + request.name));
    }
    ctx.out << dev_created(*dev);
    return static_cast<int>(kExitOk);
  });
}

int dev_destroy(const Context& ctx, const std::string& name) {
  return ctx.with_api([&](Api& api) {
    if (auto done = api.dev_destroy(name); !done) {
      return ctx.fail(std::move(done).error().wrap("destroy " + name));
    }
    ctx.out << fmt::format("destroyed {}\n", name);
    return static_cast<int>(kExitOk);
  });
}

int dev_list(const Context& ctx, bool json) {
  return ctx.with_api([&](Api& api) {
    auto devices = api.dev_list();
    if (!devices) {
      return ctx.fail(std::move(devices).error().wrap("list devices"));
    }
    std::sort(devices->begin(), devices->end(),
              [](const DevInfo& a, const DevInfo& b) { return a.name < b.name; });
    ctx.out << (json ? json_text(dev_list_json(*devices)) : dev_table(*devices));
    return static_cast<int>(kExitOk);
  });
}

int dev_show(const Context& ctx, const NameOptions& options) {
  return ctx.with_api([&](Api& api) {
    auto dev = api.dev_get(options.name);
    if (!dev) {
      return ctx.fail(std::move(dev).error().wrap("show " + options.name));
    }
    ctx.out << (options.json ? json_text(dev_json(*dev)) : dev_details(*dev));
    return static_cast<int>(kExitOk);
  });
}

int dev_set(const Context& ctx, const DevSetRequest& request) {
  return ctx.with_api([&](Api& api) {
    if (auto done = api.dev_set(request); !done) {
      return ctx.fail(std::move(done).error().wrap("set " + request.name));
    }
    ctx.out << dev_set_done(request);
    return static_cast<int>(kExitOk);
  });
}

// Requests the drain, then unless told not to polls DEV_GET until no block
// is dirty, the device turns degraded, or the timeout expires.
int dev_drain(const Context& ctx, const DrainOptions& options) {
  const std::string what = "drain " + options.name;
  return ctx.with_api([&](Api& api) {
    // Destaged bytes before the drain, to report what it wrote back.
    auto before = api.dev_get(options.name);
    if (!before) {
      return ctx.fail(std::move(before).error().wrap(what));
    }
    if (auto started = api.dev_drain(options.name); !started) {
      return ctx.fail(std::move(started).error().wrap(what));
    }
    if (options.no_wait) {
      ctx.out << fmt::format("draining {}: {} blocks dirty\n", options.name, before->dirty_blocks);
      return static_cast<int>(kExitOk);
    }

    const auto start = ctx.now();
    bool progress_shown = false;
    // Ends the progress line before anything else is printed.
    auto end_progress = [&] {
      if (progress_shown) {
        ctx.err << '\n';
        progress_shown = false;
      }
    };
    for (;;) {
      auto dev = api.dev_get(options.name);
      if (!dev) {
        end_progress();
        return ctx.fail(std::move(dev).error().wrap(what));
      }
      if (dev->dirty_blocks == 0) {
        end_progress();
        const std::uint64_t destaged = dev->destaged_bytes >= before->destaged_bytes
                                           ? dev->destaged_bytes - before->destaged_bytes
                                           : 0;
        ctx.out << fmt::format("drained {}: {} destaged\n", options.name, format_iec(destaged));
        return static_cast<int>(kExitOk);
      }
      if (dev->degraded) {
        end_progress();
        return ctx.fail(Error{0, what,
                              fmt::format("device is degraded (an NVM or origin error happened); "
                                          "{} blocks still dirty",
                                          dev->dirty_blocks)});
      }
      const std::chrono::duration<double> elapsed = ctx.now() - start;
      if (options.timeout_seconds && elapsed.count() >= *options.timeout_seconds) {
        end_progress();
        return ctx.fail(Error{0, what,
                              fmt::format("timed out after {:g} s; {} blocks still dirty",
                                          *options.timeout_seconds, dev->dirty_blocks)});
      }
      if (ctx.err_is_terminal) {
        // Rewrites one line: carriage return, text, clear to its end.
        ctx.err << '\r' << drain_progress(options.name, dev->dirty_blocks) << "\x1b[K"
                << std::flush;
        progress_shown = true;
      }
      ctx.sleep(kDrainPollInterval);
    }
  });
}

CLI::Option* add_name(CLI::App& cmd, std::string& name, const std::string& description) {
  return cmd.add_option("NAME", name, description)
      ->required()
      ->type_name("")
      ->check(device_name_validator());
}

CLI::Option* add_json(CLI::App& cmd, bool& json) {
  return cmd.add_flag("--json", json, "Print JSON with exact integers");
}

}  // namespace

void setup_dev(CLI::App& app, Context& ctx) {
  CLI::App* dev = app.add_subcommand("dev", "Create, destroy and inspect nvflush devices");
  dev->require_subcommand(1);

  auto create_options = std::make_shared<CreateOptions>();
  CLI::App* create = dev->add_subcommand("create", "Create a device over an origin and an NVM");
  create->footer(
      "Creates /dev/nvflushN, which stacks the NVM device in front of the origin device.\n"
      "Both are opened exclusively; the NVM must support DAX. Needs CAP_NET_ADMIN.\n"
      "Unless --format is given, the NVM must hold an nvflush superblock for this origin;\n"
      "the data committed in it is recovered.\n"
      "Prints 'created NAME as /dev/nvflushN', then, if the NVM held committed data,\n"
      "'recovered N blocks (SIZE) in T ms'.");
  add_name(*create, create_options->request.name,
           "Name of the new device: 1 to 31 characters of A-Z a-z 0-9 _ . -");
  create->add_option("--origin", create_options->request.origin_path, "Slow origin block device")
      ->required()
      ->type_name("DEV");
  create
      ->add_option("--nvm", create_options->request.nvm_path,
                   "NVM (pmem, DAX-capable) block device")
      ->required()
      ->type_name("DEV");
  create->add_flag("--format", create_options->request.format,
                   "Initialize the NVM (needed for a blank, damaged or foreign NVM; refused "
                   "while it holds committed data for this origin)");
  create
      ->add_option("--mode", create_options->mode,
                   "Write mode: absorb (into NVM, the default), sync-only (only sync, FUA and "
                   "flush writes into NVM) or bypass (to the origin)")
      ->type_name("absorb|sync-only|bypass")
      ->check(mode_validator());
  create->callback([&ctx, create_options] {
    ctx.action = [&ctx, create_options] { return dev_create(ctx, *create_options); };
  });

  auto destroy_options = std::make_shared<NameOptions>();
  CLI::App* destroy = dev->add_subcommand("destroy", "Destroy a device");
  destroy->footer(
      "Refused with EBUSY while the device is open or mounted. Needs CAP_NET_ADMIN.\n"
      "Prints 'destroyed NAME'.");
  add_name(*destroy, destroy_options->name, "Device to destroy");
  destroy->callback([&ctx, destroy_options] {
    ctx.action = [&ctx, destroy_options] { return dev_destroy(ctx, destroy_options->name); };
  });

  auto list_options = std::make_shared<NameOptions>();
  CLI::App* list = dev->add_subcommand("list", "List all devices");
  list->footer(
      "Columns: NAME DISK SIZE NVM MODE DIRTY ORIGIN NVM-DEV OPENERS, sizes in IEC units.\n"
      "JSON: {\"devices\": [DEVICE, ...]}, each DEVICE as printed by 'dev show --json'.");
  add_json(*list, list_options->json);
  list->callback([&ctx, list_options] {
    ctx.action = [&ctx, list_options] { return dev_list(ctx, list_options->json); };
  });

  auto show_options = std::make_shared<NameOptions>();
  CLI::App* show = dev->add_subcommand("show", "Show one device");
  show->footer(
      "Prints 'key: value' lines, among them 'destage: watermarks HIGH%/LOW%, rate cap RATE,\n"
      "N back-offs, T ms throttled', and the device's counters.\n"
      "JSON: {\"name\", \"disk\" (nvflushN), \"index\", \"size\", \"nvm_size\", \"block_size\",\n"
      "\"origin_path\", \"nvm_path\", \"openers\", \"nvm_uuid\", \"nvm_slots\" (4 KiB each),\n"
      "\"recovered_blocks\", \"recovery_usec\", \"mode\" (\"absorb\", \"sync-only\" or\n"
      "\"bypass\"), \"degraded\" "
      "(bool), \"dirty_blocks\", \"commit_seq\", \"absorbed_writes\", \"absorbed_bytes\",\n"
      "\"write_hits\", \"read_hits\", \"read_misses\", \"flushes_absorbed\", \"origin_flushes\",\n"
      "\"origin_flushes_avoided\", \"commits\", \"destaged_bytes\", \"destage_batches\",\n"
      "\"destage_writes\", \"slot_wait_usec\", \"destage_backoffs\", \"destage_throttle_usec\",\n"
      "\"high_watermark\", \"low_watermark\" (percent), \"destage_rate\" (bytes per second,\n"
      "0: no cap), \"root_sync\" (\"absorb\" or \"follow\")}, sizes in bytes.");
  add_name(*show, show_options->name, "Device to show");
  add_json(*show, show_options->json);
  show->callback([&ctx, show_options] {
    ctx.action = [&ctx, show_options] { return dev_show(ctx, *show_options); };
  });

  auto set_options = std::make_shared<SetOptions>();
  CLI::App* set = dev->add_subcommand("set", "Change the settings of a device");
  set->footer(
      "Give at least one option; the others stay as they are. Needs CAP_NET_ADMIN.\n"
      "absorb: writes go to NVM and are destaged to the origin later.\n"
      "sync-only: only writes flagged sync, FUA or flush (fsync, O_SYNC, O_DIRECT) go to\n"
      "NVM; buffered writeback goes to the origin.\n"
      "bypass: writes go to the origin, except to blocks still in NVM.\n"
      "The mode applies to cgroups without a policy ('nvflushctl policy').\n"
      "root-sync absorb (the default): metadata, FUA and flush writes of the root cgroup\n"
      "(the ext4/jbd2 journal, the XFS log) are absorbed whatever the root's policy, so\n"
      "a tenant's fsync completes in NVM; follow: they follow the root cgroup's policy.\n"
      "Watermarks are percentages of the NVM slots: the destager starts when the share\n"
      "holding data reaches the high one and stops at the low one (defaults 50% and 25%).\n"
      "While it runs, it pauses whenever foreground I/O arrived in the last 10 ms, until\n"
      "the NVM is half-way from the high watermark to full. The rate cap is ignored while\n"
      "a writer waits for a free slot.\n"
      "RATE: bytes per second, as 1048576, 512K, 64M, 1G (powers of 1024; KiB, MiB, GiB\n"
      "too), or 0 or 'unlimited' for no cap.\n"
      "If the kernel refuses a setting (a low watermark not below the high one), none\n"
      "changes. Prints 'NAME: ' and the settings, e.g. 'd0: mode bypass, destage rate\n"
      "64 MiB/s'.");
  add_name(*set, set_options->name, "Device to change");
  set->add_option("--mode", set_options->mode,
                  "Write mode (the default of cgroups without a policy): absorb, sync-only or "
                  "bypass")
      ->type_name("absorb|sync-only|bypass")
      ->check(mode_validator());
  set->add_option("--high-watermark", set_options->high_watermark,
                  "Start destaging when PCT% of the NVM slots hold data (1 to 100)")
      ->type_name("PCT")
      ->check(parse_validator(parse_high_watermark, "percent"));
  set->add_option("--low-watermark", set_options->low_watermark,
                  "Stop destaging at PCT% (0 to 99, below the high watermark)")
      ->type_name("PCT")
      ->check(parse_validator(parse_low_watermark, "percent"));
  set->add_option("--destage-rate", set_options->destage_rate,
                  "Cap on destage writes to the origin, bytes per second (0: no cap)")
      ->type_name("RATE")
      ->check(parse_validator(parse_rate, "rate"));
  set->add_option("--root-sync", set_options->root_sync,
                  "Root cgroup's metadata, FUA and flush writes (journal commits): absorb "
                  "them whatever the root's policy, or follow it")
      ->type_name("absorb|follow")
      ->check(parse_validator(parse_root_sync_setting, "root-sync"));
  set->callback([&ctx, set_options] {
    // Parsed here, so that a usage error is reported as one (exit 2).
    ctx.action = [&ctx, request = dev_set_request(*set_options)] { return dev_set(ctx, request); };
  });

  auto drain_options = std::make_shared<DrainOptions>();
  CLI::App* drain = dev->add_subcommand("drain", "Destage every dirty block to the origin");
  drain->footer(
      "Starts writing every block held in NVM back to the origin, then waits (polling\n"
      "every 200 ms) until none is dirty and prints 'drained NAME: SIZE destaged'.\n"
      "Fails (exit 1) if the device turns degraded or the timeout expires; the drain\n"
      "itself goes on in the kernel. Needs CAP_NET_ADMIN.");
  add_name(*drain, drain_options->name, "Device to drain");
  drain->add_flag("--no-wait", drain_options->no_wait,
                  "Return once the drain is started; prints 'draining NAME: N blocks dirty'");
  drain
      ->add_option("--timeout", drain_options->timeout_seconds,
                   "Give up waiting after SECONDS (default: wait as long as it takes)")
      ->type_name("SECONDS")
      ->check(parse_validator(parse_seconds, "seconds"));
  drain->callback([&ctx, drain_options] {
    ctx.action = [&ctx, drain_options] { return dev_drain(ctx, *drain_options); };
  });
}

}  // namespace nvflush
