// SPDX-License-Identifier: GPL-2.0-only
#include "cgroup.hpp"

#include <fmt/format.h>
#include <sys/stat.h>

#include <cerrno>
#include <fstream>
#include <sstream>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

namespace nvflush {

namespace fs = std::filesystem;

namespace {

constexpr int kOctalBase = 8;
constexpr std::size_t kOctalEscapeLength = 4;  // backslash and three digits

bool is_octal(char c) { return c >= '0' && c <= '7'; }

// The inode number of a directory, which for cgroupfs is the cgroup id.
Result<std::uint64_t> directory_inode(const fs::path& dir) {
  struct stat st {};
  if (::stat(dir.c_str(), &st) != 0) {
    return Error{errno, fmt::format("cgroup '{}'", dir.string())};
  }
  if (!S_ISDIR(st.st_mode)) {
    return Error{ENOTDIR, fmt::format("cgroup '{}'", dir.string())};
  }
  return static_cast<std::uint64_t>(st.st_ino);
}

}  // namespace

std::string unescape_mount_field(std::string_view field) {
  std::string out;
  out.reserve(field.size());
  for (std::size_t i = 0; i < field.size(); ++i) {
    if (field[i] == '\\' && i + kOctalEscapeLength <= field.size() && is_octal(field[i + 1]) &&
        is_octal(field[i + 2]) && is_octal(field[i + 3])) {
      const int value = ((field[i + 1] - '0') * kOctalBase + (field[i + 2] - '0')) * kOctalBase +
                        (field[i + 3] - '0');
      out.push_back(static_cast<char>(value));
      i += kOctalEscapeLength - 1;
    } else {
      out.push_back(field[i]);
    }
  }
  return out;
}

std::optional<fs::path> find_cgroup2_mount(std::istream& mounts) {
  std::string line;
  while (std::getline(mounts, line)) {
    std::istringstream fields(line);
    std::string source;
    std::string target;
    std::string type;
    if (fields >> source >> target >> type && type == "cgroup2") {
      return fs::path(unescape_mount_field(target));
    }
  }
  return std::nullopt;
}

std::optional<fs::path> find_cgroup2_mount() {
  std::ifstream mounts("/proc/self/mounts");
  if (!mounts) {
    return std::nullopt;
  }
  return find_cgroup2_mount(mounts);
}

CgroupTree::CgroupTree(std::optional<fs::path> root) : root_(std::move(root)) {}

CgroupTree CgroupTree::system() { return CgroupTree(find_cgroup2_mount()); }

Result<std::uint64_t> CgroupTree::id_of(const fs::path& cgroup) const {
  if (!root_) {
    return Error{ENOENT, fmt::format("cgroup '{}'", cgroup.string()),
                 "no cgroup2 file system is mounted"};
  }
  const fs::path under_root = cgroup.lexically_relative(*root_);
  const bool full_path =
      cgroup.is_absolute() && !under_root.empty() && *under_root.begin() != fs::path("..");
  return directory_inode(full_path ? cgroup : *root_ / cgroup.relative_path());
}

std::string CgroupTree::relative_path(const fs::path& cgroup) const {
  fs::path under = cgroup.relative_path();
  if (root_ && cgroup.is_absolute()) {
    const fs::path under_root = cgroup.lexically_relative(*root_);
    if (!under_root.empty() && *under_root.begin() != fs::path("..")) {
      under = under_root;
    }
  }
  std::string path = (fs::path("/") / under).lexically_normal().generic_string();
  while (path.size() > 1 && path.back() == '/') {
    path.pop_back();
  }
  return path;
}

void CgroupTree::scan() {
  paths_.emplace();
  if (!root_) {
    return;
  }
  auto root_id = directory_inode(*root_);
  if (!root_id) {
    return;
  }
  paths_->emplace(*root_id, "/");

  // Cgroups come and go while we walk; whatever cannot be read is skipped.
  std::vector<fs::path> pending{*root_};
  while (!pending.empty()) {
    const fs::path dir = std::move(pending.back());
    pending.pop_back();
    std::error_code ec;
    for (fs::directory_iterator it(dir, fs::directory_options::skip_permission_denied, ec), end;
         !ec && it != end; it.increment(ec)) {
      std::error_code type_ec;
      if (!it->is_directory(type_ec) || it->is_symlink(type_ec)) {
        continue;
      }
      if (auto id = directory_inode(it->path())) {
        paths_->emplace(*id, "/" + it->path().lexically_relative(*root_).generic_string());
        pending.push_back(it->path());
      }
    }
  }
}

std::optional<std::string> CgroupTree::path_of(std::uint64_t id) {
  if (!paths_) {
    scan();
  }
  if (auto found = paths_->find(id); found != paths_->end()) {
    return found->second;
  }
  return std::nullopt;
}

}  // namespace nvflush
