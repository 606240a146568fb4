// SPDX-License-Identifier: GPL-2.0-only
#include "event_format.hpp"

#include <fmt/format.h>
#include <linux/nvflush.h>

#include <cstring>

#include "units.hpp"

namespace nvflush {

namespace {

std::string cgroup_of(const Event& event) {
  const std::string path = event.cgroup_path.value_or("?");
  return event.cgroup_id ? fmt::format("cgroup {} (id {})", path, *event.cgroup_id)
                         : fmt::format("cgroup {}", path);
}

std::string details(const Event& event) {
  switch (event.type) {
    case NVFLUSH_EVENT_TYPE_DEGRADED:
      return fmt::format("{} failed: {} (errno {})", event.reason.value_or("?"),
                         std::strerror(static_cast<int>(event.error.value_or(0))),
                         event.error.value_or(0));
    case NVFLUSH_EVENT_TYPE_QUOTA_HIT:
      return fmt::format("{}: {} held, cap {}, on-full {}", cgroup_of(event),
                         format_iec(event.dirty_bytes.value_or(0)),
                         format_iec(event.max_dirty.value_or(0)),
                         on_full_name(event.on_full.value_or(NVFLUSH_ON_FULL_THROTTLE)));
    case NVFLUSH_EVENT_TYPE_NVM_FULL:
      return fmt::format("writers wait for NVM slots, {} dirty",
                         format_iec(event.dirty_bytes.value_or(0)));
    case NVFLUSH_EVENT_TYPE_DRAINED:
      return "nothing dirty in NVM";
    case NVFLUSH_EVENT_TYPE_POLICY_CHANGED:
      if (!event.cgroup_id && !event.cgroup_path) {
        return "device settings changed";
      }
      return fmt::format("policy of {} {}", cgroup_of(event), event.removed ? "deleted" : "set");
    default:
      return "";
  }
}

}  // namespace

std::string event_line(const std::string& time, const Event& event) {
  std::string line = fmt::format("{} {} {}", time, event.dev_name, event_type_name(event.type));
  if (std::string more = details(event); !more.empty()) {
    line += " " + more;
  }
  return line + "\n";
}

Json event_json(const std::string& time, const Event& event) {
  Json json = {{"time", time}, {"type", event_type_name(event.type)}, {"device", event.dev_name}};
  if (event.cgroup_id) {
    json["cgroup_id"] = *event.cgroup_id;
  }
  if (event.cgroup_path) {
    json["cgroup_path"] = *event.cgroup_path;
  }
  if (event.reason) {
    json["reason"] = *event.reason;
  }
  if (event.error) {
    json["error"] = *event.error;
  }
  if (event.dirty_bytes) {
    json["dirty_bytes"] = *event.dirty_bytes;
  }
  if (event.max_dirty) {
    json["max_dirty"] = *event.max_dirty;
  }
  if (event.on_full) {
    json["on_full"] = on_full_name(*event.on_full);
  }
  if (event.type == NVFLUSH_EVENT_TYPE_POLICY_CHANGED) {
    json["removed"] = event.removed;
  }
  return json;
}

}  // namespace nvflush
