// SPDX-License-Identifier: GPL-2.0-only
#include "prometheus.hpp"

#include <catch2/catch.hpp>

#include <cstddef>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "counter_kind.hpp"

using nvflush::CgroupStats;
using nvflush::Counters;
using nvflush::DeviceStats;
using nvflush::PromFamily;
using nvflush::PromSample;

namespace {

CgroupStats cgroup(std::uint64_t id, std::optional<std::string> path, const Counters& counters) {
  CgroupStats stats;
  stats.id = id;
  stats.path = std::move(path);
  stats.counters = counters;
  return stats;
}

// d0 with the root cgroup and a removed one; d1 without I/O.
std::vector<DeviceStats> small_report() {
  DeviceStats d0;
  d0.name = "d0";
  d0.disk = "nvflush0";
  d0.cgroups = {cgroup(1, "/", {.write_bios = 3, .write_bytes = 12288, .dirty_bytes = 4096}),
                cgroup(77, std::nullopt, {.write_bios = 1, .read_hits = 2})};
  DeviceStats d1;
  d1.name = "d1";
  d1.disk = "nvflush1";
  return {d0, d1};
}

}  // namespace

TEST_CASE("stats in the Prometheus text format") {
  const std::string text = nvflush::prometheus_text(small_report());
  CHECK_THAT(text,
             Catch::StartsWith(
                 "# HELP nvflush_write_bios_total Write bios of the cgroup (a flush without data "
                 "is not one).\n"
                 "# TYPE nvflush_write_bios_total counter\n"
                 "nvflush_write_bios_total{device=\"d0\",disk=\"nvflush0\",cgroup=\"/\","
                 "cgroup_id=\"1\"} 3\n"
                 "nvflush_write_bios_total{device=\"d0\",disk=\"nvflush0\",cgroup_id=\"77\"} 1\n"
                 "# HELP nvflush_write_bytes_total Bytes written by the cgroup.\n"
                 "# TYPE nvflush_write_bytes_total counter\n"
                 "nvflush_write_bytes_total{device=\"d0\",disk=\"nvflush0\",cgroup=\"/\","
                 "cgroup_id=\"1\"} 12288\n"
                 "nvflush_write_bytes_total{device=\"d0\",disk=\"nvflush0\",cgroup_id=\"77\"} 0\n"
                 "# HELP nvflush_sync_writes_total Write bios flagged REQ_SYNC.\n"));
  CHECK_THAT(text, Catch::Contains(
                       "# HELP nvflush_dirty_bytes Bytes the cgroup's writes hold in NVM now, not "
                       "yet destaged.\n"
                       "# TYPE nvflush_dirty_bytes gauge\n"
                       "nvflush_dirty_bytes{device=\"d0\",disk=\"nvflush0\",cgroup=\"/\","
                       "cgroup_id=\"1\"} 4096\n"
                       "nvflush_dirty_bytes{device=\"d0\",disk=\"nvflush0\",cgroup_id=\"77\"} 0\n"
                       "# HELP nvflush_destaged_bytes_total "));
  CHECK_THAT(text, Catch::Contains(
                       "# TYPE nvflush_quota_bypasses_total counter\n"
                       "nvflush_quota_bypasses_total{device=\"d0\",disk=\"nvflush0\",cgroup=\"/\","
                       "cgroup_id=\"1\"} 0\n"
                       "nvflush_quota_bypasses_total{device=\"d0\",disk=\"nvflush0\","
                       "cgroup_id=\"77\"} 0\n"));
  CHECK_THAT(text, Catch::Contains("nvflush_read_hits_total{device=\"d0\",disk=\"nvflush0\","
                                   "cgroup_id=\"77\"} 2\n"));
  CHECK_THAT(text, !Catch::Contains("d1"));
}

