// SPDX-License-Identifier: GPL-2.0-only
#include "cli.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "fake_api.hpp"
#include "output.hpp"
#include "test_support.hpp"

using nvflush::DevInfo;
using nvflush::DevMode;
using nvflush::DevSetRequest;
using nvflush::Error;
using nvflush::Json;
using nvflush::PolicyDelRequest;
using nvflush::PolicyInfo;
using nvflush::PolicySetRequest;
using nvflush::test::Harness;
using nvflush::test::inode_of;
using nvflush::test::Outcome;
using nvflush::test::sample_device;

TEST_CASE("usage errors exit 2 with the message and usage on stderr") {
  const std::vector<std::string> args = GENERATE(
      std::vector<std::string>{}, std::vector<std::string>{"bogus"},
      std::vector<std::string>{"dev"}, std::vector<std::string>{"dev", "bogus"},
      std::vector<std::string>{"dev", "create", "d0"},
      std::vector<std::string>{"dev", "create", "d0", "--origin", "/dev/vdb"},
      std::vector<std::string>{"dev", "create", "--origin", "/dev/vdb", "--nvm", "/dev/pmem0"},
      std::vector<std::string>{"dev", "create", "a/b", "--origin", "x", "--nvm", "y"},
      std::vector<std::string>{"dev", "create", "d0", "--format"},
      std::vector<std::string>{"dev", "create", "d0", "--origin", "x", "--nvm", "y",
                               "--format=maybe"},
      std::vector<std::string>{"dev", "show", "d0", "--format"},
      std::vector<std::string>{"dev", "destroy"},
      std::vector<std::string>{"dev", "destroy", "d0", "d1"},
      std::vector<std::string>{"dev", "show"}, std::vector<std::string>{"dev", "list", "--bogus"},
      std::vector<std::string>{"dev", "list", "extra"},
      std::vector<std::string>{"stats", "d0", "d1"},
      std::vector<std::string>{"stats", "this-name-is-far-too-long-for-nvflush"},
      std::vector<std::string>{"stats", "--cgroup"}, std::vector<std::string>{"--json"},
      std::vector<std::string>{"dev", "create", "d0", "--origin", "x", "--nvm", "y", "--mode",
                               "fast"},
      std::vector<std::string>{"dev", "create", "d0", "--origin", "x", "--nvm", "y", "--mode"},
      std::vector<std::string>{"dev", "set", "d0"},
      std::vector<std::string>{"dev", "set", "d0", "--mode", "Absorb"},
      std::vector<std::string>{"dev", "set", "d0", "--mode", "1"},
      std::vector<std::string>{"dev", "set", "--mode", "bypass"},
      std::vector<std::string>{"dev", "set", "a/b", "--mode", "bypass"},
      std::vector<std::string>{"dev", "set", "d0", "--high-watermark", "0"},
      std::vector<std::string>{"dev", "set", "d0", "--high-watermark", "101"},
      std::vector<std::string>{"dev", "set", "d0", "--high-watermark=-1"},
      std::vector<std::string>{"dev", "set", "d0", "--high-watermark", "high"},
      std::vector<std::string>{"dev", "set", "d0", "--high-watermark", "50.5"},
      std::vector<std::string>{"dev", "set", "d0", "--high-watermark"},
      std::vector<std::string>{"dev", "set", "d0", "--low-watermark", "100"},
      std::vector<std::string>{"dev", "set", "d0", "--low-watermark", "4294967296"},
      std::vector<std::string>{"dev", "set", "d0", "--low-watermark", ""},
      std::vector<std::string>{"dev", "set", "d0", "--high-watermark", "50", "--low-watermark",
                               "50"},
      std::vector<std::string>{"dev", "set", "d0", "--high-watermark", "30", "--low-watermark",
                               "60", "--mode", "bypass"},
      std::vector<std::string>{"dev", "set", "d0", "--destage-rate", "fast"},
      std::vector<std::string>{"dev", "set", "d0", "--destage-rate=-1"},
      std::vector<std::string>{"dev", "set", "d0", "--destage-rate", "64MB"},
      std::vector<std::string>{"dev", "set", "d0", "--destage-rate", "16E"},
      std::vector<std::string>{"dev", "set", "d0", "--destage-rate", ""},
      std::vector<std::string>{"dev", "set", "d0", "--destage-rate"},
      std::vector<std::string>{"dev", "drain"},
      std::vector<std::string>{"dev", "drain", "d0", "d1"},
      std::vector<std::string>{"dev", "drain", "d0", "--timeout", "-1"},
      std::vector<std::string>{"dev", "drain", "d0", "--timeout", "soon"},
      std::vector<std::string>{"dev", "drain", "d0", "--timeout", "inf"},
      std::vector<std::string>{"dev", "drain", "d0", "--timeout", "1s"},
      std::vector<std::string>{"dev", "drain", "d0", "--timeout"},
      std::vector<std::string>{"dev", "set", "d0", "--root-sync", "bypass"},
      std::vector<std::string>{"dev", "set", "d0", "--root-sync"},
      std::vector<std::string>{"dev", "set", "d0", "--mode", "sync_only"},
      std::vector<std::string>{"policy"}, std::vector<std::string>{"policy", "bogus"},
      std::vector<std::string>{"policy", "set", "d0"},
      std::vector<std::string>{"policy", "set", "d0", "/a"},
      std::vector<std::string>{"policy", "set", "/a", "--mode", "absorb"},
      std::vector<std::string>{"policy", "set", "a/b", "/a", "--mode", "absorb"},
      std::vector<std::string>{"policy", "set", "d0", "", "--mode", "absorb"},
      std::vector<std::string>{"policy", "set", "d0", "/a", "--mode", "fast"},
      std::vector<std::string>{"policy", "set", "d0", "/a", "--max-dirty", "1MB"},
      std::vector<std::string>{"policy", "set", "d0", "/a", "--max-dirty=-1"},
      std::vector<std::string>{"policy", "set", "d0", "/a", "--max-dirty", ""},
      std::vector<std::string>{"policy", "set", "d0", "/a", "--on-full", "wait"},
      std::vector<std::string>{"policy", "set", "d0", "/a", "--weight", "0"},
      std::vector<std::string>{"policy", "set", "d0", "/a", "--weight", "1001"},
      std::vector<std::string>{"policy", "set", "d0", "/a", "--weight", "1.5"},
      std::vector<std::string>{"policy", "set", "d0", "/a", "--weight", ""},
      std::vector<std::string>{"policy", "set", "d0", "/a", "--weight"},
      std::vector<std::string>{"policy", "set", "d0", "/a", "/b", "--mode", "absorb"},
      std::vector<std::string>{"policy", "del", "d0"},
      std::vector<std::string>{"policy", "del", "d0", "/a", "--id", "5"},
      std::vector<std::string>{"policy", "del", "d0", "--id", "five"},
      std::vector<std::string>{"policy", "del", "d0", "--id=-1"},
      std::vector<std::string>{"policy", "show", "d0"},
      std::vector<std::string>{"policy", "show", "d0", "/a", "/b"},
      std::vector<std::string>{"policy", "list", "d0", "d1"},
      std::vector<std::string>{"policy", "list", "--bogus"});
  Harness harness;
  const Outcome outcome = harness.run(args);
  INFO(outcome.err);
  CHECK(outcome.code == nvflush::kExitUsage);
  CHECK(outcome.out.empty());
  CHECK_THAT(outcome.err, Catch::StartsWith("nvflushctl: "));
  CHECK_THAT(outcome.err, Catch::Contains("Usage: "));
  CHECK(harness.connects == 0);
}

