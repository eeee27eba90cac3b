#include "agent/manager/client.hpp"

#include <algorithm>
#include <optional>
#include <stdexcept>
#include <type_traits>
#include <utility>

#include <httplib.h>
#include <simdjson.h>

#include "agent/manager/api_json.hpp"
#include "agent/config/manager_url.hpp"
#include "agent/manager/connect_probe.hpp"
#include "agent/manager/content_decoder.hpp"
#include "agent/rules/rules_json.hpp"
#include "agent/version.hpp"

namespace flecto {
namespace {

using Kind = ManagerError::Kind;

// The bound on a version, report or heartbeat answer: a version is a few
// bytes, the others are empty; a manager (or proxy) that sends an endless
// body must not make the agent hold max_body_bytes for it.
constexpr std::size_t kMaxSmallAnswer = std::size_t{64} << 10;

constexpr const char* kUserAgent = "flecto-agent/" FLECTO_AGENT_VERSION;

std::string describe_direct(httplib::Error error) {
  switch (error) {
    case httplib::Error::Connection: return "cannot connect";
    case httplib::Error::ConnectionTimeout: return "connect timed out";
    case httplib::Error::Read: return "reading the answer failed (timed out, or the connection closed mid-answer)";
    case httplib::Error::Write: return "sending the request failed";
    case httplib::Error::SSLConnection: return "TLS handshake failed";
    case httplib::Error::SSLLoadingCerts: return "cannot load the CA certificates (ca_file)";
    case httplib::Error::SSLServerVerification:
      return "the manager's TLS certificate could not be verified "
             "(check ca_file, and that the certificate names the URL's host)";
    case httplib::Error::Compression: return "cannot decompress the answer";
    default: return "request failed (" + httplib::to_string(error) + ")";
  }
}

// What went wrong, naming the proxy when there is one: through a proxy, a
// connect error is the proxy's, and a TLS handshake that fails may be a
// CONNECT the proxy refused.
std::string describe(httplib::Error error, const std::optional<Proxy>& proxy, const ManagerUrl& url) {
  if (!proxy) return describe_direct(error);
  const std::string named = "the proxy " + proxy->display() + " (from " + proxy->source + ")";
  switch (error) {
    case httplib::Error::Connection: return "cannot connect to " + named;
    case httplib::Error::ConnectionTimeout: return "connecting to " + named + " timed out";
    case httplib::Error::SSLConnection:
      return "TLS handshake with the manager through " + named +
             " failed: the proxy may have refused CONNECT to " + url.host + ":" + std::to_string(url.port) +
             ", or the manager does not speak TLS";
    default: return describe_direct(error) + ", through " + named;
  }
}

// Replaces every occurrence of `secret` in `text`: a manager that echoes
// the token must not put it in our messages.
std::string redact(std::string text, const std::string& secret) {
  if (secret.empty()) return text;
  for (std::size_t at = text.find(secret); at != std::string::npos; at = text.find(secret, at + 5)) {
    text.replace(at, secret.size(), "<...>");
  }
  return text;
}

// The `message` of a JSON error body, or "".
std::string error_message(const std::string& body) {
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (parser.parse(body).get(root) || !root.is_object()) return {};
  for (auto [key, value] : root.get_object()) {
    if (key_equals(key, "message") && value.is_string()) {
      return shorten_utf8(std::string_view(value.get_string()), 300);
    }
  }
  return {};
}

}  // namespace

struct ManagerClient::Impl {
  ManagerSettings settings;
  ManagerUrl url;
  std::string display_url;  // origin + base path: the manager's URL as configured
  // Messages name a request as "GET " + url.origin() + its path, which starts
  // with the base path already.
  std::string api_path;     // <base>/api/namespace/<ns>/project/<p>
  std::optional<Proxy> proxy;
  std::string proxy_display;  // "" when direct
  httplib::Client client;
  simdjson::dom::parser parser;

