// SPDX-License-Identifier: GPL-2.0-only
//
// Encoding of nvflush generic netlink requests and decoding of the kernel's
// replies. Nothing here touches a socket: requests are built into nl_msg
// objects and replies are decoded from the raw bytes of one netlink message
// (struct nlmsghdr onwards), so all of it can be tested on byte buffers.
#pragma once

#include <linux/nvflush.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "counters.hpp"
#include "latency.hpp"
#include "nl_ptr.hpp"
#include "result.hpp"

namespace nvflush {

// The bytes of one netlink message, starting at its struct nlmsghdr.
using Bytes = std::span<const std::byte>;

// Bytes per NVM data slot; a recovered block fills one slot.
inline constexpr std::uint64_t kNvmSlotBytes = 4096;

// Length of the textual NVM UUID ("0f4c2a9e-...", 8-4-4-4-12 hex digits),
// without its NUL.
inline constexpr std::size_t kNvmUuidLen = 36;

// Destager watermarks, in percent of the NVM slots (the spec's checks): the
// high one is 1 to 100, the low one 0 to 99 and below the high one.
inline constexpr std::uint32_t kHighWatermarkMin = 1;
inline constexpr std::uint32_t kHighWatermarkMax = 100;
inline constexpr std::uint32_t kLowWatermarkMax = 99;

// Write mode of a device or a policy (enum nvflush_mode).
enum class DevMode : std::uint32_t {
  kAbsorb = NVFLUSH_MODE_ABSORB,
  kBypass = NVFLUSH_MODE_BYPASS,
  kSyncOnly = NVFLUSH_MODE_SYNC_ONLY,
};

// "absorb", "bypass", "sync-only"; a value this build does not know reads
// as its number.
std::string mode_name(std::uint32_t mode);
inline std::string mode_name(DevMode mode) { return mode_name(static_cast<std::uint32_t>(mode)); }
// The mode called `name` ("absorb", "bypass" or "sync-only"), or nullopt.
std::optional<DevMode> parse_mode(std::string_view name);

// What a write does at its policy's max-dirty (enum nvflush_on_full).
enum class OnFull : std::uint32_t {
  kThrottle = NVFLUSH_ON_FULL_THROTTLE,
  kBypass = NVFLUSH_ON_FULL_BYPASS,
};

// "throttle", "bypass"; an unknown value reads as its number.
std::string on_full_name(std::uint32_t on_full);
inline std::string on_full_name(OnFull on_full) {
  return on_full_name(static_cast<std::uint32_t>(on_full));
}
std::optional<OnFull> parse_on_full(std::string_view name);

// Treatment of the root cgroup's metadata, FUA and flush writes (enum
// nvflush_root_sync).
enum class RootSync : std::uint32_t {
  kAbsorb = NVFLUSH_ROOT_SYNC_ABSORB,
  kFollow = NVFLUSH_ROOT_SYNC_FOLLOW,
};

// "absorb", "follow"; an unknown value reads as its number.
std::string root_sync_name(std::uint32_t root_sync);
inline std::string root_sync_name(RootSync root_sync) {
  return root_sync_name(static_cast<std::uint32_t>(root_sync));
}
std::optional<RootSync> parse_root_sync(std::string_view name);

// A device as described by DEV_CREATE and DEV_GET replies.
struct DevInfo {
  std::string name;
  std::string origin_path;
  std::string nvm_path;
  std::uint32_t index = 0;
  std::string disk_name;  // "nvflushN"
  std::uint64_t size = 0;
  std::uint64_t nvm_size = 0;
  std::uint32_t block_size = 0;
  std::uint32_t openers = 0;
  std::string nvm_uuid;                      // identity of the NVM tier, set by format
  std::uint64_t nvm_slots = 0;               // 4 KiB data slots in the NVM
  std::uint64_t recovered_blocks = 0;        // committed blocks found at creation
  std::uint64_t recovery_usec = 0;           // time spent loading the NVM at creation
  std::uint32_t mode = NVFLUSH_MODE_ABSORB;  // enum nvflush_mode, maybe one unknown here
  bool degraded = false;                     // an NVM or origin error happened (sticky)
  // State and counters since creation; kDevCounterFields ties each to its
  // attribute and JSON key.
  std::uint64_t dirty_blocks = 0;  // in NVM, not yet destaged
  std::uint64_t commit_seq = 0;    // last committed sequence number
  std::uint64_t absorbed_writes = 0;
  std::uint64_t absorbed_bytes = 0;
  std::uint64_t write_hits = 0;   // absorbed blocks already in NVM
  std::uint64_t read_hits = 0;    // blocks read from NVM
  std::uint64_t read_misses = 0;  // blocks read from the origin
  std::uint64_t flushes_absorbed = 0;
  std::uint64_t origin_flushes = 0;  // flushes issued to the origin
  std::uint64_t origin_flushes_avoided = 0;
  std::uint64_t commits = 0;
  std::uint64_t destaged_bytes = 0;
  std::uint64_t destage_batches = 0;
  std::uint64_t destage_writes = 0;  // bios sent to the origin, adjacent blocks merged
  std::uint64_t slot_wait_usec = 0;
  std::uint64_t destage_backoffs = 0;       // pauses for foreground I/O
  std::uint64_t destage_throttle_usec = 0;  // time paused to hold the rate cap
  // Destager settings (DEV_SET).
  std::uint32_t high_watermark = 0;                    // percent of the slots: start destaging
  std::uint32_t low_watermark = 0;                     // percent of the slots: stop destaging
  std::uint64_t destage_rate = 0;                      // cap in bytes per second, 0: none
  std::uint32_t root_sync = NVFLUSH_ROOT_SYNC_ABSORB;  // enum nvflush_root_sync

