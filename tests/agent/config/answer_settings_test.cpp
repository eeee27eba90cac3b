// The settings of the edge's answers for caches and browsers: the three
// Cache-Control values, query_fallback and query_preserve (config.hpp):
// defaults, sources, refusals, --print-config, and what a reload keeps.
#include <catch2/catch.hpp>

#include <cstdlib>
#include <string>

#include <toml++/toml.h>

#include "agent/config/header_value.hpp"
#include "agent/config/loader.hpp"
#include "agent/config/print_config.hpp"
#include "agent/service/reload.hpp"
#include "support/temp_dir.hpp"

using flecto::Config;
using flecto::ConfigError;
using flecto::ConfigSources;
using flecto::load_config;
using flecto::RunMode;
using flecto::test::TempDir;

namespace {

ConfigSources rules_flags() {
  unsetenv("CREDENTIALS_DIRECTORY");
  ConfigSources s;
  s.flags = {{"rules", "/nonexistent/rules.json"}, {"agent_name", "edge-1"}};
  return s;
}

std::vector<std::string> problems_of(const ConfigSources& sources) {
  try {
    load_config(sources, RunMode::kDaemon);
  } catch (const ConfigError& e) {
    return e.problems();
  }
  return {};
}

}  // namespace

TEST_CASE("answer settings: off and empty by default", "[config][answer]") {
  const Config config = load_config(rules_flags(), RunMode::kDaemon);
  CHECK(config.permanent_redirect_cache_control.empty());
  CHECK(config.temporary_redirect_cache_control.empty());
  CHECK(config.page_cache_control.empty());
  CHECK_FALSE(config.query_fallback);
  CHECK_FALSE(config.query_preserve);
  CHECK(config.warnings.empty());
}

TEST_CASE("answer settings: from the file, the environment and flags", "[config][answer]") {
  TempDir dir;
  ConfigSources s = rules_flags();
  s.config_file = dir.write("agent.toml",
                            "permanent_redirect_cache_control = \"max-age=3600\"\n"
                            "temporary_redirect_cache_control = \"no-store\"\n"
                            "page_cache_control = \"public, max-age=300\"\n"
                            "query_fallback = true\n");
  s.environment = {{"page_cache_control", "max-age=60"}};
  s.flags["query_preserve"] = "true";
  const Config config = load_config(s, RunMode::kDaemon);
  CHECK(config.permanent_redirect_cache_control == "max-age=3600");
  CHECK(config.temporary_redirect_cache_control == "no-store");
  CHECK(config.page_cache_control == "max-age=60");
  CHECK(config.query_fallback);
  CHECK(config.query_preserve);
  CHECK(config.warnings.empty());
}

TEST_CASE("answer settings: a Cache-Control value that is not a header value is refused by name",
          "[config][answer]") {
  ConfigSources s = rules_flags();
  s.flags["permanent_redirect_cache_control"] = "max-age=3600\r\nSet-Cookie: x=1";
  s.flags["temporary_redirect_cache_control"] = "no-store\n";
  s.flags["page_cache_control"] = "max-age=\xC3\xA9";
  const auto problems = problems_of(s);
  REQUIRE(problems.size() == 3);
  CHECK(problems[0] ==
        "permanent_redirect_cache_control: byte 13 is a control character (0x0d): a header value holds printable "
        "ASCII only");
  CHECK(problems[1] ==
        "temporary_redirect_cache_control: byte 9 is a control character (0x0a): a header value holds printable "
        "ASCII only");
  CHECK(problems[2] == "page_cache_control: byte 9 is not ASCII (0xc3): a header value holds printable ASCII only");

  ConfigSources spaced = rules_flags();
  spaced.flags["page_cache_control"] = " max-age=1";
  REQUIRE(problems_of(spaced).size() == 1);
  CHECK(problems_of(spaced)[0] == "page_cache_control: white space at the start or end of \" max-age=1\"");
  ConfigSources tab = rules_flags();
  tab.flags["page_cache_control"] = "max-age=1,\tpublic";
  CHECK(problems_of(tab).size() == 1);
  ConfigSources huge = rules_flags();
  huge.flags["page_cache_control"] = std::string(1025, 'a');
  REQUIRE(problems_of(huge).size() == 1);
  CHECK(problems_of(huge)[0] == "page_cache_control: 1025 bytes: a header value here is at most 1024");
  CHECK(flecto::header_value_problem(std::string(1024, 'a')).empty());
  CHECK(flecto::header_value_problem("").empty());
}

TEST_CASE("answer settings: the query settings are booleans, and preserve alone is warned about",
          "[config][answer]") {
  ConfigSources bad = rules_flags();
  bad.flags["query_fallback"] = "sometimes";
  REQUIRE(problems_of(bad).size() == 1);
  CHECK(problems_of(bad)[0] == "query_fallback: expected true or false, got \"sometimes\"");
  ConfigSources alone = rules_flags();
  alone.flags["query_preserve"] = "true";
  const Config config = load_config(alone, RunMode::kDaemon);
  CHECK(config.query_preserve);
  REQUIRE(config.warnings.size() == 1);
  CHECK(config.warnings[0] == "query_preserve: ignored: it applies to what query_fallback finds, which is off");
}

TEST_CASE("answer settings: --print-config shows them", "[config][answer]") {
  ConfigSources s = rules_flags();
  s.flags["permanent_redirect_cache_control"] = "max-age=3600";
  s.flags["query_fallback"] = "true";
  const std::string text = flecto::render_config_toml(load_config(s, RunMode::kDaemon));
  INFO(text);
  const toml::table parsed = toml::parse(text);
  CHECK(parsed["permanent_redirect_cache_control"].value_or(std::string("?")) == "max-age=3600");
  CHECK(parsed["temporary_redirect_cache_control"].value_or(std::string("?")).empty());
  CHECK(parsed["page_cache_control"].value_or(std::string("?")).empty());
  CHECK(parsed["query_fallback"].value_or(false) == true);
  CHECK(parsed["query_preserve"].value_or(true) == false);
}

TEST_CASE("answer settings: a reload keeps them until a restart, and says so", "[config][answer][reload]") {
  Config running;
  running.page_cache_control = "max-age=60";
  Config next = running;
  next.page_cache_control = "max-age=120";
  next.permanent_redirect_cache_control = "max-age=3600";
  next.query_fallback = true;
  const auto notes = flecto::keep_restart_only_settings(running, next);
  REQUIRE(notes.size() == 3);
  CHECK(notes[0] == "permanent_redirect_cache_control: \"\" -> max-age=3600 needs a restart; keeping \"\"");
  CHECK(notes[1] == "page_cache_control: max-age=60 -> max-age=120 needs a restart; keeping max-age=60");
  CHECK(notes[2] == "query_fallback: false -> true needs a restart; keeping false");
  CHECK(next.page_cache_control == "max-age=60");
  CHECK(next.permanent_redirect_cache_control.empty());
  CHECK_FALSE(next.query_fallback);
}