  Impl(ManagerSettings s, ManagerUrl u, std::optional<Proxy> p)
      : settings(std::move(s)),
        url(std::move(u)),
        display_url(url.to_string()),
        proxy(std::move(p)),
        proxy_display(proxy ? proxy->display() : std::string()),
        client(url.origin()) {
    api_path = url.base_path + "/api/namespace/" + url_encode(settings.namespace_code) + "/project/" +
               url_encode(settings.project_code);
    client.set_connection_timeout(settings.connect_timeout);
    client.set_read_timeout(settings.read_timeout);
    client.set_write_timeout(settings.read_timeout);
    client.set_keep_alive(true);  // a listing is many requests
    client.set_tcp_nodelay(true);  // else small requests wait for delayed ACKs
    client.set_follow_location(false);
    // Answers are decoded here, as they arrive, so that the size bounds
    // hold for the decoded bytes (httplib would decode without a bound).
    client.set_decompress(false);
    if (proxy) {
      client.set_proxy(proxy->host, proxy->port);
      // Proxies close client connections after an answer (tinyproxy does),
      // and a request sent on such a connection just then fails: through a
      // proxy, an http manager gets a connection per request. (An https
      // manager keeps its tunnel.)
      if (url.scheme == "http") client.set_keep_alive(false);
      if (!proxy->username.empty() || !proxy->password.empty()) {
        client.set_proxy_basic_auth(proxy->username, proxy->password);
      }
    }
    if (url.scheme == "https") {
      client.enable_server_certificate_verification(true);
      if (!settings.ca_file.empty()) client.set_ca_cert_path(settings.ca_file);
    }
  }

  [[noreturn]] void fail(Kind kind, const std::string& what, const std::string& why, int status = 0) const {
    std::string message = redact(what + ": " + why, settings.token);
    // Messages are built without the proxy's user info; this is for an
    // error page that echoes it (values too short to be told apart are not
    // replaced).
    if (proxy && proxy->password.size() >= 4) message = redact(std::move(message), proxy->password);
    if (proxy && proxy->username.size() >= 4) message = redact(std::move(message), proxy->username);
    throw ManagerError(kind, message, status);
  }

  std::string http_status_message(int status, const std::string& body) const {
    std::string why = "HTTP " + std::to_string(status);
    std::string message = error_message(body);
    if (!message.empty()) why += " (the manager says \"" + message + "\")";
    if (status == 401) {
      why += "; check the token (token_jwt or token_file): it is missing, invalid or expired";
    } else if (status == 403) {
      why += "; check the token's permissions: it may not read this project (or write its agents)";
    } else if (status == 404) {
      why += "; check manager_url (and its base path)";
    } else if (status == 500) {
      why += "; an unknown namespace_code or project_code is also answered 500, and so is a bad token "
             "by managers before 0.2.0";
    } else if (status == 407) {
      why += "; the proxy " + proxy_display + " wants credentials: check the user and password in " +
             (proxy ? proxy->source : std::string("the proxy URL"));
    }
    if (proxy && (status == 500 || status == 502 || status == 503 || status == 504)) {
      why += " (perhaps from the proxy " + proxy_display + ", which could not reach the manager)";
    }
    return why;
  }

  // Before httplib opens a new tunnel: whether the proxy opens one at all
  // (connect_probe.hpp says why). A refusal is kUnreachable (407: kHttpStatus,
  // the credentials are wrong), named by the proxy and its answer.
  void check_tunnel(const std::string& what) const {
    const ConnectAnswer answer =
        probe_connect(*proxy, url.host, url.port, settings.connect_timeout, settings.read_timeout);
    const std::string named = "the proxy " + proxy_display + " (from " + proxy->source + ")";
    const std::string target = url.host + ":" + std::to_string(url.port);
    if (!answer.reached) {
      fail(Kind::kUnreachable, what,
           answer.problem == "cannot connect" ? "cannot connect to " + named
                                              : named + ": " + answer.problem + " (CONNECT " + target + ")");
    }
    if (answer.status == 407) {
      fail(Kind::kHttpStatus, what,
           named + " answered CONNECT " + target + " with HTTP 407 " + answer.reason +
               ": it wants credentials: check the user and password in " + proxy->source,
           407);
    }
    if (answer.status < 200 || answer.status > 299) {
      fail(Kind::kUnreachable, what,
           named + " refused CONNECT " + target + ": HTTP " + std::to_string(answer.status) + " " + answer.reason +
               " (a proxy may allow CONNECT to port 443 only)");
    }
  }

