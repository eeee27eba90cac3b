#include "agent/match_command.hpp"

#include <istream>
#include <ostream>
#include <stdexcept>

#include <simdjson.h>

#include "agent/admin/match_json.hpp"
#include "agent/exit_status.hpp"
#include "agent/rules/rules_json.hpp"
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

// Answers every query line of `in`; returns the exit status.
int answer_stream(const Table& table, std::istream& in, std::ostream& out, std::ostream& err) {
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
    out << match_result_json(table, query.host, query.uri) << '\n';
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
  Rules rules;
  try {
    rules = read_rules_file(options.rules_path);
  } catch (const std::bad_alloc&) {
    throw;
  } catch (const std::exception& e) {
    err << e.what() << '\n';
    return kExitUsage;
  }
  TableOptions table_options;
  table_options.regex_memory_budget = options.regex_memory_mb << 20;
  BuildResult built = Table::build(rules, table_options);
  for (const SkippedRule& skipped : built.skipped) err << skipped.describe() << '\n';
  if (options.host) {
    out << match_result_json(*built.table, *options.host, *options.uri) << '\n';
    out.flush();
    return kExitOk;
  }
  return answer_stream(*built.table, in, out, err);
}

}  // namespace flecto
