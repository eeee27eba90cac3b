#include <catch2/catch.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "agent/config/loader.hpp"
#include "support/temp_dir.hpp"

namespace fs = std::filesystem;
using flecto::ConfigError;
using flecto::ConfigSources;
using flecto::ListingLimits;
using flecto::load_config;
using flecto::RunMode;
using flecto::test::TempDir;

namespace {

ConfigSources manager_flags() {
  ConfigSources s;
  s.flags = {{"manager_url", "http://127.0.0.1:1"}, {"namespace_code", "ns"},
             {"project_code", "web"}, {"token_jwt", "secret"}, {"agent_name", "edge-1"}};
  return s;
}

std::vector<std::string> problems_of(const ConfigSources& sources, RunMode mode) {
  try {
    load_config(sources, mode);
  } catch (const ConfigError& e) {
    return e.problems();
  }
  return {};
}

}  // namespace

TEST_CASE("config: defaults") {
  unsetenv("STATE_DIRECTORY");
  unsetenv("CREDENTIALS_DIRECTORY");
  auto config = load_config(manager_flags(), RunMode::kDaemon);
  CHECK(config.interval_check == std::chrono::minutes(5));
  CHECK(config.listing_limits == ListingLimits(2000));
  CHECK(config.header_authorization_name == "Authorization");
  CHECK(config.state_dir == "/var/lib/flecto-agent");
  CHECK(config.listen == "127.0.0.1:8080");  // only this host until the operator says otherwise
  CHECK(config.admin_listen == "127.0.0.1:9090");
  CHECK(config.token == "secret");
  CHECK_FALSE(config.debug_headers);
  CHECK(config.edge_threads == 0);  // one event loop per CPU
}

TEST_CASE("config: a flag beats the environment, which beats the file") {
  TempDir dir;
  ConfigSources s = manager_flags();
  s.config_file = dir.write("agent.toml",
                            "interval_check = \"1h\"\npage_size = 100\nlog_level = \"debug\"\n"
                            "listen = \"127.0.0.1:1\"\n");
  s.environment = {{"page_size", "200"}, {"log_level", "warn"}};
  s.flags["log_level"] = "error";
  auto config = load_config(s, RunMode::kDaemon);
  CHECK(config.interval_check == std::chrono::hours(1));  // file
  CHECK(config.listing_limits == ListingLimits(200));                        // environment over file
  CHECK(config.log_level == "error");                     // flag over environment
  CHECK(config.listen == "127.0.0.1:1");
}

TEST_CASE("config: settings may sit under a [flecto-agent] table") {
  TempDir dir;
  ConfigSources s = manager_flags();
  s.config_file = dir.write("agent.toml", "[flecto-agent]\ndebug_headers = true\nregex_memory_mb = 64\n");
  auto config = load_config(s, RunMode::kDaemon);
  CHECK(config.debug_headers);
  CHECK(config.regex_memory_mb == 64);
}

TEST_CASE("config: the environment is read from FLECTO_ variables") {
  setenv("FLECTO_PROJECT_CODE", "shop", 1);
  setenv("FLECTO_INTERVAL_CHECK", "1h30m", 1);
  auto values = flecto::settings_from_environment();
  CHECK(values["project_code"] == "shop");
  CHECK(values["interval_check"] == "1h30m");
  CHECK(values.count("manager_url") == 0);
  unsetenv("FLECTO_PROJECT_CODE");
  unsetenv("FLECTO_INTERVAL_CHECK");
}

TEST_CASE("config: every problem is reported at once, by name") {
  ConfigSources s;
  s.flags = {{"interval_check", "5 minutes"}, {"page_size", "0"}, {"agent_name", "web-1.example.com"},
             {"log_level", "loud"}};
  auto problems = problems_of(s, RunMode::kDaemon);
  auto mentions = [&](const std::string& name) {
    return std::any_of(problems.begin(), problems.end(),
                       [&](const std::string& p) { return p.rfind(name + ":", 0) == 0; });
  };
  CHECK(mentions("interval_check"));
  CHECK(mentions("page_size"));
  CHECK(mentions("agent_name"));
  CHECK(mentions("log_level"));
  CHECK(mentions("manager_url"));
  CHECK(mentions("namespace_code"));
  CHECK(mentions("project_code"));
  CHECK(mentions("token_file"));
}

