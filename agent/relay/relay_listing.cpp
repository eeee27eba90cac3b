#include "agent/relay/relay_listing.hpp"

#include <openssl/evp.h>

#include <algorithm>
#include <charconv>
#include <limits>
#include <vector>

#include "agent/text/json_string.hpp"

namespace flecto {
namespace {

constexpr std::int64_t kDefaultLimit = 500;  // the manager's
constexpr std::string_view kCursorTag = "flecto-relay-1";

// A whole decimal integer, optional '-', or nullopt.
std::optional<std::int64_t> parse_integer(std::string_view text) {
  std::int64_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

std::optional<std::uint64_t> parse_unsigned(std::string_view text) {
  std::uint64_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

std::string base64url(std::string_view raw) {
  std::string out(4 * ((raw.size() + 2) / 3) + 1, '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(raw.data()), static_cast<int>(raw.size()));
  out.resize(static_cast<std::size_t>(n));
  while (!out.empty() && out.back() == '=') out.pop_back();
  for (char& c : out) c = c == '+' ? '-' : c == '/' ? '_' : c;
  return out;
}

std::optional<std::string> from_base64url(std::string_view text) {
  if (text.size() % 4 == 1 || text.size() > 4096) return std::nullopt;
  std::string padded;
  padded.reserve(text.size() + 3);
  for (char c : text) {
    const bool plain = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
    if (!plain && c != '-' && c != '_') return std::nullopt;
    padded += c == '-' ? '+' : c == '_' ? '/' : c;
  }
  const std::size_t pad = (4 - padded.size() % 4) % 4;
  padded.append(pad, '=');
  std::string out(padded.size() / 4 * 3, '\0');
  const int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(padded.data()), static_cast<int>(padded.size()));
  if (n < 0 || static_cast<std::size_t>(n) < pad) return std::nullopt;
  out.resize(static_cast<std::size_t>(n) - pad);  // EVP_DecodeBlock counts the padding as zero bytes
  return out;
}

std::vector<std::string_view> split(std::string_view text, char separator) {
  std::vector<std::string_view> parts;
  for (std::size_t at = 0;;) {
    const std::size_t end = text.find(separator, at);
    parts.push_back(text.substr(at, end == std::string_view::npos ? std::string_view::npos : end - at));
    if (end == std::string_view::npos) return parts;
    at = end + 1;
  }
}

RelayListingAnswer bad_request(std::string_view message) {
  return RelayListingAnswer{400, relay_message_json(message), false};
}

const RelayItems& items_of(const RelayVersion& version, RelayListingKind kind) {
  return kind == RelayListingKind::kRedirects ? version.redirects() : version.pages();
}

std::string page_body(std::string_view items, std::int64_t total, std::int64_t limit, std::int64_t offset,
                      const std::string& next, bool with_next) {
  std::string body;
  body.reserve(items.size() + 96 + next.size());
  body += "{\"Items\":[";
  body += items;
  body += "],\"Total\":" + std::to_string(total);
  body += ",\"Limit\":" + std::to_string(limit);
  body += ",\"Offset\":" + std::to_string(offset);
  if (with_next) {
    body += ",\"Next\":";
    append_json_string(body, next);
  }
  body += '}';
  return body;
}

}  // namespace

std::string relay_message_json(std::string_view message) {
  std::string out = "{\"message\":";
  append_json_string(out, message);
  out += '}';
  return out;
}

std::string encode_relay_cursor(const RelayCursor& cursor) {
  std::string raw(kCursorTag);
  raw += cursor.kind == RelayListingKind::kRedirects ? ":r:" : ":p:";
  raw += std::to_string(cursor.version) + ":" + std::to_string(cursor.serial) + ":" + std::to_string(cursor.offset) +
         ":" + std::to_string(cursor.total);
  return base64url(raw);
}

std::optional<RelayCursor> decode_relay_cursor(std::string_view text) {
  const std::optional<std::string> raw = from_base64url(text);
  if (!raw) return std::nullopt;
  const std::vector<std::string_view> parts = split(*raw, ':');
  if (parts.size() != 6 || parts[0] != kCursorTag || (parts[1] != "r" && parts[1] != "p")) return std::nullopt;
  RelayCursor cursor;
  cursor.kind = parts[1] == "r" ? RelayListingKind::kRedirects : RelayListingKind::kPages;
  const auto version = parse_integer(parts[2]);
  const auto serial = parse_unsigned(parts[3]);
  const auto offset = parse_integer(parts[4]);
  const auto total = parse_integer(parts[5]);
  if (!version || !serial || !offset || !total || *offset < 0 || *total < 0 || *offset > *total) return std::nullopt;
  cursor.version = *version;
  cursor.serial = *serial;
  cursor.offset = *offset;
  cursor.total = *total;
  // Only the one spelling: a cursor is never built or edited by a client.
  if (encode_relay_cursor(cursor) != text) return std::nullopt;
  return cursor;
}

RelayListingAnswer answer_relay_listing(RelayListingKind kind, const RelayListingQuery& query,
                                        const RelayVersion& current, const FindRelayVersion& find,
                                        bool with_next) {
  std::int64_t limit = kDefaultLimit;
  if (query.limit) {
    const auto parsed = parse_integer(*query.limit);
    if (!parsed) return bad_request("limit: expected an integer");
    limit = *parsed;
  }
  std::int64_t offset = 0;
  if (query.offset) {
    const auto parsed = parse_integer(*query.offset);
    if (!parsed || *parsed < 0) return bad_request("offset: expected a non-negative integer");
    offset = *parsed;
  }
  std::shared_ptr<const RelayVersion> named;  // keeps the cursor's version alive for this answer
  const RelayVersion* version = &current;
  if (query.cursor && !query.cursor->empty()) {
    const std::optional<RelayCursor> cursor = decode_relay_cursor(*query.cursor);
    if (!cursor) return bad_request("malformed cursor");
    if (cursor->kind != kind) return bad_request("malformed cursor: it walks the other listing");
    offset = cursor->offset;
    if (cursor->version != current.version() || cursor->serial != current.serial()) {
      named = find ? find(cursor->version, cursor->serial) : nullptr;
      if (!named) return RelayListingAnswer{200, page_body({}, cursor->total, limit, offset, "", with_next), true};
      version = named.get();
    }
  }
  const RelayItems& items = items_of(*version, kind);
  const auto total = static_cast<std::int64_t>(items.size());
  const bool every = limit <= 0;
  const std::int64_t from = std::min(offset, total);
  const std::int64_t to = every || limit > total - from ? total : from + limit;
  std::string next;
  if (!every && to - from == limit) {
    next = encode_relay_cursor(RelayCursor{kind, version->version(), version->serial(), to, total});
  }
  const std::string_view page = items.range(static_cast<std::size_t>(from), static_cast<std::size_t>(to));
  return RelayListingAnswer{200, page_body(page, total, limit, offset, next, with_next), false};
}

}  // namespace flecto