  friend bool operator==(const DevInfo&, const DevInfo&) = default;
};

// The u64 state and counter attributes of a device, in UAPI order.
struct DevCounterField {
  int attr;               // NVFLUSH_A_DEV_*
  std::string_view name;  // spec name, for error messages
  std::string_view key;   // JSON key
  std::uint64_t DevInfo::*member;
};

inline constexpr std::array kDevCounterFields{
    DevCounterField{NVFLUSH_A_DEV_DIRTY_BLOCKS, "dirty-blocks", "dirty_blocks",
                    &DevInfo::dirty_blocks},
    DevCounterField{NVFLUSH_A_DEV_COMMIT_SEQ, "commit-seq", "commit_seq", &DevInfo::commit_seq},
    DevCounterField{NVFLUSH_A_DEV_ABSORBED_WRITES, "absorbed-writes", "absorbed_writes",
                    &DevInfo::absorbed_writes},
    DevCounterField{NVFLUSH_A_DEV_ABSORBED_BYTES, "absorbed-bytes", "absorbed_bytes",
                    &DevInfo::absorbed_bytes},
    DevCounterField{NVFLUSH_A_DEV_WRITE_HITS, "write-hits", "write_hits", &DevInfo::write_hits},
    DevCounterField{NVFLUSH_A_DEV_READ_HITS, "read-hits", "read_hits", &DevInfo::read_hits},
    DevCounterField{NVFLUSH_A_DEV_READ_MISSES, "read-misses", "read_misses", &DevInfo::read_misses},
    DevCounterField{NVFLUSH_A_DEV_FLUSHES_ABSORBED, "flushes-absorbed", "flushes_absorbed",
                    &DevInfo::flushes_absorbed},
    DevCounterField{NVFLUSH_A_DEV_ORIGIN_FLUSHES, "origin-flushes", "origin_flushes",
                    &DevInfo::origin_flushes},
    DevCounterField{NVFLUSH_A_DEV_ORIGIN_FLUSHES_AVOIDED, "origin-flushes-avoided",
                    "origin_flushes_avoided", &DevInfo::origin_flushes_avoided},
    DevCounterField{NVFLUSH_A_DEV_COMMITS, "commits", "commits", &DevInfo::commits},
    DevCounterField{NVFLUSH_A_DEV_DESTAGED_BYTES, "destaged-bytes", "destaged_bytes",
                    &DevInfo::destaged_bytes},
    DevCounterField{NVFLUSH_A_DEV_DESTAGE_BATCHES, "destage-batches", "destage_batches",
                    &DevInfo::destage_batches},
    DevCounterField{NVFLUSH_A_DEV_DESTAGE_WRITES, "destage-writes", "destage_writes",
                    &DevInfo::destage_writes},
    DevCounterField{NVFLUSH_A_DEV_SLOT_WAIT_USEC, "slot-wait-usec", "slot_wait_usec",
                    &DevInfo::slot_wait_usec},
    DevCounterField{NVFLUSH_A_DEV_DESTAGE_BACKOFFS, "destage-backoffs", "destage_backoffs",
                    &DevInfo::destage_backoffs},
    DevCounterField{NVFLUSH_A_DEV_DESTAGE_THROTTLE_USEC, "destage-throttle-usec",
                    "destage_throttle_usec", &DevInfo::destage_throttle_usec},
};
static_assert(kDevCounterFields.size() ==
              NVFLUSH_A_DEV_DESTAGE_THROTTLE_USEC - NVFLUSH_A_DEV_DIRTY_BLOCKS + 1);

// One STATS_GET dump message: the counters of one cgroup on one device.
struct StatsRecord {
  std::string dev_name;
  std::uint64_t cgroup_id = 0;
  Counters counters;
  Latency latency{};

