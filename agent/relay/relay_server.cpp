#include "agent/relay/relay_server.hpp"

#include <httplib.h>

#include <optional>
#include <stdexcept>

#include "agent/config/manager_url.hpp"
#include "agent/manager/client.hpp"
#include "agent/service/http_listener.hpp"

namespace flecto {
namespace {

constexpr const char* kJson = "application/json; charset=utf-8";
constexpr const char* kApi = R"(^.*/api/namespace/([^/]+)/project/([^/]+)/)";

void answer_error(httplib::Response& res, int status, std::string_view message) {
  res.status = status;
  res.set_content(relay_message_json(message), kJson);
}

std::optional<std::string> param(const httplib::Request& req, const char* name) {
  if (!req.has_param(name)) return std::nullopt;
  return req.get_param_value(name);
}

RelayAuthOutcome outcome_of(UpstreamVerdict::Kind kind) {
  switch (kind) {
    case UpstreamVerdict::Kind::kAccepted: return RelayAuthOutcome::kAccepted;
    case UpstreamVerdict::Kind::kRefused: return RelayAuthOutcome::kRefused;
    case UpstreamVerdict::Kind::kCannotAsk: break;
  }
  return RelayAuthOutcome::kUpstreamDown;
}

}  // namespace

UpstreamVerdict ask_upstream_version(const Config& upstream, const std::string& token, std::stop_token stop) {
  try {
    ManagerSettings settings = manager_settings_from(upstream);
    settings.token = token;
    ManagerClient client(std::move(settings));
    client.get_version(stop);
    return {UpstreamVerdict::Kind::kAccepted, 0};
  } catch (const ManagerError& e) {
    if (e.kind() == ManagerError::Kind::kHttpStatus && (e.http_status() == 401 || e.http_status() == 403)) {
      return {UpstreamVerdict::Kind::kRefused, e.http_status()};
    }
    return {UpstreamVerdict::Kind::kCannotAsk, 0};
  } catch (const std::invalid_argument&) {
    return {UpstreamVerdict::Kind::kCannotAsk, 0};
  }
}

RelayServer::RelayServer(const RelayStore& store, const ServedProjects* served, RelayCounters& counters,
                         RelayServerOptions options)
    : store_(store), served_(served), counters_(counters), options_(std::move(options)), auth_(options_.auth_ttl) {}

RelayServer::~RelayServer() { stop(); }

void RelayServer::route() {
  httplib::Server& server = *server_;

  // The project a request names: `known` when this relay relays it (its
  // sync runs), `project` once a version was handed over.
  struct Lookup {
    bool known = false;
    std::shared_ptr<RelayProject> project;
  };
  const auto relayed = [this](const std::string& ns, const std::string& code) {
    Lookup found{false, store_.find(ns, code)};
    if (!served_) {
      found.known = found.project != nullptr;
      return found;
    }
    if (const auto routing = served_->current()) {
      for (const RoutedProject& routed : routing->projects()) {
        const ProjectIdentity& id = routed.project->identity;
        if (id.namespace_code == ns && id.project_code == code && !id.manager_url.empty()) found.known = true;
      }
    }
    if (!found.known) found.project = nullptr;  // a reload removed it
    return found;
  };
  // False, with the answer given, unless the request's project has a version.
  const auto answer_unrelayed = [this](const Lookup& found, RelayEndpoint endpoint, httplib::Response& res) {
    if (!found.known) {
      counters_.count(endpoint, RelayResult::kUnknownProject);
      answer_error(res, 500, "record not found");
      return true;
    }
    if (!found.project || !found.project->current()) {
      counters_.count(endpoint, RelayResult::kNoVersion);
      answer_error(res, 503, "the relay holds no version of this project yet");
      return true;
    }
    return false;
  };

  server.Get(R"(^(.*)/health/ping$)", [this](const httplib::Request&, httplib::Response& res) {
    res.status = 204;
    counters_.count(RelayEndpoint::kPing, RelayResult::kOk);
  });

  server.Get(std::string(kApi) + "(version|redirects|pages)$",
             [this, relayed, answer_unrelayed](const httplib::Request& req, httplib::Response& res) {
    const std::string ns = req.matches[1], code = req.matches[2], what = req.matches[3];
    const RelayEndpoint endpoint = what == "version"     ? RelayEndpoint::kVersion
                                   : what == "redirects" ? RelayEndpoint::kRedirects
                                                         : RelayEndpoint::kPages;
    const Lookup found = relayed(ns, code);
    if (answer_unrelayed(found, endpoint, res)) return;
    const std::shared_ptr<RelayProject>& project = found.project;
    const Config upstream = project->upstream();
    const std::string token = RelayAuth::bearer_token(req.get_header_value(upstream.header_authorization_name.c_str()));
    const RelayAuthDecision decision = auth_.check(ns + "/" + code, token, [&](const std::string& t) {
      return options_.ask_upstream ? options_.ask_upstream(upstream, t)
                                   : ask_upstream_version(upstream, t, stopping_.get_token());
    });
    if (!token.empty()) counters_.count(decision.asked_upstream ? outcome_of(decision.upstream) : RelayAuthOutcome::kCached);
    if (decision.status == 401 || decision.status == 403) {
      counters_.count(endpoint, RelayResult::kRefused);
      return answer_error(res, decision.status,
                          decision.status == 401 ? "invalid or expired token" : "the token may not read this project");
    }
    if (decision.status != 0) {
      counters_.count(endpoint, RelayResult::kAuthUnavailable);
      return answer_error(res, 503, "the relay's upstream manager cannot check the token now");
    }
    const std::shared_ptr<const RelayVersion> held = project->current();
    if (endpoint == RelayEndpoint::kVersion) {
      counters_.count(endpoint, RelayResult::kOk);
      return res.set_content(std::to_string(held->version()) + "\n", kJson);
    }
    const RelayListingKind kind =
        endpoint == RelayEndpoint::kRedirects ? RelayListingKind::kRedirects : RelayListingKind::kPages;
    if (options_.before_listing) options_.before_listing(kind);
    const RelayListingQuery query{param(req, "limit"), param(req, "offset"), param(req, "cursor")};
    // A cursor of a version the relay swapped out in the meantime reads it.
    const std::shared_ptr<const RelayVersion> now = project->current();
    RelayListingAnswer answer = answer_relay_listing(
        kind, query, *now, [&](std::int64_t v, std::uint64_t s) { return project->find(v, s); }, options_.send_next);
    counters_.count(endpoint, answer.status != 200 ? RelayResult::kBadRequest
                              : answer.gone        ? RelayResult::kCursorGone
                                                   : RelayResult::kOk);
    res.status = answer.status;
    res.set_content(std::move(answer.body), kJson);
  });

  // A report or heartbeat, to the upstream with the downstream's token and body.
  const auto pass = [this, relayed, answer_unrelayed](const httplib::Request& req, httplib::Response& res, RelayEndpoint endpoint,
                                    const std::string& sub_path) {
    const std::string ns = req.matches[1], code = req.matches[2];
    const Lookup found = relayed(ns, code);
    if (answer_unrelayed(found, endpoint, res)) return;
    const Config upstream = found.project->upstream();
    try {
      ManagerSettings settings = manager_settings_from(upstream);
      settings.token = RelayAuth::bearer_token(req.get_header_value(upstream.header_authorization_name.c_str()));
      ManagerClient client(std::move(settings));
      PassedAnswer answer = client.pass_through(req.method, sub_path, req.body, stopping_.get_token());
      const bool ok = answer.status >= 200 && answer.status <= 299;
      counters_.count(endpoint, ok ? RelayResult::kOk : RelayResult::kUpstreamError);
      res.status = answer.status;
      res.set_content(std::move(answer.body), answer.content_type.empty() ? kJson : answer.content_type.c_str());
    } catch (const ManagerError& e) {
      counters_.count(endpoint, RelayResult::kUpstreamUnreachable);
      answer_error(res, 502, std::string("the relay could not reach its upstream manager: ") + e.what());
    } catch (const std::invalid_argument& e) {
      counters_.count(endpoint, RelayResult::kUpstreamUnreachable);
      answer_error(res, 502, std::string("the relay could not reach its upstream manager: ") + e.what());
    }
  };
  server.Post(std::string(kApi) + "agents$", [pass](const httplib::Request& req, httplib::Response& res) {
    pass(req, res, RelayEndpoint::kAgents, "agents");
  });
  server.Patch(std::string(kApi) + "agents/([^/]+)/hit$", [pass](const httplib::Request& req, httplib::Response& res) {
    pass(req, res, RelayEndpoint::kHit, "agents/" + url_encode(req.matches[3].str()) + "/hit");
  });

  server.set_error_handler([](const httplib::Request&, httplib::Response& res) {
    if (res.body.empty()) {
      res.set_content(relay_message_json(res.status == 404 ? "not found" : "HTTP " + std::to_string(res.status)), kJson);
    }
  });
}

void RelayServer::start(const ListenAddress& address) {
  if (server_) throw std::logic_error("relay server already started");
  if (tls()) {
    auto ssl = std::make_unique<httplib::SSLServer>(options_.tls_cert_file.c_str(), options_.tls_key_file.c_str());
    if (!ssl->is_valid()) {
      throw std::runtime_error("relay: cannot use relay_tls_cert \"" + options_.tls_cert_file +
                               "\" with relay_tls_key \"" + options_.tls_key_file + "\"");
    }
    server_ = std::move(ssl);
  } else {
    server_ = std::make_unique<httplib::Server>();
  }
  const std::size_t threads = options_.threads;
  server_->new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
  server_->set_keep_alive_timeout(2);
  server_->set_read_timeout(std::chrono::seconds(10));
  server_->set_write_timeout(std::chrono::seconds(60));
  server_->set_payload_max_length(1 << 20);  // reports and heartbeats are small
  route();
  try {
    port_ = listen_in_thread(*server_, address, thread_, "relay: ");
  } catch (const std::runtime_error&) {
    server_.reset();
    throw;
  }
}

void RelayServer::stop() {
  if (!server_) return;
  stopping_.request_stop();
  server_->stop();
  if (thread_.joinable()) thread_.join();
  server_.reset();
}

}  // namespace flecto