TEST_CASE("latency histograms as Prometheus histograms") {
  std::vector<nvflush::DeviceStats> report = small_report();
  nvflush::Latency& latency = report.at(0).cgroups.at(0).latency;
  latency.write.at(0) = 2;   // under 1 us
  latency.write.at(3) = 5;   // [4, 8) us
  latency.write.at(31) = 1;  // 2^30 us or more
  latency.flush.at(12) = 1;
  const auto families = nvflush::latency_families(report);
  REQUIRE(families.size() == 2);
  CHECK(families[0].name == "nvflush_write_latency_seconds");
  CHECK(families[0].type == "histogram");
  CHECK(families[1].name == "nvflush_flush_latency_seconds");
  const std::string text = nvflush::render_prometheus(families);
  const std::string labels = R"(device="d0",disk="nvflush0",cgroup="/",cgroup_id="1")";
  CHECK_THAT(text, Catch::Contains("nvflush_write_latency_seconds_bucket{" + labels +
                                   ",le=\"1e-06\"} 2\n"));
  CHECK_THAT(text, Catch::Contains("nvflush_write_latency_seconds_bucket{" + labels +
                                   ",le=\"4e-06\"} 2\n"));
  CHECK_THAT(text, Catch::Contains("nvflush_write_latency_seconds_bucket{" + labels +
                                   ",le=\"8e-06\"} 7\n"));
  CHECK_THAT(text, Catch::Contains("nvflush_write_latency_seconds_bucket{" + labels +
                                   ",le=\"+Inf\"} 8\n"));
  CHECK_THAT(text, Catch::Contains("nvflush_write_latency_seconds_count{" + labels + "} 8\n"));
  CHECK_THAT(text, Catch::Contains("nvflush_flush_latency_seconds_count{" + labels + "} 1\n"));
  // 32 buckets and a count per (device, cgroup)
  CHECK(families[0].samples.size() == std::size_t{2} * (32 + 1));
  // the whole text carries the counters first, then the histograms
  CHECK_THAT(nvflush::prometheus_text(report),
             Catch::EndsWith("nvflush_flush_latency_seconds_count{device=\"d0\",disk=\"nvflush0\","
                             "cgroup_id=\"77\"} 0\n"));
}

TEST_CASE("every counter is one family with its own help") {
  const auto families = nvflush::stats_families(small_report());
  REQUIRE(families.size() == nvflush::kCounterFields.size());
  std::set<std::string> names;
  std::set<std::string> helps;
  for (std::size_t i = 0; i < families.size(); ++i) {
    const auto& field = nvflush::kCounterFields.at(i);
    const PromFamily& family = families[i];
    INFO(family.name);
    CHECK_FALSE(nvflush::counter_help(field.key).empty());
    CHECK(family.help == nvflush::counter_help(field.key));
    CHECK(family.samples.size() == 2);
    if (nvflush::is_level(field)) {
      CHECK(family.type == "gauge");
      CHECK(family.name == "nvflush_" + std::string{field.key});
    } else {
      CHECK(family.type == "counter");
      CHECK(family.name == "nvflush_" + std::string{field.key} + "_total");
    }
    names.insert(family.name);
    helps.insert(family.help);
  }
  CHECK(names.size() == families.size());
  CHECK(helps.size() == families.size());
  CHECK(nvflush::counter_help("no_such_counter").empty());
}

TEST_CASE("a report without devices still describes the metrics") {
  const std::string text = nvflush::prometheus_text({});
  CHECK_THAT(text, Catch::StartsWith("# HELP nvflush_write_bios_total "));
  CHECK(text.find('{') == std::string::npos);
}

TEST_CASE("Prometheus label values and help texts are escaped") {
  CHECK(nvflush::prometheus_label_value("/plain/path") == "/plain/path");
  CHECK(nvflush::prometheus_label_value(R"(/a "quoted" \ dir)") == R"(/a \"quoted\" \\ dir)");
  CHECK(nvflush::prometheus_label_value("/new\nline") == R"(/new\nline)");
  CHECK(nvflush::prometheus_label_value("").empty());

  auto report = small_report();
  report[0].cgroups[0].path = "/x\"y\\z\n";
  CHECK_THAT(nvflush::prometheus_text(report),
             Catch::Contains(R"(cgroup="/x\"y\\z\n",cgroup_id="1"} 3)"));

  const std::vector<PromFamily> families{PromFamily{
      .name = "m",
      .help = "a \\ help\nwith \"quotes\"",
      .type = "histogram",
      .samples = {
          PromSample{.suffix = "_count", .labels = {}, .value = 5},
          PromSample{.suffix = "_bucket", .labels = {{"le", "+Inf"}, {"k", "\""}}, .value = 5}}}};
  CHECK(nvflush::render_prometheus(families) ==
        "# HELP m a \\\\ help\\nwith \"quotes\"\n"
        "# TYPE m histogram\n"
        "m_count 5\n"
        "m_bucket{le=\"+Inf\",k=\"\\\"\"} 5\n");
}
