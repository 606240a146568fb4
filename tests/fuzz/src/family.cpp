// SPDX-License-Identifier: GPL-2.0-only
#include "family.hpp"

#include <algorithm>
#include <array>

namespace nvflush::fuzz {

namespace {

constexpr std::array kDevAttrs{
    AttrDef{NVFLUSH_A_DEV_NAME, "name", Kind::kString, Domain::kDevName},
    AttrDef{NVFLUSH_A_DEV_ORIGIN_PATH, "origin-path", Kind::kString, Domain::kBlockPath},
    AttrDef{NVFLUSH_A_DEV_NVM_PATH, "nvm-path", Kind::kString, Domain::kBlockPath},
    AttrDef{NVFLUSH_A_DEV_INDEX, "index", Kind::kU32},
    AttrDef{NVFLUSH_A_DEV_DISK_NAME, "disk-name", Kind::kString},
    AttrDef{NVFLUSH_A_DEV_SIZE, "size", Kind::kU64},
    AttrDef{NVFLUSH_A_DEV_NVM_SIZE, "nvm-size", Kind::kU64},
    AttrDef{NVFLUSH_A_DEV_BLOCK_SIZE, "block-size", Kind::kU32},
    AttrDef{NVFLUSH_A_DEV_OPENERS, "openers", Kind::kU32},
    AttrDef{NVFLUSH_A_DEV_PAD, "pad", Kind::kPad},
    AttrDef{NVFLUSH_A_DEV_FORMAT, "format", Kind::kFlag, Domain::kFormat},
    AttrDef{NVFLUSH_A_DEV_NVM_UUID, "nvm-uuid", Kind::kString},
    AttrDef{NVFLUSH_A_DEV_NVM_SLOTS, "nvm-slots", Kind::kU64},
    AttrDef{NVFLUSH_A_DEV_RECOVERED_BLOCKS, "recovered-blocks", Kind::kU64},
    AttrDef{NVFLUSH_A_DEV_RECOVERY_USEC, "recovery-usec", Kind::kU64},
    AttrDef{NVFLUSH_A_DEV_MODE, "mode", Kind::kU32, Domain::kMode},
    AttrDef{NVFLUSH_A_DEV_DEGRADED, "degraded", Kind::kU8},
    AttrDef{NVFLUSH_A_DEV_DIRTY_BLOCKS, "dirty-blocks", Kind::kU64},
    AttrDef{NVFLUSH_A_DEV_COMMIT_SEQ, "commit-seq", Kind::kU64},
    AttrDef{NVFLUSH_A_DEV_ABSORBED_WRITES, "absorbed-writes", Kind::kU64},
    AttrDef{NVFLUSH_A_DEV_ABSORBED_BYTES, "absorbed-bytes", Kind::kU64},
    AttrDef{NVFLUSH_A_DEV_WRITE_HITS, "write-hits", Kind::kU64},
    AttrDef{NVFLUSH_A_DEV_READ_HITS, "read-hits", Kind::kU64},
    AttrDef{NVFLUSH_A_DEV_READ_MISSES, "read-misses", Kind::kU64},
    AttrDef{NVFLUSH_A_DEV_FLUSHES_ABSORBED, "flushes-absorbed", Kind::kU64},
    AttrDef{NVFLUSH_A_DEV_ORIGIN_FLUSHES, "origin-flushes", Kind::kU64},
    AttrDef{NVFLUSH_A_DEV_ORIGIN_FLUSHES_AVOIDED, "origin-flushes-avoided", Kind::kU64},
    AttrDef{NVFLUSH_A_DEV_COMMITS, "commits", Kind::kU64},
    AttrDef{NVFLUSH_A_DEV_DESTAGED_BYTES, "destaged-bytes", Kind::kU64},
    AttrDef{NVFLUSH_A_DEV_DESTAGE_BATCHES, "destage-batches", Kind::kU64},
    AttrDef{NVFLUSH_A_DEV_DESTAGE_WRITES, "destage-writes", Kind::kU64},
    AttrDef{NVFLUSH_A_DEV_SLOT_WAIT_USEC, "slot-wait-usec", Kind::kU64},
    AttrDef{NVFLUSH_A_DEV_DESTAGE_BACKOFFS, "destage-backoffs", Kind::kU64},
    AttrDef{NVFLUSH_A_DEV_DESTAGE_THROTTLE_USEC, "destage-throttle-usec", Kind::kU64},
    AttrDef{NVFLUSH_A_DEV_HIGH_WATERMARK, "high-watermark", Kind::kU32, Domain::kHighPct},
    AttrDef{NVFLUSH_A_DEV_LOW_WATERMARK, "low-watermark", Kind::kU32, Domain::kLowPct},
    AttrDef{NVFLUSH_A_DEV_DESTAGE_RATE, "destage-rate", Kind::kU64, Domain::kRate},
    AttrDef{NVFLUSH_A_DEV_ROOT_SYNC, "root-sync", Kind::kU32, Domain::kRootSync},
};
static_assert(kDevAttrs.size() == NVFLUSH_A_DEV_MAX);

constexpr std::array kStatsAttrs{
    AttrDef{NVFLUSH_A_STATS_DEV_NAME, "dev-name", Kind::kString, Domain::kDevName},
    AttrDef{NVFLUSH_A_STATS_CGROUP_ID, "cgroup-id", Kind::kU64, Domain::kCgroupId},
    AttrDef{NVFLUSH_A_STATS_WRITE_BIOS, "write-bios", Kind::kU64},
    AttrDef{NVFLUSH_A_STATS_WRITE_BYTES, "write-bytes", Kind::kU64},
    AttrDef{NVFLUSH_A_STATS_SYNC_WRITES, "sync-writes", Kind::kU64},
    AttrDef{NVFLUSH_A_STATS_FLUSHES, "flushes", Kind::kU64},
    AttrDef{NVFLUSH_A_STATS_FUA_WRITES, "fua-writes", Kind::kU64},
    AttrDef{NVFLUSH_A_STATS_READ_BIOS, "read-bios", Kind::kU64},
    AttrDef{NVFLUSH_A_STATS_READ_BYTES, "read-bytes", Kind::kU64},
    AttrDef{NVFLUSH_A_STATS_DISCARD_BIOS, "discard-bios", Kind::kU64},
    AttrDef{NVFLUSH_A_STATS_DISCARD_BYTES, "discard-bytes", Kind::kU64},
    AttrDef{NVFLUSH_A_STATS_ABSORBED_WRITES, "absorbed-writes", Kind::kU64},
    AttrDef{NVFLUSH_A_STATS_ABSORBED_BYTES, "absorbed-bytes", Kind::kU64},
    AttrDef{NVFLUSH_A_STATS_BYPASSED_WRITES, "bypassed-writes", Kind::kU64},
    AttrDef{NVFLUSH_A_STATS_BYPASSED_BYTES, "bypassed-bytes", Kind::kU64},
    AttrDef{NVFLUSH_A_STATS_WRITE_HITS, "write-hits", Kind::kU64},
    AttrDef{NVFLUSH_A_STATS_READ_HITS, "read-hits", Kind::kU64},
    AttrDef{NVFLUSH_A_STATS_READ_MISSES, "read-misses", Kind::kU64},
    AttrDef{NVFLUSH_A_STATS_DIRTY_BYTES, "dirty-bytes", Kind::kU64},
    AttrDef{NVFLUSH_A_STATS_DESTAGED_BYTES, "destaged-bytes", Kind::kU64},
    AttrDef{NVFLUSH_A_STATS_QUOTA_THROTTLES, "quota-throttles", Kind::kU64},
    AttrDef{NVFLUSH_A_STATS_QUOTA_THROTTLE_USEC, "quota-throttle-usec", Kind::kU64},
    AttrDef{NVFLUSH_A_STATS_QUOTA_BYPASSES, "quota-bypasses", Kind::kU64},
    AttrDef{NVFLUSH_A_STATS_PAD, "pad", Kind::kPad},
    AttrDef{NVFLUSH_A_STATS_WRITE_LATENCY, "write-latency", Kind::kBinary},
    AttrDef{NVFLUSH_A_STATS_FLUSH_LATENCY, "flush-latency", Kind::kBinary},
};
static_assert(kStatsAttrs.size() == NVFLUSH_A_STATS_MAX);

constexpr std::array kPolicyAttrs{
    AttrDef{NVFLUSH_A_POLICY_DEV_NAME, "dev-name", Kind::kString, Domain::kDevName},
    AttrDef{NVFLUSH_A_POLICY_CGROUP_PATH, "cgroup-path", Kind::kString, Domain::kCgroupPath},
    AttrDef{NVFLUSH_A_POLICY_CGROUP_ID, "cgroup-id", Kind::kU64, Domain::kCgroupId},
    AttrDef{NVFLUSH_A_POLICY_MODE, "mode", Kind::kU32, Domain::kMode},
    AttrDef{NVFLUSH_A_POLICY_MAX_DIRTY, "max-dirty", Kind::kU64, Domain::kMaxDirty},
    AttrDef{NVFLUSH_A_POLICY_ON_FULL, "on-full", Kind::kU32, Domain::kOnFull},
    AttrDef{NVFLUSH_A_POLICY_WEIGHT, "weight", Kind::kU32, Domain::kWeight},
    AttrDef{NVFLUSH_A_POLICY_STALE, "stale", Kind::kFlag},
    AttrDef{NVFLUSH_A_POLICY_DIRTY_BYTES, "dirty-bytes", Kind::kU64},
    AttrDef{NVFLUSH_A_POLICY_PAD, "pad", Kind::kPad},
};
static_assert(kPolicyAttrs.size() == NVFLUSH_A_POLICY_MAX);

constexpr std::array kSets{
    SetDef{AttrSet::kDev, "dev", NVFLUSH_A_DEV_MAX, kDevAttrs},
    SetDef{AttrSet::kStats, "stats", NVFLUSH_A_STATS_MAX, kStatsAttrs},
    SetDef{AttrSet::kPolicy, "policy", NVFLUSH_A_POLICY_MAX, kPolicyAttrs},
};

// A list of attribute types (enumerators of the UAPI header's anonymous enums).
template <typename... T>
constexpr std::array<int, sizeof...(T)> types(T... type) {
  return {static_cast<int>(type)...};
}

// Request attributes of each operation (the spec's "request" lists).
constexpr auto kCreateReq = types(NVFLUSH_A_DEV_NAME, NVFLUSH_A_DEV_ORIGIN_PATH,
                                  NVFLUSH_A_DEV_NVM_PATH, NVFLUSH_A_DEV_FORMAT, NVFLUSH_A_DEV_MODE);
constexpr auto kCreateRequired =
    types(NVFLUSH_A_DEV_NAME, NVFLUSH_A_DEV_ORIGIN_PATH, NVFLUSH_A_DEV_NVM_PATH);
constexpr auto kNameReq = types(NVFLUSH_A_DEV_NAME);
constexpr auto kStatsReq = types(NVFLUSH_A_STATS_DEV_NAME, NVFLUSH_A_STATS_CGROUP_ID);
constexpr auto kSetReq =
    types(NVFLUSH_A_DEV_NAME, NVFLUSH_A_DEV_MODE, NVFLUSH_A_DEV_HIGH_WATERMARK,
          NVFLUSH_A_DEV_LOW_WATERMARK, NVFLUSH_A_DEV_DESTAGE_RATE, NVFLUSH_A_DEV_ROOT_SYNC);
constexpr auto kPolicySetReq =
    types(NVFLUSH_A_POLICY_DEV_NAME, NVFLUSH_A_POLICY_CGROUP_PATH, NVFLUSH_A_POLICY_MODE,
          NVFLUSH_A_POLICY_MAX_DIRTY, NVFLUSH_A_POLICY_ON_FULL, NVFLUSH_A_POLICY_WEIGHT);
constexpr auto kPolicyPathRequired = types(NVFLUSH_A_POLICY_DEV_NAME, NVFLUSH_A_POLICY_CGROUP_PATH);
constexpr auto kPolicyDelReq =
    types(NVFLUSH_A_POLICY_DEV_NAME, NVFLUSH_A_POLICY_CGROUP_PATH, NVFLUSH_A_POLICY_CGROUP_ID);
constexpr auto kPolicyDevRequired = types(NVFLUSH_A_POLICY_DEV_NAME);
constexpr auto kPolicyGetReq = types(NVFLUSH_A_POLICY_DEV_NAME, NVFLUSH_A_POLICY_CGROUP_PATH);
constexpr std::span<const int> kNone{};

constexpr std::array kOps{
    OpDef{NVFLUSH_CMD_DEV_CREATE, "dev-create", AttrSet::kDev, true, false, true, kCreateReq,
          kCreateRequired},
    OpDef{NVFLUSH_CMD_DEV_DESTROY, "dev-destroy", AttrSet::kDev, true, false, true, kNameReq,
          kNameReq},
    OpDef{NVFLUSH_CMD_DEV_GET, "dev-get", AttrSet::kDev, true, true, false, kNameReq, kNameReq},
    OpDef{NVFLUSH_CMD_STATS_GET, "stats-get", AttrSet::kStats, false, true, false, kStatsReq,
          kNone},
    OpDef{NVFLUSH_CMD_DEV_SET, "dev-set", AttrSet::kDev, true, false, true, kSetReq, kNameReq},
    OpDef{NVFLUSH_CMD_DEV_DRAIN, "dev-drain", AttrSet::kDev, true, false, true, kNameReq, kNameReq},
    OpDef{NVFLUSH_CMD_POLICY_SET, "policy-set", AttrSet::kPolicy, true, false, true, kPolicySetReq,
          kPolicyPathRequired},
    // Either the cgroup path or the cgroup id, which the kernel checks.
    OpDef{NVFLUSH_CMD_POLICY_DEL, "policy-del", AttrSet::kPolicy, true, false, true, kPolicyDelReq,
          kPolicyDevRequired},
    OpDef{NVFLUSH_CMD_POLICY_GET, "policy-get", AttrSet::kPolicy, true, true, false, kPolicyGetReq,
          kPolicyPathRequired},
};
static_assert(kOps.size() == NVFLUSH_CMD_MAX - 1, "every command but the event has an op");

bool contains(std::span<const int> list, int type) {
  return std::find(list.begin(), list.end(), type) != list.end();
}

}  // namespace

std::span<const OpDef> ops() { return kOps; }

const OpDef* find_op(std::uint8_t cmd) {
  const auto* op =
      std::find_if(kOps.begin(), kOps.end(), [cmd](const OpDef& o) { return o.cmd == cmd; });
  return op == kOps.end() ? nullptr : op;
}

const SetDef& attr_set(AttrSet set) { return kSets.at(static_cast<std::size_t>(set)); }

const AttrDef* find_attr(AttrSet set, int type) {
  const auto attrs = attr_set(set).attrs;
  const auto attr =
      std::find_if(attrs.begin(), attrs.end(), [type](const AttrDef& a) { return a.type == type; });
  return attr == attrs.end() ? nullptr : &*attr;
}

bool accepts(const OpDef& op, int type) { return contains(op.request, type); }

bool requires_attr(const OpDef& op, int type) { return contains(op.required, type); }

std::size_t fixed_size(Kind kind) {
  switch (kind) {
    case Kind::kU8:
      return sizeof(std::uint8_t);
    case Kind::kU32:
      return sizeof(std::uint32_t);
    case Kind::kU64:
      return sizeof(std::uint64_t);
    case Kind::kString:
    case Kind::kFlag:
    case Kind::kBinary:
    case Kind::kPad:
      return 0;
  }
  return 0;
}

std::vector<nla_policy> libnl_policy(AttrSet set, std::uint16_t string_max) {
  const SetDef& def = attr_set(set);
  std::vector<nla_policy> policy(static_cast<std::size_t>(def.max_type) + 1, nla_policy{});
  for (const AttrDef& attr : def.attrs) {
    nla_policy& p = policy.at(static_cast<std::size_t>(attr.type));
    switch (attr.kind) {
      case Kind::kU8:
        p = nla_policy{NLA_U8, sizeof(std::uint8_t), sizeof(std::uint8_t)};
        break;
      case Kind::kU32:
        p = nla_policy{NLA_U32, sizeof(std::uint32_t), sizeof(std::uint32_t)};
        break;
      case Kind::kU64:
        p = nla_policy{NLA_U64, sizeof(std::uint64_t), sizeof(std::uint64_t)};
        break;
      case Kind::kString:
        p = nla_policy{NLA_STRING, 1, string_max};
        break;
      case Kind::kFlag:
        p = nla_policy{NLA_FLAG, 0, 0};
        break;
      case Kind::kBinary:
      case Kind::kPad:
        p = nla_policy{NLA_UNSPEC, 0, 0};
        break;
    }
  }
  return policy;
}

}  // namespace nvflush::fuzz