  // The request for one call: the token in its header, a JSON body if any.
  httplib::Request make_request(const std::string& method, const std::string& path, std::string body,
                                bool with_token) const {
    httplib::Request req;
    req.method = method;
    req.path = path;
    if (with_token) req.headers.emplace(settings.header_authorization_name, "Bearer " + settings.token);
    req.headers.emplace("Accept", "application/json");
    req.headers.emplace("Accept-Encoding", settings.accept_encoding);
    req.headers.emplace("User-Agent", kUserAgent);
    // httplib 0.11 would add the proxy's credentials to the requests inside
    // a CONNECT tunnel too, for the manager to see: an empty header there
    // keeps them for the CONNECT itself.
    if (proxy && url.scheme == "https") req.headers.emplace("Proxy-Authorization", "");
    if (!body.empty()) {
      req.headers.emplace("Content-Type", "application/json");
      req.body = std::move(body);
    }
    return req;
  }

  // An answer's body, read up to a bound: a larger answer ends the transfer.
  struct BoundedAnswer {
    std::string body;
    std::size_t max;
    bool too_large = false;
    std::optional<ContentDecoder> decoder;  // from the answer's Content-Encoding
    std::string corrupt;                    // why the decoder failed, "" when it did not
  };

  // Makes `req` read its answer into `answer`. A successful answer to a
  // `small` call is bounded by kMaxSmallAnswer; an error page is read up to
  // max_body_bytes, so that its status is what the error says.
  static void read_into(httplib::Request& req, BoundedAnswer& answer, bool small, std::stop_token stop) {
    req.response_handler = [&answer, small](const httplib::Response& res) {
      if (small && res.status >= 200 && res.status <= 299) answer.max = std::min(answer.max, kMaxSmallAnswer);
      if (res.has_header("Content-Length")) {
        std::string length = res.get_header_value("Content-Length");
        if (length.size() > 19 || std::stoull("0" + length) > answer.max) {
          answer.too_large = true;
          return false;
        }
      }
      answer.decoder.emplace(res.get_header_value("Content-Encoding"));
      // The decoded size of a compressed answer is not known beforehand.
      if (res.has_header("Content-Length") && answer.decoder->encoding().empty()) {
        answer.body.reserve(std::stoull("0" + res.get_header_value("Content-Length")) +
                            simdjson::SIMDJSON_PADDING);
      }
      return true;
    };
    req.content_receiver = [&answer, stop](const char* data, std::size_t size, std::uint64_t, std::uint64_t) {
      if (stop.stop_requested()) return false;
      if (!answer.decoder) answer.decoder.emplace("");
      switch (answer.decoder->feed(std::string_view(data, size), answer.body, answer.max)) {
        case ContentDecoder::Result::kOk: return true;
        case ContentDecoder::Result::kTooLarge: answer.too_large = true; return false;
        case ContentDecoder::Result::kCorrupt: answer.corrupt = answer.decoder->error(); return false;
      }
      return false;
    };
  }

  // One request; returns the 2xx answer's body. `what` names it in errors
  // ("GET <url>/api/.../redirects"). A listing's answer may be as large as
  // max_body_bytes; the others (`small`) are a few bytes when all is well.
  std::string request(const std::string& method, const std::string& path, const std::string& what,
                      std::stop_token stop, bool small, std::string body = {}, bool with_token = true) {
    PassedAnswer answer = exchange(method, path, what, stop, small, std::move(body), with_token);
    if (answer.status < 200 || answer.status > 299) {
      fail(Kind::kHttpStatus, what, http_status_message(answer.status, answer.body), answer.status);
    }
    return std::move(answer.body);
  }

