// SPDX-License-Identifier: GPL-2.0-only
//
// Encoding of nvflush generic netlink requests and decoding of the kernel's
// replies. Nothing here touches a socket: requests are built into nl_msg
// objects and replies are decoded from the raw bytes of one netlink message
// (struct nlmsghdr onwards), so all of it can be tested on byte buffers.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "counters.hpp"
#include "nl_ptr.hpp"
#include "result.hpp"

namespace nvflush {

// The bytes of one netlink message, starting at its struct nlmsghdr.
using Bytes = std::span<const std::byte>;

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

  friend bool operator==(const DevInfo&, const DevInfo&) = default;
};

// One STATS_GET dump message: the counters of one cgroup on one device.
struct StatsRecord {
  std::string dev_name;
  std::uint64_t cgroup_id = 0;
  Counters counters;

  friend bool operator==(const StatsRecord&, const StatsRecord&) = default;
};

struct DevCreateRequest {
  std::string name;
  std::string origin_path;
  std::string nvm_path;
};

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
// Dumps the counters of every device, or of `dev_name` only.
Result<NlMsgPtr> encode_stats_dump(int family, std::optional<std::string_view> dev_name);

// Replies. Attributes are validated against the spec (type and exact
// length of integers, NUL-terminated strings within the size limit) and
// every reply attribute of the spec must be present; attribute types the
// spec does not know yet are ignored. Failures are EBADMSG.
Result<DevInfo> decode_dev(Bytes message);
Result<StatsRecord> decode_stats(Bytes message);

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
