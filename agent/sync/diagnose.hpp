// What a failed sync tells about the manager, from GET /health/ping (no
// token; a healthy manager answers 204):
//
// - an HTTP error (401, 403, 404, 500) and the manager answers the ping: it
//   is up, so the token, namespace_code or project_code (or the base path)
//   is wrong;
// - 502, 503 or 504 and the manager answers the ping: it is up but could
//   not answer this request now (overloaded, restarting, or a relay that
//   holds no version of the project yet);
// - an HTTP error and no answer to the ping: the manager is down, and the
//   error came from something in front of it (a proxy, a load balancer);
// - unreachable and no answer to the ping: it is down or unreachable;
// - unreachable and an answer to the ping: it is up but this request failed
//   (timed out, or the connection broke).
//
//   Diagnosis d = diagnose_failure(api, error, stop);
//   log(error.what() + (d.text.empty() ? "" : "; " + d.text));
//
// Invalid data and cancellation need no ping: nothing is asked then. Never
// throws (a failed ping is the diagnosis); as thread-safe as `api`.

#ifndef FLECTO_AGENT_SYNC_DIAGNOSE_HPP_
#define FLECTO_AGENT_SYNC_DIAGNOSE_HPP_

#include <stop_token>
#include <string>

#include "agent/manager/api.hpp"

namespace flecto {

struct Diagnosis {
  bool pinged = false;           // false: this kind of failure needs no ping
  bool manager_answers = false;  // the ping succeeded
  std::string text;              // what to add to the failure's message; "" when not pinged
  // The failure is the manager being down (or cut off), whatever its kind:
  // --sync-once exits kExitUnreachable then.
  bool manager_down() const { return pinged && !manager_answers; }
};

Diagnosis diagnose_failure(ManagerApi& api, const ManagerError& error, std::stop_token stop = {});

}  // namespace flecto

#endif  // FLECTO_AGENT_SYNC_DIAGNOSE_HPP_
