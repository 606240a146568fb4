// SPDX-License-Identifier: GPL-2.0-only
#include "output.hpp"

#include <catch2/catch.hpp>

#include <cstdint>
#include <limits>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "stats_report.hpp"
#include "test_support.hpp"

using nvflush::Counters;
using nvflush::DevInfo;
using nvflush::Json;
using nvflush::StatsRecord;
using nvflush::test::sample_device;

namespace {

constexpr std::uint64_t kMax = std::numeric_limits<std::uint64_t>::max();

Counters counters(std::uint64_t base) {
  return Counters{.write_bios = base,
                  .write_bytes = base * 4096,
                  .sync_writes = base + 1,
                  .flushes = base + 2,
                  .fua_writes = base + 3,
                  .read_bios = base + 4,
                  .read_bytes = base * 512,
                  .discard_bios = base + 5,
                  .discard_bytes = base * 1024,
                  .absorbed_writes = base + 6,
                  .absorbed_bytes = base * 2048,
                  .bypassed_writes = base + 7,
                  .bypassed_bytes = base * 8192,
                  .write_hits = base + 8,
                  .read_hits = base + 9,
                  .read_misses = base + 10,
                  .dirty_bytes = base * 256,
                  .destaged_bytes = base * 1536,
                  .quota_throttles = base + 11,
                  .quota_throttle_usec = base * 1000,
                  .quota_bypasses = base + 12};
}

std::optional<std::string> lookup(std::uint64_t id) {
  static const std::map<std::uint64_t, std::string> kPaths{{1, "/"}, {7, "/a"}, {9, "/a/b"}};
  if (auto found = kPaths.find(id); found != kPaths.end()) {
    return found->second;
  }
  return std::nullopt;
}

// Latency of cgroup 9 of d1: 99 writes of [4, 8) us and one of [64, 128)
// us; one flush of [2, 4.1) ms.
nvflush::Latency sample_latency() {
  nvflush::Latency latency;
  latency.write.at(3) = 99;
  latency.write.at(7) = 1;
  latency.flush.at(12) = 1;
  return latency;
}

// d1 has cgroups 9, 1 and 12345 (which has no path; arrives out of
// order); d0 has no I/O; records of d-gone are dropped.
std::vector<nvflush::DeviceStats> sample_report(std::optional<std::uint64_t> only = {}) {
  const std::vector<DevInfo> devices{sample_device("d1", 1), sample_device("d0", 0)};
  const std::vector<StatsRecord> records{
      {.dev_name = "d1", .cgroup_id = 9, .counters = counters(10), .latency = sample_latency()},
      {.dev_name = "d-gone", .cgroup_id = 9, .counters = counters(1000)},
      {.dev_name = "d1", .cgroup_id = 1, .counters = counters(1)},
      {.dev_name = "d1", .cgroup_id = 12345, .counters = counters(100)},
  };
  return nvflush::build_stats_report(devices, records, lookup, only);
}

}  // namespace

TEST_CASE("the stats report groups by device, sorts and totals") {
  const auto report = sample_report();
  REQUIRE(report.size() == 2);
  CHECK(report[0].name == "d0");
  CHECK(report[0].disk == "nvflush0");
  CHECK(report[0].cgroups.empty());
  CHECK(report[0].totals == Counters{});

  const auto& d1 = report[1];
  CHECK(d1.name == "d1");
  REQUIRE(d1.cgroups.size() == 3);
  CHECK(d1.cgroups[0].id == 1);
  CHECK(d1.cgroups[0].path == "/");
  CHECK(d1.cgroups[1].id == 9);
  CHECK(d1.cgroups[1].path == "/a/b");
  CHECK(d1.cgroups[2].id == 12345);
  CHECK_FALSE(d1.cgroups[2].path.has_value());
  Counters sum = counters(1);
  sum += counters(10);
  sum += counters(100);
  CHECK(d1.totals == sum);
  CHECK(d1.totals.write_bios == 111);
}

TEST_CASE("a cgroup filter keeps the device totals") {
  const auto report = sample_report(9);
  REQUIRE(report[1].cgroups.size() == 1);
  CHECK(report[1].cgroups[0].id == 9);
  CHECK(report[1].totals.write_bios == 111);
  CHECK(report[0].cgroups.empty());
}

