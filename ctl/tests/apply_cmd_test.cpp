// SPDX-License-Identifier: GPL-2.0-only
#include <catch2/catch.hpp>

#include <cerrno>
#include <fstream>
#include <string>
#include <vector>

#include "cli.hpp"
#include "fake_api.hpp"
#include "test_support.hpp"

using nvflush::Error;
using nvflush::PolicyInfo;
using nvflush::test::Harness;
using nvflush::test::Outcome;
using nvflush::test::sample_device;
using nvflush::test::sample_policy;

namespace {

constexpr const char* kFile = R"(devices:
  - name: d0
    origin: /dev/vdd0
    nvm: /dev/pmem0
    mode: absorb
    destage-rate: 32M
    policies:
      - cgroup: /tenant-a
        mode: absorb
        max-dirty: 512M
        weight: 200
  - name: d1
    origin: /dev/vdb
    nvm: /dev/pmem1
    high-watermark: 80
    policies:
      - cgroup: /batch
        mode: sync-only
)";

// A scratch directory holding nvflush.yaml.
struct ApplyFile {
  nvflush::test::TempDir dir;
  std::string path = (dir.path() / "nvflush.yaml").string();

  explicit ApplyFile(const std::string& text) { std::ofstream(path) << text; }
};

// d0 exists with a policy of /tenant-a with a smaller cap and one of /old;
// d1 does not exist; d9, not in the file, has a policy.
Harness stateful_harness() {
  Harness harness;
  harness.kernel.stateful = true;
  harness.kernel.devices = {sample_device("d0", 0), sample_device("d9", 9)};
  PolicyInfo tenant = sample_policy("d0", "/tenant-a", 4242);
  tenant.weight = 200;
  PolicyInfo old = tenant;
  old.cgroup_path = "/old";
  old.cgroup_id = 77;
  PolicyInfo other = old;
  other.dev_name = "d9";
  harness.kernel.policies = {tenant, old, other};
  return harness;
}

// The steps of kFile against stateful_harness().
std::vector<std::string> steps() {
  return {
      "set d0: destage-rate 64 MiB/s -> 32 MiB/s",
      "set policy d0 /tenant-a: max-dirty 256 MiB -> 512 MiB",
      "create d1 (origin /dev/vdb, nvm /dev/pmem1)",
      "set d1: high-watermark 80%",
      "create policy d1 /batch: mode sync-only",
  };
}

// steps() with --prune: the policy of d0 the file does not list goes.
std::vector<std::string> pruned_steps() {
  std::vector<std::string> out = steps();
  out.insert(out.begin() + 2, "delete policy d0 /old");
  return out;
}

std::string lines(const std::vector<std::string>& texts, const std::string& prefix = "") {
  std::string out;
  for (const auto& text : texts) {
    out += prefix + text + "\n";
  }
  return out;
}

}  // namespace

TEST_CASE("apply --dry-run prints the steps and changes nothing") {
  const ApplyFile file(kFile);
  Harness harness = stateful_harness();
  const auto before = harness.kernel.devices;
  const Outcome outcome = harness.run({"apply", "-f", file.path, "--dry-run"});
  CHECK(outcome.code == nvflush::kExitOk);
  CHECK(outcome.err.empty());
  CHECK(outcome.out == lines(steps(), "would "));
  CHECK(harness.kernel.calls == std::vector<std::string>{"list", "policy list *"});
  CHECK(harness.kernel.devices == before);

  const Outcome pruned = harness.run({"apply", "--dry-run", "--prune", "--file", file.path});
  CHECK(pruned.out == lines(pruned_steps(), "would "));
}

TEST_CASE("apply makes the changes in order, and then has nothing to do") {
  const ApplyFile file(kFile);
  Harness harness = stateful_harness();
  const Outcome outcome = harness.run({"apply", "-f", file.path, "--prune"});
  CHECK(outcome.code == nvflush::kExitOk);
  CHECK(outcome.err.empty());
  CHECK(outcome.out == lines(pruned_steps()));
  CHECK(harness.kernel.calls == std::vector<std::string>{
                                    "list",
                                    "policy list *",
                                    "set d0 rate 33554432",
                                    "policy set d0 /tenant-a",
                                    "policy del d0 id 77",
                                    "create d1",
                                    "set d1 high 80",
                                    "policy set d1 /batch",
                                });
  // The device and policy of d9 are not touched.
  CHECK(harness.kernel.policies.size() == 3);
  CHECK(harness.kernel.policies[1].dev_name == "d9");

  harness.kernel.calls.clear();
  const Outcome again = harness.run({"apply", "-f", file.path, "--prune"});
  CHECK(again.code == nvflush::kExitOk);
  CHECK(again.out == "d0: up to date\nd1: up to date\n");
  CHECK(harness.kernel.calls == std::vector<std::string>{"list", "policy list *"});
}