TEST_CASE("config: edge_threads comes from each source and is checked by name") {
  TempDir dir;
  ConfigSources s = manager_flags();
  s.config_file = dir.write("agent.toml", "edge_threads = 3\n");
  CHECK(load_config(s, RunMode::kDaemon).edge_threads == 3);
  s.environment = {{"edge_threads", "5"}};
  CHECK(load_config(s, RunMode::kDaemon).edge_threads == 5);
  s.flags["edge_threads"] = "256";
  CHECK(load_config(s, RunMode::kDaemon).edge_threads == 256);
  for (const char* bad : {"0", "257", "-1", "four", "2.5", ""}) {
    INFO(bad);
    s.flags["edge_threads"] = bad;
    const auto problems = problems_of(s, RunMode::kDaemon);
    REQUIRE(problems.size() == 1);
    CHECK(problems[0].rfind("edge_threads: expected a whole number from 1 to 256", 0) == 0);
  }
  setenv("FLECTO_EDGE_THREADS", "7", 1);
  CHECK(flecto::settings_from_environment()["edge_threads"] == "7");
  unsetenv("FLECTO_EDGE_THREADS");
}

TEST_CASE("config: a rules file needs no manager settings, --sync-once does") {
  ConfigSources s;
  s.flags = {{"rules", "/tmp/rules.json"}};
  CHECK(problems_of(s, RunMode::kDaemon).empty());
  CHECK_FALSE(problems_of(s, RunMode::kSyncOnce).empty());
}

TEST_CASE("config: the token comes from token_file or the systemd credential") {
  TempDir dir;
  ConfigSources s = manager_flags();
  s.flags.erase("token_jwt");
  s.flags["token_file"] = dir.write("token", "from-file\n");
  CHECK(load_config(s, RunMode::kDaemon).token == "from-file");

  s.flags.erase("token_file");
  dir.write("token", "from-credential\n");
  setenv("CREDENTIALS_DIRECTORY", dir.path().c_str(), 1);
  CHECK(load_config(s, RunMode::kDaemon).token == "from-credential");
  unsetenv("CREDENTIALS_DIRECTORY");

  s.flags["token_file"] = dir / "missing";
  auto problems = problems_of(s, RunMode::kDaemon);
  REQUIRE(problems.size() == 1);
  CHECK(problems[0].find("token_file") == 0);

  s.flags["token_jwt"] = "x";
  CHECK_FALSE(problems_of(s, RunMode::kDaemon).empty());  // both given
}

TEST_CASE("config: the token never appears in a problem") {
  ConfigSources s = manager_flags();
  s.flags["token_jwt"] = "very-secret-token";
  s.flags["page_size"] = "many";
  auto problems = problems_of(s, RunMode::kDaemon);
  REQUIRE_FALSE(problems.empty());
  for (const auto& p : problems) CHECK(p.find("very-secret-token") == std::string::npos);
}

TEST_CASE("config: state_dir defaults to $STATE_DIRECTORY") {
  setenv("STATE_DIRECTORY", "/var/lib/private/flecto-agent:/other", 1);
  CHECK(load_config(manager_flags(), RunMode::kDaemon).state_dir == "/var/lib/private/flecto-agent");
  unsetenv("STATE_DIRECTORY");
}

TEST_CASE("config: a broken or unknown TOML file is named with its line") {
  TempDir dir;
  ConfigSources s = manager_flags();
  s.config_file = dir.write("bad.toml", "page_size = 10\nmanager_url = \n");
  auto problems = problems_of(s, RunMode::kDaemon);
  REQUIRE(problems.size() == 1);
  CHECK(problems[0].find("bad.toml: line 2") != std::string::npos);

  s.config_file = dir.write("unknown.toml", "pagesize = 10\n");
  problems = problems_of(s, RunMode::kDaemon);
  REQUIRE(problems.size() == 1);
  CHECK(problems[0].find("unknown setting \"pagesize\"") != std::string::npos);

  s.config_file = dir / "missing.toml";
  CHECK(problems_of(s, RunMode::kDaemon).size() == 1);
}

TEST_CASE("config: the default agent name is a valid one") {
  auto config = load_config([] {
    auto s = manager_flags();
    s.flags.erase("agent_name");
    return s;
  }(), RunMode::kDaemon);
  REQUIRE_FALSE(config.agent_name.empty());
  CHECK(config.agent_name.find_first_not_of(
            "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-") == std::string::npos);
}

TEST_CASE("config: listen addresses, ca_file and the token file are checked before anything starts, by name") {
  TempDir dir;
  ConfigSources s = manager_flags();
  s.flags["listen"] = "8080";
  s.flags["admin_listen"] = "[::1:9090";
  s.flags["ca_file"] = dir / "missing-ca.pem";
  auto problems = problems_of(s, RunMode::kDaemon);
  REQUIRE(problems.size() == 3);
  CHECK(problems[0].rfind("listen: ", 0) == 0);
  CHECK(problems[1].rfind("admin_listen: ", 0) == 0);
  CHECK(problems[2] == "ca_file: cannot read \"" + (dir / "missing-ca.pem") +
                           "\": no such file or directory");

  s = manager_flags();
  s.flags["admin_listen"] = "";  // no admin listener: not a problem
  CHECK(problems_of(s, RunMode::kDaemon).empty());

  s.flags.erase("token_jwt");
  s.flags["token_file"] = "";
  problems = problems_of(s, RunMode::kDaemon);
  REQUIRE(problems.size() == 1);
  CHECK(problems[0] == "token_file: empty: name the file that holds the token");

  s.flags["token_file"] = dir.path();
  problems = problems_of(s, RunMode::kDaemon);
  REQUIRE(problems.size() == 1);
  CHECK(problems[0] == "token_file: \"" + dir.path() + "\" is a directory, not a file");

  s.flags["token_file"] = dir / "no-token";
  problems = problems_of(s, RunMode::kDaemon);
  REQUIRE(problems.size() == 1);
  CHECK(problems[0] == "token_file: cannot read \"" + (dir / "no-token") +
                           "\": no such file or directory");
}

