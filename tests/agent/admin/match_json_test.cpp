#include <catch2/catch.hpp>

#include <algorithm>
#include <optional>
#include <string>

#include <simdjson.h>

#include "agent/admin/match_json.hpp"
#include "agent/rules/rules_json.hpp"

using flecto::ContentType;
using flecto::PageType;
using flecto::PageView;
using flecto::RedirectMatch;
using flecto::RedirectStatus;
using flecto::RedirectType;
using flecto::match_result_json;

TEST_CASE("match json: nothing matched") {
  CHECK(match_result_json(std::nullopt, std::nullopt, "/x") ==
        R"({"redirect":null,"target":"","location":"","code":null,"page":null})");
}

TEST_CASE("match json: a redirect and a page, fields in the vector format's order") {
  RedirectMatch redirect{{RedirectType::kRegex, "^/blog/([0-9]+)$", "/articles/$1",
                          RedirectStatus::kPermanentRedirect},
                         "/articles/12",
                         308};
  PageView page{PageType::kBasicHost, "example.com/robots.txt", "User-agent: *\n", ContentType::kTextPlain};
  CHECK(match_result_json(redirect, page, "/blog/12") ==
        R"({"redirect":{"type":"REGEX","source":"^/blog/([0-9]+)$","target":"/articles/$1",)"
        R"("status":"PERMANENT_REDIRECT"},"target":"/articles/12","location":"/articles/12","code":308,)"
        R"("page":{"type":"BASIC_HOST","path":"example.com/robots.txt","contentType":"TEXT_PLAIN",)"
        R"("content":"User-agent: *\n"}})");
}

TEST_CASE("match json: every status and type is written with the manager's word") {
  struct Case {
    RedirectType type;
    RedirectStatus status;
    const char* type_word;
    const char* status_word;
    int code;
  };
  for (const Case& c : {Case{RedirectType::kBasic, RedirectStatus::kMovedPermanent, "BASIC", "MOVED_PERMANENT", 301},
                        Case{RedirectType::kBasicHost, RedirectStatus::kFound, "BASIC_HOST", "FOUND", 302},
                        Case{RedirectType::kRegex, RedirectStatus::kTemporaryRedirect, "REGEX", "TEMPORARY_REDIRECT", 307},
                        Case{RedirectType::kRegexHost, RedirectStatus::kPermanentRedirect, "REGEX_HOST",
                             "PERMANENT_REDIRECT", 308}}) {
    std::string line = match_result_json(RedirectMatch{{c.type, "/a", "/b", c.status}, "/b", c.code}, std::nullopt, "/a");
    CHECK_THAT(line, Catch::Contains(std::string("\"type\":\"") + c.type_word + "\""));
    CHECK_THAT(line, Catch::Contains(std::string("\"status\":\"") + c.status_word + "\""));
    CHECK_THAT(line, Catch::Contains("\"code\":" + std::to_string(c.code) + ","));
  }
  PageView xml{PageType::kBasic, "/sitemap.xml", "<urlset/>", ContentType::kXml};
  CHECK_THAT(match_result_json(std::nullopt, xml, "/sitemap.xml"),
             Catch::EndsWith(R"("page":{"type":"BASIC","path":"/sitemap.xml","contentType":"XML","content":"<urlset/>"}})"));
}

TEST_CASE("match json: one line that parses back byte for byte") {
  std::string nasty = "/a\"b\\c\n\r\t\x01\x7f é漢/";
  nasty.push_back('\0');
  RedirectMatch redirect{{RedirectType::kBasic, nasty, nasty, RedirectStatus::kFound}, nasty, 302};
  PageView page{PageType::kBasic, nasty, nasty, ContentType::kXml};
  std::string line = match_result_json(redirect, page, nasty);
  CHECK(line.find('\n') == std::string::npos);
  CHECK(line.find('\r') == std::string::npos);

  simdjson::dom::parser parser;
  simdjson::dom::element root = parser.parse(line);
  auto text = [](simdjson::dom::element e) { return std::string(std::string_view(e.get_string())); };
  CHECK(text(root["redirect"]["source"]) == nasty);
  CHECK(text(root["redirect"]["target"]) == nasty);
  CHECK(text(root["target"]) == nasty);
  CHECK(int64_t(root["code"]) == 302);
  CHECK(text(root["page"]["path"]) == nasty);
  CHECK(text(root["page"]["content"]) == nasty);
}

TEST_CASE("match json: location is the Location the edge sends, next to the rule's target") {
  // A relative target is resolved against the request path and cleaned; the
  // target stays what the Redirect Tester shows.
  RedirectMatch relative{{RedirectType::kBasic, "/docs/old", "../new/./page", RedirectStatus::kFound},
                         "../new/./page", 302};
  std::string line = match_result_json(relative, std::nullopt, "/docs/a/old?x=1");
  CHECK_THAT(line, Catch::Contains(R"("target":"../new/./page","location":"/docs/new/page","code":302)"));
  // Bytes a header cannot carry are escaped in the Location.
  RedirectMatch raw{{RedirectType::kBasic, "/c", "/caf\xc3\xa9", RedirectStatus::kFound}, "/caf\xc3\xa9", 302};
  CHECK_THAT(match_result_json(raw, std::nullopt, "/c"), Catch::Contains(R"("location":"/caf%c3%a9")"));
}

