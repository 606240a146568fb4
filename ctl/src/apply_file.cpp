// SPDX-License-Identifier: GPL-2.0-only
#include "apply_file.hpp"

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>
#include <utility>

#include "settings.hpp"
#include "units.hpp"

namespace nvflush {

namespace {

constexpr std::array<std::string_view, 1> kFileKeys{"devices"};
constexpr std::array<std::string_view, 10> kDeviceKeys{
    "name",           "origin",        "nvm",          "format",    "mode",
    "high-watermark", "low-watermark", "destage-rate", "root-sync", "policies"};
constexpr std::array<std::string_view, 3> kDeviceRequired{"name", "origin", "nvm"};
constexpr std::array<std::string_view, 5> kPolicyKeys{"cgroup", "mode", "max-dirty", "on-full",
                                                      "weight"};
constexpr std::array<std::string_view, 1> kPolicyRequired{"cgroup"};

// One key of a map and its value.
struct Entry {
  std::string key;
  YAML::Mark key_mark;
  YAML::Node value;

  // Where the value is, or the key when the value is empty: an empty
  // value has the place of what follows it.
  [[nodiscard]] YAML::Mark mark() const {
    const YAML::Mark mark = value.Mark();
    return mark.is_null() || value.IsNull() ? key_mark : mark;
  }
};

using EntryHandler = std::function<Result<void>(const Entry& entry)>;

class Reader {
 public:
  Reader(const std::string& file_name, const CgroupPathOf& cgroup_path)
      : file_name_(file_name), cgroup_path_(cgroup_path) {}

  Result<std::vector<DesiredDevice>> file(const YAML::Node& root) {
    std::vector<DesiredDevice> devices;
    auto done = entries(root, "the file", kFileKeys, kFileKeys, [&](const Entry& entry) {
      return list(entry, "devices", [&](const YAML::Node& node) -> Result<void> {
        auto dev = device(node);
        if (!dev) {
          return std::move(dev).error();
        }
        devices.push_back(std::move(*dev));
        return {};
      });
    });
    if (!done) {
      return std::move(done).error();
    }
    return devices;
  }

  // "FILE:LINE:COLUMN: KEY: problem"; without a place "FILE: ...", without
  // a key "...: problem".
  [[nodiscard]] Error at(const YAML::Mark& mark, std::string_view key, std::string problem) const {
    std::string where = file_name_;
    if (!mark.is_null()) {
      where += fmt::format(":{}:{}", mark.line + 1, mark.column + 1);
    }
    return Error{0, std::move(where),
                 key.empty() ? std::move(problem) : fmt::format("{}: {}", key, problem)};
  }

 private:
  [[nodiscard]] Error at(const Entry& entry, std::string problem) const {
    return at(entry.mark(), entry.key, std::move(problem));
  }

  // Calls `handle` for each entry of the map `node`, in order. Refuses
  // anything but a map, keys not in `known`, repeated keys and, after all
  // entries, a missing one of `required`.
  template <std::size_t kKnown, std::size_t kRequired>
  Result<void> entries(const YAML::Node& node, std::string_view what,
                       const std::array<std::string_view, kKnown>& known,
                       const std::array<std::string_view, kRequired>& required,
                       const EntryHandler& handle) const {
    if (!node.IsMap()) {
      return at(node.Mark(), "",
                fmt::format("{} must be a map of {}", what, fmt::join(known, ", ")));
    }
    std::map<std::string, YAML::Mark, std::less<>> seen;
    for (auto it = node.begin(); it != node.end(); ++it) {
      const Entry entry{.key = it->first.IsScalar() ? it->first.Scalar() : std::string{},
                        .key_mark = it->first.Mark(),
                        .value = it->second};
      if (std::find(known.begin(), known.end(), entry.key) == known.end()) {
        return at(entry.key_mark, entry.key,
                  fmt::format("unknown key; {} takes {}", what, fmt::join(known, ", ")));
      }
      if (auto [first, inserted] = seen.emplace(entry.key, entry.key_mark); !inserted) {
        return at(entry.key_mark, entry.key,
                  fmt::format("given twice (first on line {})", first->second.line + 1));
      }
      if (auto done = handle(entry); !done) {
        return done;
      }
    }
    for (const std::string_view key : required) {
      if (!seen.contains(key)) {
        return at(node.Mark(), "", fmt::format("{} needs the key '{}'", what, key));
      }
    }
    return {};
  }

  // Calls `handle` for each item of the list `entry`.
  Result<void> list(const Entry& entry, std::string_view of,
                    const std::function<Result<void>(const YAML::Node&)>& handle) const {
    if (!entry.value.IsSequence()) {
      return at(entry, fmt::format("must be a list of {}", of));
    }
    for (const auto& item : entry.value) {
      if (auto done = handle(item); !done) {
        return done;
      }
    }
    return {};
  }

  [[nodiscard]] Result<std::string> scalar(const Entry& entry) const {
    if (!entry.value.IsScalar()) {
      return at(entry, entry.value.IsNull() ? "needs a value" : "must be a single value");
    }
    if (entry.value.Scalar().empty()) {
      return at(entry, "needs a value");
    }
    return entry.value.Scalar();
  }

  // A setting as `parse` reads it.
  template <typename T, typename Parse>
  Result<void> setting(const Entry& entry, Parse parse, std::optional<T>& out) const {
    auto text = scalar(entry);
    if (!text) {
      return std::move(text).error();
    }
    auto parsed = parse(*text);
    if (!parsed) {
      return at(entry, usage_message(parsed.error()));
    }
    out = std::move(parsed).value();
    return {};
  }