TEST_CASE("a repeated record replaces the earlier one") {
  const std::vector<StatsRecord> records{
      {.dev_name = "d0", .cgroup_id = 7, .counters = counters(1)},
      {.dev_name = "d0", .cgroup_id = 7, .counters = counters(2)},
  };
  const auto report = nvflush::build_stats_report({sample_device("d0", 0)}, records, lookup);
  REQUIRE(report.at(0).cgroups.size() == 1);
  CHECK(report[0].cgroups[0].counters == counters(2));
  CHECK(report[0].totals == counters(2));
}

TEST_CASE("stats JSON has the documented shape") {
  const Json expected = Json::parse(R"({"devices": [
    {"name": "d0", "disk": "nvflush0",
     "totals": {"write_bios": 0, "write_bytes": 0, "sync_writes": 0, "flushes": 0,
                "fua_writes": 0, "read_bios": 0, "read_bytes": 0, "discard_bios": 0,
                "discard_bytes": 0, "absorbed_writes": 0, "absorbed_bytes": 0,
                "bypassed_writes": 0, "bypassed_bytes": 0, "write_hits": 0,
                "read_hits": 0, "read_misses": 0, "dirty_bytes": 0,
                "destaged_bytes": 0, "quota_throttles": 0, "quota_throttle_usec": 0,
                "quota_bypasses": 0},
     "cgroups": []},
    {"name": "d1", "disk": "nvflush1",
     "totals": {"write_bios": 111, "write_bytes": 454656, "sync_writes": 114,
                "flushes": 117, "fua_writes": 120, "read_bios": 123,
                "read_bytes": 56832, "discard_bios": 126, "discard_bytes": 113664,
                "absorbed_writes": 129, "absorbed_bytes": 227328,
                "bypassed_writes": 132, "bypassed_bytes": 909312, "write_hits": 135,
                "read_hits": 138, "read_misses": 141, "dirty_bytes": 28416,
                "destaged_bytes": 170496, "quota_throttles": 144,
                "quota_throttle_usec": 111000, "quota_bypasses": 147},
     "cgroups": [
       {"id": 1, "path": "/", "write_bios": 1, "write_bytes": 4096, "sync_writes": 2, "flushes": 3,
        "fua_writes": 4, "read_bios": 5, "read_bytes": 512, "discard_bios": 6,
        "discard_bytes": 1024, "absorbed_writes": 7, "absorbed_bytes": 2048,
        "bypassed_writes": 8, "bypassed_bytes": 8192, "write_hits": 9, "read_hits": 10,
        "read_misses": 11, "dirty_bytes": 256, "destaged_bytes": 1536,
        "quota_throttles": 12, "quota_throttle_usec": 1000, "quota_bypasses": 13},
       {"id": 9, "path": "/a/b", "write_bios": 10, "write_bytes": 40960, "sync_writes": 11,
        "flushes": 12,
        "fua_writes": 13, "read_bios": 14, "read_bytes": 5120, "discard_bios": 15,
        "discard_bytes": 10240, "absorbed_writes": 16, "absorbed_bytes": 20480,
        "bypassed_writes": 17, "bypassed_bytes": 81920, "write_hits": 18,
        "read_hits": 19, "read_misses": 20, "dirty_bytes": 2560,
        "destaged_bytes": 15360, "quota_throttles": 21, "quota_throttle_usec": 10000,
        "quota_bypasses": 22},
       {"id": 12345, "path": null, "write_bios": 100, "write_bytes": 409600, "sync_writes": 101,
        "flushes": 102,
        "fua_writes": 103, "read_bios": 104, "read_bytes": 51200, "discard_bios": 105,
        "discard_bytes": 102400, "absorbed_writes": 106, "absorbed_bytes": 204800,
        "bypassed_writes": 107, "bypassed_bytes": 819200, "write_hits": 108,
        "read_hits": 109, "read_misses": 110, "dirty_bytes": 25600,
        "destaged_bytes": 153600, "quota_throttles": 111,
        "quota_throttle_usec": 100000, "quota_bypasses": 112}]}]})");
  Json actual = nvflush::stats_json(sample_report());
  // Every row carries both histograms, 32 counts each: /a/b's are the sample.
  const auto& d1 = actual["devices"][1];
  CHECK(d1["cgroups"][1]["write_latency"] == sample_latency().write);
  CHECK(d1["cgroups"][1]["flush_latency"] == sample_latency().flush);
  CHECK(d1["totals"]["write_latency"] == sample_latency().write);
  const Json stripped = [&actual] {
    Json copy = actual;
    for (auto& dev : copy["devices"]) {
      for (Json* row : {&dev["totals"]}) {
        CHECK((*row)["write_latency"].size() == 32);
        row->erase("write_latency");
        row->erase("flush_latency");
      }
      for (auto& row : dev["cgroups"]) {
        CHECK(row["flush_latency"].size() == 32);
        row.erase("write_latency");
        row.erase("flush_latency");
      }
    }
    return copy;
  }();
  CHECK(stripped == expected);
  // Documented key order, and one line of output.
  CHECK(actual["devices"][1].dump().rfind(
            R"({"name":"d1","disk":"nvflush1","totals":{"write_bios":111,)", 0) == 0);
  const std::string text = nvflush::json_text(actual);
  CHECK(text.find('\n') == text.size() - 1);
}

