#include "agent/edge/answer.hpp"

#include "agent/edge/negotiation.hpp"
#include "agent/edge/redirect_location.hpp"

namespace flecto {

namespace {

constexpr std::string_view kTextPlain = "text/plain; charset=utf-8";

// A configured name as a header value: bytes outside printable ASCII
// percent-encoded.
std::string printable(std::string_view name) {
  std::string value;
  append_percent_escaped(value, name);
  return value;
}

// "<kind> <TYPE> <name>", with `name` percent-encoded as a header needs.
std::string debug_rule(std::string_view kind, std::string_view type, std::string_view name) {
  std::string value;
  value += kind;
  value += ' ';
  value += type;
  value += ' ';
  append_percent_escaped(value, name);
  return value;
}

// 404, as Go's http.NotFound writes it. `table` is null when no project
// answers the Host.
EdgeAnswer append_miss(std::string& out, const Table* table, std::string_view project, bool head,
                       AfterAnswer after, bool debug_headers) {
  ResponseWriter response(out, 404);
  if (debug_headers) {
    response.field("X-Flecto-Project", printable(project));
    if (table) response.field("X-Flecto-Version", std::to_string(table->version()));
  }
  response.field("Content-Type", kTextPlain);
  response.field("X-Content-Type-Options", "nosniff");
  response.finish("404 page not found\n", head, after);
  return {404, RequestOutcome::kMiss, after};
}

// The Cache-Control a redirect with `code` carries; empty: none.
std::string_view redirect_cache_control(int code, const AnswerOptions& options) {
  return code == 301 || code == 308 ? options.permanent_redirect_cache_control
                                    : options.temporary_redirect_cache_control;
}

void debug_fields(ResponseWriter& response, std::string_view project, const Table& table,
                  const std::string& rule, bool by_path) {
  response.field("X-Flecto-Project", printable(project));
  response.field("X-Flecto-Version", std::to_string(table.version()));
  response.field("X-Flecto-Rule", rule);
  if (by_path) response.field("X-Flecto-Query-Fallback", "1");
}

EdgeAnswer append_redirect(std::string& out, const EdgeRoute& route, const EdgeRequest& request,
                           const RequestMatch& match, bool debug_headers, const AnswerOptions& options,
                           AfterAnswer after) {
  const RedirectMatch& redirect = *match.redirect;
  const std::string location = request_location(match, request.target);
  ResponseWriter response(out, redirect.code);
  response.field("Location", location);
  if (const std::string_view cache = redirect_cache_control(redirect.code, options); !cache.empty()) {
    response.field("Cache-Control", cache);
  }
  if (debug_headers) {
    debug_fields(response, route.project, *route.table,
                 debug_rule("redirect", to_string(redirect.rule.type), redirect.rule.source), match.by_path);
    // The target as the rule gives it (groups substituted), next to the
    // Location it became.
    std::string target;
    append_percent_escaped(target, redirect.target);
    response.field("X-Flecto-Target", target);
  }
  const bool head = request.is_head();
  if (head || request.method == "GET") {
    response.field("Content-Type", "text/html; charset=utf-8");
    response.finish(redirect_html_body(location, redirect.code), head, after);
  } else {
    response.finish({}, head, after);
  }
  return {redirect.code, RequestOutcome::kRedirect, after};
}

EdgeAnswer append_page(std::string& out, const EdgeRoute& route, const EdgeRequest& request,
                       const RequestMatch& match, bool debug_headers, const AnswerOptions& options,
                       AfterAnswer after) {
  const PageView& page = *match.page;
  const bool head = request.is_head();
  if (!head && request.method != "GET") {
    ResponseWriter response(out, 405);
    if (debug_headers) {
      debug_fields(response, route.project, *route.table, debug_rule("page", to_string(page.type), page.path),
                   match.by_path);
    }
    response.field("Allow", "GET, HEAD");
    response.field("Content-Type", kTextPlain);
    response.finish("405 method not allowed\n", head, after);
    return {405, RequestOutcome::kPage, after};
  }
  // The form sent: gzip when the page has one and the client takes it.
  const bool has_gzip = !page.gzip.empty();
  const bool gzip = has_gzip && accepts_gzip(request.accept_encoding);
  const std::string_view body = gzip ? page.gzip : page.content;
  const std::string_view etag = gzip ? page.gzip_etag : page.etag;
  const bool not_modified = !request.if_none_match.empty() && if_none_match_hits(request.if_none_match, etag);
  const int status = not_modified ? 304 : 200;
  ResponseWriter response(out, status);
  if (debug_headers) {
    debug_fields(response, route.project, *route.table, debug_rule("page", to_string(page.type), page.path),
                 match.by_path);
  }
  // A 304 carries what the 200 would have for caches (RFC 9110 15.4.5):
  // ETag, Cache-Control, Vary; and the length of that 200, never a body.
  if (!not_modified) response.field("Content-Type", mime_type(page.content_type));
  if (gzip && !not_modified) response.field("Content-Encoding", "gzip");
  response.field("ETag", etag);
  if (!options.page_cache_control.empty()) response.field("Cache-Control", options.page_cache_control);
  if (has_gzip) response.field("Vary", "Accept-Encoding");
  response.finish(body, head || not_modified, after);
  return {status, RequestOutcome::kPage, after};
}

}  // namespace

EdgeAnswer append_answer(std::string& out, const EdgeRoute& route, const EdgeRequest& request,
                         bool debug_headers, const AnswerOptions& options) {
  const bool head = request.is_head();
  const AfterAnswer after = after_answer(request);
  const Table* table = route.table;
  if (!route.routed) return append_miss(out, nullptr, "none", head, after, debug_headers);
  if (table == nullptr) {
    ResponseWriter response(out, 503);
    if (debug_headers) response.field("X-Flecto-Project", printable(route.project));
    response.field("Content-Type", kTextPlain)
        .field("Retry-After", "5")
        .finish("503 no rules loaded yet\n", head, after);
    return {503, RequestOutcome::kRejected, after};
  }
  const RequestMatch match = match_request(*table, request.host, request.target, options.query);
  if (match.redirect) return append_redirect(out, route, request, match, debug_headers, options, after);
  if (match.page) return append_page(out, route, request, match, debug_headers, options, after);
  return append_miss(out, table, route.project, head, after, debug_headers);
}

}  // namespace flecto
