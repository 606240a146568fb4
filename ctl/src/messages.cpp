// SPDX-License-Identifier: GPL-2.0-only
#include "messages.hpp"

#include <fmt/format.h>
#include <linux/genetlink.h>
#include <linux/limits.h>
#include <linux/netlink.h>
#include <linux/nvflush.h>
#include <netlink/attr.h>
#include <netlink/genl/genl.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <initializer_list>
#include <span>
#include <vector>

namespace nvflush {

namespace {

// Largest kernel disk name including the NUL (DISK_NAME_LEN).
constexpr std::uint16_t kDiskNameLen = 32;
// Longest failure description of a degraded event, with the NUL.
constexpr std::uint16_t kReasonLen = 64;

constexpr nla_policy string_policy(std::uint16_t max_len_with_nul) {
  return nla_policy{NLA_STRING, 0, max_len_with_nul};
}
constexpr nla_policy u8_policy() { return nla_policy{NLA_U8, 0, sizeof(std::uint8_t)}; }
constexpr nla_policy u32_policy() { return nla_policy{NLA_U32, 0, sizeof(std::uint32_t)}; }
constexpr nla_policy u64_policy() { return nla_policy{NLA_U64, 0, sizeof(std::uint64_t)}; }

struct AttrSpec {
  int type;
  std::string_view name;
  nla_policy policy;
  bool required = true;
};

// Attributes indexed by type, nullptr where absent.
using AttrTable = std::vector<const nlattr*>;

const nlmsghdr* header_of(Bytes message) {
  // Netlink messages are 4-byte aligned; libnl's buffers and the tests'
  // buffers both are.
  return reinterpret_cast<const nlmsghdr*>(message.data());
}

// Checks that `message` holds a whole netlink message with at least
// `payload` bytes after the header.
Result<const nlmsghdr*> checked_header(Bytes message, std::size_t payload, std::string_view what) {
  if (message.size() < NLMSG_HDRLEN) {
    return Error{EBADMSG, std::string{what}, "truncated netlink header"};
  }
  const nlmsghdr* header = header_of(message);
  if (header->nlmsg_len > message.size()) {
    return Error{EBADMSG, std::string{what},
                 fmt::format("message length {} exceeds the {} bytes received", header->nlmsg_len,
                             message.size())};
  }
  if (header->nlmsg_len < NLMSG_HDRLEN + payload) {
    return Error{EBADMSG, std::string{what},
                 fmt::format("message of {} bytes is too short", header->nlmsg_len)};
  }
  return header;
}

std::string_view attr_name(std::span<const AttrSpec> specs, int type) {
  const auto spec = std::find_if(specs.begin(), specs.end(),
                                 [type](const AttrSpec& s) { return s.type == type; });
  return spec == specs.end() ? std::string_view{"unknown"} : spec->name;
}

// Parses the attribute stream [begin, begin + len) against `specs`.
// Rejects a stream whose last attribute runs past its end, attributes that
// violate the policy, and missing required attributes. Types above
// `max_type`, and types without a spec, are accepted unchecked.
Result<AttrTable> parse_attr_stream(const std::byte* begin, std::size_t len, int max_type,
                                    std::span<const AttrSpec> specs, std::string_view what) {
  // nla_parse() stops silently at a truncated attribute; catch that first.
  const auto* head = reinterpret_cast<const nlattr*>(begin);
  int remaining = static_cast<int>(len);
  for (const nlattr* nla = head; remaining > 0; nla = nla_next(nla, &remaining)) {
    if (nla_ok(nla, remaining) == 0) {
      return Error{EBADMSG, std::string{what},
                   fmt::format("truncated attribute at offset {}",
                               len - static_cast<std::size_t>(remaining))};
    }
  }

  std::vector<nla_policy> policy(static_cast<std::size_t>(max_type) + 1, nla_policy{});
  for (const auto& spec : specs) {
    policy.at(static_cast<std::size_t>(spec.type)) = spec.policy;
  }

  std::vector<nlattr*> table(policy.size(), nullptr);
  // libnl takes a non-const stream but only reads it.
  auto* mutable_head = const_cast<nlattr*>(head);
  if (nla_parse(table.data(), max_type, mutable_head, static_cast<int>(len), policy.data()) < 0) {
    // Name the offending attribute: validate them one at a time.
    remaining = static_cast<int>(len);
    for (const nlattr* nla = head; nla_ok(nla, remaining) != 0; nla = nla_next(nla, &remaining)) {
      if (nla_validate(nla, nla->nla_len, max_type, policy.data()) < 0) {
        return Error{EBADMSG, std::string{what},
                     fmt::format("attribute '{}' (type {}) has an invalid payload of {} bytes",
                                 attr_name(specs, nla_type(nla)), nla_type(nla), nla_len(nla))};
      }
    }
    return Error{EBADMSG, std::string{what}, "invalid attributes"};
  }

  for (const auto& spec : specs) {
    if (spec.required && table.at(static_cast<std::size_t>(spec.type)) == nullptr) {
      return Error{EBADMSG, std::string{what},
                   fmt::format("missing attribute '{}' (type {})", spec.name, spec.type)};
    }
  }
  return AttrTable(table.begin(), table.end());
}

// Parses the attributes of a generic netlink message.
Result<AttrTable> parse_genl_attrs(Bytes message, int max_type, std::span<const AttrSpec> specs,
                                   std::string_view what) {
  auto header = checked_header(message, GENL_HDRLEN, what);
  if (!header) {
    return std::move(header).error();
  }
  constexpr std::size_t kAttrOffset = NLMSG_HDRLEN + GENL_HDRLEN;
  return parse_attr_stream(message.data() + kAttrOffset, (*header)->nlmsg_len - kAttrOffset,
                           max_type, specs, what);
}

std::string get_string(const AttrTable& table, int type) {
  return nla_get_string(table.at(static_cast<std::size_t>(type)));
}
std::uint8_t get_u8(const AttrTable& table, int type) {
  return nla_get_u8(table.at(static_cast<std::size_t>(type)));
}
std::uint32_t get_u32(const AttrTable& table, int type) {
  return nla_get_u32(table.at(static_cast<std::size_t>(type)));
}
std::uint64_t get_u64(const AttrTable& table, int type) {
  return nla_get_u64(table.at(static_cast<std::size_t>(type)));
}
// A histogram attribute; its length was checked by histogram_policy().
Histogram get_histogram(const AttrTable& table, int type) {
  Histogram histogram{};
  std::memcpy(histogram.data(), nla_data(table.at(static_cast<std::size_t>(type))),
              sizeof(histogram));
  return histogram;
}

constexpr auto kDevAttrs = [] {
  constexpr std::size_t kFixed = 19;
  std::array<AttrSpec, kFixed + kDevCounterFields.size()> specs{
      AttrSpec{NVFLUSH_A_DEV_NAME, "name", string_policy(NVFLUSH_NAME_LEN)},
      AttrSpec{NVFLUSH_A_DEV_ORIGIN_PATH, "origin-path", string_policy(PATH_MAX)},
      AttrSpec{NVFLUSH_A_DEV_NVM_PATH, "nvm-path", string_policy(PATH_MAX)},
      AttrSpec{NVFLUSH_A_DEV_INDEX, "index", u32_policy()},
      AttrSpec{NVFLUSH_A_DEV_DISK_NAME, "disk-name", string_policy(kDiskNameLen)},
      AttrSpec{NVFLUSH_A_DEV_SIZE, "size", u64_policy()},
      AttrSpec{NVFLUSH_A_DEV_NVM_SIZE, "nvm-size", u64_policy()},
      AttrSpec{NVFLUSH_A_DEV_BLOCK_SIZE, "block-size", u32_policy()},
      AttrSpec{NVFLUSH_A_DEV_OPENERS, "openers", u32_policy()},
      AttrSpec{NVFLUSH_A_DEV_NVM_UUID, "nvm-uuid",
               string_policy(static_cast<std::uint16_t>(kNvmUuidLen + 1))},
      AttrSpec{NVFLUSH_A_DEV_NVM_SLOTS, "nvm-slots", u64_policy()},
      AttrSpec{NVFLUSH_A_DEV_RECOVERED_BLOCKS, "recovered-blocks", u64_policy()},
      AttrSpec{NVFLUSH_A_DEV_RECOVERY_USEC, "recovery-usec", u64_policy()},
      AttrSpec{NVFLUSH_A_DEV_MODE, "mode", u32_policy()},
      AttrSpec{NVFLUSH_A_DEV_DEGRADED, "degraded", u8_policy()},
      AttrSpec{NVFLUSH_A_DEV_HIGH_WATERMARK, "high-watermark", u32_policy()},
      AttrSpec{NVFLUSH_A_DEV_LOW_WATERMARK, "low-watermark", u32_policy()},
      AttrSpec{NVFLUSH_A_DEV_DESTAGE_RATE, "destage-rate", u64_policy()},
      AttrSpec{NVFLUSH_A_DEV_ROOT_SYNC, "root-sync", u32_policy()},
  };
  std::size_t next = kFixed;
  for (const auto& field : kDevCounterFields) {
    specs.at(next++) = AttrSpec{field.attr, field.name, u64_policy()};
  }
  return specs;
}();

// A latency histogram: exactly NVFLUSH_LAT_BUCKETS u64 counts.
constexpr auto kHistogramBytes = static_cast<std::uint16_t>(sizeof(Histogram));
constexpr nla_policy histogram_policy() {
  return nla_policy{NLA_UNSPEC, kHistogramBytes, kHistogramBytes};
}

constexpr auto kStatsAttrs = [] {
  constexpr std::size_t kFixed = 2;
  constexpr std::size_t kHistograms = 2;
  std::array<AttrSpec, kFixed + kCounterFields.size() + kHistograms> specs{
      AttrSpec{NVFLUSH_A_STATS_DEV_NAME, "dev-name", string_policy(NVFLUSH_NAME_LEN)},
      AttrSpec{NVFLUSH_A_STATS_CGROUP_ID, "cgroup-id", u64_policy()},
  };
  std::size_t next = kFixed;
  for (const auto& field : kCounterFields) {
    specs.at(next++) = AttrSpec{field.attr, field.key, u64_policy()};
  }
  specs.at(next++) = AttrSpec{NVFLUSH_A_STATS_WRITE_LATENCY, "write-latency", histogram_policy()};
  specs.at(next) = AttrSpec{NVFLUSH_A_STATS_FLUSH_LATENCY, "flush-latency", histogram_policy()};
  return specs;
}();

constexpr std::array kEventAttrs{
    AttrSpec{NVFLUSH_A_EVENT_TYPE, "type", u32_policy()},
    AttrSpec{NVFLUSH_A_EVENT_DEV_NAME, "dev-name", string_policy(NVFLUSH_NAME_LEN)},
    AttrSpec{NVFLUSH_A_EVENT_CGROUP_ID, "cgroup-id", u64_policy(), false},
    AttrSpec{NVFLUSH_A_EVENT_CGROUP_PATH, "cgroup-path", string_policy(PATH_MAX), false},
    AttrSpec{NVFLUSH_A_EVENT_REASON, "reason", string_policy(kReasonLen), false},
    AttrSpec{NVFLUSH_A_EVENT_ERROR, "error", u32_policy(), false},
    AttrSpec{NVFLUSH_A_EVENT_DIRTY_BYTES, "dirty-bytes", u64_policy(), false},
    AttrSpec{NVFLUSH_A_EVENT_MAX_DIRTY, "max-dirty", u64_policy(), false},
    AttrSpec{NVFLUSH_A_EVENT_ON_FULL, "on-full", u32_policy(), false},
    AttrSpec{NVFLUSH_A_EVENT_REMOVED, "removed", nla_policy{NLA_FLAG, 0, 0}, false},
};

constexpr std::array kPolicyAttrs{
    AttrSpec{NVFLUSH_A_POLICY_DEV_NAME, "dev-name", string_policy(NVFLUSH_NAME_LEN)},
    AttrSpec{NVFLUSH_A_POLICY_CGROUP_PATH, "cgroup-path", string_policy(PATH_MAX)},
    AttrSpec{NVFLUSH_A_POLICY_CGROUP_ID, "cgroup-id", u64_policy()},
    AttrSpec{NVFLUSH_A_POLICY_MODE, "mode", u32_policy()},
    AttrSpec{NVFLUSH_A_POLICY_MAX_DIRTY, "max-dirty", u64_policy()},
    AttrSpec{NVFLUSH_A_POLICY_ON_FULL, "on-full", u32_policy()},
    AttrSpec{NVFLUSH_A_POLICY_WEIGHT, "weight", u32_policy()},
    AttrSpec{NVFLUSH_A_POLICY_STALE, "stale", nla_policy{NLA_FLAG, 0, 0}, false},
    AttrSpec{NVFLUSH_A_POLICY_DIRTY_BYTES, "dirty-bytes", u64_policy()},
};

constexpr std::array kExtAckAttrs{
    AttrSpec{NLMSGERR_ATTR_MSG, "message", string_policy(0), false},
};

// One request attribute: a NUL-terminated string, a u32, a u64, or a flag.
struct RequestAttr {
  enum class Kind { kString, kU32, kU64, kFlag };
  int type;
  Kind kind = Kind::kString;
  std::string_view text{};
  std::uint32_t u32 = 0;
  std::uint64_t u64 = 0;

