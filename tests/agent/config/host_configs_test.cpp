#include <catch2/catch.hpp>

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <string>
#include <vector>

#include "agent/config/host_configs.hpp"
#include "agent/config/loader.hpp"
#include "support/temp_dir.hpp"

using flecto::Config;
using flecto::ConfigError;
using flecto::ConfigSources;
using flecto::host_name_problem;
using flecto::ListingLimits;
using flecto::load_config;
using flecto::normalize_host_name;
using flecto::RunMode;
using flecto::test::TempDir;

namespace {

constexpr const char* kRoot =
    "manager_url = \"https://flecto.example.com\"\n"
    "namespace_code = \"prod\"\n"
    "token_jwt = \"root-token\"\n"
    "agent_name = \"edge-1\"\n";

ConfigSources file_only(const std::string& path) {
  unsetenv("CREDENTIALS_DIRECTORY");
  ConfigSources s;
  s.config_file = path;
  return s;
}

std::vector<std::string> problems_of(const ConfigSources& sources, RunMode mode = RunMode::kDaemon) {
  try {
    load_config(sources, mode);
  } catch (const ConfigError& e) {
    return e.problems();
  }
  return {};
}

std::vector<std::string> problems_of_file(const TempDir& dir, const std::string& toml) {
  return problems_of(file_only(dir.write("agent.toml", toml)));
}

bool has(const std::vector<std::string>& problems, const std::string& problem) {
  return std::find(problems.begin(), problems.end(), problem) != problems.end();
}

}  // namespace

TEST_CASE("host_configs: host names that can be listed") {
  for (const char* host : {"example.com", "www.example.com", "example.com.", "Example.COM", "localhost",
                           "127.0.0.1", "[::1]", "[2001:db8::8080]", "*.example.com", "*.example.com.",
                           "xn--bcher-kva.example", "my_host.example", "a-b.example"}) {
    INFO(host);
    CHECK(host_name_problem(host).empty());
  }
}

TEST_CASE("host_configs: host names that cannot be listed, and why") {
  CHECK(host_name_problem("") == "empty: name a host");
  CHECK(host_name_problem("example.com/x") == "a host name, without a path");
  CHECK(host_name_problem("https://example.com") == "a host name, without a scheme (http://)");
  CHECK(host_name_problem("example.com:8080") == "a host name, without a port");
  CHECK(host_name_problem("[::1]:8080") == "a host name, without a port");
  CHECK(host_name_problem("::1") == "an IPv6 address goes in brackets, as in [::1]");
  CHECK(host_name_problem("[::1") == "an IPv6 address without its closing ']'");
  CHECK(host_name_problem("[not-ipv6]") == "not an IPv6 address");
  CHECK(host_name_problem("exa mple.com") == "a host name cannot hold spaces");
  CHECK(host_name_problem(" example.com") == "a host name cannot hold spaces");
  CHECK(host_name_problem("exam\x01ple.com") == "a host name cannot hold control characters");
  CHECK(host_name_problem("b\xc3\xbc" "cher.example").rfind("not ASCII", 0) == 0);
  CHECK(host_name_problem("user@example.com") == "a host name, without user info");
  CHECK(host_name_problem("exa!mple.com").rfind("a host name cannot hold '!'", 0) == 0);
  CHECK(host_name_problem("a..example.com").rfind("an empty label", 0) == 0);
  CHECK(host_name_problem(".example.com").rfind("an empty label", 0) == 0);
  CHECK(host_name_problem(".") == "not a host name");
  CHECK(host_name_problem(std::string(64, 'a') + ".example") == "a label longer than 63 characters");
  for (const char* wildcard : {"*", "*.", "a.*.com", "*example.com", "*.*.example.com", "example.*", "**.example.com",
                               "*..example.com"}) {
    INFO(wildcard);
    CHECK(host_name_problem(wildcard).rfind("a bad wildcard", 0) == 0);
  }
}

TEST_CASE("host_configs: hosts compare without regard to ASCII case and one trailing dot") {
  CHECK(normalize_host_name("Example.COM.") == "example.com");
  CHECK(normalize_host_name("example.com") == "example.com");
  CHECK(normalize_host_name("*.Example.com") == "*.example.com");
  CHECK(normalize_host_name("[::1]") == "[::1]");
  CHECK(flecto::is_wildcard_host("*.example.com"));
  CHECK_FALSE(flecto::is_wildcard_host("example.com"));
}

