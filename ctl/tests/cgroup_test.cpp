// SPDX-License-Identifier: GPL-2.0-only
#include "cgroup.hpp"

#include <catch2/catch.hpp>

#include <cerrno>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "test_support.hpp"

namespace fs = std::filesystem;
using nvflush::CgroupTree;
using nvflush::find_cgroup2_mount;
using nvflush::unescape_mount_field;
using nvflush::test::inode_of;
using nvflush::test::TempDir;

namespace {

// root/{a/{b}, c, file}
struct FakeTree {
  TempDir dir;
  fs::path root = dir.path() / "cgroup";

  FakeTree() {
    fs::create_directories(root / "a" / "b");
    fs::create_directories(root / "c");
    std::ofstream(root / "cgroup.procs") << "1\n";
    fs::create_directory_symlink(root / "a", root / "link-to-a");
  }
};

}  // namespace

TEST_CASE("find_cgroup2_mount picks the cgroup2 line of a mount table") {
  std::istringstream mounts(
      "proc /proc proc rw,nosuid 0 0\n"
      "tmpfs /sys/fs/cgroup tmpfs rw 0 0\n"
      "cgroup /sys/fs/cgroup/cpu cgroup rw,cpu 0 0\n"
      "cgroup2 /sys/fs/cgroup/unified cgroup2 rw,nsdelegate 0 0\n"
      "cgroup2 /elsewhere cgroup2 rw 0 0\n");
  const auto mount = find_cgroup2_mount(mounts);
  REQUIRE(mount.has_value());
  CHECK(*mount == "/sys/fs/cgroup/unified");
}

TEST_CASE("find_cgroup2_mount undoes octal escapes and reports absence") {
  std::istringstream escaped("none /mnt/my\\040cgroups cgroup2 rw 0 0\n");
  CHECK(find_cgroup2_mount(escaped) == fs::path("/mnt/my cgroups"));

  std::istringstream v1_only("cgroup /sys/fs/cgroup/cpu cgroup rw,cpu 0 0\n");
  CHECK_FALSE(find_cgroup2_mount(v1_only).has_value());

  std::istringstream empty;
  CHECK_FALSE(find_cgroup2_mount(empty).has_value());
}

TEST_CASE("unescape_mount_field") {
  CHECK(unescape_mount_field("plain") == "plain");
  CHECK(unescape_mount_field("a\\040b\\011c") == "a b\tc");
  CHECK(unescape_mount_field("back\\134slash") == "back\\slash");
  CHECK(unescape_mount_field("short\\04") == "short\\04");
  CHECK(unescape_mount_field("not\\999octal") == "not\\999octal");
}

TEST_CASE("cgroup path to id is the directory inode") {
  FakeTree tree;
  const CgroupTree cgroups(tree.root);

  CHECK(*cgroups.id_of("/") == inode_of(tree.root));
  CHECK(*cgroups.id_of("/a") == inode_of(tree.root / "a"));
  CHECK(*cgroups.id_of("/a/b") == inode_of(tree.root / "a" / "b"));
  CHECK(*cgroups.id_of("a/b") == inode_of(tree.root / "a" / "b"));
  // A full path under the mount point is taken as it is.
  CHECK(*cgroups.id_of(tree.root / "a" / "b") == inode_of(tree.root / "a" / "b"));
  CHECK(*cgroups.id_of(tree.root) == inode_of(tree.root));

  const auto missing = cgroups.id_of("/nope");
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.error().code == ENOENT);
  CHECK(missing.error().what == "cgroup '" + (tree.root / "nope").string() + "'");

  const auto file = cgroups.id_of("/cgroup.procs");
  REQUIRE_FALSE(file.ok());
  CHECK(file.error().code == ENOTDIR);
}

TEST_CASE("cgroup id to path walks the tree") {
  FakeTree tree;
  CgroupTree cgroups(tree.root);

  CHECK(cgroups.path_of(inode_of(tree.root)) == "/");
  CHECK(cgroups.path_of(inode_of(tree.root / "a")) == "/a");
  CHECK(cgroups.path_of(inode_of(tree.root / "a" / "b")) == "/a/b");
  CHECK(cgroups.path_of(inode_of(tree.root / "c")) == "/c");
  // Files are not cgroups; an unknown id has no path.
  CHECK_FALSE(cgroups.path_of(inode_of(tree.root / "cgroup.procs")).has_value());
  CHECK_FALSE(cgroups.path_of(inode_of(tree.dir.path())).has_value());
}

TEST_CASE("cgroup ids round-trip through paths") {
  FakeTree tree;
  CgroupTree cgroups(tree.root);
  for (const char* path : {"/", "/a", "/a/b", "/c"}) {
    INFO(path);
    const auto id = cgroups.id_of(path);
    REQUIRE(id.ok());
    CHECK(cgroups.path_of(*id) == path);
  }
}

TEST_CASE("cgroup id to path uses one snapshot per tree") {
  FakeTree tree;
  CgroupTree cgroups(tree.root);
  const std::uint64_t c_id = inode_of(tree.root / "c");
  REQUIRE(cgroups.path_of(c_id) == "/c");

  fs::create_directory(tree.root / "d");
  fs::remove(tree.root / "c");
  CHECK(cgroups.path_of(c_id) == "/c");
  CHECK_FALSE(cgroups.path_of(inode_of(tree.root / "d")).has_value());

  CgroupTree fresh(tree.root);
  CHECK(fresh.path_of(inode_of(tree.root / "d")) == "/d");
}

TEST_CASE("without a cgroup2 mount nothing resolves") {
  CgroupTree cgroups(std::nullopt);
  CHECK_FALSE(cgroups.path_of(1).has_value());
  const auto id = cgroups.id_of("/a");
  REQUIRE_FALSE(id.ok());
  CHECK(id.error().code == ENOENT);
  CHECK(id.error().detail == "no cgroup2 file system is mounted");
}