TEST_CASE("stats JSON keeps 64-bit counters exact") {
  const std::vector<StatsRecord> records{
      {.dev_name = "d0", .cgroup_id = kMax, .counters = {.write_bytes = kMax}}};
  const Json json =
      nvflush::stats_json(nvflush::build_stats_report({sample_device("d0", 0)}, records, lookup));
  const Json reparsed = Json::parse(nvflush::json_text(json));
  CHECK(reparsed["devices"][0]["cgroups"][0]["id"].get<std::uint64_t>() == kMax);
  CHECK(reparsed["devices"][0]["totals"]["write_bytes"].get<std::uint64_t>() == kMax);
  CHECK(nvflush::json_text(json).find("18446744073709551615") != std::string::npos);
}

TEST_CASE("no devices") {
  CHECK(nvflush::json_text(nvflush::stats_json({})) == "{\"devices\":[]}\n");
  CHECK(nvflush::json_text(nvflush::dev_list_json({})) == "{\"devices\":[]}\n");
  CHECK(nvflush::stats_table({}) == "no devices\n");
  CHECK(nvflush::dev_table({}) == "no devices\n");
}

TEST_CASE("the stats table has a row per cgroup and a TOTAL per device") {
  // The p99 of /a/b's writes is in [4, 8) us, of its one flush in [2, 4.1) ms.
  const std::string expected =
      "DEVICE  CGROUP  WRITES    WRITTEN  READS      READ   ABSORBED   BYPASSED     DIRTY   "
      "DESTAGED  WRITE P99  FLUSH P99\n"
      "d0      TOTAL        0        0 B      0       0 B        0 B        0 B       0 B        0 "
      "B          -          -\n"
      "d1      /            1    4.0 KiB      5     512 B    2.0 KiB    8.0 KiB     256 B    1.5 "
      "KiB          -          -\n"
      "d1      /a/b        10   40.0 KiB     14   5.0 KiB   20.0 KiB   80.0 KiB   2.5 KiB   15.0 "
      "KiB       <8us     <4.1ms\n"
      "d1      12345      100  400.0 KiB    104  50.0 KiB  200.0 KiB  800.0 KiB  25.0 KiB  150.0 "
      "KiB          -          -\n"
      "d1      TOTAL      111  444.0 KiB    123  55.5 KiB  222.0 KiB  888.0 KiB  27.8 KiB  166.5 "
      "KiB       <8us     <4.1ms\n";
  CHECK(nvflush::stats_table(sample_report()) == expected);
}

