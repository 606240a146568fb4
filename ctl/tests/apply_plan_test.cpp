// SPDX-License-Identifier: GPL-2.0-only
#include "apply_plan.hpp"

#include <catch2/catch.hpp>

#include <string>
#include <variant>
#include <vector>

#include "test_support.hpp"

using nvflush::ApplyAction;
using nvflush::ApplyState;
using nvflush::DesiredDevice;
using nvflush::DevCreateRequest;
using nvflush::DevInfo;
using nvflush::DevMode;
using nvflush::DevSetRequest;
using nvflush::OnFull;
using nvflush::PolicyDelRequest;
using nvflush::PolicyInfo;
using nvflush::PolicySetRequest;
using nvflush::RootSync;
using nvflush::test::sample_device;
using nvflush::test::sample_policy;

namespace {

constexpr std::uint64_t kMiB = 1ULL << 20;

// sample_device("d0", 0): over /dev/vdd0 and /dev/pmem0, absorb, 50%/25%,
// 64 MiB/s, root-sync absorb.
DesiredDevice desired_d0() {
  return DesiredDevice{.name = "d0",
                       .origin_path = "/dev/vdd0",
                       .nvm_path = "/dev/pmem0",
                       .format = false,
                       .settings = DevSetRequest{.name = "d0"},
                       .policies = {}};
}

std::vector<ApplyAction> plan(const ApplyState& state, const std::vector<DesiredDevice>& desired,
                              bool prune = false) {
  auto planned = nvflush::plan_apply(state, desired, prune);
  INFO((planned ? std::string{} : planned.error().to_string()));
  REQUIRE(planned.ok());
  return *planned;
}

std::vector<std::string> texts(const std::vector<ApplyAction>& actions) {
  std::vector<std::string> out;
  out.reserve(actions.size());
  for (const auto& action : actions) {
    out.push_back(action.text);
  }
  return out;
}

std::string plan_error(const ApplyState& state, const std::vector<DesiredDevice>& desired) {
  auto planned = nvflush::plan_apply(state, desired, true);
  REQUIRE_FALSE(planned.ok());
  CHECK(planned.error().code == 0);
  return planned.error().to_string();
}

}  // namespace

TEST_CASE("apply creates a missing device, then sets what create does not take") {
  DesiredDevice want = desired_d0();
  want.format = true;
  want.settings.mode = DevMode::kSyncOnly;
  want.settings.high_watermark = 80;
  want.settings.destage_rate = 0;
  want.policies = {PolicySetRequest{.dev_name = "d0",
                                    .cgroup_path = "/a",
                                    .mode = DevMode::kAbsorb,
                                    .max_dirty = 512 * kMiB,
                                    .on_full = OnFull::kBypass,
                                    .weight = 200}};
  // Another device exists, and policies of d0 are not looked at for a new
  // device: there can be none.
  const ApplyState state{.devices = {sample_device("other", 1)}, .policies = {}};

  const auto actions = plan(state, {want});
  CHECK(texts(actions) ==
        std::vector<std::string>{
            "create d0 (origin /dev/vdd0, nvm /dev/pmem0, format, mode sync-only)",
            "set d0: high-watermark 80%, destage-rate none",
            "create policy d0 /a: mode absorb, max-dirty 512 MiB, on-full bypass, weight 200",
        });
  REQUIRE(actions.size() == 3);
  const auto& create = std::get<DevCreateRequest>(actions[0].request);
  CHECK(create.name == "d0");
  CHECK(create.origin_path == "/dev/vdd0");
  CHECK(create.nvm_path == "/dev/pmem0");
  CHECK(create.format);
  CHECK(create.mode == DevMode::kSyncOnly);
  CHECK(std::get<DevSetRequest>(actions[1].request) ==
        DevSetRequest{.name = "d0", .high_watermark = 80, .destage_rate = 0});
  CHECK(std::get<PolicySetRequest>(actions[2].request) == want.policies[0]);
}

TEST_CASE("apply creates a device with only its paths in one step") {
  const auto actions = plan(ApplyState{}, {desired_d0()});
  CHECK(texts(actions) == std::vector<std::string>{"create d0 (origin /dev/vdd0, nvm /dev/pmem0)"});
  CHECK(actions[0].changes());
}

