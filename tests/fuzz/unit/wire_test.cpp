// SPDX-License-Identifier: GPL-2.0-only
//
// Encoding of requests with libnl, and the walk over encoded attributes.
#include "wire.hpp"

#include <catch2/catch.hpp>
#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <netlink/attr.h>

#include <array>
#include <cerrno>
#include <cstring>

using nvflush::fuzz::Attr;
using nvflush::fuzz::attrs_offset;
using nvflush::fuzz::Buffer;
using nvflush::fuzz::encode;
using nvflush::fuzz::Request;
using nvflush::fuzz::walk_attrs;

namespace {

constexpr int kFamily = 0x1d;

Request sample() {
  Request request{.flags = NLM_F_REQUEST | NLM_F_ACK, .cmd = 3, .version = 1, .reserved = 7};
  request.attrs.push_back(nvflush::fuzz::u32_attr(1, 0x11223344));
  request.attrs.push_back(nvflush::fuzz::nest_attr(
      2 | NLA_F_NESTED,
      {nvflush::fuzz::string_attr(5, "abc"), nvflush::fuzz::u64_attr(6, 0x0102030405060708)}));
  request.attrs.push_back(nvflush::fuzz::flag_attr(4));
  return request;
}

}  // namespace

TEST_CASE("nlfuzz wire: a request encodes with its headers as given") {
  const auto encoded = encode(sample(), kFamily);
  REQUIRE(encoded.ok());
  const Buffer& bytes = encoded->bytes;
  nlmsghdr header{};
  std::memcpy(&header, bytes.data(), sizeof(header));
  CHECK(header.nlmsg_len == bytes.size());
  CHECK(header.nlmsg_type == kFamily);
  CHECK(header.nlmsg_flags == (NLM_F_REQUEST | NLM_F_ACK));
  CHECK(header.nlmsg_seq == 0);
  CHECK(header.nlmsg_pid == 0);
  genlmsghdr genl{};
  std::memcpy(&genl, bytes.data() + NLMSG_HDRLEN, sizeof(genl));
  CHECK(genl.cmd == 3);
  CHECK(genl.version == 1);
  CHECK(genl.reserved == 7);
}

TEST_CASE("nlfuzz wire: attribute positions, nests included") {
  const auto encoded = encode(sample(), kFamily);
  REQUIRE(encoded.ok());
  const auto& pos = encoded->attrs;
  REQUIRE(pos.size() == 5);
  CHECK(pos[0].offset == attrs_offset());
  CHECK(pos[0].length == NLA_HDRLEN + 4);
  CHECK(pos[0].depth == 0);
  CHECK(pos[1].depth == 0);
  CHECK(pos[2].depth == 1);
  CHECK(pos[3].depth == 1);
  CHECK(pos[2].offset == pos[1].offset + NLA_HDRLEN);
  CHECK(pos[2].parent_end == pos[1].offset + pos[1].length);
  CHECK(pos[4].parent_end == encoded->bytes.size());
  CHECK(pos[4].length == NLA_HDRLEN);

  // libnl reads back what was put, the nest's flag bit included.
  Buffer bytes = encoded->bytes;
  std::array<nlattr*, 7> tb{};
  REQUIRE(nla_parse(tb.data(), 6, reinterpret_cast<nlattr*>(bytes.data() + attrs_offset()),
                    static_cast<int>(bytes.size() - attrs_offset()), nullptr) == 0);
  REQUIRE(tb[1] != nullptr);
  CHECK(nla_get_u32(tb[1]) == 0x11223344);
  REQUIRE(tb[2] != nullptr);
  CHECK((tb[2]->nla_type & NLA_F_NESTED) != 0);
  std::array<nlattr*, 7> inner{};
  REQUIRE(nla_parse_nested(inner.data(), 6, tb[2], nullptr) == 0);
  REQUIRE(inner[5] != nullptr);
  CHECK(std::string{nla_get_string(inner[5])} == "abc");
  REQUIRE(inner[6] != nullptr);
  CHECK(nla_get_u64(inner[6]) == 0x0102030405060708);
  CHECK(tb[4] != nullptr);
}

TEST_CASE("nlfuzz wire: a nest without NLA_F_NESTED keeps its type as given") {
  Request request{.flags = NLM_F_REQUEST, .cmd = 1, .version = 1};
  request.attrs.push_back(nvflush::fuzz::nest_attr(3, {}));
  const auto encoded = encode(request, kFamily);
  REQUIRE(encoded.ok());
  const auto attrs = walk_attrs(encoded->bytes, attrs_offset(), encoded->bytes.size());
  REQUIRE(attrs.size() == 1);
  CHECK(attrs[0].type == 3);
  CHECK(attrs[0].len == NLA_HDRLEN);
  CHECK_FALSE(attrs[0].overruns);
}

TEST_CASE("nlfuzz wire: the walk stops at an attribute that overruns") {
  auto encoded = encode(sample(), kFamily);
  REQUIRE(encoded.ok());
  Buffer bytes = encoded->bytes;
  auto attrs = walk_attrs(bytes, attrs_offset(), bytes.size());
  REQUIRE(attrs.size() == 3);
  CHECK_FALSE(attrs[2].overruns);

  nvflush::fuzz::set_nla_len(bytes, encoded->attrs[1].offset, 0x7fff);
  attrs = walk_attrs(bytes, attrs_offset(), bytes.size());
  REQUIRE(attrs.size() == 2);
  CHECK(attrs[1].overruns);

  // A cut header overruns too.
  attrs = walk_attrs(encoded->bytes, attrs_offset(), attrs_offset() + 2);
  REQUIRE(attrs.size() == 1);
  CHECK(attrs[0].overruns);
}

TEST_CASE("nlfuzz wire: integer payloads read back by size") {
  const Buffer one{0x7f};
  CHECK(nvflush::fuzz::int_value(one) == 0x7f);
  const Attr u32 = nvflush::fuzz::u32_attr(1, 0xdeadbeef);
  CHECK(nvflush::fuzz::int_value(u32.payload) == 0xdeadbeef);
  const Attr u64 = nvflush::fuzz::u64_attr(1, UINT64_MAX);
  CHECK(nvflush::fuzz::int_value(u64.payload) == UINT64_MAX);
  const Buffer three{1, 2, 3};
  CHECK_FALSE(nvflush::fuzz::int_value(three).has_value());
}

TEST_CASE("nlfuzz wire: an attribute too large for nla_len is refused") {
  Request request{.flags = NLM_F_REQUEST, .cmd = 1, .version = 1};
  request.attrs.push_back(nvflush::fuzz::bytes_attr(1, Buffer(70000, 'x')));
  const auto encoded = encode(request, kFamily);
  REQUIRE_FALSE(encoded.ok());
  CHECK(encoded.error().code == EMSGSIZE);
}
