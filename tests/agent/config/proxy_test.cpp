// The choice of proxy: the proxy_url setting, the environment as Go reads
// it, NO_PROXY matching; proxy URLs and their user info.

#include <catch2/catch.hpp>

#include <map>
#include <stdexcept>
#include <string>

#include "agent/config/loader.hpp"
#include "agent/manager/client.hpp"
#include "agent/config/proxy.hpp"

namespace flecto {
namespace {

ProxySettings from(const std::map<std::string, std::string>& env, const std::string& proxy_url = "") {
  return proxy_environment(proxy_url, [&env](const char* name) -> const char* {
    auto it = env.find(name);
    return it == env.end() ? nullptr : it->second.c_str();
  });
}

// The proxy's display form for a manager, "direct" for none.
std::string route(const ProxySettings& settings, const std::string& scheme, const std::string& host, int port) {
  std::optional<Proxy> proxy = choose_proxy(settings, scheme, host, port);
  return proxy ? proxy->display() + " from " + proxy->source : "direct";
}

std::string invalid(const std::string& value) {
  try {
    parse_proxy_url(value, "HTTPS_PROXY");
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return "(accepted)";
}

}  // namespace

TEST_CASE("proxy: HTTPS_PROXY for https managers, HTTP_PROXY for http ones", "[proxy]") {
  const ProxySettings settings = from({{"HTTPS_PROXY", "http://secure:3128"}, {"HTTP_PROXY", "plain:8080"}});
  CHECK(route(settings, "https", "manager.example", 443) == "http://secure:3128 from HTTPS_PROXY");
  CHECK(route(settings, "http", "manager.example", 80) == "http://plain:8080 from HTTP_PROXY");
  CHECK(route(from({{"HTTP_PROXY", "plain:8080"}}), "https", "manager.example", 443) == "direct");
  CHECK(route(from({{"HTTPS_PROXY", "secure:3128"}}), "http", "manager.example", 80) == "direct");
  CHECK(route(from({}), "https", "manager.example", 443) == "direct");
}

TEST_CASE("proxy: the upper-case variable wins when both are set, and an empty one counts as unset", "[proxy]") {
  CHECK(route(from({{"HTTPS_PROXY", "upper:1"}, {"https_proxy", "lower:2"}}), "https", "m.example", 443) ==
        "http://upper:1 from HTTPS_PROXY");
  CHECK(route(from({{"https_proxy", "lower:2"}}), "https", "m.example", 443) == "http://lower:2 from https_proxy");
  CHECK(route(from({{"HTTPS_PROXY", ""}, {"https_proxy", "lower:2"}}), "https", "m.example", 443) ==
        "http://lower:2 from https_proxy");
  CHECK(route(from({{"http_proxy", "lower:2"}}), "http", "m.example", 80) == "http://lower:2 from http_proxy");
  CHECK(from({{"NO_PROXY", "a.example"}, {"no_proxy", "b.example"}}).no_proxy == "a.example");
  CHECK(from({{"no_proxy", "b.example"}}).no_proxy == "b.example");
}

TEST_CASE("proxy: HTTP_PROXY is ignored in a CGI environment (httpoxy), as Go does", "[proxy]") {
  const ProxySettings settings = from({{"HTTP_PROXY", "evil:80"}, {"HTTPS_PROXY", "good:3128"},
                                       {"REQUEST_METHOD", "GET"}});
  CHECK(route(settings, "http", "m.example", 80) == "direct");
  CHECK(route(settings, "https", "m.example", 443) == "http://good:3128 from HTTPS_PROXY");
}

TEST_CASE("proxy: localhost and loopback managers go direct, unless proxy_url says otherwise", "[proxy]") {
  const ProxySettings env = from({{"HTTPS_PROXY", "p:3128"}, {"HTTP_PROXY", "p:3128"}});
  for (const char* host : {"localhost", "LOCALHOST", "127.0.0.1", "127.5.6.7", "[::1]", "::1"}) {
    INFO(host);
    CHECK(route(env, "http", host, 8080) == "direct");
  }
  CHECK(route(env, "http", "127.example", 80) == "http://p:3128 from HTTP_PROXY");
  CHECK(route(env, "http", "128.0.0.1", 80) == "http://p:3128 from HTTP_PROXY");
  const ProxySettings setting = from({{"HTTPS_PROXY", "p:3128"}}, "http://explicit:9999");
  CHECK(route(setting, "http", "127.0.0.1", 8080) == "http://explicit:9999 from proxy_url");
  CHECK(route(setting, "https", "localhost", 8443) == "http://explicit:9999 from proxy_url");
}

TEST_CASE("proxy: proxy_url wins over both variables, and NO_PROXY still excludes", "[proxy]") {
  const ProxySettings settings =
      from({{"HTTPS_PROXY", "a:1"}, {"HTTP_PROXY", "b:2"}, {"NO_PROXY", "internal.example"}}, "c:3");
  CHECK(route(settings, "https", "manager.example", 443) == "http://c:3 from proxy_url");
  CHECK(route(settings, "http", "manager.example", 80) == "http://c:3 from proxy_url");
  CHECK(route(settings, "https", "manager.internal.example", 443) == "direct");
}

TEST_CASE("proxy: NO_PROXY host names match the host and its subdomains", "[proxy]") {
  CHECK(no_proxy_excludes("example.com", "example.com", 443));
  CHECK(no_proxy_excludes("example.com", "manager.example.com", 443));
  CHECK(no_proxy_excludes("example.com", "a.b.example.com", 443));
  CHECK_FALSE(no_proxy_excludes("example.com", "badexample.com", 443));
  CHECK_FALSE(no_proxy_excludes("example.com", "example.com.evil", 443));
  CHECK(no_proxy_excludes("EXAMPLE.com", "Manager.Example.COM", 443));
  CHECK(no_proxy_excludes("example.com", "example.com.", 443));
  CHECK(no_proxy_excludes(" other.org , example.com ", "example.com", 80));
}

TEST_CASE("proxy: NO_PROXY '.' and '*.' prefixes match subdomains only, and '*' matches everything", "[proxy]") {
  for (const char* entry : {".example.com", "*.example.com"}) {
    INFO(entry);
    CHECK(no_proxy_excludes(entry, "a.example.com", 443));
    CHECK_FALSE(no_proxy_excludes(entry, "example.com", 443));
  }
  CHECK(no_proxy_excludes("*", "anything.example", 443));
  CHECK(no_proxy_excludes("a.org, *", "10.1.2.3", 80));
  CHECK_FALSE(no_proxy_excludes("", "example.com", 443));
  CHECK_FALSE(no_proxy_excludes(",,", "example.com", 443));
}

TEST_CASE("proxy: NO_PROXY ports match the manager's port, 80 or 443 when its URL has none", "[proxy]") {
  CHECK(no_proxy_excludes("example.com:443", "example.com", 443));
  CHECK_FALSE(no_proxy_excludes("example.com:8443", "example.com", 443));
  CHECK(no_proxy_excludes("example.com:8443", "m.example.com", 8443));
  CHECK(no_proxy_excludes("10.0.0.1:8080", "10.0.0.1", 8080));
  CHECK_FALSE(no_proxy_excludes("10.0.0.1:8080", "10.0.0.1", 80));
  CHECK(no_proxy_excludes("[2001:db8::1]:8443", "[2001:db8::1]", 8443));
  CHECK_FALSE(no_proxy_excludes("[2001:db8::1]:8443", "[2001:db8::1]", 443));
  const ProxySettings settings = from({{"HTTPS_PROXY", "p:1"}, {"NO_PROXY", "manager.example:443"}});
  CHECK(route(settings, "https", "manager.example", 443) == "direct");
  CHECK(route(settings, "https", "manager.example", 8443) == "http://p:1 from HTTPS_PROXY");
}

TEST_CASE("proxy: NO_PROXY IP addresses and CIDR ranges", "[proxy]") {
  CHECK(no_proxy_excludes("10.1.2.3", "10.1.2.3", 80));
  CHECK_FALSE(no_proxy_excludes("10.1.2.3", "10.1.2.4", 80));
  CHECK(no_proxy_excludes("10.0.0.0/8", "10.200.3.4", 443));
  CHECK_FALSE(no_proxy_excludes("10.0.0.0/8", "11.0.0.1", 443));
  CHECK(no_proxy_excludes("192.168.1.0/23", "192.168.0.9", 443));
  CHECK_FALSE(no_proxy_excludes("192.168.1.0/24", "192.168.0.9", 443));
  CHECK(no_proxy_excludes("0.0.0.0/0", "8.8.8.8", 443));
  CHECK(no_proxy_excludes("2001:db8::/32", "[2001:db8:1::5]", 443));
  CHECK_FALSE(no_proxy_excludes("2001:db8::/32", "[2001:db9::5]", 443));
  CHECK(no_proxy_excludes("2001:DB8::1", "[2001:db8::1]", 443));
  // A range does not match names; a malformed entry is ignored.
  CHECK_FALSE(no_proxy_excludes("10.0.0.0/8", "ten.example", 443));
  CHECK_FALSE(no_proxy_excludes("10.0.0.0/33, 10.0.0.0/x", "10.0.0.1", 443));
  CHECK(no_proxy_excludes("10.0.0.0/33, 10.0.0.1", "10.0.0.1", 443));
  // An IP entry does not match a name that merely contains it.
  CHECK_FALSE(no_proxy_excludes("10.0.0.1", "10.0.0.1.example", 443));
}

TEST_CASE("proxy: proxy URLs: scheme, port, user info", "[proxy]") {
  Proxy plain = parse_proxy_url("proxy.example", "HTTP_PROXY");
  CHECK(plain.host == "proxy.example");
  CHECK(plain.port == 80);
  CHECK(plain.username.empty());
  CHECK(plain.display() == "http://proxy.example:80");
  Proxy full = parse_proxy_url("HTTP://us%40er:p%3Ass@Proxy.Example:3128/", "proxy_url");
  CHECK(full.host == "proxy.example");
  CHECK(full.port == 3128);
  CHECK(full.username == "us@er");
  CHECK(full.password == "p:ss");
  CHECK(full.source == "proxy_url");
  CHECK(full.display() == "http://proxy.example:3128");
  Proxy v6 = parse_proxy_url("http://[::1]:3128", "x");
  CHECK(v6.host == "::1");
  CHECK(v6.display() == "http://[::1]:3128");
  Proxy user_only = parse_proxy_url("http://user@p:1", "x");
  CHECK(user_only.username == "user");
  CHECK(user_only.password.empty());
}

TEST_CASE("proxy: proxy URLs it cannot use are refused by name, without their user info", "[proxy]") {
  CHECK_THAT(invalid(""), Catch::StartsWith("HTTPS_PROXY: ") && Catch::Contains("empty"));
  CHECK_THAT(invalid("https://user:hunter2@p:3128"),
             Catch::StartsWith("HTTPS_PROXY: ") && Catch::Contains("https:// proxy"));
  CHECK_THAT(invalid("socks5://p:1080"), Catch::Contains("\"socks5\" is not supported"));
  CHECK_THAT(invalid("http://user:hunter2@p:99999"), Catch::Contains("not 1 to 65535"));
  CHECK_THAT(invalid("http://user:hunter2@p:"), Catch::Contains("empty port"));
  CHECK_THAT(invalid("http://user:hunter2@:3128"), Catch::Contains("no host"));
  CHECK_THAT(invalid("http://user:hunter2@bad host:1"), Catch::Contains("not a host name"));
  CHECK_THAT(invalid("http://us%zzer:hunter2@p:1"), Catch::Contains("malformed %-escape"));
  for (const char* value : {"https://user:hunter2@p:3128", "http://user:hunter2@p:99999", "http://user:hunter2@p:",
                            "http://user:hunter2@:3128", "http://user:hunter2@bad host:1"}) {
    INFO(value);
    CHECK_THAT(invalid(value), !Catch::Contains("hunter2") && !Catch::Contains("user"));
  }
  // A bad value is an error even for a manager it would not apply to.
  CHECK_THROWS_AS(choose_proxy(from({{"HTTPS_PROXY", "socks5://p:1"}}), "https", "localhost", 443),
                  std::invalid_argument);
}

TEST_CASE("proxy: the proxy_url setting from a flag, FLECTO_PROXY_URL or the TOML file, checked at start",
          "[proxy][config]") {
  ConfigSources sources;
  sources.flags = {{"manager_url", "https://manager.example"}, {"namespace_code", "ns"},
                   {"project_code", "p"}, {"token_jwt", "t"}, {"agent_name", "edge-1"}};
  sources.environment = {{"proxy_url", "http://env-proxy:3128"}};
  CHECK(load_config(sources, RunMode::kSyncOnce).proxy_url == "http://env-proxy:3128");
  sources.flags["proxy_url"] = "http://flag-proxy:3128";
  const Config config = load_config(sources, RunMode::kSyncOnce);
  CHECK(config.proxy_url == "http://flag-proxy:3128");
  CHECK(manager_settings_from(config).proxy.proxy_url == "http://flag-proxy:3128");

  sources.flags["proxy_url"] = "socks5://user:hunter2@p:1080";
  try {
    load_config(sources, RunMode::kSyncOnce);
    FAIL("a SOCKS proxy_url was accepted");
  } catch (const ConfigError& e) {
    CHECK_THAT(e.what(), Catch::Contains("proxy_url: proxy scheme \"socks5\" is not supported"));
    CHECK_THAT(e.what(), !Catch::Contains("hunter2"));
  }
}

}  // namespace flecto
