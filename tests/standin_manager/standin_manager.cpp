#include "tests/standin_manager/standin_manager.hpp"

#include <array>
#include <atomic>
#include <charconv>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <thread>

#include <httplib.h>
#include <simdjson.h>

#include "agent/rules/rules_json.hpp"

namespace flecto::standin {
namespace {

bool valid_agent_name(std::string_view name) {
  if (name.empty()) return false;
  for (char c : name) {
    bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
              c == '-';
    if (!ok) return false;
  }
  return true;
}

std::string message_json(const std::string& message) {
  std::string out = "{\"message\":";
  append_json_string(out, message);
  out += "}";
  return out;
}

// A whole decimal integer (optional '-'), or nullopt.
std::optional<std::int64_t> parse_integer(const std::string& text) {
  std::int64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || text.empty()) return std::nullopt;
  return value;
}

// What a handler decided to send, before body faults alter it.
struct Answer {
  int status = 200;
  std::string body;
  std::string content_type = "application/json";
  // For Fault::Body::kTruncatedJson, when half of `body` would not do.
  std::optional<std::string> truncated;
  // For Fault::Body::kEndless: one more piece of the body that never ends.
  std::function<std::string(std::uint64_t)> endless_piece;
};

}  // namespace

const char* to_string(Endpoint endpoint) {
  switch (endpoint) {
    case Endpoint::kVersion: return "version";
    case Endpoint::kRedirects: return "redirects";
    case Endpoint::kPages: return "pages";
    case Endpoint::kAgents: return "agents";
    case Endpoint::kHit: return "hit";
    case Endpoint::kHealth: return "health";
  }
  return "unknown";
}

Fault Fault::http_error(int status, const std::string& message) {
  Fault fault;
  fault.status = status;
  fault.status_body = message_json(message);
  fault.status_content_type = "application/json";
  return fault;
}

Fault Fault::html_error(int status) {
  Fault fault;
  fault.status = status;
  fault.status_body = "<html><head><title>" + std::to_string(status) +
                      "</title></head><body><h1>Error " + std::to_string(status) +
                      "</h1><hr><center>nginx</center></body></html>\n";
  fault.status_content_type = "text/html";
  return fault;
}

Fault Fault::empty_error(int status) {
  Fault fault;
  fault.status = status;
  fault.status_content_type = "text/plain";
  return fault;
}

struct StandinManager::Impl {
  Options options;
  std::unique_ptr<httplib::Server> server;  // an httplib::SSLServer with TLS
  std::thread listener;
  std::atomic<bool> listen_returned{false};
  int port = 0;

  mutable std::mutex mutex;
  mutable std::condition_variable changed;  // reports, heartbeats, stopping
  std::shared_ptr<const Rules> rules;
  struct PendingPublish {
    std::uint64_t request_number;
    std::shared_ptr<const Rules> rules;
  };
  std::array<std::optional<PendingPublish>, kEndpointCount> pending{};
  std::array<std::uint64_t, kEndpointCount> counts{};
  std::array<Fault, kEndpointCount> faults{};
  std::array<std::uint64_t, kEndpointCount> fault_seen{};  // requests since set_fault
  std::function<void(Endpoint, std::uint64_t)> hook;
  std::vector<Report> reports;
  std::vector<std::string> heartbeats;
  bool forbidden = false;  // Options::forbidden, then set_forbidden
  bool stopping = false;
  bool stopped = false;
  std::mutex stop_mutex;

  std::string api_prefix() const {
    return options.base_path + "/api/namespace/" + options.namespace_code + "/project/" + options.project_code;
  }

