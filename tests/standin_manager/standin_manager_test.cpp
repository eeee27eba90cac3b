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
#include "support/agent_process.hpp"
#include "support/child_process.hpp"
#include "support/temp_dir.hpp"
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
    const standin::Cursor original{offset, offset * 3 + 7};
    std::string cursor = standin::encode_cursor(original);
    CHECK(cursor.front() == '+');  // a client must URL-encode it
    CHECK(cursor.substr(cursor.size() - 2) == "==");
    CHECK(standin::decode_cursor(cursor) == original);
    std::string tampered = cursor;
    tampered[5] = tampered[5] == 'A' ? 'B' : 'A';
    CHECK_FALSE(standin::decode_cursor(tampered));
  }
  for (const char* bad : {"", "abc", "+wAAAAAAAAACZYQeIw", " wAAAAAAAAACZYQeIw==", "+wAAAAAAAAACZYQeIw==", "0", "-1"}) {
    CHECK_FALSE(standin::decode_cursor(bad));
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
  CHECK(standin::decode_cursor(next) == standin::Cursor{10, 20});
  res = raw.get("/redirects?limit=10&cursor=" + httplib::detail::encode_query_param(next));
  CHECK_THAT(res->body, Catch::Contains("\"source\":\"/r10\""));
  next = next_of(res->body);
  CHECK(standin::decode_cursor(next) == standin::Cursor{20, 20});  // full last page: Next all the same
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

TEST_CASE("stand-in: heartbeats of known agents only, as after a database reset", "[standin][threads]") {
  StandinManager manager({}, sample_rules(3, 1));
  Raw raw(manager);
  auto hit = [&](const std::string& name) {
    return raw.client.Patch((raw.prefix + "/agents/" + name + "/hit").c_str(), raw.auth, "", "text/plain");
  };
  auto res = hit("edge-1");  // never reported
  CHECK(res->status == 500);
  CHECK(res->body == "{\"message\":\"record not found\"}");
  CHECK(hit("a.b")->status == 400);
  REQUIRE(raw.post_agent(R"({"name":"edge-1","type":"default","version":3,"status":"success","load_duration":5})")
              ->status == 200);
  CHECK(hit("edge-1")->status == 200);
  CHECK(hit("edge-2")->status == 500);
  CHECK(manager.heartbeats() == std::vector<std::string>{"edge-1"});
  CHECK(manager.wait_for_heartbeats(1, std::chrono::seconds(1)));
  manager.forget_agents();
  CHECK(hit("edge-1")->status == 500);
  CHECK(manager.heartbeats().size() == 1);
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

TEST_CASE("stand-in: reports as strict MySQL stores them: name, error, load_duration", "[standin][threads]") {
  StandinManager manager({}, sample_rules(3, 1));
  Raw raw(manager);
  auto report = [&](const std::string& name, const std::string& error, const std::string& duration) {
    std::string body = "{\"name\":";
    append_json_string(body, name);
    body += ",\"type\":\"default\",\"version\":3,\"status\":\"error\",\"load_duration\":" + duration +
            ",\"error\":";
    append_json_string(body, error);
    return raw.post_agent(body + "}");
  };
  std::string e_acute_500;
  for (int i = 0; i < 500; ++i) e_acute_500 += "\xC3\xA9";  // 500 characters, 1000 bytes
  CHECK(report("edge-1", e_acute_500, "7")->status == 200);
  auto res = report("edge-1", e_acute_500 + "x", "7");
  CHECK(res->status == 500);
  CHECK_THAT(res->body, Catch::Contains("Data too long for column 'error'"));
  CHECK(report(std::string(100, 'n'), "", "7")->status == 200);
  res = report(std::string(101, 'n'), "", "7");
  CHECK(res->status == 500);
  CHECK_THAT(res->body, Catch::Contains("Data too long for column 'name'"));
  // A new row needs a non-zero load_duration; an existing one takes 0.
  CHECK(report("edge-new", "", "0")->status == 500);
  CHECK(report("edge-new", "", "\"0s\"")->status == 500);
  CHECK(report("edge-1", "", "0")->status == 200);
  // A Go duration string.
  CHECK(report("edge-new", "", "\"1m1.5s\"")->status == 200);
  CHECK(report("edge-new", "", "\"150\"")->status == 400);
  auto reports = manager.reports();
  REQUIRE(reports.size() == 4);
  CHECK(reports[0].error == e_acute_500);
  CHECK(reports[2].load_duration == 0);
  CHECK(reports[3].load_duration == 61500000000);
}

TEST_CASE("stand-in: versions start at 1", "[standin][threads]") {
  StandinManager manager;
  Raw raw(manager);
  CHECK(raw.get("/version")->body == "1\n");
  CHECK(manager.rules().version == 1);
  CHECK_THAT(raw.get("/redirects")->body, Catch::StartsWith("{\"Items\":[],\"Total\":0"));
}

TEST_CASE("stand-in: limit 0 or negative is every item without Next, a non-integer is 400", "[standin][threads]") {
  StandinManager manager({}, sample_rules(3, 1200));
  Raw raw(manager);
  for (const char* limit : {"0", "-1", "-500"}) {
    INFO("limit=" << limit);
    auto res = raw.get(std::string("/redirects?limit=") + limit);
    REQUIRE(res->status == 200);
    CHECK_THAT(res->body, Catch::Contains("\"source\":\"/r1199\""));
    CHECK_THAT(res->body, Catch::EndsWith(",\"Total\":1200,\"Limit\":" + std::string(limit) + ",\"Offset\":0,\"Next\":\"\"}"));
  }
  auto res = raw.get("/redirects?limit=0&offset=1190");
  CHECK_THAT(res->body, Catch::StartsWith("{\"Items\":[{\"type\":\"BASIC\",\"source\":\"/r1190\""));
  CHECK(raw.get("/redirects?limit=2000")->body.find("/r1199") != std::string::npos);  // no upper bound
  CHECK(raw.get("/redirects?limit=")->status == 400);
  CHECK(raw.get("/redirects?limit=1.5")->status == 400);
}

TEST_CASE("stand-in: a publish mid-walk: more items than Total, or a short page", "[standin][threads]") {
  StandinManager manager({}, sample_rules(3, 30));
  Raw raw(manager);
  auto page = [&](const std::string& cursor) {
    return raw.get("/redirects?limit=10" + (cursor.empty() ? "" : "&cursor=" + httplib::detail::encode_query_param(cursor)))->body;
  };
  auto items = [](const std::string& body) {
    simdjson::dom::parser parser;
    return parser.parse(body)["Items"].get_array().value().size();
  };
  SECTION("rows added: the walk sees more items than the Total of its first page") {
    std::string body = page("");
    CHECK_THAT(body, Catch::Contains("\"Total\":30"));
    manager.set_rules(sample_rules(4, 45));
    std::size_t walked = items(body);
    for (std::string next = next_of(body); !next.empty(); next = next_of(body)) {
      body = page(next);
      CHECK_THAT(body, Catch::Contains("\"Total\":30"));  // the cursor's
      walked += items(body);
    }
    CHECK(walked == 45);
  }
  SECTION("rows removed: a short page without Next, then offset paging sees the new Total") {
    std::string body = page("");
    manager.publish_at(Endpoint::kRedirects, 2, sample_rules(4, 15));
    body = page(next_of(body));
    CHECK(items(body) == 5);
    CHECK_THAT(body, Catch::Contains("\"Total\":30"));
    CHECK(next_of(body).empty());
    CHECK_THAT(raw.get("/redirects?limit=10&offset=15")->body, Catch::StartsWith("{\"Items\":[],\"Total\":15"));
  }
}

TEST_CASE("stand-in: gzip when the request accepts it, never with gzip = false", "[standin][threads]") {
  Rules rules = sample_rules(3, 300);
  for (bool gzip : {true, false}) {
    standin::Options options;
    options.gzip = gzip;
    StandinManager manager(options, rules);
    Raw raw(manager);
    raw.client.set_decompress(false);
    httplib::Headers headers = raw.auth;
    headers.emplace("Accept-Encoding", "gzip");
    auto compressed = raw.client.Get((raw.prefix + "/redirects").c_str(), headers);
    auto plain = raw.get("/redirects");
    REQUIRE(compressed);
    REQUIRE(plain);
    INFO("gzip " << gzip);
    CHECK_FALSE(plain->has_header("Content-Encoding"));
    if (gzip) {
      CHECK(compressed->get_header_value("Content-Encoding") == "gzip");
      CHECK(compressed->body.size() < plain->body.size() / 4);
      // The byte counter counts what went on the wire: both answers, the
      // compressed one as compressed. (httplib counts an answer once it is
      // written, which the client may see first.)
      const std::uint64_t both = compressed->body.size() + plain->body.size();
      CHECK(flecto::test::eventually([&] { return manager.bytes_sent(Endpoint::kRedirects) >= both; }));
      CHECK(manager.bytes_sent(Endpoint::kRedirects) == both);
      CHECK(manager.bytes_sent(Endpoint::kPages) == 0);
      // A decompressing client gets the listing back.
      httplib::Client decoding("127.0.0.1", manager.port());
      auto decoded = decoding.Get((raw.prefix + "/redirects").c_str(), headers);
      CHECK(decoded->body == plain->body);
    } else {
      CHECK_FALSE(compressed->has_header("Content-Encoding"));
      CHECK(compressed->body == plain->body);
      CHECK(plain->get_header_value("Content-Type") == "application/json; charset=utf-8");
      // Error pages too, whatever their type.
      manager.set_fault(Endpoint::kVersion, Fault::html_error(502));
      auto page = raw.client.Get((raw.prefix + "/version").c_str(), headers);
      CHECK_FALSE(page->has_header("Content-Encoding"));
      CHECK_THAT(page->body, Catch::Contains("nginx"));
    }
  }
}

TEST_CASE("stand-in: several projects, each with its rules, token, agents and faults", "[standin][threads]") {
  standin::Options options;
  StandinManager manager(options, sample_rules(3, 2));
  manager.add_project("shop", "eu", sample_rules(10, 5), "eu-token");
  manager.add_project("shop", "us", sample_rules(20, 1));  // the default token
  CHECK_THROWS_AS(manager.add_project("shop", "eu", sample_rules(1, 1)), std::invalid_argument);
  CHECK_THROWS_AS(manager.add_project("shop", "a/b", sample_rules(1, 1)), std::invalid_argument);
  CHECK_THROWS_AS(manager.rules("shop", "none"), std::invalid_argument);
  httplib::Client client("127.0.0.1", manager.port());
  auto get = [&](const std::string& project, const std::string& path, const std::string& token) {
    return client.Get(("/api/namespace/" + project + path).c_str(), {{"Authorization", "Bearer " + token}});
  };
  CHECK(get("shop/project/eu", "/version", "eu-token")->body == "10\n");
  CHECK(get("shop/project/us", "/version", "test-token")->body == "20\n");
  CHECK(get("test-ns/project/test-project", "/version", "test-token")->body == "3\n");
  CHECK(get("shop/project/eu", "/version", "test-token")->status == 403);  // another project's token
  CHECK(get("shop/project/eu", "/version", "nope")->status == 401);
  CHECK(get("shop/project/none", "/version", "eu-token")->status == 500);

  manager.set_rules("shop", "eu", sample_rules(11, 6));
  CHECK(get("shop/project/eu", "/version", "eu-token")->body == "11\n");
  CHECK(manager.rules().version == 3);

  // Reports and heartbeats are the project's.
  const std::string report = R"({"name":"edge-1","type":"default","version":11,"status":"success","load_duration":9})";
  CHECK(client.Post("/api/namespace/shop/project/eu/agents", {{"Authorization", "Bearer eu-token"}}, report,
                    "application/json")->status == 200);
  auto hit = [&](const std::string& project, const std::string& token) {
    return client.Patch(("/api/namespace/" + project + "/agents/edge-1/hit").c_str(),
                        {{"Authorization", "Bearer " + token}}, "", "text/plain")->status;
  };
  CHECK(hit("shop/project/eu", "eu-token") == 200);
  CHECK(hit("shop/project/us", "test-token") == 500);  // unknown there
  CHECK(manager.reports("shop", "eu").size() == 1);
  CHECK(manager.reports().empty());
  CHECK(manager.heartbeats("shop", "eu") == std::vector<std::string>{"edge-1"});
  CHECK(manager.wait_for_reports("shop", "eu", 1, std::chrono::seconds(1)));
  CHECK(manager.wait_for_heartbeats("shop", "eu", 1, std::chrono::seconds(1)));
  CHECK_FALSE(manager.wait_for_reports("shop", "us", 1, std::chrono::milliseconds(1)));
  manager.forget_agents("shop", "eu");
  CHECK(hit("shop/project/eu", "eu-token") == 500);

  // A fault of one project leaves the others be, and wins over a fault of all.
  manager.set_project_fault("shop", "eu", Endpoint::kVersion, Fault::http_error(401, "invalid or expired token"));
  CHECK(get("shop/project/eu", "/version", "eu-token")->status == 401);
  CHECK(get("shop/project/us", "/version", "test-token")->status == 200);
  manager.set_fault(Endpoint::kVersion, Fault::http_error(502, "bad gateway"));
  CHECK(get("shop/project/eu", "/version", "eu-token")->status == 401);
  CHECK(get("shop/project/us", "/version", "test-token")->status == 502);
  manager.clear_faults();
  CHECK(get("shop/project/eu", "/version", "eu-token")->status == 200);

  // Counted per project, and over all.
  CHECK(manager.request_count("shop", "eu", Endpoint::kVersion) == 7);
  CHECK(manager.request_count("shop", "us", Endpoint::kVersion) == 3);
  CHECK(manager.request_count(Endpoint::kVersion) == 12);
  manager.publish_at("shop", "us", Endpoint::kVersion, 4, sample_rules(21, 1));
  CHECK(get("shop/project/us", "/version", "test-token")->body == "21\n");
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

namespace flecto {

TEST_CASE("flecto-standin-manager: several projects, faults from the command line, SIGHUP re-reads every file",
          "[standin][threads]") {
  test::TempDir dir;
  const std::string first = dir.path() + "/first.json", second = dir.path() + "/second.json";
  std::ofstream(first) << rules_to_json(sample_rules(0, 2));  // served as 1
  std::ofstream(second) << rules_to_json(sample_rules(5, 3));
  test::ChildProcess process(FLECTO_STANDIN_MANAGER_BINARY,
                             {"--rules", first, "--namespace", "ns", "--project", "a", "--token", "tok",
                              "--project-rules", "ns/b=" + second, "--project-token", "ns/b=tok-b", "--fault",
                              "ns/b:hit:status=503,message=busy, come back", "--fault", "pages:skip=1,times=1,status=502,page=html"});
  std::string url;
  for (int i = 0; i < 2000 && url.find('\n') == std::string::npos; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
    url = process.stdout_text();
  }
  REQUIRE(url.rfind("http://127.0.0.1:", 0) == 0);
  url.pop_back();

  auto client_for = [&](const std::string& project, const std::string& token) {
    ManagerSettings settings;
    settings.url = url;
    settings.namespace_code = "ns";
    settings.project_code = project;
    settings.token = token;
    return std::make_unique<ManagerClient>(settings);
  };
  auto a = client_for("a", "tok");
  auto b = client_for("b", "tok-b");
  CHECK(a->get_version() == 1);
  CHECK(b->get_version() == 5);
  CHECK(b->list_redirects(2) == sample_rules(5, 3).redirects);
  CHECK(a->list_pages(10) == sample_rules(0, 2).pages);
  try {
    b->list_pages(10);  // the second pages request: the HTML 502
    FAIL("no error");
  } catch (const ManagerError& e) {
    CHECK(e.http_status() == 502);
  }
  CHECK(b->list_pages(10) == sample_rules(5, 3).pages);
  b->report_load(LoadReport{"edge-1", 5, true, std::chrono::milliseconds(3), ""});
  try {
    b->heartbeat("edge-1");
    FAIL("no error");
  } catch (const ManagerError& e) {
    CHECK(e.http_status() == 503);
    CHECK_THAT(e.what(), Catch::Contains("busy, come back"));
  }

  std::ofstream(first) << rules_to_json(sample_rules(2, 4));
  std::ofstream(second) << rules_to_json(sample_rules(6, 1));
  process.send_signal(SIGHUP);
  std::int64_t version = 5;
  for (int i = 0; i < 1000 && version == 5; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    version = b->get_version();
  }
  CHECK(version == 6);
  CHECK(a->get_version() == 2);
  process.send_signal(SIGTERM);
  CHECK(process.wait_for_exit(std::chrono::seconds(20)) == 0);
}

TEST_CASE("flecto-standin-manager: a bad --fault or --project-rules is a usage error, by name", "[standin][threads]") {
  struct Case {
    std::vector<std::string> args;
    const char* says;
  };
  const Case cases[] = {
      {{"--project-rules", "ns/p=/nonexistent.json", "--fault", "versio:status=500"}, "unknown endpoint \"versio\""},
      {{"--project-rules", "ns/p=/nonexistent.json", "--fault", "version:status=5000"}, "status: expected 100 to 599"},
      {{"--project-rules", "nsp=/x.json"}, "expected NS/PROJECT=FILE"},
      {{"--project-rules", "ns/p=/x.json", "--project-token", "ns/q=t"}, "--project-token ns/q=t"},
      {{}, "nothing to serve"},
  };
  for (const Case& c : cases) {
    test::RunResult run = test::run_program(FLECTO_STANDIN_MANAGER_BINARY, c.args);
    INFO(run.err);
    CHECK(run.status == 2);
    CHECK_THAT(run.err, Catch::Contains(c.says));
  }
}

}  // namespace flecto
