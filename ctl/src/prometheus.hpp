// SPDX-License-Identifier: GPL-2.0-only
//
// The stats report in the Prometheus text exposition format (0.0.4), as
// `stats --prometheus` prints it for a scrape or for node_exporter's
// textfile collector. The model (families of samples) is the format's, so
// that other metrics, such as latency histograms or the device-wide tier
// counters, become more families rendered the same way.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "stats_report.hpp"

namespace nvflush {

struct PromLabel {
  std::string name;
  std::string value;  // as it is; escaped when rendered

  friend bool operator==(const PromLabel&, const PromLabel&) = default;
};

struct PromSample {
  // Appended to the family's name: empty, or for a histogram "_bucket",
  // "_sum" and "_count".
  std::string suffix;
  std::vector<PromLabel> labels;
  std::uint64_t value = 0;

  friend bool operator==(const PromSample&, const PromSample&) = default;
};

struct PromFamily {
  std::string name;  // "nvflush_write_bytes_total"
  std::string help;  // as it is; escaped when rendered
  std::string type;  // "counter", "gauge", "histogram", ...
  std::vector<PromSample> samples;

  friend bool operator==(const PromFamily&, const PromFamily&) = default;
};

// Per family a "# HELP" and a "# TYPE" line, then its samples, one a line:
// NAME{label="value",...} VALUE (no braces without labels).
std::string render_prometheus(const std::vector<PromFamily>& families);

// One family per counter of kCounterFields, in its order: "nvflush_" and
// the JSON key, a counter named with "_total", or for a level
// (is_level()) a gauge without it. One sample per (device, cgroup) of the
// report, labelled device, disk, cgroup (the path; left out when unknown)
// and cgroup_id. Families without samples still get their HELP and TYPE.
std::vector<PromFamily> stats_families(const std::vector<DeviceStats>& report);

// The histograms nvflush_write_latency_seconds and
// nvflush_flush_latency_seconds: per (device, cgroup) cumulative _bucket
// samples with le = each bucket's upper bound in seconds (1e-06, 2e-06, ...,
// +Inf) and _count. There is no _sum: the kernel counts no latency sums.
std::vector<PromFamily> latency_families(const std::vector<DeviceStats>& report);

// render_prometheus() of stats_families(report), then latency_families(report).
std::string prometheus_text(const std::vector<DeviceStats>& report);

// The help text of the counter with JSON key `key`, or empty if it has none.
std::string_view counter_help(std::string_view key);

// A label value as the format writes it between quotes: \ as \\, " as \"
// and a line feed as \n.
std::string prometheus_label_value(std::string_view value);

}  // namespace nvflush
