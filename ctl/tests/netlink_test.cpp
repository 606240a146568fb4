// SPDX-License-Identifier: GPL-2.0-only
//
// The transport against the running kernel. The nvflush module is not
// needed: the generic netlink controller (nlctrl), present in every
// kernel, exercises the same paths (do with reply and ACK, dump, error with
// extended ACK).
#include "netlink.hpp"

#include <catch2/catch.hpp>
#include <linux/genetlink.h>
#include <netlink/attr.h>
#include <netlink/genl/genl.h>

#include <cerrno>
#include <cstdint>
#include <string>

using nvflush::Bytes;
using nvflush::Client;
using nvflush::NlMsgPtr;
using nvflush::Result;

namespace {

NlMsgPtr ctrl_request(int flags, std::uint8_t cmd = CTRL_CMD_GETFAMILY) {
  NlMsgPtr msg{nlmsg_alloc()};
  REQUIRE(msg);
  REQUIRE(genlmsg_put(msg.get(), NL_AUTO_PORT, NL_AUTO_SEQ, GENL_ID_CTRL, 0, flags, cmd, 1) !=
          nullptr);
  return msg;
}

Client connect_ctrl() {
  auto client = Client::connect("nlctrl");
  INFO((client.ok() ? std::string{} : client.error().to_string()));
  REQUIRE(client.ok());
  CHECK(client->family() == GENL_ID_CTRL);
  return std::move(client).value();
}

}  // namespace

TEST_CASE("netlink: a missing family is reported as a module not loaded") {
  const auto client = Client::connect("nvflush-test-absent");
  REQUIRE_FALSE(client.ok());
  CHECK(client.error().code == ENOENT);
  CHECK(client.error().what ==
        "nvflush-test-absent kernel module not loaded: generic netlink family "
        "'nvflush-test-absent' not found");
}

TEST_CASE("netlink: a do request gets its reply, then the ACK ends it") {
  Client client = connect_ctrl();
  NlMsgPtr request = ctrl_request(0);
  REQUIRE(nla_put_string(request.get(), CTRL_ATTR_FAMILY_NAME, "nlctrl") == 0);
  int replies = 0;
  const auto done = client.transact(std::move(request), [&](Bytes message) -> Result<void> {
    ++replies;
    CHECK(message.size() > NLMSG_HDRLEN + GENL_HDRLEN);
    return {};
  });
  INFO((done.ok() ? std::string{} : done.error().to_string()));
  CHECK(done.ok());
  CHECK(replies == 1);
}

TEST_CASE("netlink: a dump delivers every message until NLMSG_DONE") {
  Client client = connect_ctrl();
  int families = 0;
  const auto done = client.transact(ctrl_request(NLM_F_DUMP), [&](Bytes) -> Result<void> {
    ++families;
    return {};
  });
  CHECK(done.ok());
  CHECK(families >= 1);  // nlctrl itself

  // The socket is ready for the next request.
  const auto again =
      client.transact(ctrl_request(NLM_F_DUMP), [](Bytes) -> Result<void> { return {}; });
  CHECK(again.ok());
}

TEST_CASE("netlink: a kernel rejection carries errno and the extack message") {
  Client client = connect_ctrl();
  // GETPOLICY validates strictly: CTRL_ATTR_FAMILY_ID is a u16, so a u64
  // fails the policy, and the kernel says so in the extended ACK.
  NlMsgPtr request = ctrl_request(NLM_F_DUMP, CTRL_CMD_GETPOLICY);
  REQUIRE(nla_put_u64(request.get(), CTRL_ATTR_FAMILY_ID, GENL_ID_CTRL) == 0);
  const auto done = client.transact(std::move(request), [](Bytes) -> Result<void> { return {}; });
  REQUIRE_FALSE(done.ok());
  CHECK(done.error().code == EINVAL);
  CHECK(done.error().what.empty());
  INFO(done.error().detail);
  CHECK_FALSE(done.error().detail.empty());  // e.g. "invalid attribute length"
}

TEST_CASE("netlink: a failing reply handler aborts the transaction") {
  Client client = connect_ctrl();
  const auto done = client.transact(ctrl_request(NLM_F_DUMP), [](Bytes) -> Result<void> {
    return nvflush::Error{EBADMSG, "malformed reply"};
  });
  REQUIRE_FALSE(done.ok());
  CHECK(done.error().code == EBADMSG);
  CHECK(done.error().what == "malformed reply");
}
