// The stand-in's opaque cursors: base64 of a marker byte, a format byte,
// the offset and the first page's Total (8 bytes each, big-endian) and a
// 4-byte checksum. The marker makes every cursor start with '+', and 22
// bytes always end in "==", so a client that does not URL-encode the cursor
// is caught (its '+' arrives as a space -> 400).

#include <cstdint>
#include <optional>
#include <string>

#include "tests/standin_manager/standin_manager.hpp"

namespace flecto::standin {
namespace {

constexpr unsigned char kMarker = 0xfb;
constexpr unsigned char kFormat = 2;  // 1 was the offset alone
constexpr std::size_t kRawSize = 22;
constexpr std::size_t kEncodedSize = 32;
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

void put64(unsigned char* at, std::int64_t value) {
  const auto v = static_cast<std::uint64_t>(value);
  for (int i = 0; i < 8; ++i) at[i] = static_cast<unsigned char>(v >> (56 - 8 * i));
}

std::uint64_t get64(const unsigned char* at) {
  std::uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | at[i];
  return v;
}

}  // namespace

std::string encode_cursor(Cursor cursor) {
  unsigned char raw[kRawSize];
  raw[0] = kMarker;
  raw[1] = kFormat;
  put64(raw + 2, cursor.offset);
  put64(raw + 10, cursor.total);
  std::uint32_t sum = checksum(raw, 18);
  for (int i = 0; i < 4; ++i) raw[18 + i] = static_cast<unsigned char>(sum >> (24 - 8 * i));
  std::string out;
  for (std::size_t i = 0; i < kRawSize; i += 3) {
    std::uint32_t group = std::uint32_t{raw[i]} << 16;
    if (i + 1 < kRawSize) group |= std::uint32_t{raw[i + 1]} << 8;
    if (i + 2 < kRawSize) group |= raw[i + 2];
    out += kAlphabet[(group >> 18) & 63];
    out += kAlphabet[(group >> 12) & 63];
    out += i + 1 < kRawSize ? kAlphabet[(group >> 6) & 63] : '=';
    out += i + 2 < kRawSize ? kAlphabet[group & 63] : '=';
  }
  return out;
}

std::optional<Cursor> decode_cursor(const std::string& cursor) {
  if (cursor.size() != kEncodedSize || cursor.compare(kEncodedSize - 2, 2, "==") != 0) return std::nullopt;
  unsigned char raw[kEncodedSize / 4 * 3];
  std::size_t n = 0;
  for (std::size_t i = 0; i < kEncodedSize; i += 4) {
    std::uint32_t group = 0;
    for (std::size_t j = 0; j < 4; ++j) {
      char c = cursor[i + j];
      int v = c == '=' && i == kEncodedSize - 4 && j >= 2 ? 0 : decode_char(c);
      if (v < 0) return std::nullopt;
      group = (group << 6) | static_cast<std::uint32_t>(v);
    }
    raw[n++] = static_cast<unsigned char>(group >> 16);
    raw[n++] = static_cast<unsigned char>(group >> 8);
    raw[n++] = static_cast<unsigned char>(group);
  }
  if (raw[0] != kMarker || raw[1] != kFormat) return std::nullopt;
  std::uint32_t sum = 0;
  for (int i = 0; i < 4; ++i) sum = (sum << 8) | raw[18 + i];
  if (sum != checksum(raw, 18)) return std::nullopt;
  const std::uint64_t offset = get64(raw + 2), total = get64(raw + 10);
  if (offset > static_cast<std::uint64_t>(INT64_MAX) || total > static_cast<std::uint64_t>(INT64_MAX)) {
    return std::nullopt;
  }
  return Cursor{static_cast<std::int64_t>(offset), static_cast<std::int64_t>(total)};
}

}  // namespace flecto::standin