TEST_CASE("host_configs: the issue's example loads, with inheritance") {
  TempDir dir;
  const std::string es_token = dir.write("token-es", "es-token\n");
  const std::string toml = std::string(kRoot) +
                           "project_code = \"main-site\"\n"
                           "interval_check = \"2m\"\npage_size = 300\nheader_authorization_name = \"X-Auth\"\n"
                           "\n[[host_configs]]\n"
                           "hosts = [\"example.com\", \"www.example.com\", \"example.fr\"]\n"
                           "project_code = \"site-fr\"\n"
                           "\n[[host_configs]]\n"
                           "hosts = [\"example.es\"]\n"
                           "project_code = \"site-es\"\n"
                           "manager_url = \"https://other-manager.example.com\"\n"
                           "namespace_code = \"iberia\"\n"
                           "token_file = \"" + es_token + "\"\n"
                           "interval_check = \"10m\"\n"
                           "page_size = 50\n"
                           "header_authorization_name = \"X-Other\"\n";
  const Config config = load_config(file_only(dir.write("agent.toml", toml)), RunMode::kDaemon);
  REQUIRE(config.host_configs.size() == 2);
  CHECK(config.project_code == "main-site");

  const auto& fr = config.host_configs[0];
  CHECK(fr.hosts == std::vector<std::string>{"example.com", "www.example.com", "example.fr"});
  CHECK(fr.project_code == "site-fr");
  CHECK(fr.manager_url == "https://flecto.example.com");
  CHECK(fr.namespace_code == "prod");
  CHECK(fr.token == "root-token");
  CHECK(fr.token_file.empty());
  CHECK(fr.header_authorization_name == "X-Auth");
  CHECK(fr.ca_file.empty());
  CHECK(fr.interval_check == std::chrono::minutes(2));
  CHECK(fr.listing_limits == ListingLimits(300));

  const auto& es = config.host_configs[1];
  CHECK(es.project_code == "site-es");
  CHECK(es.manager_url == "https://other-manager.example.com");
  CHECK(es.namespace_code == "iberia");
  CHECK(es.token == "es-token");
  CHECK(es.token_file == es_token);
  CHECK(es.header_authorization_name == "X-Other");
  CHECK(es.interval_check == std::chrono::minutes(10));
  CHECK(es.listing_limits == ListingLimits(50));
}

TEST_CASE("host_configs: an entry inherits the final top-level values, flags and environment included") {
  TempDir dir;
  const std::string ca = dir.write("ca.pem", "-----BEGIN CERTIFICATE-----\n");
  const std::string root_token = dir.write("token", "file-token\n");
  ConfigSources s = file_only(dir.write("agent.toml", "manager_url = \"https://file.example.com\"\n"
                                                      "namespace_code = \"file-ns\"\nagent_name = \"edge-1\"\n"
                                                      "[[host_configs]]\nhosts = [\"example.com\"]\n"
                                                      "project_code = \"site\"\n"));
  s.environment = {{"namespace_code", "env-ns"}, {"interval_check", "7m"}};
  s.flags = {{"manager_url", "https://flag.example.com"}, {"token_file", root_token}, {"ca_file", ca},
             {"page_size", "42"}, {"header_authorization_name", "X-Flag"}};
  const Config config = load_config(s, RunMode::kDaemon);
  REQUIRE(config.host_configs.size() == 1);
  const auto& entry = config.host_configs[0];
  CHECK(entry.manager_url == "https://flag.example.com");
  CHECK(entry.namespace_code == "env-ns");
  CHECK(entry.token == "file-token");
  CHECK(entry.token_file == root_token);
  CHECK(entry.ca_file == ca);
  CHECK(entry.interval_check == std::chrono::minutes(7));
  CHECK(entry.listing_limits == ListingLimits(42));
  CHECK(entry.header_authorization_name == "X-Flag");
  CHECK(config.token_file == root_token);
}

