#include <catch2/catch.hpp>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "agent/exit_status.hpp"
#include "agent/match_command.hpp"
#include "agent/sync/snapshot.hpp"
#include "support/child_process.hpp"
#include "support/temp_dir.hpp"

namespace {

const std::string kData = FLECTO_TEST_DATA_DIR "/match/";

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

struct Run {
  int status;
  std::string out, err;
};

Run run(const flecto::MatchCommandOptions& options, const std::string& input = "") {
  std::istringstream in(input);
  std::ostringstream out, err;
  int status = flecto::run_match_command(options, in, out, err);
  return {status, out.str(), err.str()};
}

flecto::MatchCommandOptions options_for(const std::string& rules_file) {
  flecto::MatchCommandOptions options;
  options.rules_path = kData + rules_file;
  return options;
}

}  // namespace

TEST_CASE("match command: queries from stdin, one answer line each, in order") {
  Run r = run(options_for("rules.json"), read_file(kData + "queries.jsonl"));
  CHECK(r.status == flecto::kExitOk);
  CHECK(r.out == read_file(kData + "expected.jsonl"));
}

TEST_CASE("match command: skipped rules are reported on stderr, one line each") {
  Run r = run(options_for("rules.json"), "");
  CHECK(r.status == flecto::kExitOk);
  CHECK(r.out.empty());
  std::vector<std::string> lines = lines_of(r.err);
  REQUIRE(lines.size() == 2);
  CHECK_THAT(lines[0], Catch::StartsWith("redirect #5 \"/gone\"") && Catch::Contains("GONE"));
  CHECK_THAT(lines[1], Catch::StartsWith("redirect #6 \"/broken(\""));
}

TEST_CASE("match command: one request from --host and --uri") {
  flecto::MatchCommandOptions options = options_for("rules.json");
  options.host = "example.com";
  options.uri = "/blog/12/hello?x=1";
  Run r = run(options, "{\"host\": \"example.com\", \"uri\": \"/old\"}\n");  // stdin is not read
  CHECK(r.status == flecto::kExitOk);
  CHECK(r.out == lines_of(read_file(kData + "expected.jsonl"))[2] + "\n");
}

TEST_CASE("match command: --host without --uri is a usage error") {
  flecto::MatchCommandOptions options = options_for("rules.json");
  options.host = "example.com";
  Run r = run(options);
  CHECK(r.status == flecto::kExitUsage);
  CHECK(r.out.empty());
  CHECK_THAT(r.err, Catch::Contains("--uri"));
}

TEST_CASE("match command: a missing rules file is named, exit status 2") {
  Run r = run(options_for("no-such-file.json"), "{\"host\": \"a\", \"uri\": \"/\"}\n");
  CHECK(r.status == flecto::kExitUsage);
  CHECK(r.out.empty());
  CHECK_THAT(r.err, Catch::StartsWith(kData + "no-such-file.json: "));
  CHECK(lines_of(r.err).size() == 1);
}

TEST_CASE("match command: a malformed rules file is named with the position, exit status 2") {
  Run r = run(options_for("malformed_rules.json"), "{\"host\": \"a\", \"uri\": \"/\"}\n");
  CHECK(r.status == flecto::kExitUsage);
  CHECK(r.out.empty());
  CHECK_THAT(r.err, Catch::StartsWith(kData + "malformed_rules.json: ") && Catch::Contains("line 3, column "));
  CHECK(lines_of(r.err).size() == 1);
}

TEST_CASE("match command: a rules file of the wrong shape names the value, exit status 2") {
  Run r = run(options_for("wrong_shape_rules.json"));
  CHECK(r.status == flecto::kExitUsage);
  CHECK_THAT(r.err, Catch::StartsWith(kData + "wrong_shape_rules.json: redirects[1].status: expected a string"));
}