TEST_CASE("usage errors name the problem") {
  Harness harness;
  CHECK_THAT(harness.run({"dev", "create", "d0", "--origin", "/dev/vdb"}).err,
             Catch::Contains("--nvm is required"));
  CHECK_THAT(harness.run({"dev", "create", "a/b", "--origin", "x", "--nvm", "y"}).err,
             Catch::Contains("the name contains '/'"));
  CHECK_THAT(
      harness.run({"dev", "create", "d0", "--origin", "x", "--nvm", "y", "--mode", "fast"}).err,
      Catch::Contains("mode must be 'absorb', 'sync-only' or 'bypass', not 'fast'"));
  CHECK_THAT(harness.run({"dev", "set", "d0"}).err,
             Catch::StartsWith("nvflushctl: nothing to set: give at least one of --mode, "
                               "--high-watermark, --low-watermark, --destage-rate and "
                               "--root-sync\n"));
  CHECK_THAT(harness.run({"dev", "set", "d0", "--high-watermark", "0"}).err,
             Catch::StartsWith("nvflushctl: --high-watermark: must be a whole percentage from 1 "
                               "to 100, not '0'\n"));
  CHECK_THAT(harness.run({"dev", "set", "d0", "--low-watermark", "100%"}).err,
             Catch::StartsWith("nvflushctl: --low-watermark: must be a whole percentage from 0 "
                               "to 99, not '100%'\n"));
  CHECK_THAT(
      harness.run({"dev", "set", "d0", "--high-watermark", "40", "--low-watermark", "40"}).err,
      Catch::StartsWith("nvflushctl: --low-watermark: 40% must be below --high-watermark 40%\n"));
  CHECK_THAT(harness.run({"dev", "set", "d0", "--destage-rate", "64X"}).err,
             Catch::StartsWith("nvflushctl: --destage-rate: invalid rate '64X': unknown unit "
                               "'X'; use B, K, M, G, T, P, E or KiB, MiB, ...\n"));
  CHECK_THAT(harness.run({"dev", "set", "d0", "--destage-rate=-64M"}).err,
             Catch::StartsWith("nvflushctl: --destage-rate: invalid rate '-64M': a rate cannot "
                               "be negative; 0 or 'unlimited' means no cap\n"));
  CHECK_THAT(harness.run({"dev", "set", "d0", "--destage-rate", "16E"}).err,
             Catch::StartsWith("nvflushctl: --destage-rate: invalid rate '16E': more than "
                               "2^64 - 1 bytes\n"));
  CHECK_THAT(harness.run({"dev", "set", "d0"}).err, Catch::Contains("Usage: nvflushctl dev set"));
  CHECK_THAT(harness.run({"dev", "set", "d0", "--low-watermark", "9", "--high-watermark", "8"}).err,
             Catch::Contains("Usage: nvflushctl dev set"));
  CHECK_THAT(harness.run({"dev", "drain", "d0", "--timeout", "soon"}).err,
             Catch::Contains("--timeout: must be a number of seconds, 0 or more, not 'soon'"));
  CHECK_THAT(harness.run({"dev", "drain", "d0", "--timeout", "-1"}).err,
             Catch::Contains("not '-1'"));
  CHECK_THAT(harness.run({"dev", "set", "d0", "--mode", "x"}).err,
             Catch::Contains("Usage: nvflushctl dev set"));
  // The usage shown is the subcommand's.
  CHECK_THAT(harness.run({"dev", "create", "d0"}).err,
             Catch::Contains("Usage: nvflushctl dev create"));
}