TEST_CASE("apply sets only the device settings that differ") {
  const ApplyState state{.devices = {sample_device("d0", 0)}, .policies = {}};
  DesiredDevice want = desired_d0();
  want.format = true;  // ignored: the device exists
  want.settings.mode = DevMode::kAbsorb;
  want.settings.high_watermark = 50;
  want.settings.low_watermark = 10;
  want.settings.destage_rate = 0;
  want.settings.root_sync = RootSync::kFollow;

  const auto actions = plan(state, {want});
  CHECK(texts(actions) ==
        std::vector<std::string>{
            "set d0: low-watermark 25% -> 10%, destage-rate 64 MiB/s -> none, root-sync absorb "
            "-> follow"});
  CHECK(std::get<DevSetRequest>(actions[0].request) ==
        DevSetRequest{
            .name = "d0", .low_watermark = 10, .destage_rate = 0, .root_sync = RootSync::kFollow});

  SECTION("the mode") {
    want = desired_d0();
    want.settings.mode = DevMode::kBypass;
    CHECK(texts(plan(state, {want})) == std::vector<std::string>{"set d0: mode absorb -> bypass"});
  }
}

TEST_CASE("apply of what is already there does nothing") {
  DevInfo dev = sample_device("d0", 0);
  const ApplyState state{.devices = {dev, sample_device("d1", 1)},
                         .policies = {sample_policy("d0", "/a", 7), sample_policy("d1", "/b", 8)}};
  DesiredDevice want = desired_d0();
  want.settings = DevSetRequest{.name = "d0",
                                .mode = DevMode::kAbsorb,
                                .high_watermark = 50,
                                .low_watermark = 25,
                                .destage_rate = 64 * kMiB,
                                .root_sync = RootSync::kAbsorb};
  want.policies = {PolicySetRequest{.dev_name = "d0",
                                    .cgroup_path = "/a",
                                    .mode = DevMode::kAbsorb,
                                    .max_dirty = 256 * kMiB,
                                    .on_full = OnFull::kThrottle,
                                    .weight = 100}};
  const bool prune = GENERATE(false, true);
  const auto actions = plan(state, {want}, prune);
  CHECK(texts(actions) == std::vector<std::string>{"d0: up to date"});
  CHECK_FALSE(actions[0].changes());

  SECTION("also when the file leaves settings out") {
    CHECK(texts(plan(state, {desired_d0()}, false)) == std::vector<std::string>{"d0: up to date"});
  }
}

TEST_CASE("apply sets only the policy settings that differ") {
  PolicyInfo have = sample_policy("d0", "/a", 7);
  have.mode = NVFLUSH_MODE_SYNC_ONLY;
  const ApplyState state{.devices = {sample_device("d0", 0)}, .policies = {have}};
  DesiredDevice want = desired_d0();
  want.policies = {
      PolicySetRequest{.dev_name = "d0",
                       .cgroup_path = "/a",
                       .mode = DevMode::kSyncOnly,
                       .max_dirty = 512 * kMiB,
                       .on_full = OnFull::kThrottle,
                       .weight = 250},
      PolicySetRequest{.dev_name = "d0", .cgroup_path = "/b", .mode = DevMode::kBypass}};

  const auto actions = plan(state, {want});
  CHECK(texts(actions) == std::vector<std::string>{
                              "set policy d0 /a: max-dirty 256 MiB -> 512 MiB, weight 100 -> 250",
                              "create policy d0 /b: mode bypass",
                          });
  CHECK(std::get<PolicySetRequest>(actions[0].request) ==
        PolicySetRequest{
            .dev_name = "d0", .cgroup_path = "/a", .max_dirty = 512 * kMiB, .weight = 250});
  CHECK(std::get<PolicySetRequest>(actions[1].request) == want.policies[1]);

  SECTION("a cap removed and the mode changed") {
    want.policies = {PolicySetRequest{.dev_name = "d0",
                                      .cgroup_path = "/a",
                                      .mode = DevMode::kAbsorb,
                                      .max_dirty = 0,
                                      .on_full = OnFull::kBypass}};
    CHECK(texts(plan(state, {want})) ==
          std::vector<std::string>{"set policy d0 /a: mode sync-only -> absorb, max-dirty "
                                   "256 MiB -> none, on-full throttle -> bypass"});
  }
  SECTION("an existing policy needs no mode in the file") {
    want.policies = {PolicySetRequest{.dev_name = "d0", .cgroup_path = "/a", .weight = 1}};
    CHECK(texts(plan(state, {want})) ==
          std::vector<std::string>{"set policy d0 /a: weight 100 -> 1"});
  }
}

