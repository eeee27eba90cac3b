#include "agent/sync/diagnose.hpp"

#include <exception>

namespace flecto {

Diagnosis diagnose_failure(ManagerApi& api, ManagerError::Kind kind, std::stop_token stop) {
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
    diagnosis.text = diagnosis.manager_answers
                         ? "the manager answers /health/ping, so it is up: the token, namespace_code or "
                           "project_code (or manager_url's base path) is wrong"
                         : "the manager does not answer /health/ping either (" + ping_error +
                               "): it is down, and the error came from what stands in front of it "
                               "(a proxy or load balancer)";
  } else {
    diagnosis.text = diagnosis.manager_answers
                         ? "the manager answers /health/ping, so it is up: this request failed on the way "
                           "(timed out or cut off; check read_timeout)"
                         : "the manager does not answer /health/ping either: it is down or unreachable";
  }
  return diagnosis;
}

}  // namespace flecto
