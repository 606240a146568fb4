// SPDX-License-Identifier: GPL-2.0-only
//
// Counting answers and the summary of a run.
#include "tally.hpp"

#include <catch2/catch.hpp>

#include <cerrno>

using nvflush::fuzz::Generated;
using nvflush::fuzz::Mutation;
using nvflush::fuzz::Outcome;
using nvflush::fuzz::Tally;

namespace {

Generated message(Mutation mutation) {
  return Generated{.mutation = mutation,
                   .variant = "base",
                   .op = nvflush::fuzz::find_op(NVFLUSH_CMD_DEV_SET),
                   .cmd = NVFLUSH_CMD_DEV_SET};
}

Outcome error(int code) { return Outcome{.kind = Outcome::Kind::kError, .error = code}; }

}  // namespace

TEST_CASE("nlfuzz tally: the summary line counts answers by errno") {
  Tally tally;
  tally.count(0, message(Mutation::kValid), Outcome{}, false);
  tally.count(1, message(Mutation::kWrongType), error(EINVAL), false);
  tally.count(2, message(Mutation::kWrongType), error(EINVAL), false);
  tally.count(3, message(Mutation::kUnknownCmd), error(EOPNOTSUPP), false);
  tally.count(4, message(Mutation::kTruncated), Outcome{.kind = Outcome::Kind::kDropped}, false);
  tally.count_interrupted(5, message(Mutation::kValid),
                          Outcome{.kind = Outcome::Kind::kInterrupted});
  CHECK(nvflush::fuzz::summary_line(9, tally) ==
        "nlfuzz: seed 9, 6 messages, 1 acked ok, 3 errors (by errno: EINVAL 2, EOPNOTSUPP 1), "
        "0 timeouts, 0 unprivileged-mutations-not-refused");
  CHECK_FALSE(tally.failed());
  CHECK(tally.dropped == 1);
  CHECK(tally.interrupted_dumps == 1);
  CHECK(tally.classes[static_cast<std::size_t>(Mutation::kWrongType)].errors == 2);
  const auto json = nvflush::fuzz::summary_json(9, tally);
  CHECK(json["errors_by_errno"]["EINVAL"] == 2);
  CHECK(json["classes"]["wrong-type"]["sent"] == 2);
  CHECK(json["ok"] == true);
}

TEST_CASE("nlfuzz tally: no errors reads as none") {
  const Tally tally;
  CHECK(nvflush::fuzz::summary_line(1, tally) ==
        "nlfuzz: seed 1, 0 messages, 0 acked ok, 0 errors (by errno: none), 0 timeouts, 0 "
        "unprivileged-mutations-not-refused");
}

TEST_CASE("nlfuzz tally: an unprivileged message must be refused with EPERM") {
  Tally tally;
  tally.count(0, message(Mutation::kValid), error(EPERM), true);
  CHECK_FALSE(tally.failed());
  tally.count(1, message(Mutation::kDuplicate), error(EINVAL), true);
  tally.count(2, message(Mutation::kBadFlags), Outcome{}, true);
  CHECK(tally.unprivileged == 3);
  CHECK(tally.unprivileged_not_refused == 2);
  CHECK(tally.failed());
  REQUIRE(tally.incidents.size() == 2);
  CHECK(tally.incidents[0] == "unprivileged #1 duplicate/base dev-set cmd 5 0 bytes: EINVAL");
}

TEST_CASE("nlfuzz tally: a timeout or a broken socket fails the run") {
  Tally timed_out;
  timed_out.count(0, message(Mutation::kValid), Outcome{.kind = Outcome::Kind::kTimeout}, false);
  CHECK(timed_out.timeouts == 1);
  CHECK(timed_out.failed());
  Tally broken;
  broken.socket_failure = "receive netlink reply: No buffer space available";
  CHECK(broken.failed());
}

TEST_CASE("nlfuzz tally: a worker's tally travels and merges whole") {
  Tally mine;
  mine.count(0, message(Mutation::kValid), Outcome{}, false);
  mine.count(1, message(Mutation::kWrongType), error(EINVAL), false);
  mine.seconds = 2.0;
  Tally theirs;
  theirs.count(2, message(Mutation::kWrongType), error(EINVAL), false);
  theirs.count(3, message(Mutation::kBadFlags), Outcome{.kind = Outcome::Kind::kTimeout}, true);
  theirs.seconds = 3.0;
  const auto travelled = nvflush::fuzz::from_wire(nvflush::fuzz::to_wire(theirs));
  REQUIRE(travelled.ok());
  CHECK(nvflush::fuzz::to_wire(*travelled) == nvflush::fuzz::to_wire(theirs));
  mine.merge(*travelled);
  CHECK(mine.messages == 4);
  CHECK(mine.by_errno[EINVAL] == 2);
  CHECK(mine.timeouts == 1);
  CHECK(mine.unprivileged_not_refused == 1);
  CHECK(mine.classes[static_cast<std::size_t>(Mutation::kWrongType)].sent == 2);
  CHECK(mine.incidents.size() == 1);
  CHECK(mine.seconds == 3.0);
  CHECK(mine.failed());
  CHECK_FALSE(nvflush::fuzz::from_wire(nlohmann::json{{"messages", 1}}).ok());
}