TEST_CASE("apply --prune deletes the policies the file does not list") {
  PolicyInfo stale = sample_policy("d0", "/a", 3);
  stale.stale = true;
  const ApplyState state{
      .devices = {sample_device("d0", 0), sample_device("d1", 1)},
      .policies = {sample_policy("d0", "/z", 9), sample_policy("d0", "/a", 7), stale,
                   sample_policy("d0", "/old", 8), sample_policy("d1", "/old", 10)}};
  DesiredDevice want = desired_d0();
  want.policies = {PolicySetRequest{.dev_name = "d0", .cgroup_path = "/a", .weight = 100}};

  SECTION("without --prune they stay") {
    CHECK(texts(plan(state, {want}, false)) == std::vector<std::string>{"d0: up to date"});
  }
  SECTION("with --prune, by id, stale ones too, other devices untouched") {
    const auto actions = plan(state, {want}, true);
    CHECK(texts(actions) == std::vector<std::string>{
                                "delete policy d0 /a (stale)",
                                "delete policy d0 /old",
                                "delete policy d0 /z",
                            });
    CHECK(std::get<PolicyDelRequest>(actions[0].request) ==
          PolicyDelRequest{.dev_name = "d0", .cgroup_id = 3});
    CHECK(std::get<PolicyDelRequest>(actions[2].request) ==
          PolicyDelRequest{.dev_name = "d0", .cgroup_id = 9});
  }
  SECTION("a stale policy does not stand for its path") {
    want.policies = {PolicySetRequest{.dev_name = "d0", .cgroup_path = "/old", .weight = 5}};
    const ApplyState only_stale{.devices = {sample_device("d0", 0)}, .policies = {stale}};
    want.policies[0].cgroup_path = "/a";
    want.policies[0].mode = DevMode::kBypass;
    CHECK(texts(plan(only_stale, {want}, true)) ==
          std::vector<std::string>{"create policy d0 /a: mode bypass, weight 5",
                                   "delete policy d0 /a (stale)"});
  }
}

TEST_CASE("apply plans the devices in file order and leaves others alone") {
  const ApplyState state{
      .devices = {sample_device("d0", 0), sample_device("d1", 1), sample_device("d9", 9)},
      .policies = {sample_policy("d9", "/x", 1)}};
  DesiredDevice d1 = desired_d0();
  d1.name = d1.settings.name = "d1";
  d1.origin_path = "/dev/vdd1";
  d1.nvm_path = "/dev/pmem1";
  d1.settings.mode = DevMode::kBypass;
  DesiredDevice d5 = desired_d0();
  d5.name = d5.settings.name = "d5";
  d5.origin_path = "/dev/vdd5";
  d5.nvm_path = "/dev/pmem5";
  const auto actions = plan(state, {d1, desired_d0(), d5}, true);
  CHECK(texts(actions) == std::vector<std::string>{
                              "set d1: mode absorb -> bypass",
                              "d0: up to date",
                              "create d5 (origin /dev/vdd5, nvm /dev/pmem5)",
                          });
}

TEST_CASE("apply refuses what it cannot do, before doing anything") {
  const ApplyState state{.devices = {sample_device("d0", 0)}, .policies = {}};
  DesiredDevice want = desired_d0();

  SECTION("another origin") {
    want.origin_path = "/dev/vdb";
    CHECK(plan_error(state, {want}) ==
          "d0: the device's origin is /dev/vdd0, not /dev/vdb; apply does not re-create devices "
          "(destroy it first)");
  }
  SECTION("another NVM") {
    want.nvm_path = "/dev/pmem7";
    CHECK(plan_error(state, {want}) ==
          "d0: the device's NVM is /dev/pmem0, not /dev/pmem7; apply does not re-create devices "
          "(destroy it first)");
  }
  SECTION("a low watermark that would not be below the high one") {
    want.settings.low_watermark = 60;
    CHECK(plan_error(state, {want}) ==
          "d0: low-watermark 60% would not be below high-watermark 50%");
    want.settings.low_watermark.reset();
    want.settings.high_watermark = 25;
    CHECK(plan_error(state, {want}) ==
          "d0: low-watermark 25% would not be below high-watermark 25%");
  }
  SECTION("a new policy without a mode") {
    want.policies = {PolicySetRequest{.dev_name = "d0", .cgroup_path = "/a", .weight = 5}};
    CHECK(plan_error(state, {want}) ==
          "d0 /a: the cgroup has no policy yet and a new policy needs a mode");
  }
  SECTION("after a device that was fine") {
    DesiredDevice d1 = desired_d0();
    d1.name = d1.settings.name = "d1";
    d1.origin_path = "/dev/vdd1";
    d1.nvm_path = "/dev/pmem1";
    want.nvm_path = "/dev/pmem7";
    CHECK_THAT(plan_error(state, {d1, want}), Catch::StartsWith("d0: the device's NVM"));
  }
}
