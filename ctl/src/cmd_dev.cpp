// SPDX-License-Identifier: GPL-2.0-only
//
// nvflushctl dev create|destroy|list|show
#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <memory>
#include <string>

#include "cli.hpp"
#include "output.hpp"

namespace nvflush {

namespace {

struct NameOptions {
  std::string name;
  bool json = false;
};

// Paths are stored by the kernel "as given"; make them mean the same thing
// from any working directory. Symbolic links such as /dev/disk/by-id/* are
// kept as they are.
std::string absolute_path(const std::string& path) {
  return std::filesystem::absolute(path).lexically_normal().string();
}

int dev_create(const Context& ctx, const DevCreateRequest& options) {
  const DevCreateRequest request{
      .name = options.name,
      .origin_path = absolute_path(options.origin_path),
      .nvm_path = absolute_path(options.nvm_path),
  };
  return ctx.with_api([&](Api& api) {
    auto dev = api.dev_create(request);
    if (!dev) {
      return ctx.fail(std::move(dev).error().wrap("create " + request.name));
    }
    ctx.out << fmt::format("created {} as /dev/{}\n", dev->name, dev->disk_name);
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

  auto create_options = std::make_shared<DevCreateRequest>();
  CLI::App* create = dev->add_subcommand("create", "Create a device over an origin and an NVM");
  create->footer(
      "Creates /dev/nvflushN, which stacks the NVM device in front of the origin device.\n"
      "Both are opened exclusively; the NVM must support DAX. Needs CAP_NET_ADMIN.\n"
      "Prints 'created NAME as /dev/nvflushN'.");
  add_name(*create, create_options->name,
           "Name of the new device: 1 to 31 characters of A-Z a-z 0-9 _ . -");
  create->add_option("--origin", create_options->origin_path, "Slow origin block device")
      ->required()
      ->type_name("DEV");
  create->add_option("--nvm", create_options->nvm_path, "NVM (pmem, DAX-capable) block device")
      ->required()
      ->type_name("DEV");
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
      "Columns: NAME DISK SIZE NVM ORIGIN NVM-DEV OPENERS, sizes in IEC units.\n"
      "JSON: {\"devices\": [DEVICE, ...]}, each DEVICE as printed by 'dev show --json'.");
  add_json(*list, list_options->json);
  list->callback([&ctx, list_options] {
    ctx.action = [&ctx, list_options] { return dev_list(ctx, list_options->json); };
  });

  auto show_options = std::make_shared<NameOptions>();
  CLI::App* show = dev->add_subcommand("show", "Show one device");
  show->footer(
      "Prints 'key: value' lines. JSON: {\"name\", \"disk\" (nvflushN), \"index\", \"size\",\n"
      "\"nvm_size\", \"block_size\", \"origin_path\", \"nvm_path\", \"openers\"}, sizes in bytes.");
  add_name(*show, show_options->name, "Device to show");
  add_json(*show, show_options->json);
  show->callback([&ctx, show_options] {
    ctx.action = [&ctx, show_options] { return dev_show(ctx, *show_options); };
  });
}

}  // namespace nvflush