TEST_CASE("config: a directory given as the configuration file is an error, not ignored") {
  TempDir dir;
  ConfigSources s = manager_flags();
  s.config_file = dir.path();
  const auto problems = problems_of(s, RunMode::kDaemon);
  REQUIRE(problems.size() == 1);
  CHECK(problems[0] == "config: \"" + dir.path() + "\" is a directory, not a file");
}

TEST_CASE("config: a TOML mistake is named with its line, without false required errors") {
  TempDir dir;
  ConfigSources s;  // everything comes from the file
  s.config_file = dir.write("agent.toml",
                            "manager_url = \"http://127.0.0.1:1\"\nnamespace_code = \"ns\"\n"
                            "project_code = \"web\"\ntoken_jwt = \"t\"\npagesize = 10\n");
  auto problems = problems_of(s, RunMode::kDaemon);
  REQUIRE(problems.size() == 1);
  CHECK(problems[0] == s.config_file + ": line 5: unknown setting \"pagesize\"");

  s.config_file = dir.write("syntax.toml", "manager_url = \"http://127.0.0.1:1\"\nproject_code = \n");
  problems = problems_of(s, RunMode::kDaemon);
  REQUIRE(problems.size() == 1);  // no "namespace_code: required" and the like
  CHECK(problems[0].rfind(s.config_file + ": line 2", 0) == 0);
}

TEST_CASE("config: with a [flecto-agent] table, a key outside it is an error") {
  TempDir dir;
  ConfigSources s = manager_flags();
  s.config_file = dir.write("agent.toml", "page_size = 10\n\n[flecto-agent]\nlog_level = \"debug\"\n");
  const auto problems = problems_of(s, RunMode::kDaemon);
  REQUIRE(problems.size() == 1);
  CHECK(problems[0] == s.config_file +
                           ": line 1: \"page_size\" is outside [flecto-agent]: with that table, every "
                           "setting goes in it");
}

TEST_CASE("config: serving a rules file reads no token and warns of the manager settings it drops") {
  TempDir dir;
  // The unit's LoadCredential= needs the token file to exist: empty is fine here.
  dir.write("token", "");
  setenv("CREDENTIALS_DIRECTORY", dir.path().c_str(), 1);
  ConfigSources s;
  s.flags = {{"rules", "/etc/flecto-agent/rules.json"}};
  auto config = load_config(s, RunMode::kDaemon);
  CHECK(config.token.empty());
  CHECK(config.warnings.empty());

  s.flags["manager_url"] = "http://127.0.0.1:1";
  s.flags["interval_check"] = "1m";
  config = load_config(s, RunMode::kDaemon);
  REQUIRE(config.warnings.size() == 2);
  CHECK(config.warnings[0] ==
        "manager_url: ignored: rules serves \"/etc/flecto-agent/rules.json\" without a manager");
  CHECK(config.warnings[1].rfind("interval_check: ignored", 0) == 0);
  unsetenv("CREDENTIALS_DIRECTORY");

  // Syncing, the same empty credential is still refused.
  setenv("CREDENTIALS_DIRECTORY", dir.path().c_str(), 1);
  ConfigSources syncing = manager_flags();
  syncing.flags.erase("token_jwt");
  const auto problems = problems_of(syncing, RunMode::kDaemon);
  unsetenv("CREDENTIALS_DIRECTORY");
  REQUIRE(problems.size() == 1);
  CHECK(problems[0] == "token_file: \"" + dir.path() + "/token\" is empty");
}

TEST_CASE("config: a malformed manager_url is reported at start, by name") {
  ConfigSources s = manager_flags();
  for (const char* url : {"flecto.example.com", "ftp://flecto.example.com", "https://user:pw@flecto.example.com",
                          "https://flecto.example.com:99999"}) {
    INFO(url);
    s.flags["manager_url"] = url;
    const auto problems = problems_of(s, RunMode::kDaemon);
    REQUIRE(problems.size() == 1);
    CHECK(problems[0].rfind("manager_url: ", 0) == 0);
    CHECK(problems[0].find("pw") == std::string::npos);  // credentials are never repeated
  }
  s.flags["manager_url"] = "https://flecto.example.com/base/";
  CHECK(problems_of(s, RunMode::kDaemon).empty());
}
