// The settings of issue 14: on_invalid_rules, and the Traefik middleware's
// keys (debug, redirects_limit, pages_limit) next to ours, at the top level
// and in [[host_configs]] entries.

#include <catch2/catch.hpp>

#include <cstdlib>
#include <string>
#include <vector>

#include <toml++/toml.h>

#include "agent/config/loader.hpp"
#include "agent/config/print_config.hpp"
#include "agent/text/join.hpp"
#include "support/temp_dir.hpp"

using flecto::Config;
using flecto::ConfigError;
using flecto::ConfigSources;
using flecto::InvalidRules;
using flecto::ListingLimits;
using flecto::load_config;
using flecto::RunMode;
using flecto::test::TempDir;

namespace {

constexpr const char* kRoot =
    "manager_url = \"https://flecto.example.com\"\n"
    "namespace_code = \"prod\"\n"
    "project_code = \"main\"\n"
    "token_jwt = \"root-token\"\n"
    "agent_name = \"edge-1\"\n";

ConfigSources file(TempDir& dir, const std::string& extra) {
  unsetenv("CREDENTIALS_DIRECTORY");
  ConfigSources s;
  s.config_file = dir.write("agent.toml", std::string(kRoot) + extra);
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

bool has(const std::vector<std::string>& problems, const std::string& wanted) {
  for (const auto& p : problems) {
    if (p == wanted) return true;
  }
  return false;
}

}  // namespace

TEST_CASE("middleware keys: defaults are skip, 2000 for both listings, no debug headers") {
  TempDir dir;
  const Config config = load_config(file(dir, ""), RunMode::kDaemon);
  CHECK(config.on_invalid_rules == InvalidRules::kSkip);
  CHECK(config.listing_limits.redirects == 2000);
  CHECK(config.listing_limits.pages == 2000);
  CHECK_FALSE(config.debug_headers);
}

TEST_CASE("middleware keys: each key alone, in the file") {
  TempDir dir;
  CHECK(load_config(file(dir, "on_invalid_rules = \"reject\"\n"), RunMode::kDaemon).on_invalid_rules ==
        InvalidRules::kReject);
  CHECK(load_config(file(dir, "on_invalid_rules = \"skip\"\n"), RunMode::kDaemon).on_invalid_rules ==
        InvalidRules::kSkip);
  CHECK(load_config(file(dir, "debug = true\n"), RunMode::kDaemon).debug_headers);
  CHECK_FALSE(load_config(file(dir, "debug = false\n"), RunMode::kDaemon).debug_headers);
  CHECK(load_config(file(dir, "redirects_limit = 500\n"), RunMode::kDaemon).listing_limits == ListingLimits(500, 2000));
  CHECK(load_config(file(dir, "pages_limit = 50\n"), RunMode::kDaemon).listing_limits == ListingLimits(2000, 50));
  CHECK(load_config(file(dir, "page_size = 300\n"), RunMode::kDaemon).listing_limits == ListingLimits(300, 300));
  CHECK(load_config(file(dir, "redirects_limit = 700\npages_limit = 70\n"), RunMode::kDaemon).listing_limits ==
        ListingLimits(700, 70));
  // The middleware's 0 is "not set": its default, here ours.
  CHECK(load_config(file(dir, "redirects_limit = 0\npages_limit = 0\n"), RunMode::kDaemon).listing_limits ==
        ListingLimits(2000, 2000));
  CHECK(load_config(file(dir, "page_size = 300\nredirects_limit = 0\n"), RunMode::kDaemon).listing_limits ==
        ListingLimits(300, 300));
}

TEST_CASE("middleware keys: both names with the same value are fine, different values name both") {
  TempDir dir;
  CHECK(load_config(file(dir, "debug = true\ndebug_headers = true\n"), RunMode::kDaemon).debug_headers);
  CHECK(load_config(file(dir, "page_size = 400\nredirects_limit = 400\npages_limit = 400\n"), RunMode::kDaemon)
            .listing_limits == ListingLimits(400));

  CHECK(problems_of(file(dir, "debug = true\ndebug_headers = false\n")) ==
        std::vector<std::string>{"debug = true and debug_headers = false differ: give one of them (debug is the "
                                 "Traefik middleware's name for debug_headers)"});
  CHECK(problems_of(file(dir, "page_size = 1000\nredirects_limit = 500\n")) ==
        std::vector<std::string>{"page_size = 1000 and redirects_limit = 500 differ: give one of them (page_size "
                                 "sets both listings' limits)"});
  const auto both = problems_of(file(dir, "page_size = 1000\nredirects_limit = 500\npages_limit = 50\n"));
  CHECK(both.size() == 2);
  CHECK(has(both, "page_size = 1000 and pages_limit = 50 differ: give one of them (page_size sets both listings' "
                  "limits)"));
  // Within the flags too.
  ConfigSources flags = file(dir, "");
  flags.flags = {{"page_size", "10"}, {"pages_limit", "20"}};
  CHECK(problems_of(flags) == std::vector<std::string>{"page_size = 10 and pages_limit = 20 differ: give one of "
                                                       "them (page_size sets both listings' limits)"});
}

TEST_CASE("middleware keys: precedence applies to the folded names, source by source") {
  TempDir dir;
  ConfigSources s = file(dir, "redirects_limit = 500\npages_limit = 50\ndebug = true\n");
  s.flags = {{"page_size", "77"}};  // a flag beats the file: both limits
  CHECK(load_config(s, RunMode::kDaemon).listing_limits == ListingLimits(77));
  s.flags = {{"redirects_limit", "9"}};
  s.environment = {{"page_size", "33"}, {"debug_headers", "false"}};
  const Config config = load_config(s, RunMode::kDaemon);
  CHECK(config.listing_limits == ListingLimits(9, 33));
  CHECK_FALSE(config.debug_headers);  // the environment's debug_headers beats the file's debug
}

TEST_CASE("middleware keys: bad values get clear messages") {
  TempDir dir;
  CHECK(problems_of(file(dir, "on_invalid_rules = \"refuse\"\n")) ==
        std::vector<std::string>{"on_invalid_rules: expected skip or reject, got \"refuse\""});
  CHECK(problems_of(file(dir, "redirects_limit = -1\n")) ==
        std::vector<std::string>{"redirects_limit: expected a whole number from 1 to 100000, got \"-1\""});
  CHECK(problems_of(file(dir, "pages_limit = 100001\n")) ==
        std::vector<std::string>{"pages_limit: expected a whole number from 1 to 100000, got \"100001\""});
  CHECK(problems_of(file(dir, "page_size = 0\n")) ==
        std::vector<std::string>{"page_size: expected a whole number from 1 to 100000, got \"0\""});
  CHECK(problems_of(file(dir, "debug = \"maybe\"\n")) ==
        std::vector<std::string>{"debug_headers: expected true or false, got \"maybe\""});
  ConfigSources s = file(dir, "");
  s.environment = {{"on_invalid_rules", "REJECT"}};
  CHECK(problems_of(s) == std::vector<std::string>{"on_invalid_rules: expected skip or reject, got \"REJECT\""});
}

TEST_CASE("middleware keys: debug is the file's only, not a flag or a variable") {
  // No --debug flag, no FLECTO_DEBUG variable: they come from setting_specs().
  for (const auto& spec : flecto::setting_specs()) CHECK(std::string(spec.name) != "debug");
  setenv("FLECTO_DEBUG", "true", 1);
  CHECK(flecto::settings_from_environment().count("debug") == 0);
  unsetenv("FLECTO_DEBUG");
}

TEST_CASE("middleware keys: host_configs entries override the limits and on_invalid_rules") {
  TempDir dir;
  const Config config = load_config(
      file(dir, "redirects_limit = 600\non_invalid_rules = \"reject\"\n"
                "[[host_configs]]\nhosts = [\"a.example\"]\nproject_code = \"a\"\n"
                "[[host_configs]]\nhosts = [\"b.example\"]\nproject_code = \"b\"\npages_limit = 40\n"
                "on_invalid_rules = \"skip\"\n"
                "[[host_configs]]\nhosts = [\"c.example\"]\nproject_code = \"c\"\npage_size = 25\n"
                "[[host_configs]]\nhosts = [\"d.example\"]\nproject_code = \"d\"\nredirects_limit = 0\n"),
      RunMode::kDaemon);
  REQUIRE(config.host_configs.size() == 4);
  CHECK(config.host_configs[0].listing_limits == ListingLimits(600, 2000));  // inherited
  CHECK(config.host_configs[0].on_invalid_rules == InvalidRules::kReject);
  CHECK(config.host_configs[1].listing_limits == ListingLimits(600, 40));
  CHECK(config.host_configs[1].on_invalid_rules == InvalidRules::kSkip);
  CHECK(config.host_configs[2].listing_limits == ListingLimits(25));  // page_size overrides both
  CHECK(config.host_configs[3].listing_limits == ListingLimits(600, 2000));  // 0: not set
}

TEST_CASE("middleware keys: host_configs conflicts and bad values are named by entry") {
  TempDir dir;
  const auto problems = problems_of(
      file(dir, "[[host_configs]]\nhosts = [\"a.example\"]\nproject_code = \"a\"\npage_size = 10\npages_limit = 11\n"
                "[[host_configs]]\nhosts = [\"b.example\"]\nproject_code = \"b\"\nredirects_limit = \"many\"\n"
                "[[host_configs]]\nhosts = [\"c.example\"]\nproject_code = \"c\"\non_invalid_rules = \"drop\"\n"
                "[[host_configs]]\nhosts = [\"d.example\"]\nproject_code = \"d\"\npages_limit = true\n"
                "[[host_configs]]\nhosts = [\"e.example\"]\nproject_code = \"e\"\ndebug = true\n"));
  INFO(flecto::join(problems, "\n"));
  CHECK(has(problems, "host_configs[0]: page_size = 10 and pages_limit = 11 differ: give one of them (page_size "
                      "sets both listings' limits)"));
  CHECK(has(problems, "host_configs[1].redirects_limit: expected a whole number from 1 to 100000, got \"many\""));
  CHECK(has(problems, "host_configs[2].on_invalid_rules: expected skip or reject, got \"drop\""));
  CHECK(has(problems, "host_configs[3].pages_limit: expected a whole number"));
  CHECK(has(problems, "host_configs[4].debug: unknown key"));  // the middleware has no per-host debug either
}

TEST_CASE("middleware keys: entries of one project must agree on the limits and on_invalid_rules") {
  TempDir dir;
  const auto problems = problems_of(
      file(dir, "[[host_configs]]\nhosts = [\"a.example\"]\nproject_code = \"main\"\npages_limit = 5\n"
                "on_invalid_rules = \"reject\"\n"));
  CHECK(problems == std::vector<std::string>{
                        "host_configs[0]: the same project as the top level (manager_url, namespace_code and "
                        "project_code) with another pages_limit, on_invalid_rules: the entries of one project share "
                        "one sync, so they must agree"});
}

TEST_CASE("middleware keys: print_config shows the final values, and its output loads again") {
  TempDir dir;
  const Config config = load_config(
      file(dir, "redirects_limit = 600\ndebug = true\non_invalid_rules = \"reject\"\n"
                "[[host_configs]]\nhosts = [\"b.example\"]\nproject_code = \"b\"\npage_size = 40\n"),
      RunMode::kDaemon);
  const std::string text = flecto::render_config_toml(config);
  INFO(text);
  const toml::table parsed = toml::parse(text);
  CHECK_FALSE(parsed.contains("page_size"));  // the limits differ: a comment says so
  CHECK(text.find("# page_size: not shown, redirects_limit and pages_limit differ\n") != std::string::npos);
  CHECK(parsed["redirects_limit"].value_or(0) == 600);
  CHECK(parsed["pages_limit"].value_or(0) == 2000);
  CHECK(parsed["on_invalid_rules"].value_or(std::string()) == "reject");
  CHECK(parsed["debug_headers"].value_or(false));
  const toml::table& entry = *parsed["host_configs"].as_array()->get(0)->as_table();
  CHECK(entry["page_size"].value_or(0) == 40);
  CHECK(entry["redirects_limit"].value_or(0) == 40);
  CHECK(entry["pages_limit"].value_or(0) == 40);
  CHECK(entry["on_invalid_rules"].value_or(std::string()) == "reject");  // inherited

  // What it prints loads to the same values (tokens aside).
  std::string again = text;
  again.replace(again.find("token = \"(set)\""), std::string("token = \"(set)\"").size(), "token_jwt = \"t\"");
  while (again.find("token = \"(set)\"") != std::string::npos) {
    again.replace(again.find("token = \"(set)\""), std::string("token = \"(set)\"").size(), "");
  }
  ConfigSources s;
  s.config_file = dir.write("again.toml", again);
  const Config reloaded = load_config(s, RunMode::kDaemon);
  CHECK(reloaded.listing_limits == config.listing_limits);
  CHECK(reloaded.on_invalid_rules == config.on_invalid_rules);
  REQUIRE(reloaded.host_configs.size() == 1);
  CHECK(reloaded.host_configs[0].listing_limits == ListingLimits(40));
}
