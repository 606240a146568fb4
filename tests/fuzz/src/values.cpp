// SPDX-License-Identifier: GPL-2.0-only
#include "values.hpp"

#include <linux/limits.h>

#include <array>
#include <limits>
#include <string_view>

#include "messages.hpp"

namespace nvflush::fuzz {

namespace {

constexpr std::uint64_t kU32Max = std::numeric_limits<std::uint32_t>::max();
constexpr std::uint64_t kU64Max = std::numeric_limits<std::uint64_t>::max();
constexpr std::uint64_t kU32Sign = std::uint64_t{1} << 31;
constexpr std::uint64_t kU64Sign = std::uint64_t{1} << 63;
// A negative number as the kernel reads it from a u32 attribute.
constexpr std::uint64_t kMinusOne32 = kU32Max;

constexpr std::array<std::uint64_t, 6> kModeBounds{
    0, NVFLUSH_MODE_SYNC_ONLY, NVFLUSH_MODE_SYNC_ONLY + 1, kU32Sign - 1, kU32Sign, kMinusOne32};
constexpr std::array<std::uint64_t, 5> kOnFullBounds{
    0, NVFLUSH_ON_FULL_BYPASS, NVFLUSH_ON_FULL_BYPASS + 1, kU32Sign, kMinusOne32};
constexpr std::array<std::uint64_t, 5> kRootSyncBounds{
    0, NVFLUSH_ROOT_SYNC_FOLLOW, NVFLUSH_ROOT_SYNC_FOLLOW + 1, kU32Sign, kMinusOne32};
constexpr std::array<std::uint64_t, 6> kHighBounds{
    0, kHighWatermarkMin, kHighWatermarkMax, kHighWatermarkMax + 1, kU32Sign, kMinusOne32};
constexpr std::array<std::uint64_t, 5> kLowBounds{0, kLowWatermarkMax, kLowWatermarkMax + 1,
                                                  kU32Sign, kMinusOne32};
constexpr std::array<std::uint64_t, 6> kWeightBounds{
    0, kWeightMin, kWeightMax, kWeightMax + 1, kU32Sign, kMinusOne32};
constexpr std::array<std::uint64_t, 6> kRateBounds{0,        1,      kU32Max + 1, kU64Sign - 1,
                                                   kU64Sign, kU64Max};
constexpr std::array<std::uint64_t, 7> kMaxDirtyBounds{
    0, 1, kNvmSlotBytes - 1, kNvmSlotBytes, kU64Sign, kU64Max - kNvmSlotBytes + 1, kU64Max};
constexpr std::array<std::uint64_t, 6> kCgroupIdBounds{0, 1, 2, kU32Max, kU64Sign, kU64Max};
constexpr std::array<std::uint64_t, 2> kAnyBounds{0, kU64Max};

constexpr std::array<std::string_view, 12> kGarbagePaths{
    "",
    "/",
    "/dev/null",
    "/dev/",
    "/nonexistent/nvflush-fuzz",
    "relative/nvflush-fuzz",
    ".",
    "..",
    "/proc/self/exe",
    "/sys/block",
    "//",
    "/tmp",
};

constexpr std::array<std::string_view, 10> kGarbageCgroups{
    "", "relative", "/nonexistent-nvflush-fuzz", "//", "/../..", "/.", "/..", "/./", "///x", " "};

// Names the kernel refuses. Bytes 0xc0 to 0xff are letters to the kernel's
// isalnum(), 0x80 to 0xbf are not.
constexpr std::array<std::string_view, 10> kBadNames{
    "", "a/b", "../x", "a b", "tab\tname", "\x80\xfe", "dash!", "colon:name", "ctl\x01", "semi;"};

}  // namespace

Buffer Rng::bytes(std::size_t n) {
  Buffer out(n);
  for (auto& b : out) {
    b = static_cast<std::uint8_t>(engine_());
  }
  return out;
}

std::string Rng::alnum(std::size_t n) {
  constexpr std::string_view kChars = "abcdefghijklmnopqrstuvwxyz0123456789";
  std::string out(n, 'a');
  for (char& c : out) {
    c = kChars[below(kChars.size())];
  }
  return out;
}

std::string Rng::nonzero_bytes(std::size_t n) {
  std::string out(n, 'a');
  for (char& c : out) {
    c = static_cast<char>(between(1, 255));
  }
  return out;
}

std::string device_name(Rng& rng, const Targets& targets, NameUse use) {
  const bool for_destroy = use == NameUse::kDestroy;
  switch (rng.below(6)) {
    case 0:
      if (!targets.race_device.empty()) {
        return targets.race_device;
      }
      break;
    case 1:
      if (!targets.pool_devices.empty()) {
        return rng.pick(targets.pool_devices);
      }
      break;
    case 2:
      if (!for_destroy && !targets.keep_devices.empty()) {
        return rng.pick(targets.keep_devices);
      }
      break;
    case 3:
      if (use != NameUse::kCreate) {
        return "nlfz-" + rng.alnum(rng.between(1, kMaxNameLen - 5));
      }
      break;
    case 4:
      return garbage_name(rng);
    default:
      break;
  }
  // The targets again, most requests should reach a device.
  if (!for_destroy && !targets.keep_devices.empty() && rng.chance(50)) {
    return rng.pick(targets.keep_devices);
  }
  if (use == NameUse::kCreate && !targets.pool_devices.empty() && rng.chance(50)) {
    return rng.pick(targets.pool_devices);
  }
  return targets.race_device.empty() ? std::string{"nlfz-race"} : targets.race_device;
}

std::string garbage_name(Rng& rng) {
  switch (rng.below(5)) {
    case 0:
      return std::string{rng.pick(std::span<const std::string_view>{kBadNames})};
    case 1:
      return "z" + rng.alnum(kMaxNameLen);  // one byte too long
    case 2:
      return "z" + rng.alnum(rng.between(kMaxNameLen + 1, 300));
    case 3:  // bytes, the first of them refused
      return std::string(1, static_cast<char>(rng.between(0x80, 0xbf))) +
             rng.nonzero_bytes(rng.between(0, 40));
    default:  // one character the kernel refuses: " !\"#$%&'()*+,"
      return "nlfz" + std::string(1, static_cast<char>(rng.between(0x20, 0x2c)));
  }
}

std::string block_path(Rng& rng, const Targets& targets) {
  const auto roll = static_cast<unsigned>(rng.below(10));
  if (roll < 4 && !targets.origins.empty()) {
    return rng.pick(targets.origins);
  }
  if (roll < 8 && !targets.nvms.empty()) {
    return rng.pick(targets.nvms);
  }
  return garbage_path(rng);
}

std::string garbage_path(Rng& rng) {
  switch (rng.below(5)) {
    case 0:
      return "/" + std::string(PATH_MAX - 2, 'p');  // the longest path the policy takes
    case 1:
      return "/nonexistent-" + rng.alnum(rng.between(1, 64));
    case 2:
      return "/" + rng.nonzero_bytes(rng.between(1, 64));
    default:
      return std::string{rng.pick(std::span<const std::string_view>{kGarbagePaths})};
  }
}

std::string cgroup_path(Rng& rng, const Targets& targets) {
  const auto roll = static_cast<unsigned>(rng.below(10));
  if (roll < 7 && !targets.cgroup_paths.empty()) {
    return rng.pick(targets.cgroup_paths);
  }
  if (roll < 8) {
    return "/" + std::string(PATH_MAX - 2, 'c');
  }
  if (roll < 9) {
    return "/" + rng.nonzero_bytes(rng.between(1, 64));
  }
  return std::string{rng.pick(std::span<const std::string_view>{kGarbageCgroups})};
}

std::uint64_t cgroup_id(Rng& rng, const Targets& targets) {
  if (!targets.cgroup_ids.empty() && rng.chance(70)) {
    return rng.pick(targets.cgroup_ids);
  }
  return rng.chance(50) ? rng.between(1, 1U << 16) : rng.next();
}

std::uint64_t valid_number(Rng& rng, Domain domain) {
  switch (domain) {
    case Domain::kMode:
      return rng.between(NVFLUSH_MODE_ABSORB, NVFLUSH_MODE_SYNC_ONLY);
    case Domain::kOnFull:
      return rng.between(NVFLUSH_ON_FULL_THROTTLE, NVFLUSH_ON_FULL_BYPASS);
    case Domain::kRootSync:
      return rng.between(NVFLUSH_ROOT_SYNC_ABSORB, NVFLUSH_ROOT_SYNC_FOLLOW);
    case Domain::kHighPct:
      return rng.between(kHighWatermarkMin, kHighWatermarkMax);
    case Domain::kLowPct:
      return rng.between(0, kLowWatermarkMax);
    case Domain::kWeight:
      return rng.between(kWeightMin, kWeightMax);
    case Domain::kRate:
      return rng.chance(30) ? 0 : rng.between(1, std::uint64_t{1} << 32);
    case Domain::kMaxDirty:
      return rng.chance(20) ? 0 : kNvmSlotBytes * rng.between(1, std::uint64_t{1} << 20);
    default:
      return rng.next();
  }
}

std::span<const std::uint64_t> boundary_numbers(Domain domain) {
  switch (domain) {
    case Domain::kMode:
      return kModeBounds;
    case Domain::kOnFull:
      return kOnFullBounds;
    case Domain::kRootSync:
      return kRootSyncBounds;
    case Domain::kHighPct:
      return kHighBounds;
    case Domain::kLowPct:
      return kLowBounds;
    case Domain::kWeight:
      return kWeightBounds;
    case Domain::kRate:
      return kRateBounds;
    case Domain::kMaxDirty:
      return kMaxDirtyBounds;
    case Domain::kCgroupId:
      return kCgroupIdBounds;
    default:
      return kAnyBounds;
  }
}

}  // namespace nvflush::fuzz