TEST_CASE("dev JSON has exact numbers") {
  const Json expected = Json::parse(R"({"name": "d1", "disk": "nvflush1", "index": 1,
    "size": 1073741824, "nvm_size": 1572864, "block_size": 4096,
    "origin_path": "/dev/vdd1", "nvm_path": "/dev/pmem1", "openers": 1,
    "nvm_uuid": "6b1d2c3e-8f90-4a1b-9c2d-3e4f5a6b7c01", "nvm_slots": 300,
    "recovered_blocks": 12, "recovery_usec": 1234, "mode": "absorb", "degraded": false,
    "dirty_blocks": 300, "commit_seq": 42, "absorbed_writes": 1000, "absorbed_bytes": 4096000,
    "write_hits": 12, "read_hits": 500, "read_misses": 20, "flushes_absorbed": 30,
    "origin_flushes": 2, "origin_flushes_avoided": 28, "commits": 31,
    "destaged_bytes": 2867200, "destage_batches": 7, "destage_writes": 40,
    "slot_wait_usec": 1500, "destage_backoffs": 3, "destage_throttle_usec": 12500,
    "high_watermark": 50, "low_watermark": 25, "destage_rate": 67108864,
    "root_sync": "absorb"})");
  const Json actual = nvflush::dev_json(sample_device("d1", 1));
  CHECK(actual == expected);
  // Documented key order: the NVM keys follow the original ones.
  CHECK(actual.dump() ==
        R"({"name":"d1","disk":"nvflush1","index":1,"size":1073741824,"nvm_size":1572864,)"
        R"("block_size":4096,"origin_path":"/dev/vdd1","nvm_path":"/dev/pmem1","openers":1,)"
        R"("nvm_uuid":"6b1d2c3e-8f90-4a1b-9c2d-3e4f5a6b7c01","nvm_slots":300,)"
        R"("recovered_blocks":12,"recovery_usec":1234,"mode":"absorb","degraded":false,)"
        R"("dirty_blocks":300,"commit_seq":42,"absorbed_writes":1000,"absorbed_bytes":4096000,)"
        R"("write_hits":12,"read_hits":500,"read_misses":20,"flushes_absorbed":30,)"
        R"("origin_flushes":2,"origin_flushes_avoided":28,"commits":31,)"
        R"("destaged_bytes":2867200,"destage_batches":7,"destage_writes":40,)"
        R"("slot_wait_usec":1500,"destage_backoffs":3,"destage_throttle_usec":12500,)"
        R"("high_watermark":50,"low_watermark":25,"destage_rate":67108864,)"
        R"("root_sync":"absorb"})");
  const Json list = nvflush::dev_list_json({sample_device("d0", 0), sample_device("d1", 1)});
  REQUIRE(list["devices"].size() == 2);
  CHECK(list["devices"][1] == expected);
}

TEST_CASE("dev JSON keeps the 64-bit NVM numbers exact") {
  DevInfo dev = sample_device("d0", 0);
  dev.nvm_slots = kMax;
  dev.recovered_blocks = kMax - 1;
  dev.recovery_usec = kMax - 2;
  const Json reparsed = Json::parse(nvflush::json_text(nvflush::dev_json(dev)));
  CHECK(reparsed["nvm_slots"].get<std::uint64_t>() == kMax);
  CHECK(reparsed["recovered_blocks"].get<std::uint64_t>() == kMax - 1);
  CHECK(reparsed["recovery_usec"].get<std::uint64_t>() == kMax - 2);
  CHECK(reparsed["nvm_uuid"] == "6b1d2c3e-8f90-4a1b-9c2d-3e4f5a6b7c00");
}

TEST_CASE("dev JSON: mode, degraded and the device counters") {
  DevInfo dev = sample_device("d0", 0);
  dev.mode = NVFLUSH_MODE_BYPASS;
  dev.degraded = true;
  std::uint64_t value = kMax - 20;
  for (const auto& field : nvflush::kDevCounterFields) {
    dev.*field.member = value++;
  }
  const Json reparsed = Json::parse(nvflush::json_text(nvflush::dev_json(dev)));
  CHECK(reparsed["mode"] == "bypass");
  CHECK(reparsed["degraded"] == true);
  const std::vector<std::string> keys{"dirty_blocks",
                                      "commit_seq",
                                      "absorbed_writes",
                                      "absorbed_bytes",
                                      "write_hits",
                                      "read_hits",
                                      "read_misses",
                                      "flushes_absorbed",
                                      "origin_flushes",
                                      "origin_flushes_avoided",
                                      "commits",
                                      "destaged_bytes",
                                      "destage_batches",
                                      "destage_writes",
                                      "slot_wait_usec",
                                      "destage_backoffs",
                                      "destage_throttle_usec"};
  REQUIRE(keys.size() == nvflush::kDevCounterFields.size());
  value = kMax - 20;
  for (const auto& key : keys) {
    INFO(key);
    REQUIRE(reparsed.contains(key));
    CHECK(reparsed[key].is_number_unsigned());
    CHECK(reparsed[key].get<std::uint64_t>() == value++);
  }
  CHECK(reparsed.size() == 13 + 2 + keys.size() + 4);
}