TEST_CASE("host_configs: project_code is never inherited, and the top-level one becomes optional") {
  TempDir dir;
  auto problems = problems_of_file(dir, std::string(kRoot) + "project_code = \"main\"\n"
                                                             "[[host_configs]]\nhosts = [\"example.com\"]\n");
  CHECK(problems == std::vector<std::string>{"host_configs[0]: project_code is required"});

  // No top-level project: fine with host_configs (unlisted hosts are a miss).
  const Config config = load_config(
      file_only(dir.write("ok.toml", std::string(kRoot) + "[[host_configs]]\nhosts = [\"example.com\"]\n"
                                                          "project_code = \"site\"\n")),
      RunMode::kDaemon);
  CHECK(config.project_code.empty());
  REQUIRE(config.host_configs.size() == 1);
  CHECK(config.host_configs[0].project_code == "site");
}

TEST_CASE("host_configs: every mistake at once, by entry and key") {
  TempDir dir;
  const auto problems = problems_of_file(
      dir, std::string(kRoot) +
               "[[host_configs]]\nproject_code = \"a\"\n"                                        // [0] no hosts
               "[[host_configs]]\nhosts = [\"example.com/x\", \"\"]\nproject_code = \"b\"\ncolour = \"red\"\n"  // [1]
               "[[host_configs]]\nhosts = [\"ok.example\", \"Example.COM.\"]\n"                   // [2] no project
               "[[host_configs]]\nhosts = []\nproject_code = \"d\"\n"                             // [3] empty list
               "[[host_configs]]\nhosts = [\"example.com\", \"*\", \"a.*.com\", \"*example.com\", \"[::1]:80\"]\n"
               "project_code = \"e\"\n"                                                           // [4]
               "[[host_configs]]\nhosts = [\"OK.example\"]\nproject_code = \"f\"\n");             // [5] dup of [2]
  INFO(ConfigError(problems).what());
  CHECK(has(problems, "host_configs[0]: hosts is required (the host names this project answers)"));
  CHECK(has(problems, "host_configs[1].hosts[0]: \"example.com/x\": a host name, without a path"));
  CHECK(has(problems, "host_configs[1].hosts[1]: \"\": empty: name a host"));
  CHECK(has(problems, "host_configs[1].colour: unknown key"));
  CHECK(has(problems, "host_configs[2]: project_code is required"));
  CHECK(has(problems, "host_configs[3].hosts: empty: list at least one host name"));
  CHECK(has(problems, "host_configs[4].hosts[0]: \"example.com\" is listed already in host_configs[2].hosts[1]"));
  for (int j : {1, 2, 3}) {
    const std::string prefix = "host_configs[4].hosts[" + std::to_string(j) + "]: ";
    CHECK(std::any_of(problems.begin(), problems.end(), [&](const std::string& p) {
      return p.rfind(prefix, 0) == 0 && p.find("a bad wildcard") != std::string::npos;
    }));
  }
  CHECK(has(problems, "host_configs[4].hosts[4]: \"[::1]:80\": a host name, without a port"));
  CHECK(has(problems, "host_configs[5].hosts[0]: \"OK.example\" is listed already in host_configs[2].hosts[0]"));
  CHECK(problems.size() == 12);
}

TEST_CASE("host_configs: the same host twice in one entry, and wildcards twice") {
  TempDir dir;
  const auto problems = problems_of_file(
      dir, std::string(kRoot) + "[[host_configs]]\nhosts = [\"*.example.com\", \"example.com\", \"*.EXAMPLE.com.\"]\n"
                                "project_code = \"a\"\n");
  CHECK(problems == std::vector<std::string>{
                        "host_configs[0].hosts[2]: \"*.EXAMPLE.com.\" is listed already in host_configs[0].hosts[0]"});
}

