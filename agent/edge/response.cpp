#include "agent/edge/response.hpp"

#include <ctime>

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

}  // namespace

AfterAnswer after_answer(const EdgeRequest& request) {
  if (request.body == EdgeRequest::Body::kChunked || request.asks_close) return AfterAnswer::kClose;
  if (!request.http10) return AfterAnswer::kKeepOpen;
  return request.asks_keep_alive ? AfterAnswer::kKeepOpenAnnounced : AfterAnswer::kClose;
}

ResponseWriter::ResponseWriter(std::string& out, int status) : out_(out) {
  out_ += "HTTP/1.1 ";
  out_ += std::to_string(status);
  out_ += ' ';
  out_ += status_text(status);
  out_ += "\r\n";
  field("Date", http_date());  // every answer carries one (RFC 9110, 6.6.1)
}

ResponseWriter& ResponseWriter::field(std::string_view name, std::string_view value) {
  out_ += name;
  out_ += ": ";
  out_ += value;
  out_ += "\r\n";
  return *this;
}

void ResponseWriter::finish(std::string_view body, bool head_request, AfterAnswer after) {
  field("Content-Length", std::to_string(body.size()));
  switch (after) {
    case AfterAnswer::kKeepOpen: break;
    case AfterAnswer::kKeepOpenAnnounced: field("Connection", "keep-alive"); break;
    case AfterAnswer::kClose: field("Connection", "close"); break;
  }
  out_ += "\r\n";
  if (!head_request) out_ += body;
}

void append_refusal(std::string& out, int status, bool head_request) {
  const std::string body = std::to_string(status) + " " + std::string(status_text(status)) + "\n";
  ResponseWriter(out, status)
      .field("Content-Type", "text/plain; charset=utf-8")
      .finish(body, head_request, AfterAnswer::kClose);
}

std::string_view status_text(int code) {
  switch (code) {
    case 200: return "OK";
    case 301: return "Moved Permanently";
    case 304: return "Not Modified";
    case 302: return "Found";
    case 307: return "Temporary Redirect";
    case 308: return "Permanent Redirect";
    case 400: return "Bad Request";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 408: return "Request Timeout";
    case 413: return "Content Too Large";
    case 414: return "URI Too Long";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 503: return "Service Unavailable";
    case 505: return "HTTP Version Not Supported";
    default: return "Unknown";
  }
}

}  // namespace flecto
