// `flecto-agent match`: answers requests offline from a rules file, or from
// the snapshots of the projects a configuration names.
//
//   flecto-agent match --rules FILE --host H --uri U
//   flecto-agent match --rules FILE < queries.jsonl
//   flecto-agent match --config FILE --host H --uri U
//
// With --rules, builds the rule table from FILE (read_rules_file,
// agent/rules/rules_json.hpp) and writes one answer line per request
// (match_result_json, agent/admin/match_json.hpp) to `out`. With --config,
// picks the project that answers H as the edge does (agent/projects/) and
// answers from that project's snapshot under state_dir, one line
// {"project": "<label>" or null, ...} per request (routed_match_json); a
// project without a snapshot yet is an error for that request, on `err`,
// its line {"project": "<label>", "error": "no snapshot"}, and the exit
// status kExitUsage once every request is answered. --config answers as the
// edge does, with the configuration's query_fallback and query_preserve
// ("query_fallback": true in a line the fallback answered); --rules as the
// Redirect Tester does, without them.
//
// `host` and `uri` are taken as given, as the manager's Redirect Tester
// takes them; the edge reads a raw request's target before matching it
// (README.md, "HTTP").
//
// - With both `host` and `uri`: answers that one request.
// - With neither: reads queries from `in`, one JSON object per line,
//   {"host": "...", "uri": "..."}; keys in any case, other keys ignored (so
//   the `expect` entries of the conformance vectors can be fed as they are).
//   Both values must be strings. Blank lines (only spaces, tabs, CR) are
//   skipped and produce no output; every other line produces exactly one
//   answer line, in input order. `out` is flushed whenever `in` has nothing
//   more buffered, so the command can be driven one query at a time.
// - With only one of the two: a usage error.
//
// Every rule the table left out is reported on `err`, one line each
// (SkippedRule::describe()); the command still answers with the others.
//
// Exit status (agent/exit_status.hpp): kExitOk on success. kExitUsage, after
// one line on `err`, when the rules file cannot be read or is malformed
// ("FILE: line L, column C: ..."), when a query line is malformed ("stdin:
// line N: ..."; the answers to the lines before it have been written,
// nothing after it is read), or on a usage error.

#ifndef FLECTO_AGENT_MATCH_COMMAND_HPP_
#define FLECTO_AGENT_MATCH_COMMAND_HPP_

#include <cstddef>
#include <iosfwd>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <simdjson.h>

#include "agent/projects/plan.hpp"
#include "matcher/table.hpp"

namespace flecto {

struct MatchCommandOptions {
  std::string rules_path;  // --rules; else:
  std::optional<std::vector<ProjectPlan>> projects;  // --config: its projects
  std::optional<std::string> host;
  std::optional<std::string> uri;
  // TableOptions::regex_memory_budget in MiB; the default is the agent's
  // (Config::regex_memory_mb).
  std::size_t regex_memory_mb = TableOptions::kDefaultRegexMemoryMb;
};

// One query line, {"host": "...", "uri": "..."}, as described above.
struct MatchQuery {
  std::string host;
  std::string uri;
};

// Parses one (non-blank) query line with `parser`. Throws JsonShapeError
// (agent/rules/rules_json.hpp) with a message that does not name the line, e.g.
// `uri: expected a string`.
MatchQuery parse_match_query(simdjson::dom::parser& parser, std::string_view line);

// Runs the command; returns the exit status (kExitOk or kExitUsage). Never throws, except
// std::bad_alloc.
int run_match_command(const MatchCommandOptions& options, std::istream& in, std::ostream& out,
                      std::ostream& err);

}  // namespace flecto

#endif  // FLECTO_AGENT_MATCH_COMMAND_HPP_
