// SPDX-License-Identifier: GPL-2.0-only
//
// The mutator: a seed replays the same bytes, and every mutation class
// produces what it claims to.
#include "mutator.hpp"

#include <catch2/catch.hpp>
#include <linux/genetlink.h>
#include <linux/limits.h>
#include <linux/netlink.h>
#include <netlink/attr.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <map>
#include <set>
#include <string>

#include "tally.hpp"

using nvflush::fuzz::AttrDef;
using nvflush::fuzz::Buffer;
using nvflush::fuzz::Generated;
using nvflush::fuzz::Kind;
using nvflush::fuzz::Mutation;
using nvflush::fuzz::Mutator;
using nvflush::fuzz::OpDef;
using nvflush::fuzz::RawAttr;
using nvflush::fuzz::Targets;

namespace {

constexpr int kFamily = 0x1d;
constexpr int kRounds = 60;  // messages per operation and class
constexpr std::uint16_t kTypeMask = 0xffff & NLA_TYPE_MASK;

Targets test_targets() {
  Targets targets;
  targets.origins = {"/dev/vdb"};
  targets.nvms = {"/dev/pmem1"};
  targets.race_device = "race";
  targets.keep_devices = {"fz"};
  targets.pool_devices = {"nlfz-pool0", "nlfz-pool1"};
  targets.cgroup_paths = {"/", "/fz-a"};
  targets.cgroup_ids = {1, 4242};
  return targets;
}

nlmsghdr header_of(const Buffer& bytes) {
  nlmsghdr header{};
  REQUIRE(bytes.size() >= sizeof(header));
  std::memcpy(&header, bytes.data(), sizeof(header));
  return header;
}

genlmsghdr genl_of(const Buffer& bytes) {
  genlmsghdr genl{};
  REQUIRE(bytes.size() >= NLMSG_HDRLEN + sizeof(genl));
  std::memcpy(&genl, bytes.data() + NLMSG_HDRLEN, sizeof(genl));
  return genl;
}

// The top-level attributes within nlmsg_len.
std::vector<RawAttr> top_attrs(const Buffer& bytes) {
  const std::size_t len = std::min<std::size_t>(header_of(bytes).nlmsg_len, bytes.size());
  return nvflush::fuzz::walk_attrs(bytes, nvflush::fuzz::attrs_offset(), len);
}

std::span<const std::uint8_t> payload_of(const Buffer& bytes, const RawAttr& attr) {
  return {bytes.data() + attr.offset + NLA_HDRLEN, attr.len - std::size_t{NLA_HDRLEN}};
}

std::vector<RawAttr> of_type(const Buffer& bytes, int type) {
  std::vector<RawAttr> found;
  for (const RawAttr& attr : top_attrs(bytes)) {
    if (!attr.overruns && (attr.type & kTypeMask) == type) {
      found.push_back(attr);
    }
  }
  return found;
}

std::string string_of(const Buffer& bytes, const RawAttr& attr) {
  const auto payload = payload_of(bytes, attr);
  std::string value(payload.begin(), payload.end());
  return value.substr(0, value.find('\0'));
}

// Runs `check` on kRounds messages of `mutation` built from every operation.
template <typename Check>
void for_each_message(Mutation mutation, Check check) {
  Mutator mutator(7, test_targets(), kFamily);
  for (const OpDef& op : nvflush::fuzz::ops()) {
    for (int i = 0; i < kRounds; ++i) {
      auto message = mutator.make(mutation, op);
      REQUIRE(message.ok());
      REQUIRE(message->mutation == mutation);
      REQUIRE(message->op != nullptr);
      INFO(nvflush::fuzz::describe(static_cast<std::uint64_t>(i), *message));
      check(*message);
    }
  }
}

// Whether `payload` breaks what `def` says about its attribute.
bool violates(const AttrDef& def, std::uint16_t type, std::span<const std::uint8_t> payload) {
  if ((type & NLA_F_NET_BYTEORDER) != 0) {
    return true;
  }
  switch (def.kind) {
    case Kind::kU8:
    case Kind::kU32:
    case Kind::kU64:
      return payload.size() != nvflush::fuzz::fixed_size(def.kind);
    case Kind::kString: {
      const std::size_t limit =
          def.domain == nvflush::fuzz::Domain::kDevName ? nvflush::fuzz::kMaxNameLen : PATH_MAX - 1;
      return payload.empty() || payload.back() != 0 || payload.size() - 1 > limit;
    }
    case Kind::kFlag:
    case Kind::kBinary:
    case Kind::kPad:
      return !payload.empty();
  }
  return false;
}

std::uint16_t base_flags(bool dump) {
  return static_cast<std::uint16_t>(NLM_F_REQUEST | NLM_F_ACK | (dump ? NLM_F_DUMP : 0));
}

}  // namespace

