// SPDX-License-Identifier: GPL-2.0-only
//
// A generic netlink client for the nvflush family: one socket, one request
// at a time, replies handed to the caller as raw message bytes, and kernel
// errors returned with their errno and extended-ACK message.
#pragma once

#include <linux/nvflush.h>

#include <functional>
#include <string>

#include "messages.hpp"
#include "nl_ptr.hpp"
#include "result.hpp"

namespace nvflush {

class Client {
 public:
  // Opens a generic netlink socket, asks for extended ACKs and resolves the
  // family (nvflush unless a test picks another). Fails with ENOENT if the
  // family's module is not loaded.
  static Result<Client> connect(const std::string& family_name = NVFLUSH_FAMILY_NAME);

  [[nodiscard]] int family() const noexcept { return family_; }

  // Called with every reply message (not ACKs, not NLMSG_DONE). A failed
  // result aborts the transaction and is returned by transact().
  using ReplyHandler = std::function<Result<void>(Bytes message)>;

  // Sends `request` and receives until the kernel ACKs it, ends the dump
  // (NLMSG_DONE), or reports an error. Kernel errors come back with what
  // empty, code the errno and detail the extended-ACK message.
  Result<void> transact(NlMsgPtr request, const ReplyHandler& on_reply);

  // Joins the family's multicast group `group` (e.g. "events"). Any user
  // may join the nvflush groups.
  Result<void> subscribe(const std::string& group);

  // Called with every multicast message; returns whether to go on.
  using MulticastHandler = std::function<Result<bool>(Bytes message)>;

  // Receives multicast messages of the groups joined until `on_message`
  // returns false or fails, or `should_stop` (asked at least every 200 ms)
  // returns true. Messages lost to a full receive buffer are reported to
  // `on_lost` and receiving goes on.
  Result<void> listen(const MulticastHandler& on_message, const std::function<bool()>& should_stop,
                      const std::function<void()>& on_lost);

 private:
  Client(NlSockPtr sock, int family, std::string family_name)
      : sock_(std::move(sock)), family_(family), family_name_(std::move(family_name)) {}

  NlSockPtr sock_;
  int family_;
  std::string family_name_;
};

}  // namespace nvflush
