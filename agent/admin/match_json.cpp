#include "agent/admin/match_json.hpp"

#include "agent/edge/redirect_location.hpp"
#include "agent/rules/rules_json.hpp"

namespace flecto {

std::string match_result_json(const Table& table, std::string_view host, std::string_view uri) {
  return match_result_json(table.match_redirect(host, uri), table.match_page(host, uri), uri);
}

std::string routed_match_json(const std::string* project, const Table* table, std::string_view host,
                              std::string_view uri) {
  std::string out = "{\"project\":";
  if (project) {
    append_json_string(out, *project);
  } else {
    out += "null";
  }
  const std::string match = table ? match_result_json(*table, host, uri)
                                  : match_result_json(std::nullopt, std::nullopt, uri);
  out += ',';
  out.append(match, 1);  // its fields, after its '{'
  return out;
}

std::string match_result_json(const std::optional<RedirectMatch>& redirect,
                              const std::optional<PageView>& page, std::string_view uri) {
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
    append_json_string(out, redirect_location(redirect->target, uri));
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
  out += '}';
  return out;
}

}  // namespace flecto
