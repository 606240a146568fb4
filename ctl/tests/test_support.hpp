// SPDX-License-Identifier: GPL-2.0-only
//
// Helpers for the unit tests: hand-building netlink messages as bytes, and
// scratch directories.
#pragma once

#include <catch2/catch.hpp>
#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <cstdlib>  // mkdtemp
#include <cstring>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "messages.hpp"

namespace nvflush::test {

// A device as the kernel would describe it: nvflushINDEX over /dev/vdNAME
// and /dev/pmemINDEX, 1 GiB with 1.5 MiB of NVM, one opener.
inline DevInfo sample_device(const std::string& name, std::uint32_t index) {
  return DevInfo{.name = name,
                 .origin_path = "/dev/vd" + name,
                 .nvm_path = "/dev/pmem" + std::to_string(index),
                 .index = index,
                 .disk_name = "nvflush" + std::to_string(index),
                 .size = 1ULL << 30,
                 .nvm_size = 3ULL << 19,
                 .block_size = 4096,
                 .openers = 1};
}

// The inode number of a file, which for a cgroup directory is its id.
inline std::uint64_t inode_of(const std::filesystem::path& path) {
  struct stat st {};
  REQUIRE(::stat(path.c_str(), &st) == 0);
  return st.st_ino;
}

// Builds one netlink message byte by byte, the way the kernel lays it out:
// header, payload, attributes, each padded to 4 bytes.
class MessageBuilder {
 public:
  explicit MessageBuilder(std::uint16_t type, std::uint16_t flags = 0) {
    nlmsghdr header{};
    header.nlmsg_type = type;
    header.nlmsg_flags = flags;
    header.nlmsg_seq = 1;
    append(&header, sizeof(header));
  }

  MessageBuilder& genl(std::uint8_t cmd, std::uint8_t version = 1) {
    genlmsghdr header{};
    header.cmd = cmd;
    header.version = version;
    return append(&header, sizeof(header));
  }

  MessageBuilder& append(const void* data, std::size_t len) {
    const auto* bytes = static_cast<const std::byte*>(data);
    bytes_.insert(bytes_.end(), bytes, bytes + len);
    bytes_.resize(NLMSG_ALIGN(bytes_.size()));
    return *this;
  }

  // An attribute with `len` payload bytes and nla_len `declared_len` (the
  // true length unless a test lies about it).
  MessageBuilder& attr(std::uint16_t type, const void* data, std::size_t len,
                       std::size_t declared_len = 0) {
    nlattr header{};
    header.nla_type = type;
    header.nla_len =
        static_cast<std::uint16_t>(declared_len != 0 ? declared_len : NLA_HDRLEN + len);
    const auto* bytes = static_cast<const std::byte*>(static_cast<const void*>(&header));
    bytes_.insert(bytes_.end(), bytes, bytes + sizeof(header));
    return append(data, len);
  }

  MessageBuilder& u32(std::uint16_t type, std::uint32_t value) {
    return attr(type, &value, sizeof(value));
  }
  MessageBuilder& u64(std::uint16_t type, std::uint64_t value) {
    return attr(type, &value, sizeof(value));
  }
  // With the terminating NUL, as nla_put_string() sends it.
  MessageBuilder& str(std::uint16_t type, std::string_view value) {
    std::string copy(value);
    return attr(type, copy.c_str(), copy.size() + 1);
  }

  // The message with nlmsg_len set to its size (or `declared_len`).
  [[nodiscard]] std::vector<std::byte> finish(std::uint32_t declared_len = 0) const {
    std::vector<std::byte> out = bytes_;
    const std::uint32_t len =
        declared_len != 0 ? declared_len : static_cast<std::uint32_t>(out.size());
    std::memcpy(out.data() + offsetof(nlmsghdr, nlmsg_len), &len, sizeof(len));
    return out;
  }

 private:
  std::vector<std::byte> bytes_;
};

// A fresh directory under $TMPDIR, removed with its contents at scope exit.
class TempDir {
 public:
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "nvflushctl-test.XXXXXX");
    if (mkdtemp(pattern.data()) == nullptr) {
      throw std::system_error(errno, std::generic_category(), "mkdtemp");
    }
    path_ = pattern;
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  TempDir(TempDir&&) = delete;
  TempDir& operator=(TempDir&&) = delete;
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }

  [[nodiscard]] const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

}  // namespace nvflush::test