  // Counts the request, runs publishes and the hook, and returns the fault
  // that applies to it (a default Fault when none does).
  Fault begin(Endpoint endpoint, std::uint64_t* number) {
    std::function<void(Endpoint, std::uint64_t)> hook_copy;
    Fault fault;
    {
      std::lock_guard lock(mutex);
      auto i = static_cast<std::size_t>(endpoint);
      *number = ++counts[i];
      if (pending[i] && *number >= pending[i]->request_number) {
        rules = pending[i]->rules;
        pending[i].reset();
      }
      std::uint64_t seen = ++fault_seen[i];
      const Fault& set = faults[i];
      if (seen > set.skip_requests && seen - set.skip_requests <= set.times) fault = set;
      hook_copy = hook;
    }
    if (hook_copy) hook_copy(endpoint, *number);
    if (fault.delay.count() > 0) {
      std::unique_lock lock(mutex);
      changed.wait_for(lock, fault.delay, [&] { return stopping; });
    }
    return fault;
  }

  bool is_stopping() const {
    std::lock_guard lock(mutex);
    return stopping;
  }

  // The API's own checks: 401, 500 for an unknown project, 403.
  std::optional<Answer> check_access(const httplib::Request& req) const {
    Answer answer;
    const std::string& header = options.header_authorization_name;
    bool is_forbidden;
    {
      std::lock_guard lock(mutex);
      is_forbidden = forbidden;
    }
    if (!req.has_header(header.c_str())) {
      answer.status = 401;
      answer.body = message_json("missing authorization token");
      return answer;
    }
    if (req.get_header_value(header.c_str()) != "Bearer " + options.token) {
      answer.status = 401;
      answer.body = message_json("invalid or expired token");
      return answer;
    }
    if (req.matches[1] != options.namespace_code || req.matches[2] != options.project_code) {
      answer.status = 500;
      answer.body = message_json("record not found");
      return answer;
    }
    if (is_forbidden) {
      answer.status = 403;
      answer.body = message_json("this token is not allowed to access this project");
      return answer;
    }
    return std::nullopt;
  }

  std::shared_ptr<const Rules> current_rules() const {
    std::lock_guard lock(mutex);
    return rules;
  }

  Answer version_answer(std::uint64_t number, const Fault& fault) const {
    std::int64_t version = current_rules()->version;
    if (fault.version == Fault::Version::kEveryRequest) version += static_cast<std::int64_t>(number);
    if (fault.version == Fault::Version::kAhead) version += 1;
    Answer answer;
    std::string v = std::to_string(version);
    if (fault.body == Fault::Body::kWrongType) {
      answer.body = "{\"version\":" + v + "}";
    } else {
      answer.body = options.version_as_string ? "\"" + v + "\"" : v + "\n";
    }
    answer.truncated = "\"" + v;  // half of "3\n" would still be a number
    answer.endless_piece = [](std::uint64_t) { return std::string(4096, ' '); };
    return answer;
  }

