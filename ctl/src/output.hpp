// SPDX-License-Identifier: GPL-2.0-only
//
// Rendering for people (aligned tables, key: value lines, IEC sizes) and for
// programs (JSON with exact integers). The JSON shapes are an interface:
// tests/vm parses them.
#pragma once

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

#include "messages.hpp"
#include "stats_report.hpp"

namespace nvflush {

// Keys keep the documented order.
using Json = nlohmann::ordered_json;

enum class Align { kLeft, kRight };

struct Column {
  std::string header;
  Align align = Align::kLeft;
};

// A text table: a header line, then one line per row, columns separated by
// two spaces, no trailing blanks.
class Table {
 public:
  explicit Table(std::vector<Column> columns);
  // Throws std::invalid_argument unless there is one cell per column.
  void add_row(std::vector<std::string> cells);
  [[nodiscard]] std::string render() const;

 private:
  std::vector<Column> columns_;
  std::vector<std::vector<std::string>> rows_;
};

// Compact JSON text with a final newline.
std::string json_text(const Json& json);

// {"name", "disk", "index", "size", "nvm_size", "block_size", "origin_path",
//  "nvm_path", "openers", "nvm_uuid", "nvm_slots", "recovered_blocks",
//  "recovery_usec", "mode" ("absorb"/"bypass"), "degraded" (bool), then the
//  keys of kDevCounterFields ("dirty_blocks" ... "destage_throttle_usec"),
//  then "high_watermark", "low_watermark" (percent), "destage_rate"
//  (bytes per second, 0: no cap) and "root_sync" ("absorb"/"follow")}
Json dev_json(const DevInfo& dev);
// {"devices": [dev_json, ...]}
Json dev_list_json(const std::vector<DevInfo>& devices);
// NAME DISK SIZE NVM MODE DIRTY ORIGIN NVM-DEV OPENERS, or "no devices".
std::string dev_table(const std::vector<DevInfo>& devices);
// "key: value" lines for `dev show`, among them
// "destage: watermarks 50%/25%, rate cap 64 MiB/s, 3 back-offs, 12.5 ms throttled".
std::string dev_details(const DevInfo& dev);
// What `dev set` prints: "NAME: " and the settings it changed, e.g.
// "d0: mode bypass, high watermark 60%, low watermark 30%, destage rate 64 MiB/s".
std::string dev_set_done(const DevSetRequest& request);
// "draining NAME: N blocks (SIZE) left", without a newline.
std::string drain_progress(const std::string& name, std::uint64_t dirty_blocks);
// What `dev create` prints: "created NAME as /dev/nvflushN", and when the
// NVM held committed data "recovered N blocks (SIZE) in T ms".
std::string dev_created(const DevInfo& dev);

// {"devices": [{"name", "disk", "totals": {COUNTERS},
//               "cgroups": [{"id", "path" (string or null), COUNTERS...}]}]}
// with COUNTERS the keys of kCounterFields.
Json stats_json(const std::vector<DeviceStats>& report);
// DEVICE CGROUP WRITES WRITTEN READS READ ABSORBED BYPASSED DIRTY DESTAGED
// (the columns of kCounterFields), one row per cgroup and a TOTAL row per
// device, or "no devices". CGROUP is the path, else the id; id 0 (I/O the kernel could not
// attribute) reads
// "(unattributed)".
std::string stats_table(const std::vector<DeviceStats>& report);
// The same table of a report of rates (stats_rates()): the columns of
// counts read per second (WRITES/s WRITTEN/s ... DESTAGED/s), DIRTY as it is.
std::string stats_rate_table(const std::vector<DeviceStats>& rates);

// {"dev_name", "cgroup_path", "cgroup_id", "mode", "max_dirty" (bytes, 0:
//  no cap), "on_full" ("throttle"/"bypass"), "weight", "stale" (bool),
//  "dirty_bytes"}
Json policy_json(const PolicyInfo& policy);
// {"policies": [policy_json, ...]}
Json policy_list_json(const std::vector<PolicyInfo>& policies);
// DEVICE CGROUP ID MODE MAX-DIRTY ON-FULL WEIGHT DIRTY and a last column
// reading "stale" for the policy of a removed cgroup; MAX-DIRTY "-" without
// a cap. "no policies" when there are none.
std::string policy_table(const std::vector<PolicyInfo>& policies);
// "key: value" lines for `policy show`.
std::string policy_details(const PolicyInfo& policy);
// What `policy set` prints: "DEV CGROUP: " and the settings it sent, e.g.
// "d0 /tenant-a: mode absorb, max dirty 512.0 MiB, on full throttle, weight 200".
std::string policy_set_done(const PolicySetRequest& request);

}  // namespace nvflush
