#include "agent/edge/answer.hpp"

#include <ctime>

#include "agent/edge/redirect_location.hpp"

namespace flecto {

namespace {

// "Sun, 06 Nov 1994 08:49:37 GMT", formatted once per second and thread.
std::string_view http_date() {
  thread_local std::time_t formatted_for = -1;
  thread_local char text[40];
  const std::time_t now = std::time(nullptr);
  if (now != formatted_for) {
    std::tm utc{};
    gmtime_r(&now, &utc);
    std::strftime(text, sizeof text, "%a, %d %b %Y %H:%M:%S GMT", &utc);
    formatted_for = now;
  }
  return text;
}

// The status line and the Date every answer carries (RFC 9110, 6.6.1).
void status_line(std::string& out, int status) {
  out += "HTTP/1.1 ";
  out += std::to_string(status);
  out += ' ';
  out += status_text(status);
  out += "\r\nDate: ";
  out += http_date();
  out += "\r\n";
}

void field(std::string& out, std::string_view name, std::string_view value) {
  out += name;
  out += ": ";
  out += value;
  out += "\r\n";
}

void debug_rule(std::string& out, std::string_view kind, std::string_view type,
                std::string_view name) {
  out += "X-Flecto-Rule: ";
  out += kind;
  out += ' ';
  out += type;
  out += ' ';
  append_percent_escaped(out, name);
  out += "\r\n";
}

// Content-Length, Connection, the blank line and (unless HEAD) the body.
void finish(std::string& out, const EdgeAnswerRequest& request, std::string_view body) {
  field(out, "Content-Length", std::to_string(body.size()));
  if (!request.keep_alive) {
    field(out, "Connection", "close");
  } else if (request.http10) {
    field(out, "Connection", "keep-alive");
  }
  out += "\r\n";
  if (request.method != "HEAD") out += body;
}

}  // namespace

EdgeAnswer append_answer(std::string& out, const Table* table, const EdgeAnswerRequest& request,
                         bool debug_headers) {
  const bool get_or_head = request.method == "GET" || request.method == "HEAD";
  if (table == nullptr) {
    status_line(out, 503);
    field(out, "Content-Type", "text/plain; charset=utf-8");
    field(out, "Retry-After", "5");
    finish(out, request, "503 no rules loaded yet\n");
    return {503, RequestOutcome::kRejected};
  }

  if (auto redirect = table->match_redirect(request.host, request.target)) {
    const std::string location = redirect_location(redirect->target, request.target);
    status_line(out, redirect->code);
    field(out, "Location", location);
    if (debug_headers) {
      field(out, "X-Flecto-Version", std::to_string(table->version()));
      debug_rule(out, "redirect", to_string(redirect->rule.type), redirect->rule.source);
    }
    if (get_or_head) {
      field(out, "Content-Type", "text/html; charset=utf-8");
      finish(out, request, redirect_html_body(location, redirect->code));
    } else {
      finish(out, request, {});
    }
    return {redirect->code, RequestOutcome::kRedirect};
  }

  if (auto page = table->match_page(request.host, request.target)) {
    const int status = get_or_head ? 200 : 405;
    status_line(out, status);
    if (debug_headers) {
      field(out, "X-Flecto-Version", std::to_string(table->version()));
      debug_rule(out, "page", to_string(page->type), page->path);
    }
    if (get_or_head) {
      field(out, "Content-Type", mime_type(page->content_type));
      finish(out, request, page->content);
    } else {
      field(out, "Allow", "GET, HEAD");
      field(out, "Content-Type", "text/plain; charset=utf-8");
      finish(out, request, "405 method not allowed\n");
    }
    return {status, RequestOutcome::kPage};
  }

  status_line(out, 404);
  if (debug_headers) field(out, "X-Flecto-Version", std::to_string(table->version()));
  field(out, "Content-Type", "text/plain; charset=utf-8");
  field(out, "X-Content-Type-Options", "nosniff");
  finish(out, request, "404 page not found\n");
  return {404, RequestOutcome::kMiss};
}

void append_refusal(std::string& out, int status, bool head_request) {
  const std::string body = std::to_string(status) + " " + std::string(status_text(status)) + "\n";
  status_line(out, status);
  field(out, "Content-Type", "text/plain; charset=utf-8");
  field(out, "Content-Length", std::to_string(body.size()));
  field(out, "Connection", "close");
  out += "\r\n";
  if (!head_request) out += body;
}

}  // namespace flecto
