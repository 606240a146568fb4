// SPDX-License-Identifier: GPL-2.0-only
//
// The nvflush generic netlink family as the fuzzer sees it: its operations,
// the attributes each request may carry, and what every attribute's value
// means. Attribute types, commands and limits come from the UAPI header
// (linux/nvflush.h); the shape of the operations is the spec's
// (Documentation/netlink/specs/nvflush.yaml).
#pragma once

#include <linux/nvflush.h>
#include <netlink/attr.h>

#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

namespace nvflush::fuzz {

enum class AttrSet : std::uint8_t { kDev, kStats, kPolicy };

// Wire type of an attribute.
enum class Kind : std::uint8_t { kU8, kU32, kU64, kString, kFlag, kBinary, kPad };

// What an attribute's value means: picks the values a request carries.
enum class Domain : std::uint8_t {
  kNone,        // reply-only or opaque
  kDevName,     // a device name
  kBlockPath,   // origin or NVM path
  kCgroupPath,  // under the cgroup2 mount
  kCgroupId,
  kMode,      // enum nvflush_mode
  kOnFull,    // enum nvflush_on_full
  kRootSync,  // enum nvflush_root_sync
  kHighPct,   // 1..100
  kLowPct,    // 0..99
  kWeight,    // 1..1000
  kRate,      // bytes per second, 0: no cap
  kMaxDirty,  // bytes, 0 or at least one block
  kFormat,    // a flag
};

struct AttrDef {
  int type;  // NVFLUSH_A_*
  std::string_view name;
  Kind kind;
  Domain domain = Domain::kNone;
};

struct SetDef {
  AttrSet id;
  std::string_view name;
  int max_type;  // NVFLUSH_A_*_MAX
  std::span<const AttrDef> attrs;
};

struct OpDef {
  std::uint8_t cmd;  // NVFLUSH_CMD_*
  std::string_view name;
  AttrSet set;
  bool has_do;
  bool has_dump;
  bool admin;                     // needs CAP_NET_ADMIN
  std::span<const int> request;   // attributes the kernel's policy accepts
  std::span<const int> required;  // of those, the ones a do request needs
};

// Every operation a request may name, in command order.
std::span<const OpDef> ops();
// The operation of `cmd`, or nullptr for a command the family does not have.
const OpDef* find_op(std::uint8_t cmd);

const SetDef& attr_set(AttrSet set);
// The attribute `type` of `set`, or nullptr.
const AttrDef* find_attr(AttrSet set, int type);

// Whether `op`'s requests may carry attribute `type`.
bool accepts(const OpDef& op, int type);
bool requires_attr(const OpDef& op, int type);

// Payload length of a fixed-size kind (0 for strings, flags and binary).
std::size_t fixed_size(Kind kind);

// A libnl validation policy of `set` indexed by attribute type (max_type +
// 1 entries): integers of their exact size, strings NUL-terminated within
// `string_max` bytes, flags empty.
std::vector<nla_policy> libnl_policy(AttrSet set, std::uint16_t string_max);

}  // namespace nvflush::fuzz
