// SPDX-License-Identifier: GPL-2.0-only
#include "wire.hpp"

#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <netlink/attr.h>
#include <netlink/genl/genl.h>
#include <netlink/msg.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <limits>

#include "nl_ptr.hpp"

namespace nvflush::fuzz {

namespace {

// Largest payload whose attribute length still fits nla_len.
constexpr std::size_t kMaxPayload = std::numeric_limits<std::uint16_t>::max() - NLA_HDRLEN;

template <typename T>
Attr scalar_attr(std::uint16_t type, T value) {
  Attr attr{.type = type};
  attr.payload.resize(sizeof(T));
  std::memcpy(attr.payload.data(), &value, sizeof(T));
  return attr;
}

const nlattr* attr_at(const nl_msg* msg, std::size_t offset) {
  const auto* base = reinterpret_cast<const std::uint8_t*>(nlmsg_hdr(const_cast<nl_msg*>(msg)));
  return reinterpret_cast<const nlattr*>(base + offset);
}

Result<void> put(nl_msg* msg, const Attr& attr, int depth, std::vector<AttrPos>& positions) {
  const std::size_t offset = NLMSG_ALIGN(nlmsg_hdr(msg)->nlmsg_len);
  const std::size_t index = positions.size();
  positions.push_back(AttrPos{.offset = offset, .depth = depth});
  if (!attr.nest) {
    if (attr.payload.size() > kMaxPayload) {
      return Error{EMSGSIZE, "encode attribute", "payload too large"};
    }
    if (nla_put(msg, attr.type, static_cast<int>(attr.payload.size()), attr.payload.data()) < 0) {
      return Error{EMSGSIZE, "encode attribute", "message full"};
    }
    positions[index].length = attr_at(msg, offset)->nla_len;
    return {};
  }
  nlattr* start = nla_nest_start(msg, attr.type);
  if (start == nullptr) {
    return Error{EMSGSIZE, "encode nest", "message full"};
  }
  for (const Attr& child : attr.children) {
    if (auto done = put(msg, child, depth + 1, positions); !done) {
      return done;
    }
  }
  if (nla_nest_end_keep_empty(msg, start) < 0) {
    return Error{EMSGSIZE, "encode nest", "nest too large"};
  }
  start->nla_type = attr.type;  // exactly as asked: libnl may add NLA_F_NESTED
  positions[index].length = start->nla_len;
  const std::size_t end = offset + start->nla_len;
  for (std::size_t i = index + 1; i < positions.size(); ++i) {
    if (positions[i].depth == depth + 1) {
      positions[i].parent_end = end;
    }
  }
  return {};
}

template <typename T>
std::optional<T> header_field(std::span<const std::uint8_t> bytes, std::size_t offset) {
  if (bytes.size() < offset + sizeof(T)) {
    return std::nullopt;
  }
  T value{};
  std::memcpy(&value, bytes.data() + offset, sizeof(T));
  return value;
}

template <typename T>
void store(Buffer& bytes, std::size_t offset, T value) {
  if (bytes.size() >= offset + sizeof(T)) {
    std::memcpy(bytes.data() + offset, &value, sizeof(T));
  }
}

}  // namespace

Attr u8_attr(std::uint16_t type, std::uint8_t value) { return scalar_attr(type, value); }
Attr u16_attr(std::uint16_t type, std::uint16_t value) { return scalar_attr(type, value); }
Attr u32_attr(std::uint16_t type, std::uint32_t value) { return scalar_attr(type, value); }
Attr u64_attr(std::uint16_t type, std::uint64_t value) { return scalar_attr(type, value); }

Attr string_attr(std::uint16_t type, std::string_view value, bool nul) {
  Attr attr{.type = type};
  attr.payload.assign(value.begin(), value.end());
  if (nul) {
    attr.payload.push_back(0);
  }
  return attr;
}

Attr flag_attr(std::uint16_t type) { return Attr{.type = type}; }

Attr bytes_attr(std::uint16_t type, Buffer payload) {
  return Attr{.type = type, .payload = std::move(payload)};
}

Attr nest_attr(std::uint16_t type, std::vector<Attr> children) {
  return Attr{.type = type, .children = std::move(children), .nest = true};
}

Result<Encoded> encode(const Request& request, int family) {
  NlMsgPtr msg{nlmsg_alloc_size(kMaxMessage)};
  if (!msg) {
    return Error{ENOMEM, "allocate netlink message"};
  }
  if (genlmsg_put(msg.get(), NL_AUTO_PORT, NL_AUTO_SEQ, family, 0, request.flags, request.cmd,
                  request.version) == nullptr) {
    return Error{EMSGSIZE, "encode generic netlink header"};
  }
  auto* genl = static_cast<genlmsghdr*>(nlmsg_data(nlmsg_hdr(msg.get())));
  genl->reserved = request.reserved;
  Encoded out;
  for (const Attr& attr : request.attrs) {
    if (auto done = put(msg.get(), attr, 0, out.attrs); !done) {
      return std::move(done).error();
    }
  }
  const nlmsghdr* header = nlmsg_hdr(msg.get());
  const auto* first = reinterpret_cast<const std::uint8_t*>(header);
  out.bytes.assign(first, first + header->nlmsg_len);
  for (AttrPos& pos : out.attrs) {
    if (pos.depth == 0) {
      pos.parent_end = out.bytes.size();
    }
  }
  return out;
}

std::optional<std::uint32_t> nlmsg_len_of(std::span<const std::uint8_t> bytes) {
  return header_field<std::uint32_t>(bytes, offsetof(nlmsghdr, nlmsg_len));
}

std::optional<std::uint16_t> nlmsg_flags_of(std::span<const std::uint8_t> bytes) {
  return header_field<std::uint16_t>(bytes, offsetof(nlmsghdr, nlmsg_flags));
}

void set_nlmsg_len(Buffer& bytes, std::uint32_t len) {
  store(bytes, offsetof(nlmsghdr, nlmsg_len), len);
}

void set_nlmsg_seq(Buffer& bytes, std::uint32_t seq) {
  store(bytes, offsetof(nlmsghdr, nlmsg_seq), seq);
}

void set_nla_len(Buffer& bytes, std::size_t offset, std::uint16_t len) {
  store(bytes, offset + offsetof(nlattr, nla_len), len);
}

std::size_t attrs_offset() { return NLMSG_HDRLEN + GENL_HDRLEN; }

std::vector<RawAttr> walk_attrs(std::span<const std::uint8_t> bytes, std::size_t begin,
                                std::size_t end) {
  std::vector<RawAttr> out;
  end = std::min(end, bytes.size());
  std::size_t pos = begin;
  while (pos < end) {
    RawAttr attr{.offset = pos};
    if (pos + NLA_HDRLEN > end) {  // a cut header
      attr.overruns = true;
      out.push_back(attr);
      break;
    }
    attr.len = *header_field<std::uint16_t>(bytes, pos + offsetof(nlattr, nla_len));
    attr.type = *header_field<std::uint16_t>(bytes, pos + offsetof(nlattr, nla_type));
    attr.overruns = attr.len < NLA_HDRLEN || pos + attr.len > end;
    out.push_back(attr);
    if (attr.overruns) {
      break;
    }
    pos += NLA_ALIGN(attr.len);
  }
  return out;
}

std::optional<std::uint64_t> int_value(std::span<const std::uint8_t> payload) {
  switch (payload.size()) {
    case sizeof(std::uint8_t):
      return payload[0];
    case sizeof(std::uint16_t):
      return header_field<std::uint16_t>(payload, 0);
    case sizeof(std::uint32_t):
      return header_field<std::uint32_t>(payload, 0);
    case sizeof(std::uint64_t):
      return header_field<std::uint64_t>(payload, 0);
    default:
      return std::nullopt;
  }
}

}  // namespace nvflush::fuzz
