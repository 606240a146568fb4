// SPDX-License-Identifier: GPL-2.0-only
//
// Documentation/nvflushctl.8 describes every command and option that the
// command line has: each command in a subsection (.SS) of its own, which
// names its options and arguments.
#include <catch2/catch.hpp>

#include <fstream>
#include <iterator>
#include <map>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "cli.hpp"

namespace {

// The man page's text with the roff escapes for a minus and for fonts
// undone: "\fB\-\-json\fR" reads "--json".
std::string man_text() {
  std::ifstream file(NVFLUSH_MAN_PAGE);
  REQUIRE(file);
  std::ostringstream text;
  text << file.rdbuf();
  const std::string minus = std::regex_replace(text.str(), std::regex(R"(\\-)"), "-");
  return std::regex_replace(minus, std::regex(R"(\\f[BIRP])"), "");
}

// The text of each section and subsection, by its title: ".SS dev create"
// or ".SS "dev create"".
std::map<std::string, std::string> subsections(const std::string& text) {
  std::map<std::string, std::string> out;
  std::istringstream lines(text);
  std::string* section = nullptr;
  for (std::string line; std::getline(lines, line);) {
    if (line.starts_with(".SS ") || line.starts_with(".SH ")) {
      std::string title = line.substr(4);
      std::erase(title, '"');
      section = &out[title];
    } else if (section != nullptr) {
      *section += line + "\n";
    }
  }
  return out;
}

// The commands that run something ("dev create", "stats"), by path.
void leaves(const CLI::App& app, const std::string& path,
            std::vector<std::pair<std::string, const CLI::App*>>& out) {
  const auto subcommands = app.get_subcommands([](const CLI::App*) { return true; });
  if (subcommands.empty() && !path.empty()) {
    out.emplace_back(path, &app);
  }
  for (const CLI::App* sub : subcommands) {
    leaves(*sub, path.empty() ? sub->get_name() : path + " " + sub->get_name(), out);
  }
}

// How the man page spells each of the option's names: "-f", "--file", "NAME".
std::vector<std::string> spellings(const CLI::Option& option) {
  if (option.get_positional()) {
    return {option.get_name()};
  }
  std::vector<std::string> out;
  for (const auto& name : option.get_snames()) {
    out.push_back("-" + name);
  }
  for (const auto& name : option.get_lnames()) {
    out.push_back("--" + name);
  }
  return out;
}

}  // namespace

TEST_CASE("the man page describes every command and option") {
  std::ostringstream out;
  std::ostringstream err;
  nvflush::Context ctx(out, err);
  const auto app = nvflush::make_app(ctx);
  const std::string text = man_text();
  const auto sections = subsections(text);

  for (const auto& option : app->get_options()) {
    for (const auto& name : spellings(*option)) {
      INFO(name);
      CHECK_THAT(text, Catch::Contains(name));
    }
  }

  std::vector<std::pair<std::string, const CLI::App*>> commands;
  leaves(*app, "", commands);
  CHECK(commands.size() >= 12);
  for (const auto& [path, command] : commands) {
    INFO("command: " << path);
    const auto section = sections.find(path);
    REQUIRE(section != sections.end());
    CHECK_THAT(section->second, Catch::Contains("nvflushctl " + path));
    for (const auto* option : command->get_options()) {
      if (option == command->get_help_ptr()) {
        continue;
      }
      for (const auto& name : spellings(*option)) {
        INFO("option: " << name);
        CHECK_THAT(section->second, Catch::Contains(name));
      }
    }
  }
}