  static RequestAttr string(int type, std::string_view value) {
    return {type, Kind::kString, value, 0, 0};
  }
  static RequestAttr u32_value(int type, std::uint32_t value) {
    return {type, Kind::kU32, {}, value, 0};
  }
  static RequestAttr u64_value(int type, std::uint64_t value) {
    return {type, Kind::kU64, {}, 0, value};
  }
  static RequestAttr flag(int type) { return {type, Kind::kFlag, {}, 0, 0}; }

  [[nodiscard]] int payload_len() const {
    switch (kind) {
      case Kind::kString:
        return static_cast<int>(text.size() + 1);
      case Kind::kU32:
        return static_cast<int>(sizeof(std::uint32_t));
      case Kind::kU64:
        return static_cast<int>(sizeof(std::uint64_t));
      case Kind::kFlag:
        break;
    }
    return 0;
  }
};

Result<NlMsgPtr> encode_request_attrs(int family, std::uint8_t cmd, int flags,
                                      std::span<const RequestAttr> attrs) {
  std::size_t size = NLMSG_HDRLEN + GENL_HDRLEN;
  for (const auto& attr : attrs) {
    size += static_cast<std::size_t>(nla_total_size(attr.payload_len()));
  }
  NlMsgPtr msg{nlmsg_alloc_size(size)};
  if (!msg) {
    return Error{ENOMEM, "allocate netlink message"};
  }
  if (genlmsg_put(msg.get(), NL_AUTO_PORT, NL_AUTO_SEQ, family, 0, flags, cmd,
                  NVFLUSH_FAMILY_VERSION) == nullptr) {
    return Error{EMSGSIZE, "encode generic netlink header"};
  }
  for (const auto& attr : attrs) {
    nlattr* nla = nla_reserve(msg.get(), attr.type, attr.payload_len());
    if (nla == nullptr) {
      return Error{EMSGSIZE, fmt::format("encode attribute {}", attr.type)};
    }
    if (attr.kind == RequestAttr::Kind::kString) {
      auto* data = static_cast<char*>(nla_data(nla));
      std::copy(attr.text.begin(), attr.text.end(), data);
      data[attr.text.size()] = '\0';
    } else if (attr.kind == RequestAttr::Kind::kU32) {
      std::memcpy(nla_data(nla), &attr.u32, sizeof(attr.u32));
    } else if (attr.kind == RequestAttr::Kind::kU64) {
      std::memcpy(nla_data(nla), &attr.u64, sizeof(attr.u64));
    }
  }
  return msg;
}

Result<NlMsgPtr> encode_request(int family, std::uint8_t cmd, int flags,
                                std::initializer_list<RequestAttr> attrs) {
  return encode_request_attrs(family, cmd, flags,
                              std::span<const RequestAttr>{attrs.begin(), attrs.size()});
}

Result<void> check_name(std::string_view name) {
  if (auto problem = device_name_problem(name)) {
    return Error{EINVAL, fmt::format("invalid device name '{}'", name), *problem};
  }
  return {};
}

Result<void> check_cgroup_path(std::string_view path) {
  if (path.empty()) {
    return Error{EINVAL, "empty cgroup path"};
  }
  if (path.size() >= PATH_MAX) {
    return Error{ENAMETOOLONG, fmt::format("cgroup path '{}...'", path.substr(0, 32))};
  }
  return {};
}

Result<void> check_path(std::string_view path) {
  if (path.empty()) {
    return Error{EINVAL, "empty device path"};
  }
  if (path.size() >= PATH_MAX) {
    return Error{ENAMETOOLONG, fmt::format("device path '{}...'", path.substr(0, 32))};
  }
  return {};
}

}  // namespace

std::string mode_name(std::uint32_t mode) {
  switch (mode) {
    case NVFLUSH_MODE_ABSORB:
      return "absorb";
    case NVFLUSH_MODE_BYPASS:
      return "bypass";
    case NVFLUSH_MODE_SYNC_ONLY:
      return "sync-only";
    default:
      return std::to_string(mode);
  }
}

std::optional<DevMode> parse_mode(std::string_view name) {
  if (name == "absorb") {
    return DevMode::kAbsorb;
  }
  if (name == "bypass") {
    return DevMode::kBypass;
  }
  if (name == "sync-only") {
    return DevMode::kSyncOnly;
  }
  return std::nullopt;
}

std::string on_full_name(std::uint32_t on_full) {
  switch (on_full) {
    case NVFLUSH_ON_FULL_THROTTLE:
      return "throttle";
    case NVFLUSH_ON_FULL_BYPASS:
      return "bypass";
    default:
      return std::to_string(on_full);
  }
}

std::optional<OnFull> parse_on_full(std::string_view name) {
  if (name == "throttle") {
    return OnFull::kThrottle;
  }
  if (name == "bypass") {
    return OnFull::kBypass;
  }
  return std::nullopt;
}

std::string root_sync_name(std::uint32_t root_sync) {
  switch (root_sync) {
    case NVFLUSH_ROOT_SYNC_ABSORB:
      return "absorb";
    case NVFLUSH_ROOT_SYNC_FOLLOW:
      return "follow";
    default:
      return std::to_string(root_sync);
  }
}

std::optional<RootSync> parse_root_sync(std::string_view name) {
  if (name == "absorb") {
    return RootSync::kAbsorb;
  }
  if (name == "follow") {
    return RootSync::kFollow;
  }
  return std::nullopt;
}

std::optional<std::string> device_name_problem(std::string_view name) {
  if (name.empty()) {
    return "the name is empty";
  }
  if (name.size() > NVFLUSH_NAME_LEN - 1) {
    return fmt::format("the name is longer than {} bytes", NVFLUSH_NAME_LEN - 1);
  }
  auto allowed = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '.' || c == '-';
  };
  if (const auto* bad = std::find_if_not(name.begin(), name.end(), allowed); bad != name.end()) {
    return fmt::format("the name contains '{}'; allowed are A-Z a-z 0-9 _ . -", *bad);
  }
  return std::nullopt;
}