TEST_CASE("dev JSON: the destager settings") {
  DevInfo dev = sample_device("d0", 0);
  dev.high_watermark = 100;
  dev.low_watermark = 0;
  dev.destage_rate = kMax;
  const Json reparsed = Json::parse(nvflush::json_text(nvflush::dev_json(dev)));
  CHECK(reparsed["high_watermark"] == 100);
  CHECK(reparsed["low_watermark"] == 0);
  CHECK(reparsed["destage_rate"].is_number_unsigned());
  CHECK(reparsed["destage_rate"].get<std::uint64_t>() == kMax);
  // No cap is a number too, never null or a string.
  dev.destage_rate = 0;
  const Json uncapped = nvflush::dev_json(dev);
  CHECK(uncapped["destage_rate"].is_number_unsigned());
  CHECK(uncapped["destage_rate"] == 0);
  // dev list carries the same keys.
  CHECK(nvflush::dev_list_json({dev})["devices"][0] == uncapped);
  // The last keys, in this order.
  CHECK_THAT(nvflush::json_text(uncapped),
             Catch::EndsWith(R"("slot_wait_usec":1500,"destage_backoffs":3,)"
                             R"("destage_throttle_usec":12500,"high_watermark":100,)"
                             R"("low_watermark":0,"destage_rate":0,"root_sync":"absorb"})"
                             "\n"));
}

TEST_CASE("dev list table") {
  DevInfo bypass = sample_device("long-name", 12);
  bypass.mode = NVFLUSH_MODE_BYPASS;
  bypass.dirty_blocks = 0;
  CHECK(
      nvflush::dev_table({sample_device("d0", 0), bypass}) ==
      "NAME       DISK               SIZE      NVM  MODE      DIRTY  ORIGIN            NVM-DEV"
      "      OPENERS\n"
      "d0         /dev/nvflush0   1.0 GiB  1.5 MiB  absorb  1.2 MiB  /dev/vdd0         /dev/pmem0"
      "         1\n"
      "long-name  /dev/nvflush12  1.0 GiB  1.5 MiB  bypass      0 B  /dev/vdlong-name  /dev/pmem12"
      "        1\n");
}

TEST_CASE("dev show prints key: value lines") {
  CHECK(nvflush::dev_details(sample_device("d0", 0)) ==
        "name:             d0\n"
        "disk:             /dev/nvflush0\n"
        "size:             1.0 GiB (1073741824 bytes)\n"
        "nvm size:         1.5 MiB (1572864 bytes)\n"
        "block size:       4096\n"
        "origin:           /dev/vdd0\n"
        "nvm:              /dev/pmem0\n"
        "nvm uuid:         6b1d2c3e-8f90-4a1b-9c2d-3e4f5a6b7c00\n"
        "nvm slots:        300 (1.2 MiB)\n"
        "openers:          1\n"
        "recovered blocks: 12 (48.0 KiB)\n"
        "recovery time:    1.2 ms (1234 usec)\n"
        "mode:             absorb\n"
        "destage:          watermarks 50%/25%, rate cap 64 MiB/s, 3 back-offs, 12.5 ms "
        "throttled\n"
        "root sync:        absorb\n"
        "degraded:         no\n"
        "dirty:            300 (1.2 MiB)\n"
        "commit seq:       42\n"
        "counters:\n"
        "  absorbed:       1000 writes, 3.9 MiB\n"
        "  write hits:     12\n"
        "  reads:          500 hits, 20 misses\n"
        "  flushes:        30 absorbed\n"
        "  origin flushes: 2 issued, 28 avoided\n"
        "  commits:        31\n"
        "  destaged:       2.7 MiB in 7 batches, 40 writes (merged)\n"
        "  slot wait:      1.5 ms (1500 usec)\n");
  DevInfo degraded = sample_device("d0", 0);
  degraded.mode = NVFLUSH_MODE_BYPASS;
  degraded.degraded = true;
  const std::string details = nvflush::dev_details(degraded);
  CHECK_THAT(details, Catch::Contains("\nmode:             bypass\n"));
  CHECK_THAT(details, Catch::Contains("\ndegraded:         yes\n"));
}