// Every query of the conformance vectors through a real Table: the answer
// line carries the expected entry's redirect, target and page, and the code
// of the redirect's status.
namespace {

std::optional<flecto::Redirect> redirect_or_null(simdjson::dom::element e, std::string_view where) {
  if (e.is_null()) return std::nullopt;
  return flecto::redirect_from_json(e.get_object(), where);
}

std::optional<flecto::Page> page_or_null(simdjson::dom::element e, std::string_view where) {
  if (e.is_null()) return std::nullopt;
  return flecto::page_from_json(e.get_object(), where);
}

void check_vectors(const std::string& file) {
  simdjson::dom::parser vectors_parser, line_parser;
  simdjson::dom::element doc = vectors_parser.load(FLECTO_TEST_DATA_DIR "/conformance/" + file);
  std::size_t checked = 0;
  for (simdjson::dom::element suite : doc["suites"].get_array()) {
    flecto::Rules rules;
    for (simdjson::dom::element r : suite["redirects"].get_array()) {
      rules.redirects.push_back(flecto::redirect_from_json(r.get_object(), "redirects"));
    }
    for (simdjson::dom::element p : suite["pages"].get_array()) {
      rules.pages.push_back(flecto::page_from_json(p.get_object(), "pages"));
    }
    auto table = flecto::Table::build(rules).table;
    for (simdjson::dom::element expect : suite["expect"].get_array()) {
      std::string_view host = expect["host"], uri = expect["uri"];
      std::optional<flecto::Redirect> redirect = redirect_or_null(expect["redirect"], "expect");
      std::string target{std::string_view(expect["target"])};
      // Among equal winners the answer is the one listed first.
      simdjson::dom::array alternatives;
      if (expect["alternatives"].get(alternatives) == simdjson::SUCCESS) {
        std::size_t best = rules.redirects.size();
        for (simdjson::dom::element alternative : alternatives) {
          auto r = redirect_or_null(alternative["redirect"], "alternative");
          REQUIRE(r);
          auto at = std::find(rules.redirects.begin(), rules.redirects.end(), *r) - rules.redirects.begin();
          if (static_cast<std::size_t>(at) < best) {
            best = static_cast<std::size_t>(at);
            redirect = r;
            target = std::string(std::string_view(alternative["target"]));
          }
        }
      }

      std::string line = match_result_json(*table, host, uri);
      INFO(file << " suite " << std::string_view(suite["name"]) << ": " << host << uri << " -> " << line);
      simdjson::dom::element answer = line_parser.parse(line);
      CHECK(redirect_or_null(answer["redirect"], "answer") == redirect);
      CHECK(std::string_view(answer["target"]) == target);
      if (redirect) {
        CHECK(int64_t(answer["code"]) == flecto::http_code(*flecto::parse_redirect_status(redirect->status)));
      } else {
        CHECK(answer["code"].is_null());
      }
      CHECK(page_or_null(answer["page"], "answer") == page_or_null(expect["page"], "expect"));
      ++checked;
    }
  }
  CHECK(checked > 0);
}

}  // namespace

TEST_CASE("match json: every query of vectors.json mirrors its expected entry") { check_vectors("vectors.json"); }

TEST_CASE("match json: every query of divergences.json mirrors its expected entry") {
  check_vectors("divergences.json");
}

namespace {

std::shared_ptr<const flecto::Table> fallback_table() {
  flecto::Rules rules;
  rules.version = 2;
  rules.redirects = {{"BASIC", "/sale", "/spring?lang=fr", "FOUND"}};
  rules.pages = {{"BASIC", "/robots.txt", "User-agent: *\n", "TEXT_PLAIN"}};
  return flecto::Table::build(rules).table;
}

}  // namespace

TEST_CASE("match json: /match and match --config answer with the edge's query fallback, and say so",
          "[admin][match][query]") {
  const auto table = fallback_table();
  const std::string project = "prod/site";
  const std::string redirect =
      R"("redirect":{"type":"BASIC","source":"/sale","target":"/spring?lang=fr","status":"FOUND"},)"
      R"("target":"/spring?lang=fr",)";
  // Off (the default, and `match --rules`): the Redirect Tester's answer.
  CHECK(flecto::routed_match_json(&project, table.get(), "example.com", "/sale?utm=1") ==
        R"({"project":"prod/site","redirect":null,"target":"","location":"","code":null,"page":null})");
  CHECK(match_result_json(*table, "example.com", "/sale?utm=1") ==
        R"({"redirect":null,"target":"","location":"","code":null,"page":null})");
  // On: the path alone answered; with preserve, the Location carries the query.
  CHECK(flecto::routed_match_json(&project, table.get(), "example.com", "/sale?utm=1", {true, false}) ==
        R"({"project":"prod/site",)" + redirect +
            R"("location":"/spring?lang=fr","code":302,"page":null,"query_fallback":true})");
  CHECK(flecto::routed_match_json(&project, table.get(), "example.com", "/sale?utm=1", {true, true}) ==
        R"({"project":"prod/site",)" + redirect +
            R"("location":"/spring?lang=fr&utm=1","code":302,"page":null,"query_fallback":true})");
  CHECK(flecto::routed_match_json(&project, table.get(), "example.com", "/robots.txt?x", {true, true}) ==
        R"({"project":"prod/site","redirect":null,"target":"","location":"","code":null,)"
        R"("page":{"type":"BASIC","path":"/robots.txt","contentType":"TEXT_PLAIN","content":"User-agent: *\n"},)"
        R"("query_fallback":true})");
  // The full target matched: no fallback, no field.
  CHECK(flecto::routed_match_json(&project, table.get(), "example.com", "/sale", {true, true}) ==
        R"({"project":"prod/site",)" + redirect + R"("location":"/spring?lang=fr","code":302,"page":null})");
  CHECK(flecto::routed_match_json(&project, table.get(), "example.com", "/none?x=1", {true, true}) ==
        R"({"project":"prod/site","redirect":null,"target":"","location":"","code":null,"page":null})");
}