Result<NlMsgPtr> encode_dev_create(int family, const DevCreateRequest& request) {
  for (const auto& check :
       {check_name(request.name), check_path(request.origin_path), check_path(request.nvm_path)}) {
    if (!check) {
      return check.error();
    }
  }
  std::vector<RequestAttr> attrs{
      RequestAttr::string(NVFLUSH_A_DEV_NAME, request.name),
      RequestAttr::string(NVFLUSH_A_DEV_ORIGIN_PATH, request.origin_path),
      RequestAttr::string(NVFLUSH_A_DEV_NVM_PATH, request.nvm_path),
  };
  if (request.format) {
    attrs.push_back(RequestAttr::flag(NVFLUSH_A_DEV_FORMAT));
  }
  if (request.mode) {
    attrs.push_back(
        RequestAttr::u32_value(NVFLUSH_A_DEV_MODE, static_cast<std::uint32_t>(*request.mode)));
  }
  return encode_request_attrs(family, NVFLUSH_CMD_DEV_CREATE, 0, attrs);
}

Result<NlMsgPtr> encode_dev_destroy(int family, std::string_view name) {
  if (auto check = check_name(name); !check) {
    return std::move(check).error();
  }
  return encode_request(family, NVFLUSH_CMD_DEV_DESTROY, 0,
                        {RequestAttr::string(NVFLUSH_A_DEV_NAME, name)});
}

