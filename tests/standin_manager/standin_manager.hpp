// A STAND-IN for Flecto Manager, for tests and demos. It is not a manager:
// it keeps its projects' rules in memory, speaks the agent API as
// shared/manager-api.md describes it, including its last section (what the
// real manager does, Flecto Manager 0.2.x), and can misbehave on purpose
// (Fault) so that the agent's error handling can be tested.
//
// It is an httplib::Server (an SSLServer when given a certificate) bound to
// a loopback address (127.0.0.1 by default) on an ephemeral port, serving
// from its own threads:
//
//   GET   /health/ping                                   204, no token
//   GET   <base>/api/namespace/<ns>/project/<p>/version    200 "3\n" (or "\"3\"")
//   GET   <base>/api/namespace/<ns>/project/<p>/redirects  limit/offset/cursor
//   GET   <base>/api/namespace/<ns>/project/<p>/pages      limit/offset/cursor
//   POST  <base>/api/namespace/<ns>/project/<p>/agents     validated report
//   PATCH <base>/api/namespace/<ns>/project/<p>/agents/<name>/hit
//
// Projects: the one of Options (namespace_code, project_code, token) is the
// default project, which every method without a namespace and project acts
// on; add_project() adds more, each with its own rules, version, token,
// agents, reports, heartbeats, counters and faults. (Namespaces are only
// names here: two projects of one namespace, or of two, are alike.)
//
// Behaviour, as the real manager's handlers do it:
// - Every /api call needs the header `<header_authorization_name>: Bearer
//   <token>`: missing, or a token no project has -> 401; a project that does
//   not exist -> 500 {"message":"record not found"}; a token of another
//   project, Options::forbidden or set_forbidden(true) -> 403. Error bodies
//   are {"message": "..."}.
// - version: the published version as a bare number and a newline ("3\n"),
//   or as a JSON string ("\"3\"") with Options::version_as_string. Versions
//   start at 1: a stand-in (or project) made without rules serves version 1
//   with no rules. Rules given with version 0 are served as version 0, which
//   no real manager does, for the agent's tolerance of it.
// - Listings: {"Items":[...],"Total":N,"Limit":L,"Offset":O,"Next":"..."}
//   (keys lower-case with Options::lower_case_keys), items in the order of
//   the published lists (their position stands for the database id).
//   `limit` defaults to 500 and has no upper bound; limit=0 returns every
//   item (from the offset or cursor on) in one page without Next. A negative
//   limit does the same: the manager hands it to GORM, whose Limit(-1)
//   means "no limit" (manager-api.md says nothing more precise; this is the
//   reading of its handlers). A non-integer limit -> 400, as Go's binding of
//   a query into an int refuses it. Options::max_limit > 0 caps the limit
//   (a manager variant or a proxy serving fewer per page; a limit of 0 is
//   then the cap). `offset` defaults to 0; a non-integer or negative
//   offset -> 400. `cursor`, when given, wins over `offset`; a cursor holds
//   the count delivered (the last id) and the Total of the first page, which
//   every page walked with it reports: when a publish adds rows during a
//   walk, the walk sees more items than Total; when it removes rows, a short
//   page (and then, paging by offset, a Total that changed). Cursors are
//   opaque (base64 with '+', '/' and '=' in them, so they must be
//   URL-encoded, plus a checksum); a malformed or tampered cursor -> 400.
//   Next is sent on every full page, including a full last page (the page
//   after it is then empty without Next); on a page that is not full Next
//   is "". With Options::send_next = false the Next key is never sent
//   (older managers).
// - agents: Content-Type application/json; a JSON object (valid UTF-8) with
//   name (^[A-Za-z0-9_-]+$), type ("default"|"traefik"), version (integer
//   != 0), status ("success"|"error"), load_duration (integer nanoseconds,
//   or a Go duration string such as "150ms"), error (string, optional).
//   Anything else -> 400 {"message": "..."}. Then, as MySQL in strict mode
//   stores it: a name over 100 characters or an error over 500 characters
//   (code points) -> 500; a report that creates the agent's row (a name the
//   project does not know) with load_duration 0 -> 500. Else 200, empty
//   body, recorded (reports()), and the agent is known to the project.
// - agents/<name>/hit: a name that does not match ^[A-Za-z0-9_-]+$ -> 400;
//   a name the project does not know (never reported, or forgotten by
//   forget_agents(), a database reset) -> 500 {"message":"record not
//   found"}; else 200, recorded (heartbeats()). (httplib's server answers
//   400 to a PATCH without Content-Length; the real manager does not care.
//   httplib's client always sends one.)
// - Compression: the real manager never compresses, but the proxies in
//   front of it often do. With Options::gzip (the default) an answer is
//   gzip-compressed (Content-Encoding: gzip) when the request's
//   Accept-Encoding names gzip (and not br: httplib prefers brotli); JSON,
//   text and HTML answers are, cut bodies (Fault::Body::kCutInMiddle) are
//   not. Options::gzip = false never compresses, like the manager itself,
//   whatever the request accepts (its JSON is then sent as
//   "application/json; charset=utf-8", as gin sends it).
//
// Thread safety: every public method may be called from any thread while
// the server runs. Requests are counted per endpoint, overall and per
// project, and the bytes of their answers per endpoint; faults apply per
// endpoint, to every project (set_fault) or to one (set_project_fault,
// which wins).
//
// Recipes:
//   the version moves during a sync (between the two version reads):
//     manager.publish_at(Endpoint::kRedirects, 2, newer_rules);   // real new rules
//     manager.set_fault(Endpoint::kVersion, {.skip_requests = 1, .version = Fault::Version::kAhead});
//   a publish lands in the middle of a cursor walk (page size 10, 30 redirects):
//     manager.publish_at(Endpoint::kRedirects, 2, rules_with_40);  // page 2 on: more items than Total
//     manager.publish_at(Endpoint::kRedirects, 2, rules_with_15);  // page 2 is short
//   the version moves on every read:   {.version = Fault::Version::kEveryRequest}
//   only the third page breaks:        {.skip_requests = 2, .times = 1, .body = Fault::Body::kCutInMiddle}
//   a slow manager:                    {.delay = std::chrono::seconds(5)} with a smaller read timeout
//   an error page from a proxy:        Fault::html_error(502)
//   any body, with 200:                {.status = 200, .status_body = "{\"Items\":{}}"} (also
//                                      "", HTML with .status_content_type = "text/html")
//   one project of several fails:      manager.set_project_fault("ns", "p", Endpoint::kVersion,
//                                          Fault::http_error(401, "invalid or expired token"));
//                                      (or 500, or {.body = Fault::Body::kMalformedJson}; for
//                                      "down", kCutInMiddle on every endpoint: unreachable)
//   the manager's database was reset:  manager.forget_agents(): heartbeats get 500 until a report
//   the manager is down:               manager.stop(): its port refuses connections, until
//                                      a parallel test binds it; for a port that stays refused,
//                                      bind a socket without listen() (manager_client_test.cpp)
//   the same from the command line:    flecto-standin-manager --fault SPEC (fault_spec.hpp)

