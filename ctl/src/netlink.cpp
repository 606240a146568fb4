// SPDX-License-Identifier: GPL-2.0-only
#include "netlink.hpp"

#include <fmt/format.h>
#include <linux/netlink.h>
#include <netlink/errno.h>
#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include <poll.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstdlib>
#include <exception>
#include <new>
#include <optional>

namespace nvflush {

namespace {

// The errno closest to a libnl error code; EIO when there is none.
int errno_of(int nl_error) {
  switch (std::abs(nl_error)) {
    case NLE_NOMEM:
      return ENOMEM;
    case NLE_PERM:
      return EPERM;
    case NLE_NOACCESS:
      return EACCES;
    case NLE_AGAIN:
      return EAGAIN;
    case NLE_INTR:
      return EINTR;
    case NLE_BUSY:
      return EBUSY;
    case NLE_EXIST:
      return EEXIST;
    case NLE_INVAL:
      return EINVAL;
    case NLE_RANGE:
      return ERANGE;
    case NLE_OPNOTSUPP:
      return EOPNOTSUPP;
    case NLE_OBJ_NOTFOUND:
      return ENOENT;
    case NLE_NODEV:
      return ENODEV;
    case NLE_AF_NOSUPPORT:
      return EAFNOSUPPORT;
    case NLE_PROTO_MISMATCH:
      return EPROTONOSUPPORT;
    case NLE_MSG_TRUNC:
    case NLE_MSG_TOOSHORT:
    case NLE_MSG_OVERFLOW:
    case NLE_SEQ_MISMATCH:
    case NLE_PARSE_ERR:
      return EBADMSG;
    default:
      return EIO;
  }
}

Error libnl_error(int nl_error, std::string what) {
  const int code = errno_of(nl_error);
  // Keep libnl's own words where the errno alone would say less.
  std::string detail = code == EIO || code == EBADMSG ? nl_geterror(nl_error) : "";
  return Error{code, std::move(what), std::move(detail)};
}

// State shared by the callbacks of one transaction.
struct Transaction {
  const Client::ReplyHandler* on_reply;
  std::optional<Error> error;
  bool done = false;

  int finish(std::optional<Error> outcome) {
    error = std::move(outcome);
    done = true;
    return NL_STOP;
  }

  int finish_with_status(Bytes message) {
    auto status = decode_status(message);
    if (!status) {
      return finish(std::move(status).error());
    }
    if (status->error != 0) {
      return finish(Error{status->error, "", status->message});
    }
    return finish(std::nullopt);
  }
};

Transaction& transaction_of(void* arg) { return *static_cast<Transaction*>(arg); }

// State of Client::listen() shared with its callback.
struct Listener {
  const Client::MulticastHandler* on_message;
  std::optional<Error> error;
  bool done = false;
};

int accept_any_sequence(nl_msg* /*msg*/, void* /*arg*/) { return NL_OK; }

int on_multicast(nl_msg* msg, void* arg) {
  Listener& listener = *static_cast<Listener*>(arg);
  try {
    auto more = (*listener.on_message)(message_bytes(nlmsg_hdr(msg)));
    if (!more) {
      listener.error = std::move(more).error();
      listener.done = true;
      return NL_STOP;
    }
    listener.done = !*more;
    return listener.done ? NL_STOP : NL_OK;
  } catch (const std::bad_alloc&) {
    listener.error = Error{ENOMEM, "handle event"};
  } catch (const std::exception& e) {
    listener.error = Error{EIO, "handle event", e.what()};
  }
  listener.done = true;
  return NL_STOP;
}

// libnl calls these from C; nothing may be thrown through it.
int on_valid(nl_msg* msg, void* arg) {
  Transaction& tx = transaction_of(arg);
  try {
    if (auto handled = (*tx.on_reply)(message_bytes(nlmsg_hdr(msg))); !handled) {
      return tx.finish(std::move(handled).error());
    }
    return NL_OK;
  } catch (const std::bad_alloc&) {
    return tx.finish(Error{ENOMEM, "handle reply"});
  } catch (const std::exception& e) {
    return tx.finish(Error{EIO, "handle reply", e.what()});
  }
}

int on_ack(nl_msg* /*msg*/, void* arg) { return transaction_of(arg).finish(std::nullopt); }

int on_finish(nl_msg* msg, void* arg) {
  return transaction_of(arg).finish_with_status(message_bytes(nlmsg_hdr(msg)));
}

int on_error(sockaddr_nl* /*peer*/, nlmsgerr* err, void* arg) {
  // libnl hands over the payload of the NLMSG_ERROR; its header precedes it
  // and libnl has checked that nlmsg_len bytes were received.
  const auto* header =
      reinterpret_cast<const nlmsghdr*>(reinterpret_cast<const unsigned char*>(err) - NLMSG_HDRLEN);
  return transaction_of(arg).finish_with_status(message_bytes(header));
}

}  // namespace

Result<Client> Client::connect(const std::string& family_name) {
  NlSockPtr sock{nl_socket_alloc()};
  if (!sock) {
    return Error{ENOMEM, "allocate netlink socket"};
  }
  if (int err = genl_connect(sock.get()); err < 0) {
    return libnl_error(err, "connect to generic netlink");
  }
  // Size the receive buffer to each message instead of truncating.
  nl_socket_enable_msg_peek(sock.get());
  // Extended ACKs carry the kernel's reason for a rejection; capped ACKs
  // leave out the echoed request. Both are best effort: a kernel without
  // them still reports the errno.
  const int fd = nl_socket_get_fd(sock.get());
  const int on = 1;
  (void)setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, &on, sizeof(on));
  (void)setsockopt(fd, SOL_NETLINK, NETLINK_CAP_ACK, &on, sizeof(on));