TEST_CASE("nlfuzz mutator: the same seed gives byte-identical message sequences") {
  Mutator a(42, test_targets(), kFamily);
  Mutator b(42, test_targets(), kFamily);
  Mutator c(43, test_targets(), kFamily);
  int same = 0;
  int differ = 0;
  for (int i = 0; i < 3000; ++i) {
    auto x = i % 10 == 0 ? a.unprivileged() : i % 10 == 1 ? a.dump_request() : a.next();
    auto y = i % 10 == 0 ? b.unprivileged() : i % 10 == 1 ? b.dump_request() : b.next();
    auto z = c.next();
    REQUIRE(x.ok());
    REQUIRE(y.ok());
    REQUIRE(z.ok());
    const bool equal = x->bytes == y->bytes && x->mutation == y->mutation &&
                       x->variant == y->variant && x->expect_reply == y->expect_reply;
    same += equal ? 1 : 0;
    differ += x->bytes != z->bytes ? 1 : 0;
  }
  CHECK(same == 3000);
  CHECK(differ > 2500);
}

TEST_CASE("nlfuzz mutator: next() draws every class and every truncation") {
  Mutator mutator(1, test_targets(), kFamily);
  std::map<Mutation, int> count;
  std::set<std::string_view> truncations;
  std::set<std::string_view> nests;
  for (int i = 0; i < 5000; ++i) {
    auto message = mutator.next();
    REQUIRE(message.ok());
    ++count[message->mutation];
    if (message->mutation == Mutation::kTruncated) {
      truncations.insert(message->variant);
    } else if (message->mutation == Mutation::kGarbageNest) {
      nests.insert(message->variant);
    }
  }
  for (Mutation m : nvflush::fuzz::all_mutations()) {
    INFO(nvflush::fuzz::mutation_name(m));
    CHECK(count[m] > 100);
  }
  CHECK(truncations == std::set<std::string_view>{"cut-in-attribute", "attribute-past-end",
                                                  "cut-genl-header", "short-buffer"});
  CHECK(nests == std::set<std::string_view>{"nest-for-scalar", "nested-flag-on-scalar",
                                            "random-nest-contents", "deep-nest"});
}

