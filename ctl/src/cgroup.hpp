// SPDX-License-Identifier: GPL-2.0-only
//
// cgroup v2 ids and paths. The kernel reports the writer of an I/O by its
// cgroup id, which is the inode number of the cgroup's directory in the
// cgroup2 file system; the root cgroup is 1. Paths are shown relative to the
// cgroup2 mount point, the root cgroup as "/".
#pragma once

#include <cstdint>
#include <filesystem>
#include <istream>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "result.hpp"

namespace nvflush {

// The mount point of the first cgroup2 file system in a mounts(5) table
// such as /proc/self/mounts, with its octal escapes (\040 etc.) undone.
std::optional<std::filesystem::path> find_cgroup2_mount(std::istream& mounts);

// The same, read from /proc/self/mounts.
std::optional<std::filesystem::path> find_cgroup2_mount();

// Undoes the octal escapes of a mounts(5) field: "a\040b" is "a b".
std::string unescape_mount_field(std::string_view field);

class CgroupTree {
 public:
  // `root` is the cgroup2 mount point (or, in tests, any directory tree
  // standing in for it); nullopt when cgroup2 is not mounted, in which case
  // no id resolves to a path.
  explicit CgroupTree(std::optional<std::filesystem::path> root);

  // The tree of the system's cgroup2 mount, if any.
  static CgroupTree system();

  // The id of a cgroup named either relative to the mount ("/a/b", "a/b")
  // or by its full path (a path under the mount point, e.g.
  // "/sys/fs/cgroup/a/b"). Fails if it is not an existing directory.
  [[nodiscard]] Result<std::uint64_t> id_of(const std::filesystem::path& cgroup) const;

  // The path of a cgroup under the mount, as the kernel takes it ("/a/b",
  // "/" for the root), of a cgroup named as id_of() takes it: a full path
  // under the mount point loses the mount point ("/sys/fs/cgroup/a" is
  // "/a"), any other path is taken as relative to the mount ("a/b" is
  // "/a/b"). Lexically normalized, no trailing "/"; the cgroup need not
  // exist.
  [[nodiscard]] std::string relative_path(const std::filesystem::path& cgroup) const;

  // The path of the cgroup with this id ("/" for the root), or nullopt for
  // an id that has no directory (a removed cgroup). The tree is walked once,
  // at the first call; later calls use that snapshot.
  [[nodiscard]] std::optional<std::string> path_of(std::uint64_t id);

 private:
  void scan();

  std::optional<std::filesystem::path> root_;
  std::optional<std::unordered_map<std::uint64_t, std::string>> paths_;
};

}  // namespace nvflush
