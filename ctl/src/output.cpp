// SPDX-License-Identifier: GPL-2.0-only
#include "output.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <functional>
#include <limits>
#include <stdexcept>
#include <utility>

#include "counter_kind.hpp"
#include "latency.hpp"
#include "units.hpp"

namespace nvflush {

namespace {

constexpr std::string_view kNoDevices = "no devices\n";
constexpr std::string_view kNoPolicies = "no policies\n";
constexpr std::string_view kColumnGap = "  ";

std::string dev_path(const DevInfo& dev) { return "/dev/" + dev.disk_name; }

// A policy's cap: "512.0 MiB", or `none` without one.
std::string max_dirty_text(std::uint64_t max_dirty, std::string_view none) {
  return max_dirty == 0 ? std::string{none} : format_iec(max_dirty);
}

std::string size_with_bytes(std::uint64_t bytes) {
  return fmt::format("{} ({} bytes)", format_iec(bytes), bytes);
}

// The bytes of `slots` NVM data slots, saturated at 2^64 - 1.
std::uint64_t slot_bytes(std::uint64_t slots) {
  std::uint64_t bytes = 0;
  if (__builtin_mul_overflow(slots, kNvmSlotBytes, &bytes)) {
    return std::numeric_limits<std::uint64_t>::max();
  }
  return bytes;
}

// "300 (1.2 MiB)": a count of 4 KiB slots or blocks with their size.
std::string slots_with_size(std::uint64_t slots) {
  return fmt::format("{} ({})", slots, format_iec(slot_bytes(slots)));
}

// "1.2 ms (1234 usec)"
std::string usec_with_ms(std::uint64_t usec) {
  return fmt::format("{} ({} usec)", format_usec_as_ms(usec), usec);
}

// "watermarks 50%/25%, rate cap 64 MiB/s, 3 back-offs, 12.5 ms throttled"
std::string destage_summary(const DevInfo& dev) {
  return fmt::format("watermarks {}%/{}%, rate cap {}, {} back-offs, {} throttled",
                     dev.high_watermark, dev.low_watermark, format_rate(dev.destage_rate),
                     dev.destage_backoffs, format_usec_as_ms(dev.destage_throttle_usec));
}

// The kernel counts I/O it could not attribute to a cgroup under id 0,
// which no cgroup directory has.
constexpr std::uint64_t kUnattributedId = 0;

std::string cgroup_label(const CgroupStats& cgroup) {
  if (cgroup.path) {
    return *cgroup.path;
  }
  return cgroup.id == kUnattributedId ? "(unattributed)" : std::to_string(cgroup.id);
}

constexpr double kP99 = 0.99;

void add_counters(Json& json, const Counters& counters, const Latency& latency) {
  for (const auto& field : kCounterFields) {
    json[std::string{field.key}] = counters.*field.member;
  }
  json["write_latency"] = latency.write;
  json["flush_latency"] = latency.flush;
}

// A counter as a table cell: sizes in IEC units.
std::string counter_cell(const CounterField& field, std::uint64_t value) {
  return field.bytes ? format_iec(value) : std::to_string(value);
}

// DEVICE CGROUP and the counters of kCounterFields that have a column,
// headed by `header`: one row per cgroup and a TOTAL row per device.
// With `latency`, also the p99 of the write and flush latency histograms
// (the upper bound of the bucket that holds it).
std::string counter_table(const std::vector<DeviceStats>& report,
                          const std::function<std::string(const CounterField&)>& header,
                          bool latency) {
  if (report.empty()) {
    return std::string{kNoDevices};
  }
  std::vector<Column> columns{{"DEVICE"}, {"CGROUP"}};
  for (const auto& field : kCounterFields) {
    if (!field.column.empty()) {
      columns.push_back({header(field), Align::kRight});
    }
  }
  if (latency) {
    for (const char* name : {"WRITE P99", "FLUSH P99"}) {
      columns.push_back({name, Align::kRight});
    }
  }
  Table table(std::move(columns));
  auto add_row = [&table, latency](const std::string& device, const std::string& cgroup,
                                   const Counters& counters, const Latency& lat) {
    std::vector<std::string> cells{device, cgroup};
    for (const auto& field : kCounterFields) {
      if (!field.column.empty()) {
        cells.push_back(counter_cell(field, counters.*field.member));
      }
    }
    if (latency) {
      for (const Histogram* histogram : {&lat.write, &lat.flush}) {
        cells.push_back(format_quantile(*histogram, kP99));
      }
    }
    table.add_row(std::move(cells));
  };
  for (const auto& dev : report) {
    for (const auto& cgroup : dev.cgroups) {
      add_row(dev.name, cgroup_label(cgroup), cgroup.counters, cgroup.latency);
    }
    add_row(dev.name, "TOTAL", dev.totals, dev.latency);
  }
  return table.render();
}

}  // namespace

Table::Table(std::vector<Column> columns) : columns_(std::move(columns)) {}

void Table::add_row(std::vector<std::string> cells) {
  if (cells.size() != columns_.size()) {
    throw std::invalid_argument(
        fmt::format("table row has {} cells for {} columns", cells.size(), columns_.size()));
  }
  rows_.push_back(std::move(cells));
}

std::string Table::render() const {
  std::vector<std::size_t> widths;
  widths.reserve(columns_.size());
  for (const auto& column : columns_) {
    widths.push_back(column.header.size());
  }
  for (const auto& row : rows_) {
    for (std::size_t i = 0; i < row.size(); ++i) {
      widths[i] = std::max(widths[i], row[i].size());
    }
  }

  std::string out;
  auto render_line = [&](auto cell_of) {
    std::string line;
    for (std::size_t i = 0; i < columns_.size(); ++i) {
      if (i > 0) {
        line += kColumnGap;
      }
      const std::string& cell = cell_of(i);
      line += columns_[i].align == Align::kRight ? fmt::format("{:>{}}", cell, widths[i])
                                                 : fmt::format("{:<{}}", cell, widths[i]);
    }
    line.erase(line.find_last_not_of(' ') + 1);
    out += line;
    out += '\n';
  };
  render_line([this](std::size_t i) -> const std::string& { return columns_[i].header; });
  for (const auto& row : rows_) {
    render_line([&row](std::size_t i) -> const std::string& { return row[i]; });
  }
  return out;
}

std::string json_text(const Json& json) { return json.dump() + "\n"; }

Json dev_json(const DevInfo& dev) {
  Json json{
      {"name", dev.name},
      {"disk", dev.disk_name},
      {"index", dev.index},
      {"size", dev.size},
      {"nvm_size", dev.nvm_size},
      {"block_size", dev.block_size},
      {"origin_path", dev.origin_path},
      {"nvm_path", dev.nvm_path},
      {"openers", dev.openers},
      {"nvm_uuid", dev.nvm_uuid},
      {"nvm_slots", dev.nvm_slots},
      {"recovered_blocks", dev.recovered_blocks},
      {"recovery_usec", dev.recovery_usec},
  };
  json["mode"] = mode_name(dev.mode);
  json["degraded"] = dev.degraded;
  for (const auto& field : kDevCounterFields) {
    json[std::string{field.key}] = dev.*field.member;
  }
  json["high_watermark"] = dev.high_watermark;
  json["low_watermark"] = dev.low_watermark;
  json["destage_rate"] = dev.destage_rate;
  json["root_sync"] = root_sync_name(dev.root_sync);
  return json;
}

Json dev_list_json(const std::vector<DevInfo>& devices) {
  Json list = Json::array();
  for (const auto& dev : devices) {
    list.push_back(dev_json(dev));
  }
  return Json{{"devices", std::move(list)}};
}

std::string dev_table(const std::vector<DevInfo>& devices) {
  if (devices.empty()) {
    return std::string{kNoDevices};
  }
  Table table({{"NAME"},
               {"DISK"},
               {"SIZE", Align::kRight},
               {"NVM", Align::kRight},
               {"MODE"},
               {"DIRTY", Align::kRight},
               {"ORIGIN"},
               {"NVM-DEV"},
               {"OPENERS", Align::kRight}});
  for (const auto& dev : devices) {
    table.add_row({dev.name, dev_path(dev), format_iec(dev.size), format_iec(dev.nvm_size),
                   mode_name(dev.mode), format_iec(slot_bytes(dev.dirty_blocks)), dev.origin_path,
                   dev.nvm_path, std::to_string(dev.openers)});
  }
  return table.render();
}

std::string dev_details(const DevInfo& dev) {
  const std::array<std::pair<std::string_view, std::string>, 27> lines{{
      {"name", dev.name},
      {"disk", dev_path(dev)},
      {"size", size_with_bytes(dev.size)},
      {"nvm size", size_with_bytes(dev.nvm_size)},
      {"block size", std::to_string(dev.block_size)},
      {"origin", dev.origin_path},
      {"nvm", dev.nvm_path},
      {"nvm uuid", dev.nvm_uuid},
      {"nvm slots", slots_with_size(dev.nvm_slots)},
      {"openers", std::to_string(dev.openers)},
      {"recovered blocks", slots_with_size(dev.recovered_blocks)},
      {"recovery time", usec_with_ms(dev.recovery_usec)},
      {"mode", mode_name(dev.mode)},
      {"destage", destage_summary(dev)},
      {"root sync", root_sync_name(dev.root_sync)},
      {"degraded", dev.degraded ? "yes" : "no"},
      {"dirty", slots_with_size(dev.dirty_blocks)},
      {"commit seq", std::to_string(dev.commit_seq)},
      {"counters", ""},
      {"  absorbed",
       fmt::format("{} writes, {}", dev.absorbed_writes, format_iec(dev.absorbed_bytes))},
      {"  write hits", std::to_string(dev.write_hits)},
      {"  reads", fmt::format("{} hits, {} misses", dev.read_hits, dev.read_misses)},
      {"  flushes", fmt::format("{} absorbed", dev.flushes_absorbed)},
      {"  origin flushes",
       fmt::format("{} issued, {} avoided", dev.origin_flushes, dev.origin_flushes_avoided)},
      {"  commits", std::to_string(dev.commits)},
      {"  destaged",
       fmt::format("{} in {} batches, {} writes (merged)", format_iec(dev.destaged_bytes),
                   dev.destage_batches, dev.destage_writes)},
      {"  slot wait", usec_with_ms(dev.slot_wait_usec)},
  }};
  // Values start one column after the longest key, "recovered blocks:".
  constexpr std::size_t kKeyWidth = 18;
  std::string out;
  for (const auto& [key, value] : lines) {
    if (value.empty()) {
      out += fmt::format("{}:\n", key);  // a section header
    } else {
      out += fmt::format("{:<{}}{}\n", fmt::format("{}:", key), kKeyWidth, value);
    }
  }
  return out;
}

std::string dev_set_done(const DevSetRequest& request) {
  std::vector<std::string> changes;
  if (request.mode) {
    changes.push_back("mode " + mode_name(*request.mode));
  }
  if (request.high_watermark) {
    changes.push_back(fmt::format("high watermark {}%", *request.high_watermark));
  }
  if (request.low_watermark) {
    changes.push_back(fmt::format("low watermark {}%", *request.low_watermark));
  }
  if (request.destage_rate) {
    changes.push_back("destage rate " + format_rate(*request.destage_rate));
  }
  if (request.root_sync) {
    changes.push_back("root sync " + root_sync_name(*request.root_sync));
  }
  return fmt::format("{}: {}\n", request.name, fmt::join(changes, ", "));
}

std::string drain_progress(const std::string& name, std::uint64_t dirty_blocks) {
  return fmt::format("draining {}: {} blocks ({}) left", name, dirty_blocks,
                     format_iec(slot_bytes(dirty_blocks)));
}

std::string dev_created(const DevInfo& dev) {
  std::string out = fmt::format("created {} as {}\n", dev.name, dev_path(dev));
  if (dev.recovered_blocks > 0) {
    out += fmt::format("recovered {} blocks ({}) in {}\n", dev.recovered_blocks,
                       format_iec(slot_bytes(dev.recovered_blocks)),
                       format_usec_as_ms(dev.recovery_usec));
  }
  return out;
}

Json stats_json(const std::vector<DeviceStats>& report) {
  Json devices = Json::array();
  for (const auto& dev : report) {
    Json totals = Json::object();
    add_counters(totals, dev.totals, dev.latency);
    Json cgroups = Json::array();
    for (const auto& cgroup : dev.cgroups) {
      Json entry{{"id", cgroup.id}, {"path", nullptr}};
      if (cgroup.path) {
        entry["path"] = *cgroup.path;
      }
      add_counters(entry, cgroup.counters, cgroup.latency);
      cgroups.push_back(std::move(entry));
    }
    devices.push_back(Json{{"name", dev.name},
                           {"disk", dev.disk},
                           {"totals", std::move(totals)},
                           {"cgroups", std::move(cgroups)}});
  }
  return Json{{"devices", std::move(devices)}};
}

std::string stats_table(const std::vector<DeviceStats>& report) {
  return counter_table(
      report, [](const CounterField& field) { return std::string{field.column}; }, true);
}

std::string stats_rate_table(const std::vector<DeviceStats>& rates) {
  return counter_table(
      rates,
      [](const CounterField& field) {
        return is_level(field) ? std::string{field.column} : fmt::format("{}/s", field.column);
      },
      false);
}

Json policy_json(const PolicyInfo& policy) {
  return Json{
      {"dev_name", policy.dev_name},       {"cgroup_path", policy.cgroup_path},
      {"cgroup_id", policy.cgroup_id},     {"mode", mode_name(policy.mode)},
      {"max_dirty", policy.max_dirty},     {"on_full", on_full_name(policy.on_full)},
      {"weight", policy.weight},           {"stale", policy.stale},
      {"dirty_bytes", policy.dirty_bytes},
  };
}

Json policy_list_json(const std::vector<PolicyInfo>& policies) {
  Json list = Json::array();
  for (const auto& policy : policies) {
    list.push_back(policy_json(policy));
  }
  return Json{{"policies", std::move(list)}};
}

std::string policy_table(const std::vector<PolicyInfo>& policies) {
  if (policies.empty()) {
    return std::string{kNoPolicies};
  }
  Table table({{"DEVICE"},
               {"CGROUP"},
               {"ID", Align::kRight},
               {"MODE"},
               {"MAX-DIRTY", Align::kRight},
               {"ON-FULL"},
               {"WEIGHT", Align::kRight},
               {"DIRTY", Align::kRight},
               {""}});
  for (const auto& policy : policies) {
    table.add_row({policy.dev_name, policy.cgroup_path, std::to_string(policy.cgroup_id),
                   mode_name(policy.mode), max_dirty_text(policy.max_dirty, "-"),
                   on_full_name(policy.on_full), std::to_string(policy.weight),
                   format_iec(policy.dirty_bytes), policy.stale ? "stale" : ""});
  }
  return table.render();
}

std::string policy_details(const PolicyInfo& policy) {
  const std::array<std::pair<std::string_view, std::string>, 9> lines{{
      {"device", policy.dev_name},
      {"cgroup", policy.cgroup_path},
      {"cgroup id", std::to_string(policy.cgroup_id)},
      {"mode", mode_name(policy.mode)},
      {"max dirty", policy.max_dirty == 0 ? "none" : size_with_bytes(policy.max_dirty)},
      {"on full", on_full_name(policy.on_full)},
      {"weight", std::to_string(policy.weight)},
      {"dirty", size_with_bytes(policy.dirty_bytes)},
      {"stale", policy.stale ? "yes (the cgroup was removed)" : "no"},
  }};
  // Values start one column after the longest key, "cgroup id:".
  constexpr std::size_t kKeyWidth = 11;
  std::string out;
  for (const auto& [key, value] : lines) {
    out += fmt::format("{:<{}}{}\n", fmt::format("{}:", key), kKeyWidth, value);
  }
  return out;
}

std::string policy_set_done(const PolicySetRequest& request) {
  std::vector<std::string> changes;
  if (request.mode) {
    changes.push_back("mode " + mode_name(*request.mode));
  }
  if (request.max_dirty) {
    changes.push_back("max dirty " + max_dirty_text(*request.max_dirty, "none"));
  }
  if (request.on_full) {
    changes.push_back("on full " + on_full_name(*request.on_full));
  }
  if (request.weight) {
    changes.push_back(fmt::format("weight {}", *request.weight));
  }
  return fmt::format("{} {}: {}\n", request.dev_name, request.cgroup_path,
                     fmt::join(changes, ", "));
}

}  // namespace nvflush