TEST_CASE("dev show: the destage line") {
  DevInfo dev = sample_device("d0", 0);
  auto destage_line = [&dev] {
    const std::string details = nvflush::dev_details(dev);
    const auto start = details.find("\ndestage:");
    REQUIRE(start != std::string::npos);
    return details.substr(start + 1, details.find('\n', start + 1) - start);
  };
  CHECK(destage_line() ==
        "destage:          watermarks 50%/25%, rate cap 64 MiB/s, 3 back-offs, 12.5 ms "
        "throttled\n");
  SECTION("no cap, nothing paused") {
    dev.destage_rate = 0;
    dev.destage_backoffs = 0;
    dev.destage_throttle_usec = 0;
    CHECK(destage_line() ==
          "destage:          watermarks 50%/25%, rate cap none, 0 back-offs, 0.0 ms throttled\n");
  }
  SECTION("rates are shown exactly") {
    const auto [rate, shown] = GENERATE(table<std::uint64_t, std::string>({
        {1, "1 B/s"},
        {1'000'000, "1000000 B/s"},
        {512 * 1024, "512 KiB/s"},
        {3ULL << 29, "1536 MiB/s"},
        {1ULL << 30, "1 GiB/s"},
        {kMax, "18446744073709551615 B/s"},
    }));
    dev.destage_rate = rate;
    dev.high_watermark = 100;
    dev.low_watermark = 0;
    dev.destage_backoffs = kMax;
    dev.destage_throttle_usec = 1'234'567;
    CHECK(destage_line() == "destage:          watermarks 100%/0%, rate cap " + shown +
                                ", 18446744073709551615 back-offs, 1234.6 ms throttled\n");
  }
}

TEST_CASE("dev set reports the settings it changed") {
  using nvflush::DevMode;
  using nvflush::DevSetRequest;
  const auto [request, expected] = GENERATE(table<DevSetRequest, std::string>({
      {{.name = "d0", .mode = DevMode::kBypass}, "d0: mode bypass\n"},
      {{.name = "d0", .high_watermark = 60}, "d0: high watermark 60%\n"},
      {{.name = "d0", .low_watermark = 0}, "d0: low watermark 0%\n"},
      {{.name = "d0", .destage_rate = 0}, "d0: destage rate none\n"},
      {{.name = "d0", .destage_rate = 64ULL << 20}, "d0: destage rate 64 MiB/s\n"},
      {{.name = "d1",
        .mode = DevMode::kAbsorb,
        .high_watermark = 80,
        .low_watermark = 40,
        .destage_rate = 1ULL << 30},
       "d1: mode absorb, high watermark 80%, low watermark 40%, destage rate 1 GiB/s\n"},
  }));
  CHECK(nvflush::dev_set_done(request) == expected);
}

TEST_CASE("the drain progress line") {
  CHECK(nvflush::drain_progress("d0", 1234) == "draining d0: 1234 blocks (4.8 MiB) left");
  CHECK(nvflush::drain_progress("d0", 0) == "draining d0: 0 blocks (0 B) left");
}

TEST_CASE("dev show sizes huge slot counts without overflowing") {
  DevInfo dev = sample_device("d0", 0);
  dev.nvm_slots = kMax;  // times 4 KiB saturates
  dev.recovered_blocks = 0;
  dev.recovery_usec = 0;
  const std::string details = nvflush::dev_details(dev);
  CHECK_THAT(details, Catch::Contains("nvm slots:        18446744073709551615 (16.0 EiB)\n"));
  CHECK_THAT(details, Catch::Contains("recovered blocks: 0 (0 B)\n"));
  CHECK_THAT(details, Catch::Contains("recovery time:    0.0 ms (0 usec)\n"));
}

