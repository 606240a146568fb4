// SPDX-License-Identifier: GPL-2.0-only
//
// A generic netlink socket that sends raw request bytes and waits for the
// kernel's answer with a receive timeout, so that no request can hang the
// fuzzer: a missing answer is reported as a timeout.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include "nl_ptr.hpp"
#include "result.hpp"
#include "wire.hpp"

namespace nvflush::fuzz {

// How the kernel answered one request.
struct Outcome {
  enum class Kind : std::uint8_t {
    kAck,          // acknowledged without error (a dump ended without error)
    kError,        // refused with `error`
    kTimeout,      // nothing within the receive timeout
    kDropped,      // unanswered as expected (the core drops a short buffer)
    kInterrupted,  // a dump whose socket was closed before its end
  };
  Kind kind = Kind::kAck;
  int error = 0;  // positive errno of kError

  friend bool operator==(const Outcome&, const Outcome&) = default;
};

// The id of generic netlink family `name` (ENOENT if it is not registered).
Result<int> resolve_family(const std::string& name);

class Session {
 public:
  // A new socket (EXT_ACK and CAP_ACK asked for) whose receives give up
  // after `timeout`.
  static Result<Session> open(std::chrono::milliseconds timeout);

  // Sends `message` (its sequence number is set here) and reads replies
  // until the kernel acknowledges it, ends its dump, or refuses it. When no
  // reply is expected, a NOOP probe follows; its acknowledgement proves the
  // socket works and the message is kDropped unless it was answered after
  // all. Fails only when the socket does (a send or receive error).
  Result<Outcome> exchange(Buffer& message, bool expect_reply);

  // Sends a dump request and, when `read_first`, receives one datagram of
  // it; the caller then closes the socket with the dump unfinished.
  // kInterrupted, or kTimeout when the first datagram did not come.
  Result<Outcome> start_dump(Buffer& message, bool read_first);

 private:
  Session(NlSockPtr sock, int fd) : sock_(std::move(sock)), fd_(fd), rx_(kReceiveBuffer) {}

  [[nodiscard]] Result<void> send(const Buffer& message) const;
  // Receives one datagram into rx_; nullopt on timeout.
  Result<std::optional<std::size_t>> receive();
  // Reads until the final reply of sequence number `wanted`; a final reply
  // of `earlier` seen on the way is stored in `earlier_outcome`.
  Result<Outcome> await(std::uint32_t wanted, std::uint32_t earlier,
                        std::optional<Outcome>& earlier_outcome);

  static constexpr std::size_t kReceiveBuffer = std::size_t{256} * 1024;

  NlSockPtr sock_;
  int fd_;
  std::uint32_t seq_ = 1;
  Buffer rx_;
};

}  // namespace nvflush::fuzz
