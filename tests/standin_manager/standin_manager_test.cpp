// The stand-in manager itself, spoken to with a bare httplib client: it must
// answer as shared/manager-api.md says, or the client's tests prove nothing.

#include <catch2/catch.hpp>

#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <random>
#include <thread>

#include <httplib.h>
#include <simdjson.h>

#include <sys/wait.h>
#include <unistd.h>

#include "agent/manager/client.hpp"
#include "agent/rules/rules_json.hpp"
#include "tests/standin_manager/standin_manager.hpp"

namespace flecto {
namespace {

using standin::Endpoint;
using standin::Fault;
using standin::StandinManager;

Rules sample_rules(std::int64_t version, std::size_t count) {
  Rules rules;
  rules.version = version;
  for (std::size_t i = 0; i < count; ++i) {
    rules.redirects.push_back({"BASIC", "/r" + std::to_string(i), "/t" + std::to_string(i), "FOUND"});
  }
  rules.pages.push_back({"BASIC", "/p", "hello", "TEXT_PLAIN"});
  return rules;
}

struct Raw {
  explicit Raw(const StandinManager& manager)
      : client("127.0.0.1", manager.port()),
        prefix(manager.options().base_path + "/api/namespace/" + manager.options().namespace_code + "/project/" +
               manager.options().project_code),
        auth{{"Authorization", "Bearer " + manager.options().token}} {}
  httplib::Client client;
  std::string prefix;
  httplib::Headers auth;
  httplib::Result get(const std::string& path) { return client.Get((prefix + path).c_str(), auth); }
  httplib::Result post_agent(const std::string& body, const char* type = "application/json") {
    return client.Post((prefix + "/agents").c_str(), auth, body, type);
  }
};

// The Next of a listing body ("" when absent).
std::string next_of(const std::string& body) {
  simdjson::dom::parser parser;
  simdjson::dom::object root = parser.parse(body).get_object().value();
  for (auto [key, value] : root) {
    if (key_equals(key, "next")) return std::string(std::string_view(value.get_string()));
  }
  return {};
}

}  // namespace

TEST_CASE("stand-in: cursors round-trip and refuse tampering", "[standin][threads]") {
  for (std::int64_t offset : {std::int64_t{0}, std::int64_t{1}, std::int64_t{500}, std::int64_t{1} << 40}) {
    std::string cursor = standin::encode_cursor(offset);
    CHECK(cursor.front() == '+');  // a client must URL-encode it
    CHECK(cursor.substr(cursor.size() - 2) == "==");
    CHECK(standin::decode_cursor(cursor) == offset);
    std::string tampered = cursor;
    tampered[5] = tampered[5] == 'A' ? 'B' : 'A';
    CHECK(standin::decode_cursor(tampered) == -1);
  }
  for (const char* bad : {"", "abc", "+wAAAAAAAAACZYQeIw", " wAAAAAAAAACZYQeIw==", "0", "-1"}) {
    CHECK(standin::decode_cursor(bad) == -1);
  }
}

TEST_CASE("stand-in: health, token, unknown project", "[standin][threads]") {
  standin::Options options;
  StandinManager manager(options, sample_rules(3, 1));
  Raw raw(manager);
  CHECK(raw.client.Get("/health/ping")->status == 204);
  auto res = raw.client.Get((raw.prefix + "/version").c_str());
  CHECK(res->status == 401);
  CHECK_THAT(res->body, Catch::Contains("\"message\""));
  res = raw.client.Get((raw.prefix + "/version").c_str(), {{"Authorization", "Bearer nope"}});
  CHECK(res->status == 401);
  res = raw.client.Get("/api/namespace/other/project/test-project/version", raw.auth);
  CHECK(res->status == 500);
  manager.set_forbidden(true);
  CHECK(raw.get("/version")->status == 403);
  manager.set_forbidden(false);
  res = raw.get("/version");
  CHECK(res->status == 200);
  CHECK(res->body == "3\n");
  CHECK(manager.request_count(Endpoint::kVersion) == 5);
  CHECK(manager.request_count(Endpoint::kHealth) == 1);
}

TEST_CASE("stand-in: listing pages, Next on every full page, malformed cursor", "[standin][threads]") {
  StandinManager manager({}, sample_rules(3, 20));
  Raw raw(manager);
  auto res = raw.get("/redirects?limit=10");
  REQUIRE(res->status == 200);
  CHECK_THAT(res->body, Catch::StartsWith("{\"Items\":[{\"type\":\"BASIC\",\"source\":\"/r0\""));
  CHECK_THAT(res->body, Catch::Contains("\"Total\":20,\"Limit\":10,\"Offset\":0"));
  std::string next = next_of(res->body);
  CHECK(standin::decode_cursor(next) == 10);
  res = raw.get("/redirects?limit=10&cursor=" + httplib::detail::encode_query_param(next));
  CHECK_THAT(res->body, Catch::Contains("\"source\":\"/r10\""));
  next = next_of(res->body);
  CHECK(standin::decode_cursor(next) == 20);  // full last page: Next all the same
  res = raw.get("/redirects?limit=10&offset=3&cursor=" + httplib::detail::encode_query_param(next));
  CHECK_THAT(res->body, Catch::StartsWith("{\"Items\":[],\"Total\":20"));
  CHECK(next_of(res->body).empty());
  // Not URL-encoded: the '+' arrives as a space.
  CHECK(raw.get("/redirects?cursor=" + next)->status == 400);
  CHECK(raw.get("/redirects?cursor=garbage")->status == 400);
  CHECK(raw.get("/redirects?limit=ten")->status == 400);
  CHECK(raw.get("/redirects?offset=-1")->status == 400);
  res = raw.get("/redirects?offset=15");
  CHECK_THAT(res->body, Catch::Contains("\"Total\":20,\"Limit\":500,\"Offset\":15,\"Next\":\"\""));
}

TEST_CASE("stand-in: lower-case keys, no Next, capped limit, JSON string version", "[standin][threads]") {
  standin::Options options;
  options.lower_case_keys = true;
  options.send_next = false;
  options.max_limit = 4;
  options.version_as_string = true;
  StandinManager manager(options, sample_rules(12, 20));
  Raw raw(manager);
  auto res = raw.get("/redirects?limit=10");
  CHECK_THAT(res->body, Catch::StartsWith("{\"items\":["));
  CHECK_THAT(res->body, Catch::EndsWith("\"total\":20,\"limit\":4,\"offset\":0}"));
  CHECK(raw.get("/version")->body == "\"12\"");
}

TEST_CASE("stand-in: reports are validated as the manager does", "[standin][threads]") {
  StandinManager manager({}, sample_rules(3, 1));
  Raw raw(manager);
  const std::string good =
      R"({"name":"edge-1","type":"default","version":3,"status":"success","load_duration":150000000,"error":""})";
  CHECK(raw.post_agent(good)->status == 200);
  struct Bad {
    std::string body;
    const char* type;
  };
  const Bad bads[] = {
      {R"({"name":"web-1.example.com","type":"default","version":3,"status":"success"})", "application/json"},
      {R"({"name":"","type":"default","version":3,"status":"success"})", "application/json"},
      {R"({"name":"e","type":"nginx","version":3,"status":"success"})", "application/json"},
      {R"({"name":"e","type":"default","version":0,"status":"success"})", "application/json"},
      {R"({"name":"e","type":"default","status":"success"})", "application/json"},
      {R"({"name":"e","type":"default","version":"3","status":"success"})", "application/json"},
      {R"({"name":"e","type":"default","version":3,"status":"ok"})", "application/json"},
      {R"({"name":"e","type":"default","version":3,"status":"success","load_duration":1.5})", "application/json"},
      {R"({"name":"e","type":"default","version":3,"status":"success")", "application/json"},
      {good, "text/plain"},
  };
  for (const Bad& bad : bads) {
    INFO(bad.body << " as " << bad.type);
    auto res = raw.post_agent(bad.body, bad.type);
    CHECK(res->status == 400);
    CHECK_THAT(res->body, Catch::StartsWith("{\"message\":"));
  }
  auto reports = manager.reports();
  REQUIRE(reports.size() == 1);
  CHECK(reports[0].name == "edge-1");
  CHECK(reports[0].load_duration == 150000000);
  CHECK(reports[0].body == good);
  CHECK(manager.wait_for_reports(1, std::chrono::seconds(1)));
}

TEST_CASE("stand-in: heartbeats", "[standin][threads]") {
  StandinManager manager({}, sample_rules(3, 1));
  Raw raw(manager);
  CHECK(raw.client.Patch((raw.prefix + "/agents/edge-1/hit").c_str(), raw.auth, "", "text/plain")->status == 200);
  CHECK(raw.client.Patch((raw.prefix + "/agents/a.b/hit").c_str(), raw.auth, "", "text/plain")->status == 400);
  CHECK(manager.heartbeats() == std::vector<std::string>{"edge-1"});
  CHECK(manager.wait_for_heartbeats(1, std::chrono::seconds(1)));
}

TEST_CASE("stand-in: publish_at, faults that skip and expire, the request hook", "[standin][threads]") {
  StandinManager manager({}, sample_rules(3, 1));
  Raw raw(manager);
  manager.publish_at(Endpoint::kVersion, 2, sample_rules(4, 2));
  CHECK(raw.get("/version")->body == "3\n");
  CHECK(raw.get("/version")->body == "4\n");
  CHECK(manager.rules().version == 4);

  Fault fault = Fault::http_error(503, "busy");
  fault.skip_requests = 1;
  fault.times = 2;
  manager.set_fault(Endpoint::kVersion, fault);
  CHECK(raw.get("/version")->status == 200);
  CHECK(raw.get("/version")->status == 503);
  CHECK(raw.get("/version")->body == "{\"message\":\"busy\"}");
  CHECK(raw.get("/version")->status == 200);

  Fault moving;
  moving.version = Fault::Version::kEveryRequest;
  manager.set_fault(Endpoint::kVersion, moving);
  CHECK(raw.get("/version")->body != raw.get("/version")->body);
  manager.clear_faults();

  std::vector<std::string> seen;
  manager.set_request_hook([&](Endpoint endpoint, std::uint64_t number) {
    seen.push_back(std::string(standin::to_string(endpoint)) + "#" + std::to_string(number));
  });
  raw.get("/pages");
  manager.set_request_hook({});
  CHECK(seen == std::vector<std::string>{"pages#1"});
}

TEST_CASE("stand-in: the header's fault recipes compile and act", "[standin][threads]") {
  StandinManager manager({}, sample_rules(3, 30));
  Raw raw(manager);
  manager.set_fault(Endpoint::kVersion, {.skip_requests = 1, .version = Fault::Version::kAhead});
  CHECK(raw.get("/version")->body == "3\n");
  CHECK(raw.get("/version")->body == "4\n");
  manager.set_fault(Endpoint::kRedirects, {.skip_requests = 2, .times = 1, .body = Fault::Body::kCutInMiddle});
  CHECK(raw.get("/redirects?limit=10")->status == 200);
  CHECK(raw.get("/redirects?limit=10")->status == 200);
  CHECK_FALSE(raw.get("/redirects?limit=10"));
  CHECK(raw.get("/redirects?limit=10")->status == 200);
}

TEST_CASE("stand-in: body faults", "[standin][threads]") {
  StandinManager manager({}, sample_rules(3, 30));
  Raw raw(manager);
  Fault fault;
  fault.body = Fault::Body::kCutInMiddle;
  manager.set_fault(Endpoint::kRedirects, fault);
  auto res = raw.get("/redirects");
  CHECK_FALSE(res);
  CHECK(res.error() == httplib::Error::Read);

  fault.body = Fault::Body::kTruncatedJson;
  manager.set_fault(Endpoint::kVersion, fault);
  CHECK(raw.get("/version")->body == "\"3");

  fault.body = Fault::Body::kMalformedJson;
  manager.set_fault(Endpoint::kRedirects, fault);
  CHECK_THAT(raw.get("/redirects")->body, Catch::StartsWith("{\"Items\";["));

  fault.body = Fault::Body::kWrongType;
  manager.set_fault(Endpoint::kRedirects, fault);
  CHECK_THAT(raw.get("/redirects")->body, Catch::Contains("\"Total\":\"30\""));

  fault = Fault{};
  fault.body = Fault::Body::kEndless;
  manager.set_fault(Endpoint::kRedirects, fault);
  std::size_t received = 0;
  res = raw.client.Get((raw.prefix + "/redirects").c_str(), raw.auth, [&](const char*, std::size_t size) {
    received += size;
    return received < 200000;  // far more than the 30 redirects
  });
  CHECK(res.error() == httplib::Error::Canceled);
  CHECK(received >= 200000);
}

TEST_CASE("stand-in: stop interrupts a delay", "[standin][threads]") {
  auto manager = std::make_unique<StandinManager>(standin::Options{}, sample_rules(3, 1));
  Fault slow;
  slow.delay = std::chrono::minutes(10);
  manager->set_fault(Endpoint::kVersion, slow);
  std::thread stopper;
  std::mutex stopper_mutex;
  manager->set_request_hook([&](Endpoint, std::uint64_t) {
    std::lock_guard lock(stopper_mutex);
    stopper = std::thread([m = manager.get()] { m->stop(); });
  });
  Raw raw(*manager);
  raw.client.set_read_timeout(std::chrono::minutes(2));
  auto started = std::chrono::steady_clock::now();
  raw.get("/version");  // returns once stop() has interrupted the delay
  {
    std::lock_guard lock(stopper_mutex);
    stopper.join();
  }
  CHECK(std::chrono::steady_clock::now() - started < std::chrono::minutes(1));  // not the 10 minutes
  CHECK(manager->request_count(Endpoint::kVersion) == 1);
}

TEST_CASE("flecto-standin-manager: serves a rules file, republishes on SIGHUP, stops on SIGTERM", "[standin][threads]") {
  namespace fs = std::filesystem;
  std::random_device random;
  const fs::path rules_file =
      fs::temp_directory_path() / ("flecto-standin-" + std::to_string(random()) + std::to_string(random()) + ".json");
  Rules rules = sample_rules(6, 3);
  std::ofstream(rules_file) << rules_to_json(rules);

  int out[2];
  REQUIRE(pipe(out) == 0);
  pid_t pid = fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    dup2(out[1], 1);
    close(out[0]);
    close(out[1]);
    execl(FLECTO_STANDIN_MANAGER_BINARY, FLECTO_STANDIN_MANAGER_BINARY, "--rules", rules_file.c_str(), "--namespace",
          "ns", "--project", "p", "--token", "tok", static_cast<char*>(nullptr));
    _exit(127);
  }
  close(out[1]);
  std::string url;
  char c;
  while (read(out[0], &c, 1) == 1 && c != '\n') url += c;
  close(out[0]);
  REQUIRE(url.rfind("http://127.0.0.1:", 0) == 0);

  ManagerSettings settings;
  settings.url = url;
  settings.namespace_code = "ns";
  settings.project_code = "p";
  settings.token = "tok";
  ManagerClient client(settings);
  CHECK(client.get_version() == 6);
  CHECK(client.list_redirects(2) == rules.redirects);
  CHECK(client.list_pages(2) == rules.pages);

  rules = sample_rules(7, 5);
  std::ofstream(rules_file) << rules_to_json(rules);
  REQUIRE(kill(pid, SIGHUP) == 0);
  // The signal is handled asynchronously: wait (bounded) for the new version.
  std::int64_t version = 6;
  for (int i = 0; i < 1000 && version == 6; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    version = client.get_version();
  }
  CHECK(version == 7);
  CHECK(client.list_redirects(2) == rules.redirects);

  REQUIRE(kill(pid, SIGTERM) == 0);
  int status = 0;
  REQUIRE(waitpid(pid, &status, 0) == pid);
  CHECK(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
  fs::remove(rules_file);
}

}  // namespace flecto