TEST_CASE("match command: a malformed query line stops with its line number, exit status 2") {
  std::string first_answer = lines_of(read_file(kData + "expected.jsonl"))[0] + "\n";
  SECTION("a value of the wrong type") {
    Run r = run(options_for("rules.json"), read_file(kData + "bad_query_type.jsonl"));
    CHECK(r.status == flecto::kExitUsage);
    CHECK(r.out == first_answer);  // the answers before the bad line, none after it
    CHECK_THAT(r.err, Catch::EndsWith("stdin: line 3: uri: expected a string\n"));
  }
  SECTION("a syntax error") {
    Run r = run(options_for("rules.json"), read_file(kData + "bad_query_syntax.jsonl"));
    CHECK(r.status == flecto::kExitUsage);
    CHECK(r.out == first_answer);
    CHECK_THAT(r.err, Catch::Contains("stdin: line 2: malformed JSON"));
  }
  SECTION("a missing key") {
    Run r = run(options_for("rules.json"), "{\"host\": \"example.com\", \"path\": \"/old\"}\n");
    CHECK(r.status == flecto::kExitUsage);
    CHECK(r.out.empty());
    CHECK_THAT(r.err, Catch::Contains("stdin: line 1: missing \"uri\""));
  }
  SECTION("not an object") {
    Run r = run(options_for("rules.json"), "\n[\"example.com\", \"/old\"]\n");
    CHECK(r.status == flecto::kExitUsage);
    CHECK_THAT(r.err, Catch::Contains("stdin: line 2: expected a JSON object"));
  }
}

// The real binary: `flecto-agent match`, stdin from a string, stdout and
// stderr captured, and its exit status.
namespace {

Run run_binary(std::vector<std::string> arguments, const std::string& input = "") {
  arguments.insert(arguments.begin(), "match");
  flecto::test::RunResult r = flecto::test::run_program(FLECTO_AGENT_BINARY, arguments, input);
  return {r.status, r.out, r.err};
}

std::vector<std::string> rules_argument(const std::string& file) { return {"--rules", kData + file}; }

}  // namespace

TEST_CASE("flecto-agent match: queries on stdin, skipped rules on stderr") {
  Run r = run_binary(rules_argument("rules.json"), read_file(kData + "queries.jsonl"));
  CHECK(r.status == flecto::kExitOk);
  CHECK(r.out == read_file(kData + "expected.jsonl"));
  CHECK(lines_of(r.err).size() == 2);
  CHECK_THAT(r.err, Catch::Contains("redirect #5 \"/gone\"") && Catch::Contains("redirect #6 \"/broken(\""));
}

TEST_CASE("flecto-agent match: one request from --host and --uri") {
  Run r = run_binary({"--rules", kData + "rules.json", "--host", "example.org", "--uri", "/docs/a/b"});
  CHECK(r.status == flecto::kExitOk);
  CHECK(r.out == lines_of(read_file(kData + "expected.jsonl"))[3] + "\n");
}

TEST_CASE("flecto-agent match: the example rules file has no skipped rule") {
  Run r = run_binary({"--rules", FLECTO_TEST_DATA_DIR "/../../examples/rules.json", "--host", "localhost:8080",
                      "--uri", "/promo"});
  CHECK(r.status == flecto::kExitOk);
  CHECK(r.err.empty());
  CHECK_THAT(r.out, Catch::Contains("\"target\":\"http://localhost:8080/offers/black-friday\",\"location\":\"http://localhost:8080/offers/black-friday\",\"code\":302"));
}

TEST_CASE("flecto-agent match: error exits") {
  SECTION("a missing rules file") {
    Run r = run_binary(rules_argument("no-such-file.json"), "{\"host\": \"a\", \"uri\": \"/\"}\n");
    CHECK(r.status == flecto::kExitUsage);
    CHECK(r.out.empty());
    CHECK(lines_of(r.err).size() == 1);
    CHECK_THAT(r.err, Catch::StartsWith(kData + "no-such-file.json: "));
  }
  SECTION("a malformed rules file") {
    Run r = run_binary(rules_argument("malformed_rules.json"), "{\"host\": \"a\", \"uri\": \"/\"}\n");
    CHECK(r.status == flecto::kExitUsage);
    CHECK(r.out.empty());
    CHECK(lines_of(r.err).size() == 1);
    CHECK_THAT(r.err, Catch::StartsWith(kData + "malformed_rules.json: ") && Catch::Contains("line 3, column "));
  }
  SECTION("a malformed query line") {
    Run r = run_binary(rules_argument("rules.json"), read_file(kData + "bad_query_syntax.jsonl"));
    CHECK(r.status == flecto::kExitUsage);
    CHECK(r.out == lines_of(read_file(kData + "expected.jsonl"))[0] + "\n");
    CHECK_THAT(r.err, Catch::EndsWith("\n") && Catch::Contains("stdin: line 2: malformed JSON"));
  }
}

