// ManagerClient through a real HTTP proxy on loopback (tinyproxy): http
// managers by absolute-URI requests, https managers by CONNECT with the
// certificate verified end to end, NO_PROXY, a proxy that is down or that
// refuses CONNECT, and credentials that never show.

#include <catch2/catch.hpp>

#include <filesystem>
#include <functional>
#include <mutex>
#include <sstream>
#include <thread>

#include <httplib.h>

#include "agent/config/config.hpp"
#include "agent/exit_status.hpp"
#include "agent/manager/client.hpp"
#include "agent/sync/once.hpp"
#include "tests/agent/manager/test_certificate.hpp"
#include "tests/agent/manager/tinyproxy.hpp"
#include "tests/standin_manager/standin_manager.hpp"
#include "support/temp_dir.hpp"

namespace flecto {
namespace {

namespace fs = std::filesystem;
using Kind = ManagerError::Kind;
using standin::Endpoint;
using standin::StandinManager;
using test::ClosedPort;
using test::TempDir;
using test::Tinyproxy;
using test::TinyproxyOptions;

const char* const kSecret = "hunter2-Pa55";

Rules sample_rules() {
  Rules rules;
  rules.version = 9;
  for (int i = 0; i < 1200; ++i) rules.redirects.push_back({"BASIC", "/a/" + std::to_string(i), "/b", "FOUND"});
  rules.pages.push_back({"BASIC", "/p", "text", "TEXT_PLAIN"});
  return rules;
}

ManagerSettings settings_for(const StandinManager& manager, const std::string& proxy_url) {
  ManagerSettings settings;
  settings.url = manager.url();
  settings.namespace_code = manager.options().namespace_code;
  settings.project_code = manager.options().project_code;
  settings.token = manager.options().token;
  settings.connect_timeout = std::chrono::seconds(10);
  settings.read_timeout = std::chrono::seconds(20);
  settings.proxy.proxy_url = proxy_url;
  return settings;
}

// The proxy URL with credentials in it.
std::string with_credentials(const Tinyproxy& proxy) {
  return "http://flecto:" + std::string(kSecret) + "@127.0.0.1:" + std::to_string(proxy.port());
}

std::size_t count_containing(const std::vector<std::string>& lines, const std::string& text) {
  std::size_t count = 0;
  for (const auto& line : lines) count += line.find(text) != std::string::npos;
  return count;
}

ManagerError failure_of(const std::function<void()>& call) {
  try {
    call();
  } catch (const ManagerError& e) {
    return e;
  }
  FAIL("expected a ManagerError");
  return ManagerError(Kind::kCancelled, "");
}

struct TlsFiles {
  TempDir dir;
  std::string cert = dir / "cert.pem", key = dir / "key.pem";
  std::string other_cert = dir / "other.pem", other_key = dir / "other-key.pem";
  TlsFiles() {
    test::make_self_signed(cert, key, "IP:127.0.0.1");
    test::make_self_signed(other_cert, other_key, "IP:127.0.0.1");
  }
};

}  // namespace

TEST_CASE("manager client via proxy: an http manager, every request through the proxy",
          "[manager_client][proxy][threads]") {
  Tinyproxy proxy;
  StandinManager manager({}, sample_rules());
  ManagerClient client(settings_for(manager, proxy.url()));
  CHECK(client.proxy_url() == proxy.url() + "");
  CHECK(client.get_version() == 9);
  CHECK(client.list_redirects(500).size() == 1200);
  // The manager knows only agents that reported: a heartbeat of an unknown
  // one is 500 "record not found".
  client.report_load(LoadReport{"edge-1", 9, true, std::chrono::milliseconds(3), ""});
  client.heartbeat("edge-1");
  client.ping();

  const std::vector<std::string> requests = proxy.requests();
  const std::string origin = "http://127.0.0.1:" + std::to_string(manager.port());
  CHECK(count_containing(requests, "GET " + origin + "/api/") == 4);  // version and three pages
  CHECK(count_containing(requests, "PATCH " + origin + "/api/") == 1);
  CHECK(count_containing(requests, "GET " + origin + "/health/ping") == 1);
  CHECK(manager.request_count(Endpoint::kRedirects) == 3);
}

TEST_CASE("manager client via proxy: an https manager through CONNECT, verified end to end",
          "[manager_client][proxy][tls][threads]") {
  TlsFiles tls;
  Tinyproxy proxy;
  standin::Options options;
  options.tls_cert_file = tls.cert;
  options.tls_key_file = tls.key;
  StandinManager manager(options, sample_rules());

  SECTION("the manager's certificate is trusted") {
    ManagerSettings settings = settings_for(manager, proxy.url());
    settings.ca_file = tls.cert;
    ManagerClient client(settings);
    CHECK(client.get_version() == 9);
    CHECK(client.list_redirects(5000).size() == 1200);
    CHECK(count_containing(proxy.requests(), "CONNECT 127.0.0.1:" + std::to_string(manager.port())) >= 1);
    CHECK(manager.request_count(Endpoint::kVersion) == 1);
  }
  SECTION("another CA: refused, through the proxy too") {
    ManagerSettings settings = settings_for(manager, proxy.url());
    settings.ca_file = tls.other_cert;
    ManagerClient client(settings);
    const ManagerError error = failure_of([&] { client.get_version(); });
    CHECK(error.kind() == Kind::kUnreachable);
    CHECK_THAT(error.what(), Catch::Contains("could not be verified"));
    CHECK(count_containing(proxy.requests(), "CONNECT 127.0.0.1:") >= 1);
  }
}

TEST_CASE("manager client via proxy: NO_PROXY sends the manager direct", "[manager_client][proxy][threads]") {
  Tinyproxy proxy;
  StandinManager manager({}, sample_rules());
  const char* no_proxy = GENERATE("127.0.0.1", "127.0.0.0/8", "*", "127.0.0.1:0");
  ManagerSettings settings = settings_for(manager, proxy.url());
  std::string entry = no_proxy;
  if (entry == "127.0.0.1:0") entry = "127.0.0.1:" + std::to_string(manager.port());
  settings.proxy.no_proxy = "other.example, " + entry;
  ManagerClient client(settings);
  CHECK(client.proxy_url().empty());
  CHECK(client.get_version() == 9);
  CHECK(proxy.requests().empty());
  CHECK(manager.request_count(Endpoint::kVersion) == 1);
}

TEST_CASE("manager client via proxy: a proxy that is down is unreachable, named without its credentials",
          "[manager_client][proxy][threads]") {
  ClosedPort down;
  StandinManager manager({}, sample_rules());
  const std::string url = GENERATE(as<std::string>{}, "http://127.0.0.1:", "http://flecto:hunter2-Pa55@127.0.0.1:");
  ManagerClient client(settings_for(manager, url + std::to_string(down.port())));
  CHECK(client.proxy_url() == "http://127.0.0.1:" + std::to_string(down.port()));
  const ManagerError error = failure_of([&] { client.get_version(); });
  CHECK(error.kind() == Kind::kUnreachable);
  CHECK_THAT(error.what(), Catch::Contains("cannot connect to the proxy http://127.0.0.1:" +
                                           std::to_string(down.port()) + " (from proxy_url)"));
  CHECK_THAT(error.what(), !Catch::Contains(kSecret) && !Catch::Contains("flecto:"));
  CHECK(manager.request_count(Endpoint::kVersion) == 0);
}

TEST_CASE("manager client via proxy: a proxy that refuses CONNECT to the manager's port",
          "[manager_client][proxy][tls][threads]") {
  TlsFiles tls;
  standin::Options options;
  options.tls_cert_file = tls.cert;
  options.tls_key_file = tls.key;
  StandinManager manager(options, sample_rules());
  TinyproxyOptions refusing;
  refusing.connect_ports = {1};  // not the manager's
  Tinyproxy proxy(refusing);
  ManagerSettings settings = settings_for(manager, proxy.url());
  settings.ca_file = tls.cert;
  ManagerClient client(settings);
  const ManagerError error = failure_of([&] { client.get_version(); });
  UNSCOPED_INFO(error.what());
  CHECK_THAT(error.what(), Catch::Contains("proxy " + proxy.url()) && Catch::Contains("CONNECT"));
  CHECK(manager.request_count(Endpoint::kVersion) == 0);
  CHECK(count_containing(proxy.requests(), "CONNECT 127.0.0.1:" + std::to_string(manager.port())) >= 1);
}

TEST_CASE("manager client via proxy: credentials as Proxy-Authorization, never in messages",
          "[manager_client][proxy][threads]") {
  TinyproxyOptions auth;
  auth.user = "flecto";
  auth.password = kSecret;
  Tinyproxy proxy(auth);
  StandinManager manager({}, sample_rules());

  SECTION("the right credentials pass") {
    ManagerClient client(settings_for(manager, with_credentials(proxy)));
    CHECK(client.proxy_url() == proxy.url());
    CHECK(client.get_version() == 9);
    CHECK(client.list_pages(500).size() == 1);
  }
  SECTION("no credentials: 407, with a hint, and no secret") {
    ManagerClient client(settings_for(manager, proxy.url()));
    const ManagerError error = failure_of([&] { client.get_version(); });
    CHECK(error.kind() == Kind::kHttpStatus);
    CHECK(error.http_status() == 407);
    CHECK_THAT(error.what(), Catch::Contains("wants credentials") && Catch::Contains("proxy_url"));
  }
  SECTION("wrong credentials: refused (tinyproxy says 401), and neither the user nor the password shows") {
    ManagerClient client(settings_for(manager, "http://flecto:wrong-" + std::string(kSecret) + "@127.0.0.1:" +
                                                   std::to_string(proxy.port())));
    const ManagerError error = failure_of([&] { client.get_version(); });
    CHECK((error.http_status() == 407 || error.http_status() == 401));
    CHECK(manager.request_count(Endpoint::kVersion) == 0);
    CHECK_THAT(error.what(), !Catch::Contains(kSecret) && !Catch::Contains("flecto:"));
  }
  CHECK_THAT(proxy.log(), !Catch::Contains(kSecret));
}

TEST_CASE("manager client via proxy: an https manager behind a proxy that wants credentials it lacks",
          "[manager_client][proxy][tls][threads]") {
  TlsFiles tls;
  TinyproxyOptions auth;
  auth.user = "flecto";
  auth.password = kSecret;
  Tinyproxy proxy(auth);
  standin::Options options;
  options.tls_cert_file = tls.cert;
  options.tls_key_file = tls.key;
  StandinManager manager(options, sample_rules());
  ManagerSettings settings = settings_for(manager, proxy.url());
  settings.ca_file = tls.cert;
  ManagerClient client(settings);
  // A 407 to CONNECT with "Connection: close" is an answer, not a hang.
  const ManagerError error = failure_of([&] { client.get_version(); });
  CHECK(error.kind() == Kind::kHttpStatus);
  CHECK(error.http_status() == 407);
  CHECK_THAT(error.what(), Catch::Contains("wants credentials") && Catch::Contains("CONNECT 127.0.0.1:"));
  CHECK(manager.request_count(Endpoint::kVersion) == 0);
}

TEST_CASE("manager client via proxy: proxy credentials reach the proxy, not the https manager behind it",
          "[manager_client][proxy][tls][threads]") {
  TlsFiles tls;
  TinyproxyOptions auth;
  auth.user = "flecto";
  auth.password = kSecret;
  Tinyproxy proxy(auth);
  // A TLS server that records the headers that came through the tunnel.
  httplib::SSLServer server(tls.cert.c_str(), tls.key.c_str());
  std::mutex mutex;
  std::vector<std::string> proxy_authorization;
  server.Get(".*", [&](const httplib::Request& req, httplib::Response& res) {
    std::lock_guard lock(mutex);
    proxy_authorization.push_back(req.get_header_value("Proxy-Authorization"));
    res.set_content("5\n", "text/plain");
  });
  const int port = server.bind_to_any_port("127.0.0.1");
  REQUIRE(port > 0);
  std::thread thread([&] { server.listen_after_bind(); });
  while (!server.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));

