#include "agent/edge/answer.hpp"

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

}  // namespace

EdgeAnswer append_answer(std::string& out, const EdgeRoute& route, const EdgeRequest& request,
                         bool debug_headers) {
  const bool head = request.is_head();
  const bool get_or_head = head || request.method == "GET";
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

  if (auto redirect = table->match_redirect(request.host, request.target)) {
    const std::string location = redirect_location(redirect->target, request.target);
    ResponseWriter response(out, redirect->code);
    response.field("Location", location);
    if (debug_headers) {
      response.field("X-Flecto-Project", printable(route.project));
      response.field("X-Flecto-Version", std::to_string(table->version()));
      response.field("X-Flecto-Rule",
                     debug_rule("redirect", to_string(redirect->rule.type), redirect->rule.source));
      // The target as the rule gives it (groups substituted), next to the
      // Location it became.
      std::string target;
      append_percent_escaped(target, redirect->target);
      response.field("X-Flecto-Target", target);
    }
    if (get_or_head) {
      response.field("Content-Type", "text/html; charset=utf-8");
      response.finish(redirect_html_body(location, redirect->code), head, after);
    } else {
      response.finish({}, head, after);
    }
    return {redirect->code, RequestOutcome::kRedirect, after};
  }

  if (auto page = table->match_page(request.host, request.target)) {
    const int status = get_or_head ? 200 : 405;
    ResponseWriter response(out, status);
    if (debug_headers) {
      response.field("X-Flecto-Project", printable(route.project));
      response.field("X-Flecto-Version", std::to_string(table->version()));
      response.field("X-Flecto-Rule", debug_rule("page", to_string(page->type), page->path));
    }
    if (get_or_head) {
      response.field("Content-Type", mime_type(page->content_type));
      response.finish(page->content, head, after);
    } else {
      response.field("Allow", "GET, HEAD");
      response.field("Content-Type", kTextPlain);
      response.finish("405 method not allowed\n", head, after);
    }
    return {status, RequestOutcome::kPage, after};
  }

  return append_miss(out, table, route.project, head, after, debug_headers);
}

}  // namespace flecto
