// The stand-in's opaque cursors: base64 of a marker byte, the offset (8
// bytes, big-endian) and a 4-byte checksum. The marker makes every cursor
// start with '+', and 13 bytes always end in "==", so a client that does not
// URL-encode the cursor is caught (its '+' arrives as a space -> 400).

#include <cstdint>
#include <string>

#include "tests/standin_manager/standin_manager.hpp"

namespace flecto::standin {
namespace {

constexpr unsigned char kMarker = 0xfb;
constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

std::uint32_t checksum(const unsigned char* data, std::size_t size) {
  std::uint32_t hash = 2166136261u ^ 0x5eedu;  // FNV-1a with a salt
  for (std::size_t i = 0; i < size; ++i) hash = (hash ^ data[i]) * 16777619u;
  return hash;
}

int decode_char(char c) {
  for (int i = 0; i < 64; ++i) {
    if (kAlphabet[i] == c) return i;
  }
  return -1;
}

}  // namespace

std::string encode_cursor(std::int64_t offset) {
  unsigned char raw[13];
  raw[0] = kMarker;
  const auto value = static_cast<std::uint64_t>(offset);
  for (int i = 0; i < 8; ++i) raw[1 + i] = static_cast<unsigned char>(value >> (56 - 8 * i));
  std::uint32_t sum = checksum(raw, 9);
  for (int i = 0; i < 4; ++i) raw[9 + i] = static_cast<unsigned char>(sum >> (24 - 8 * i));
  std::string out;
  for (std::size_t i = 0; i < sizeof raw; i += 3) {
    std::uint32_t group = std::uint32_t{raw[i]} << 16;
    if (i + 1 < sizeof raw) group |= std::uint32_t{raw[i + 1]} << 8;
    if (i + 2 < sizeof raw) group |= raw[i + 2];
    out += kAlphabet[(group >> 18) & 63];
    out += kAlphabet[(group >> 12) & 63];
    out += i + 1 < sizeof raw ? kAlphabet[(group >> 6) & 63] : '=';
    out += i + 2 < sizeof raw ? kAlphabet[group & 63] : '=';
  }
  return out;
}

std::int64_t decode_cursor(const std::string& cursor) {
  if (cursor.size() != 20 || cursor.compare(18, 2, "==") != 0) return -1;
  unsigned char raw[15];
  std::size_t n = 0;
  for (std::size_t i = 0; i < 20; i += 4) {
    std::uint32_t group = 0;
    for (std::size_t j = 0; j < 4; ++j) {
      char c = cursor[i + j];
      int v = c == '=' && i == 16 && j >= 2 ? 0 : decode_char(c);
      if (v < 0) return -1;
      group = (group << 6) | static_cast<std::uint32_t>(v);
    }
    raw[n++] = static_cast<unsigned char>(group >> 16);
    raw[n++] = static_cast<unsigned char>(group >> 8);
    raw[n++] = static_cast<unsigned char>(group);
  }
  if (raw[0] != kMarker) return -1;
  std::uint32_t sum = 0;
  for (int i = 0; i < 4; ++i) sum = (sum << 8) | raw[9 + i];
  if (sum != checksum(raw, 9)) return -1;
  std::uint64_t offset = 0;
  for (int i = 0; i < 8; ++i) offset = (offset << 8) | raw[1 + i];
  if (offset > static_cast<std::uint64_t>(INT64_MAX)) return -1;
  return static_cast<std::int64_t>(offset);
}

}  // namespace flecto::standin
