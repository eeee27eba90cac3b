#include <catch2/catch.hpp>

#include <simdjson.h>

#include "agent/match_json.hpp"

using flecto::ContentType;
using flecto::PageType;
using flecto::PageView;
using flecto::RedirectMatch;
using flecto::RedirectStatus;
using flecto::RedirectType;
using flecto::match_result_json;

TEST_CASE("match json: nothing matched") {
  CHECK(match_result_json(std::nullopt, std::nullopt) ==
        R"({"redirect":null,"target":"","code":null,"page":null})");
}

TEST_CASE("match json: a redirect and a page, fields in the vector format's order") {
  RedirectMatch redirect{{RedirectType::kRegex, "^/blog/([0-9]+)$", "/articles/$1",
                          RedirectStatus::kPermanentRedirect},
                         "/articles/12",
                         308};
  PageView page{PageType::kBasicHost, "example.com/robots.txt", "User-agent: *\n", ContentType::kTextPlain};
  CHECK(match_result_json(redirect, page) ==
        R"({"redirect":{"type":"REGEX","source":"^/blog/([0-9]+)$","target":"/articles/$1",)"
        R"("status":"PERMANENT_REDIRECT"},"target":"/articles/12","code":308,)"
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
    std::string line = match_result_json(RedirectMatch{{c.type, "/a", "/b", c.status}, "/b", c.code}, std::nullopt);
    CHECK_THAT(line, Catch::Contains(std::string("\"type\":\"") + c.type_word + "\""));
    CHECK_THAT(line, Catch::Contains(std::string("\"status\":\"") + c.status_word + "\""));
    CHECK_THAT(line, Catch::Contains("\"code\":" + std::to_string(c.code) + ","));
  }
  PageView xml{PageType::kBasic, "/sitemap.xml", "<urlset/>", ContentType::kXml};
  CHECK_THAT(match_result_json(std::nullopt, xml),
             Catch::EndsWith(R"("page":{"type":"BASIC","path":"/sitemap.xml","contentType":"XML","content":"<urlset/>"}})"));
}

TEST_CASE("match json: one line that parses back byte for byte") {
  std::string nasty = "/a\"b\\c\n\r\t\x01\x7f é漢/";
  nasty.push_back('\0');
  RedirectMatch redirect{{RedirectType::kBasic, nasty, nasty, RedirectStatus::kFound}, nasty, 302};
  PageView page{PageType::kBasic, nasty, nasty, ContentType::kXml};
  std::string line = match_result_json(redirect, page);
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