  ManagerSettings settings;
  settings.url = "https://127.0.0.1:" + std::to_string(port);
  settings.namespace_code = "ns";
  settings.project_code = "p";
  settings.token = "t";
  settings.ca_file = tls.cert;
  settings.proxy.proxy_url = with_credentials(proxy);
  ManagerClient client(settings);
  int version = 0;
  std::string error;
  try {
    version = static_cast<int>(client.get_version());
  } catch (const ManagerError& e) {
    error = e.what();
  }
  server.stop();
  thread.join();
  CHECK(error.empty());
  CHECK(version == 5);
  std::lock_guard lock(mutex);
  REQUIRE(proxy_authorization.size() == 1);
  CHECK(proxy_authorization[0].empty());  // present but empty: see make_request
  CHECK(count_containing(proxy.requests(), "CONNECT 127.0.0.1:" + std::to_string(port)) >= 1);
}

TEST_CASE("sync-once via proxy: a proxy that is down, and a manager down behind a proxy, exit 3",
          "[sync_once][proxy][threads]") {
  TempDir dir;
  Config config;
  config.namespace_code = "test-ns";
  config.project_code = "test-project";
  config.token = "test-token";
  config.agent_name = "edge-proxy";
  config.state_dir = dir.path();
  config.connect_timeout = std::chrono::seconds(10);
  config.read_timeout = std::chrono::seconds(20);
  std::ostringstream out, err;

  SECTION("the proxy is down") {
    ClosedPort down;
    StandinManager manager({}, sample_rules());
    config.manager_url = manager.url();
    config.proxy_url = "http://flecto:" + std::string(kSecret) + "@127.0.0.1:" + std::to_string(down.port());
    CHECK(run_sync_once(config, false, true, out, err) == kExitUnreachable);
    CHECK_THAT(err.str(), Catch::Contains("cannot connect to the proxy http://127.0.0.1:" +
                                          std::to_string(down.port())));
    CHECK_THAT(err.str(), Catch::Contains("does not answer /health/ping"));
    CHECK_THAT(err.str(), !Catch::Contains(kSecret));
  }
  SECTION("the manager is down behind a working proxy (the proxy answers with an HTTP error)") {
    Tinyproxy proxy;
    ClosedPort dead_manager;
    config.manager_url = "http://127.0.0.1:" + std::to_string(dead_manager.port());
    config.proxy_url = proxy.url();
    CHECK(run_sync_once(config, false, true, out, err) == kExitUnreachable);
    CHECK_THAT(err.str(), Catch::Contains("does not answer /health/ping either"));
    CHECK(count_containing(proxy.requests(), "/health/ping") == 1);
  }
  SECTION("a wrong token through the proxy is an HTTP error: exit 4, and the manager is up") {
    Tinyproxy proxy;
    StandinManager manager({}, sample_rules());
    config.manager_url = manager.url();
    config.proxy_url = proxy.url();
    config.token = "wrong-token";
    CHECK(run_sync_once(config, false, true, out, err) == kExitHttpError);
    CHECK_THAT(err.str(), Catch::Contains("HTTP 401") && Catch::Contains("answers /health/ping, so it is up"));
  }
  INFO(err.str());
}

}  // namespace flecto