TEST_CASE("flecto-agent match: --host without --uri is a usage error") {
  Run r = run_binary({"--rules", kData + "rules.json", "--host", "example.com"});
  CHECK(r.status == flecto::kExitUsage);
  CHECK(r.out.empty());
  CHECK_THAT(r.err, Catch::Contains("--uri"));
}

TEST_CASE("match --config: the project that answers the Host, from its snapshot", "[match]") {
  flecto::test::TempDir dir;
  flecto::Config config;
  config.manager_url = "https://manager.example.com";
  config.namespace_code = "prod";
  config.project_code = "main";
  config.state_dir = dir.path();
  flecto::Rules rules;
  rules.version = 5;
  rules.redirects = {{"BASIC", "/old", "/new", "FOUND"}};
  flecto::MatchCommandOptions options;
  options.projects = flecto::plan_projects(config);
  options.host = "example.com";
  options.uri = "/old";

  // No snapshot yet: the line says so, and so does the exit status.
  Run missing = run(options);
  CHECK(missing.status == flecto::kExitUsage);
  CHECK(missing.out == "{\"project\":\"prod/main\",\"error\":\"no snapshot\"}\n");
  CHECK_THAT(missing.err, Catch::Contains("prod/main: no snapshot at " + dir / "snapshot.json"));

  flecto::write_snapshot(dir.path(), rules);
  Run found = run(options);
  CHECK(found.status == flecto::kExitOk);
  CHECK_THAT(found.out, Catch::StartsWith("{\"project\":\"prod/main\",\"redirect\":{\"type\":\"BASIC\"") &&
                            Catch::Contains("\"location\":\"/new\",\"code\":302"));

  // Several lines from stdin, the snapshot read once.
  options.host.reset();
  options.uri.reset();
  Run lines = run(options, "{\"host\":\"a.example\",\"uri\":\"/old\"}\n{\"host\":\"b.example\",\"uri\":\"/none\"}\n");
  CHECK(lines.status == flecto::kExitOk);
  const auto answers = lines_of(lines.out);
  REQUIRE(answers.size() == 2);
  CHECK_THAT(answers[0], Catch::Contains("\"code\":302"));
  CHECK_THAT(answers[1], Catch::StartsWith("{\"project\":\"prod/main\",\"redirect\":null"));
}

TEST_CASE("match --config: query_fallback and query_preserve answer as the edge does", "[match]") {
  flecto::test::TempDir dir;
  flecto::Config config;
  config.manager_url = "https://manager.example.com";
  config.namespace_code = "prod";
  config.project_code = "main";
  config.state_dir = dir.path();
  flecto::Rules rules;
  rules.version = 2;
  rules.redirects = {{"BASIC", "/spring-sale", "/sale?from=spring", "MOVED_PERMANENT"}};
  flecto::write_snapshot(dir.path(), rules);
  flecto::MatchCommandOptions options;
  options.host = "example.com";
  options.uri = "/spring-sale?utm_source=mail";

  SECTION("off, the default: the full target misses") {
    options.projects = flecto::plan_projects(config);
    Run r = run(options);
    CHECK(r.status == flecto::kExitOk);
    CHECK_THAT(r.out, Catch::StartsWith("{\"project\":\"prod/main\",\"redirect\":null"));
  }
  SECTION("query_fallback: the path alone matches, the Location as the rule gives it") {
    config.query_fallback = true;
    options.projects = flecto::plan_projects(config);
    Run r = run(options);
    CHECK(r.status == flecto::kExitOk);
    CHECK_THAT(r.out, Catch::Contains("\"location\":\"/sale?from=spring\",\"code\":301") &&
                          Catch::Contains("\"query_fallback\":true"));
  }
  SECTION("query_preserve too: the request's query joins the target's with &") {
    config.query_fallback = true;
    config.query_preserve = true;
    options.projects = flecto::plan_projects(config);
    Run r = run(options);
    CHECK(r.status == flecto::kExitOk);
    CHECK_THAT(r.out, Catch::Contains("\"location\":\"/sale?from=spring&utm_source=mail\",\"code\":301"));
  }
}
