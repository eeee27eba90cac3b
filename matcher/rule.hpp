// Rules as the manager lists them, and the vocabulary of their fields.
//
// A Redirect or Page holds its fields exactly as received (strings, not
// enums), so that a rule with an unknown type or status can still be named
// when it is skipped, and written back unchanged to a snapshot. The parse_*
// functions turn the manager's words into enums; they return std::nullopt for
// a word they do not know, and never throw.

#ifndef FLECTO_MATCHER_RULE_HPP_
#define FLECTO_MATCHER_RULE_HPP_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace flecto {

// One redirect item of GET .../redirects: {"type","source","target","status"}.
struct Redirect {
  std::string type;    // BASIC, BASIC_HOST, REGEX, REGEX_HOST
  std::string source;  // exact text (BASIC*) or an RE2 pattern (REGEX*)
  std::string target;  // Location; $1..$9 refer to groups for REGEX*
  std::string status;  // MOVED_PERMANENT, FOUND, TEMPORARY_REDIRECT, PERMANENT_REDIRECT
  friend bool operator==(const Redirect&, const Redirect&) = default;
};

// One page item of GET .../pages: {"type","path","content","contentType"}.
struct Page {
  std::string type;          // BASIC, BASIC_HOST
  std::string path;          // exact uri (BASIC) or host + uri (BASIC_HOST)
  std::string content;       // served byte for byte
  std::string content_type;  // TEXT_PLAIN, XML
  friend bool operator==(const Page&, const Page&) = default;
};

// One published version of a project: both lists in the manager's order.
// This is also the content of a rules file and of the agent's snapshot.
struct Rules {
  std::int64_t version = 0;  // 0: nothing was ever published
  std::vector<Redirect> redirects;
  std::vector<Page> pages;
  friend bool operator==(const Rules&, const Rules&) = default;
};

enum class RedirectType : std::uint8_t { kBasic, kBasicHost, kRegex, kRegexHost };
enum class RedirectStatus : std::uint8_t {
  kMovedPermanent,     // 301
  kFound,              // 302
  kTemporaryRedirect,  // 307
  kPermanentRedirect,  // 308
};
enum class PageType : std::uint8_t { kBasic, kBasicHost };
enum class ContentType : std::uint8_t { kTextPlain, kXml };

std::optional<RedirectType> parse_redirect_type(std::string_view word);
std::optional<RedirectStatus> parse_redirect_status(std::string_view word);
std::optional<PageType> parse_page_type(std::string_view word);
std::optional<ContentType> parse_content_type(std::string_view word);

// The manager's word for each value ("BASIC_HOST", "FOUND", "XML", ...).
std::string_view to_string(RedirectType type);
std::string_view to_string(RedirectStatus status);
std::string_view to_string(PageType type);
std::string_view to_string(ContentType type);

// 301, 302, 307 or 308.
int http_code(RedirectStatus status);
// "text/plain" or "application/xml".
std::string_view mime_type(ContentType type);

}  // namespace flecto

#endif  // FLECTO_MATCHER_RULE_HPP_