TEST_CASE("nlfuzz mutator: valid messages parse back against the header's policy") {
  int parsed = 0;
  for_each_message(Mutation::kValid, [&parsed](const Generated& message) {
    const OpDef& op = *message.op;
    Buffer bytes = message.bytes;
    const nlmsghdr header = header_of(bytes);
    CHECK(header.nlmsg_len == bytes.size());
    CHECK(header.nlmsg_type == kFamily);
    CHECK(header.nlmsg_flags == base_flags(message.dump));
    CHECK(message.expect_reply);
    const genlmsghdr genl = genl_of(bytes);
    CHECK(genl.cmd == op.cmd);
    CHECK(genl.version == NVFLUSH_FAMILY_VERSION);
    CHECK(genl.reserved == 0);
    CHECK((message.dump ? op.has_dump : op.has_do));

    const auto& set = nvflush::fuzz::attr_set(op.set);
    const auto policy = nvflush::fuzz::libnl_policy(op.set, PATH_MAX);
    std::vector<nlattr*> tb(static_cast<std::size_t>(set.max_type) + 1, nullptr);
    const auto offset = nvflush::fuzz::attrs_offset();
    REQUIRE(nla_parse(tb.data(), set.max_type, reinterpret_cast<nlattr*>(bytes.data() + offset),
                      static_cast<int>(bytes.size() - offset), policy.data()) == 0);
    for (const RawAttr& attr : top_attrs(bytes)) {
      CHECK_FALSE(attr.overruns);
      CHECK(nvflush::fuzz::accepts(op, attr.type));  // no flag bits either
      const AttrDef* def = nvflush::fuzz::find_attr(op.set, attr.type);
      REQUIRE(def != nullptr);
      if (def->kind == Kind::kFlag) {
        CHECK(attr.len == NLA_HDRLEN);
      }
    }
    if (!message.dump) {
      for (int type : op.required) {
        CHECK(tb[static_cast<std::size_t>(type)] != nullptr);
      }
    }
    if (op.cmd == NVFLUSH_CMD_POLICY_DEL) {
      CHECK((tb[NVFLUSH_A_POLICY_CGROUP_PATH] == nullptr) !=
            (tb[NVFLUSH_A_POLICY_CGROUP_ID] == nullptr));
    }
    if (op.cmd == NVFLUSH_CMD_DEV_SET) {
      CHECK(top_attrs(bytes).size() >= 2);
    }
    ++parsed;
  });
  CHECK(parsed == kRounds * static_cast<int>(nvflush::fuzz::ops().size()));
}

TEST_CASE("nlfuzz mutator: wrong types break the attribute's size or form") {
  for_each_message(Mutation::kWrongType, [](const Generated& message) {
    const auto attrs = of_type(message.bytes, message.attr_type);
    REQUIRE_FALSE(attrs.empty());
    const AttrDef* def = nvflush::fuzz::find_attr(message.op->set, message.attr_type);
    REQUIRE(def != nullptr);
    CHECK(std::any_of(attrs.begin(), attrs.end(), [&](const RawAttr& attr) {
      return violates(*def, attr.type, payload_of(message.bytes, attr));
    }));
  });
}

TEST_CASE("nlfuzz mutator: truncated messages are shorter than nlmsg_len or overrun") {
  for_each_message(Mutation::kTruncated, [](const Generated& message) {
    const Buffer& bytes = message.bytes;
    if (bytes.size() < NLMSG_HDRLEN) {
      CHECK_FALSE(message.expect_reply);
      return;
    }
    const std::uint32_t len = header_of(bytes).nlmsg_len;
    const bool short_buffer = bytes.size() < len;
    CHECK(message.expect_reply == !short_buffer);
    if (short_buffer) {
      return;
    }
    CHECK(len == bytes.size());
    const bool cut_header = len < nvflush::fuzz::attrs_offset();
    const auto attrs = top_attrs(bytes);
    const bool overrun =
        std::any_of(attrs.begin(), attrs.end(), [](const RawAttr& a) { return a.overruns; });
    CHECK((cut_header || overrun));
  });
}

TEST_CASE("nlfuzz mutator: a duplicated attribute appears twice") {
  for_each_message(Mutation::kDuplicate, [](const Generated& message) {
    CHECK(of_type(message.bytes, message.attr_type).size() >= 2);
  });
}

