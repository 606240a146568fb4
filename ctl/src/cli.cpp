// SPDX-License-Identifier: GPL-2.0-only
#include "cli.hpp"

#include <exception>
#include <memory>
#include <string>

#include "messages.hpp"
#include "settings.hpp"

namespace nvflush {

int Context::fail(const Error& error) const {
  err << "nvflushctl: " << error.to_string() << '\n';
  return kExitFailure;
}

int Context::with_api(const std::function<int(Api&)>& body) const {
  auto api = connect();
  if (!api) {
    return fail(api.error());
  }
  return body(**api);
}

CgroupTree Context::cgroup_tree() const {
  return cgroup_root ? CgroupTree(cgroup_root) : CgroupTree::system();
}

CLI::Validator device_name_validator() {
  return {[](const std::string& name) { return device_name_problem(name).value_or(std::string{}); },
          "", "device name"};
}

CLI::Validator mode_validator() { return parse_validator(parse_mode_setting, "mode"); }

std::unique_ptr<CLI::App> make_app(Context& ctx) {
  auto app = std::make_unique<CLI::App>(
      "Control nvflush stacked block devices, which absorb writeback of a slow origin disk "
      "into NVM, set per-cgroup policies and read per-cgroup I/O counters.",
      "nvflushctl");
  app->set_version_flag("--version", "nvflushctl " NVFLUSH_VERSION);
  app->require_subcommand(1);
  setup_dev(*app, ctx);
  setup_stats(*app, ctx);
  setup_policy(*app, ctx);
  setup_apply(*app, ctx);
  setup_monitor(*app, ctx);
  // After the subcommands, which would inherit it.
  app->footer(
      "Run 'nvflushctl COMMAND --help' for the options of a command; 'man nvflushctl' for\n"
      "all of them.\n"
      "Exit status: 0 success, 1 the operation failed, 2 usage error.");
  return app;
}

int run(Context& ctx, int argc, const char* const* argv) {
  try {
    const std::unique_ptr<CLI::App> owner = make_app(ctx);
    CLI::App& app = *owner;

    try {
      app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
      if (e.get_exit_code() == static_cast<int>(CLI::ExitCodes::Success)) {
        return app.exit(e, ctx.out, ctx.err);  // --help, --version
      }
      // help() describes the deepest subcommand the arguments reached.
      ctx.err << "nvflushctl: " << e.what() << "\n\n" << app.help();
      return kExitUsage;
    }
    if (!ctx.action) {
      ctx.err << "nvflushctl: no command given\n\n" << app.help();
      return kExitUsage;
    }
    const int code = ctx.action();
    // Data that never reached stdout (a full disk, a closed pipe) is a
    // failure too.
    if (!ctx.out.flush()) {
      ctx.err << "nvflushctl: error writing the output\n";
      return kExitFailure;
    }
    return code;
  } catch (const std::exception& e) {
    ctx.err << "nvflushctl: " << e.what() << '\n';
    return kExitFailure;
  }
}

}  // namespace nvflush
