// SPDX-License-Identifier: GPL-2.0-only
#include "apply_file.hpp"

#include <catch2/catch.hpp>

#include <cerrno>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "cgroup.hpp"
#include "test_support.hpp"

using nvflush::DesiredDevice;
using nvflush::DevMode;
using nvflush::DevSetRequest;
using nvflush::OnFull;
using nvflush::PolicySetRequest;
using nvflush::RootSync;

namespace {

constexpr std::uint64_t kMiB = 1ULL << 20;

// Cgroup paths as under a cgroup2 mount at /sys/fs/cgroup.
std::string cgroup_path(const std::string& cgroup) {
  return nvflush::CgroupTree(std::filesystem::path("/sys/fs/cgroup")).relative_path(cgroup);
}

nvflush::Result<std::vector<DesiredDevice>> parse(const std::string& text) {
  return nvflush::parse_apply_file(text, "f.yaml", cgroup_path);
}

// The error of a file that must not parse.
std::string error_of(const std::string& text) {
  auto parsed = parse(text);
  REQUIRE_FALSE(parsed.ok());
  CHECK(parsed.error().code == 0);
  return parsed.error().to_string();
}

}  // namespace

TEST_CASE("an apply file with every key") {
  auto parsed = parse(R"(# two devices
devices:
  - name: d0
    origin: /dev/vda
    nvm: /dev/pmem0
    format: true
    mode: absorb
    high-watermark: 50%
    low-watermark: 25
    destage-rate: 64M
    root-sync: follow
    policies:
      - cgroup: /tenant-a
        mode: absorb
        max-dirty: 512M
        on-full: throttle
        weight: 200
      - cgroup: /sys/fs/cgroup/batch/
        mode: sync-only
        on-full: bypass
  - name: d1
    origin: /dev/disk/by-id/virtio-x
    nvm: pmem1
)");
  REQUIRE(parsed.ok());
  REQUIRE(parsed->size() == 2);
  const DesiredDevice& d0 = parsed->at(0);
  CHECK(d0 == DesiredDevice{.name = "d0",
                            .origin_path = "/dev/vda",
                            .nvm_path = "/dev/pmem0",
                            .format = true,
                            .settings = DevSetRequest{.name = "d0",
                                                      .mode = DevMode::kAbsorb,
                                                      .high_watermark = 50,
                                                      .low_watermark = 25,
                                                      .destage_rate = 64 * kMiB,
                                                      .root_sync = RootSync::kFollow},
                            .policies = {
                                PolicySetRequest{.dev_name = "d0",
                                                 .cgroup_path = "/tenant-a",
                                                 .mode = DevMode::kAbsorb,
                                                 .max_dirty = 512 * kMiB,
                                                 .on_full = OnFull::kThrottle,
                                                 .weight = 200},
                                PolicySetRequest{.dev_name = "d0",
                                                 .cgroup_path = "/batch",
                                                 .mode = DevMode::kSyncOnly,
                                                 .on_full = OnFull::kBypass},
                            }});
  const DesiredDevice& d1 = parsed->at(1);
  CHECK(d1.name == "d1");
  CHECK(d1.origin_path == "/dev/disk/by-id/virtio-x");
  // Made absolute as `dev create` does.
  CHECK(d1.nvm_path == (std::filesystem::current_path() / "pmem1").string());
  CHECK_FALSE(d1.format);
  CHECK(d1.settings == DevSetRequest{.name = "d1"});
  CHECK(d1.policies.empty());
}

TEST_CASE("an apply file may list no devices") {
  auto parsed = parse("devices: []\n");
  REQUIRE(parsed.ok());
  CHECK(parsed->empty());
  // Flow style is YAML too.
  auto flow = parse("{devices: [{name: d0, origin: /dev/vda, nvm: /dev/pmem0, mode: bypass}]}");
  REQUIRE(flow.ok());
  CHECK(flow->at(0).settings.mode == DevMode::kBypass);
}

