#include "agent/relay/relay_counters.hpp"

#include "agent/text/json_string.hpp"
#include "agent/text/prometheus_labels.hpp"

namespace flecto {
namespace {

bool passed_through(RelayEndpoint endpoint) {
  return endpoint == RelayEndpoint::kAgents || endpoint == RelayEndpoint::kHit;
}

constexpr RelayEndpoint kEndpoints[] = {RelayEndpoint::kPing,      RelayEndpoint::kVersion,
                                        RelayEndpoint::kRedirects, RelayEndpoint::kPages,
                                        RelayEndpoint::kAgents,    RelayEndpoint::kHit};
constexpr RelayResult kResults[] = {RelayResult::kOk,          RelayResult::kBadRequest,
                                    RelayResult::kRefused,     RelayResult::kUnknownProject,
                                    RelayResult::kNoVersion,   RelayResult::kAuthUnavailable,
                                    RelayResult::kCursorGone,  RelayResult::kUpstreamError,
                                    RelayResult::kUpstreamUnreachable};
constexpr RelayAuthOutcome kOutcomes[] = {RelayAuthOutcome::kAccepted, RelayAuthOutcome::kRefused,
                                          RelayAuthOutcome::kUpstreamDown, RelayAuthOutcome::kCached};

std::pair<std::string, std::string> split_key(const std::string& key) {
  const std::size_t slash = key.find('/');
  return {key.substr(0, slash), slash == std::string::npos ? std::string() : key.substr(slash + 1)};
}

}  // namespace

const char* to_string(RelayEndpoint endpoint) {
  switch (endpoint) {
    case RelayEndpoint::kPing: return "ping";
    case RelayEndpoint::kVersion: return "version";
    case RelayEndpoint::kRedirects: return "redirects";
    case RelayEndpoint::kPages: return "pages";
    case RelayEndpoint::kAgents: return "agents";
    case RelayEndpoint::kHit: return "hit";
  }
  return "?";
}

const char* to_string(RelayResult result) {
  switch (result) {
    case RelayResult::kOk: return "ok";
    case RelayResult::kBadRequest: return "bad_request";
    case RelayResult::kRefused: return "refused";
    case RelayResult::kUnknownProject: return "unknown_project";
    case RelayResult::kNoVersion: return "no_version";
    case RelayResult::kAuthUnavailable: return "auth_unavailable";
    case RelayResult::kCursorGone: return "cursor_gone";
    case RelayResult::kUpstreamError: return "upstream_error";
    case RelayResult::kUpstreamUnreachable: return "upstream_unreachable";
  }
  return "?";
}

const char* to_string(RelayAuthOutcome outcome) {
  switch (outcome) {
    case RelayAuthOutcome::kAccepted: return "accepted";
    case RelayAuthOutcome::kRefused: return "refused";
    case RelayAuthOutcome::kUpstreamDown: return "upstream_down";
    case RelayAuthOutcome::kCached: return "cached";
  }
  return "?";
}

std::string render_relay_metrics(const RelayCounters& counters, const RelayStore& store) {
  std::string out;
  out += "# HELP flecto_agent_relay_requests_total Downstream requests the relay answered, by endpoint and result.\n";
  out += "# TYPE flecto_agent_relay_requests_total counter\n";
  for (RelayEndpoint e : kEndpoints) {
    for (RelayResult r : kResults) {
      out += std::string("flecto_agent_relay_requests_total{endpoint=\"") + to_string(e) + "\",result=\"" +
             to_string(r) + "\"} " + std::to_string(counters.requests(e, r)) + "\n";
    }
  }
  out += "# HELP flecto_agent_relay_auth_checks_total Downstream tokens checked: asked the upstream "
         "(accepted, refused, upstream_down) or decided from the cache (cached).\n";
  out += "# TYPE flecto_agent_relay_auth_checks_total counter\n";
  for (RelayAuthOutcome o : kOutcomes) {
    out += std::string("flecto_agent_relay_auth_checks_total{result=\"") + to_string(o) + "\"} " +
           std::to_string(counters.auth_checks(o)) + "\n";
  }
  out += "# HELP flecto_agent_relay_passed_through_total Downstream reports (agents) and heartbeats (hit) "
         "passed to the upstream, by its result.\n";
  out += "# TYPE flecto_agent_relay_passed_through_total counter\n";
  for (RelayEndpoint e : {RelayEndpoint::kAgents, RelayEndpoint::kHit}) {
    for (RelayResult r : {RelayResult::kOk, RelayResult::kUpstreamError, RelayResult::kUpstreamUnreachable}) {
      out += std::string("flecto_agent_relay_passed_through_total{endpoint=\"") + to_string(e) + "\",result=\"" +
             to_string(r) + "\"} " + std::to_string(counters.requests(e, r)) + "\n";
    }
  }
  const auto projects = store.projects();
  out += "# HELP flecto_agent_relay_version The version the relay serves, per project.\n";
  out += "# TYPE flecto_agent_relay_version gauge\n";
  for (const auto& [key, project] : projects) {
    const auto [ns, code] = split_key(key);
    const auto held = project->current();
    out += "flecto_agent_relay_version{" + prometheus_project_labels(ns, code) + "} " +
           std::to_string(held ? held->version() : 0) + "\n";
  }
  out += "# HELP flecto_agent_relay_held_bytes Bytes of the serialized versions the relay holds, per project.\n";
  out += "# TYPE flecto_agent_relay_held_bytes gauge\n";
  for (const auto& [key, project] : projects) {
    const auto [ns, code] = split_key(key);
    out += "flecto_agent_relay_held_bytes{" + prometheus_project_labels(ns, code) + "} " +
           std::to_string(project->held_bytes()) + "\n";
  }
  return out;
}

std::string relay_status_json(const RelayCounters& counters, const RelayStore& store) {
  std::string out = "{\"requests\":{";
  const auto counts = [&](RelayEndpoint e) {
    std::string obj = "{";
    for (RelayResult r : kResults) {
      if (const std::uint64_t n = counters.requests(e, r)) {
        if (obj.size() > 1) obj += ',';
        obj += std::string("\"") + to_string(r) + "\":" + std::to_string(n);
      }
    }
    return obj + "}";
  };
  bool first = true;
  for (RelayEndpoint e : kEndpoints) {
    if (passed_through(e)) continue;
    out += std::string(first ? "" : ",") + "\"" + to_string(e) + "\":" + counts(e);
    first = false;
  }
  out += "},\"auth_checks\":{";
  first = true;
  for (RelayAuthOutcome o : kOutcomes) {
    out += std::string(first ? "" : ",") + "\"" + to_string(o) + "\":" + std::to_string(counters.auth_checks(o));
    first = false;
  }
  out += "},\"passed_through\":{\"agents\":" + counts(RelayEndpoint::kAgents) +
         ",\"hit\":" + counts(RelayEndpoint::kHit) + "},\"projects\":[";
  first = true;
  for (const auto& [key, project] : store.projects()) {
    const auto [ns, code] = split_key(key);
    const auto held = project->current();
    out += first ? "{" : ",{";
    first = false;
    out += "\"namespace\":";
    append_json_string(out, ns);
    out += ",\"project\":";
    append_json_string(out, code);
    out += ",\"version\":" + std::to_string(held ? held->version() : 0);
    out += ",\"versions_held\":" + std::to_string(project->versions_held());
    out += ",\"held_bytes\":" + std::to_string(project->held_bytes()) + "}";
  }
  out += "]}";
  return out;
}

}  // namespace flecto
