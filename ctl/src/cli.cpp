// SPDX-License-Identifier: GPL-2.0-only
#include "cli.hpp"

#include <exception>
#include <string>

#include "messages.hpp"

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

CLI::Validator mode_validator() {
  return {[](const std::string& text) {
            return parse_mode(text)
                       ? std::string{}
                       : "mode must be 'absorb', 'sync-only' or 'bypass', not '" + text + "'";
          },
          "", "mode"};
}

std::string usage_message(const Error& error) {
  return error.detail.empty() ? error.to_string() : error.what + ": " + error.detail;
}

int run(Context& ctx, int argc, const char* const* argv) {
  try {
    CLI::App app{
        "Control nvflush stacked block devices, which absorb writeback of a slow origin disk "
        "into NVM, set per-cgroup policies and read per-cgroup I/O counters.",
        "nvflushctl"};
    app.set_version_flag("--version", "nvflushctl " NVFLUSH_VERSION);
    app.require_subcommand(1);
    setup_dev(app, ctx);
    setup_stats(app, ctx);
    setup_policy(app, ctx);
    // After the subcommands, which would inherit it.
    app.footer(
        "Run 'nvflushctl COMMAND --help' for the options of a command.\n"
        "Exit status: 0 success, 1 the operation failed, 2 usage error.");

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