TEST_CASE("host_configs: values of the wrong type are named, without false required problems") {
  TempDir dir;
  const auto problems = problems_of_file(
      dir, std::string(kRoot) +
               "[[host_configs]]\nhosts = \"example.com\"\nproject_code = 7\npage_size = \"many\"\n"
               "interval_check = 5\n"
               "[[host_configs]]\nhosts = [\"b.example\", 3]\nproject_code = \"b\"\nmanager_url = true\n"
               "token_file = [\"x\"]\n"
               "[[host_configs]]\nhosts = [\"c.example\"]\nproject_code = \"c\"\npage_size = 0\n");
  INFO(ConfigError(problems).what());
  CHECK(has(problems, "host_configs[0].hosts: expected a list of host names, e.g. [\"example.com\"]"));
  CHECK(has(problems, "host_configs[0].project_code: expected a string"));
  CHECK(has(problems, "host_configs[0].page_size: expected a whole number from 1 to 100000, got \"many\""));
  CHECK(has(problems, "host_configs[0].interval_check: expected a string"));
  CHECK(has(problems, "host_configs[1].hosts[1]: expected a string"));
  CHECK(has(problems, "host_configs[1].manager_url: expected a string"));
  CHECK(has(problems, "host_configs[1].token_file: expected a string"));
  CHECK(has(problems, "host_configs[2].page_size: expected a whole number from 1 to 100000, got \"0\""));
  CHECK(problems.size() == 8);
}

TEST_CASE("host_configs: host_configs that is not an array of tables") {
  TempDir dir;
  CHECK(problems_of_file(dir, std::string(kRoot) + "host_configs = \"example.com\"\n") ==
        std::vector<std::string>{"host_configs: expected [[host_configs]] tables"});
  const auto problems = problems_of_file(
      dir, std::string(kRoot) + "host_configs = [\"example.com\", {hosts = [\"b.example\"], project_code = \"b\"}]\n");
  CHECK(problems == std::vector<std::string>{"host_configs[0]: expected a table, written [[host_configs]]"});
}

TEST_CASE("host_configs: overrides get the top-level checks, by entry") {
  TempDir dir;
  const auto problems = problems_of_file(
      dir, std::string(kRoot) +
               "[[host_configs]]\nhosts = [\"a.example\"]\nproject_code = \"a\"\n"
               "manager_url = \"ftp://x.example\"\ninterval_check = \"5min\"\nca_file = \"" + (dir / "no-ca.pem") +
               "\"\nheader_authorization_name = \"\"\nnamespace_code = \"\"\n"
               "[[host_configs]]\nhosts = [\"b.example\"]\nproject_code = \"b\"\n"
               "token_file = \"" + (dir / "no-token") + "\"\n"
               "[[host_configs]]\nhosts = [\"c.example\"]\nproject_code = \"c\"\ntoken_file = \"x\"\ntoken_jwt = \"y\"\n"
               "[[host_configs]]\nhosts = [\"d.example\"]\nproject_code = \"d\"\ntoken_file = \"\"\n"
               "[[host_configs]]\nhosts = [\"e.example\"]\nproject_code = \"e\"\ninterval_check = \"0s\"\n");
  INFO(ConfigError(problems).what());
  CHECK(std::any_of(problems.begin(), problems.end(),
                    [](const std::string& p) { return p.rfind("host_configs[0].manager_url: ", 0) == 0; }));
  CHECK(has(problems, "host_configs[0].interval_check: invalid duration \"5min\": unknown unit \"min\" "
                      "(write it like 30s, 5m or 1h30m)"));
  CHECK(has(problems, "host_configs[0].ca_file: cannot read \"" + (dir / "no-ca.pem") +
                          "\": no such file or directory"));
  CHECK(has(problems, "host_configs[0].header_authorization_name: must not be empty"));
  CHECK(has(problems, "host_configs[0].namespace_code: must not be empty"));
  CHECK(has(problems, "host_configs[1].token_file: cannot read \"" + (dir / "no-token") +
                          "\": no such file or directory"));
  CHECK(has(problems, "host_configs[2]: token_jwt and token_file: set only one of them"));
  CHECK(has(problems, "host_configs[3].token_file: empty: name the file that holds the token"));
  CHECK(has(problems, "host_configs[4].interval_check: must be longer than 0, got \"0s\""));
  CHECK(problems.size() == 9);
}

TEST_CASE("host_configs: a token file the agent may not read is reported with its reason") {
  if (::geteuid() == 0) {
    SUCCEED("root reads every file");
  } else {
    TempDir dir;
    const std::string token = dir.write("token", "secret-es\n");
    REQUIRE(::chmod(token.c_str(), 0) == 0);
    const auto problems = problems_of_file(dir, std::string(kRoot) +
                                                    "[[host_configs]]\nhosts = [\"a.example\"]\nproject_code = \"a\"\n"
                                                    "token_file = \"" + token + "\"\n");
    CHECK(problems == std::vector<std::string>{"host_configs[0].token_file: cannot read \"" + token +
                                               "\": permission denied"});
  }
}

