// SPDX-License-Identifier: GPL-2.0-only
//
// Requests sent by an unprivileged user: a child process drops to another
// uid and gid (setresgid, setresuid, no supplementary groups) before it
// opens its socket, sends the messages and reports how each was answered.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <span>
#include <vector>

#include "result.hpp"
#include "session.hpp"
#include "wire.hpp"

namespace nvflush::fuzz {

// nobody/nogroup on Debian.
inline constexpr uid_t kUnprivilegedUid = 65534;
inline constexpr gid_t kUnprivilegedGid = 65534;

// Sends `messages` (each expecting a reply) from a child running as
// `uid`/`gid` and returns one outcome per message. Fails when the child
// could not drop its privileges or its socket broke.
Result<std::vector<Outcome>> run_unprivileged(std::span<Buffer> messages,
                                              std::chrono::milliseconds timeout,
                                              uid_t uid = kUnprivilegedUid,
                                              gid_t gid = kUnprivilegedGid);

}  // namespace nvflush::fuzz
