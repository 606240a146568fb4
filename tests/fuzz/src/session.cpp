// SPDX-License-Identifier: GPL-2.0-only
#include "session.hpp"

#include <linux/netlink.h>
#include <netlink/errno.h>
#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <cerrno>
#include <cstring>

namespace nvflush::fuzz {

namespace {

constexpr long kUsecPerMsec = 1000;
constexpr long kMsecPerSec = 1000;

Error libnl_error(int nl_error, std::string what) {
  return Error{nl_error == -NLE_OBJ_NOTFOUND ? ENOENT : EIO, std::move(what),
               nl_geterror(nl_error)};
}

// The errno carried by an NLMSG_ERROR or NLMSG_DONE payload (0 if absent).
int status_of(const std::uint8_t* payload, std::size_t len) {
  int status = 0;
  if (len >= sizeof(status)) {
    std::memcpy(&status, payload, sizeof(status));
  }
  return status < 0 ? -status : status;
}

Outcome final_outcome(int error) {
  return error == 0 ? Outcome{} : Outcome{.kind = Outcome::Kind::kError, .error = error};
}

}  // namespace

Result<int> resolve_family(const std::string& name) {
  NlSockPtr sock{nl_socket_alloc()};
  if (!sock) {
    return Error{ENOMEM, "allocate netlink socket"};
  }
  if (int err = genl_connect(sock.get()); err < 0) {
    return libnl_error(err, "connect to generic netlink");
  }
  const int family = genl_ctrl_resolve(sock.get(), name.c_str());
  if (family < 0) {
    return libnl_error(family, "resolve generic netlink family '" + name + "'");
  }
  return family;
}

Result<Session> Session::open(std::chrono::milliseconds timeout) {
  NlSockPtr sock{nl_socket_alloc()};
  if (!sock) {
    return Error{ENOMEM, "allocate netlink socket"};
  }
  if (int err = genl_connect(sock.get()); err < 0) {
    return libnl_error(err, "connect to generic netlink");
  }
  const int fd = nl_socket_get_fd(sock.get());
  const int on = 1;
  // Best effort: extended ACKs exercise the kernel's error reporting,
  // capped ACKs keep the request out of them.
  (void)setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, &on, sizeof(on));
  (void)setsockopt(fd, SOL_NETLINK, NETLINK_CAP_ACK, &on, sizeof(on));
  const long ms = static_cast<long>(timeout.count());
  const timeval tv{.tv_sec = ms / kMsecPerSec, .tv_usec = (ms % kMsecPerSec) * kUsecPerMsec};
  if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) != 0) {
    return Error{errno, "set the receive timeout"};
  }
  return Session{std::move(sock), fd};
}

Result<void> Session::send(const Buffer& message) const {
  while (::send(fd_, message.data(), message.size(), 0) < 0) {
    if (errno != EINTR) {
      return Error{errno, "send netlink message"};
    }
  }
  return {};
}

Result<std::optional<std::size_t>> Session::receive() {
  for (;;) {
    const ssize_t n = ::recv(fd_, rx_.data(), rx_.size(), MSG_TRUNC);
    if (n >= 0) {
      if (static_cast<std::size_t>(n) > rx_.size()) {
        return Error{EMSGSIZE, "receive netlink reply", "reply larger than the buffer"};
      }
      return std::optional<std::size_t>{static_cast<std::size_t>(n)};
    }
    if (errno == EAGAIN || errno == EWOULDBLOCK) {
      return std::optional<std::size_t>{};
    }
    if (errno != EINTR) {
      return Error{errno, "receive netlink reply"};
    }
  }
}

Result<Outcome> Session::await(std::uint32_t wanted, std::uint32_t earlier,
                               std::optional<Outcome>& earlier_outcome) {
  for (;;) {
    auto got = receive();
    if (!got) {
      return std::move(got).error();
    }
    if (!*got) {
      return Outcome{.kind = Outcome::Kind::kTimeout};
    }
    const std::size_t len = **got;
    std::size_t pos = 0;
    while (pos + NLMSG_HDRLEN <= len) {
      nlmsghdr header{};
      std::memcpy(&header, rx_.data() + pos, sizeof(header));
      if (header.nlmsg_len < NLMSG_HDRLEN || pos + header.nlmsg_len > len) {
        return Error{EBADMSG, "receive netlink reply", "malformed reply from the kernel"};
      }
      const bool final = header.nlmsg_type == NLMSG_ERROR || header.nlmsg_type == NLMSG_DONE;
      if (final && (header.nlmsg_seq == wanted || header.nlmsg_seq == earlier)) {
        const Outcome outcome = final_outcome(
            status_of(rx_.data() + pos + NLMSG_HDRLEN, header.nlmsg_len - NLMSG_HDRLEN));
        if (header.nlmsg_seq == wanted) {
          return outcome;
        }
        earlier_outcome = outcome;
      }
      pos += NLMSG_ALIGN(header.nlmsg_len);
    }
  }
}

Result<Outcome> Session::exchange(Buffer& message, bool expect_reply) {
  const std::uint32_t seq = seq_++;
  set_nlmsg_seq(message, seq);
  if (auto sent = send(message); !sent) {
    return std::move(sent).error();
  }
  std::optional<Outcome> answer;
  if (expect_reply) {
    return await(seq, seq, answer);
  }
  // A NOOP with NLM_F_ACK: the core acknowledges it without a family.
  const std::uint32_t probe_seq = seq_++;
  const nlmsghdr probe{.nlmsg_len = NLMSG_HDRLEN,
                       .nlmsg_type = NLMSG_NOOP,
                       .nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK,
                       .nlmsg_seq = probe_seq,
                       .nlmsg_pid = 0};
  Buffer probe_bytes(sizeof(probe));
  std::memcpy(probe_bytes.data(), &probe, sizeof(probe));
  if (auto sent = send(probe_bytes); !sent) {
    return std::move(sent).error();
  }
  auto probed = await(probe_seq, seq, answer);
  if (!probed || probed->kind == Outcome::Kind::kTimeout) {
    return probed;
  }
  return answer ? *answer : Outcome{.kind = Outcome::Kind::kDropped};
}

Result<Outcome> Session::start_dump(Buffer& message, bool read_first) {
  set_nlmsg_seq(message, seq_++);
  if (auto sent = send(message); !sent) {
    return std::move(sent).error();
  }
  if (read_first) {
    auto got = receive();
    if (!got) {
      return std::move(got).error();
    }
    if (!*got) {
      return Outcome{.kind = Outcome::Kind::kTimeout};
    }
  }
  return Outcome{.kind = Outcome::Kind::kInterrupted};
}

}  // namespace nvflush::fuzz