TEST_CASE("apply file errors name the file, the line and the key") {
  const std::string head = "devices:\n  - name: d0\n    origin: /dev/vda\n    nvm: /dev/pmem0\n";
  const auto [tail, expected] = GENERATE_REF(table<std::string, std::string>({
      {"    mode: fast\n",
       "f.yaml:5:11: mode: mode must be 'absorb', 'sync-only' or 'bypass', not 'fast'"},
      {"    high-watermark: 0\n",
       "f.yaml:5:21: high-watermark: must be a whole percentage from 1 to 100, not '0'"},
      {"    low-watermark: 100%\n",
       "f.yaml:5:20: low-watermark: must be a whole percentage from 0 to 99, not '100%'"},
      {"    high-watermark: 40\n    low-watermark: 40\n",
       "f.yaml:6:20: low-watermark: 40% must be below high-watermark 40%"},
      {"    destage-rate: 64MB\n",
       "f.yaml:5:19: destage-rate: invalid rate '64MB': unknown unit 'MB'; use B, K, M, G, T, "
       "P, E or KiB, MiB, ..."},
      {"    root-sync: bypass\n",
       "f.yaml:5:16: root-sync: root-sync must be 'absorb' or 'follow', not 'bypass'"},
      {"    format: maybe\n", "f.yaml:5:13: format: must be true or false"},
      {"    hihg-watermark: 50\n",
       "f.yaml:5:5: hihg-watermark: unknown key; a device takes name, origin, nvm, format, mode, "
       "high-watermark, low-watermark, destage-rate, root-sync, policies"},
      {"    mode: absorb\n    mode: bypass\n", "f.yaml:6:5: mode: given twice (first on line 5)"},
      {"    mode:\n", "f.yaml:5:5: mode: needs a value"},
      {"    mode: ~\n", "f.yaml:5:5: mode: needs a value"},
      {"    mode: ''\n", "f.yaml:5:11: mode: needs a value"},
      {"    mode: [absorb]\n", "f.yaml:5:11: mode: must be a single value"},
      {"    policies: {}\n", "f.yaml:5:15: policies: must be a list of policies"},
      {"    policies:\n      - mode: absorb\n", "f.yaml:6:9: a policy needs the key 'cgroup'"},
      {"    policies:\n      - cgroup: /a\n        max-dirty: 1MB\n",
       "f.yaml:7:20: max-dirty: invalid size '1MB': unknown unit 'MB'; use B, K, M, G, T, P, E "
       "or KiB, MiB, ..."},
      {"    policies:\n      - cgroup: /a\n        weight: 1001\n",
       "f.yaml:7:17: weight: must be a whole number from 1 to 1000, not '1001'"},
      {"    policies:\n      - cgroup: /a\n        on-full: wait\n",
       "f.yaml:7:18: on-full: on-full must be 'throttle' or 'bypass', not 'wait'"},
      {"    policies:\n      - cgroup: /a\n        cap: 5\n",
       "f.yaml:7:9: cap: unknown key; a policy takes cgroup, mode, max-dirty, on-full, weight"},
      {"    policies:\n      - cgroup: /a\n        mode: absorb\n      - cgroup: a/\n",
       "f.yaml:8:17: cgroup: cgroup '/a' is given twice (first on line 6)"},
      {"    policies:\n      - cgroup: /a\n      - cgroup: /sys/fs/cgroup/a\n",
       "f.yaml:7:17: cgroup: cgroup '/a' is given twice (first on line 6)"},
      {"    policies:\n      - /a\n",
       "f.yaml:6:9: a policy must be a map of cgroup, mode, max-dirty, on-full, weight"},
      {"  - name: d0\n    origin: /dev/vdb\n    nvm: /dev/pmem1\n",
       "f.yaml:5:11: name: device 'd0' is given twice (first on line 2)"},
      {"  - name: d1\n    origin: /dev/vdb\n    nvm: /dev/vda\n",
       "f.yaml:7:10: nvm: path '/dev/vda' is given twice (first on line 3)"},
      {"  - name: a/b\n    origin: /dev/vdb\n    nvm: /dev/pmem1\n",
       "f.yaml:5:11: name: the name contains '/'; allowed are A-Z a-z 0-9 _ . -"},
      {"  - name: d1\n    nvm: /dev/pmem1\n", "f.yaml:5:5: a device needs the key 'origin'"},
      {"  - [d1]\n",
       "f.yaml:5:5: a device must be a map of name, origin, nvm, format, mode, high-watermark, "
       "low-watermark, destage-rate, root-sync, policies"},
      {"extra: 1\n", "f.yaml:5:1: extra: unknown key; the file takes devices"},
      {"    mode: absorb: yes\n", "f.yaml:5:17: illegal map value"},
      {"     mode: absorb\n", "f.yaml:5:10: illegal map value"},
  }));
  INFO(tail);
  CHECK(error_of(head + tail) == expected);
}

TEST_CASE("apply file errors of the file as a whole") {
  CHECK(error_of("") == "f.yaml: the file must be a map of devices");
  CHECK(error_of("# nothing\n") == "f.yaml: the file must be a map of devices");
  CHECK(error_of("- d0\n") == "f.yaml:1:1: the file must be a map of devices");
  CHECK(error_of("devices:\n") == "f.yaml:1:1: devices: must be a list of devices");
  CHECK(error_of("device: []\n") == "f.yaml:1:1: device: unknown key; the file takes devices");
  CHECK(error_of("devices: [\n") == "f.yaml:2:1: end of sequence flow not found");
}

TEST_CASE("read_apply_file reads the file, or says why it cannot") {
  const nvflush::test::TempDir dir;
  const auto path = (dir.path() / "nvflush.yaml").string();
  {
    std::ofstream file(path);
    file << "devices:\n  - name: d0\n    origin: /dev/vda\n    nvm: /dev/pmem0\n    mode: x\n";
  }
  auto bad = nvflush::read_apply_file(path, cgroup_path);
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.error().to_string() ==
        path + ":5:11: mode: mode must be 'absorb', 'sync-only' or 'bypass', not 'x'");

  auto missing = nvflush::read_apply_file((dir.path() / "none.yaml").string(), cgroup_path);
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.error().code == ENOENT);
  CHECK(missing.error().what == "read " + (dir.path() / "none.yaml").string());
}

TEST_CASE("the example apply file of the documentation is valid") {
  auto example = nvflush::read_apply_file(NVFLUSH_EXAMPLE_FILE, cgroup_path);
  INFO((example ? std::string{} : example.error().to_string()));
  REQUIRE(example.ok());
  REQUIRE(example->size() == 1);
  const DesiredDevice& d0 = example->front();
  CHECK(d0.settings == DevSetRequest{.name = "d0",
                                     .mode = DevMode::kAbsorb,
                                     .high_watermark = 50,
                                     .low_watermark = 25,
                                     .destage_rate = 64 * kMiB,
                                     .root_sync = RootSync::kAbsorb});
  REQUIRE(d0.policies.size() == 2);
  CHECK(d0.policies[1] == PolicySetRequest{.dev_name = "d0",
                                           .cgroup_path = "/batch",
                                           .mode = DevMode::kSyncOnly,
                                           .max_dirty = 1024 * kMiB,
                                           .on_full = OnFull::kBypass});
}