#ifndef FLECTO_TESTS_STANDIN_MANAGER_STANDIN_MANAGER_HPP_
#define FLECTO_TESTS_STANDIN_MANAGER_STANDIN_MANAGER_HPP_

#include <chrono>
#include <cstdint>
#include <functional>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "matcher/rule.hpp"

namespace flecto::standin {

// The endpoints, for counters, faults and hooks.
enum class Endpoint { kVersion, kRedirects, kPages, kAgents, kHit, kHealth };
inline constexpr int kEndpointCount = 6;
const char* to_string(Endpoint endpoint);  // "version", "redirects", ...

// One way to misbehave, set per endpoint with StandinManager::set_fault.
// The fields combine: a fault first waits `delay`, then answers `status`
// (if non-zero) or else the real answer altered by `body`, `paging` and
// `version`. A default Fault{} changes nothing. `status` skips the
// endpoint's handler (a report is not recorded); `body` alters the answer
// after it ran (a report is recorded, then its answer cut or endless).
struct Fault {
  // Which requests to this endpoint it applies to, counted from set_fault:
  // it skips the first `skip_requests`, then applies `times` times (then the
  // endpoint behaves again).
  std::uint64_t skip_requests = 0;
  std::uint64_t times = std::numeric_limits<std::uint64_t>::max();

  // Wait before answering (interrupted by stop()).
  std::chrono::milliseconds delay{0};

