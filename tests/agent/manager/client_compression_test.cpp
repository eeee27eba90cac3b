// ManagerClient: User-Agent and Accept-Encoding on every request, compressed
// answers decoded, and the size bounds applied to the decoded bytes. Against
// a small httplib::Server in this file that answers as a compressing proxy
// would.

#include <catch2/catch.hpp>

#include <atomic>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <httplib.h>

#include "agent/manager/client.hpp"
#include "tests/agent/manager/compress.hpp"

namespace flecto {
namespace {

using Kind = ManagerError::Kind;
using test::compress;
using test::Wrapper;

const char* const kApi = "/api/namespace/ns/project/p";
// httplib's server compresses only the content types it knows; this one
// passes the body through as the handler made it.
const char* const kPassThrough = "application/x-flecto-test";

// What one request carried.
struct Seen {
  std::string method, path, user_agent, accept_encoding, authorization;
};

// A manager that answers each request with `answer` (set per test).
class CompressingManager {
 public:
  using Answer = std::function<void(const httplib::Request&, httplib::Response&)>;

  explicit CompressingManager(Answer answer) : answer_(std::move(answer)) {
    const auto handle = [this](const httplib::Request& req, httplib::Response& res) {
      {
        std::lock_guard lock(mutex_);
        seen_.push_back({req.method, req.path, req.get_header_value("User-Agent"),
                         req.get_header_value("Accept-Encoding"), req.get_header_value("Authorization")});
      }
      answer_(req, res);
    };
    server_.Get(".*", handle);
    server_.Post(".*", handle);
    server_.Patch(".*", handle);
    port_ = server_.bind_to_any_port("127.0.0.1");
    REQUIRE(port_ > 0);
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    while (!server_.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ~CompressingManager() {
    server_.stop();
    thread_.join();
  }

  ManagerSettings settings() const {
    ManagerSettings settings;
    settings.url = "http://127.0.0.1:" + std::to_string(port_);
    settings.namespace_code = "ns";
    settings.project_code = "p";
    settings.token = "tok-123456";
    settings.connect_timeout = std::chrono::seconds(10);
    settings.read_timeout = std::chrono::seconds(20);
    return settings;
  }
  std::vector<Seen> seen() const {
    std::lock_guard lock(mutex_);
    return seen_;
  }

 private:
  Answer answer_;
  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
  mutable std::mutex mutex_;
  std::vector<Seen> seen_;
};

std::string listing(std::size_t count) {
  std::string body = "{\"Items\":[";
  for (std::size_t i = 0; i < count; ++i) {
    if (i) body += ',';
    body += "{\"type\":\"BASIC\",\"source\":\"/from/" + std::to_string(i) +
            "\",\"target\":\"/to/" + std::to_string(i) + "\",\"status\":\"FOUND\"}";
  }
  body += "],\"Total\":" + std::to_string(count) + ",\"Limit\":0,\"Offset\":0,\"Next\":\"\"}";
  return body;
}

void answer_encoded(httplib::Response& res, const std::string& encoding, std::string body) {
  res.set_header("Content-Encoding", encoding);
  res.set_content(std::move(body), kPassThrough);
}

ManagerError failure_of(const std::function<void()>& call) {
  try {
    call();
  } catch (const ManagerError& e) {
    return e;
  }
  FAIL("expected a ManagerError");
  return ManagerError(Kind::kCancelled, "");
}

}  // namespace

TEST_CASE("manager client: User-Agent and Accept-Encoding on every request, and ping without the token",
          "[manager_client][compression][threads]") {
  CompressingManager manager([](const httplib::Request& req, httplib::Response& res) {
    if (req.path.find("/version") != std::string::npos) {
      res.set_content("3\n", "text/plain");
    } else if (req.path.find("/redirects") != std::string::npos || req.path.find("/pages") != std::string::npos) {
      res.set_content("{\"Items\":[],\"Total\":0}", "application/json");
    } else if (req.path == "/health/ping") {
      res.status = 204;
    } else {
      res.status = 200;
    }
  });
  ManagerClient client(manager.settings());
  CHECK(client.get_version() == 3);
  CHECK(client.list_redirects(10).empty());
  CHECK(client.list_pages(10).empty());
  client.report_load({"edge-1", 3, true, std::chrono::milliseconds(5), ""});
  client.heartbeat("edge-1");
  client.ping();

  const std::vector<Seen> seen = manager.seen();
  REQUIRE(seen.size() == 6);
  for (const Seen& request : seen) {
    INFO(request.method << " " << request.path);
    CHECK_THAT(request.user_agent, Catch::Matches("flecto-agent/[0-9]+\\.[0-9]+\\.[0-9]+.*"));
    CHECK(request.accept_encoding == "gzip, deflate");
  }
  CHECK(seen[0].authorization == "Bearer tok-123456");
  CHECK(seen[5].path == "/health/ping");
  CHECK(seen[5].authorization.empty());
}

TEST_CASE("manager client: gzip and deflate answers are decoded", "[manager_client][compression][threads]") {
  const std::string body = listing(3000);
  const auto [encoding, wrapper] =
      GENERATE(std::pair{"gzip", Wrapper::kGzip}, std::pair{"deflate", Wrapper::kZlib},
               std::pair{"deflate", Wrapper::kRaw});
  const std::string compressed = compress(body, wrapper);
  CompressingManager manager([&](const httplib::Request& req, httplib::Response& res) {
    if (req.path.find("/version") != std::string::npos) answer_encoded(res, encoding, compress("\"42\"", wrapper));
    else answer_encoded(res, encoding, compressed);
  });
  ManagerClient client(manager.settings());
  CHECK(client.get_version() == 42);
  const std::vector<Redirect> redirects = client.list_redirects(0 + 5000);
  REQUIRE(redirects.size() == 3000);
  CHECK(redirects[2999].source == "/from/2999");
}

TEST_CASE("manager client: the answers httplib's own server compresses are decoded",
          "[manager_client][compression][threads]") {
  // httplib's server gzips JSON and text when the request accepts it, as a
  // compressing reverse proxy does.
  CompressingManager manager([](const httplib::Request& req, httplib::Response& res) {
    if (req.path.find("/version") != std::string::npos) res.set_content("7\n", "text/plain");
    else res.set_content(listing(2000), "application/json");
  });
  ManagerClient client(manager.settings());
  CHECK(client.get_version() == 7);
  CHECK(client.list_redirects(5000).size() == 2000);
}

TEST_CASE("manager client: a gzip bomb is invalid data, stopped at the decoded bound",
          "[manager_client][compression][threads]") {
  // 256 MiB of zeros in about 256 KiB.
  const std::string bomb = test::gzip_of_zeros(std::size_t{256} << 20);
  CompressingManager manager(
      [&](const httplib::Request&, httplib::Response& res) { answer_encoded(res, "gzip", bomb); });
  ManagerSettings settings = manager.settings();
  settings.max_body_bytes = std::size_t{4} << 20;
  ManagerClient client(settings);

  const ManagerError listing_error = failure_of([&] { client.list_redirects(500); });
  CHECK(listing_error.kind() == Kind::kInvalidData);
  CHECK_THAT(listing_error.what(),
             Catch::Contains("the answer, decoded from gzip, is larger than 4194304 bytes (max_body_bytes)"));

  // A version answer is bounded by 64 KiB, decoded, whatever max_body_bytes
  // is: 16 MiB of zeros compress to far less than 64 KiB.
  const std::string small_bomb = test::gzip_of_zeros(std::size_t{16} << 20);
  REQUIRE(small_bomb.size() < (std::size_t{64} << 10));
  CompressingManager small_manager(
      [&](const httplib::Request&, httplib::Response& res) { answer_encoded(res, "gzip", small_bomb); });
  settings = small_manager.settings();
  settings.max_body_bytes = std::size_t{1} << 30;
  ManagerClient roomy(settings);
  const ManagerError version_error = failure_of([&] { roomy.get_version(); });
  CHECK(version_error.kind() == Kind::kInvalidData);
  CHECK_THAT(version_error.what(), Catch::Contains("decoded from gzip, is larger than 65536 bytes") &&
                                       Catch::Contains("far more than this request's answer needs"));
}

TEST_CASE("manager client: corrupt, truncated or unasked-for encodings are invalid data",
          "[manager_client][compression][threads]") {
  const std::string good = compress(listing(500));
  std::string corrupt = good;
  for (std::size_t i = 20; i < 60; ++i) corrupt[i] = static_cast<char>(corrupt[i] ^ 0x5a);
  const auto [encoding, body, expected] = GENERATE_COPY(
      std::tuple{std::string("gzip"), corrupt, std::string("gzip answer is corrupt")},
      std::tuple{std::string("gzip"), good.substr(0, good.size() / 2),
                 std::string("ends before its compressed stream")},
      std::tuple{std::string("gzip"), std::string("{\"Items\":[]}"), std::string("gzip answer is corrupt")},
      std::tuple{std::string("br"), std::string("xyz"), std::string("Content-Encoding \"br\"")});
  CompressingManager manager(
      [&](const httplib::Request&, httplib::Response& res) { answer_encoded(res, encoding, body); });
  ManagerClient client(manager.settings());
  const ManagerError error = failure_of([&] { client.list_redirects(500); });
  CHECK(error.kind() == Kind::kInvalidData);
  CHECK_THAT(error.what(), Catch::Contains(expected) && Catch::Contains("GET http://127.0.0.1:"));
}

TEST_CASE("manager client: a compressed error page is decoded for its message",
          "[manager_client][compression][threads]") {
  CompressingManager manager([](const httplib::Request&, httplib::Response& res) {
    res.status = 401;
    answer_encoded(res, "gzip", compress("{\"message\":\"token expired\"}"));
  });
  ManagerClient client(manager.settings());
  const ManagerError error = failure_of([&] { client.get_version(); });
  CHECK(error.kind() == Kind::kHttpStatus);
  CHECK(error.http_status() == 401);
  CHECK_THAT(error.what(), Catch::Contains("the manager says \"token expired\""));
}

}  // namespace flecto