Result<NlMsgPtr> encode_dev_get(int family, std::string_view name) {
  if (auto check = check_name(name); !check) {
    return std::move(check).error();
  }
  return encode_request(family, NVFLUSH_CMD_DEV_GET, 0,
                        {RequestAttr::string(NVFLUSH_A_DEV_NAME, name)});
}

Result<NlMsgPtr> encode_dev_dump(int family) {
  return encode_request(family, NVFLUSH_CMD_DEV_GET, NLM_F_DUMP, {});
}

std::optional<std::string> dev_set_problem(const DevSetRequest& request) {
  if (!request.any()) {
    return "nothing to set: give mode, high-watermark, low-watermark, destage-rate or root-sync";
  }
  if (request.high_watermark && (*request.high_watermark < kHighWatermarkMin ||
                                 *request.high_watermark > kHighWatermarkMax)) {
    return fmt::format("high-watermark {} is not between {} and {} (percent)",
                       *request.high_watermark, kHighWatermarkMin, kHighWatermarkMax);
  }
  if (request.low_watermark && *request.low_watermark > kLowWatermarkMax) {
    return fmt::format("low-watermark {} is not between 0 and {} (percent)", *request.low_watermark,
                       kLowWatermarkMax);
  }
  if (request.high_watermark && request.low_watermark &&
      *request.low_watermark >= *request.high_watermark) {
    return fmt::format("low-watermark {} is not below high-watermark {}", *request.low_watermark,
                       *request.high_watermark);
  }
  return std::nullopt;
}