TEST_CASE("--help and --version exit 0 on stdout") {
  Harness harness;
  for (const auto& args :
       {std::vector<std::string>{"--help"}, std::vector<std::string>{"dev", "--help"},
        std::vector<std::string>{"dev", "create", "--help"},
        std::vector<std::string>{"stats", "--help"}}) {
    const Outcome outcome = harness.run(args);
    CHECK(outcome.code == nvflush::kExitOk);
    CHECK_THAT(outcome.out, Catch::Contains("Usage: "));
    CHECK(outcome.err.empty());
  }
  CHECK_THAT(harness.run({"dev", "create", "--help"}).out, Catch::Contains("--origin DEV"));
  const std::string create_help = harness.run({"dev", "create", "--help"}).out;
  CHECK_THAT(create_help, Catch::Contains("--format"));
  CHECK_THAT(create_help,
             Catch::Contains("Initialize the NVM (needed for a blank, damaged or foreign NVM; "
                             "refused while it holds committed data for this origin)"));
  CHECK_THAT(create_help, Catch::Contains("superblock for this origin"));
  CHECK_THAT(harness.run({"--help"}).out, Catch::Contains("Exit status"));

  const Outcome version = harness.run({"--version"});
  CHECK(version.code == nvflush::kExitOk);
  CHECK(version.out == "nvflushctl " NVFLUSH_TEST_VERSION "\n");
  CHECK(harness.connects == 0);
}

TEST_CASE("dev create sends absolute paths and reports the disk") {
  Harness harness;
  const Outcome outcome =
      harness.run({"dev", "create", "d0", "--origin", "/dev/vdb", "--nvm", "relative/../pmem0"});
  CHECK(outcome.code == nvflush::kExitOk);
  CHECK(outcome.out == "created d0 as /dev/nvflush4\n");
  CHECK(outcome.err.empty());
  REQUIRE(harness.kernel.created.has_value());
  CHECK(harness.kernel.created->name == "d0");
  CHECK(harness.kernel.created->origin_path == "/dev/vdb");
  CHECK(harness.kernel.created->nvm_path == (std::filesystem::current_path() / "pmem0").string());
  CHECK_FALSE(harness.kernel.created->format);
}

TEST_CASE("dev create --format asks the kernel to format the NVM") {
  Harness harness;
  const auto args = GENERATE(std::vector<std::string>{"dev", "create", "d0", "--origin", "/dev/vdb",
                                                      "--nvm", "/dev/pmem0", "--format"},
                             std::vector<std::string>{"dev", "create", "--format", "d0", "--origin",
                                                      "/dev/vdb", "--nvm", "/dev/pmem0"});
  const Outcome outcome = harness.run(args);
  CHECK(outcome.code == nvflush::kExitOk);
  CHECK(outcome.out == "created d0 as /dev/nvflush4\n");
  CHECK(outcome.err.empty());
  REQUIRE(harness.kernel.created.has_value());
  CHECK(harness.kernel.created->format);
  CHECK(harness.kernel.created->nvm_path == "/dev/pmem0");
}

TEST_CASE("dev create reports the data it recovered") {
  Harness harness;
  harness.kernel.recovered_blocks = 300;
  harness.kernel.recovery_usec = 4567;
  const Outcome outcome =
      harness.run({"dev", "create", "d0", "--origin", "/dev/vdb", "--nvm", "/dev/pmem0"});
  CHECK(outcome.code == nvflush::kExitOk);
  CHECK(outcome.out ==
        "created d0 as /dev/nvflush4\n"
        "recovered 300 blocks (1.2 MiB) in 4.6 ms\n");
  CHECK(outcome.err.empty());
  REQUIRE(harness.kernel.created.has_value());
  CHECK_FALSE(harness.kernel.created->format);
}

TEST_CASE("kernel errors exit 1 with errno and extack on stderr") {
  Harness harness;
  harness.kernel.fail_with = Error{EPERM, "", "needs CAP_NET_ADMIN"};
  const Outcome create =
      harness.run({"dev", "create", "d0", "--origin", "/dev/vdb", "--nvm", "/dev/pmem0"});
  CHECK(create.code == nvflush::kExitFailure);
  CHECK(create.out.empty());
  CHECK(create.err == "nvflushctl: create d0: Operation not permitted: needs CAP_NET_ADMIN\n");

  harness.kernel.fail_with = Error{EBUSY, "", "device d0 is open"};
  const Outcome destroy = harness.run({"dev", "destroy", "d0"});
  CHECK(destroy.code == nvflush::kExitFailure);
  CHECK(destroy.err == "nvflushctl: destroy d0: Device or resource busy: device d0 is open\n");

  harness.kernel.fail_with = Error{EBADMSG, "malformed device reply", "missing attribute 'size'"};
  CHECK(harness.run({"dev", "list"}).err ==
        "nvflushctl: list devices: malformed device reply: Bad message: missing attribute "
        "'size'\n");
}

TEST_CASE("a missing module is reported once, exit 1") {
  Harness harness;
  harness.connect_error =
      Error{ENOENT, "nvflush kernel module not loaded: generic netlink family 'nvflush' not found"};
  const Outcome outcome = harness.run({"dev", "list"});
  CHECK(outcome.code == nvflush::kExitFailure);
  CHECK(outcome.err ==
        "nvflushctl: nvflush kernel module not loaded: generic netlink family 'nvflush' not "
        "found: No such file or directory\n");
}