  template <typename Item, typename Append>
  Answer listing_answer(const httplib::Request& req, std::shared_ptr<const Rules> served,
                        const std::vector<Item> Rules::*list, const Fault& fault, Append append_item) const {
    const std::vector<Item>& items = (*served).*list;
    Answer answer;
    auto bad_request = [&](const std::string& message) {
      answer.status = 400;
      answer.body = message_json(message);
      return answer;
    };
    std::int64_t limit = 500;
    if (req.has_param("limit")) {
      auto parsed = parse_integer(req.get_param_value("limit"));
      if (!parsed) return bad_request("limit: expected an integer");
      if (*parsed > 0) limit = *parsed;
    }
    if (options.max_limit > 0 && limit > options.max_limit) limit = options.max_limit;
    std::int64_t offset = 0;
    if (req.has_param("offset")) {
      auto parsed = parse_integer(req.get_param_value("offset"));
      if (!parsed || *parsed < 0) return bad_request("offset: expected a non-negative integer");
      offset = *parsed;
    }
    if (req.has_param("cursor")) {
      offset = decode_cursor(req.get_param_value("cursor"));
      if (offset < 0) return bad_request("malformed cursor");
    }
    if (fault.paging == Fault::Paging::kIgnoreOffset) offset = 0;

    const auto total = static_cast<std::int64_t>(items.size());
    std::vector<const Item*> page;
    std::string next;
    if (fault.paging == Fault::Paging::kEndlessCursor) {
      for (std::int64_t i = 0; i < limit && total > 0; ++i) page.push_back(&items[static_cast<std::size_t>((offset + i) % total)]);
      next = encode_cursor(offset + limit);
    } else {
      bool empty = fault.paging == Fault::Paging::kEmptyPages && offset > 0;
      for (std::int64_t i = offset; !empty && i < total && i < offset + limit; ++i) page.push_back(&items[static_cast<std::size_t>(i)]);
      if (static_cast<std::int64_t>(page.size()) == limit) next = encode_cursor(offset + limit);
    }
    if (fault.paging == Fault::Paging::kRepeatCursor) next = encode_cursor(limit);

    const bool lower = options.lower_case_keys;
    auto key = [&](const char* capitalized) {
      std::string k = capitalized;
      if (lower) k[0] = static_cast<char>(k[0] - 'A' + 'a');
      return "\"" + k + "\":";
    };
    std::string& out = answer.body;
    out.reserve(page.size() * 128 + 128);
    out += "{" + key("Items") + "[";
    for (std::size_t i = 0; i < page.size(); ++i) {
      if (i) out += ',';
      append_item(out, *page[i]);
    }
    std::string reported_total = std::to_string(total + fault.total_delta);
    if (fault.body == Fault::Body::kWrongType) reported_total = "\"" + reported_total + "\"";
    out += "]," + key("Total") + reported_total;
    out += "," + key("Limit") + std::to_string(limit);
    out += "," + key("Offset") + std::to_string(offset);
    if (options.send_next) {
      out += "," + key("Next");
      append_json_string(out, next);
    }
    out += "}";

    // The endless body: this listing's opening, then its items over and over.
    answer.endless_piece = [served, list, lower, append_item](std::uint64_t call) {
      const std::vector<Item>& all = (*served).*list;
      std::string piece;
      if (call == 0) piece = lower ? "{\"items\":[" : "{\"Items\":[";
      for (std::size_t i = 0; i < 32; ++i) {
        if (call != 0 || i != 0) piece += ',';
        if (all.empty()) {
          piece += "{}";
        } else {
          append_item(piece, all[(call * 32 + i) % all.size()]);
        }
      }
      return piece;
    };
    return answer;
  }

  Answer agents_answer(const httplib::Request& req) {
    Answer answer;
    auto bad_request = [&](const std::string& message) {
      answer.status = 400;
      answer.body = message_json(message);
      return answer;
    };
    if (req.get_header_value("Content-Type").rfind("application/json", 0) != 0) {
      return bad_request("Content-Type must be application/json");
    }
    simdjson::dom::parser parser;
    simdjson::dom::element root;
    if (parser.parse(req.body).get(root) || !root.is_object()) return bad_request("malformed JSON body");
    Report report;
    report.body = req.body;
    for (simdjson::dom::key_value_pair field : root.get_object()) {
      // Named copies, not a structured binding: clang 14 cannot capture one in a lambda.
      const std::string_view k = field.key;
      const simdjson::dom::element value = field.value;
      auto string_value = [&](std::string& into) {
        if (value.is_null()) return true;
        if (!value.is_string()) return false;
        into = std::string(std::string_view(value.get_string()));
        return true;
      };
      auto integer_value = [&](std::int64_t& into) {
        if (value.is_null()) return true;
        if (!value.is_int64()) return false;
        into = value.get_int64();
        return true;
      };
      bool ok = true;
      if (key_equals(k, "name")) ok = string_value(report.name);
      else if (key_equals(k, "type")) ok = string_value(report.type);
      else if (key_equals(k, "version")) ok = integer_value(report.version);
      else if (key_equals(k, "status")) ok = string_value(report.status);
      else if (key_equals(k, "load_duration")) ok = integer_value(report.load_duration);
      else if (key_equals(k, "error")) ok = string_value(report.error);
      if (!ok) return bad_request(std::string(k) + ": wrong type");
    }
    if (!valid_agent_name(report.name)) {
      return bad_request("name: must match ^[A-Za-z0-9_-]+$");
    }
    if (report.type != "default" && report.type != "traefik") {
      return bad_request("type: must be default or traefik");
    }
    if (report.version == 0) return bad_request("version: must not be 0");
    if (report.status != "success" && report.status != "error") {
      return bad_request("status: must be success or error");
    }
    {
      std::lock_guard lock(mutex);
      reports.push_back(std::move(report));
    }
    changed.notify_all();
    answer.content_type = "text/plain";
    return answer;
  }