TEST_CASE("nlfuzz mutator: garbage nests carry NLA_F_NESTED, deep ones at depth 8 or more") {
  for_each_message(Mutation::kGarbageNest, [](const Generated& message) {
    const auto attrs = of_type(message.bytes, message.attr_type);
    const auto nested = std::find_if(attrs.begin(), attrs.end(),
                                     [](const RawAttr& a) { return (a.type & NLA_F_NESTED) != 0; });
    REQUIRE(nested != attrs.end());
    if (message.variant == "deep-nest") {
      int depth = 0;
      RawAttr current = *nested;
      while ((current.type & NLA_F_NESTED) != 0) {
        ++depth;
        const auto inner = nvflush::fuzz::walk_attrs(message.bytes, current.offset + NLA_HDRLEN,
                                                     current.offset + current.len);
        REQUIRE(inner.size() == 1);
        current = inner.front();
      }
      CHECK(depth >= 8);
    }
  });
}

TEST_CASE("nlfuzz mutator: unknown attribute types are above the set's maximum") {
  for_each_message(Mutation::kUnknownAttr, [](const Generated& message) {
    const int max_type = nvflush::fuzz::attr_set(message.op->set).max_type;
    CHECK(message.attr_type > max_type);
    CHECK(message.attr_type <= kTypeMask);
    CHECK(of_type(message.bytes, message.attr_type).size() == 1);
  });
}

TEST_CASE("nlfuzz mutator: foreign attributes are of the set but not of the operation") {
  for_each_message(Mutation::kForeignAttr, [](const Generated& message) {
    const int max_type = nvflush::fuzz::attr_set(message.op->set).max_type;
    CHECK(message.attr_type <= max_type);
    CHECK_FALSE(nvflush::fuzz::accepts(*message.op, message.attr_type));
    CHECK(of_type(message.bytes, message.attr_type).size() == 1);
  });
}

TEST_CASE("nlfuzz mutator: out-of-range values are boundary values of their setting") {
  for_each_message(Mutation::kOutOfRange, [](const Generated& message) {
    const AttrDef* def = nvflush::fuzz::find_attr(message.op->set, message.attr_type);
    REQUIRE(def != nullptr);
    const auto attrs = of_type(message.bytes, message.attr_type);
    REQUIRE(attrs.size() == 1);
    const auto value = nvflush::fuzz::int_value(payload_of(message.bytes, attrs[0]));
    REQUIRE(value.has_value());
    CHECK(payload_of(message.bytes, attrs[0]).size() == nvflush::fuzz::fixed_size(def->kind));
    const auto bounds = nvflush::fuzz::boundary_numbers(def->domain);
    CHECK(std::find(bounds.begin(), bounds.end(), *value) != bounds.end());
  });
}

TEST_CASE("nlfuzz mutator: a missing attribute is one the operation requires") {
  for_each_message(Mutation::kMissingAttr, [](const Generated& message) {
    CHECK_FALSE(message.dump);
    if (message.variant == "neither-path-nor-id") {
      CHECK(of_type(message.bytes, NVFLUSH_A_POLICY_CGROUP_PATH).empty());
      CHECK(of_type(message.bytes, NVFLUSH_A_POLICY_CGROUP_ID).empty());
    } else if (message.variant == "nothing-to-set") {
      CHECK(top_attrs(message.bytes).size() == 1);
    } else {
      CHECK(nvflush::fuzz::requires_attr(*message.op, message.attr_type));
      CHECK(of_type(message.bytes, message.attr_type).empty());
    }
  });
}

TEST_CASE("nlfuzz mutator: unknown commands are not operations of the family") {
  for_each_message(Mutation::kUnknownCmd, [](const Generated& message) {
    CHECK(nvflush::fuzz::find_op(genl_of(message.bytes).cmd) == nullptr);
    CHECK(message.cmd == genl_of(message.bytes).cmd);
  });
}

TEST_CASE("nlfuzz mutator: bad flags differ from what the operation takes") {
  for_each_message(Mutation::kBadFlags, [](const Generated& message) {
    const OpDef& op = *message.op;
    const nlmsghdr header = header_of(message.bytes);
    const genlmsghdr genl = genl_of(message.bytes);
    CHECK((header.nlmsg_flags & NLM_F_ACK) != 0);
    const bool dump = (header.nlmsg_flags & NLM_F_DUMP) == NLM_F_DUMP;
    const bool odd_flags = header.nlmsg_flags != base_flags(dump);
    const bool no_such_mode = dump ? !op.has_dump : !op.has_do;
    const bool odd_genl = genl.version != NVFLUSH_FAMILY_VERSION || genl.reserved != 0;
    CHECK((odd_flags || no_such_mode || odd_genl));
  });
}