TEST_CASE("dev destroy, list and show") {
  Harness harness;
  harness.kernel.devices = {sample_device("zz", 1), sample_device("d0", 0)};

  CHECK(harness.run({"dev", "destroy", "d0"}).out == "destroyed d0\n");
  CHECK(harness.kernel.calls.back() == "destroy d0");

  const Outcome list = harness.run({"dev", "list", "--json"});
  CHECK(list.code == nvflush::kExitOk);
  const Json json = Json::parse(list.out);
  REQUIRE(json["devices"].size() == 2);
  CHECK(json["devices"][0]["name"] == "d0");  // sorted by name
  CHECK(json["devices"][1] == nvflush::dev_json(sample_device("zz", 1)));

  const Outcome table = harness.run({"dev", "list"});
  CHECK_THAT(table.out, Catch::StartsWith("NAME  DISK"));

  CHECK(harness.run({"dev", "show", "zz"}).out == nvflush::dev_details(sample_device("zz", 1)));
  CHECK_THAT(harness.run({"dev", "show", "zz"}).out,
             Catch::Contains("nvm uuid:         6b1d2c3e-8f90-4a1b-9c2d-3e4f5a6b7c01\n"));
  CHECK_THAT(harness.run({"dev", "show", "zz"}).out,
             Catch::Contains("\ndestage:          watermarks 50%/25%, rate cap 64 MiB/s, 3 "
                             "back-offs, 12.5 ms throttled\n"));
  const Json shown = Json::parse(harness.run({"dev", "show", "zz", "--json"}).out);
  CHECK(shown["nvm_uuid"] == "6b1d2c3e-8f90-4a1b-9c2d-3e4f5a6b7c01");
  CHECK(shown["nvm_slots"] == 300);
  CHECK(shown["recovered_blocks"] == 12);
  CHECK(shown["recovery_usec"] == 1234);
  CHECK(shown["mode"] == "absorb");
  CHECK(shown["degraded"] == false);
  CHECK(shown["dirty_blocks"] == 300);
  CHECK(shown["slot_wait_usec"] == 1500);
  CHECK(shown["destage_backoffs"] == 3);
  CHECK(shown["destage_throttle_usec"] == 12500);
  CHECK(shown["high_watermark"] == 50);
  CHECK(shown["low_watermark"] == 25);
  CHECK(shown["destage_rate"] == 67108864);
  CHECK(json["devices"][0]["destage_rate"] == 67108864);
  CHECK(Json::parse(harness.run({"dev", "show", "zz", "--json"}).out) ==
        nvflush::dev_json(sample_device("zz", 1)));

  const Outcome missing = harness.run({"dev", "show", "nope"});
  CHECK(missing.code == nvflush::kExitFailure);
  CHECK(missing.err == "nvflushctl: show nope: No such device: no device named nope\n");
}

TEST_CASE("stats JSON through the CLI resolves cgroup paths") {
  const nvflush::test::TempDir dir;
  std::filesystem::create_directories(dir.path() / "work" / "job");
  const std::uint64_t root_id = inode_of(dir.path());
  const std::uint64_t job_id = inode_of(dir.path() / "work" / "job");

  Harness harness;
  harness.cgroup_root = dir.path();
  harness.kernel.devices = {sample_device("d0", 0), sample_device("d1", 1)};
  harness.kernel.records = {
      {.dev_name = "d0",
       .cgroup_id = job_id,
       .counters = {.write_bios = 2, .write_bytes = 8192},
       .latency = {}},
      {.dev_name = "d0",
       .cgroup_id = root_id,
       .counters = {.write_bios = 1, .write_bytes = 4096},
       .latency = {}},
      {.dev_name = "d0", .cgroup_id = 999999999999, .counters = {.read_bios = 1}, .latency = {}},
  };

  const Outcome outcome = harness.run({"stats", "--json"});
  REQUIRE(outcome.code == nvflush::kExitOk);
  const Json json = Json::parse(outcome.out);
  REQUIRE(json["devices"].size() == 2);
  const Json& d0 = json["devices"][0];
  CHECK(d0["name"] == "d0");
  CHECK(d0["disk"] == "nvflush0");
  CHECK(d0["totals"]["write_bios"] == 3);
  CHECK(d0["totals"]["write_bytes"] == 12288);
  CHECK(d0["totals"]["read_bios"] == 1);
  REQUIRE(d0["cgroups"].size() == 3);
  // Sorted by id, whatever the inode numbers are.
  std::vector<std::uint64_t> ids;
  for (const auto& cgroup : d0["cgroups"]) {
    ids.push_back(cgroup["id"].get<std::uint64_t>());
    CHECK(cgroup.size() == 2 + nvflush::kCounterFields.size() + 2);  // id, path, histograms
  }
  CHECK(std::is_sorted(ids.begin(), ids.end()));
  for (const auto& cgroup : d0["cgroups"]) {
    const auto id = cgroup["id"].get<std::uint64_t>();
    if (id == root_id) {
      CHECK(cgroup["path"] == "/");
    } else if (id == job_id) {
      CHECK(cgroup["path"] == "/work/job");
      CHECK(cgroup["write_bytes"] == 8192);
    } else {
      CHECK(cgroup["path"].is_null());
    }
  }
  CHECK(json["devices"][1]["cgroups"].empty());
  CHECK(harness.kernel.calls == std::vector<std::string>{"list", "stats *"});

  SECTION("--cgroup keeps one row") {
    const Json one =
        Json::parse(harness.run({"stats", "d0", "--cgroup", "/work/job", "--json"}).out);
    REQUIRE(one["devices"].size() == 1);
    REQUIRE(one["devices"][0]["cgroups"].size() == 1);
    CHECK(one["devices"][0]["cgroups"][0]["id"] == job_id);
    CHECK(one["devices"][0]["totals"]["write_bios"] == 3);
  }
  SECTION("the table shows paths and ids") {
    const std::string table = harness.run({"stats", "d0"}).out;
    CHECK_THAT(table, Catch::StartsWith("DEVICE  CGROUP"));
    CHECK_THAT(table, Catch::Contains("d0      /work/job"));
    CHECK_THAT(table, Catch::Contains("d0      999999999999"));
    CHECK_THAT(table, Catch::Contains("d0      TOTAL"));
    CHECK_THAT(table, !Catch::Contains("d1"));
  }
}

TEST_CASE("stats for one device asks for that device only") {
  Harness harness;
  harness.kernel.devices = {sample_device("d0", 0), sample_device("d1", 1)};
  const Outcome outcome = harness.run({"stats", "d1", "--json"});
  CHECK(outcome.code == nvflush::kExitOk);
  CHECK(harness.kernel.calls == std::vector<std::string>{"get d1", "stats d1"});
  const Json json = Json::parse(outcome.out);
  REQUIRE(json["devices"].size() == 1);
  CHECK(json["devices"][0]["name"] == "d1");
}