  // One request; returns the answer whatever its status (an error page is
  // read up to max_body_bytes, a `small` call's 2xx answer up to 64 KiB).
  PassedAnswer exchange(const std::string& method, const std::string& path, const std::string& what,
                        std::stop_token stop, bool small, std::string body, bool with_token) {
    if (stop.stop_requested()) fail(Kind::kCancelled, what, "cancelled");
    if (proxy && url.scheme == "https" && !client.is_socket_open()) check_tunnel(what);
    httplib::Request req = make_request(method, path, std::move(body), with_token);
    BoundedAnswer answer{{}, settings.max_body_bytes, false, std::nullopt, {}};
    read_into(req, answer, small, stop);

    httplib::Response res;
    httplib::Error error = httplib::Error::Success;
    bool sent;
    {
      // Stopping shuts the socket down, which ends a request that waits.
      std::stop_callback on_stop(stop, [this] { client.stop(); });
      if (stop.stop_requested()) fail(Kind::kCancelled, what, "cancelled");
      sent = client.send(req, res, error);
    }
    if (stop.stop_requested()) fail(Kind::kCancelled, what, "cancelled");
    if (answer.too_large) {
      const bool encoded = answer.decoder && !answer.decoder->encoding().empty();
      fail(Kind::kInvalidData, what,
           std::string(encoded ? "the answer, decoded from " + answer.decoder->encoding() + ", is larger than "
                               : "the answer is larger than ") +
               std::to_string(answer.max) + " bytes" +
               (answer.max == settings.max_body_bytes ? " (max_body_bytes)"
                                                      : ", far more than this request's answer needs"));
    }
    if (!answer.corrupt.empty()) fail(Kind::kInvalidData, what, answer.corrupt);
    if (!sent) fail(Kind::kUnreachable, what, describe(error, proxy, url));
    if (answer.decoder && answer.decoder->finish() == ContentDecoder::Result::kCorrupt) {
      fail(Kind::kInvalidData, what, answer.decoder->error());
    }
    return PassedAnswer{res.status, std::move(answer.body), res.get_header_value("Content-Type")};
  }

  // Walks a listing page by page: each page's items go to `sink` as views
  // into the parser's buffers, then its body is freed before the next is
  // asked for, so that a listing is never held whole.
  template <typename ParsePage>
  void walk(const char* name, int page_size, ListingSink& sink, std::stop_token stop, ParsePage parse_page) {
    if (page_size <= 0) throw std::invalid_argument("page_size must be positive");
    const std::string path = api_path + "/" + name;
    const std::string what = "GET " + url.origin() + path;
    ListingWalk walk(page_size);
    std::size_t handed = 0;
    bool done = false;
    while (!done) {
      std::string query = "?limit=" + std::to_string(page_size);
      if (!walk.cursor().empty()) {
        query += "&cursor=" + url_encode(walk.cursor());
      } else {
        query += "&offset=" + std::to_string(walk.offset());
      }
      std::string page_what = what + " (page " + std::to_string(walk.pages() + 1) + ")";
      std::string body = request("GET", path + query, page_what, stop, false);
      padded_for_simdjson(body);
      try {
        const PageFields page = parse_page(parser, body, handed, sink);
        handed += page.items;
        done = walk.accept(page.items, page.total, page.limit, page.next);
      } catch (const JsonShapeError& e) {
        fail(Kind::kInvalidData, page_what, e.what());
      } catch (const ListingError& e) {
        fail(Kind::kInvalidData, page_what, std::string("inconsistent listing: ") + e.what());
      }
    }
    // A page in one (limit=0 asks for everything) grows the parser to many
    // times its size; that is not kept between syncs.
    if (parser.capacity() > kKeptParserCapacity) parser = simdjson::dom::parser();
  }

  // The parser's capacity kept between walks: a few pages at the default size.
  static constexpr std::size_t kKeptParserCapacity = std::size_t{16} << 20;

