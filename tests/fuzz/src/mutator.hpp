// SPDX-License-Identifier: GPL-2.0-only
//
// The seeded mutator: builds valid requests of the nvflush family and
// breaks them in one way each (a mutation class), so that every message
// exercises one kind of malformed or hostile input.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

#include "family.hpp"
#include "result.hpp"
#include "values.hpp"
#include "wire.hpp"

namespace nvflush::fuzz {

enum class Mutation : std::uint8_t {
  kValid,        // a well-formed request, as a base and on its own
  kWrongType,    // an attribute of the wrong size or form (u8 for u64, no NUL, oversize)
  kTruncated,    // nlmsg_len or an attribute's length past the end of the message
  kDuplicate,    // an attribute given twice
  kGarbageNest,  // nests where scalars are expected, random nests, deep nesting
  kUnknownAttr,  // an attribute type above the set's maximum
  kForeignAttr,  // an attribute of the set the operation does not take (or type 0)
  kOutOfRange,   // 0, the largest value, negative as unsigned, one past a limit
  kMissingAttr,  // a required attribute left out
  kUnknownCmd,   // a command the family does not have
  kBadFlags,     // NLM_F_DUMP on do-only operations, no NLM_F_REQUEST, odd header fields
};
inline constexpr std::size_t kMutationCount = 11;

// Every mutation class, in enum order.
std::span<const Mutation> all_mutations();
// "valid", "wrong-type", "truncated", ...
std::string_view mutation_name(Mutation mutation);

// One message to send.
struct Generated {
  Mutation mutation = Mutation::kValid;
  std::string_view variant{};  // how the class was applied ("u8-for-u64", ...)
  const OpDef* op = nullptr;   // the operation the message was built from
  std::uint8_t cmd = 0;        // the command as sent
  bool dump = false;           // NLM_F_DUMP set
  // False when the netlink core drops the message without a reply (its
  // buffer is shorter than its nlmsg_len).
  bool expect_reply = true;
  int attr_type = -1;  // the attribute the mutation is about, if one
  Buffer bytes{};      // port and sequence number 0, for the sender to fill
};

class Mutator {
 public:
  // `family` is the generic netlink family id put in every message.
  Mutator(std::uint64_t seed, Targets targets, int family);

  // A message of a class and an operation drawn at random.
  Result<Generated> next();
  // A message of `mutation`, built from `op` or, when `op` cannot carry
  // that mutation (no attribute to drop, no number to push out of range),
  // from another operation.
  Result<Generated> make(Mutation mutation);
  Result<Generated> make(Mutation mutation, const OpDef& op);
  // A request of a mutating (admin) operation whose netlink and generic
  // netlink headers pass the core's checks, which come before the
  // permission check (a whole header, flags REQUEST and ACK and maybe ECHO,
  // reserved 0, no dump): an unprivileged sender must get EPERM for it,
  // whatever its attributes.
  Result<Generated> unprivileged();
  // A valid dump request of dev-get, stats-get or policy-get.
  Result<Generated> dump_request();
  // A valid dev-destroy of `name` (no keep device).
  Result<Generated> destroy(std::string_view name);

  Rng& rng() { return rng_; }
  [[nodiscard]] const Targets& targets() const { return targets_; }

 private:
  struct Draft {
    Request request{};
    const OpDef* op = nullptr;
    Mutation mutation = Mutation::kValid;
    std::string_view variant = "base";
    int attr_type = -1;
  };

  Result<Generated> build(Mutation mutation, const OpDef& op, bool intact_header);
  [[nodiscard]] Result<Generated> finish(const Draft& draft) const;
  [[nodiscard]] bool names_keep_device(const Generated& generated) const;

  Request valid_request(const OpDef& op, bool dump);
  Attr valid_attr(const OpDef& op, const AttrDef& def);
  // Makes sure the request carries at least one attribute the op takes;
  // returns the index of one.
  std::size_t some_attr(const OpDef& op, Request& request);
  bool pick_dump(const OpDef& op);
  // Any operation, or any admin operation.
  const OpDef& other_op(bool admin_only);

  Draft wrong_type(const OpDef& op);
  Result<Generated> truncated(const OpDef& op, bool intact_header);
  Draft duplicate(const OpDef& op);
  Draft garbage_nest(const OpDef& op);
  Draft unknown_attr(const OpDef& op);
  Draft foreign_attr(const OpDef& op);
  std::optional<Draft> out_of_range(const OpDef& op);
  std::optional<Draft> missing_attr(const OpDef& op);
  Draft unknown_cmd(const OpDef& op);
  Draft bad_flags(const OpDef& op, bool intact_header);
  Attr random_attr(int max_type);

  Rng rng_;
  Targets targets_;
  int family_;
};

}  // namespace nvflush::fuzz