TEST_CASE("stats of an unknown device fails with exit 1") {
  Harness harness;
  harness.kernel.devices = {sample_device("d0", 0)};
  const Outcome outcome = harness.run({"stats", "d9"});
  CHECK(outcome.code == nvflush::kExitFailure);
  CHECK(outcome.out.empty());
  CHECK(outcome.err == "nvflushctl: stats d9: No such device: no device named d9\n");
}

TEST_CASE("stats of an unknown cgroup fails before asking the kernel") {
  Harness harness;
  const Outcome outcome = harness.run({"stats", "--cgroup", "/no/such"});
  CHECK(outcome.code == nvflush::kExitFailure);
  CHECK_THAT(outcome.err, Catch::EndsWith("/no/such': No such file or directory\n"));
  CHECK(harness.connects == 0);
}

TEST_CASE("stats with no devices") {
  Harness harness;
  CHECK(harness.run({"stats"}).out == "no devices\n");
  CHECK(harness.run({"stats", "--json"}).out == "{\"devices\":[]}\n");
  CHECK(harness.run({"dev", "list"}).out == "no devices\n");
}

TEST_CASE("output that cannot be written fails with exit 1") {
  Harness harness;
  harness.broken_stdout = true;
  harness.kernel.devices = {sample_device("d0", 0)};
  const Outcome outcome = harness.run({"dev", "list"});
  CHECK(outcome.code == nvflush::kExitFailure);
  CHECK(outcome.err == "nvflushctl: error writing the output\n");
}

TEST_CASE("dev create --mode sends the mode only when given") {
  Harness harness;
  const std::vector<std::string> base{"dev",      "create", "d0",        "--origin",
                                      "/dev/vdb", "--nvm",  "/dev/pmem0"};
  SECTION("not given") {
    CHECK(harness.run(base).code == nvflush::kExitOk);
    REQUIRE(harness.kernel.created.has_value());
    CHECK_FALSE(harness.kernel.created->mode.has_value());
  }
  SECTION("given") {
    const auto [text, mode] = GENERATE(table<std::string, DevMode>({
        {"absorb", DevMode::kAbsorb},
        {"bypass", DevMode::kBypass},
        {"sync-only", DevMode::kSyncOnly},
    }));
    auto args = base;
    args.insert(args.end(), {"--mode", text});
    const Outcome outcome = harness.run(args);
    CHECK(outcome.code == nvflush::kExitOk);
    CHECK(outcome.out == "created d0 as /dev/nvflush4\n");
    REQUIRE(harness.kernel.created.has_value());
    CHECK(harness.kernel.created->mode == mode);
  }
}

TEST_CASE("dev set changes the mode") {
  Harness harness;
  const Outcome bypass = harness.run({"dev", "set", "d0", "--mode", "bypass"});
  CHECK(bypass.code == nvflush::kExitOk);
  CHECK(bypass.out == "d0: mode bypass\n");
  CHECK(bypass.err.empty());
  CHECK(harness.run({"dev", "set", "--mode=absorb", "d0"}).out == "d0: mode absorb\n");
  CHECK(harness.kernel.calls ==
        std::vector<std::string>{"set d0 mode bypass", "set d0 mode absorb"});

  harness.kernel.fail_with = Error{ENODEV, "", "no device named d0"};
  const Outcome missing = harness.run({"dev", "set", "d0", "--mode", "bypass"});
  CHECK(missing.code == nvflush::kExitFailure);
  CHECK(missing.out.empty());
  CHECK(missing.err == "nvflushctl: set d0: No such device: no device named d0\n");
}

TEST_CASE("dev set sends the watermarks and the rate cap") {
  Harness harness;
  SECTION("all of them") {
    const Outcome outcome = harness.run({"dev", "set", "d0", "--mode", "bypass", "--high-watermark",
                                         "80%", "--low-watermark", "40", "--destage-rate", "64M"});
    CHECK(outcome.code == nvflush::kExitOk);
    CHECK(outcome.out ==
          "d0: mode bypass, high watermark 80%, low watermark 40%, destage rate 64 MiB/s\n");
    CHECK(outcome.err.empty());
    REQUIRE(harness.kernel.set.has_value());
    CHECK(*harness.kernel.set == DevSetRequest{.name = "d0",
                                               .mode = DevMode::kBypass,
                                               .high_watermark = 80,
                                               .low_watermark = 40,
                                               .destage_rate = 64ULL << 20});
  }
  SECTION("one at a time; the kernel checks a single watermark against the other") {
    CHECK(harness.run({"dev", "set", "d0", "--high-watermark", "100"}).out ==
          "d0: high watermark 100%\n");
    CHECK(harness.run({"dev", "set", "d0", "--low-watermark=0"}).out == "d0: low watermark 0%\n");
    CHECK(harness.run({"dev", "set", "d0", "--low-watermark", "99"}).out ==
          "d0: low watermark 99%\n");
    CHECK(harness.run({"dev", "set", "d0", "--destage-rate", "1GiB"}).out ==
          "d0: destage rate 1 GiB/s\n");
    CHECK(harness.run({"dev", "set", "d0", "--destage-rate", "unlimited"}).out ==
          "d0: destage rate none\n");
    CHECK(harness.run({"dev", "set", "d0", "--destage-rate", "0"}).out ==
          "d0: destage rate none\n");
    CHECK(harness.run({"dev", "set", "d0", "--destage-rate", "1000000"}).out ==
          "d0: destage rate 1000000 B/s\n");
    CHECK(harness.kernel.calls ==
          std::vector<std::string>{"set d0 high 100", "set d0 low 0", "set d0 low 99",
                                   "set d0 rate 1073741824", "set d0 rate 0", "set d0 rate 0",
                                   "set d0 rate 1000000"});
  }
}

TEST_CASE("dev set prints the kernel's refusal") {
  Harness harness;
  harness.kernel.fail_with = Error{EINVAL, "", "low-watermark must be below high-watermark"};
  const Outcome outcome = harness.run({"dev", "set", "d0", "--low-watermark", "60"});
  CHECK(outcome.code == nvflush::kExitFailure);
  CHECK(outcome.out.empty());
  CHECK(outcome.err ==
        "nvflushctl: set d0: Invalid argument: low-watermark must be below high-watermark\n");
  CHECK(harness.kernel.calls == std::vector<std::string>{"set d0 low 60"});
}

