// SPDX-License-Identifier: GPL-2.0-only
//
// Errors as values: Result<T> holds either a T or an Error. Every layer of
// nvflushctl (netlink, message decoding, cgroup lookup, commands) returns
// Result so that failures travel up to main() with their errno and message
// intact, and are printed once, in one format.
#pragma once

#include <cassert>
#include <optional>
#include <string>
#include <utility>
#include <variant>

namespace nvflush {

// What went wrong. `code` is a positive errno value (0 when no errno
// applies), `what` says what was being done ("create d0"), and `detail`
// carries the kernel's extended-ACK message or another explanation.
struct Error {
  int code = 0;
  std::string what;
  std::string detail;

  Error() = default;
  Error(int error_code, std::string what_failed, std::string details = {})
      : code(error_code), what(std::move(what_failed)), detail(std::move(details)) {}

  // Prepends context: Error{ENODEV, "get"}.wrap("stats d0") has what
  // "stats d0: get".
  [[nodiscard]] Error wrap(const std::string& context) const&;
  [[nodiscard]] Error wrap(const std::string& context) &&;

  // "<what>: <strerror(code)>[: <detail>]", parts that are empty left out.
  [[nodiscard]] std::string to_string() const;

  friend bool operator==(const Error&, const Error&) = default;
};

// A parse error as a usage message, without the errno's text: "invalid
// rate '64X': unknown unit 'X'; ...".
std::string usage_message(const Error& error);

template <typename T>
class [[nodiscard]] Result {
 public:
  using value_type = T;

  // Implicit on purpose: `return value;` and `return Error{...};` both work.
  // NOLINTNEXTLINE(google-explicit-constructor,hicpp-explicit-conversions)
  Result(T value) : state_(std::in_place_index<0>, std::move(value)) {}
  // NOLINTNEXTLINE(google-explicit-constructor,hicpp-explicit-conversions)
  Result(Error error) : state_(std::in_place_index<1>, std::move(error)) {}

  [[nodiscard]] bool ok() const noexcept { return state_.index() == 0; }
  explicit operator bool() const noexcept { return ok(); }

  [[nodiscard]] T& value() & {
    assert(ok());
    return std::get<0>(state_);
  }
  [[nodiscard]] const T& value() const& {
    assert(ok());
    return std::get<0>(state_);
  }
  [[nodiscard]] T&& value() && {
    assert(ok());
    return std::get<0>(std::move(state_));
  }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T&& operator*() && { return std::move(*this).value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  [[nodiscard]] const Error& error() const& {
    assert(!ok());
    return std::get<1>(state_);
  }
  [[nodiscard]] Error&& error() && {
    assert(!ok());
    return std::get<1>(std::move(state_));
  }

 private:
  std::variant<T, Error> state_;
};

template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  // NOLINTNEXTLINE(google-explicit-constructor,hicpp-explicit-conversions)
  Result(Error error) : error_(std::move(error)) {}

  [[nodiscard]] bool ok() const noexcept { return !error_.has_value(); }
  explicit operator bool() const noexcept { return ok(); }

  [[nodiscard]] const Error& error() const& {
    assert(!ok());
    return *error_;
  }
  [[nodiscard]] Error&& error() && {
    assert(!ok());
    return std::move(*error_);
  }

 private:
  std::optional<Error> error_;
};

}  // namespace nvflush