Result<NlMsgPtr> encode_dev_set(int family, const DevSetRequest& request) {
  if (auto check = check_name(request.name); !check) {
    return std::move(check).error();
  }
  if (auto problem = dev_set_problem(request)) {
    return Error{EINVAL, fmt::format("invalid settings for '{}'", request.name), *problem};
  }
  std::vector<RequestAttr> attrs{RequestAttr::string(NVFLUSH_A_DEV_NAME, request.name)};
  if (request.mode) {
    attrs.push_back(
        RequestAttr::u32_value(NVFLUSH_A_DEV_MODE, static_cast<std::uint32_t>(*request.mode)));
  }
  if (request.high_watermark) {
    attrs.push_back(RequestAttr::u32_value(NVFLUSH_A_DEV_HIGH_WATERMARK, *request.high_watermark));
  }
  if (request.low_watermark) {
    attrs.push_back(RequestAttr::u32_value(NVFLUSH_A_DEV_LOW_WATERMARK, *request.low_watermark));
  }
  if (request.destage_rate) {
    attrs.push_back(RequestAttr::u64_value(NVFLUSH_A_DEV_DESTAGE_RATE, *request.destage_rate));
  }
  if (request.root_sync) {
    attrs.push_back(RequestAttr::u32_value(NVFLUSH_A_DEV_ROOT_SYNC,
                                           static_cast<std::uint32_t>(*request.root_sync)));
  }
  return encode_request_attrs(family, NVFLUSH_CMD_DEV_SET, 0, attrs);
}

Result<NlMsgPtr> encode_dev_drain(int family, std::string_view name) {
  if (auto check = check_name(name); !check) {
    return std::move(check).error();
  }
  return encode_request(family, NVFLUSH_CMD_DEV_DRAIN, 0,
                        {RequestAttr::string(NVFLUSH_A_DEV_NAME, name)});
}

