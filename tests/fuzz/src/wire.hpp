// SPDX-License-Identifier: GPL-2.0-only
//
// Requests as the fuzzer builds them (a generic netlink header and a tree of
// attributes with arbitrary types and payloads), their encoding into bytes
// with libnl, and a bounds-checked walk over encoded attributes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "result.hpp"

namespace nvflush::fuzz {

using Buffer = std::vector<std::uint8_t>;

// One attribute: a leaf carrying `payload`, or a nest of `children`.
// `type` is sent as it is, flag bits (NLA_F_NESTED, NLA_F_NET_BYTEORDER)
// included; a nest does not add NLA_F_NESTED by itself.
struct Attr {
  std::uint16_t type = 0;
  Buffer payload{};
  std::vector<Attr> children{};
  bool nest = false;

  friend bool operator==(const Attr&, const Attr&) = default;
};

Attr u8_attr(std::uint16_t type, std::uint8_t value);
Attr u16_attr(std::uint16_t type, std::uint16_t value);
Attr u32_attr(std::uint16_t type, std::uint32_t value);
Attr u64_attr(std::uint16_t type, std::uint64_t value);
// The bytes of `value`, followed by a NUL when `nul`.
Attr string_attr(std::uint16_t type, std::string_view value, bool nul = true);
Attr flag_attr(std::uint16_t type);
Attr bytes_attr(std::uint16_t type, Buffer payload);
Attr nest_attr(std::uint16_t type, std::vector<Attr> children);

// A generic netlink request of the fuzzed family.
struct Request {
  std::uint16_t flags = 0;  // nlmsg_flags
  std::uint8_t cmd = 0;
  std::uint8_t version = 0;
  std::uint16_t reserved = 0;
  std::vector<Attr> attrs{};
};

// Where an encoded attribute lies: offsets from the start of the message.
struct AttrPos {
  std::size_t offset = 0;
  std::size_t length = 0;      // its nla_len as encoded
  std::size_t parent_end = 0;  // end of the enclosing nest, or of the message
  int depth = 0;               // 0 for top-level attributes
};

struct Encoded {
  Buffer bytes{};                // nlmsg_len == bytes.size(); port and sequence 0
  std::vector<AttrPos> attrs{};  // every attribute, nests before their children
};

// Largest message the encoder builds.
inline constexpr std::size_t kMaxMessage = std::size_t{64} * 1024;

// Encodes `request` for family id `family` with libnl. Fails with EMSGSIZE
// when it does not fit kMaxMessage or an attribute exceeds 64 KiB.
Result<Encoded> encode(const Request& request, int family);

// Header fields of an encoded message (nullopt if the bytes are too short).
std::optional<std::uint32_t> nlmsg_len_of(std::span<const std::uint8_t> bytes);
std::optional<std::uint16_t> nlmsg_flags_of(std::span<const std::uint8_t> bytes);
void set_nlmsg_len(Buffer& bytes, std::uint32_t len);
void set_nlmsg_seq(Buffer& bytes, std::uint32_t seq);
void set_nla_len(Buffer& bytes, std::size_t offset, std::uint16_t len);

// Offset of the first attribute (after the netlink and generic netlink
// headers).
std::size_t attrs_offset();

// One attribute found by walk_attrs().
struct RawAttr {
  std::size_t offset = 0;
  std::uint16_t len = 0;   // nla_len
  std::uint16_t type = 0;  // nla_type, flag bits included
  bool overruns = false;   // nla_len runs past the end of the stream, or is below the header
};

// The attributes of the stream [begin, end) of `bytes`, in order, up to and
// including the first one whose length is bad (that one is marked
// `overruns`; the walk stops there).
std::vector<RawAttr> walk_attrs(std::span<const std::uint8_t> bytes, std::size_t begin,
                                std::size_t end);

// Value of an integer payload of 1, 2, 4 or 8 bytes (host order), or nullopt.
std::optional<std::uint64_t> int_value(std::span<const std::uint8_t> payload);

}  // namespace nvflush::fuzz
