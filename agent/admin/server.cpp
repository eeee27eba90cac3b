#include "agent/admin/server.hpp"

#include <httplib.h>

#include <chrono>
#include <ctime>
#include <stdexcept>

#include "agent/admin/match_json.hpp"
#include "agent/admin/metrics.hpp"
#include "agent/admin/status_json.hpp"
#include "agent/relay/relay_counters.hpp"
#include "agent/service/http_listener.hpp"
#include "agent/text/join.hpp"

namespace flecto {

namespace {

constexpr const char* kTextPlain = "text/plain; charset=utf-8";

// The projects that serve no table yet, by label.
std::vector<std::string> projects_not_ready(const ProjectRouting& routing) {
  std::vector<std::string> waiting;
  for (const RoutedProject& routed : routing.projects()) {
    if (!routed.project->served.current()) waiting.push_back(routed.project->identity.label);
  }
  return waiting;
}

}  // namespace

AdminServer::AdminServer(const ServedProjects& projects, const RequestCounters& unrouted,
                         const ReloadStatus& reloads, AdminInfo info)
    : projects_(projects), unrouted_(unrouted), reloads_(reloads), info_(std::move(info)) {}

AdminServer::~AdminServer() { stop(); }

void AdminServer::route() {
  httplib::Server& server = *server_;
  server.Get("/healthz", [](const httplib::Request&, httplib::Response& res) {
    res.set_content("ok\n", kTextPlain);
  });
  server.Get("/readyz", [this](const httplib::Request&, httplib::Response& res) {
    const auto routing = projects_.current();
    const std::vector<std::string> waiting = routing ? projects_not_ready(*routing) : std::vector<std::string>{};
    const bool ready = routing && waiting.empty();
    res.status = ready ? 200 : 503;
    if (ready) {
      res.set_content("ready\n", kTextPlain);
    } else if (!routing || routing->projects().size() == 1) {
      res.set_content("not ready: no rule table served yet\n", kTextPlain);
    } else {
      res.set_content("not ready: no rule table served yet for " + join(waiting, ", ") + "\n", kTextPlain);
    }
  });
  server.Get("/metrics", [this](const httplib::Request&, httplib::Response& res) {
    std::vector<ProjectMetrics> projects;
    if (const auto routing = projects_.current()) {
      for (const RoutedProject& routed : routing->projects()) {
        const ServedProject& p = *routed.project;
        projects.push_back({p.identity.namespace_code, p.identity.project_code, p.served.current(), p.status.get(),
                            p.counters.counts()});
      }
    }
    std::string text = render_metrics(projects, unrouted_.counts(), reloads_.get());
    if (relay_store_) text += render_relay_metrics(*relay_counters_, *relay_store_);
    res.set_content(text, "text/plain; version=0.0.4; charset=utf-8");
  });
  server.Get("/status", [this](const httplib::Request&, httplib::Response& res) {
    const auto routing = projects_.current();
    std::string body = status_json(info_.agent_name, routing.get(), reloads_.get());
    const std::size_t end = body.rfind('}');
    if (relay_store_ && end != std::string::npos) {
      body.insert(end, ",\"relay\":" + relay_status_json(*relay_counters_, *relay_store_));
    }
    res.set_content(body, "application/json");
  });
  server.Get("/match", [this](const httplib::Request& req, httplib::Response& res) {
    if (!req.has_param("host") || !req.has_param("uri")) {
      res.status = 400;
      res.set_content("400 /match needs the parameters host and uri (URL-encoded)\n", kTextPlain);
      return;
    }
    const std::string host = req.get_param_value("host");
    const auto routing = projects_.current();
    const ServedProject* project = routing ? routing->route(host) : nullptr;
    const std::shared_ptr<const Table> table = project ? project->served.current() : nullptr;
    if (project && !table) {
      res.status = 503;
      res.set_content("503 no rule table served yet for " + project->identity.label + "\n", kTextPlain);
      return;
    }
    res.set_content(routed_match_json(project ? &project->identity.label : nullptr, table.get(), host,
                                      req.get_param_value("uri"), info_.query) +
                        "\n",
                    "application/json");
  });
  server.set_pre_routing_handler([](const httplib::Request& req, httplib::Response& res) {
    if (req.method == "GET" || req.method == "HEAD") return httplib::Server::HandlerResponse::Unhandled;
    res.status = 405;
    res.set_header("Allow", "GET, HEAD");
    res.set_content("405 method not allowed\n", kTextPlain);
    return httplib::Server::HandlerResponse::Handled;
  });
  server.set_error_handler([](const httplib::Request&, httplib::Response& res) {
    if (res.body.empty()) {
      res.set_content(std::to_string(res.status) + "\n", kTextPlain);
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
  route();
  try {
    port_ = listen_in_thread(*server_, address, thread_);
  } catch (const std::runtime_error&) {
    server_.reset();
    throw;
  }
}

void AdminServer::stop() {
  if (!server_) return;
  server_->stop();
  if (thread_.joinable()) thread_.join();
  server_.reset();
  port_ = 0;
}

}  // namespace flecto