Result<NlMsgPtr> encode_stats_dump(int family, std::optional<std::string_view> dev_name) {
  if (!dev_name) {
    return encode_request(family, NVFLUSH_CMD_STATS_GET, NLM_F_DUMP, {});
  }
  if (auto check = check_name(*dev_name); !check) {
    return std::move(check).error();
  }
  return encode_request(family, NVFLUSH_CMD_STATS_GET, NLM_F_DUMP,
                        {RequestAttr::string(NVFLUSH_A_STATS_DEV_NAME, *dev_name)});
}

std::optional<std::string> policy_set_problem(const PolicySetRequest& request) {
  if (!request.any()) {
    return "nothing to set: give mode, max-dirty, on-full or weight";
  }
  if (request.weight && (*request.weight < kWeightMin || *request.weight > kWeightMax)) {
    return fmt::format("weight {} is not between {} and {}", *request.weight, kWeightMin,
                       kWeightMax);
  }
  return std::nullopt;
}

Result<NlMsgPtr> encode_policy_set(int family, const PolicySetRequest& request) {
  for (const auto& check : {check_name(request.dev_name), check_cgroup_path(request.cgroup_path)}) {
    if (!check) {
      return check.error();
    }
  }
  if (auto problem = policy_set_problem(request)) {
    return Error{
        EINVAL,
        fmt::format("invalid policy for '{}' on '{}'", request.cgroup_path, request.dev_name),
        *problem};
  }
  std::vector<RequestAttr> attrs{
      RequestAttr::string(NVFLUSH_A_POLICY_DEV_NAME, request.dev_name),
      RequestAttr::string(NVFLUSH_A_POLICY_CGROUP_PATH, request.cgroup_path),
  };
  if (request.mode) {
    attrs.push_back(
        RequestAttr::u32_value(NVFLUSH_A_POLICY_MODE, static_cast<std::uint32_t>(*request.mode)));
  }
  if (request.max_dirty) {
    attrs.push_back(RequestAttr::u64_value(NVFLUSH_A_POLICY_MAX_DIRTY, *request.max_dirty));
  }
  if (request.on_full) {
    attrs.push_back(RequestAttr::u32_value(NVFLUSH_A_POLICY_ON_FULL,
                                           static_cast<std::uint32_t>(*request.on_full)));
  }
  if (request.weight) {
    attrs.push_back(RequestAttr::u32_value(NVFLUSH_A_POLICY_WEIGHT, *request.weight));
  }
  return encode_request_attrs(family, NVFLUSH_CMD_POLICY_SET, 0, attrs);
}

Result<NlMsgPtr> encode_policy_del(int family, const PolicyDelRequest& request) {
  if (auto check = check_name(request.dev_name); !check) {
    return std::move(check).error();
  }
  if (request.cgroup_path.has_value() == request.cgroup_id.has_value()) {
    return Error{EINVAL, fmt::format("delete a policy of '{}'", request.dev_name),
                 "give exactly one of cgroup-path and cgroup-id"};
  }
  std::vector<RequestAttr> attrs{RequestAttr::string(NVFLUSH_A_POLICY_DEV_NAME, request.dev_name)};
  if (request.cgroup_path) {
    if (auto check = check_cgroup_path(*request.cgroup_path); !check) {
      return std::move(check).error();
    }
    attrs.push_back(RequestAttr::string(NVFLUSH_A_POLICY_CGROUP_PATH, *request.cgroup_path));
  } else {
    attrs.push_back(RequestAttr::u64_value(NVFLUSH_A_POLICY_CGROUP_ID, *request.cgroup_id));
  }
  return encode_request_attrs(family, NVFLUSH_CMD_POLICY_DEL, 0, attrs);
}

Result<NlMsgPtr> encode_policy_get(int family, std::string_view dev_name,
                                   std::string_view cgroup_path) {
  for (const auto& check : {check_name(dev_name), check_cgroup_path(cgroup_path)}) {
    if (!check) {
      return check.error();
    }
  }
  return encode_request(family, NVFLUSH_CMD_POLICY_GET, 0,
                        {RequestAttr::string(NVFLUSH_A_POLICY_DEV_NAME, dev_name),
                         RequestAttr::string(NVFLUSH_A_POLICY_CGROUP_PATH, cgroup_path)});
}

Result<NlMsgPtr> encode_policy_dump(int family, std::optional<std::string_view> dev_name) {
  if (!dev_name) {
    return encode_request(family, NVFLUSH_CMD_POLICY_GET, NLM_F_DUMP, {});
  }
  if (auto check = check_name(*dev_name); !check) {
    return std::move(check).error();
  }
  return encode_request(family, NVFLUSH_CMD_POLICY_GET, NLM_F_DUMP,
                        {RequestAttr::string(NVFLUSH_A_POLICY_DEV_NAME, *dev_name)});
}

