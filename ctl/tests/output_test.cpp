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
                  .discard_bytes = base * 1024};
}

std::optional<std::string> lookup(std::uint64_t id) {
  static const std::map<std::uint64_t, std::string> kPaths{{1, "/"}, {7, "/a"}, {9, "/a/b"}};
  if (auto found = kPaths.find(id); found != kPaths.end()) {
    return found->second;
  }
  return std::nullopt;
}

// d1 has cgroups 9, 1 and 12345 (which has no path; arrives out of
// order); d0 has no I/O; records of d-gone are dropped.
std::vector<nvflush::DeviceStats> sample_report(std::optional<std::uint64_t> only = {}) {
  const std::vector<DevInfo> devices{sample_device("d1", 1), sample_device("d0", 0)};
  const std::vector<StatsRecord> records{
      {.dev_name = "d1", .cgroup_id = 9, .counters = counters(10)},
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
                "discard_bytes": 0},
     "cgroups": []},
    {"name": "d1", "disk": "nvflush1",
     "totals": {"write_bios": 111, "write_bytes": 454656, "sync_writes": 114, "flushes": 117,
                "fua_writes": 120, "read_bios": 123, "read_bytes": 56832, "discard_bios": 126,
                "discard_bytes": 113664},
     "cgroups": [
       {"id": 1, "path": "/", "write_bios": 1, "write_bytes": 4096, "sync_writes": 2,
        "flushes": 3, "fua_writes": 4, "read_bios": 5, "read_bytes": 512, "discard_bios": 6,
        "discard_bytes": 1024},
       {"id": 9, "path": "/a/b", "write_bios": 10, "write_bytes": 40960, "sync_writes": 11,
        "flushes": 12, "fua_writes": 13, "read_bios": 14, "read_bytes": 5120,
        "discard_bios": 15, "discard_bytes": 10240},
       {"id": 12345, "path": null, "write_bios": 100, "write_bytes": 409600,
        "sync_writes": 101, "flushes": 102, "fua_writes": 103, "read_bios": 104,
        "read_bytes": 51200, "discard_bios": 105, "discard_bytes": 102400}]}]})");
  const Json actual = nvflush::stats_json(sample_report());
  CHECK(actual == expected);
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
  const std::string expected =
      "DEVICE  CGROUP  WRITES    WRITTEN  SYNC  FLUSH  FUA  READS      READ    DISCARD\n"
      "d0      TOTAL        0        0 B     0      0    0      0       0 B        0 B\n"
      "d1      /            1    4.0 KiB     2      3    4      5     512 B    1.0 KiB\n"
      "d1      /a/b        10   40.0 KiB    11     12   13     14   5.0 KiB   10.0 KiB\n"
      "d1      12345      100  400.0 KiB   101    102  103    104  50.0 KiB  100.0 KiB\n"
      "d1      TOTAL      111  444.0 KiB   114    117  120    123  55.5 KiB  111.0 KiB\n";
  CHECK(nvflush::stats_table(sample_report()) == expected);
}

TEST_CASE("dev JSON has exact numbers") {
  const Json expected = Json::parse(R"({"name": "d1", "disk": "nvflush1", "index": 1,
    "size": 1073741824, "nvm_size": 1572864, "block_size": 4096,
    "origin_path": "/dev/vdd1", "nvm_path": "/dev/pmem1", "openers": 1})");
  CHECK(nvflush::dev_json(sample_device("d1", 1)) == expected);
  const Json list = nvflush::dev_list_json({sample_device("d0", 0), sample_device("d1", 1)});
  REQUIRE(list["devices"].size() == 2);
  CHECK(list["devices"][1] == expected);
}

TEST_CASE("dev list table") {
  CHECK(nvflush::dev_table({sample_device("d0", 0), sample_device("long-name", 12)}) ==
        "NAME       DISK               SIZE      NVM  ORIGIN            NVM-DEV      OPENERS\n"
        "d0         /dev/nvflush0   1.0 GiB  1.5 MiB  /dev/vdd0         /dev/pmem0         1\n"
        "long-name  /dev/nvflush12  1.0 GiB  1.5 MiB  /dev/vdlong-name  /dev/pmem12        1\n");
}

TEST_CASE("dev show prints key: value lines") {
  CHECK(nvflush::dev_details(sample_device("d0", 0)) ==
        "name:       d0\n"
        "disk:       /dev/nvflush0\n"
        "size:       1.0 GiB (1073741824 bytes)\n"
        "nvm size:   1.5 MiB (1572864 bytes)\n"
        "block size: 4096\n"
        "origin:     /dev/vdd0\n"
        "nvm:        /dev/pmem0\n"
        "openers:    1\n");
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
