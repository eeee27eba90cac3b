// The manual page and the bash completion (doc/) keep in step with the
// command line: every flag `flecto-agent --help` and `flecto-agent match
// --help` list has an entry in the man page and is offered by the
// completion, and neither has one for a flag the CLI does not know
// (issue 13).

#include <catch2/catch.hpp>

#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <string>

#include "install/run_command.hpp"

using flecto::test::run_command;
using Flags = std::set<std::string>;

namespace {

const std::string kDocDir = FLECTO_TEST_DATA_DIR "/../../doc";

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  REQUIRE(in);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// The flags the man page has an entry for: the tag of a tagged paragraph,
// the line after ".TP" (".BI \-\-config " FILE"").
Flags man_page_entries(const std::string& roff) {
  static const std::regex tag(R"(^\.BI? +(\\-\\-[a-z][a-z0-9\\-]*))");
  Flags flags;
  std::istringstream lines(roff);
  std::string previous;
  for (std::string line; std::getline(lines, line); previous = line) {
    std::smatch m;
    if (previous != ".TP" || !std::regex_search(line, m, tag)) continue;
    // roff writes a dash as "\-".
    flags.insert(std::regex_replace(m[1].str(), std::regex(R"(\\-)"), "-"));
  }
  return flags;
}

// The long flags of the option lines of CLI11's help ("  --config TEXT ...",
// "  -h,--help ..."), so that flags named in the descriptions do not count.
Flags help_flags(const std::string& arguments) {
  const auto help = run_command(std::string(FLECTO_AGENT_BINARY) + " " + arguments);
  INFO(help.output);
  REQUIRE(help.exit_status == 0);
  static const std::regex option_line(R"(^\s+(-[a-z],)?(--[a-z][a-z0-9-]*))");
  Flags flags;
  std::istringstream lines(help.output);
  for (std::string line; std::getline(lines, line);) {
    std::smatch m;
    if (std::regex_search(line, m, option_line)) flags.insert(m[2].str());
  }
  return flags;
}

// The words of `name="..."` in the completion script.
Flags completion_list(const std::string& script, const std::string& name) {
  const auto start = script.find(name + "=\"");
  REQUIRE(start != std::string::npos);
  const auto open = start + name.size() + 2;
  const auto close = script.find('"', open);
  REQUIRE(close != std::string::npos);
  std::istringstream words(script.substr(open, close - open));
  Flags flags;
  for (std::string word; words >> word;) flags.insert(word);
  return flags;
}

}  // namespace

TEST_CASE("cli docs: the man page and the bash completion name every flag, and only those", "[install]") {
  const Flags agent = help_flags("--help");
  const Flags match = help_flags("match --help");
  // Sanity: the option lines were read (each setting is a flag).
  REQUIRE(agent.size() >= 25);
  REQUIRE(agent.count("--config") == 1);
  REQUIRE(match.count("--rules") == 1);
  Flags all = agent;
  all.insert(match.begin(), match.end());

  SECTION("the man page, flecto-agent(8)") {
    CHECK(man_page_entries(read_file(kDocDir + "/flecto-agent.8")) == all);
  }
  SECTION("the bash completion") {
    const std::string script = read_file(kDocDir + "/flecto-agent.bash-completion");
    CHECK(completion_list(script, "agent_flags") == agent);
    CHECK(completion_list(script, "match_flags") == match);
  }
}
