// SPDX-License-Identifier: GPL-2.0-only
#include "result.hpp"

#include <catch2/catch.hpp>

#include <cerrno>
#include <string>

using nvflush::Error;
using nvflush::Result;

TEST_CASE("Error formats what, strerror and detail") {
  CHECK(Error{EBUSY, "destroy d0", "device is open"}.to_string() ==
        "destroy d0: Device or resource busy: device is open");
  CHECK(Error{EPERM, "create d0", ""}.to_string() == "create d0: Operation not permitted");
  CHECK(Error{0, "no errno here", "detail"}.to_string() == "no errno here: detail");
  CHECK(Error{ENODEV, "", "kernel says"}.to_string() == "No such device: kernel says");
}

TEST_CASE("Error wrap prepends context") {
  const Error inner{ENODEV, "", "no device named d9"};
  CHECK(inner.wrap("stats d9").to_string() == "stats d9: No such device: no device named d9");
  CHECK(Error{EBADMSG, "malformed reply"}.wrap("list devices").what ==
        "list devices: malformed reply");
  CHECK(inner.wrap("").what.empty());
}

TEST_CASE("Result holds a value or an error") {
  Result<int> good = 42;
  REQUIRE(good.ok());
  CHECK(*good == 42);

  Result<std::string> bad = Error{ENOENT, "open"};
  REQUIRE_FALSE(bad);
  CHECK(bad.error().code == ENOENT);

  Result<void> done;
  CHECK(done.ok());
  Result<void> failed = Error{EIO, "write"};
  REQUIRE_FALSE(failed.ok());
  const Error taken = std::move(failed).error();
  CHECK(taken.what == "write");
}
