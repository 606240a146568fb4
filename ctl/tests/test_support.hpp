// SPDX-License-Identifier: GPL-2.0-only
//
// Helpers for the unit tests: hand-building netlink messages as bytes, and
// scratch directories.
#pragma once

#include <catch2/catch.hpp>
#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <linux/nvflush.h>
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

// The NVM UUID of sample_device(..., index): its last two digits are the
// index (below 100).
inline std::string sample_uuid(std::uint32_t index) {
  const std::string digits = std::to_string(index % 100);
  return "6b1d2c3e-8f90-4a1b-9c2d-3e4f5a6b7c" + std::string(2 - digits.size(), '0') + digits;
}

// A device as the kernel would describe it: nvflushINDEX over /dev/vdNAME
// and /dev/pmemINDEX, 1 GiB with 1.5 MiB of NVM holding 300 slots, one
// opener; 12 blocks were recovered in 1.234 ms at creation. It absorbs,
// is not degraded, holds 300 dirty blocks, and every counter has its own
// value. The destager runs between 50% and 25% with a 64 MiB/s cap.
inline DevInfo sample_device(const std::string& name, std::uint32_t index) {
  return DevInfo{.name = name,
                 .origin_path = "/dev/vd" + name,
                 .nvm_path = "/dev/pmem" + std::to_string(index),
                 .index = index,
                 .disk_name = "nvflush" + std::to_string(index),
                 .size = 1ULL << 30,
                 .nvm_size = 3ULL << 19,
                 .block_size = 4096,
                 .openers = 1,
                 .nvm_uuid = sample_uuid(index),
                 .nvm_slots = 300,
                 .recovered_blocks = 12,
                 .recovery_usec = 1234,
                 .mode = NVFLUSH_MODE_ABSORB,
                 .degraded = false,
                 .dirty_blocks = 300,
                 .commit_seq = 42,
                 .absorbed_writes = 1000,
                 .absorbed_bytes = 4'096'000,
                 .write_hits = 12,
                 .read_hits = 500,
                 .read_misses = 20,
                 .flushes_absorbed = 30,
                 .origin_flushes = 2,
                 .origin_flushes_avoided = 28,
                 .commits = 31,
                 .destaged_bytes = 2'867'200,
                 .destage_batches = 7,
                 .destage_writes = 40,
                 .slot_wait_usec = 1500,
                 .destage_backoffs = 3,
                 .destage_throttle_usec = 12'500,
                 .high_watermark = 50,
                 .low_watermark = 25,
                 .destage_rate = 64ULL << 20,
                 .root_sync = NVFLUSH_ROOT_SYNC_ABSORB};
}

// The policy of cgroup `path` (id `id`) on device `dev`: absorb with a
// 256 MiB cap, throttle, weight 100, not stale, 4 KiB dirty.
inline PolicyInfo sample_policy(const std::string& dev, const std::string& path, std::uint64_t id) {
  return PolicyInfo{.dev_name = dev,
                    .cgroup_path = path,
                    .cgroup_id = id,
                    .mode = NVFLUSH_MODE_ABSORB,
                    .max_dirty = 256ULL << 20,
                    .on_full = NVFLUSH_ON_FULL_THROTTLE,
                    .weight = 100,
                    .stale = false,
                    .dirty_bytes = 4096};
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
    if (dropped_ != 0 && type == dropped_) {
      return *this;
    }
    nlattr header{};
    header.nla_type = type;
    header.nla_len =
        static_cast<std::uint16_t>(declared_len != 0 ? declared_len : NLA_HDRLEN + len);
    const auto* bytes = static_cast<const std::byte*>(static_cast<const void*>(&header));
    bytes_.insert(bytes_.end(), bytes, bytes + sizeof(header));
    return append(data, len);
  }

  MessageBuilder& u8(std::uint16_t type, std::uint8_t value) {
    return attr(type, &value, sizeof(value));
  }
  MessageBuilder& u32(std::uint16_t type, std::uint32_t value) {
    return attr(type, &value, sizeof(value));
  }
  MessageBuilder& u64(std::uint16_t type, std::uint64_t value) {
    return attr(type, &value, sizeof(value));
  }
  // A u64 the way nla_put_u64_64bit() puts it: preceded by an empty `pad`
  // attribute when that is needed to align the value to 8 bytes.
  MessageBuilder& u64_aligned(std::uint16_t type, std::uint64_t value, std::uint16_t pad) {
    if ((bytes_.size() + NLA_HDRLEN) % sizeof(value) != 0) {
      attr(pad, nullptr, 0);
    }
    return u64(type, value);
  }
  // Zero-length, as nla_put_flag() sends it.
  MessageBuilder& flag(std::uint16_t type) { return attr(type, nullptr, 0); }

  // Attributes of `type` added from now on are left out: builds a message
  // that lacks one attribute.
  MessageBuilder& drop(std::uint16_t type) {
    dropped_ = type;
    return *this;
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
  std::uint16_t dropped_ = 0;  // 0: none
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
