#include "agent/match_command.hpp"

#include <functional>
#include <istream>
#include <memory>
#include <ostream>
#include <stdexcept>

#include <simdjson.h>

#include "agent/admin/match_json.hpp"
#include "agent/exit_status.hpp"
#include "agent/rules/rules_json.hpp"
#include "agent/rules/rules_load.hpp"
#include "agent/sync/snapshot.hpp"
#include "agent/text/json_string.hpp"
#include "matcher/table.hpp"

namespace flecto {

MatchQuery parse_match_query(simdjson::dom::parser& parser, std::string_view line) {
  simdjson::dom::element root;
  if (auto error = parser.parse(line.data(), line.size()).get(root)) {
    throw JsonShapeError(std::string("malformed JSON: ") + simdjson::error_message(error));
  }
  if (!root.is_object()) throw JsonShapeError("expected a JSON object {\"host\": ..., \"uri\": ...}");
  std::optional<std::string> host, uri;
  for (auto [key, value] : root.get_object()) {
    std::optional<std::string>* field = key_equals(key, "host") ? &host : key_equals(key, "uri") ? &uri : nullptr;
    if (!field) continue;
    if (!value.is_string()) throw JsonShapeError(std::string(key) + ": expected a string");
    *field = std::string(std::string_view(value.get_string()));
  }
  if (!host) throw JsonShapeError("missing \"host\"");
  if (!uri) throw JsonShapeError("missing \"uri\"");
  return {std::move(*host), std::move(*uri)};
}

namespace {

bool is_blank(std::string_view line) {
  return line.find_first_not_of(" \t\r") == std::string_view::npos;
}

// The answer line to one request.
using Answerer = std::function<std::string(std::string_view host, std::string_view uri)>;

// Answers from the snapshots of `plans`' projects, each read when a request
// first goes to it.
class ProjectAnswerer {
 public:
  ProjectAnswerer(const std::vector<ProjectPlan>& plans, std::size_t regex_memory_mb, std::ostream& err)
      : plans_(plans), router_(make_host_router(plans)), tables_(plans.size()), regex_memory_mb_(regex_memory_mb),
        err_(err) {}

  std::string operator()(std::string_view host, std::string_view uri) {
    const std::optional<std::size_t> index = router_.route(host);
    if (!index) return routed_match_json(nullptr, nullptr, host, uri);
    const ProjectPlan& plan = plans_[*index];
    const Table* table = table_of(*index);
    if (!table) {
      failed_ = true;
      std::string line = "{\"project\":";
      append_json_string(line, plan.label);
      return line + ",\"error\":\"no snapshot\"}";
    }
    return routed_match_json(&plan.label, table, host, uri, {plan.config.query_fallback, plan.config.query_preserve});
  }

  // Whether a request went to a project without a usable snapshot.
  bool failed() const { return failed_; }

 private:
  const Table* table_of(std::size_t index) {
    auto& slot = tables_[index];
    if (slot) return slot->get();
    const Config& config = plans_[index].config;
    slot.emplace();
    try {
      TableOptions options;
      options.regex_memory_budget = regex_memory_mb_ << 20;
      std::optional<BuildResult> loaded = load_snapshot(config.state_dir, options, config.snapshot_name);
      if (!loaded) {
        err_ << plans_[index].label << ": no snapshot at " << snapshot_path(config.state_dir, config.snapshot_name)
             << " (run --sync-once first)\n";
        return nullptr;
      }
      BuildResult& built = *loaded;
      for (const SkippedRule& skipped : built.skipped) err_ << plans_[index].label << ": " << skipped.describe() << '\n';
      *slot = built.table;
    } catch (const SnapshotError& e) {
      err_ << plans_[index].label << ": " << e.what() << '\n';
    }
    return slot->get();
  }

  const std::vector<ProjectPlan>& plans_;
  HostRouter router_;
  // Per plan: not read yet (nullopt), read (the table, or null without one).
  std::vector<std::optional<std::shared_ptr<const Table>>> tables_;
  std::size_t regex_memory_mb_;
  std::ostream& err_;
  bool failed_ = false;
};

// Answers every query line of `in`; returns the exit status.
int answer_stream(const Answerer& answer, std::istream& in, std::ostream& out, std::ostream& err) {
  simdjson::dom::parser parser;
  std::string line;
  for (std::size_t number = 1; std::getline(in, line); ++number) {
    if (is_blank(line)) continue;
    MatchQuery query;
    try {
      query = parse_match_query(parser, line);
    } catch (const JsonShapeError& e) {
      out.flush();
      err << "stdin: line " << number << ": " << e.what() << '\n';
      return kExitUsage;
    }
    out << answer(query.host, query.uri) << '\n';
    // Flush only when the next read may block, so that a caller driving the
    // command one query at a time gets each answer, and a file is not
    // written one line per system call.
    if (in.rdbuf()->in_avail() <= 0) out.flush();
  }
  if (in.bad()) {
    err << "stdin: cannot read the queries\n";
    return kExitUsage;
  }
  out.flush();
  return kExitOk;
}

}  // namespace

int run_match_command(const MatchCommandOptions& options, std::istream& in, std::ostream& out,
                      std::ostream& err) {
  if (options.host.has_value() != options.uri.has_value()) {
    err << "match: give both --host and --uri, or neither to read queries from stdin\n";
    return kExitUsage;
  }
  if (options.projects) {
    ProjectAnswerer answer(*options.projects, options.regex_memory_mb, err);
    int status = kExitOk;
    if (options.host) {
      out << answer(*options.host, *options.uri) << '\n';
      out.flush();
    } else {
      status = answer_stream(std::ref(answer), in, out, err);
    }
    return answer.failed() ? kExitUsage : status;
  }
  TableOptions table_options;
  table_options.regex_memory_budget = options.regex_memory_mb << 20;
  BuildResult built;
  try {
    built = load_rules_file(options.rules_path, table_options);
  } catch (const std::bad_alloc&) {
    throw;
  } catch (const std::exception& e) {
    err << e.what() << '\n';
    return kExitUsage;
  }
  for (const SkippedRule& skipped : built.skipped) err << skipped.describe() << '\n';
  if (options.host) {
    out << match_result_json(*built.table, *options.host, *options.uri) << '\n';
    out.flush();
    return kExitOk;
  }
  const Table& table = *built.table;
  return answer_stream([&](std::string_view host, std::string_view uri) { return match_result_json(table, host, uri); },
                       in, out, err);
}

}  // namespace flecto
