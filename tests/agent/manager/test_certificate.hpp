// A self-signed certificate for TLS tests (the stand-in manager, a test
// server), made with OpenSSL at test time.

#ifndef FLECTO_TESTS_AGENT_MANAGER_TEST_CERTIFICATE_HPP_
#define FLECTO_TESTS_AGENT_MANAGER_TEST_CERTIFICATE_HPP_

#include <catch2/catch.hpp>

#include <cstdio>
#include <filesystem>
#include <utility>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

namespace flecto::test {

// Writes a self-signed certificate for `subject_alt_name` ("IP:127.0.0.1",
// "DNS:other.example") and its key as PEM files.
inline void make_self_signed(const std::filesystem::path& cert_file, const std::filesystem::path& key_file,
                             const char* subject_alt_name) {
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

}  // namespace flecto::test

#endif  // FLECTO_TESTS_AGENT_MANAGER_TEST_CERTIFICATE_HPP_
