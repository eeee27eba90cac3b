// ManagerClient over HTTPS against the stand-in manager: the certificate is
// verified (chain and host), against the configured CA file.

#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <random>

#include "agent/manager/client.hpp"
#include "tests/agent/manager/test_certificate.hpp"
#include "tests/standin_manager/standin_manager.hpp"
#include "support/temp_dir.hpp"

namespace flecto {
namespace {

namespace fs = std::filesystem;

using flecto::test::make_self_signed;
using flecto::test::TempDir;

ManagerSettings settings_for(const standin::StandinManager& manager) {
  ManagerSettings settings;
  settings.url = manager.url();
  settings.namespace_code = manager.options().namespace_code;
  settings.project_code = manager.options().project_code;
  settings.token = manager.options().token;
  return settings;
}

ManagerError::Kind kind_of_failure(ManagerClient& client) {
  try {
    client.get_version();
  } catch (const ManagerError& e) {
    UNSCOPED_INFO(e.what());
    return e.kind();
  }
  FAIL("expected a ManagerError");
  return ManagerError::Kind::kCancelled;
}

}  // namespace

TEST_CASE("manager client: HTTPS with the CA file, and certificates it must refuse", "[manager_client][tls]") {
  TempDir dir;
  const fs::path cert = fs::path(dir.path()) / "cert.pem", key = fs::path(dir.path()) / "key.pem";
  const fs::path other_cert = fs::path(dir.path()) / "other.pem", other_key = fs::path(dir.path()) / "other-key.pem";
  const fs::path wrong_host_cert = fs::path(dir.path()) / "wrong-host.pem", wrong_host_key = fs::path(dir.path()) / "wrong-host-key.pem";
  make_self_signed(cert, key, "IP:127.0.0.1");
  make_self_signed(other_cert, other_key, "IP:127.0.0.1");
  make_self_signed(wrong_host_cert, wrong_host_key, "DNS:other.example");

  Rules rules;
  rules.version = 4;
  rules.redirects.push_back({"BASIC", "/a", "/b", "FOUND"});
  standin::Options options;
  options.tls_cert_file = cert;
  options.tls_key_file = key;
  standin::StandinManager manager(options, rules);
  REQUIRE(manager.url().rfind("https://127.0.0.1:", 0) == 0);

  SECTION("trusted through ca_file") {
    auto settings = settings_for(manager);
    settings.ca_file = cert;
    ManagerClient client(settings);
    CHECK(client.get_version() == 4);
    CHECK(client.list_redirects(10) == rules.redirects);
  }
  SECTION("not in the system's CA store") {
    ManagerClient client(settings_for(manager));
    CHECK(kind_of_failure(client) == ManagerError::Kind::kUnreachable);
  }
  SECTION("another CA") {
    auto settings = settings_for(manager);
    settings.ca_file = other_cert;
    ManagerClient client(settings);
    CHECK(kind_of_failure(client) == ManagerError::Kind::kUnreachable);
  }
  SECTION("a certificate for another host") {
    standin::Options wrong = options;
    wrong.tls_cert_file = wrong_host_cert;
    wrong.tls_key_file = wrong_host_key;
    standin::StandinManager wrong_manager(wrong, rules);
    auto settings = settings_for(wrong_manager);
    settings.ca_file = wrong_host_cert;
    ManagerClient client(settings);
    CHECK(kind_of_failure(client) == ManagerError::Kind::kUnreachable);
  }
  SECTION("plain HTTP to a TLS port") {
    auto settings = settings_for(manager);
    settings.url.replace(0, 5, "http");
    settings.read_timeout = std::chrono::seconds(10);
    ManagerClient client(settings);
    CHECK(kind_of_failure(client) == ManagerError::Kind::kUnreachable);
  }
}

}  // namespace flecto
