// The relay's settings: relay_listen, relay_tls_cert and relay_tls_key
// (both or neither, readable), relay_auth_ttl, and the projects a relay
// can serve (one per namespace and project code).

#include <catch2/catch.hpp>

#include <cstdlib>
#include <string>
#include <vector>

#include "agent/config/loader.hpp"
#include "agent/config/print_config.hpp"
#include "support/temp_dir.hpp"

namespace flecto {
namespace {

ConfigSources relay_flags() {
  unsetenv("CREDENTIALS_DIRECTORY");
  ConfigSources s;
  s.flags = {{"manager_url", "http://127.0.0.1:1"}, {"namespace_code", "ns"},   {"project_code", "web"},
             {"token_jwt", "secret"},               {"agent_name", "edge-1"}, {"relay_listen", "127.0.0.1:9191"}};
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

TEST_CASE("relay settings: off by default, and read when given", "[relay][config]") {
  ConfigSources plain = relay_flags();
  plain.flags.erase("relay_listen");
  const Config off = load_config(plain, RunMode::kDaemon);
  CHECK(off.relay_listen.empty());
  CHECK(off.relay_auth_ttl == std::chrono::seconds(60));

  test::TempDir dir;
  ConfigSources s = relay_flags();
  s.flags["relay_tls_cert"] = dir.write("cert.pem", "x");
  s.flags["relay_tls_key"] = dir.write("key.pem", "x");
  s.flags["relay_auth_ttl"] = "15s";
  const Config on = load_config(s, RunMode::kDaemon);
  CHECK(on.relay_listen == "127.0.0.1:9191");
  CHECK(on.relay_auth_ttl == std::chrono::seconds(15));
  CHECK(on.relay_tls_key == dir / "key.pem");
  const std::string printed = render_config_toml(on);
  CHECK(printed.find("relay_listen = \"127.0.0.1:9191\"") != std::string::npos);
  CHECK(printed.find("relay_auth_ttl = \"15s\"") != std::string::npos);
}

TEST_CASE("relay settings: a bad address, a lone certificate or key, an unreadable file, a bad ttl",
          "[relay][config]") {
  test::TempDir dir;
  ConfigSources s = relay_flags();
  s.flags["relay_listen"] = "nowhere";
  s.flags["relay_tls_cert"] = dir / "missing.pem";
  s.flags["relay_auth_ttl"] = "1min";
  const std::vector<std::string> problems = problems_of(s);
  const auto has = [&](const std::string& start) {
    for (const auto& p : problems) {
      if (p.rfind(start, 0) == 0) return true;
    }
    return false;
  };
  INFO(problems.size());
  CHECK(has("relay_listen: "));
  CHECK(has("relay_tls_key: required with relay_tls_cert"));
  CHECK(has("relay_tls_cert: cannot read"));
  CHECK(has("relay_auth_ttl: "));

  ConfigSources key_only = relay_flags();
  key_only.flags["relay_tls_key"] = dir.write("key.pem", "x");
  CHECK(problems_of(key_only) == std::vector<std::string>{"relay_tls_cert: required with relay_tls_key"});
}

TEST_CASE("relay settings: two projects of the same codes from two managers cannot be relayed",
          "[relay][config]") {
  test::TempDir dir;
  const std::string file = dir.write("agent.toml",
                                     "manager_url = \"https://a.example.com\"\n"
                                     "namespace_code = \"prod\"\n"
                                     "token_jwt = \"t\"\n"
                                     "agent_name = \"edge-1\"\n"
                                     "[[host_configs]]\n"
                                     "hosts = [\"a.example\"]\n"
                                     "project_code = \"site\"\n"
                                     "[[host_configs]]\n"
                                     "hosts = [\"b.example\"]\n"
                                     "project_code = \"site\"\n"
                                     "manager_url = \"https://b.example.com\"\n");
  unsetenv("CREDENTIALS_DIRECTORY");
  ConfigSources s;
  s.config_file = file;
  CHECK(problems_of(s).empty());  // fine without a relay
  s.flags["relay_listen"] = "127.0.0.1:9191";
  const std::vector<std::string> problems = problems_of(s);
  REQUIRE(problems.size() == 1);
  CHECK(problems[0].rfind("host_configs[1]: relay_listen: the project prod/site of https://b.example.com", 0) == 0);
}

}  // namespace flecto