TEST_CASE("nlfuzz mutator: every message asks for an ACK") {
  Mutator mutator(3, test_targets(), kFamily);
  for (int i = 0; i < 3000; ++i) {
    auto message = mutator.next();
    REQUIRE(message.ok());
    if (message->bytes.size() >= NLMSG_HDRLEN) {
      INFO(nvflush::fuzz::describe(static_cast<std::uint64_t>(i), *message));
      CHECK((header_of(message->bytes).nlmsg_flags & NLM_F_ACK) != 0);
    }
  }
}

TEST_CASE("nlfuzz mutator: unprivileged messages are mutating requests with whole headers") {
  Mutator mutator(5, test_targets(), kFamily);
  std::set<Mutation> classes;
  for (int i = 0; i < 2000; ++i) {
    auto message = mutator.unprivileged();
    REQUIRE(message.ok());
    INFO(nvflush::fuzz::describe(static_cast<std::uint64_t>(i), *message));
    classes.insert(message->mutation);
    REQUIRE(message->op != nullptr);
    CHECK(message->op->admin);
    CHECK(message->expect_reply);
    const nlmsghdr header = header_of(message->bytes);
    CHECK(header.nlmsg_len == message->bytes.size());
    CHECK(header.nlmsg_len >= nvflush::fuzz::attrs_offset());
    CHECK((header.nlmsg_flags & ~NLM_F_ECHO) == (NLM_F_REQUEST | NLM_F_ACK));
    const genlmsghdr genl = genl_of(message->bytes);
    CHECK(genl.reserved == 0);
    const OpDef* op = nvflush::fuzz::find_op(genl.cmd);
    REQUIRE(op != nullptr);
    CHECK(op->admin);
  }
  CHECK(classes.size() == nvflush::fuzz::kMutationCount - 1);  // all but unknown commands
}

TEST_CASE("nlfuzz mutator: no dev-destroy names a keep device") {
  Mutator mutator(11, test_targets(), kFamily);
  int destroys = 0;
  for (int i = 0; i < 20000; ++i) {
    auto message = i % 4 == 0 ? mutator.unprivileged() : mutator.next();
    REQUIRE(message.ok());
    if (message->cmd != NVFLUSH_CMD_DEV_DESTROY) {
      continue;
    }
    ++destroys;
    const std::string bytes(message->bytes.begin(), message->bytes.end());
    CHECK(bytes.find(std::string{"fz"} + '\0') == std::string::npos);
  }
  CHECK(destroys > 1000);
}

TEST_CASE("nlfuzz mutator: dev-create names real block devices only among the targets") {
  const Targets targets = test_targets();
  Mutator mutator(13, targets, kFamily);
  std::set<std::string> devices;
  for (int i = 0; i < 20000; ++i) {
    auto message = mutator.next();
    REQUIRE(message.ok());
    if (message->cmd != NVFLUSH_CMD_DEV_CREATE ||
        message->bytes.size() < nvflush::fuzz::attrs_offset()) {
      continue;
    }
    for (int type : {NVFLUSH_A_DEV_ORIGIN_PATH, NVFLUSH_A_DEV_NVM_PATH}) {
      for (const RawAttr& attr : of_type(message->bytes, type)) {
        const std::string path = string_of(message->bytes, attr);
        if (path.rfind("/dev/", 0) == 0) {
          devices.insert(path);
        }
      }
    }
  }
  CHECK(devices == std::set<std::string>{"/dev/vdb", "/dev/pmem1", "/dev/null", "/dev/"});
}