Result<DevInfo> decode_dev(Bytes message) {
  auto attrs = parse_genl_attrs(message, NVFLUSH_A_DEV_MAX, kDevAttrs, "malformed device reply");
  if (!attrs) {
    return std::move(attrs).error();
  }
  const AttrTable& table = *attrs;
  DevInfo dev{
      .name = get_string(table, NVFLUSH_A_DEV_NAME),
      .origin_path = get_string(table, NVFLUSH_A_DEV_ORIGIN_PATH),
      .nvm_path = get_string(table, NVFLUSH_A_DEV_NVM_PATH),
      .index = get_u32(table, NVFLUSH_A_DEV_INDEX),
      .disk_name = get_string(table, NVFLUSH_A_DEV_DISK_NAME),
      .size = get_u64(table, NVFLUSH_A_DEV_SIZE),
      .nvm_size = get_u64(table, NVFLUSH_A_DEV_NVM_SIZE),
      .block_size = get_u32(table, NVFLUSH_A_DEV_BLOCK_SIZE),
      .openers = get_u32(table, NVFLUSH_A_DEV_OPENERS),
      .nvm_uuid = get_string(table, NVFLUSH_A_DEV_NVM_UUID),
      .nvm_slots = get_u64(table, NVFLUSH_A_DEV_NVM_SLOTS),
      .recovered_blocks = get_u64(table, NVFLUSH_A_DEV_RECOVERED_BLOCKS),
      .recovery_usec = get_u64(table, NVFLUSH_A_DEV_RECOVERY_USEC),
      .mode = get_u32(table, NVFLUSH_A_DEV_MODE),
      .degraded = get_u8(table, NVFLUSH_A_DEV_DEGRADED) != 0,
      .high_watermark = get_u32(table, NVFLUSH_A_DEV_HIGH_WATERMARK),
      .low_watermark = get_u32(table, NVFLUSH_A_DEV_LOW_WATERMARK),
      .destage_rate = get_u64(table, NVFLUSH_A_DEV_DESTAGE_RATE),
      .root_sync = get_u32(table, NVFLUSH_A_DEV_ROOT_SYNC),
  };
  for (const auto& field : kDevCounterFields) {
    dev.*field.member = get_u64(table, field.attr);
  }
  return dev;
}

Result<StatsRecord> decode_stats(Bytes message) {
  auto attrs =
      parse_genl_attrs(message, NVFLUSH_A_STATS_MAX, kStatsAttrs, "malformed statistics reply");
  if (!attrs) {
    return std::move(attrs).error();
  }
  const AttrTable& table = *attrs;
  StatsRecord record{
      .dev_name = get_string(table, NVFLUSH_A_STATS_DEV_NAME),
      .cgroup_id = get_u64(table, NVFLUSH_A_STATS_CGROUP_ID),
      .counters = {},
      .latency = {},
  };
  for (const auto& field : kCounterFields) {
    record.counters.*field.member = get_u64(table, field.attr);
  }
  record.latency.write = get_histogram(table, NVFLUSH_A_STATS_WRITE_LATENCY);
  record.latency.flush = get_histogram(table, NVFLUSH_A_STATS_FLUSH_LATENCY);
  return record;
}

std::string event_type_name(std::uint32_t type) {
  switch (type) {
    case NVFLUSH_EVENT_TYPE_DEGRADED:
      return "degraded";
    case NVFLUSH_EVENT_TYPE_QUOTA_HIT:
      return "quota-hit";
    case NVFLUSH_EVENT_TYPE_NVM_FULL:
      return "nvm-full";
    case NVFLUSH_EVENT_TYPE_DRAINED:
      return "drained";
    case NVFLUSH_EVENT_TYPE_POLICY_CHANGED:
      return "policy-changed";
    default:
      return fmt::format("event-{}", type);
  }
}