  // Answer this HTTP status with `status_body` of `status_content_type`
  // instead of the real answer. 0: the real answer.
  int status = 0;
  std::string status_body{};
  std::string status_content_type = "application/json";

  enum class Body {
    kIntact,
    // Content-Length of the whole answer, half of it sent, then the
    // connection is closed.
    kCutInMiddle,
    // A chunked answer that starts as valid JSON and never ends: it keeps
    // sending (valid items for listings, spaces for the others) until the
    // client goes away, stop(), or `endless_for` has passed.
    kEndless,
    // The first half of the real answer, with a matching Content-Length
    // (version: a string without its closing quote, "\"3").
    kTruncatedJson,
    // The real answer with its first ':' replaced by ';' (version: "3x").
    kMalformedJson,
    // Valid JSON of the wrong shape: version {"version":3}; listings with
    // Total as a string ("Total":"12").
    kWrongType,
  };
  Body body = Body::kIntact;
  std::chrono::milliseconds endless_for{std::chrono::seconds(10)};

  // Listings only.
  enum class Paging {
    kHonest,
    kRepeatCursor,   // Next is always the cursor of the second page
    kEndlessCursor,  // every page is full (items wrap around) and has a new Next
    kEmptyPages,     // pages at offset > 0 have no items; Total stays true
    kIgnoreOffset,   // offset and cursor are ignored: always the first page
  };
  Paging paging = Paging::kHonest;
  std::int64_t total_delta = 0;  // Total reported = real total + total_delta

  // Version only.
  enum class Version {
    kTrue,
    kEveryRequest,  // published version + the endpoint's request number
    kAhead,         // published version + 1
  };
  Version version = Version::kTrue;

  // Presets for `status`: a JSON {"message": message}, an HTML error page,
  // an empty body.
  static Fault http_error(int status, const std::string& message);
  static Fault html_error(int status);
  static Fault empty_error(int status);
};

struct Options {
  std::string host = "127.0.0.1";  // loopback only
  int port = 0;                    // 0: an ephemeral port
  std::string base_path;           // "" or "/something": the API under <base>/api/...
  std::string namespace_code = "test-ns";
  std::string project_code = "test-project";
  std::string token = "test-token";
  std::string header_authorization_name = "Authorization";
  bool forbidden = false;          // 403 for every /api call with the right token
  bool version_as_string = false;  // "\"3\"" instead of "3\n"
  bool lower_case_keys = false;    // items/total/limit/offset/next
  bool send_next = true;           // false: no Next key at all (older managers)
  int max_limit = 0;               // > 0: cap on `limit`
  bool gzip = true;                // compress when the request accepts gzip (see above)
  // Both set: serve HTTPS with this certificate chain and private key (PEM
  // files); url() then starts with https://.
  std::string tls_cert_file;
  std::string tls_key_file;
};

// One POST .../agents the stand-in accepted.
struct Report {
  std::string name;
  std::string type;
  std::int64_t version = 0;
  std::string status;
  std::int64_t load_duration = 0;  // nanoseconds
  std::string error;
  std::string body;  // as received
};

class StandinManager {
 public:
  // Binds and starts serving the default project with version 1 and no
  // rules; throws std::runtime_error if it cannot bind.
  explicit StandinManager(Options options = {});
  // The same, serving `rules` (their version included, 0 too).
  StandinManager(Options options, Rules rules);
  // Stops (see stop()).
  ~StandinManager();
  StandinManager(const StandinManager&) = delete;
  StandinManager& operator=(const StandinManager&) = delete;

  // "http://127.0.0.1:<port>" (https:// with TLS) plus the base path: what ManagerSettings::url
  // takes.
  std::string url() const;
  int port() const;
  // As constructed (set_forbidden does not change it).
  const Options& options() const;

  // Adds a project serving `rules`, whose agents must send `token` (""
  // means Options::token). Throws std::invalid_argument when the project
  // exists already or a code is not [A-Za-z0-9_-]+.
  void add_project(const std::string& namespace_code, const std::string& project_code, Rules rules,
                   const std::string& token = "");

  // Every method below that takes no namespace and project acts on the
  // default project; those that do throw std::invalid_argument for a
  // project that was not added.