  Answer hit_answer(const httplib::Request& req) {
    Answer answer;
    std::string name = req.matches[3];
    if (!valid_agent_name(name)) {
      answer.status = 400;
      answer.body = message_json("name: must match ^[A-Za-z0-9_-]+$");
      return answer;
    }
    {
      std::lock_guard lock(mutex);
      heartbeats.push_back(std::move(name));
    }
    changed.notify_all();
    answer.content_type = "text/plain";
    return answer;
  }

  // Sends `answer` as `fault` says.
  void send(Answer answer, const Fault& fault, httplib::Response& res) {
    res.status = answer.status;
    switch (fault.body) {
      case Fault::Body::kIntact:
      case Fault::Body::kWrongType:  // already in the answer
        res.set_content(answer.body, answer.content_type);
        return;
      case Fault::Body::kTruncatedJson:
        res.set_content(answer.truncated.value_or(answer.body.substr(0, answer.body.size() / 2)),
                        answer.content_type);
        return;
      case Fault::Body::kMalformedJson: {
        std::string body = answer.body;
        if (auto colon = body.find(':'); colon != std::string::npos) {
          body[colon] = ';';
        } else {
          while (!body.empty() && (body.back() == '\n' || body.back() == ' ')) body.pop_back();
          body += "x\n";
        }
        res.set_content(body, answer.content_type);
        return;
      }
      case Fault::Body::kCutInMiddle: {
        auto body = std::make_shared<std::string>(std::move(answer.body));
        if (body->size() < 2) body->append(64, ' ');  // something to cut
        res.set_content_provider(body->size(), answer.content_type,
                                 [body](std::size_t offset, std::size_t, httplib::DataSink& sink) {
                                   std::size_t half = body->size() / 2;
                                   if (offset < half) sink.write(body->data() + offset, half - offset);
                                   return false;  // closes the connection
                                 });
        return;
      }
      case Fault::Body::kEndless: {
        auto piece = answer.endless_piece ? answer.endless_piece
                                          : [](std::uint64_t) { return std::string(4096, ' '); };
        auto deadline = std::chrono::steady_clock::now() + fault.endless_for;
        auto calls = std::make_shared<std::uint64_t>(0);
        res.set_chunked_content_provider(
            answer.content_type, [this, piece, deadline, calls](std::size_t, httplib::DataSink& sink) {
              if (is_stopping() || std::chrono::steady_clock::now() >= deadline) return false;
              std::string data = piece((*calls)++);
              if (!sink.write(data.data(), data.size())) return false;
              std::this_thread::sleep_for(std::chrono::milliseconds(1));
              return true;
            });
        return;
      }
    }
  }

  // The handler of one /api endpoint: faults, access checks, then `make`.
  void api(Endpoint endpoint, const httplib::Request& req, httplib::Response& res,
           const std::function<Answer(std::uint64_t, const Fault&)>& make) {
    std::uint64_t number = 0;
    Fault fault = begin(endpoint, &number);
    if (fault.status != 0) {
      res.status = fault.status;
      res.set_content(fault.status_body, fault.status_content_type);
      return;
    }
    if (auto denied = check_access(req)) {
      send(std::move(*denied), fault, res);
      return;
    }
    send(make(number, fault), fault, res);
  }
};