  // A string that is not used by another entry of `used` (names, paths).
  Result<void> unique(const Entry& entry, std::string value, const char* what,
                      std::map<std::string, YAML::Mark>& used, std::string& out) const {
    if (auto [first, inserted] = used.emplace(value, entry.mark()); !inserted) {
      return at(entry, fmt::format("{} '{}' is given twice (first on line {})", what, value,
                                   first->second.line + 1));
    }
    out = std::move(value);
    return {};
  }

  Result<void> name(const Entry& entry, DesiredDevice& dev) {
    auto text = scalar(entry);
    if (!text) {
      return std::move(text).error();
    }
    if (auto problem = device_name_problem(*text)) {
      return at(entry, *problem);
    }
    dev.settings.name = *text;
    return unique(entry, std::move(*text), "device", names_, dev.name);
  }

  Result<void> path(const Entry& entry, std::string& out) {
    auto text = scalar(entry);
    if (!text) {
      return std::move(text).error();
    }
    return unique(entry, absolute_device_path(*text), "path", paths_, out);
  }

  Result<void> flag(const Entry& entry, bool& out) const {
    if (!entry.value.IsScalar() || !YAML::convert<bool>::decode(entry.value, out)) {
      return at(entry, "must be true or false");
    }
    return {};
  }

  Result<DesiredDevice> device(const YAML::Node& node) {
    DesiredDevice dev;
    std::optional<YAML::Mark> low_mark;
    auto done = entries(node, "a device", kDeviceKeys, kDeviceRequired, [&](const Entry& entry) {
      const std::string& key = entry.key;
      DevSetRequest& settings = dev.settings;
      if (key == "name") {
        return name(entry, dev);
      }
      if (key == "origin") {
        return path(entry, dev.origin_path);
      }
      if (key == "nvm") {
        return path(entry, dev.nvm_path);
      }
      if (key == "format") {
        return flag(entry, dev.format);
      }
      if (key == "mode") {
        return setting(entry, parse_mode_setting, settings.mode);
      }
      if (key == "high-watermark") {
        return setting(entry, parse_high_watermark, settings.high_watermark);
      }
      if (key == "low-watermark") {
        low_mark = entry.mark();
        return setting(entry, parse_low_watermark, settings.low_watermark);
      }
      if (key == "destage-rate") {
        return setting(entry, parse_rate, settings.destage_rate);
      }
      if (key == "root-sync") {
        return setting(entry, parse_root_sync_setting, settings.root_sync);
      }
      return policies(entry, dev);
    });
    if (!done) {
      return std::move(done).error();
    }
    const DevSetRequest& settings = dev.settings;
    if (settings.high_watermark && settings.low_watermark && low_mark &&
        *settings.low_watermark >= *settings.high_watermark) {
      return at(*low_mark, "low-watermark",
                fmt::format("{}% must be below high-watermark {}%", *settings.low_watermark,
                            *settings.high_watermark));
    }
    for (auto& policy : dev.policies) {
      policy.dev_name = dev.name;
    }
    return dev;
  }

  Result<void> policies(const Entry& entry, DesiredDevice& dev) {
    std::map<std::string, YAML::Mark> cgroups;
    return list(entry, "policies", [&](const YAML::Node& node) {
      PolicySetRequest policy;
      auto done = entries(node, "a policy", kPolicyKeys, kPolicyRequired, [&](const Entry& item) {
        const std::string& key = item.key;
        if (key == "cgroup") {
          auto text = scalar(item);
          if (!text) {
            return Result<void>{std::move(text).error()};
          }
          return unique(item, cgroup_path_(*text), "cgroup", cgroups, policy.cgroup_path);
        }
        if (key == "mode") {
          return setting(item, parse_mode_setting, policy.mode);
        }
        if (key == "max-dirty") {
          return setting(item, parse_size, policy.max_dirty);
        }
        if (key == "on-full") {
          return setting(item, parse_on_full_setting, policy.on_full);
        }
        return setting(item, parse_weight, policy.weight);
      });
      if (done) {
        dev.policies.push_back(std::move(policy));
      }
      return done;
    });
  }

  const std::string& file_name_;
  const CgroupPathOf& cgroup_path_;
  // Device names and paths given so far, with their places.
  std::map<std::string, YAML::Mark> names_;
  std::map<std::string, YAML::Mark> paths_;
};

}  // namespace

Result<std::vector<DesiredDevice>> parse_apply_file(std::string_view text,
                                                    const std::string& file_name,
                                                    const CgroupPathOf& cgroup_path) {
  Reader reader(file_name, cgroup_path);
  try {
    return reader.file(YAML::Load(std::string(text)));
  } catch (const YAML::Exception& e) {
    return reader.at(e.mark, "", e.msg);
  }
}

Result<std::vector<DesiredDevice>> read_apply_file(const std::string& path,
                                                   const CgroupPathOf& cgroup_path) {
  std::ifstream file(path);
  if (!file) {
    return Error{errno, "read " + path};
  }
  std::ostringstream text;
  text << file.rdbuf();
  if (file.bad()) {
    return Error{EIO, "read " + path};
  }
  return parse_apply_file(text.str(), path, cgroup_path);
}

}  // namespace nvflush