TEST_CASE("dev set --help describes the destager settings") {
  Harness harness;
  const Outcome outcome = harness.run({"dev", "set", "--help"});
  CHECK(outcome.code == nvflush::kExitOk);
  CHECK_THAT(outcome.out, Catch::Contains("--high-watermark PCT"));
  CHECK_THAT(outcome.out, Catch::Contains("--low-watermark PCT"));
  CHECK_THAT(outcome.out, Catch::Contains("--destage-rate RATE"));
  CHECK_THAT(outcome.out, Catch::Contains("'unlimited'"));
}

namespace {

constexpr std::uint64_t kBlock = 4096;

// d0 with 300 dirty blocks, of which each poll after DEV_DRAIN destages 100.
Harness drain_harness() {
  Harness harness;
  DevInfo dev = sample_device("d0", 0);
  dev.dirty_blocks = 300;
  dev.destaged_bytes = 1'000'000;
  harness.kernel.devices = {dev};
  harness.kernel.drain_step = [](DevInfo& d) {
    const std::uint64_t step = std::min<std::uint64_t>(d.dirty_blocks, 100);
    d.dirty_blocks -= step;
    d.destaged_bytes += step * kBlock;
  };
  return harness;
}

}  // namespace

TEST_CASE("dev drain polls until no block is dirty") {
  Harness harness = drain_harness();
  SECTION("quietly when stderr is not a terminal") {
    const Outcome outcome = harness.run({"dev", "drain", "d0"});
    CHECK(outcome.code == nvflush::kExitOk);
    // 300 blocks of 4 KiB: 1.2 MiB destaged during the drain.
    CHECK(outcome.out == "drained d0: 1.2 MiB destaged\n");
    CHECK(outcome.err.empty());
    CHECK(harness.kernel.calls ==
          std::vector<std::string>{"get d0", "drain d0", "get d0", "get d0", "get d0"});
    CHECK(harness.sleeps ==
          std::vector<std::chrono::milliseconds>(2, std::chrono::milliseconds{200}));
  }
  SECTION("with progress on a terminal") {
    harness.terminal = true;
    const Outcome outcome = harness.run({"dev", "drain", "d0", "--timeout", "60"});
    CHECK(outcome.code == nvflush::kExitOk);
    CHECK(outcome.out == "drained d0: 1.2 MiB destaged\n");
    CHECK(outcome.err ==
          "\rdraining d0: 200 blocks (800.0 KiB) left\x1b[K"
          "\rdraining d0: 100 blocks (400.0 KiB) left\x1b[K\n");
  }
  SECTION("a clean device needs no wait") {
    harness.kernel.devices[0].dirty_blocks = 0;
    harness.terminal = true;
    const Outcome outcome = harness.run({"dev", "drain", "d0"});
    CHECK(outcome.code == nvflush::kExitOk);
    CHECK(outcome.out == "drained d0: 0 B destaged\n");
    CHECK(outcome.err.empty());
    CHECK(harness.sleeps.empty());
  }
}

TEST_CASE("dev drain --no-wait returns once the drain is started") {
  Harness harness = drain_harness();
  const Outcome outcome = harness.run({"dev", "drain", "d0", "--no-wait"});
  CHECK(outcome.code == nvflush::kExitOk);
  CHECK(outcome.out == "draining d0: 300 blocks dirty\n");
  CHECK(outcome.err.empty());
  CHECK(harness.kernel.calls == std::vector<std::string>{"get d0", "drain d0"});
  CHECK(harness.sleeps.empty());
}

TEST_CASE("dev drain stops with exit 1 when the device turns degraded") {
  Harness harness = drain_harness();
  harness.terminal = true;
  harness.kernel.drain_step = [](DevInfo& d) {
    if (d.dirty_blocks == 300) {
      d.dirty_blocks -= 50;
    } else {
      d.degraded = true;
    }
  };
  const Outcome outcome = harness.run({"dev", "drain", "d0"});
  CHECK(outcome.code == nvflush::kExitFailure);
  CHECK(outcome.out.empty());
  CHECK(outcome.err ==
        "\rdraining d0: 250 blocks (1000.0 KiB) left\x1b[K\n"
        "nvflushctl: drain d0: device is degraded (an NVM or origin error happened); 250 blocks "
        "still dirty\n");
}

TEST_CASE("dev drain stops with exit 1 when the timeout expires") {
  Harness harness = drain_harness();
  harness.kernel.drain_step = [](DevInfo& /*dev*/) {};  // stuck
  SECTION("whole seconds") {
    const Outcome outcome = harness.run({"dev", "drain", "d0", "--timeout", "1"});
    CHECK(outcome.code == nvflush::kExitFailure);
    CHECK(outcome.out.empty());
    CHECK(outcome.err == "nvflushctl: drain d0: timed out after 1 s; 300 blocks still dirty\n");
    // Polls at 0, 200, ..., 1000 ms.
    CHECK(harness.sleeps.size() == 5);
  }
  SECTION("a fraction") {
    const Outcome outcome = harness.run({"dev", "drain", "d0", "--timeout=0.5"});
    CHECK(outcome.code == nvflush::kExitFailure);
    CHECK(outcome.err == "nvflushctl: drain d0: timed out after 0.5 s; 300 blocks still dirty\n");
    CHECK(harness.sleeps.size() == 3);
  }
  SECTION("zero looks once") {
    const Outcome outcome = harness.run({"dev", "drain", "d0", "--timeout", "0"});
    CHECK(outcome.code == nvflush::kExitFailure);
    CHECK(harness.sleeps.empty());
  }
}

