#include "agent/admin/server.hpp"

#include <httplib.h>

#include <chrono>
#include <ctime>
#include <stdexcept>

#include "agent/admin/match_json.hpp"
#include "agent/admin/metrics.hpp"
#include "agent/rules/rules_json.hpp"
#include "agent/text/number.hpp"
#include "agent/version.hpp"

namespace flecto {

namespace {

std::string rfc3339(std::chrono::system_clock::time_point t) {
  const std::time_t secs = std::chrono::system_clock::to_time_t(t);
  std::tm utc{};
  gmtime_r(&secs, &utc);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &utc);
  return buf;
}

void append_time(std::string& out, const std::optional<std::chrono::system_clock::time_point>& t) {
  if (t) {
    append_json_string(out, rfc3339(*t));
  } else {
    out += "null";
  }
}

// "key": "value" with a leading comma unless first.
class JsonObject {
 public:
  explicit JsonObject(std::string& out) : out_(out) { out_ += '{'; }
  void key(std::string_view k) {
    if (!first_) out_ += ',';
    first_ = false;
    append_json_string(out_, k);
    out_ += ':';
  }
  void string(std::string_view k, std::string_view v) {
    key(k);
    append_json_string(out_, v);
  }
  void number(std::string_view k, double v) {
    key(k);
    out_ += format_number(v);
  }
  void boolean(std::string_view k, bool v) {
    key(k);
    out_ += v ? "true" : "false";
  }
  void close() { out_ += '}'; }

 private:
  std::string& out_;
  bool first_ = true;
};

}  // namespace

std::string redact_url_credentials(std::string_view url) {
  const auto scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) return std::string(url);
  const auto authority_start = scheme_end + 3;
  const auto authority_end = url.find_first_of("/?#", authority_start);
  const auto at = url.substr(0, authority_end).rfind('@');
  if (at == std::string_view::npos || at < authority_start) return std::string(url);
  return std::string(url.substr(0, authority_start)) + std::string(url.substr(at + 1));
}

AdminServer::AdminServer(const ServedTable& served, const SyncStatus& sync,
                         const RequestCounters& requests, AdminInfo info)
    : served_(served), sync_(sync), requests_(requests), info_(std::move(info)) {}

AdminServer::~AdminServer() { stop(); }

std::string AdminServer::status_json() const {
  const std::shared_ptr<const Table> table = served_.current();
  const SyncState sync = sync_.get();
  std::string out;
  JsonObject root(out);
  root.string("agent_name", info_.agent_name);
  root.string("agent_version", FLECTO_AGENT_VERSION);
  root.string("manager_url", redact_url_credentials(info_.manager_url));
  root.string("namespace", info_.namespace_code);
  root.string("project", info_.project_code);
  root.string("rules_file", info_.rules_file);
  root.string("snapshot_path", info_.snapshot_path);
  root.boolean("ready", table != nullptr);
  root.key("version");
  if (table) {
    out += std::to_string(table->version());
  } else {
    out += "null";
  }
  root.string("table_source", to_text(sync.table_source));

  const TableStats stats = table ? table->stats() : TableStats{};
  root.key("rules");
  {
    JsonObject rules(out);
    rules.key("redirects");
    {
      JsonObject redirects(out);
      redirects.number("BASIC", static_cast<double>(stats.basic));
      redirects.number("BASIC_HOST", static_cast<double>(stats.basic_host));
      redirects.number("REGEX", static_cast<double>(stats.regex));
      redirects.number("REGEX_HOST", static_cast<double>(stats.regex_host));
      redirects.close();
    }
    rules.key("pages");
    {
      JsonObject pages(out);
      pages.number("BASIC", static_cast<double>(stats.pages_basic));
      pages.number("BASIC_HOST", static_cast<double>(stats.pages_basic_host));
      pages.close();
    }
    rules.number("skipped", static_cast<double>(stats.skipped));
    rules.close();
  }

  root.key("sync");
  {
    JsonObject s(out);
    s.key("last_attempt_time");
    append_time(out, sync.last_attempt_time);
    s.string("last_result", to_text(sync.last_result));
    s.string("last_error", sync.last_error);
    s.key("last_check_success_time");
    append_time(out, sync.last_check_success_time);
    s.number("consecutive_failures", static_cast<double>(sync.consecutive_failures));
    s.key("failing_since");
    append_time(out, sync.failing_since);
    s.key("last_success_time");
    append_time(out, sync.last_success_time);
    s.number("last_load_duration_seconds",
             std::chrono::duration<double>(sync.last_load_duration).count());
    s.number("syncs_success", static_cast<double>(sync.syncs_success));
    s.number("syncs_unchanged", static_cast<double>(sync.syncs_unchanged));
    s.number("syncs_error", static_cast<double>(sync.syncs_error));
    s.number("snapshot_write_errors", static_cast<double>(sync.snapshot_write_errors));
    s.close();
  }
  root.close();
  out += '\n';
  return out;
}