  const int family = genl_ctrl_resolve(sock.get(), family_name.c_str());
  if (family == -NLE_OBJ_NOTFOUND) {
    return Error{ENOENT, fmt::format("{} kernel module not loaded: generic netlink family '{}' "
                                     "not found",
                                     family_name, family_name)};
  }
  if (family < 0) {
    return libnl_error(family, fmt::format("resolve generic netlink family '{}'", family_name));
  }
  return Client{std::move(sock), family, family_name};
}

Result<void> Client::transact(NlMsgPtr request, const ReplyHandler& on_reply) {
  NlCbPtr cb{nl_cb_alloc(NL_CB_DEFAULT)};
  if (!cb) {
    return Error{ENOMEM, "allocate netlink callbacks"};
  }
  Transaction tx{.on_reply = &on_reply, .error = std::nullopt};
  nl_cb_set(cb.get(), NL_CB_VALID, NL_CB_CUSTOM, on_valid, &tx);
  nl_cb_set(cb.get(), NL_CB_ACK, NL_CB_CUSTOM, on_ack, &tx);
  nl_cb_set(cb.get(), NL_CB_FINISH, NL_CB_CUSTOM, on_finish, &tx);
  nl_cb_err(cb.get(), NL_CB_CUSTOM, on_error, &tx);

  if (int err = nl_send_auto(sock_.get(), request.get()); err < 0) {
    return libnl_error(err, "send netlink request");
  }
  while (!tx.done) {
    // When a callback stops the transaction, libnl may report an error of
    // its own; the transaction's outcome is what counts then.
    if (int err = nl_recvmsgs(sock_.get(), cb.get()); err < 0 && !tx.done) {
      return libnl_error(err, "receive netlink reply");
    }
  }
  if (tx.error) {
    return std::move(*tx.error);
  }
  return {};
}

Result<void> Client::subscribe(const std::string& group) {
  const int id = genl_ctrl_resolve_grp(sock_.get(), family_name_.c_str(), group.c_str());
  if (id < 0) {
    return libnl_error(id,
                       fmt::format("resolve multicast group '{}' of '{}'", group, family_name_));
  }
  if (int err = nl_socket_add_membership(sock_.get(), id); err < 0) {
    return libnl_error(err, fmt::format("join multicast group '{}'", group));
  }
  return {};
}

Result<void> Client::listen(const MulticastHandler& on_message,
                            const std::function<bool()>& should_stop,
                            const std::function<void()>& on_lost) {
  constexpr int kPollMs = 200;
  NlCbPtr cb{nl_cb_alloc(NL_CB_DEFAULT)};
  if (!cb) {
    return Error{ENOMEM, "allocate netlink callbacks"};
  }
  Listener listener{.on_message = &on_message, .error = std::nullopt};
  nl_cb_set(cb.get(), NL_CB_VALID, NL_CB_CUSTOM, on_multicast, &listener);
  // Multicast messages carry no sequence number of ours.
  nl_cb_set(cb.get(), NL_CB_SEQ_CHECK, NL_CB_CUSTOM, accept_any_sequence, nullptr);
  pollfd pfd{.fd = nl_socket_get_fd(sock_.get()), .events = POLLIN, .revents = 0};
  while (!listener.done && !should_stop()) {
    const int ready = poll(&pfd, 1, kPollMs);
    if (ready < 0 && errno != EINTR) {
      return Error{errno, "wait for events"};
    }
    if (ready <= 0) {
      continue;
    }
    if (int err = nl_recvmsgs(sock_.get(), cb.get()); err < 0 && !listener.done) {
      if (err == -NLE_NOMEM) {  // ENOBUFS: the kernel dropped messages
        on_lost();
        continue;
      }
      return libnl_error(err, "receive events");
    }
  }
  if (listener.error) {
    return std::move(*listener.error);
  }
  return {};
}

}  // namespace nvflush
