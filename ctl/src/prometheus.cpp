// SPDX-License-Identifier: GPL-2.0-only
#include "prometheus.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <utility>

#include "counter_kind.hpp"
#include "latency.hpp"

namespace nvflush {

namespace {

constexpr std::string_view kPrefix = "nvflush_";
constexpr std::string_view kCounterSuffix = "_total";

struct CounterHelp {
  std::string_view key;
  std::string_view help;
};

constexpr std::array kCounterHelp{
    CounterHelp{"write_bios", "Write bios of the cgroup (a flush without data is not one)."},
    CounterHelp{"write_bytes", "Bytes written by the cgroup."},
    CounterHelp{"sync_writes", "Write bios flagged REQ_SYNC."},
    CounterHelp{"flushes", "Bios flagged REQ_PREFLUSH."},
    CounterHelp{"fua_writes", "Write bios flagged REQ_FUA."},
    CounterHelp{"read_bios", "Read bios of the cgroup."},
    CounterHelp{"read_bytes", "Bytes read by the cgroup."},
    CounterHelp{"discard_bios", "Discard bios of the cgroup."},
    CounterHelp{"discard_bytes", "Bytes discarded by the cgroup."},
    CounterHelp{"absorbed_writes", "Write bios absorbed into NVM."},
    CounterHelp{"absorbed_bytes", "Bytes absorbed into NVM."},
    CounterHelp{"bypassed_writes", "Write bios sent to the origin instead of NVM."},
    CounterHelp{"bypassed_bytes", "Bytes sent to the origin instead of NVM."},
    CounterHelp{"write_hits", "Blocks written that were in NVM already."},
    CounterHelp{"read_hits", "Blocks read from NVM."},
    CounterHelp{"read_misses", "Blocks read from the origin."},
    CounterHelp{"dirty_bytes", "Bytes the cgroup's writes hold in NVM now, not yet destaged."},
    CounterHelp{"destaged_bytes", "Bytes of the cgroup destaged from NVM to the origin."},
    CounterHelp{"quota_throttles", "Writes that waited at their policy's max-dirty."},
    CounterHelp{"quota_throttle_usec", "Microseconds writes waited at their policy's max-dirty."},
    CounterHelp{"quota_bypasses", "Writes sent to the origin at their policy's max-dirty."},
};

// HELP text: \ as \\ and a line feed as \n.
std::string help_text(std::string_view help) {
  std::string out;
  for (const char c : help) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

std::vector<PromLabel> cgroup_labels(const DeviceStats& dev, const CgroupStats& cgroup) {
  std::vector<PromLabel> labels{{"device", dev.name}, {"disk", dev.disk}};
  if (cgroup.path) {
    labels.push_back({"cgroup", *cgroup.path});
  }
  labels.push_back({"cgroup_id", std::to_string(cgroup.id)});
  return labels;
}

}  // namespace

std::string prometheus_label_value(std::string_view value) {
  std::string out;
  for (const char c : value) {
    if (c == '\\' || c == '"') {
      out += '\\';
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

std::string_view counter_help(std::string_view key) {
  const auto* const found =
      std::find_if(kCounterHelp.begin(), kCounterHelp.end(),
                   [key](const CounterHelp& entry) { return entry.key == key; });
  return found == kCounterHelp.end() ? std::string_view{} : found->help;
}

std::string render_prometheus(const std::vector<PromFamily>& families) {
  std::string out;
  for (const auto& family : families) {
    out += fmt::format("# HELP {} {}\n# TYPE {} {}\n", family.name, help_text(family.help),
                       family.name, family.type);
    for (const auto& sample : family.samples) {
      out += family.name + sample.suffix;
      if (!sample.labels.empty()) {
        std::vector<std::string> labels;
        labels.reserve(sample.labels.size());
        for (const auto& label : sample.labels) {
          labels.push_back(
              fmt::format("{}=\"{}\"", label.name, prometheus_label_value(label.value)));
        }
        out += fmt::format("{{{}}}", fmt::join(labels, ","));
      }
      out += fmt::format(" {}\n", sample.value);
    }
  }
  return out;
}

std::vector<PromFamily> stats_families(const std::vector<DeviceStats>& report) {
  std::vector<PromFamily> families;
  families.reserve(kCounterFields.size());
  for (const auto& field : kCounterFields) {
    const bool level = is_level(field);
    std::string help{counter_help(field.key)};
    PromFamily family{
        .name = fmt::format("{}{}{}", kPrefix, field.key, level ? "" : kCounterSuffix),
        .help = help.empty() ? fmt::format("The {} counter.", field.key) : std::move(help),
        .type = level ? "gauge" : "counter",
        .samples = {}};
    for (const auto& dev : report) {
      for (const auto& cgroup : dev.cgroups) {
        family.samples.push_back({.suffix = "",
                                  .labels = cgroup_labels(dev, cgroup),
                                  .value = cgroup.counters.*field.member});
      }
    }
    families.push_back(std::move(family));
  }
  return families;
}

std::vector<PromFamily> latency_families(const std::vector<DeviceStats>& report) {
  struct Which {
    const char* name;
    const char* help;
    const Histogram Latency::*member;
  };
  constexpr std::array kWhich{
      Which{"nvflush_write_latency_seconds",
            "Completion latency of write bios carrying data, from entry into the device.",
            &Latency::write},
      Which{"nvflush_flush_latency_seconds",
            "Completion latency of bios carrying a cache flush (REQ_PREFLUSH).", &Latency::flush},
  };
  constexpr double kUsecPerSecond = 1e6;
  std::vector<PromFamily> families;
  for (const auto& which : kWhich) {
    PromFamily family{.name = which.name, .help = which.help, .type = "histogram", .samples = {}};
    for (const auto& dev : report) {
      for (const auto& cgroup : dev.cgroups) {
        const Histogram& histogram = cgroup.latency.*which.member;
        std::uint64_t cumulative = 0;
        for (std::size_t bucket = 0; bucket < histogram.size(); ++bucket) {
          cumulative += histogram.at(bucket);
          const auto upper = bucket_upper_usec(bucket);
          std::vector<PromLabel> labels = cgroup_labels(dev, cgroup);
          labels.push_back(
              {"le", upper ? fmt::format("{}", static_cast<double>(*upper) / kUsecPerSecond)
                           : std::string{"+Inf"}});
          family.samples.push_back(
              {.suffix = "_bucket", .labels = std::move(labels), .value = cumulative});
        }
        family.samples.push_back(
            {.suffix = "_count", .labels = cgroup_labels(dev, cgroup), .value = cumulative});
      }
    }
    families.push_back(std::move(family));
  }
  return families;
}

std::string prometheus_text(const std::vector<DeviceStats>& report) {
  std::vector<PromFamily> families = stats_families(report);
  for (auto& family : latency_families(report)) {
    families.push_back(std::move(family));
  }
  return render_prometheus(families);
}

}  // namespace nvflush
