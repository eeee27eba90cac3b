#include "agent/admin/match_json.hpp"

#include "agent/rules/rules_json.hpp"

namespace flecto {

namespace {

// The answer line for `match`, found for request target `uri`.
std::string request_match_json(const RequestMatch& match, std::string_view uri) {
  const std::optional<RedirectMatch>& redirect = match.redirect;
  const std::optional<PageView>& page = match.page;
  std::string out;
  out.reserve(256);
  out += "{\"redirect\":";
  if (redirect) {
    // A loaded rule's type and status are words parse_* accepted, so
    // to_string gives back exactly the text the manager listed.
    const RedirectRuleView& rule = redirect->rule;
    append_redirect_json(out, Redirect{std::string(to_string(rule.type)), std::string(rule.source),
                                       std::string(rule.target), std::string(to_string(rule.status))});
    out += ",\"target\":";
    append_json_string(out, redirect->target);
    out += ",\"location\":";
    append_json_string(out, request_location(match, uri));
    out += ",\"code\":";
    out += std::to_string(redirect->code);
  } else {
    out += "null,\"target\":\"\",\"location\":\"\",\"code\":null";
  }
  out += ",\"page\":";
  if (page) {
    append_page_json(out, Page{std::string(to_string(page->type)), std::string(page->path),
                               std::string(page->content), std::string(to_string(page->content_type))});
  } else {
    out += "null";
  }
  if (match.by_path) out += ",\"query_fallback\":true";
  out += '}';
  return out;
}

}  // namespace

std::string match_result_json(const Table& table, std::string_view host, std::string_view uri) {
  return request_match_json(match_request(table, host, uri, {}, PageLookup::kAlways), uri);
}

std::string routed_match_json(const std::string* project, const Table* table, std::string_view host,
                              std::string_view uri, const QueryOptions& query) {
  std::string out = "{\"project\":";
  if (project) {
    append_json_string(out, *project);
  } else {
    out += "null";
  }
  const std::string match = table ? request_match_json(match_request(*table, host, uri, query, PageLookup::kAlways), uri)
                                  : match_result_json(std::nullopt, std::nullopt, uri);
  out += ',';
  out.append(match, 1);  // its fields, after its '{'
  return out;
}

std::string match_result_json(const std::optional<RedirectMatch>& redirect,
                              const std::optional<PageView>& page, std::string_view uri) {
  RequestMatch match;
  match.redirect = redirect;
  match.page = page;
  return request_match_json(match, uri);
}

}  // namespace flecto