TEST_CASE("dev create reports recovered data only when there was some") {
  DevInfo dev = sample_device("d0", 4);
  dev.recovered_blocks = 0;
  dev.recovery_usec = 87;
  CHECK(nvflush::dev_created(dev) == "created d0 as /dev/nvflush4\n");

  dev.recovered_blocks = 1536;
  dev.recovery_usec = 12'345;
  CHECK(nvflush::dev_created(dev) ==
        "created d0 as /dev/nvflush4\n"
        "recovered 1536 blocks (6.0 MiB) in 12.3 ms\n");
}

TEST_CASE("Table aligns columns and checks row width") {
  nvflush::Table table({{"A"}, {"NUM", nvflush::Align::kRight}, {"LAST"}});
  table.add_row({"long cell", "7", "x"});
  table.add_row({"b", "12345", ""});
  CHECK(table.render() ==
        "A            NUM  LAST\n"
        "long cell      7  x\n"
        "b          12345\n");
  CHECK_THROWS_AS(table.add_row({"only one"}), std::invalid_argument);
}

TEST_CASE("the stats table names the unattributed entry") {
  const std::vector<StatsRecord> records{
      {.dev_name = "d0", .cgroup_id = 0, .counters = counters(1)},
  };
  const auto report = nvflush::build_stats_report({sample_device("d0", 0)}, records, lookup);
  CHECK_THAT(nvflush::stats_table(report), Catch::Contains("\nd0      (unattributed)  "));
  CHECK(nvflush::stats_json(report)["devices"][0]["cgroups"][0]["path"].is_null());
}

namespace {

nvflush::PolicyInfo policy(std::string dev, std::string path, std::uint64_t id) {
  return nvflush::PolicyInfo{.dev_name = std::move(dev),
                             .cgroup_path = std::move(path),
                             .cgroup_id = id,
                             .mode = NVFLUSH_MODE_SYNC_ONLY,
                             .max_dirty = 1ULL << 30,
                             .on_full = NVFLUSH_ON_FULL_BYPASS,
                             .weight = 1000,
                             .stale = false,
                             .dirty_bytes = 1536};
}

}  // namespace

TEST_CASE("policy JSON has the documented shape and exact numbers") {
  nvflush::PolicyInfo p = policy("d0", "/tenant-a/job1", kMax);
  p.dirty_bytes = kMax - 1;
  const Json json = nvflush::policy_json(p);
  CHECK(json.dump() ==
        R"({"dev_name":"d0","cgroup_path":"/tenant-a/job1","cgroup_id":18446744073709551615,)"
        R"("mode":"sync-only","max_dirty":1073741824,"on_full":"bypass","weight":1000,)"
        R"("stale":false,"dirty_bytes":18446744073709551614})");
  p.mode = 9;
  p.on_full = 8;
  p.stale = true;
  const Json odd = nvflush::policy_json(p);
  CHECK(odd["mode"] == "9");
  CHECK(odd["on_full"] == "8");
  CHECK(odd["stale"] == true);
  CHECK(nvflush::json_text(nvflush::policy_list_json({p})) ==
        nvflush::json_text(Json{{"policies", Json::array({odd})}}));
}

TEST_CASE("the policy table") {
  nvflush::PolicyInfo uncapped = policy("d0", "/", 1);
  uncapped.max_dirty = 0;
  uncapped.mode = NVFLUSH_MODE_BYPASS;
  uncapped.on_full = NVFLUSH_ON_FULL_THROTTLE;
  uncapped.weight = 1;
  uncapped.dirty_bytes = 0;
  nvflush::PolicyInfo stale = policy("d0", "/old", 123456);
  stale.stale = true;
  const std::string expected =
      "DEVICE  CGROUP      ID  MODE       MAX-DIRTY  ON-FULL   WEIGHT    DIRTY\n"
      "d0      /            1  bypass             -  throttle       1      0 B\n"
      "d0      /old    123456  sync-only    1.0 GiB  bypass      1000  1.5 KiB  stale\n";
  CHECK(nvflush::policy_table({uncapped, stale}) == expected);
  CHECK(nvflush::policy_table({}) == "no policies\n");
}