TEST_CASE("dev drain reports kernel errors") {
  Harness harness = drain_harness();
  const Outcome unknown = harness.run({"dev", "drain", "d9"});
  CHECK(unknown.code == nvflush::kExitFailure);
  CHECK(unknown.err == "nvflushctl: drain d9: No such device: no device named d9\n");
  CHECK(harness.kernel.calls == std::vector<std::string>{"get d9"});

  harness.kernel.fail_with = Error{EPERM, "", "needs CAP_NET_ADMIN"};
  const Outcome denied = harness.run({"dev", "drain", "d0"});
  CHECK(denied.code == nvflush::kExitFailure);
  CHECK(denied.err == "nvflushctl: drain d0: Operation not permitted: needs CAP_NET_ADMIN\n");
}

namespace {

PolicyInfo tenant_policy() {
  return PolicyInfo{.dev_name = "d0",
                    .cgroup_path = "/tenant-a",
                    .cgroup_id = 4242,
                    .mode = NVFLUSH_MODE_ABSORB,
                    .max_dirty = 512ULL << 20,
                    .on_full = NVFLUSH_ON_FULL_THROTTLE,
                    .weight = 100,
                    .stale = false,
                    .dirty_bytes = 3ULL << 20};
}

}  // namespace

TEST_CASE("dev set --root-sync sends the setting") {
  Harness harness;
  const Outcome follow = harness.run({"dev", "set", "d0", "--root-sync", "follow"});
  CHECK(follow.code == nvflush::kExitOk);
  CHECK(follow.out == "d0: root sync follow\n");
  CHECK(harness.run({"dev", "set", "d0", "--mode", "sync-only", "--root-sync", "absorb"}).out ==
        "d0: mode sync-only, root sync absorb\n");
  CHECK(harness.kernel.calls == std::vector<std::string>{"set d0 root-sync follow",
                                                         "set d0 mode sync-only root-sync absorb"});
  CHECK_THAT(harness.run({"dev", "set", "d0", "--root-sync", "bypass"}).err,
             Catch::Contains("root-sync must be 'absorb' or 'follow', not 'bypass'"));
}

TEST_CASE("policy set sends the settings given") {
  Harness harness;
  const Outcome outcome =
      harness.run({"policy", "set", "d0", "/tenant-a", "--mode", "absorb", "--max-dirty", "512M",
                   "--on-full", "bypass", "--weight", "250"});
  CHECK(outcome.code == nvflush::kExitOk);
  CHECK(outcome.err.empty());
  CHECK(outcome.out ==
        "d0 /tenant-a: mode absorb, max dirty 512.0 MiB, on full bypass, weight 250\n");
  REQUIRE(harness.kernel.policy_set.has_value());
  CHECK(*harness.kernel.policy_set == PolicySetRequest{.dev_name = "d0",
                                                       .cgroup_path = "/tenant-a",
                                                       .mode = DevMode::kAbsorb,
                                                       .max_dirty = 512ULL << 20,
                                                       .on_full = nvflush::OnFull::kBypass,
                                                       .weight = 250});

  SECTION("one setting, the others left out") {
    CHECK(harness.run({"policy", "set", "d0", "/tenant-a", "--max-dirty", "0"}).out ==
          "d0 /tenant-a: max dirty none\n");
    CHECK(*harness.kernel.policy_set ==
          PolicySetRequest{.dev_name = "d0", .cgroup_path = "/tenant-a", .max_dirty = 0});
    CHECK(harness.run({"policy", "set", "d0", "/b", "--mode", "sync-only"}).out ==
          "d0 /b: mode sync-only\n");
    CHECK(harness.kernel.policy_set->mode == DevMode::kSyncOnly);
  }
  SECTION("the cgroup path is made relative to the cgroup2 mount") {
    const auto [given, sent] = GENERATE(table<std::string, std::string>({
        {"/tenant-a", "/tenant-a"},
        {"tenant-a/", "/tenant-a"},
        {"/sys/fs/cgroup/tenant-a", "/tenant-a"},
        {"/sys/fs/cgroup/tenant-a/job1/", "/tenant-a/job1"},
        {"/sys/fs/cgroup", "/"},
        {"/", "/"},
        {"/a//b/../c", "/a/c"},
    }));
    harness.cgroup_root = "/sys/fs/cgroup";
    CHECK(harness.run({"policy", "set", "d0", given, "--weight", "1"}).code == nvflush::kExitOk);
    CHECK(harness.kernel.policy_set->cgroup_path == sent);
  }
}

TEST_CASE("policy usage errors name the problem and send nothing") {
  Harness harness;
  CHECK_THAT(harness.run({"policy", "set", "d0", "/a"}).err,
             Catch::StartsWith("nvflushctl: nothing to set: give at least one of --mode, "
                               "--max-dirty, --on-full and --weight\n"));
  CHECK_THAT(harness.run({"policy", "set", "d0", "/a", "--weight", "0"}).err,
             Catch::StartsWith("nvflushctl: --weight: must be a whole number from 1 to 1000, "
                               "not '0'\n"));
  CHECK_THAT(harness.run({"policy", "set", "d0", "/a", "--weight", "1001"}).err,
             Catch::Contains("not '1001'"));
  CHECK_THAT(harness.run({"policy", "set", "d0", "/a", "--max-dirty", "1MB"}).err,
             Catch::StartsWith("nvflushctl: --max-dirty: invalid size '1MB'"));
  CHECK_THAT(harness.run({"policy", "set", "d0", "/a", "--on-full", "wait"}).err,
             Catch::Contains("on-full must be 'throttle' or 'bypass', not 'wait'"));
  CHECK_THAT(harness.run({"policy", "set", "d0", "/a", "--mode", "fast"}).err,
             Catch::Contains("mode must be 'absorb', 'sync-only' or 'bypass', not 'fast'"));
  CHECK_THAT(harness.run({"policy", "set", "d0", "/a"}).err,
             Catch::Contains("Usage: nvflushctl policy set"));
  CHECK_THAT(harness.run({"policy", "del", "d0"}).err,
             Catch::StartsWith("nvflushctl: give either CGROUP or --id (exactly one)\n"));
  CHECK_THAT(harness.run({"policy", "del", "d0", "/a", "--id", "7"}).err,
             Catch::Contains("Usage: nvflushctl policy del"));
  CHECK_THAT(harness.run({"policy", "del", "d0", "--id=-1"}).err,
             Catch::Contains("must be a cgroup id (a whole number), not '-1'"));
  CHECK(harness.connects == 0);
  CHECK(harness.kernel.calls.empty());
}