  template <typename Item, typename ParsePage>
  std::vector<Item> list(const char* name, int page_size, std::stop_token stop, ParsePage parse_page) {
    RulesCollector collected;
    walk(name, page_size, collected, stop, parse_page);
    if constexpr (std::is_same_v<Item, Redirect>) {
      return std::move(collected.rules.redirects);
    } else {
      return std::move(collected.rules.pages);
    }
  }
};

ManagerClient::ManagerClient(ManagerSettings settings) {
  ManagerUrl url = parse_manager_url(settings.url);
  std::optional<Proxy> proxy = choose_proxy(settings.proxy, url.scheme, url.host, url.port);
  impl_ = std::make_unique<Impl>(std::move(settings), std::move(url), std::move(proxy));
}

ManagerClient::~ManagerClient() = default;

std::int64_t ManagerClient::get_version(std::stop_token stop) {
  const std::string path = impl_->api_path + "/version";
  const std::string what = "GET " + impl_->url.origin() + path;
  std::string body = impl_->request("GET", path, what, stop, true);
  try {
    return parse_version_body(body);
  } catch (const JsonShapeError& e) {
    impl_->fail(Kind::kInvalidData, what, e.what());
  }
}

namespace {

// The overloads that hand items to a sink, as walk() takes them.
PageFields redirects_page(simdjson::dom::parser& parser, const std::string& body, std::size_t first_index,
                          ListingSink& sink) {
  return parse_redirects_page(parser, body, first_index, sink);
}

PageFields pages_page(simdjson::dom::parser& parser, const std::string& body, std::size_t first_index,
                      ListingSink& sink) {
  return parse_pages_page(parser, body, first_index, sink);
}

}  // namespace

std::vector<Redirect> ManagerClient::list_redirects(int page_size, std::stop_token stop) {
  return impl_->list<Redirect>("redirects", page_size, stop, redirects_page);
}

std::vector<Page> ManagerClient::list_pages(int page_size, std::stop_token stop) {
  return impl_->list<Page>("pages", page_size, stop, pages_page);
}

void ManagerClient::walk_redirects(int page_size, ListingSink& sink, std::stop_token stop) {
  impl_->walk("redirects", page_size, sink, stop, redirects_page);
}

void ManagerClient::walk_pages(int page_size, ListingSink& sink, std::stop_token stop) {
  impl_->walk("pages", page_size, sink, stop, pages_page);
}

void ManagerClient::report_load(const LoadReport& report, std::stop_token stop) {
  std::string body = "{\"name\":";
  append_json_string(body, report.name);
  body += ",\"type\":\"default\",\"version\":" + std::to_string(report.version);
  body += report.success ? ",\"status\":\"success\"" : ",\"status\":\"error\"";
  body += ",\"load_duration\":" + std::to_string(report.load_duration.count());
  body += ",\"error\":";
  append_json_string(body, report.error);
  body += "}";
  const std::string path = impl_->api_path + "/agents";
  impl_->request("POST", path, "POST " + impl_->url.origin() + path, stop, true, std::move(body));
}

void ManagerClient::heartbeat(const std::string& agent_name, std::stop_token stop) {
  const std::string path = impl_->api_path + "/agents/" + url_encode(agent_name) + "/hit";
  impl_->request("PATCH", path, "PATCH " + impl_->url.origin() + path, stop, true);
}

PassedAnswer ManagerClient::pass_through(const std::string& method, const std::string& sub_path, std::string body,
                                         std::stop_token stop) {
  const std::string path = impl_->api_path + "/" + sub_path;
  return impl_->exchange(method, path, method + " " + impl_->url.origin() + path, stop, true, std::move(body), true);
}

void ManagerClient::ping(std::stop_token stop) {
  const std::string path = impl_->url.base_path + "/health/ping";
  impl_->request("GET", path, "GET " + impl_->url.origin() + path, stop, true, {}, false);
}

const std::string& ManagerClient::url() const { return impl_->display_url; }

const std::string& ManagerClient::proxy_url() const { return impl_->proxy_display; }

ManagerSettings manager_settings_from(const Config& config) {
  ManagerSettings settings;
  settings.url = config.manager_url;
  settings.namespace_code = config.namespace_code;
  settings.project_code = config.project_code;
  settings.token = config.token;
  settings.header_authorization_name = config.header_authorization_name;
  settings.ca_file = config.ca_file;
  settings.connect_timeout = config.connect_timeout;
  settings.read_timeout = config.read_timeout;
  settings.proxy = proxy_environment(config.proxy_url);
  return settings;
}

}  // namespace flecto