TEST_CASE("policy show prints key: value lines") {
  nvflush::PolicyInfo p = policy("d0", "/tenant-a", 4242);
  CHECK(nvflush::policy_details(p) ==
        "device:    d0\n"
        "cgroup:    /tenant-a\n"
        "cgroup id: 4242\n"
        "mode:      sync-only\n"
        "max dirty: 1.0 GiB (1073741824 bytes)\n"
        "on full:   bypass\n"
        "weight:    1000\n"
        "dirty:     1.5 KiB (1536 bytes)\n"
        "stale:     no\n");
  p.max_dirty = 0;
  p.stale = true;
  const std::string details = nvflush::policy_details(p);
  CHECK_THAT(details, Catch::Contains("max dirty: none\n"));
  CHECK_THAT(details, Catch::Contains("stale:     yes (the cgroup was removed)\n"));
}

TEST_CASE("policy set reports the settings it sent") {
  CHECK(nvflush::policy_set_done({.dev_name = "d0",
                                  .cgroup_path = "/a",
                                  .mode = nvflush::DevMode::kSyncOnly,
                                  .max_dirty = 0,
                                  .on_full = nvflush::OnFull::kThrottle,
                                  .weight = 7}) ==
        "d0 /a: mode sync-only, max dirty none, on full throttle, weight 7\n");
  CHECK(nvflush::policy_set_done({.dev_name = "d1", .cgroup_path = "/", .weight = 300}) ==
        "d1 /: weight 300\n");
}

TEST_CASE("dev JSON and show carry root-sync; dev set reports it") {
  DevInfo dev = sample_device("d0", 0);
  dev.root_sync = NVFLUSH_ROOT_SYNC_FOLLOW;
  dev.mode = NVFLUSH_MODE_SYNC_ONLY;
  const Json json = nvflush::dev_json(dev);
  CHECK(json["root_sync"] == "follow");
  CHECK(json["mode"] == "sync-only");
  CHECK_THAT(nvflush::dev_details(dev), Catch::Contains("\nroot sync:        follow\n"));
  CHECK_THAT(nvflush::dev_details(dev), Catch::Contains("\nmode:             sync-only\n"));
  CHECK(nvflush::dev_set_done({.name = "d0", .root_sync = nvflush::RootSync::kFollow}) ==
        "d0: root sync follow\n");
}

TEST_CASE("stats JSON carries the policy counters in rows and totals") {
  const std::vector<StatsRecord> records{
      {.dev_name = "d0",
       .cgroup_id = 1,
       .counters = {.absorbed_writes = 1, .dirty_bytes = kMax - 5, .quota_throttle_usec = 10}},
      {.dev_name = "d0",
       .cgroup_id = 9,
       .counters = {.absorbed_writes = 2, .dirty_bytes = 5, .quota_bypasses = 3}},
  };
  const Json json =
      nvflush::stats_json(nvflush::build_stats_report({sample_device("d0", 0)}, records, lookup));
  const Json reparsed = Json::parse(nvflush::json_text(json));
  const Json& totals = reparsed["devices"][0]["totals"];
  CHECK(totals["absorbed_writes"] == 3);
  CHECK(totals["dirty_bytes"].get<std::uint64_t>() == kMax);
  CHECK(totals["quota_throttle_usec"] == 10);
  CHECK(totals["quota_bypasses"] == 3);
  const Json& row = reparsed["devices"][0]["cgroups"][1];
  CHECK(row["path"] == "/a/b");
  for (const char* key : {"absorbed_writes", "absorbed_bytes", "bypassed_writes", "bypassed_bytes",
                          "write_hits", "read_hits", "read_misses", "dirty_bytes", "destaged_bytes",
                          "quota_throttles", "quota_throttle_usec", "quota_bypasses"}) {
    INFO(key);
    CHECK(row.contains(key));
    CHECK(totals.contains(key));
  }
  CHECK(row["quota_bypasses"] == 3);
}