void AdminServer::route() {
  httplib::Server& server = *server_;
  server.Get("/healthz", [](const httplib::Request&, httplib::Response& res) {
    res.set_content("ok\n", "text/plain; charset=utf-8");
  });
  server.Get("/readyz", [this](const httplib::Request&, httplib::Response& res) {
    const bool ready = served_.current() != nullptr;
    res.status = ready ? 200 : 503;
    res.set_content(ready ? "ready\n" : "not ready: no rule table served yet\n",
                    "text/plain; charset=utf-8");
  });
  server.Get("/metrics", [this](const httplib::Request&, httplib::Response& res) {
    const std::shared_ptr<const Table> table = served_.current();
    res.set_content(render_metrics(table.get(), sync_.get(), requests_.counts()),
                    "text/plain; version=0.0.4; charset=utf-8");
  });
  server.Get("/status", [this](const httplib::Request&, httplib::Response& res) {
    res.set_content(status_json(), "application/json");
  });
  server.Get("/match", [this](const httplib::Request& req, httplib::Response& res) {
    if (!req.has_param("host") || !req.has_param("uri")) {
      res.status = 400;
      res.set_content("400 /match needs the parameters host and uri (URL-encoded)\n",
                      "text/plain; charset=utf-8");
      return;
    }
    const std::shared_ptr<const Table> table = served_.current();
    if (!table) {
      res.status = 503;
      res.set_content("503 no rule table served yet\n", "text/plain; charset=utf-8");
      return;
    }
    res.set_content(
        match_result_json(*table, req.get_param_value("host"), req.get_param_value("uri")) + "\n",
        "application/json");
  });
  server.set_pre_routing_handler([](const httplib::Request& req, httplib::Response& res) {
    if (req.method == "GET" || req.method == "HEAD") return httplib::Server::HandlerResponse::Unhandled;
    res.status = 405;
    res.set_header("Allow", "GET, HEAD");
    res.set_content("405 method not allowed\n", "text/plain; charset=utf-8");
    return httplib::Server::HandlerResponse::Handled;
  });
  server.set_error_handler([](const httplib::Request&, httplib::Response& res) {
    if (res.body.empty()) {
      res.set_content(std::to_string(res.status) + "\n", "text/plain; charset=utf-8");
    }
  });
}

void AdminServer::start(const ListenAddress& address) {
  if (server_) throw std::logic_error("admin server already started");
  server_ = std::make_unique<httplib::Server>();
  server_->new_task_queue = [] { return new httplib::ThreadPool(4); };
  server_->set_read_timeout(std::chrono::seconds(5));
  server_->set_write_timeout(std::chrono::seconds(5));
  server_->set_payload_max_length(64 * 1024);
  // httplib's default also sets SO_REUSEPORT, which would let a second agent
  // bind the same port silently; a port in use must be an error.
  server_->set_socket_options([](socket_t sock) {
    const int yes = 1;
    setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
  });
  route();

  int port = address.port;
  bool bound;
  if (port == 0) {
    port = server_->bind_to_any_port(address.host);
    bound = port > 0;
  } else {
    bound = server_->bind_to_port(address.host, port);
  }
  if (!bound) {
    server_.reset();
    throw std::runtime_error("cannot listen on " + address.to_string() +
                             " (address in use, not permitted, or not resolvable)");
  }
  port_ = static_cast<std::uint16_t>(port);
  thread_ = std::thread([this] { server_->listen_after_bind(); });
  // stop() before the loop runs would be lost; wait until it does.
  while (!server_->is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
}

void AdminServer::stop() {
  if (!server_) return;
  server_->stop();
  if (thread_.joinable()) thread_.join();
  server_.reset();
  port_ = 0;
}

}  // namespace flecto
