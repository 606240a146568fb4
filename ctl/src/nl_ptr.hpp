// SPDX-License-Identifier: GPL-2.0-only
//
// Owning smart pointers for libnl objects. Every libnl object nvflushctl
// allocates is held by one of these, so no path leaks or double-frees it.
#pragma once

#include <netlink/handlers.h>
#include <netlink/msg.h>
#include <netlink/socket.h>

#include <memory>

namespace nvflush {

struct NlSockDeleter {
  void operator()(nl_sock* sock) const noexcept { nl_socket_free(sock); }
};
struct NlMsgDeleter {
  void operator()(nl_msg* msg) const noexcept { nlmsg_free(msg); }
};
struct NlCbDeleter {
  void operator()(nl_cb* cb) const noexcept { nl_cb_put(cb); }
};

using NlSockPtr = std::unique_ptr<nl_sock, NlSockDeleter>;
using NlMsgPtr = std::unique_ptr<nl_msg, NlMsgDeleter>;
using NlCbPtr = std::unique_ptr<nl_cb, NlCbDeleter>;

}  // namespace nvflush
