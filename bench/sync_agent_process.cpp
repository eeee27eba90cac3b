#include "bench/sync_agent_process.hpp"

#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <stdexcept>
#include <string>

#include <httplib.h>
#include <zlib.h>

#include "agent/manager/client.hpp"
#include "agent/rules/rules_json.hpp"
#include "agent/sync/load.hpp"
#include "bench/process_memory.hpp"
#include "tests/standin_manager/standin_manager.hpp"

namespace flecto::bench {
namespace {

double millis(std::chrono::nanoseconds d) { return std::chrono::duration<double, std::milli>(d).count(); }

std::size_t gzip_size(const std::string& text, int level) {
  z_stream stream{};
  deflateInit2(&stream, level, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY);
  std::string out(deflateBound(&stream, static_cast<uLong>(text.size())), '\0');
  stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(text.data()));
  stream.avail_in = static_cast<uInt>(text.size());
  stream.next_out = reinterpret_cast<Bytef*>(out.data());
  stream.avail_out = static_cast<uInt>(out.size());
  deflate(&stream, Z_FINISH);
  const std::size_t size = stream.total_out;
  deflateEnd(&stream);
  return size;
}

bool write_all(int fd, const std::string& text) {
  std::size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n <= 0) return false;
    done += static_cast<std::size_t>(n);
  }
  return true;
}

std::string read_all(int fd) {
  std::string text;
  char buffer[4096];
  for (ssize_t n; (n = ::read(fd, buffer, sizeof buffer)) > 0;) text.append(buffer, static_cast<std::size_t>(n));
  return text;
}

// The child: settings come as one line ("url namespace project token"),
// the result goes back as one JSON fragment.
[[noreturn]] void run_child(int settings_fd, int result_fd, int page_size, bool identity) {
  std::string line = read_all(settings_fd);
  ::close(settings_fd);
  char url[512], ns[128], project[128], token[256];
  if (std::sscanf(line.c_str(), "%511s %127s %127s %255s", url, ns, project, token) != 4) _exit(3);
  std::string result;
  try {
    ManagerSettings settings;
    settings.url = url;
    settings.namespace_code = ns;
    settings.project_code = project;
    settings.token = token;
    if (identity) settings.accept_encoding = "identity";
    const std::size_t rss_before = self_status_bytes("VmRSS");
    ManagerClient client(settings);
    Load load = load_from_manager(client, client.get_version(), page_size, TableOptions{}, std::stop_token{});
    char text[512];
    std::snprintf(text, sizeof text,
                  "\"items\": %zu, \"fetch_ms\": %.1f, \"build_ms\": %.1f, \"load_ms\": %.1f, \"table_mb\": %.1f, "
                  "\"agent_rss_before_mb\": %.1f, \"agent_peak_rss_mb\": %.1f",
                  load.built.table->stats().redirects() + load.built.table->stats().pages(),
                  millis(load.fetch_duration), millis(load.build_duration), millis(load.load_duration()),
                  static_cast<double>(load.built.table->stats().memory_bytes) / (1 << 20),
                  static_cast<double>(rss_before) / (1 << 20),
                  static_cast<double>(self_status_bytes("VmHWM")) / (1 << 20));
    result = text;
  } catch (const std::exception& e) {
    result = std::string("error: ") + e.what();
  }
  write_all(result_fd, result);
  ::close(result_fd);
  _exit(result.rfind("error: ", 0) == 0 ? 1 : 0);
}

struct ListingBytes {
  std::size_t identity = 0, gzip1 = 0, gzip6 = 0, served_gzip = 0;
};

// Walks one listing by offset, as the agent would page it, and counts.
void count_listing(httplib::Client& http, const std::string& path, std::size_t total, int page_size,
                   ListingBytes& bytes) {
  const auto size = static_cast<std::size_t>(page_size);
  for (std::size_t offset = 0; offset == 0 || offset < total; offset += size) {
    const std::string query = path + "?limit=" + std::to_string(page_size) + "&offset=" + std::to_string(offset);
    httplib::Result plain = http.Get(query, {{"Accept-Encoding", "identity"}});
    if (!plain || plain->status != 200) throw std::runtime_error("counting bytes: GET " + query + " failed");
    bytes.identity += plain->body.size();
    bytes.gzip1 += gzip_size(plain->body, 1);
    bytes.gzip6 += gzip_size(plain->body, 6);
    httplib::Result compressed = http.Get(query, {{"Accept-Encoding", "gzip"}});
    if (!compressed || compressed->status != 200) throw std::runtime_error("counting bytes: GET " + query + " failed");
    bytes.served_gzip += compressed->body.size();
  }
}

}  // namespace

void run_agent_process_bench(const AgentProcessBench& bench) {
  int to_child[2], from_child[2];
  if (::pipe(to_child) != 0 || ::pipe(from_child) != 0) throw std::runtime_error("pipe failed");
  std::fflush(nullptr);
  const pid_t child = ::fork();
  if (child < 0) throw std::runtime_error("fork failed");
  if (child == 0) {
    ::close(to_child[1]);
    ::close(from_child[0]);
    run_child(to_child[0], from_child[1], bench.page_size, bench.identity);
  }
  ::close(to_child[0]);
  ::close(from_child[1]);

  Rules rules = read_rules_file(bench.rules_path);
  if (rules.version == 0) rules.version = 1;
  const std::size_t redirect_count = rules.redirects.size(), page_count = rules.pages.size();
  standin::StandinManager manager({}, std::move(rules));
  const std::string settings = manager.url() + " " + manager.options().namespace_code + " " +
                               manager.options().project_code + " " + manager.options().token + "\n";
  write_all(to_child[1], settings);
  ::close(to_child[1]);
  const std::string result = read_all(from_child[0]);
  ::close(from_child[0]);
  int status = 0;
  ::waitpid(child, &status, 0);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 || result.rfind("error: ", 0) == 0) {
    throw std::runtime_error("the agent side failed: " + result);
  }
  const std::uint64_t requests = manager.request_count(standin::Endpoint::kVersion) +
                                 manager.request_count(standin::Endpoint::kRedirects) +
                                 manager.request_count(standin::Endpoint::kPages);

  ListingBytes bytes;
  if (bench.count_bytes) {
    httplib::Client http(manager.url());
    http.set_decompress(false);
    http.set_keep_alive(true);
    http.set_read_timeout(std::chrono::seconds(60));
    const httplib::Headers auth = {{"Authorization", "Bearer " + manager.options().token}};
    http.set_default_headers(auth);
    const std::string api = "/api/namespace/" + manager.options().namespace_code + "/project/" +
                            manager.options().project_code;
    count_listing(http, api + "/redirects", redirect_count, bench.page_size, bytes);
    count_listing(http, api + "/pages", page_count, bench.page_size, bytes);
  }
  std::printf(
      "{\"redirects\": %zu, \"pages\": %zu, \"page_size\": %d, \"accept_encoding\": \"%s\", \"requests\": %llu, "
      "%s, \"listing_bytes\": %zu, \"listing_gzip1_bytes\": %zu, \"listing_gzip6_bytes\": %zu, "
      "\"standin_gzip_bytes\": %zu}\n",
      redirect_count, page_count, bench.page_size, bench.identity ? "identity" : ContentDecoder::kAcceptEncoding,
      static_cast<unsigned long long>(requests), result.c_str(), bytes.identity, bytes.gzip1, bytes.gzip6,
      bytes.served_gzip);
}

}  // namespace flecto::bench
