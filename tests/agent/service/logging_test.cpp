#include <catch2/catch.hpp>

#include <simdjson.h>

#include <fstream>
#include <sstream>

#include "agent/config/loader.hpp"
#include "agent/service/logging.hpp"
#include "support/agent_process.hpp"
#include "support/temp_dir.hpp"

using namespace flecto;

namespace {

std::string format_line(LogFormat format, bool to_journal, spdlog::level::level_enum level,
                        std::string_view message) {
  auto formatter = make_log_formatter(format, to_journal);
  spdlog::details::log_msg msg("flecto-agent", level, spdlog::string_view_t(message.data(), message.size()));
  spdlog::memory_buf_t out;
  formatter->format(msg, out);
  return std::string(out.data(), out.size());
}

}  // namespace

TEST_CASE("logging: under the journal each line starts with its numeric syslog priority") {
  // journald reads "<N>" (sd-daemon(3)) as PRIORITY; "<error>" it would not.
  CHECK(format_line(LogFormat::kText, true, spdlog::level::err, "sync failed") == "<3>sync failed\n");
  CHECK(format_line(LogFormat::kText, true, spdlog::level::warn, "w") == "<4>w\n");
  CHECK(format_line(LogFormat::kText, true, spdlog::level::info, "serving") == "<6>serving\n");
  CHECK(format_line(LogFormat::kText, true, spdlog::level::debug, "d") == "<7>d\n");
  CHECK(format_line(LogFormat::kText, true, spdlog::level::trace, "t") == "<7>t\n");
  CHECK(format_line(LogFormat::kText, true, spdlog::level::critical, "c") == "<2>c\n");
}

TEST_CASE("logging: a text line off the journal carries its time stamp and level name") {
  const std::string line = format_line(LogFormat::kText, false, spdlog::level::err, "sync failed");
  // 2026-12-01T12:03:04.123+00:00 error sync failed (the offset is local time's)
  REQUIRE(line.size() > 30);
  CHECK(line[4] == '-');
  CHECK(line[10] == 'T');
  CHECK(line[19] == '.');
  CHECK((line[23] == '+' || line[23] == '-'));
  CHECK(line[26] == ':');
  CHECK(line.substr(29) == " error sync failed\n");
  CHECK(line.find('<') == std::string::npos);
}

TEST_CASE("logging: a json line is one valid JSON object, whatever the message holds") {
  const std::string message = "quote \" backslash \\ newline \n tab \t bell \x07 caf\xC3\xA9";
  for (const bool journal : {false, true}) {
    std::string line = format_line(LogFormat::kJson, journal, spdlog::level::warn, message);
    REQUIRE(line.back() == '\n');
    CHECK(line.find('\n') == line.size() - 1);  // one line
    if (journal) {
      REQUIRE(line.rfind("<4>", 0) == 0);
      line = line.substr(3);
    }
    simdjson::dom::parser parser;
    simdjson::dom::element doc;
    REQUIRE(parser.parse(line).get(doc) == simdjson::SUCCESS);
    CHECK(std::string(doc["level"].get_string().value()) == "warning");
    CHECK(std::string(doc["message"].get_string().value()) == message);
    const std::string time(doc["time"].get_string().value());
    REQUIRE(time.size() == 24);  // 2026-12-01T12:03:04.123Z
    CHECK(time.back() == 'Z');
    CHECK(time[10] == 'T');
  }
}

TEST_CASE("logging: log_format is text or json, checked by name") {
  CHECK(parse_log_format("text") == LogFormat::kText);
  CHECK(parse_log_format("json") == LogFormat::kJson);
  CHECK_FALSE(parse_log_format("JSON"));
  CHECK_FALSE(parse_log_format(""));

  ConfigSources sources;
  sources.flags = {{"rules", "/dev/null"}, {"log_format", "json"}};
  CHECK(load_config(sources, RunMode::kDaemon).log_format == "json");
  sources.flags["log_format"] = "xml";
  try {
    load_config(sources, RunMode::kDaemon);
    FAIL("log_format = xml was accepted");
  } catch (const ConfigError& e) {
    REQUIRE(e.problems().size() == 1);
    CHECK(e.problems()[0] == "log_format: expected text or json; got \"xml\"");
  }
}

// The real binary under systemd's stream (JOURNAL_STREAM set) and in json.
TEST_CASE("logging: the daemon's lines carry the journal priority under systemd, and json on request") {
  flecto::test::TempDir dir;
  const std::string rules = dir.path() + "/rules.json";
  std::ofstream(rules) << R"({"version": 1, "redirects": [], "pages": []})";

  SECTION("under systemd") {
    flecto::test::AgentProcess agent;
    agent.start_after("export JOURNAL_STREAM=8:1234", {"--rules", rules}, "info");
    REQUIRE(agent.wait_ready());
    const std::string log = agent.log();
    REQUIRE_FALSE(log.empty());
    std::istringstream lines(log);
    for (std::string line; std::getline(lines, line);) {
      INFO(line);
      CHECK((line.rfind("<6>", 0) == 0 || line.rfind("<4>", 0) == 0 || line.rfind("<3>", 0) == 0));
    }
  }
  SECTION("json") {
    flecto::test::AgentProcess agent;
    agent.start({"--rules", rules, "--log-format", "json"}, "info");
    REQUIRE(agent.wait_ready());
    std::istringstream lines(agent.log());
    int objects = 0;
    for (std::string line; std::getline(lines, line); ++objects) {
      INFO(line);
      simdjson::dom::parser parser;
      simdjson::dom::element doc;
      REQUIRE(parser.parse(line).get(doc) == simdjson::SUCCESS);
      CHECK(doc["message"].is_string());
    }
    CHECK(objects > 0);
  }
}