StandinManager::StandinManager(Options options, Rules rules) : impl_(std::make_unique<Impl>()) {
  Impl& s = *impl_;
  for (char c : options.base_path) {
    bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
              c == '-' || c == '/';
    if (!ok) throw std::invalid_argument("stand-in manager: base_path may only hold [A-Za-z0-9_/-]");
  }
  if (!options.base_path.empty() && options.base_path.front() != '/') options.base_path.insert(0, "/");
  while (!options.base_path.empty() && options.base_path.back() == '/') options.base_path.pop_back();
  s.options = std::move(options);
  s.forbidden = s.options.forbidden;
  s.rules = std::make_shared<const Rules>(std::move(rules));
  if (s.options.tls_cert_file.empty() != s.options.tls_key_file.empty()) {
    throw std::invalid_argument("stand-in manager: TLS needs both tls_cert_file and tls_key_file");
  }
  if (s.options.tls_cert_file.empty()) {
    s.server = std::make_unique<httplib::Server>();
  } else {
    s.server = std::make_unique<httplib::SSLServer>(s.options.tls_cert_file.c_str(), s.options.tls_key_file.c_str());
    if (!s.server->is_valid()) {
      throw std::runtime_error("stand-in manager: cannot use the TLS certificate " + s.options.tls_cert_file +
                               " and key " + s.options.tls_key_file);
    }
  }

  const std::string api = s.options.base_path + "/api/namespace/([^/]+)/project/([^/]+)";
  s.server->set_keep_alive_max_count(100000);
  s.server->set_tcp_nodelay(true);
  s.server->set_keep_alive_timeout(2);
  s.server->Get("/health/ping", [&s](const httplib::Request&, httplib::Response& res) {
    std::uint64_t number = 0;
    Fault fault = s.begin(Endpoint::kHealth, &number);
    res.status = fault.status != 0 ? fault.status : 204;
    if (fault.status != 0) res.set_content(fault.status_body, fault.status_content_type);
  });
  s.server->Get(api + "/version", [&s](const httplib::Request& req, httplib::Response& res) {
    s.api(Endpoint::kVersion, req, res,
          [&](std::uint64_t number, const Fault& fault) { return s.version_answer(number, fault); });
  });
  s.server->Get(api + "/redirects", [&s](const httplib::Request& req, httplib::Response& res) {
    s.api(Endpoint::kRedirects, req, res, [&](std::uint64_t, const Fault& fault) {
      return s.listing_answer(req, s.current_rules(), &Rules::redirects, fault, append_redirect_json);
    });
  });
  s.server->Get(api + "/pages", [&s](const httplib::Request& req, httplib::Response& res) {
    s.api(Endpoint::kPages, req, res, [&](std::uint64_t, const Fault& fault) {
      return s.listing_answer(req, s.current_rules(), &Rules::pages, fault, append_page_json);
    });
  });
  s.server->Post(api + "/agents", [&s](const httplib::Request& req, httplib::Response& res) {
    s.api(Endpoint::kAgents, req, res, [&](std::uint64_t, const Fault&) { return s.agents_answer(req); });
  });
  s.server->Patch(api + "/agents/([^/]+)/hit", [&s](const httplib::Request& req, httplib::Response& res) {
    s.api(Endpoint::kHit, req, res, [&](std::uint64_t, const Fault&) { return s.hit_answer(req); });
  });

  if (s.options.port == 0) {
    s.port = s.server->bind_to_any_port(s.options.host);
  } else if (s.server->bind_to_port(s.options.host, s.options.port)) {
    s.port = s.options.port;
  } else {
    s.port = -1;
  }
  if (s.port <= 0) {
    throw std::runtime_error("stand-in manager: cannot listen on " + s.options.host + ":" +
                             std::to_string(s.options.port));
  }
  s.listener = std::thread([&s] {
    s.server->listen_after_bind();
    s.listen_returned = true;
  });
  // httplib's stop() does nothing until the server runs: wait for it, so
  // that a stop() right after construction cannot be lost.
  while (!s.server->is_running() && !s.listen_returned) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  if (!s.server->is_running()) {
    s.listener.join();
    throw std::runtime_error("stand-in manager: the server did not start");
  }
}

