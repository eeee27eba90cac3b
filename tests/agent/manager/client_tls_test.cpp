// ManagerClient over HTTPS against the stand-in manager: the certificate is
// verified (chain and host), against the configured CA file.

#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <random>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "agent/manager/client.hpp"
#include "tests/standin_manager/standin_manager.hpp"
#include "support/temp_dir.hpp"

namespace flecto {
namespace {

namespace fs = std::filesystem;

using flecto::test::TempDir;

// Writes a self-signed certificate for `subject_alt_name` ("IP:127.0.0.1",
// "DNS:other.example") and its key as PEM files.
void make_self_signed(const fs::path& cert_file, const fs::path& key_file, const char* subject_alt_name) {
  EVP_PKEY* key = EVP_EC_gen("P-256");
  REQUIRE(key);
  X509* cert = X509_new();
  X509_set_version(cert, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert), 1);
  X509_gmtime_adj(X509_getm_notBefore(cert), -3600);
  X509_gmtime_adj(X509_getm_notAfter(cert), 24 * 3600);
  X509_set_pubkey(cert, key);
  X509_NAME* name = X509_get_subject_name(cert);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>("flecto test"), -1,
                             -1, 0);
  X509_set_issuer_name(cert, name);
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, cert, cert, nullptr, nullptr, 0);
  for (auto [nid, value] : {std::pair{NID_subject_alt_name, subject_alt_name},
                            std::pair{NID_basic_constraints, "critical,CA:TRUE"}}) {
    X509_EXTENSION* extension = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
    REQUIRE(extension);
    X509_add_ext(cert, extension, -1);
    X509_EXTENSION_free(extension);
  }
  REQUIRE(X509_sign(cert, key, EVP_sha256()) > 0);
  FILE* out = std::fopen(cert_file.c_str(), "w");
  REQUIRE(out);
  PEM_write_X509(out, cert);
  std::fclose(out);
  out = std::fopen(key_file.c_str(), "w");
  REQUIRE(out);
  PEM_write_PrivateKey(out, key, nullptr, nullptr, 0, nullptr, nullptr);
  std::fclose(out);
  X509_free(cert);
  EVP_PKEY_free(key);
}

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
