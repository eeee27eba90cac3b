#include "agent/projects/snapshot_name.hpp"

#include <openssl/evp.h>

#include <stdexcept>

namespace flecto {
namespace {

constexpr char kHexUpper[] = "0123456789ABCDEF";
constexpr char kHexLower[] = "0123456789abcdef";

bool is_kept(unsigned char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '-';
}

void append_escaped(std::string& out, std::string_view part) {
  for (const char byte : part) {
    const auto c = static_cast<unsigned char>(byte);
    if (is_kept(c)) {
      out += byte;
    } else {
      out += '%';
      out += kHexUpper[c >> 4];
      out += kHexUpper[c & 15];
    }
  }
}

// "<length>:<bytes>": the three parts joined so that no two triples give
// the same bytes.
void append_length_prefixed(std::string& out, std::string_view part) {
  out += std::to_string(part.size());
  out += ':';
  out += part;
}

std::string sha256_hex(const std::string& data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int digest_size = 0;
  if (EVP_Digest(data.data(), data.size(), digest, &digest_size, EVP_sha256(), nullptr) != 1) {
    throw std::runtime_error("SHA-256 is not available");
  }
  std::string hex;
  hex.reserve(2 * digest_size);
  for (unsigned int i = 0; i < digest_size; ++i) {
    hex += kHexLower[digest[i] >> 4];
    hex += kHexLower[digest[i] & 15];
  }
  return hex;
}

}  // namespace

std::string project_snapshot_name(std::string_view manager_url, std::string_view namespace_code,
                                  std::string_view project_code) {
  std::string name = "project.";
  append_escaped(name, manager_url);
  name += '.';
  append_escaped(name, namespace_code);
  name += '.';
  append_escaped(name, project_code);
  name += ".json";
  if (name.size() <= kMaxProjectSnapshotName) return name;

  std::string triple;
  append_length_prefixed(triple, manager_url);
  append_length_prefixed(triple, namespace_code);
  append_length_prefixed(triple, project_code);
  return "project." + sha256_hex(triple) + ".json";
}

}  // namespace flecto
