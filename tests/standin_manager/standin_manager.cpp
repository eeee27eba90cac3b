#include "tests/standin_manager/standin_manager.hpp"

#include <algorithm>
#include <array>
#include <atomic>
#include <charconv>
#include <condition_variable>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <stdexcept>
#include <thread>
#include <utility>

#include <httplib.h>
#include <simdjson.h>

#include "agent/rules/rules_json.hpp"
#include "tests/standin_manager/go_duration.hpp"

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

// What MySQL's VARCHAR(n) with utf8mb4 counts: code points (the text is
// valid UTF-8: simdjson validated it), that is every byte but continuation
// bytes.
std::size_t count_code_points(std::string_view text) {
  std::size_t count = 0;
  for (const char byte : text) {
    const auto c = static_cast<unsigned char>(byte);
    if ((c & 0xC0) != 0x80) ++count;
  }
  return count;
}

// The page size that means every item (a limit of 0 or below).
constexpr std::int64_t kEveryItem = -1;

// The key of a project in the map of projects.
std::string project_key(const std::string& namespace_code, const std::string& project_code) {
  return namespace_code + "/" + project_code;
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

// The endpoint a request path is routed to (as the routes below read it),
// or nullopt for none.
std::optional<Endpoint> endpoint_of_path(const std::string& path) {
  if (path == "/health/ping") return Endpoint::kHealth;
  if (path.find("/api/namespace/") == std::string::npos) return std::nullopt;
  if (path.ends_with("/version")) return Endpoint::kVersion;
  if (path.ends_with("/redirects")) return Endpoint::kRedirects;
  if (path.ends_with("/pages")) return Endpoint::kPages;
  if (path.ends_with("/agents")) return Endpoint::kAgents;
  if (path.ends_with("/hit")) return Endpoint::kHit;
  return std::nullopt;
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

// One project: what a manager keeps of it, and what the stand-in counts.
struct Project {
  std::string namespace_code;
  std::string project_code;
  std::string token;
  std::shared_ptr<const Rules> rules;
  struct PendingPublish {
    std::uint64_t request_number;
    std::shared_ptr<const Rules> rules;
  };
  std::array<std::optional<PendingPublish>, kEndpointCount> pending{};
  std::array<std::uint64_t, kEndpointCount> counts{};
  std::array<std::optional<Fault>, kEndpointCount> faults{};
  std::array<std::uint64_t, kEndpointCount> fault_seen{};  // requests since set_project_fault
  std::set<std::string> agents;  // the rows of its agents table, by name
  std::vector<Report> reports;
  std::vector<std::string> heartbeats;
};

struct StandinManager::Impl {
  Options options;
  std::unique_ptr<httplib::Server> server;  // an httplib::SSLServer with TLS
  std::thread listener;
  std::atomic<bool> listen_returned{false};
  int port = 0;

  mutable std::mutex mutex;
  mutable std::condition_variable changed;  // reports, heartbeats, stopping
  // Never erased: a Project* stays valid while the stand-in lives (guarded by mutex).
  std::map<std::string, std::unique_ptr<Project>> projects;
  std::array<std::uint64_t, kEndpointCount> counts{};
  std::array<Fault, kEndpointCount> faults{};
  std::array<std::uint64_t, kEndpointCount> fault_seen{};  // requests since set_fault
  std::array<std::vector<std::string>, kEndpointCount> limits;  // each request's `limit`, "" for none
  std::array<std::uint64_t, kEndpointCount> bytes{};  // answers' body bytes, as sent
  std::function<void(Endpoint, std::uint64_t)> hook;
  bool forbidden = false;  // Options::forbidden, then set_forbidden
  bool stopping = false;
  bool stopped = false;
  std::mutex stop_mutex;

  // Call with the lock held.
  Project* find(const std::string& namespace_code, const std::string& project_code) const {
    auto it = projects.find(project_key(namespace_code, project_code));
    return it == projects.end() ? nullptr : it->second.get();
  }
  Project& get(const std::string& namespace_code, const std::string& project_code) const {
    Project* project = find(namespace_code, project_code);
    if (project == nullptr) {
      throw std::invalid_argument("stand-in manager: no project " + project_key(namespace_code, project_code));
    }
    return *project;
  }

  std::string content_type_json() const {
    return options.gzip ? "application/json" : "application/json; charset=utf-8";
  }

  // Counts the request, runs publishes and the hook, and returns the fault
  // that applies to it (a default Fault when none does) and the project it
  // is for (nullptr for none: /health/ping or an unknown project), with the
  // request's number among that project's requests to `endpoint`.
  Fault begin(Endpoint endpoint, const httplib::Request* req, Project** project_out,
              std::uint64_t* project_number_out) {
    std::function<void(Endpoint, std::uint64_t)> hook_copy;
    std::uint64_t number = 0;
    Fault fault;
    {
      std::lock_guard lock(mutex);
      auto i = static_cast<std::size_t>(endpoint);
      number = ++counts[i];
      limits[i].push_back(req != nullptr && req->has_param("limit") ? req->get_param_value("limit") : "");
      std::uint64_t seen = ++fault_seen[i];
      const Fault& set = faults[i];
      if (seen > set.skip_requests && seen - set.skip_requests <= set.times) fault = set;
      Project* project = req != nullptr ? find(req->matches[1], req->matches[2]) : nullptr;
      if (project != nullptr) {
        std::uint64_t project_number = *project_number_out = ++project->counts[i];
        if (project->pending[i] && project_number >= project->pending[i]->request_number) {
          project->rules = project->pending[i]->rules;
          project->pending[i].reset();
        }
        if (const std::optional<Fault>& own = project->faults[i]) {
          std::uint64_t own_seen = ++project->fault_seen[i];
          if (own_seen > own->skip_requests && own_seen - own->skip_requests <= own->times) fault = *own;
        }
      }
      *project_out = project;
      hook_copy = hook;
    }
    if (hook_copy) hook_copy(endpoint, number);
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
  std::optional<Answer> check_access(const httplib::Request& req, const Project* project) const {
    Answer answer;
    answer.content_type = content_type_json();
    const std::string& header = options.header_authorization_name;
    if (!req.has_header(header.c_str())) {
      answer.status = 401;
      answer.body = message_json("missing authorization token");
      return answer;
    }
    const std::string sent = req.get_header_value(header.c_str());
    std::lock_guard lock(mutex);
    bool known_token = false;
    for (const auto& [key, each] : projects) known_token = known_token || sent == "Bearer " + each->token;
    if (!known_token) {
      answer.status = 401;
      answer.body = message_json("invalid or expired token");
      return answer;
    }
    if (project == nullptr) {
      answer.status = 500;
      answer.body = message_json("record not found");
      return answer;
    }
    if (forbidden || sent != "Bearer " + project->token) {
      answer.status = 403;
      answer.body = message_json("this token is not allowed to access this project");
      return answer;
    }
    return std::nullopt;
  }

  std::shared_ptr<const Rules> current_rules(const Project& project) const {
    std::lock_guard lock(mutex);
    return project.rules;
  }

  Answer version_answer(const Project& project, std::uint64_t number, const Fault& fault) const {
    std::int64_t version = current_rules(project)->version;
    if (fault.version == Fault::Version::kEveryRequest) version += static_cast<std::int64_t>(number);
    if (fault.version == Fault::Version::kAhead) version += 1;
    Answer answer;
    answer.content_type = content_type_json();
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
    answer.content_type = content_type_json();
    auto bad_request = [&](const std::string& message) {
      answer.status = 400;
      answer.body = message_json(message);
      return answer;
    };
    std::int64_t limit = 500;  // as asked, for the Limit key
    if (req.has_param("limit")) {
      auto parsed = parse_integer(req.get_param_value("limit"));
      if (!parsed) return bad_request("limit: expected an integer");
      limit = *parsed;
    }
    // The page size: kEveryItem for 0 or a negative limit (GORM's "no limit").
    std::int64_t page_size = limit > 0 ? limit : kEveryItem;
    if (options.max_limit > 0 && (page_size == kEveryItem || page_size > options.max_limit)) {
      page_size = limit = options.max_limit;
    }
    std::int64_t offset = 0;
    if (req.has_param("offset")) {
      auto parsed = parse_integer(req.get_param_value("offset"));
      if (!parsed || *parsed < 0) return bad_request("offset: expected a non-negative integer");
      offset = *parsed;
    }
    const auto total = static_cast<std::int64_t>(items.size());
    std::int64_t walk_total = total;  // what Total says: the first page's, along a cursor
    if (req.has_param("cursor")) {
      std::optional<Cursor> cursor = decode_cursor(req.get_param_value("cursor"));
      if (!cursor) return bad_request("malformed cursor");
      offset = cursor->offset;
      walk_total = cursor->total;
    }
    if (fault.paging == Fault::Paging::kIgnoreOffset) {
      offset = 0;
      walk_total = total;
    }

    std::vector<const Item*> page;
    std::string next;
    if (fault.paging == Fault::Paging::kEndlessCursor) {
      const std::int64_t size = page_size == kEveryItem ? std::max<std::int64_t>(total, 1) : page_size;
      for (std::int64_t i = 0; i < size && total > 0; ++i) page.push_back(&items[static_cast<std::size_t>((offset + i) % total)]);
      next = encode_cursor({offset + size, walk_total});
    } else {
      bool empty = fault.paging == Fault::Paging::kEmptyPages && offset > 0;
      const std::int64_t end = page_size == kEveryItem || offset > total - page_size ? total : offset + page_size;
      for (std::int64_t i = offset; !empty && i < end; ++i) page.push_back(&items[static_cast<std::size_t>(i)]);
      if (page_size != kEveryItem && static_cast<std::int64_t>(page.size()) == page_size) {
        next = encode_cursor({offset + page_size, walk_total});
      }
    }
    if (fault.paging == Fault::Paging::kRepeatCursor) next = encode_cursor({page_size, walk_total});

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
    std::string reported_total = std::to_string(walk_total + fault.total_delta);
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

  Answer agents_answer(const httplib::Request& req, Project& project) {
    Answer answer;
    answer.content_type = content_type_json();
    auto refuse = [&](int status, const std::string& message) {
      answer.status = status;
      answer.body = message_json(message);
      return answer;
    };
    auto bad_request = [&](const std::string& message) { return refuse(400, message); };
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
      // An integer of nanoseconds, or a Go duration string ("150ms").
      auto duration_value = [&](std::int64_t& into) {
        if (!value.is_string()) return integer_value(into);
        std::optional<std::int64_t> parsed = parse_go_duration(std::string_view(value.get_string()));
        if (parsed) into = *parsed;
        return parsed.has_value();
      };
      bool ok = true;
      if (key_equals(k, "name")) ok = string_value(report.name);
      else if (key_equals(k, "type")) ok = string_value(report.type);
      else if (key_equals(k, "version")) ok = integer_value(report.version);
      else if (key_equals(k, "status")) ok = string_value(report.status);
      else if (key_equals(k, "load_duration")) ok = duration_value(report.load_duration);
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
    // What MySQL in strict mode refuses when the row is written.
    if (count_code_points(report.name) > 100) {
      return refuse(500, "Error 1406 (22001): Data too long for column 'name' at row 1");
    }
    if (count_code_points(report.error) > 500) {
      return refuse(500, "Error 1406 (22001): Data too long for column 'error' at row 1");
    }
    {
      std::lock_guard lock(mutex);
      if (report.load_duration == 0 && project.agents.count(report.name) == 0) {
        answer.status = 500;
        answer.body = message_json("cannot create the agent " + report.name + ": load_duration is 0");
        return answer;
      }
      project.agents.insert(report.name);
      project.reports.push_back(std::move(report));
    }
    changed.notify_all();
    answer.content_type = "text/plain";
    return answer;
  }

  Answer hit_answer(const httplib::Request& req, Project& project) {
    Answer answer;
    answer.content_type = content_type_json();
    std::string name = req.matches[3];
    if (!valid_agent_name(name)) {
      answer.status = 400;
      answer.body = message_json("name: must match ^[A-Za-z0-9_-]+$");
      return answer;
    }
    {
      std::lock_guard lock(mutex);
      if (project.agents.count(name) == 0) {
        answer.status = 500;
        answer.body = message_json("record not found");
        return answer;
      }
      project.heartbeats.push_back(std::move(name));
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

  // The handler of one /api endpoint: faults, access checks, then `make`
  // (called only with the request's project).
  void api(Endpoint endpoint, const httplib::Request& req, httplib::Response& res,
           const std::function<Answer(Project&, std::uint64_t, const Fault&)>& make) {
    Project* project = nullptr;
    std::uint64_t number = 0;
    Fault fault = begin(endpoint, &req, &project, &number);
    if (fault.status != 0) {
      res.status = fault.status;
      res.set_content(fault.status_body, fault.status_content_type);
      return;
    }
    if (auto denied = check_access(req, project)) {
      send(std::move(*denied), fault, res);
      return;
    }
    send(make(*project, number, fault), fault, res);
  }
};

namespace {

void check_code(const std::string& what, const std::string& code) {
  if (!valid_agent_name(code)) {
    throw std::invalid_argument("stand-in manager: " + what + " \"" + code + "\" is not [A-Za-z0-9_-]+");
  }
}

std::unique_ptr<Project> make_project(const std::string& namespace_code, const std::string& project_code,
                                      Rules rules, const std::string& token) {
  check_code("namespace", namespace_code);
  check_code("project", project_code);
  auto project = std::make_unique<Project>();
  project->namespace_code = namespace_code;
  project->project_code = project_code;
  project->token = token;
  project->rules = std::make_shared<const Rules>(std::move(rules));
  return project;
}

Rules first_version() {
  Rules rules;
  rules.version = 1;  // a project is created with version 1
  return rules;
}

}  // namespace

StandinManager::StandinManager(Options options) : StandinManager(std::move(options), first_version()) {}

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
  {
    auto project = make_project(s.options.namespace_code, s.options.project_code, std::move(rules), s.options.token);
    s.projects.emplace(project_key(s.options.namespace_code, s.options.project_code), std::move(project));
  }
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
  if (!s.options.gzip) {
    // httplib compresses whatever the request accepts: without gzip, the
    // request accepts nothing. (The Request is the server's own non-const
    // object, handed to handlers as const.)
    s.server->set_pre_routing_handler([](const httplib::Request& req, httplib::Response&) {
      const_cast<httplib::Request&>(req).headers.erase("Accept-Encoding");
      return httplib::Server::HandlerResponse::Unhandled;
    });
  }
  // httplib logs an answer once it is written, with its body as sent
  // (compressed when it was): the byte counters.
  s.server->set_logger([&s](const httplib::Request& req, const httplib::Response& res) {
    std::optional<Endpoint> endpoint = endpoint_of_path(req.path);
    if (!endpoint) return;
    std::lock_guard lock(s.mutex);
    s.bytes[static_cast<std::size_t>(*endpoint)] += res.body.size();
  });
  s.server->Get("/health/ping", [&s](const httplib::Request&, httplib::Response& res) {
    Project* none = nullptr;
    std::uint64_t number = 0;
    Fault fault = s.begin(Endpoint::kHealth, nullptr, &none, &number);
    res.status = fault.status != 0 ? fault.status : 204;
    if (fault.status != 0) res.set_content(fault.status_body, fault.status_content_type);
  });
  s.server->Get(api + "/version", [&s](const httplib::Request& req, httplib::Response& res) {
    s.api(Endpoint::kVersion, req, res, [&](Project& project, std::uint64_t number, const Fault& fault) {
      return s.version_answer(project, number, fault);
    });
  });
  s.server->Get(api + "/redirects", [&s](const httplib::Request& req, httplib::Response& res) {
    s.api(Endpoint::kRedirects, req, res, [&](Project& project, std::uint64_t, const Fault& fault) {
      return s.listing_answer(req, s.current_rules(project), &Rules::redirects, fault, append_redirect_json);
    });
  });
  s.server->Get(api + "/pages", [&s](const httplib::Request& req, httplib::Response& res) {
    s.api(Endpoint::kPages, req, res, [&](Project& project, std::uint64_t, const Fault& fault) {
      return s.listing_answer(req, s.current_rules(project), &Rules::pages, fault, append_page_json);
    });
  });
  s.server->Post(api + "/agents", [&s](const httplib::Request& req, httplib::Response& res) {
    s.api(Endpoint::kAgents, req, res,
          [&](Project& project, std::uint64_t, const Fault&) { return s.agents_answer(req, project); });
  });
  s.server->Patch(api + "/agents/([^/]+)/hit", [&s](const httplib::Request& req, httplib::Response& res) {
    s.api(Endpoint::kHit, req, res,
          [&](Project& project, std::uint64_t, const Fault&) { return s.hit_answer(req, project); });
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

void StandinManager::add_project(const std::string& namespace_code, const std::string& project_code, Rules rules,
                                 const std::string& token) {
  auto project =
      make_project(namespace_code, project_code, std::move(rules), token.empty() ? impl_->options.token : token);
  std::lock_guard lock(impl_->mutex);
  if (!impl_->projects.emplace(project_key(namespace_code, project_code), std::move(project)).second) {
    throw std::invalid_argument("stand-in manager: project " + project_key(namespace_code, project_code) +
                                " exists already");
  }
}

void StandinManager::set_rules(Rules rules) {
  set_rules(impl_->options.namespace_code, impl_->options.project_code, std::move(rules));
}

void StandinManager::set_rules(const std::string& namespace_code, const std::string& project_code, Rules rules) {
  auto published = std::make_shared<const Rules>(std::move(rules));
  std::lock_guard lock(impl_->mutex);
  impl_->get(namespace_code, project_code).rules = std::move(published);
}

void StandinManager::publish_at(Endpoint endpoint, std::uint64_t request_number, Rules rules) {
  publish_at(impl_->options.namespace_code, impl_->options.project_code, endpoint, request_number, std::move(rules));
}

void StandinManager::publish_at(const std::string& namespace_code, const std::string& project_code,
                                Endpoint endpoint, std::uint64_t request_number, Rules rules) {
  auto published = std::make_shared<const Rules>(std::move(rules));
  std::lock_guard lock(impl_->mutex);
  impl_->get(namespace_code, project_code).pending[static_cast<std::size_t>(endpoint)] =
      Project::PendingPublish{request_number, std::move(published)};
}

Rules StandinManager::rules() const { return rules(impl_->options.namespace_code, impl_->options.project_code); }

Rules StandinManager::rules(const std::string& namespace_code, const std::string& project_code) const {
  std::lock_guard lock(impl_->mutex);
  return *impl_->get(namespace_code, project_code).rules;
}

void StandinManager::set_fault(Endpoint endpoint, Fault fault) {
  std::lock_guard lock(impl_->mutex);
  auto i = static_cast<std::size_t>(endpoint);
  impl_->faults[i] = std::move(fault);
  impl_->fault_seen[i] = 0;
}

void StandinManager::set_project_fault(const std::string& namespace_code, const std::string& project_code,
                                       Endpoint endpoint, Fault fault) {
  std::lock_guard lock(impl_->mutex);
  Project& project = impl_->get(namespace_code, project_code);
  auto i = static_cast<std::size_t>(endpoint);
  project.faults[i] = std::move(fault);
  project.fault_seen[i] = 0;
}

void StandinManager::clear_faults() {
  std::lock_guard lock(impl_->mutex);
  impl_->faults.fill(Fault{});
  impl_->fault_seen.fill(0);
  for (auto& [key, project] : impl_->projects) {
    project->faults.fill(std::nullopt);
    project->fault_seen.fill(0);
  }
}

void StandinManager::set_token(const std::string& token) {
  set_token(impl_->options.namespace_code, impl_->options.project_code, token);
}

void StandinManager::set_token(const std::string& namespace_code, const std::string& project_code,
                               const std::string& token) {
  std::lock_guard lock(impl_->mutex);
  impl_->get(namespace_code, project_code).token = token;
}

void StandinManager::set_forbidden(bool forbidden) {
  std::lock_guard lock(impl_->mutex);
  impl_->forbidden = forbidden;
}

void StandinManager::forget_agents() {
  std::lock_guard lock(impl_->mutex);
  for (auto& [key, project] : impl_->projects) project->agents.clear();
}

void StandinManager::forget_agents(const std::string& namespace_code, const std::string& project_code) {
  std::lock_guard lock(impl_->mutex);
  impl_->get(namespace_code, project_code).agents.clear();
}

void StandinManager::set_request_hook(std::function<void(Endpoint, std::uint64_t)> hook) {
  std::lock_guard lock(impl_->mutex);
  impl_->hook = std::move(hook);
}

std::vector<std::string> StandinManager::limits_asked(Endpoint endpoint) const {
  std::lock_guard lock(impl_->mutex);
  return impl_->limits[static_cast<std::size_t>(endpoint)];
}

std::uint64_t StandinManager::bytes_sent(Endpoint endpoint) const {
  std::lock_guard lock(impl_->mutex);
  return impl_->bytes[static_cast<std::size_t>(endpoint)];
}

std::uint64_t StandinManager::request_count(Endpoint endpoint) const {
  std::lock_guard lock(impl_->mutex);
  return impl_->counts[static_cast<std::size_t>(endpoint)];
}

std::uint64_t StandinManager::request_count(const std::string& namespace_code, const std::string& project_code,
                                            Endpoint endpoint) const {
  std::lock_guard lock(impl_->mutex);
  return impl_->get(namespace_code, project_code).counts[static_cast<std::size_t>(endpoint)];
}

std::vector<Report> StandinManager::reports() const {
  return reports(impl_->options.namespace_code, impl_->options.project_code);
}

std::vector<Report> StandinManager::reports(const std::string& namespace_code, const std::string& project_code) const {
  std::lock_guard lock(impl_->mutex);
  return impl_->get(namespace_code, project_code).reports;
}

std::vector<std::string> StandinManager::heartbeats() const {
  return heartbeats(impl_->options.namespace_code, impl_->options.project_code);
}

std::vector<std::string> StandinManager::heartbeats(const std::string& namespace_code,
                                                    const std::string& project_code) const {
  std::lock_guard lock(impl_->mutex);
  return impl_->get(namespace_code, project_code).heartbeats;
}

bool StandinManager::wait_for_reports(std::size_t count, std::chrono::milliseconds timeout) const {
  return wait_for_reports(impl_->options.namespace_code, impl_->options.project_code, count, timeout);
}

bool StandinManager::wait_for_reports(const std::string& namespace_code, const std::string& project_code,
                                      std::size_t count, std::chrono::milliseconds timeout) const {
  std::unique_lock lock(impl_->mutex);
  const Project& project = impl_->get(namespace_code, project_code);
  return impl_->changed.wait_for(lock, timeout, [&] { return project.reports.size() >= count; });
}

bool StandinManager::wait_for_heartbeats(std::size_t count, std::chrono::milliseconds timeout) const {
  return wait_for_heartbeats(impl_->options.namespace_code, impl_->options.project_code, count, timeout);
}

bool StandinManager::wait_for_heartbeats(const std::string& namespace_code, const std::string& project_code,
                                         std::size_t count, std::chrono::milliseconds timeout) const {
  std::unique_lock lock(impl_->mutex);
  const Project& project = impl_->get(namespace_code, project_code);
  return impl_->changed.wait_for(lock, timeout, [&] { return project.heartbeats.size() >= count; });
}

}  // namespace flecto::standin