Result<Event> decode_event(Bytes message) {
  constexpr std::string_view kWhat = "malformed event";
  auto header = checked_header(message, GENL_HDRLEN, kWhat);
  if (!header) {
    return std::move(header).error();
  }
  const auto* genl = static_cast<const genlmsghdr*>(nlmsg_data(*header));
  if (genl->cmd != NVFLUSH_CMD_EVENT) {
    return Error{EBADMSG, std::string{kWhat}, fmt::format("command {} is not an event", genl->cmd)};
  }
  auto attrs = parse_genl_attrs(message, NVFLUSH_A_EVENT_MAX, kEventAttrs, kWhat);
  if (!attrs) {
    return std::move(attrs).error();
  }
  const AttrTable& table = *attrs;
  // An optional attribute: `get` of it, or nullopt when it is absent.
  const auto optional = [&table](int type, auto get) {
    using Value = decltype(get(table, type));
    return table.at(static_cast<std::size_t>(type)) != nullptr
               ? std::optional<Value>{get(table, type)}
               : std::nullopt;
  };
  return Event{.type = get_u32(table, NVFLUSH_A_EVENT_TYPE),
               .dev_name = get_string(table, NVFLUSH_A_EVENT_DEV_NAME),
               .cgroup_id = optional(NVFLUSH_A_EVENT_CGROUP_ID, get_u64),
               .cgroup_path = optional(NVFLUSH_A_EVENT_CGROUP_PATH, get_string),
               .reason = optional(NVFLUSH_A_EVENT_REASON, get_string),
               .error = optional(NVFLUSH_A_EVENT_ERROR, get_u32),
               .dirty_bytes = optional(NVFLUSH_A_EVENT_DIRTY_BYTES, get_u64),
               .max_dirty = optional(NVFLUSH_A_EVENT_MAX_DIRTY, get_u64),
               .on_full = optional(NVFLUSH_A_EVENT_ON_FULL, get_u32),
               .removed = table.at(NVFLUSH_A_EVENT_REMOVED) != nullptr};
}

Result<PolicyInfo> decode_policy(Bytes message) {
  auto attrs =
      parse_genl_attrs(message, NVFLUSH_A_POLICY_MAX, kPolicyAttrs, "malformed policy reply");
  if (!attrs) {
    return std::move(attrs).error();
  }
  const AttrTable& table = *attrs;
  return PolicyInfo{
      .dev_name = get_string(table, NVFLUSH_A_POLICY_DEV_NAME),
      .cgroup_path = get_string(table, NVFLUSH_A_POLICY_CGROUP_PATH),
      .cgroup_id = get_u64(table, NVFLUSH_A_POLICY_CGROUP_ID),
      .mode = get_u32(table, NVFLUSH_A_POLICY_MODE),
      .max_dirty = get_u64(table, NVFLUSH_A_POLICY_MAX_DIRTY),
      .on_full = get_u32(table, NVFLUSH_A_POLICY_ON_FULL),
      .weight = get_u32(table, NVFLUSH_A_POLICY_WEIGHT),
      .stale = table.at(NVFLUSH_A_POLICY_STALE) != nullptr,
      .dirty_bytes = get_u64(table, NVFLUSH_A_POLICY_DIRTY_BYTES),
  };
}

Result<KernelStatus> decode_status(Bytes message) {
  constexpr std::string_view kWhat = "malformed netlink status message";
  auto checked = checked_header(message, 0, kWhat);
  if (!checked) {
    return std::move(checked).error();
  }
  const nlmsghdr* header = *checked;
  const std::byte* payload = message.data() + NLMSG_HDRLEN;
  const std::size_t payload_len = header->nlmsg_len - NLMSG_HDRLEN;

  int error = 0;
  std::size_t tlv_offset = 0;  // of the extended ACK TLVs, from the payload
  if (header->nlmsg_type == NLMSG_ERROR) {
    nlmsgerr err{};
    if (payload_len < sizeof(err)) {
      return Error{EBADMSG, std::string{kWhat}, "truncated NLMSG_ERROR"};
    }
    std::memcpy(&err, payload, sizeof(err));
    error = err.error;
    std::size_t acked = sizeof(err);
    // Without NETLINK_CAP_ACK the request's payload is echoed back first.
    if ((header->nlmsg_flags & NLM_F_CAPPED) == 0 && err.msg.nlmsg_len > NLMSG_HDRLEN) {
      acked += err.msg.nlmsg_len - NLMSG_HDRLEN;
    }
    tlv_offset = NLMSG_ALIGN(acked);
  } else if (header->nlmsg_type == NLMSG_DONE) {
    // A dump's own error, if any, is the int payload of NLMSG_DONE.
    if (payload_len >= sizeof(error)) {
      std::memcpy(&error, payload, sizeof(error));
    }
    tlv_offset = NLMSG_ALIGN(sizeof(error));
  } else {
    return Error{EBADMSG, std::string{kWhat},
                 fmt::format("unexpected message type {}", header->nlmsg_type)};
  }

  KernelStatus status{.error = error < 0 ? -error : error, .message = {}};
  if ((header->nlmsg_flags & NLM_F_ACK_TLVS) != 0 && tlv_offset < payload_len) {
    // A malformed extended ACK loses its message, never the errno.
    auto attrs = parse_attr_stream(payload + tlv_offset, payload_len - tlv_offset,
                                   NLMSGERR_ATTR_MAX, kExtAckAttrs, kWhat);
    if (attrs && attrs->at(NLMSGERR_ATTR_MSG) != nullptr) {
      status.message = get_string(*attrs, NLMSGERR_ATTR_MSG);
    }
  }
  return status;
}

Bytes message_bytes(const nlmsghdr* header) {
  return {reinterpret_cast<const std::byte*>(header), header->nlmsg_len};
}

}  // namespace nvflush
