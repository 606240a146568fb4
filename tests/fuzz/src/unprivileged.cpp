// SPDX-License-Identifier: GPL-2.0-only
#include "unprivileged.hpp"

#include <fcntl.h>
#include <grp.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <optional>

namespace nvflush::fuzz {

namespace {

// What the child writes to the pipe for each message, or once on failure.
struct Record {
  std::int32_t kind;   // an Outcome::Kind, or kSetupFailed / kSocketFailed
  std::int32_t value;  // the errno
};
constexpr std::int32_t kSetupFailed = 100;
constexpr std::int32_t kSocketFailed = 101;

constexpr int kChildFailed = 1;

bool write_record(int fd, Record record) {
  return ::write(fd, &record, sizeof(record)) == static_cast<ssize_t>(sizeof(record));
}

int drop_privileges(uid_t uid, gid_t gid) {
  if (setgroups(0, nullptr) != 0 || setresgid(gid, gid, gid) != 0 ||
      setresuid(uid, uid, uid) != 0) {
    return errno;
  }
  uid_t ruid = 0;
  uid_t euid = 0;
  uid_t suid = 0;
  if (getresuid(&ruid, &euid, &suid) != 0 || ruid != uid || euid != uid || suid != uid) {
    return EPERM;
  }
  return 0;
}

// The child: never returns.
[[noreturn]] void child(int fd, std::span<Buffer> messages, std::chrono::milliseconds timeout,
                        uid_t uid, gid_t gid) {
  if (const int err = drop_privileges(uid, gid); err != 0) {
    write_record(fd, Record{kSetupFailed, err});
    _exit(kChildFailed);
  }
  auto session = Session::open(timeout);
  if (!session) {
    write_record(fd, Record{kSetupFailed, session.error().code});
    _exit(kChildFailed);
  }
  for (Buffer& message : messages) {
    auto outcome = session->exchange(message, true);
    const Record record = outcome ? Record{static_cast<std::int32_t>(outcome->kind), outcome->error}
                                  : Record{kSocketFailed, outcome.error().code};
    if (!write_record(fd, record) || !outcome) {
      _exit(kChildFailed);
    }
  }
  _exit(0);
}

}  // namespace

Result<std::vector<Outcome>> run_unprivileged(std::span<Buffer> messages,
                                              std::chrono::milliseconds timeout, uid_t uid,
                                              gid_t gid) {
  int fds[2] = {-1, -1};
  if (pipe2(fds, O_CLOEXEC) != 0) {
    return Error{errno, "create a pipe to the unprivileged sender"};
  }
  // Nothing buffered may be written twice.
  (void)std::fflush(nullptr);
  const pid_t pid = fork();
  if (pid < 0) {
    const int err = errno;
    ::close(fds[0]);
    ::close(fds[1]);
    return Error{err, "fork the unprivileged sender"};
  }
  if (pid == 0) {
    ::close(fds[0]);
    child(fds[1], messages, timeout, uid, gid);
  }
  ::close(fds[1]);
  std::vector<Outcome> outcomes;
  std::optional<Error> failure;
  Record record{};
  for (;;) {
    const ssize_t n = ::read(fds[0], &record, sizeof(record));
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n != static_cast<ssize_t>(sizeof(record))) {
      break;
    }
    if (record.kind == kSetupFailed) {
      failure =
          Error{record.value, "unprivileged sender", "cannot drop privileges or open a socket"};
    } else if (record.kind == kSocketFailed) {
      failure = Error{record.value, "unprivileged sender", "its socket broke"};
    } else {
      outcomes.push_back(
          Outcome{.kind = static_cast<Outcome::Kind>(record.kind), .error = record.value});
    }
  }
  ::close(fds[0]);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) {
      return Error{errno, "wait for the unprivileged sender"};
    }
  }
  if (failure) {
    return std::move(*failure);
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 || outcomes.size() != messages.size()) {
    return Error{ECHILD, "unprivileged sender", "it ended early"};
  }
  return outcomes;
}

}  // namespace nvflush::fuzz
