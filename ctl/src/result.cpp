// SPDX-License-Identifier: GPL-2.0-only
#include "result.hpp"

#include <cstring>

namespace nvflush {

namespace {

std::string join_context(const std::string& context, const std::string& what) {
  if (what.empty()) {
    return context;
  }
  if (context.empty()) {
    return what;
  }
  return context + ": " + what;
}

}  // namespace

Error Error::wrap(const std::string& context) const& {
  return Error{code, join_context(context, what), detail};
}

Error Error::wrap(const std::string& context) && {
  what = join_context(context, what);
  return std::move(*this);
}

std::string usage_message(const Error& error) {
  return error.detail.empty() ? error.to_string() : error.what + ": " + error.detail;
}

std::string Error::to_string() const {
  std::string text = what;
  auto append = [&text](const std::string& part) {
    if (part.empty()) {
      return;
    }
    if (!text.empty()) {
      text += ": ";
    }
    text += part;
  };
  if (code != 0) {
    append(std::strerror(code));
  }
  append(detail);
  return text;
}

}  // namespace nvflush
