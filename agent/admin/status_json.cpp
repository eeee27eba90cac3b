#include "agent/admin/status_json.hpp"

#include <chrono>
#include <ctime>
#include <vector>

#include "agent/text/json_string.hpp"
#include "agent/text/number.hpp"
#include "agent/version.hpp"

namespace flecto {
namespace {

std::string rfc3339(std::chrono::system_clock::time_point t) {
  const std::time_t secs = std::chrono::system_clock::to_time_t(t);
  std::tm utc{};
  gmtime_r(&secs, &utc);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &utc);
  return buf;
}

// A JSON object written in place: "key": value pairs, commas between.
class JsonObject {
 public:
  explicit JsonObject(std::string& out) : out_(out) { out_ += '{'; }
  // Writes the key; the caller writes its value next.
  void key(std::string_view k) {
    if (!first_) out_ += ',';
    first_ = false;
    append_json_string(out_, k);
    out_ += ':';
  }
  void string(std::string_view k, std::string_view v) {
    key(k);
    append_json_string(out_, v);
  }
  void number(std::string_view k, double v) {
    key(k);
    out_ += format_number(v);
  }
  void count(std::string_view k, std::uint64_t v) {
    key(k);
    out_ += std::to_string(v);
  }
  void strings(std::string_view k, const std::vector<std::string>& values) {
    key(k);
    out_ += '[';
    for (std::size_t i = 0; i < values.size(); ++i) {
      if (i > 0) out_ += ',';
      append_json_string(out_, values[i]);
    }
    out_ += ']';
  }
  void boolean(std::string_view k, bool v) {
    key(k);
    out_ += v ? "true" : "false";
  }
  void time(std::string_view k, const std::optional<std::chrono::system_clock::time_point>& t) {
    key(k);
    if (t) {
      append_json_string(out_, rfc3339(*t));
    } else {
      out_ += "null";
    }
  }
  void close() { out_ += '}'; }

 private:
  std::string& out_;
  bool first_ = true;
};

void rules_object(std::string& out, const TableStats& stats) {
  JsonObject rules(out);
  rules.key("redirects");
  {
    JsonObject redirects(out);
    redirects.count("BASIC", stats.basic);
    redirects.count("BASIC_HOST", stats.basic_host);
    redirects.count("REGEX", stats.regex);
    redirects.count("REGEX_HOST", stats.regex_host);
    redirects.close();
  }
  rules.key("pages");
  {
    JsonObject pages(out);
    pages.count("BASIC", stats.pages_basic);
    pages.count("BASIC_HOST", stats.pages_basic_host);
    pages.close();
  }
  rules.count("skipped", stats.skipped);
  rules.close();
}

void sync_object(std::string& out, const SyncState& sync) {
  JsonObject s(out);
  s.time("last_attempt_time", sync.last_attempt_time);
  s.string("last_result", to_text(sync.last_result));
  s.string("last_error", sync.last_error);
  s.key("rejected_version");  // on_invalid_rules = "reject": the version refused, while the manager has it
  out += sync.rejected_version != 0 ? std::to_string(sync.rejected_version) : std::string("null");
  s.time("last_check_success_time", sync.last_check_success_time);
  s.count("consecutive_failures", sync.consecutive_failures);
  s.time("failing_since", sync.failing_since);
  s.time("last_success_time", sync.last_success_time);
  s.number("last_load_duration_seconds", std::chrono::duration<double>(sync.last_load_duration).count());
  s.count("syncs_success", sync.syncs_success);
  s.count("syncs_unchanged", sync.syncs_unchanged);
  s.count("syncs_error", sync.syncs_error);
  s.count("syncs_rejected", sync.syncs_rejected);
  s.count("snapshot_write_errors", sync.snapshot_write_errors);
  s.close();
}

// A project's fields, written into `object` (the project's own object, or
// the top level for a lone project, which has "ready" and
// "table_memory_bytes" of its own already).
void project_fields(std::string& out, JsonObject& object, const ServedProject& project,
                    const std::shared_ptr<const Table>& table) {
  const ProjectIdentity& id = project.identity;
  const SyncState sync = project.status.get();
  object.string("manager_url", redact_url_credentials(id.manager_url));
  object.string("namespace", id.namespace_code);
  object.string("project", id.project_code);
  object.string("rules_file", id.rules_file);
  object.string("snapshot_path", id.snapshot_path);
  object.key("version");
  out += table ? std::to_string(table->version()) : std::string("null");
  object.string("table_source", to_text(sync.table_source));
  const TableStats stats = table ? table->stats() : TableStats{};
  object.key("rules");
  rules_object(out, stats);
  object.key("sync");
  sync_object(out, sync);
}

}  // namespace

std::string redact_url_credentials(std::string_view url) {
  const auto scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) return std::string(url);
  const auto authority_start = scheme_end + 3;
  const auto authority_end = url.find_first_of("/?#", authority_start);
  const auto at = url.substr(0, authority_end).rfind('@');
  if (at == std::string_view::npos || at < authority_start) return std::string(url);
  return std::string(url.substr(0, authority_start)) + std::string(url.substr(at + 1));
}

std::string status_json(std::string_view agent_name, const ProjectRouting* routing, const ReloadState& reloads) {
  // One table per project for the whole answer, so that its parts agree.
  std::vector<std::shared_ptr<const Table>> tables;
  bool ready = routing != nullptr;
  std::uint64_t memory = 0;
  if (routing) {
    for (const RoutedProject& routed : routing->projects()) {
      tables.push_back(routed.project->served.current());
      ready = ready && tables.back() != nullptr;
      if (tables.back()) memory += tables.back()->stats().memory_bytes;
    }
  }

  std::string out;
  JsonObject root(out);
  root.string("agent_name", agent_name);
  root.string("agent_version", FLECTO_AGENT_VERSION);
  root.boolean("ready", ready);
  root.count("table_memory_bytes", memory);
  root.key("config_reloads");
  {
    JsonObject r(out);
    r.count("applied", reloads.applied);
    r.count("refused", reloads.refused);
    r.time("last_time", reloads.last_time);
    r.boolean("last_ok", reloads.last_ok);
    r.strings("last_problems", reloads.last_problems);
    r.close();
  }
  root.key("projects");
  out += '[';
  if (routing) {
    for (std::size_t i = 0; i < routing->projects().size(); ++i) {
      const RoutedProject& routed = routing->projects()[i];
      if (i > 0) out += ',';
      JsonObject project(out);
      project.string("label", routed.project->identity.label);
      project.strings("hosts", routed.hosts);
      project.boolean("default", routed.is_default);
      project.boolean("ready", tables[i] != nullptr);
      project.count("table_memory_bytes", tables[i] ? tables[i]->stats().memory_bytes : 0);
      project_fields(out, project, *routed.project, tables[i]);
      project.close();
    }
  }
  out += ']';
  if (routing && routing->projects().size() == 1) {
    project_fields(out, root, *routing->projects().front().project, tables.front());
  }
  root.close();
  out += '\n';
  return out;
}

}  // namespace flecto
