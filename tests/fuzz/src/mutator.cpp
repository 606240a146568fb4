// SPDX-License-Identifier: GPL-2.0-only
#include "mutator.hpp"

#include <linux/genetlink.h>
#include <linux/limits.h>
#include <linux/netlink.h>

#include <algorithm>
#include <cerrno>
#include <limits>
#include <string>
#include <utility>

#include "messages.hpp"

namespace nvflush::fuzz {

namespace {

constexpr std::array kMutations{
    Mutation::kValid,       Mutation::kWrongType,   Mutation::kTruncated,   Mutation::kDuplicate,
    Mutation::kGarbageNest, Mutation::kUnknownAttr, Mutation::kForeignAttr, Mutation::kOutOfRange,
    Mutation::kMissingAttr, Mutation::kUnknownCmd,  Mutation::kBadFlags,
};
static_assert(kMutations.size() == kMutationCount);

constexpr std::array<std::string_view, kMutationCount> kMutationNames{
    "valid",        "wrong-type",   "truncated",    "duplicate",   "garbage-nest", "unknown-attr",
    "foreign-attr", "out-of-range", "missing-attr", "unknown-cmd", "bad-flags",
};

// How often next() draws each class, in parts of the sum.
constexpr std::array<unsigned, kMutationCount> kWeights{
    20,  // valid
    10,  // wrong-type
    8,   // truncated
    8,   // duplicate
    8,   // garbage-nest
    6,   // unknown-attr
    6,   // foreign-attr
    12,  // out-of-range
    6,   // missing-attr
    6,   // unknown-cmd
    10,  // bad-flags
};

// Retries before a dev-destroy that could name a keep device is replaced.
constexpr int kMaxRedraws = 16;
// The deepest chain of nests built.
constexpr std::uint64_t kMaxNestDepth = 200;
constexpr std::uint16_t kBaseFlags = NLM_F_REQUEST | NLM_F_ACK;
constexpr std::uint16_t kTypeMask = 0xffff & NLA_TYPE_MASK;

bool numeric(Domain domain) {
  switch (domain) {
    case Domain::kCgroupId:
    case Domain::kMode:
    case Domain::kOnFull:
    case Domain::kRootSync:
    case Domain::kHighPct:
    case Domain::kLowPct:
    case Domain::kWeight:
    case Domain::kRate:
    case Domain::kMaxDirty:
      return true;
    default:
      return false;
  }
}

const AttrDef& def_of(const OpDef& op, int type) {
  const AttrDef* def = find_attr(op.set, type);
  // Every type an op takes is in its set (family.cpp's tables).
  return *def;
}

std::uint16_t type16(int type) { return static_cast<std::uint16_t>(type); }

auto find_type(std::vector<Attr>& attrs, int type) {
  return std::find_if(attrs.begin(), attrs.end(),
                      [type](const Attr& a) { return (a.type & kTypeMask) == type; });
}

void set_attr(std::vector<Attr>& attrs, Attr attr) {
  auto it = find_type(attrs, attr.type & kTypeMask);
  if (it == attrs.end()) {
    attrs.push_back(std::move(attr));
  } else {
    *it = std::move(attr);
  }
}

void remove_type(std::vector<Attr>& attrs, int type) {
  attrs.erase(std::remove_if(attrs.begin(), attrs.end(),
                             [type](const Attr& a) { return (a.type & kTypeMask) == type; }),
              attrs.end());
}

bool has_numeric(const OpDef& op) {
  return std::any_of(op.request.begin(), op.request.end(),
                     [&op](int type) { return numeric(def_of(op, type).domain); });
}

}  // namespace

std::span<const Mutation> all_mutations() { return kMutations; }

std::string_view mutation_name(Mutation mutation) {
  return kMutationNames.at(static_cast<std::size_t>(mutation));
}

Mutator::Mutator(std::uint64_t seed, Targets targets, int family)
    : rng_(seed), targets_(std::move(targets)), family_(family) {}

Result<Generated> Mutator::next() {
  unsigned total = 0;
  for (unsigned w : kWeights) {
    total += w;
  }
  auto roll = static_cast<unsigned>(rng_.below(total));
  std::size_t index = 0;
  while (roll >= kWeights.at(index)) {
    roll -= kWeights.at(index);
    ++index;
  }
  return make(kMutations.at(index));
}

Result<Generated> Mutator::make(Mutation mutation) { return make(mutation, rng_.pick(ops())); }

Result<Generated> Mutator::make(Mutation mutation, const OpDef& op) {
  return build(mutation, op, false);
}

Result<Generated> Mutator::unprivileged() {
  // Classes that keep both headers whole; truncated() and bad_flags() keep
  // them too when asked.
  constexpr std::array kClasses{
      Mutation::kValid,       Mutation::kWrongType,   Mutation::kTruncated,   Mutation::kDuplicate,
      Mutation::kGarbageNest, Mutation::kUnknownAttr, Mutation::kForeignAttr, Mutation::kOutOfRange,
      Mutation::kMissingAttr, Mutation::kBadFlags,
  };
  const Mutation mutation = rng_.pick(std::span<const Mutation>{kClasses});
  return build(mutation, other_op(true), true);
}

const OpDef& Mutator::other_op(bool admin_only) {
  std::vector<const OpDef*> candidates;
  for (const OpDef& op : ops()) {
    if (op.admin || !admin_only) {
      candidates.push_back(&op);
    }
  }
  return *rng_.pick(candidates);
}

Result<Generated> Mutator::dump_request() {
  std::vector<const OpDef*> dumps;
  for (const OpDef& op : ops()) {
    if (op.has_dump) {
      dumps.push_back(&op);
    }
  }
  const OpDef& op = *rng_.pick(dumps);
  return finish(Draft{.request = valid_request(op, true), .op = &op, .variant = "dump"});
}

Result<Generated> Mutator::destroy(std::string_view name) {
  const OpDef& op = *find_op(NVFLUSH_CMD_DEV_DESTROY);
  Request request{.flags = kBaseFlags, .cmd = op.cmd, .version = NVFLUSH_FAMILY_VERSION};
  request.attrs.push_back(string_attr(NVFLUSH_A_DEV_NAME, name));
  return finish(Draft{.request = std::move(request), .op = &op, .variant = "cleanup"});
}

Result<Generated> Mutator::build(Mutation mutation, const OpDef& op, bool intact_header) {
  for (int attempt = 0; attempt < kMaxRedraws; ++attempt) {
    Result<Generated> made = Error{};
    switch (mutation) {
      case Mutation::kValid:
        made = finish(Draft{.request = valid_request(op, pick_dump(op)), .op = &op});
        break;
      case Mutation::kWrongType:
        made = finish(wrong_type(op));
        break;
      case Mutation::kTruncated:
        made = truncated(op, intact_header);
        break;
      case Mutation::kDuplicate:
        made = finish(duplicate(op));
        break;
      case Mutation::kGarbageNest:
        made = finish(garbage_nest(op));
        break;
      case Mutation::kUnknownAttr:
        made = finish(unknown_attr(op));
        break;
      case Mutation::kForeignAttr:
        made = finish(foreign_attr(op));
        break;
      case Mutation::kOutOfRange:
        if (auto draft = out_of_range(op)) {
          made = finish(*draft);
        } else {
          return build(mutation, other_op(intact_header), intact_header);
        }
        break;
      case Mutation::kMissingAttr:
        if (auto draft = missing_attr(op)) {
          made = finish(*draft);
        } else {
          return build(mutation, other_op(intact_header), intact_header);
        }
        break;
      case Mutation::kUnknownCmd:
        made = finish(unknown_cmd(op));
        break;
      case Mutation::kBadFlags:
        made = finish(bad_flags(op, intact_header));
        break;
    }
    if (!made || !names_keep_device(*made)) {
      return made;
    }
  }
  // A dev-destroy kept naming a keep device: send a harmless one instead.
  return destroy(targets_.race_device.empty() ? "nlfz-race" : targets_.race_device);
}

Result<Generated> Mutator::finish(const Draft& draft) const {
  auto encoded = encode(draft.request, family_);
  if (!encoded) {
    return std::move(encoded).error().wrap(std::string{mutation_name(draft.mutation)} + " " +
                                           std::string{draft.variant});
  }
  return Generated{
      .mutation = draft.mutation,
      .variant = draft.variant,
      .op = draft.op,
      .cmd = draft.request.cmd,
      .dump = (draft.request.flags & NLM_F_DUMP) == NLM_F_DUMP,
      .attr_type = draft.attr_type,
      .bytes = std::move(encoded->bytes),
  };
}

bool Mutator::names_keep_device(const Generated& generated) const {
  if (generated.cmd != NVFLUSH_CMD_DEV_DESTROY) {
    return false;
  }
  const auto& bytes = generated.bytes;
  return std::any_of(targets_.keep_devices.begin(), targets_.keep_devices.end(),
                     [&bytes](const std::string& keep) {
                       std::string needle = keep;
                       needle.push_back('\0');
                       return std::search(bytes.begin(), bytes.end(), needle.begin(),
                                          needle.end()) != bytes.end();
                     });
}

bool Mutator::pick_dump(const OpDef& op) {
  if (!op.has_do) {
    return true;
  }
  return op.has_dump && rng_.chance(35);
}

Attr Mutator::valid_attr(const OpDef& op, const AttrDef& def) {
  const auto type = type16(def.type);
  switch (def.domain) {
    case Domain::kDevName: {
      NameUse use = NameUse::kOther;
      if (op.cmd == NVFLUSH_CMD_DEV_CREATE) {
        use = NameUse::kCreate;
      } else if (op.cmd == NVFLUSH_CMD_DEV_DESTROY) {
        use = NameUse::kDestroy;
      }
      return string_attr(type, device_name(rng_, targets_, use));
    }
    case Domain::kBlockPath:
      return string_attr(type, block_path(rng_, targets_));
    case Domain::kCgroupPath:
      return string_attr(type, cgroup_path(rng_, targets_));
    case Domain::kCgroupId:
      return u64_attr(type, cgroup_id(rng_, targets_));
    case Domain::kFormat:
      return flag_attr(type);
    default:
      break;
  }
  switch (def.kind) {
    case Kind::kU8:
      return u8_attr(type, static_cast<std::uint8_t>(rng_.next()));
    case Kind::kU32:
      return u32_attr(type, static_cast<std::uint32_t>(valid_number(rng_, def.domain)));
    case Kind::kU64:
      return u64_attr(type, valid_number(rng_, def.domain));
    case Kind::kString:
      return string_attr(type, rng_.alnum(rng_.between(1, 16)));
    case Kind::kFlag:
      return flag_attr(type);
    case Kind::kBinary:
      return bytes_attr(type, rng_.bytes(rng_.between(8, 64)));
    case Kind::kPad:
      break;
  }
  return bytes_attr(type, rng_.bytes(rng_.below(9)));
}

Request Mutator::valid_request(const OpDef& op, bool dump) {
  Request request{.flags = static_cast<std::uint16_t>(kBaseFlags | (dump ? NLM_F_DUMP : 0)),
                  .cmd = op.cmd,
                  .version = NVFLUSH_FAMILY_VERSION};
  auto& attrs = request.attrs;
  auto add = [&](int type) { attrs.push_back(valid_attr(op, def_of(op, type))); };
  if (dump) {
    // Filters, all optional.
    for (int type : op.request) {
      const bool filter = op.cmd == NVFLUSH_CMD_STATS_GET ||
                          (op.cmd == NVFLUSH_CMD_POLICY_GET && type == NVFLUSH_A_POLICY_DEV_NAME);
      if (filter && rng_.chance(40)) {
        add(type);
      }
    }
    return request;
  }
  switch (op.cmd) {
    case NVFLUSH_CMD_DEV_SET: {
      add(NVFLUSH_A_DEV_NAME);
      std::vector<int> settings{NVFLUSH_A_DEV_MODE, NVFLUSH_A_DEV_DESTAGE_RATE,
                                NVFLUSH_A_DEV_ROOT_SYNC};
      for (int type : settings) {
        if (rng_.chance(35)) {
          add(type);
        }
      }
      switch (rng_.below(4)) {
        case 0:
          break;
        case 1:
          add(NVFLUSH_A_DEV_HIGH_WATERMARK);
          break;
        case 2:
          add(NVFLUSH_A_DEV_LOW_WATERMARK);
          break;
        default: {  // both, the low one below the high one
          const std::uint64_t high = rng_.between(kHighWatermarkMin + 1, kHighWatermarkMax);
          attrs.push_back(u32_attr(NVFLUSH_A_DEV_HIGH_WATERMARK, static_cast<std::uint32_t>(high)));
          attrs.push_back(
              u32_attr(NVFLUSH_A_DEV_LOW_WATERMARK, static_cast<std::uint32_t>(rng_.below(high))));
          break;
        }
      }
      if (attrs.size() == 1) {
        add(NVFLUSH_A_DEV_MODE);
      }
      break;
    }
    case NVFLUSH_CMD_POLICY_DEL:
      add(NVFLUSH_A_POLICY_DEV_NAME);
      add(rng_.chance(60) ? NVFLUSH_A_POLICY_CGROUP_PATH : NVFLUSH_A_POLICY_CGROUP_ID);
      break;
    default:
      for (int type : op.request) {
        const bool optional_value = type == NVFLUSH_A_DEV_MODE && op.cmd == NVFLUSH_CMD_POLICY_SET;
        if (requires_attr(op, type) || rng_.chance(optional_value ? 70 : 40)) {
          add(type);
        }
      }
      break;
  }
  if (attrs.size() > 1 && rng_.chance(20)) {  // the order of attributes does not matter
    const std::size_t i = rng_.below(attrs.size());
    const std::size_t j = rng_.below(attrs.size());
    std::swap(attrs[i], attrs[j]);
  }
  return request;
}

std::size_t Mutator::some_attr(const OpDef& op, Request& request) {
  if (request.attrs.empty()) {
    request.attrs.push_back(valid_attr(op, def_of(op, rng_.pick(op.request))));
  }
  return rng_.below(request.attrs.size());
}

Mutator::Draft Mutator::wrong_type(const OpDef& op) {
  Draft draft{
      .request = valid_request(op, pick_dump(op)), .op = &op, .mutation = Mutation::kWrongType};
  const std::size_t index = some_attr(op, draft.request);
  Attr& attr = draft.request.attrs[index];
  const AttrDef& def = def_of(op, attr.type & kTypeMask);
  draft.attr_type = def.type;
  if (rng_.chance(10)) {
    draft.variant = "byteorder-flag";
    attr.type |= NLA_F_NET_BYTEORDER;
    return draft;
  }
  switch (def.kind) {
    case Kind::kU8:
    case Kind::kU32:
    case Kind::kU64: {
      const std::size_t size = fixed_size(def.kind);
      std::size_t len = 0;
      do {
        len = rng_.below(17);
      } while (len == size);
      if (len == 0) {
        draft.variant = "empty-int";
      } else if (len < size) {
        draft.variant = size == sizeof(std::uint64_t) ? "short-for-u64" : "short-for-u32";
      } else {
        draft.variant = "long-int";
      }
      if (len == sizeof(std::uint8_t) && size == sizeof(std::uint64_t)) {
        draft.variant = "u8-for-u64";
      }
      attr.payload = rng_.bytes(len);
      break;
    }
    case Kind::kString: {
      const std::string value(attr.payload.begin(),
                              attr.payload.empty() ? attr.payload.end() : attr.payload.end() - 1);
      switch (rng_.below(4)) {
        case 0:
          draft.variant = "string-without-nul";
          attr = string_attr(attr.type, value.empty() ? std::string{"x"} : value, false);
          break;
        case 1: {
          draft.variant = "oversize-string";
          const std::size_t limit = def.domain == Domain::kDevName ? kMaxNameLen : PATH_MAX - 1;
          attr = string_attr(attr.type, std::string(rng_.between(limit + 1, limit + 512), 'o'),
                             rng_.chance(80));
          break;
        }
        case 2:
          draft.variant = "empty-payload";
          attr.payload.clear();
          break;
        default:
          draft.variant = "u64-for-string";
          attr.payload = rng_.bytes(sizeof(std::uint64_t));
          break;
      }
      break;
    }
    case Kind::kFlag:
      draft.variant = "flag-with-payload";
      attr.payload = rng_.bytes(rng_.between(1, 8));
      break;
    case Kind::kBinary:
    case Kind::kPad:
      draft.variant = "binary-for-known";
      attr.payload = rng_.bytes(rng_.between(1, 8));
      break;
  }
  return draft;
}

Result<Generated> Mutator::truncated(const OpDef& op, bool intact_header) {
  Request request = valid_request(op, pick_dump(op));
  some_attr(op, request);
  auto encoded = encode(request, family_);
  if (!encoded) {
    return std::move(encoded).error().wrap("truncated");
  }
  Generated out{.mutation = Mutation::kTruncated,
                .variant = {},
                .op = &op,
                .cmd = request.cmd,
                .dump = (request.flags & NLM_F_DUMP) == NLM_F_DUMP,
                .expect_reply = true,
                .attr_type = -1,
                .bytes = {}};
  Buffer& bytes = encoded->bytes;
  const auto& positions = encoded->attrs;
  const AttrPos& pos = positions[rng_.below(positions.size())];
  const auto variant = static_cast<unsigned>(rng_.below(intact_header ? 2 : 4));
  if (variant == 0) {
    // The message ends inside an attribute: it overruns nlmsg_len.
    out.variant = "cut-in-attribute";
    const auto len =
        static_cast<std::uint32_t>(rng_.between(pos.offset + 1, pos.offset + pos.length - 1));
    bytes.resize(len);
    set_nlmsg_len(bytes, len);
  } else if (variant == 1) {
    out.variant = "attribute-past-end";
    const std::size_t past = bytes.size() - pos.offset + rng_.between(1, 64);
    set_nla_len(bytes, pos.offset,
                static_cast<std::uint16_t>(
                    std::min<std::size_t>(past, std::numeric_limits<std::uint16_t>::max())));
  } else if (variant == 2) {
    out.variant = "cut-genl-header";
    const auto len = static_cast<std::uint32_t>(rng_.between(NLMSG_HDRLEN, attrs_offset() - 1));
    bytes.resize(len);
    set_nlmsg_len(bytes, len);
  } else {
    // Fewer bytes than nlmsg_len says: the netlink core drops it unanswered.
    out.variant = "short-buffer";
    bytes.resize(rng_.between(1, bytes.size() - 1));
    out.expect_reply = false;
  }
  out.bytes = std::move(bytes);
  return out;
}

Mutator::Draft Mutator::duplicate(const OpDef& op) {
  Draft draft{
      .request = valid_request(op, pick_dump(op)), .op = &op, .mutation = Mutation::kDuplicate};
  auto& attrs = draft.request.attrs;
  const std::size_t index = some_attr(op, draft.request);
  const Attr& original = attrs[index];
  draft.attr_type = original.type & kTypeMask;
  Attr copy = original;
  if (rng_.chance(50)) {
    draft.variant = "same-value";
  } else {
    draft.variant = "other-value";
    copy = valid_attr(op, def_of(op, draft.attr_type));
  }
  const auto at = static_cast<std::ptrdiff_t>(rng_.below(attrs.size() + 1));
  attrs.insert(attrs.begin() + at, std::move(copy));
  return draft;
}

Attr Mutator::random_attr(int max_type) {
  const auto type =
      static_cast<std::uint16_t>(rng_.below(static_cast<std::uint64_t>(max_type) + 5));
  return bytes_attr(type, rng_.bytes(rng_.below(17)));
}

Mutator::Draft Mutator::garbage_nest(const OpDef& op) {
  Draft draft{
      .request = valid_request(op, pick_dump(op)), .op = &op, .mutation = Mutation::kGarbageNest};
  auto& attrs = draft.request.attrs;
  const std::size_t index = some_attr(op, draft.request);
  Attr& attr = attrs[index];
  const std::uint16_t type = attr.type & kTypeMask;
  const int max_type = attr_set(op.set).max_type;
  draft.attr_type = type;
  switch (rng_.below(4)) {
    case 0: {
      // A nest (of random attributes) where the op takes a scalar.
      draft.variant = "nest-for-scalar";
      std::vector<Attr> children;
      const std::uint64_t n = rng_.between(1, 4);
      for (std::uint64_t i = 0; i < n; ++i) {
        children.push_back(random_attr(max_type));
      }
      attr = nest_attr(type | NLA_F_NESTED, std::move(children));
      break;
    }
    case 1:
      // NLA_F_NESTED on a scalar's payload: a nest holding no attributes.
      draft.variant = "nested-flag-on-scalar";
      attr.type |= NLA_F_NESTED;
      break;
    case 2:
      draft.variant = "random-nest-contents";
      attr = bytes_attr(type | NLA_F_NESTED, rng_.bytes(rng_.between(4, 64)));
      break;
    default: {
      draft.variant = "deep-nest";
      Attr inner = random_attr(max_type);
      const std::uint64_t depth = rng_.between(8, kMaxNestDepth);
      for (std::uint64_t i = 0; i < depth; ++i) {
        const auto level_type =
            static_cast<std::uint16_t>(rng_.below(static_cast<std::uint64_t>(max_type) + 2));
        inner = nest_attr(level_type | NLA_F_NESTED, {std::move(inner)});
      }
      inner.type = type | NLA_F_NESTED;
      attr = std::move(inner);
      break;
    }
  }
  return draft;
}

Mutator::Draft Mutator::unknown_attr(const OpDef& op) {
  Draft draft{
      .request = valid_request(op, pick_dump(op)), .op = &op, .mutation = Mutation::kUnknownAttr};
  const auto max_type = static_cast<std::uint64_t>(attr_set(op.set).max_type);
  std::uint64_t type = 0;
  if (rng_.chance(70)) {
    draft.variant = "just-above-max";
    type = rng_.between(max_type + 1, max_type + 8);
  } else {
    draft.variant = "far-above-max";
    type = rng_.between(max_type + 1, kTypeMask);
  }
  draft.attr_type = static_cast<int>(type);
  Attr attr = bytes_attr(static_cast<std::uint16_t>(type), rng_.bytes(rng_.below(17)));
  if (rng_.chance(20)) {
    attr.type |= NLA_F_NESTED;
  }
  auto& attrs = draft.request.attrs;
  attrs.insert(attrs.begin() + static_cast<std::ptrdiff_t>(rng_.below(attrs.size() + 1)),
               std::move(attr));
  return draft;
}

Mutator::Draft Mutator::foreign_attr(const OpDef& op) {
  Draft draft{
      .request = valid_request(op, pick_dump(op)), .op = &op, .mutation = Mutation::kForeignAttr};
  std::vector<const AttrDef*> foreign;
  for (const AttrDef& def : attr_set(op.set).attrs) {
    if (!accepts(op, def.type)) {
      foreign.push_back(&def);
    }
  }
  Attr attr;
  if (rng_.chance(10)) {
    draft.variant = "type-zero";
    draft.attr_type = 0;
    attr = bytes_attr(0, rng_.bytes(rng_.below(9)));
  } else {
    const AttrDef& def = *rng_.pick(foreign);
    draft.variant = "not-in-op-policy";
    draft.attr_type = def.type;
    attr = valid_attr(op, def);
  }
  auto& attrs = draft.request.attrs;
  attrs.insert(attrs.begin() + static_cast<std::ptrdiff_t>(rng_.below(attrs.size() + 1)),
               std::move(attr));
  return draft;
}

std::optional<Mutator::Draft> Mutator::out_of_range(const OpDef& op) {
  if (!has_numeric(op)) {
    return std::nullopt;
  }
  std::vector<const AttrDef*> numbers;
  for (int type : op.request) {
    const AttrDef& def = def_of(op, type);
    if (numeric(def.domain)) {
      numbers.push_back(&def);
    }
  }
  const AttrDef& def = *rng_.pick(numbers);
  Draft draft{.request = valid_request(op, !op.has_do),
              .op = &op,
              .mutation = Mutation::kOutOfRange,
              .variant = "boundary",
              .attr_type = def.type};
  const std::uint64_t value = rng_.pick(boundary_numbers(def.domain));
  auto& attrs = draft.request.attrs;
  if (def.kind == Kind::kU32) {
    set_attr(attrs, u32_attr(type16(def.type), static_cast<std::uint32_t>(value)));
  } else {
    set_attr(attrs, u64_attr(type16(def.type), value));
  }
  if (op.cmd == NVFLUSH_CMD_POLICY_DEL) {  // the id alone, so that it is looked at
    remove_type(attrs, NVFLUSH_A_POLICY_CGROUP_PATH);
  }
  return draft;
}

std::optional<Mutator::Draft> Mutator::missing_attr(const OpDef& op) {
  if (!op.has_do || op.required.empty()) {
    return std::nullopt;
  }
  Draft draft{.request = valid_request(op, false), .op = &op, .mutation = Mutation::kMissingAttr};
  auto& attrs = draft.request.attrs;
  const auto roll = static_cast<unsigned>(rng_.below(10));
  if (roll == 0) {
    draft.variant = "no-attributes";
    draft.attr_type = op.required.front();
    attrs.clear();
  } else if (roll == 1 && op.cmd == NVFLUSH_CMD_POLICY_DEL) {
    draft.variant = "neither-path-nor-id";
    remove_type(attrs, NVFLUSH_A_POLICY_CGROUP_PATH);
    remove_type(attrs, NVFLUSH_A_POLICY_CGROUP_ID);
  } else if (roll == 1 && op.cmd == NVFLUSH_CMD_DEV_SET) {
    draft.variant = "nothing-to-set";
    attrs.clear();
    attrs.push_back(valid_attr(op, def_of(op, NVFLUSH_A_DEV_NAME)));
  } else {
    draft.variant = "required-left-out";
    draft.attr_type = rng_.pick(op.required);
    remove_type(attrs, draft.attr_type);
  }
  return draft;
}

Mutator::Draft Mutator::unknown_cmd(const OpDef& op) {
  Draft draft{
      .request = valid_request(op, pick_dump(op)), .op = &op, .mutation = Mutation::kUnknownCmd};
  switch (rng_.below(4)) {
    case 0:
      draft.variant = "cmd-zero";
      draft.request.cmd = 0;
      break;
    case 1:
      draft.variant = "event-cmd";  // notifications only: no operation
      draft.request.cmd = NVFLUSH_CMD_EVENT;
      break;
    case 2:
      draft.variant = "cmd-max-plus-one";
      draft.request.cmd = NVFLUSH_CMD_MAX + 1;
      break;
    default:
      draft.variant = "cmd-random";
      draft.request.cmd = static_cast<std::uint8_t>(rng_.between(NVFLUSH_CMD_MAX + 1, 255));
      break;
  }
  return draft;
}

Mutator::Draft Mutator::bad_flags(const OpDef& op, bool intact_header) {
  Draft draft{.request = valid_request(op, false), .op = &op, .mutation = Mutation::kBadFlags};
  Request& request = draft.request;
  // The first two pass the core's header checks, which come before the
  // permission check: an unprivileged sender must get EPERM for them.
  const auto variant = static_cast<unsigned>(rng_.below(intact_header ? 2 : 8));
  switch (variant) {
    case 0:
      draft.variant = "echo";
      request.flags |= NLM_F_ECHO;
      break;
    case 1:
      draft.variant = "genl-version";
      request.version = rng_.chance(50) ? 0 : static_cast<std::uint8_t>(rng_.between(2, 255));
      break;
    case 2:
      if (op.has_dump) {
        // NLM_F_DUMP on an operation without a dump instead.
        std::vector<const OpDef*> do_only;
        for (const OpDef& o : ops()) {
          if (!o.has_dump) {
            do_only.push_back(&o);
          }
        }
        draft.op = rng_.pick(do_only);
        request = valid_request(*draft.op, false);
      }
      draft.variant = "dump-on-do-only";
      request.flags |= NLM_F_DUMP;
      break;
    case 3:
      draft.variant = "partial-dump";
      request.flags |= rng_.chance(50) ? NLM_F_ROOT : NLM_F_MATCH;
      break;
    case 4:
      draft.variant = "random-flags";
      request.flags = static_cast<std::uint16_t>(rng_.next() | kBaseFlags);
      break;
    case 5:
      draft.variant = "genl-reserved";
      request.reserved =
          static_cast<std::uint16_t>(rng_.between(1, std::numeric_limits<std::uint16_t>::max()));
      break;
    case 6: {
      // A dump-only operation asked for a do.
      draft.variant = "do-on-dump-only";
      const OpDef& stats = *find_op(NVFLUSH_CMD_STATS_GET);
      draft.op = &stats;
      request = valid_request(stats, true);
      request.flags = kBaseFlags;
      break;
    }
    default:
      // Not a request: the core only acknowledges it.
      draft.variant = "no-request";
      request.flags &= static_cast<std::uint16_t>(~NLM_F_REQUEST);
      break;
  }
  return draft;
}

}  // namespace nvflush::fuzz