TEST_CASE("host_configs: an empty token file is refused") {
  TempDir dir;
  const std::string token = dir.write("token", "\n");
  const auto problems = problems_of_file(dir, std::string(kRoot) +
                                                  "[[host_configs]]\nhosts = [\"a.example\"]\nproject_code = \"a\"\n"
                                                  "token_file = \"" + token + "\"\n");
  CHECK(problems == std::vector<std::string>{"host_configs[0].token_file: \"" + token + "\" is empty"});
}

TEST_CASE("host_configs: each entry needs a manager_url, a namespace_code and a token, its own or inherited") {
  TempDir dir;
  const std::string toml = "agent_name = \"edge-1\"\n"
                           "[[host_configs]]\nhosts = [\"a.example\"]\nproject_code = \"a\"\n"
                           "[[host_configs]]\nhosts = [\"b.example\"]\nproject_code = \"b\"\n"
                           "manager_url = \"https://m.example\"\nnamespace_code = \"ns\"\ntoken_jwt = \"t\"\n";
  const auto problems = problems_of_file(dir, toml);
  CHECK(problems == std::vector<std::string>{
                        "host_configs[0]: manager_url is required (here or at the top level)",
                        "host_configs[0]: namespace_code is required (here or at the top level)",
                        "host_configs[0]: a token is required: token_file or token_jwt (here or at the top level)"});

  // With a top-level project_code, the top level is a project itself and needs them too.
  const auto with_default = problems_of_file(dir, "project_code = \"main\"\n" + toml);
  CHECK(has(with_default, "manager_url: required (or serve a file with --rules)"));
  CHECK(has(with_default, "namespace_code: required"));
}

TEST_CASE("host_configs: entries of one project must agree on the settings of their one sync") {
  TempDir dir;
  const std::string entries = "[[host_configs]]\nhosts = [\"a.example\"]\nproject_code = \"site\"\n"
                              "[[host_configs]]\nhosts = [\"b.example\"]\nproject_code = \"site\"\n"
                              "manager_url = \"https://flecto.example.com/\"\n";
  // The same project, the same settings (the URL written differently): fine.
  CHECK(problems_of_file(dir, std::string(kRoot) + entries).empty());

  const auto problems = problems_of_file(dir, std::string(kRoot) + entries +
                                                  "token_jwt = \"entry-secret\"\ninterval_check = \"1m\"\npage_size = 7\n"
                                                  "header_authorization_name = \"X-A\"\n");
  REQUIRE(problems.size() == 1);
  CHECK(problems[0] ==
        "host_configs[1]: the same project as host_configs[0] (manager_url, namespace_code and project_code) "
        "with another token, header_authorization_name, interval_check, page_size: the entries of one project "
        "share one sync, so they must agree");
  CHECK(problems[0].find("entry-secret") == std::string::npos);  // never a token

  // Another namespace is another project.
  CHECK(problems_of_file(dir, std::string(kRoot) + entries + "namespace_code = \"other\"\ntoken_jwt = \"x\"\n").empty());

  // The top-level default project counts too.
  const auto with_root = problems_of_file(
      dir, std::string(kRoot) + "project_code = \"site\"\n"
                                "[[host_configs]]\nhosts = [\"a.example\"]\nproject_code = \"site\"\npage_size = 9\n");
  REQUIRE(with_root.size() == 1);
  CHECK(with_root[0].rfind("host_configs[0]: the same project as the top level", 0) == 0);
}