TEST_CASE("apply stops at the first step that fails and says what was done") {
  const ApplyFile file(kFile);
  Harness harness = stateful_harness();
  harness.kernel.fail_on = {"create d1", Error{EBUSY, "", "origin is in use"}};
  const Outcome outcome = harness.run({"apply", "-f", file.path});
  CHECK(outcome.code == nvflush::kExitFailure);
  CHECK(outcome.out == lines({steps()[0], steps()[1]}));
  CHECK(outcome.err ==
        "nvflushctl: create d1 (origin /dev/vdb, nvm /dev/pmem1): Device or resource busy: "
        "origin is in use\n"
        "nvflushctl: apply " +
            file.path +
            ": stopped at step 3 of 5; done before it: set d0: destage-rate 64 MiB/s -> 32 "
            "MiB/s; set policy d0 /tenant-a: max-dirty 256 MiB -> 512 MiB\n");
  CHECK(harness.kernel.calls.back() == "create d1");

  SECTION("at the first step") {
    Harness first = stateful_harness();
    first.kernel.fail_on = {"set d0", Error{EPERM, ""}};
    const Outcome denied = first.run({"apply", "-f", file.path});
    CHECK(denied.code == nvflush::kExitFailure);
    CHECK(denied.out.empty());
    CHECK_THAT(denied.err, Catch::EndsWith(": stopped at step 1 of 5; nothing was changed "
                                           "before it\n"));
  }
}

TEST_CASE("apply checks the whole file before it connects") {
  const ApplyFile file(std::string{kFile} + "  - name: d0\n    origin: /dev/x\n    nvm: /dev/y\n");
  Harness harness = stateful_harness();
  const Outcome outcome = harness.run({"apply", "-f", file.path});
  CHECK(outcome.code == nvflush::kExitFailure);
  CHECK(outcome.out.empty());
  CHECK(outcome.err == "nvflushctl: " + file.path +
                           ":19:11: name: device 'd0' is given twice (first on line 2)\n");
  CHECK(harness.connects == 0);

  const Outcome missing = harness.run({"apply", "-f", file.path + ".none"});
  CHECK(missing.code == nvflush::kExitFailure);
  CHECK(missing.err == "nvflushctl: read " + file.path + ".none: No such file or directory\n");
  CHECK(harness.connects == 0);
}

TEST_CASE("apply refuses a plan it cannot carry out, changing nothing") {
  const ApplyFile file(kFile);
  Harness harness = stateful_harness();
  harness.kernel.devices[0].nvm_path = "/dev/pmem3";
  const Outcome outcome = harness.run({"apply", "-f", file.path});
  CHECK(outcome.code == nvflush::kExitFailure);
  CHECK(outcome.out.empty());
  CHECK(outcome.err == "nvflushctl: apply " + file.path +
                           ": d0: the device's NVM is /dev/pmem3, not /dev/pmem0; apply does not "
                           "re-create devices (destroy it first)\n");
  CHECK(harness.kernel.calls == std::vector<std::string>{"list", "policy list *"});

  harness.kernel.fail_with = Error{EPERM, ""};
  CHECK(harness.run({"apply", "-f", file.path}).err ==
        "nvflushctl: apply " + file.path + ": list devices: Operation not permitted\n");
}

TEST_CASE("apply usage errors") {
  Harness harness;
  for (const auto& args :
       {std::vector<std::string>{"apply"}, std::vector<std::string>{"apply", "-f"},
        std::vector<std::string>{"apply", "--dry-run"},
        std::vector<std::string>{"apply", "-f", "a", "b"}}) {
    const Outcome outcome = harness.run(args);
    CHECK(outcome.code == nvflush::kExitUsage);
    CHECK_THAT(outcome.err, Catch::Contains("Usage: nvflushctl apply"));
  }
  CHECK(harness.connects == 0);
  const Outcome help = harness.run({"apply", "--help"});
  CHECK(help.code == nvflush::kExitOk);
  CHECK_THAT(help.out, Catch::Contains("-f,--file FILE"));
  CHECK_THAT(help.out, Catch::Contains("--prune"));
}