TEST_CASE("policy del by path or by id") {
  Harness harness;
  harness.cgroup_root = "/sys/fs/cgroup";
  const Outcome by_path = harness.run({"policy", "del", "d0", "/sys/fs/cgroup/tenant-a"});
  CHECK(by_path.code == nvflush::kExitOk);
  CHECK(by_path.out == "deleted policy of /tenant-a on d0\n");
  CHECK(*harness.kernel.policy_del ==
        PolicyDelRequest{.dev_name = "d0", .cgroup_path = "/tenant-a"});

  const Outcome by_id = harness.run({"policy", "del", "d0", "--id", "18446744073709551615"});
  CHECK(by_id.code == nvflush::kExitOk);
  CHECK(by_id.out == "deleted policy of cgroup id 18446744073709551615 on d0\n");
  CHECK(*harness.kernel.policy_del ==
        PolicyDelRequest{.dev_name = "d0", .cgroup_id = 18446744073709551615ULL});
  CHECK(harness.kernel.calls == std::vector<std::string>{"policy del d0 /tenant-a",
                                                         "policy del d0 id 18446744073709551615"});
}

TEST_CASE("policy commands print the kernel's refusal") {
  Harness harness;
  harness.kernel.fail_with = Error{EINVAL, "", "a new policy needs a mode"};
  const Outcome set = harness.run({"policy", "set", "d0", "/a", "--weight", "5"});
  CHECK(set.code == nvflush::kExitFailure);
  CHECK(set.out.empty());
  CHECK(set.err ==
        "nvflushctl: set policy of /a on d0: Invalid argument: a new policy needs a mode\n");

  harness.kernel.fail_with = Error{ENOENT, "", "no policy for this cgroup"};
  CHECK(harness.run({"policy", "del", "d0", "--id", "9"}).err ==
        "nvflushctl: delete policy of cgroup id 9 on d0: No such file or directory: no policy "
        "for this cgroup\n");
  const Outcome show = harness.run({"policy", "show", "d0", "/a"});
  CHECK(show.code == nvflush::kExitFailure);
  CHECK(show.err ==
        "nvflushctl: show policy of /a on d0: No such file or directory: no policy for this "
        "cgroup\n");
  harness.kernel.fail_with = Error{EPERM, ""};
  CHECK(harness.run({"policy", "list", "d0"}).err ==
        "nvflushctl: list policies of d0: Operation not permitted\n");
}

TEST_CASE("policy show and list") {
  Harness harness;
  PolicyInfo stale = tenant_policy();
  stale.cgroup_path = "/gone";
  stale.cgroup_id = 77;
  stale.max_dirty = 0;
  stale.stale = true;
  PolicyInfo other = tenant_policy();
  other.dev_name = "d1";
  harness.kernel.policies = {tenant_policy(), other, stale};

  const Outcome show = harness.run({"policy", "show", "d0", "tenant-a", "--json"});
  CHECK(show.code == nvflush::kExitOk);
  CHECK(Json::parse(show.out) == nvflush::policy_json(tenant_policy()));
  CHECK_THAT(harness.run({"policy", "show", "d0", "/tenant-a"}).out,
             Catch::StartsWith("device:    d0\ncgroup:    /tenant-a\n"));

  const Outcome list = harness.run({"policy", "list"});
  CHECK(list.code == nvflush::kExitOk);
  CHECK(list.out ==
        "DEVICE  CGROUP       ID  MODE    MAX-DIRTY  ON-FULL   WEIGHT    DIRTY\n"
        "d0      /gone        77  absorb          -  throttle     100  3.0 MiB  stale\n"
        "d0      /tenant-a  4242  absorb  512.0 MiB  throttle     100  3.0 MiB\n"
        "d1      /tenant-a  4242  absorb  512.0 MiB  throttle     100  3.0 MiB\n");

  const Json json = Json::parse(harness.run({"policy", "list", "d0", "--json"}).out);
  REQUIRE(json["policies"].size() == 2);
  CHECK(json["policies"][0]["cgroup_path"] == "/gone");
  CHECK(json["policies"][0]["stale"] == true);
  CHECK(json["policies"][0]["max_dirty"] == 0);
  CHECK(json["policies"][1]["stale"] == false);
  CHECK(harness.kernel.calls.back() == "policy list d0");

  harness.kernel.policies.clear();
  CHECK(harness.run({"policy", "list"}).out == "no policies\n");
  CHECK(harness.run({"policy", "list", "--json"}).out == "{\"policies\":[]}\n");
}

TEST_CASE("policy --help describes the commands") {
  Harness harness;
  const Outcome help = harness.run({"policy", "--help"});
  CHECK(help.code == nvflush::kExitOk);
  for (const char* command : {"set", "del", "show", "list"}) {
    CHECK_THAT(help.out, Catch::Contains(command));
  }
  const std::string set_help = harness.run({"policy", "set", "--help"}).out;
  CHECK_THAT(set_help, Catch::Contains("--max-dirty SIZE"));
  CHECK_THAT(set_help, Catch::Contains("--on-full throttle|bypass"));
  CHECK_THAT(set_help, Catch::Contains("--weight N"));
  CHECK_THAT(set_help, Catch::Contains("A new policy needs --mode"));
  CHECK_THAT(harness.run({"--help"}).out, Catch::Contains("policy"));
  CHECK(harness.connects == 0);
}
