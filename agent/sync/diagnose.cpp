#include "agent/sync/diagnose.hpp"

#include <exception>

namespace flecto {

namespace {

// A gateway's or a busy server's answer: the service is there but cannot
// answer now, which says nothing about the token.
bool temporarily_unavailable(int http_status) {
  return http_status == 502 || http_status == 503 || http_status == 504;
}

}  // namespace

Diagnosis diagnose_failure(ManagerApi& api, const ManagerError& error, std::stop_token stop) {
  const ManagerError::Kind kind = error.kind();
  Diagnosis diagnosis;
  if (kind != ManagerError::Kind::kHttpStatus && kind != ManagerError::Kind::kUnreachable) return diagnosis;
  if (stop.stop_requested()) return diagnosis;
  diagnosis.pinged = true;
  std::string ping_error;
  try {
    api.ping(stop);
    diagnosis.manager_answers = true;
  } catch (const ManagerError& e) {
    if (e.kind() == ManagerError::Kind::kCancelled) {
      diagnosis.pinged = false;
      return diagnosis;
    }
    ping_error = e.what();
  } catch (const std::exception& e) {
    ping_error = e.what();
  }
  if (kind == ManagerError::Kind::kHttpStatus) {
    if (!diagnosis.manager_answers) {
      diagnosis.text = "the manager does not answer /health/ping either (" + ping_error +
                       "): it is down, and the error came from what stands in front of it "
                       "(a proxy or load balancer)";
    } else if (temporarily_unavailable(error.http_status())) {
      diagnosis.text = "the manager answers /health/ping, so it is up, but could not answer this request now "
                       "(overloaded or restarting; a relay answers 503 until it holds a version of the "
                       "project); the sync retries";
    } else {
      diagnosis.text = "the manager answers /health/ping, so it is up: the token, namespace_code or "
                       "project_code (or manager_url's base path) is wrong";
    }
  } else {
    diagnosis.text = diagnosis.manager_answers
                         ? "the manager answers /health/ping, so it is up: this request failed on the way "
                           "(timed out or cut off; check read_timeout)"
                         : "the manager does not answer /health/ping either: it is down or unreachable";
  }
  return diagnosis;
}

}  // namespace flecto