  friend bool operator==(const StatsRecord&, const StatsRecord&) = default;
};

struct DevCreateRequest {
  std::string name;
  std::string origin_path;
  std::string nvm_path;
  // Sends NVFLUSH_A_DEV_FORMAT: initialize the NVM instead of recovering it.
  bool format = false;
  // Sends NVFLUSH_A_DEV_MODE; nullopt leaves the kernel's default (absorb).
  std::optional<DevMode> mode = std::nullopt;
};

// DEV_SET: the settings to change; nullopt leaves one as it is.
struct DevSetRequest {
  std::string name;
  std::optional<DevMode> mode = std::nullopt;
  std::optional<std::uint32_t> high_watermark = std::nullopt;  // percent
  std::optional<std::uint32_t> low_watermark = std::nullopt;   // percent
  std::optional<std::uint64_t> destage_rate = std::nullopt;    // bytes/s, 0: no cap
  std::optional<RootSync> root_sync = std::nullopt;

  // Whether any setting is given.
  [[nodiscard]] bool any() const {
    return mode || high_watermark || low_watermark || destage_rate || root_sync;
  }

  friend bool operator==(const DevSetRequest&, const DevSetRequest&) = default;
};

// Why the kernel would refuse `request` without looking at the device, in
// the spec's attribute names: nothing to set, a watermark out of its range,
// or both watermarks given and low-watermark not below high-watermark.
// nullopt if there is no such reason. (A single watermark is checked
// against the device's other one by the kernel.)
std::optional<std::string> dev_set_problem(const DevSetRequest& request);

// Destage weight of a policy (the spec's checks).
inline constexpr std::uint32_t kWeightMin = 1;
inline constexpr std::uint32_t kWeightMax = 1000;

// One POLICY_GET reply: the policy of one cgroup on one device.
struct PolicyInfo {
  std::string dev_name;
  std::string cgroup_path;  // under the cgroup2 mount, "/" for the root
  std::uint64_t cgroup_id = 0;
  std::uint32_t mode = NVFLUSH_MODE_ABSORB;          // enum nvflush_mode
  std::uint64_t max_dirty = 0;                       // bytes, 0: no cap
  std::uint32_t on_full = NVFLUSH_ON_FULL_THROTTLE;  // enum nvflush_on_full
  std::uint32_t weight = 0;
  bool stale = false;  // the cgroup was removed
  std::uint64_t dirty_bytes = 0;

  friend bool operator==(const PolicyInfo&, const PolicyInfo&) = default;
};

// POLICY_SET: the settings to give; nullopt leaves one as it is (a new
// policy needs a mode, which the kernel checks).
struct PolicySetRequest {
  std::string dev_name;
  std::string cgroup_path;
  std::optional<DevMode> mode = std::nullopt;
  std::optional<std::uint64_t> max_dirty = std::nullopt;  // bytes, 0: no cap
  std::optional<OnFull> on_full = std::nullopt;
  std::optional<std::uint32_t> weight = std::nullopt;  // kWeightMin to kWeightMax

  [[nodiscard]] bool any() const { return mode || max_dirty || on_full || weight; }

  friend bool operator==(const PolicySetRequest&, const PolicySetRequest&) = default;
};

// POLICY_DEL: by cgroup path, or by id (for the stale policy of a removed
// cgroup); exactly one of the two.
struct PolicyDelRequest {
  std::string dev_name;
  std::optional<std::string> cgroup_path = std::nullopt;
  std::optional<std::uint64_t> cgroup_id = std::nullopt;