  // Publishes `rules` (their version included): later requests see them.
  void set_rules(Rules rules);
  void set_rules(const std::string& namespace_code, const std::string& project_code, Rules rules);
  // Publishes `rules` just before answering the `request_number`th request
  // (1-based, counted since start) to that project's `endpoint`: a version
  // change in the middle of a sync, or of a listing's walk. One pending
  // publish per project and endpoint; a new one replaces it.
  void publish_at(Endpoint endpoint, std::uint64_t request_number, Rules rules);
  void publish_at(const std::string& namespace_code, const std::string& project_code, Endpoint endpoint,
                  std::uint64_t request_number, Rules rules);
  Rules rules() const;
  Rules rules(const std::string& namespace_code, const std::string& project_code) const;

  // A fault for every project's requests to `endpoint` (counted over all of
  // them from here).
  void set_fault(Endpoint endpoint, Fault fault);
  // A fault for one project's requests (counted over that project's from
  // here); while it applies, it wins over set_fault's.
  void set_project_fault(const std::string& namespace_code, const std::string& project_code, Endpoint endpoint,
                         Fault fault);
  // Clears every fault, of every project.
  void clear_faults();
  void set_forbidden(bool forbidden);  // every project
  // The token revoked and another issued: the project's agents must send
  // `token` from now on; the old one gets 401 (or 403 while another project
  // has it).
  void set_token(const std::string& token);
  void set_token(const std::string& namespace_code, const std::string& project_code, const std::string& token);

  // The manager's database is reset: no agent is known any more (their
  // heartbeats get 500 "record not found" until they report again).
  void forget_agents();
  void forget_agents(const std::string& namespace_code, const std::string& project_code);

  // Called (from a server thread, with no lock held) with each request's
  // endpoint and its number (1-based, since start, over every project)
  // before it is answered. Empty: none.
  void set_request_hook(std::function<void(Endpoint, std::uint64_t)> hook);

  // Requests received per endpoint since start (whatever their answer): to
  // every project (and to none), or to one.
  std::uint64_t request_count(Endpoint endpoint) const;
  std::uint64_t request_count(const std::string& namespace_code, const std::string& project_code,
                              Endpoint endpoint) const;
  // Body bytes sent in answer to `endpoint` since start, over every
  // project, as they went on the wire (after gzip; headers not counted):
  // what a publish costs the manager in bandwidth (bench/fleet_bench.cpp).
  // An answer is counted once written, which its client may see first.
  std::uint64_t bytes_sent(Endpoint endpoint) const;
  // The `limit` query of each request to `endpoint` since start, over every
  // project, oldest first ("" for a request without one).
  std::vector<std::string> limits_asked(Endpoint endpoint) const;
  // Accepted reports and heartbeats (agent names), oldest first.
  std::vector<Report> reports() const;
  std::vector<Report> reports(const std::string& namespace_code, const std::string& project_code) const;
  std::vector<std::string> heartbeats() const;
  std::vector<std::string> heartbeats(const std::string& namespace_code, const std::string& project_code) const;
  // Waits until at least `count` reports / heartbeats were accepted by the
  // default project (or the one named), or `timeout` passed; returns
  // whether they were.
  bool wait_for_reports(std::size_t count, std::chrono::milliseconds timeout) const;
  bool wait_for_reports(const std::string& namespace_code, const std::string& project_code, std::size_t count,
                        std::chrono::milliseconds timeout) const;
  bool wait_for_heartbeats(std::size_t count, std::chrono::milliseconds timeout) const;
  bool wait_for_heartbeats(const std::string& namespace_code, const std::string& project_code, std::size_t count,
                           std::chrono::milliseconds timeout) const;

  // Stops serving: interrupts delays and endless bodies, closes the
  // listener, joins the server's threads. Idempotent.
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// The opaque cursor: the count of items delivered so far (the offset of
// the next page) and the Total of the walk's first page. Exposed for the
// stand-in's tests.
struct Cursor {
  std::int64_t offset = 0;
  std::int64_t total = 0;
  bool operator==(const Cursor&) const = default;
};
std::string encode_cursor(Cursor cursor);
// nullopt when it is malformed or tampered with.
std::optional<Cursor> decode_cursor(const std::string& cursor);

}  // namespace flecto::standin

#endif  // FLECTO_TESTS_STANDIN_MANAGER_STANDIN_MANAGER_HPP_
