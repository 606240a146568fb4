// SPDX-License-Identifier: GPL-2.0-only
//
// How `nvflushctl monitor` shows an event: one line of text, or one JSON
// object per line.
#pragma once

#include <string>

#include "messages.hpp"
#include "output.hpp"

namespace nvflush {

// "TIME DEV TYPE details", e.g.
// "05:40:01.123 d0 quota-hit cgroup /wa (id 4242): 28.0 KiB held, cap 32.0 KiB, on-full bypass".
std::string event_line(const std::string& time, const Event& event);

// {"time", "type", "device", and the attributes the event carries:
//  "cgroup_id", "cgroup_path", "reason", "error", "dirty_bytes", "max_dirty",
//  "on_full", "removed"}.
Json event_json(const std::string& time, const Event& event);

}  // namespace nvflush
