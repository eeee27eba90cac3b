#include <catch2/catch.hpp>

#include <cstdlib>
#include <string>

#include <toml++/toml.h>

#include "agent/config/loader.hpp"
#include "agent/config/print_config.hpp"
#include "support/temp_dir.hpp"

using flecto::Config;
using flecto::config_summary;
using flecto::ConfigSources;
using flecto::load_config;
using flecto::render_config_toml;
using flecto::RunMode;
using flecto::test::TempDir;

namespace {

Config load_file(const std::string& path) {
  unsetenv("CREDENTIALS_DIRECTORY");
  ConfigSources s;
  s.config_file = path;
  return load_config(s, RunMode::kDaemon);
}

}  // namespace

TEST_CASE("print_config: every setting, each entry resolved, as TOML that parses") {
  TempDir dir;
  const std::string token = dir.write("token-es", "es-secret-token\n");
  const Config config = load_file(dir.write(
      "agent.toml", "manager_url = \"https://flecto.example.com\"\nnamespace_code = \"prod\"\n"
                    "project_code = \"main-site\"\ntoken_jwt = \"root-secret-token\"\nagent_name = \"edge-1\"\n"
                    "interval_check = \"90s\"\nedge_threads = 4\n"
                    "[[host_configs]]\nhosts = [\"example.com\", \"www.example.com\"]\nproject_code = \"site-fr\"\n"
                    "[[host_configs]]\nhosts = [\"example.es\"]\nproject_code = \"site-es\"\n"
                    "namespace_code = \"iberia\"\ntoken_file = \"" + token + "\"\n"));
  const std::string text = render_config_toml(config);
  INFO(text);
  CHECK(text.find("root-secret-token") == std::string::npos);
  CHECK(text.find("es-secret-token") == std::string::npos);

  const toml::table parsed = toml::parse(text);
  CHECK(parsed["manager_url"].value_or(std::string()) == "https://flecto.example.com");
  CHECK(parsed["project_code"].value_or(std::string()) == "main-site");
  CHECK(parsed["token"].value_or(std::string()) == "(set)");
  CHECK(parsed["interval_check"].value_or(std::string()) == "1m30s");
  CHECK(parsed["page_size"].value_or(0) == 2000);  // the default
  CHECK(parsed["edge_threads"].value_or(0) == 4);
  CHECK(parsed["debug_headers"].value_or(true) == false);
  CHECK_FALSE(parsed.contains("token_jwt"));
  CHECK_FALSE(parsed.contains("token_file"));

  const toml::array* entries = parsed["host_configs"].as_array();
  REQUIRE(entries);
  REQUIRE(entries->size() == 2);
  const toml::table& fr = *entries->get(0)->as_table();
  CHECK(fr["project_code"].value_or(std::string()) == "site-fr");
  CHECK(fr["hosts"].as_array()->size() == 2);
  CHECK(fr["manager_url"].value_or(std::string()) == "https://flecto.example.com");  // inherited
  CHECK(fr["namespace_code"].value_or(std::string()) == "prod");
  CHECK(fr["token"].value_or(std::string()) == "(set)");
  CHECK(fr["interval_check"].value_or(std::string()) == "1m30s");
  CHECK(fr["page_size"].value_or(0) == 2000);  // inherited: the default
  CHECK(fr["header_authorization_name"].value_or(std::string()) == "Authorization");
  const toml::table& es = *entries->get(1)->as_table();
  CHECK(es["namespace_code"].value_or(std::string()) == "iberia");
  CHECK(es["token"].value_or(std::string()) == "(set, from " + token + ")");

  CHECK(config_summary(config) == "3 projects, 3 hosts (the others: project \"main-site\")");
}

TEST_CASE("print_config: every top-level setting is printed or accounted for") {
  TempDir dir;
  const Config config = load_file(dir.write(
      "agent.toml", "manager_url = \"https://m.example\"\nnamespace_code = \"n\"\nproject_code = \"p\"\n"
                    "token_jwt = \"t\"\nagent_name = \"edge-1\"\n"));
  const std::string text = render_config_toml(config);
  INFO(text);
  // A setting added later must be considered in print_config.cpp (a secret
  // must not be printed), not fall through silently.
  CHECK(text.find(": not shown") == std::string::npos);
  for (const auto& spec : flecto::setting_specs()) {
    const std::string name = spec.name;
    if (name == "token_jwt" || name == "token_file") continue;
    INFO(name);
    CHECK((text.find("\n" + name + " = ") != std::string::npos || text.find("\n# " + name + ": ") != std::string::npos));
  }
  CHECK(text.find("\ntoken = \"(set)\"") != std::string::npos);
  CHECK(config_summary(config) == "1 project, every host");
}

TEST_CASE("print_config: a proxy URL without its credentials") {
  TempDir dir;
  const Config config = load_file(dir.write(
      "agent.toml", "manager_url = \"https://m.example\"\nnamespace_code = \"n\"\nproject_code = \"p\"\n"
                    "token_jwt = \"t\"\nproxy_url = \"http://squid-user:proxy-s3cret@10.0.0.3:3128\"\n"));
  const std::string text = render_config_toml(config);
  CHECK(text.find("\nproxy_url = \"http://10.0.0.3:3128 (with credentials, not shown)\"\n") != std::string::npos);
  CHECK(text.find("proxy-s3cret") == std::string::npos);
  CHECK(text.find("squid-user") == std::string::npos);
}

TEST_CASE("print_config: no token, a default project or none, strings escaped") {
  TempDir dir;
  Config config;
  config.agent_name = "edge-1";
  config.rules_file = "/srv/rules \"x\".json";
  std::string text = render_config_toml(config);
  CHECK(text.find("\ntoken = \"(not set)\"") != std::string::npos);
  CHECK(text.find("# edge_threads: not set, one event loop per CPU") != std::string::npos);
  CHECK(toml::parse(text)["rules"].value_or(std::string()) == "/srv/rules \"x\".json");
  CHECK(config_summary(config) == "serves the rules file \"/srv/rules \\\"x\\\".json\"");

  config.rules_file.clear();
  flecto::HostConfig entry;
  entry.hosts = {"a.example"};
  entry.manager_url = "https://m.example";
  entry.namespace_code = "n";
  entry.project_code = "a";
  config.host_configs = {entry, entry};
  config.host_configs[1].hosts = {"b.example", "*.b.example"};
  text = render_config_toml(config);
  CHECK(text.find("# No project_code: a host that no entry lists is a miss (404).") != std::string::npos);
  CHECK(config_summary(config) == "1 project, 3 hosts");
}