  friend bool operator==(const PolicyDelRequest&, const PolicyDelRequest&) = default;
};

// Why the kernel would refuse `request` without looking at the policy:
// nothing to set, or a weight out of range. nullopt if there is no reason.
std::optional<std::string> policy_set_problem(const PolicySetRequest& request);

// Why `name` is not a valid device name (1 to NVFLUSH_NAME_LEN - 1 bytes of
// [A-Za-z0-9_.-]), or nullopt if it is one.
std::optional<std::string> device_name_problem(std::string_view name);

// Requests. `family` is the resolved generic netlink family id. The
// messages carry NVFLUSH_FAMILY_VERSION; port and sequence number are left
// for the socket to fill in when sending.
Result<NlMsgPtr> encode_dev_create(int family, const DevCreateRequest& request);
Result<NlMsgPtr> encode_dev_destroy(int family, std::string_view name);
Result<NlMsgPtr> encode_dev_get(int family, std::string_view name);
Result<NlMsgPtr> encode_dev_dump(int family);
// Carries the given settings only; refuses what dev_set_problem() refuses.
Result<NlMsgPtr> encode_dev_set(int family, const DevSetRequest& request);
Result<NlMsgPtr> encode_dev_drain(int family, std::string_view name);
// Dumps the counters of every device, or of `dev_name` only.
Result<NlMsgPtr> encode_stats_dump(int family, std::optional<std::string_view> dev_name);
// Carries the given settings only; refuses what policy_set_problem() refuses
// and an empty or overlong cgroup path.
Result<NlMsgPtr> encode_policy_set(int family, const PolicySetRequest& request);
// Refuses a request without, or with both, a cgroup path and a cgroup id.
Result<NlMsgPtr> encode_policy_del(int family, const PolicyDelRequest& request);
Result<NlMsgPtr> encode_policy_get(int family, std::string_view dev_name,
                                   std::string_view cgroup_path);
// Dumps the policies of every device, or of `dev_name` only.
Result<NlMsgPtr> encode_policy_dump(int family, std::optional<std::string_view> dev_name);

// Replies. Attributes are validated against the spec (type and exact
// length of integers, NUL-terminated strings within the size limit) and
// every reply attribute of the spec must be present; attribute types the
// spec does not know yet are ignored. Failures are EBADMSG.
Result<DevInfo> decode_dev(Bytes message);
Result<StatsRecord> decode_stats(Bytes message);
// The stale flag is optional; every other reply attribute is required.
Result<PolicyInfo> decode_policy(Bytes message);

// One EVENT message of the events multicast group; attributes the event
// type does not carry are nullopt.
struct Event {
  std::uint32_t type = 0;  // enum nvflush_event_type
  std::string dev_name;
  std::optional<std::uint64_t> cgroup_id = std::nullopt;
  std::optional<std::string> cgroup_path = std::nullopt;
  std::optional<std::string> reason = std::nullopt;   // degraded: what failed
  std::optional<std::uint32_t> error = std::nullopt;  // degraded: its errno
  std::optional<std::uint64_t> dirty_bytes = std::nullopt;
  std::optional<std::uint64_t> max_dirty = std::nullopt;  // quota-hit
  std::optional<std::uint32_t> on_full = std::nullopt;    // quota-hit
  bool removed = false;                                   // policy-changed

  friend bool operator==(const Event&, const Event&) = default;
};

// "degraded", "quota-hit", "nvm-full", "drained", "policy-changed", or
// "event-N" for a type this build does not know.
std::string event_type_name(std::uint32_t type);

// An EVENT message: type and dev-name are required, the rest optional; a
// message of another command is EBADMSG.
Result<Event> decode_event(Bytes message);

// Outcome of a request as reported by an NLMSG_ERROR (ACK or error) or an
// NLMSG_DONE (end of a dump, which carries the dump's own error).
struct KernelStatus {
  int error = 0;        // positive errno; 0 on success
  std::string message;  // NLMSGERR_ATTR_MSG of the extended ACK, if sent

  friend bool operator==(const KernelStatus&, const KernelStatus&) = default;
};
Result<KernelStatus> decode_status(Bytes message);

// The bytes of the message `header` starts (nlmsg_len of them). The caller
// guarantees that they are all readable, as libnl does for the messages
// handed to its callbacks.
Bytes message_bytes(const nlmsghdr* header);

}  // namespace nvflush
