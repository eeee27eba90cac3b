#include "matcher/rule.hpp"

namespace flecto {

std::optional<RedirectType> parse_redirect_type(std::string_view word) {
  if (word == "BASIC") return RedirectType::kBasic;
  if (word == "BASIC_HOST") return RedirectType::kBasicHost;
  if (word == "REGEX") return RedirectType::kRegex;
  if (word == "REGEX_HOST") return RedirectType::kRegexHost;
  return std::nullopt;
}

std::optional<RedirectStatus> parse_redirect_status(std::string_view word) {
  if (word == "MOVED_PERMANENT") return RedirectStatus::kMovedPermanent;
  if (word == "FOUND") return RedirectStatus::kFound;
  if (word == "TEMPORARY_REDIRECT") return RedirectStatus::kTemporaryRedirect;
  if (word == "PERMANENT_REDIRECT") return RedirectStatus::kPermanentRedirect;
  return std::nullopt;
}

std::optional<PageType> parse_page_type(std::string_view word) {
  if (word == "BASIC") return PageType::kBasic;
  if (word == "BASIC_HOST") return PageType::kBasicHost;
  return std::nullopt;
}

std::optional<ContentType> parse_content_type(std::string_view word) {
  if (word == "TEXT_PLAIN") return ContentType::kTextPlain;
  if (word == "XML") return ContentType::kXml;
  return std::nullopt;
}

std::string_view to_string(RedirectType type) {
  switch (type) {
    case RedirectType::kBasic: return "BASIC";
    case RedirectType::kBasicHost: return "BASIC_HOST";
    case RedirectType::kRegex: return "REGEX";
    case RedirectType::kRegexHost: return "REGEX_HOST";
  }
  return "";
}

std::string_view to_string(RedirectStatus status) {
  switch (status) {
    case RedirectStatus::kMovedPermanent: return "MOVED_PERMANENT";
    case RedirectStatus::kFound: return "FOUND";
    case RedirectStatus::kTemporaryRedirect: return "TEMPORARY_REDIRECT";
    case RedirectStatus::kPermanentRedirect: return "PERMANENT_REDIRECT";
  }
  return "";
}

std::string_view to_string(PageType type) {
  return type == PageType::kBasic ? "BASIC" : "BASIC_HOST";
}

std::string_view to_string(ContentType type) {
  return type == ContentType::kTextPlain ? "TEXT_PLAIN" : "XML";
}

int http_code(RedirectStatus status) {
  switch (status) {
    case RedirectStatus::kMovedPermanent: return 301;
    case RedirectStatus::kFound: return 302;
    case RedirectStatus::kTemporaryRedirect: return 307;
    case RedirectStatus::kPermanentRedirect: return 308;
  }
  return 0;
}

std::string_view mime_type(ContentType type) {
  return type == ContentType::kTextPlain ? "text/plain" : "application/xml";
}

}  // namespace flecto
