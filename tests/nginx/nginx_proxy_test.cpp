// Debian's nginx in front of the edge server, on loopback: "agent first,
// origin on 404" with the site configuration of scripts/nginx-flecto-site.conf,
// next to Debian's packaged default site on the same port (as on a stock
// install). nginx runs from a temporary prefix (its own config, logs, temp
// paths and pid file there; nothing outside is touched), in the foreground,
// one process. The README shows the same file, checked by the second test.
#include <catch2/catch.hpp>

#include <httplib.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "tests/agent/edge/test_support.hpp"

using namespace flecto;
using namespace flecto::test;
namespace fs = std::filesystem;

namespace {

std::uint16_t free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  return ntohs(addr.sin_port);
}

std::string read_file(const fs::path& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string replace_all(std::string text, const std::string& from, const std::string& to) {
  for (auto pos = text.find(from); pos != std::string::npos; pos = text.find(from, pos + to.size())) {
    text.replace(pos, from.size(), to);
  }
  return text;
}

// The origin stand-in: answers everything with what it received.
struct Origin {
  Origin() {
    const auto echo = [](const httplib::Request& req, httplib::Response& res) {
      res.set_content("origin " + req.method + " " + req.target + " host=" +
                          req.get_header_value("Host") + " body=" + req.body,
                      "text/plain");
    };
    server.Get(".*", echo);
    server.Post(".*", echo);
    port = static_cast<std::uint16_t>(server.bind_to_any_port("127.0.0.1"));
    thread = std::thread([this] { server.listen_after_bind(); });
    while (!server.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ~Origin() {
    server.stop();
    thread.join();
  }
  httplib::Server server;
  std::uint16_t port = 0;
  std::thread thread;
};

const fs::path kSourceDir = FLECTO_TEST_DATA_DIR "/../..";
constexpr const char* kServerNames = "example.com www.example.com";

// The site configuration with its placeholders filled in, as
// scripts/nginx-flecto-config.sh prints it.
std::string site_config(const std::string& listen, const std::string& server_names,
                        const std::string& agent, const std::string& origin) {
  std::string site = read_file(kSourceDir / "scripts/nginx-flecto-site.conf");
  site = replace_all(site, "@LISTEN@", listen);
  site = replace_all(site, "@SERVER_NAMES@", server_names);
  site = replace_all(site, "@AGENT@", agent);
  return replace_all(site, "@ORIGIN@", origin);
}

// Debian's packaged default site (nginx-common), moved to `port` on loopback.
std::string debian_default_site(std::uint16_t port) {
  const std::string site = read_file("/etc/nginx/sites-available/default");
  REQUIRE(site.find("listen 80 default_server;") != std::string::npos);
  std::string moved = replace_all(site, "listen 80 default_server;",
                                  "listen 127.0.0.1:" + std::to_string(port) + " default_server;");
  return replace_all(moved, "listen [::]:80 default_server;", "");
}

// The two set-ups the README gives: Debian's default site left enabled (this
// site answers the hosts it names), or the default site disabled and this
// site the default server (it answers every host on the port).
enum class DefaultSite { kDebians, kThisSite };

// nginx with the site configuration, and Debian's default site where it is
// kept, in its own prefix directory.
struct Nginx {
  Nginx(std::uint16_t agent_port, std::uint16_t origin_port, DefaultSite default_site) {
    char tmpl[] = "/tmp/flecto-nginx-XXXXXX";
    REQUIRE(::mkdtemp(tmpl) != nullptr);
    dir = tmpl;
    port = free_port();
    const std::string listen = "127.0.0.1:" + std::to_string(port) +
                               (default_site == DefaultSite::kThisSite ? " default_server" : "");
    const std::string site = site_config(listen, kServerNames,
                                         "127.0.0.1:" + std::to_string(agent_port),
                                         "127.0.0.1:" + std::to_string(origin_port));
    REQUIRE(site.find("proxy_pass http://flecto_agent;") != std::string::npos);
    const std::string d = dir.string();
    std::ofstream(dir / "nginx.conf")
        << "master_process off;\n"
        << "pid " << d << "/nginx.pid;\n"
        << "error_log " << d << "/error.log warn;\n"
        << "events { worker_connections 256; }\n"
        << "http {\n"
        << "  access_log " << d << "/access.log;\n"
        << "  client_body_temp_path " << d << "/client_body;\n"
        << "  proxy_temp_path " << d << "/proxy;\n"
        << "  fastcgi_temp_path " << d << "/fastcgi;\n"
        << "  uwsgi_temp_path " << d << "/uwsgi;\n"
        << "  scgi_temp_path " << d << "/scgi;\n"
        << (default_site == DefaultSite::kDebians ? debian_default_site(port) : "") << site
        << "}\n";
    pid = ::fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
      const std::string conf = d + "/nginx.conf", err = d + "/error.log";
      ::execlp("nginx", "nginx", "-p", d.c_str(), "-c", conf.c_str(), "-e", err.c_str(), "-g",
               "daemon off;", static_cast<char*>(nullptr));
      ::_exit(127);
    }
    // Wait until nginx accepts connections (or has exited).
    for (int i = 0; i < 1000; ++i) {
      int status = 0;
      if (::waitpid(pid, &status, WNOHANG) == pid) {
        pid = -1;
        FAIL("nginx exited at start: " << read_file(dir / "error.log"));
      }
      try {
        RawClient probe(port);
        return;
      } catch (const std::runtime_error&) {
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
      }
    }
    FAIL("nginx did not start listening: " << read_file(dir / "error.log"));
  }
  ~Nginx() {
    if (pid > 0) {
      ::kill(pid, SIGTERM);
      ::waitpid(pid, nullptr, 0);
    }
    std::error_code ignored;
    fs::remove_all(dir, ignored);
  }
  fs::path dir;
  std::uint16_t port = 0;
  pid_t pid = -1;
};

}  // namespace

TEST_CASE("nginx: agent first, origin on 404", "[nginx]") {
  Origin origin;
  RunningEdge edge;
  Nginx nginx(edge.port(), origin.port, DefaultSite::kDebians);
  const auto get = [&](const std::string& target, const std::string& host = "example.com") {
    auto r = round_trip(nginx.port, request("GET", target, host));
    REQUIRE(r);
    return *r;
  };

  // No table yet: the agent answers 503 and the origin serves the site.
  const auto early = get("/old");
  CHECK(early.status == 200);
  CHECK(early.body == "origin GET /old host=example.com body=");

  Rules rules;
  rules.version = 3;
  rules.redirects = {redirect("BASIC", "/old", "/new?from=old", "FOUND"),
                     redirect("BASIC_HOST", "example.com:8080/port", "https://example.com/p")};
  rules.pages = {page("BASIC", "/robots.txt", "User-agent: *\nDisallow: /private\n")};
  edge.served.swap_in(build_table(rules));

  const auto redirected = get("/old");
  CHECK(redirected.status == 302);
  CHECK(redirected.header("location") == "/new?from=old");

  const auto page_answer = get("/robots.txt");
  CHECK(page_answer.status == 200);
  CHECK(page_answer.body == "User-agent: *\nDisallow: /private\n");
  CHECK(page_answer.header("content-type") == "text/plain");

  const auto fallthrough = get("/products/12?color=red");
  CHECK(fallthrough.status == 200);
  CHECK(fallthrough.body == "origin GET /products/12?color=red host=example.com body=");

  // Host (with its port) and the target reach the agent unchanged...
  const auto by_host = get("/port", "example.com:8080");
  CHECK(by_host.status == 301);
  CHECK(by_host.header("location") == "https://example.com/p");
  // ...and the origin too, when the agent has nothing for them.
  const auto raw = get("/a/../old//x?%41", "Example.COM");
  CHECK(raw.body == "origin GET /a/../old//x?%41 host=Example.COM body=");

  // A host the site does not name, and a request without Host (HTTP/1.0),
  // go to Debian's default site: never to the agent, never a 400.
  for (const std::string& unnamed : {request("GET", "/old", "other.example"),
                                     std::string("GET /old HTTP/1.0\r\n\r\n")}) {
    auto answer = round_trip(nginx.port, unnamed);
    REQUIRE(answer);
    CHECK(answer->status == 404);
    CHECK(answer->body.find("nginx") != std::string::npos);
    CHECK(answer->body.find("origin") == std::string::npos);
  }

  // A request body reaches the origin on a fall-through.
  auto post = round_trip(nginx.port, request("POST", "/form", "example.com", "Content-Length: 5\r\n") + "a=b&c");
  REQUIRE(post);
  CHECK(post->status == 200);
  CHECK(post->body == "origin POST /form host=example.com body=a=b&c");

  // The agent down: the origin still serves.
  edge.server.stop();
  const auto down = get("/old");
  CHECK(down.status == 200);
  CHECK(down.body == "origin GET /old host=example.com body=");
}

TEST_CASE("nginx: as the default server, every host and a request without Host reach the agent",
          "[nginx]") {
  Origin origin;
  RunningEdge edge;
  Nginx nginx(edge.port(), origin.port, DefaultSite::kThisSite);
  Rules rules;
  rules.version = 1;
  rules.redirects = {redirect("BASIC", "/old", "/new", "FOUND")};
  edge.served.swap_in(build_table(rules));

  auto other_host = round_trip(nginx.port, request("GET", "/old", "other.example"));
  REQUIRE(other_host);
  CHECK(other_host->status == 302);
  CHECK(other_host->header("location") == "/new");

  // HTTP/1.0 without Host: the agent sees the first server name (its rule
  // answers), and so does the origin on a fall-through; no 400.
  auto http10 = round_trip(nginx.port, "GET /old HTTP/1.0\r\n\r\n");
  REQUIRE(http10);
  CHECK(http10->status == 302);
  CHECK(http10->header("location") == "/new");
  auto http10_origin = round_trip(nginx.port, "GET /about HTTP/1.0\r\n\r\n");
  REQUIRE(http10_origin);
  CHECK(http10_origin->status == 200);
  CHECK(http10_origin->body == "origin GET /about host=example.com body=");
}

// The README shows the configuration an operator copies: it must be the file
// the test above runs, filled in with the README's own example values.
TEST_CASE("nginx: the README shows exactly the site configuration the test runs", "[nginx]") {
  const std::string readme = read_file(kSourceDir / "README.md");
  const std::string command =
      "scripts/nginx-flecto-config.sh 80 \"example.com www.example.com\" 127.0.0.1:8080 127.0.0.1:8000";
  const auto command_at = readme.find(command);
  REQUIRE(command_at != std::string::npos);
  const std::string fence = "```nginx\n";
  const auto begin = readme.find(fence, command_at);
  REQUIRE(begin != std::string::npos);
  const auto end = readme.find("```", begin + fence.size());
  REQUIRE(end != std::string::npos);
  const std::string shown = readme.substr(begin + fence.size(), end - begin - fence.size());

  std::string printed = site_config("80", kServerNames, "127.0.0.1:8080", "127.0.0.1:8000");
  // The file's opening comment (placeholders, where it goes) is not shown.
  printed = printed.substr(printed.find("upstream flecto_agent"));
  CHECK(shown == printed);
}
