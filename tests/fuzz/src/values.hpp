// SPDX-License-Identifier: GPL-2.0-only
//
// The seeded random source of the fuzzer and the values requests carry:
// real names and paths it was given, well-formed ones that name nothing,
// garbage, and the boundary values of every numeric setting.
#pragma once

#include <cstdint>
#include <random>
#include <span>
#include <string>
#include <vector>

#include "family.hpp"
#include "wire.hpp"

namespace nvflush::fuzz {

// Everything random derives from one of these: a seed replays a run.
// Draws are defined by std::mt19937_64 alone (no distribution classes),
// so a seed gives the same sequence with every standard library.
class Rng {
 public:
  explicit Rng(std::uint64_t seed) : engine_(seed) {}

  std::uint64_t next() { return engine_(); }
  // Uniform in [0, n); n > 0.
  std::uint64_t below(std::uint64_t n) { return engine_() % n; }
  // Uniform in [lo, hi].
  std::uint64_t between(std::uint64_t lo, std::uint64_t hi) { return lo + below(hi - lo + 1); }
  // True `percent` times in 100.
  bool chance(unsigned percent) { return below(100) < percent; }
  template <typename T>
  const T& pick(std::span<const T> items) {
    return items[below(items.size())];
  }
  template <typename T>
  const T& pick(const std::vector<T>& items) {
    return items[below(items.size())];
  }
  Buffer bytes(std::size_t n);
  // n characters of [a-z0-9].
  std::string alnum(std::size_t n);
  // n bytes in 1..255 (no NUL).
  std::string nonzero_bytes(std::size_t n);

 private:
  std::mt19937_64 engine_;
};

// The real objects the fuzzer may name.
struct Targets {
  std::vector<std::string> origins;       // block devices dev-create may use as origin
  std::vector<std::string> nvms;          // and as NVM
  std::string race_device;                // created and destroyed by someone else
  std::vector<std::string> keep_devices;  // may be read and changed, never destroyed
  std::vector<std::string> pool_devices;  // names the fuzzer itself creates
  std::vector<std::string> cgroup_paths;  // existing cgroups ("/" and more)
  std::vector<std::uint64_t> cgroup_ids;  // their ids
};

// What a device name is for.
enum class NameUse : std::uint8_t {
  kCreate,   // only the race and pool devices (or garbage): nothing else is created
  kDestroy,  // never one of the keep devices
  kOther,
};

// A device name: a real one, a well-formed one that names no device (not
// for kCreate), or garbage.
std::string device_name(Rng& rng, const Targets& targets, NameUse use);
// A name that is not well formed (empty, too long, bad characters, bytes).
std::string garbage_name(Rng& rng);
// An origin or NVM path: one of the targets' block devices, or a path that
// is no block device.
std::string block_path(Rng& rng, const Targets& targets);
std::string garbage_path(Rng& rng);
std::string cgroup_path(Rng& rng, const Targets& targets);
std::uint64_t cgroup_id(Rng& rng, const Targets& targets);

// A value the spec allows for `domain`.
std::uint64_t valid_number(Rng& rng, Domain domain);
// Extreme and out-of-range values of `domain`: 0, the largest value of its
// type, negative numbers as unsigned, the limits and one past them.
std::span<const std::uint64_t> boundary_numbers(Domain domain);

// The longest name the kernel takes, without the NUL.
inline constexpr std::size_t kMaxNameLen = NVFLUSH_NAME_LEN - 1;

}  // namespace nvflush::fuzz