StandinManager::~StandinManager() { stop(); }

void StandinManager::stop() {
  Impl& s = *impl_;
  std::lock_guard stopping_lock(s.stop_mutex);  // a second caller waits for the first
  {
    std::lock_guard lock(s.mutex);
    if (s.stopped) return;
    s.stopping = true;
    s.stopped = true;
  }
  s.changed.notify_all();
  s.server->stop();
  if (s.listener.joinable()) s.listener.join();
}

std::string StandinManager::url() const {
  const char* scheme = impl_->options.tls_cert_file.empty() ? "http://" : "https://";
  const std::string& host = impl_->options.host;
  std::string bracketed = host.find(':') != std::string::npos ? "[" + host + "]" : host;  // IPv6
  return scheme + bracketed + ":" + std::to_string(impl_->port) + impl_->options.base_path;
}

int StandinManager::port() const { return impl_->port; }

const Options& StandinManager::options() const { return impl_->options; }

void StandinManager::set_rules(Rules rules) {
  auto published = std::make_shared<const Rules>(std::move(rules));
  std::lock_guard lock(impl_->mutex);
  impl_->rules = std::move(published);
}

void StandinManager::publish_at(Endpoint endpoint, std::uint64_t request_number, Rules rules) {
  auto published = std::make_shared<const Rules>(std::move(rules));
  std::lock_guard lock(impl_->mutex);
  impl_->pending[static_cast<std::size_t>(endpoint)] = Impl::PendingPublish{request_number, std::move(published)};
}

Rules StandinManager::rules() const { return *impl_->current_rules(); }

void StandinManager::set_fault(Endpoint endpoint, Fault fault) {
  std::lock_guard lock(impl_->mutex);
  auto i = static_cast<std::size_t>(endpoint);
  impl_->faults[i] = std::move(fault);
  impl_->fault_seen[i] = 0;
}

void StandinManager::clear_faults() {
  std::lock_guard lock(impl_->mutex);
  impl_->faults.fill(Fault{});
  impl_->fault_seen.fill(0);
}

void StandinManager::set_forbidden(bool forbidden) {
  std::lock_guard lock(impl_->mutex);
  impl_->forbidden = forbidden;
}

void StandinManager::set_request_hook(std::function<void(Endpoint, std::uint64_t)> hook) {
  std::lock_guard lock(impl_->mutex);
  impl_->hook = std::move(hook);
}

std::uint64_t StandinManager::request_count(Endpoint endpoint) const {
  std::lock_guard lock(impl_->mutex);
  return impl_->counts[static_cast<std::size_t>(endpoint)];
}

std::vector<Report> StandinManager::reports() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->reports;
}

std::vector<std::string> StandinManager::heartbeats() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->heartbeats;
}

bool StandinManager::wait_for_reports(std::size_t count, std::chrono::milliseconds timeout) const {
  std::unique_lock lock(impl_->mutex);
  return impl_->changed.wait_for(lock, timeout, [&] { return impl_->reports.size() >= count; });
}

bool StandinManager::wait_for_heartbeats(std::size_t count, std::chrono::milliseconds timeout) const {
  std::unique_lock lock(impl_->mutex);
  return impl_->changed.wait_for(lock, timeout, [&] { return impl_->heartbeats.size() >= count; });
}

}  // namespace flecto::standin