TEST_CASE("host_configs: under [flecto-agent] as [[flecto-agent.host_configs]]") {
  TempDir dir;
  const Config config = load_config(
      file_only(dir.write("agent.toml", "[flecto-agent]\n" + std::string(kRoot) +
                                            "[[flecto-agent.host_configs]]\nhosts = [\"a.example\"]\n"
                                            "project_code = \"a\"\n")),
      RunMode::kDaemon);
  REQUIRE(config.host_configs.size() == 1);
  CHECK(config.host_configs[0].hosts == std::vector<std::string>{"a.example"});

  // Outside the table, with the table present: the usual problem.
  const auto problems = problems_of_file(dir, "[flecto-agent]\n" + std::string(kRoot) +
                                                  "project_code = \"main\"\n[[host_configs]]\nhosts = [\"a.example\"]\nproject_code = \"a\"\n");
  REQUIRE(problems.size() == 1);
  CHECK(problems[0].find("\"host_configs\" is outside [flecto-agent]") != std::string::npos);
}

TEST_CASE("host_configs: serving a rules file, they are not used, and a warning says so") {
  TempDir dir;
  ConfigSources s = file_only(dir.write("agent.toml", "rules = \"/etc/flecto-agent/rules.json\"\n"
                                                      "[[host_configs]]\nhosts = [\"a.example\"]\n"
                                                      "project_code = \"a\"\n"));
  const Config config = load_config(s, RunMode::kDaemon);
  CHECK(config.host_configs.empty());
  CHECK(std::find(config.warnings.begin(), config.warnings.end(),
                  "host_configs: ignored: rules serves \"/etc/flecto-agent/rules.json\" without a manager") !=
        config.warnings.end());
}

TEST_CASE("host_configs: the entries' problems never show a token") {
  TempDir dir;
  const auto problems = problems_of_file(
      dir, std::string(kRoot) + "[[host_configs]]\nhosts = [\"a.example\"]\nproject_code = \"a\"\n"
                                "token_jwt = \"entry-secret\"\npage_size = 0\n"
                                "[[host_configs]]\nhosts = [\"b.example\"]\nproject_code = \"a\"\n");
  REQUIRE(problems.size() == 1);
  for (const auto& p : problems) {
    CHECK(p.find("entry-secret") == std::string::npos);
    CHECK(p.find("root-token") == std::string::npos);
  }
}

TEST_CASE("host_configs: without them nothing changes") {
  TempDir dir;
  const auto problems = problems_of_file(dir, kRoot);
  CHECK(problems == std::vector<std::string>{"project_code: required"});
  const Config config =
      load_config(file_only(dir.write("one.toml", std::string(kRoot) + "project_code = \"web\"\n")), RunMode::kDaemon);
  CHECK(config.host_configs.empty());
  CHECK(config.project_code == "web");
  CHECK(config.token == "root-token");
  CHECK(config.token_file.empty());  // given inline
}

TEST_CASE("host_configs: the example file reads without a problem") {
  const auto settings = flecto::read_toml_settings(FLECTO_TEST_DATA_DIR "/../../examples/host_configs.toml");
  CHECK(settings.problems.empty());
  REQUIRE(settings.host_configs.size() == 3);
  CHECK(settings.host_configs[1].hosts == std::vector<std::string>{"example.de", "*.example.de"});
  CHECK(settings.host_configs[2].settings.at("namespace_code") == "iberia");
  CHECK(settings.values.at("project_code") == "main-site");
}

TEST_CASE("host_configs: a top-level token file that cannot be read is reported once, not per entry") {
  TempDir dir;
  const auto problems = problems_of_file(
      dir, "manager_url = \"https://m.example\"\nnamespace_code = \"n\"\nagent_name = \"edge-1\"\n"
           "token_file = \"" + (dir / "missing") + "\"\n"
           "[[host_configs]]\nhosts = [\"a.example\"]\nproject_code = \"a\"\n"
           "[[host_configs]]\nhosts = [\"b.example\"]\nproject_code = \"b\"\n");
  CHECK(problems == std::vector<std::string>{"token_file: cannot read \"" + (dir / "missing") +
                                             "\": no such file or directory"});
}

TEST_CASE("host_configs: an empty top-level token_jwt is no token for the entries") {
  TempDir dir;
  const auto problems = problems_of_file(
      dir, "manager_url = \"https://m.example\"\nnamespace_code = \"n\"\nagent_name = \"edge-1\"\ntoken_jwt = \"\"\n"
           "[[host_configs]]\nhosts = [\"a.example\"]\nproject_code = \"a\"\n");
  CHECK(problems == std::vector<std::string>{
                        "host_configs[0]: a token is required: token_file or token_jwt (here or at the top level)"});
}
