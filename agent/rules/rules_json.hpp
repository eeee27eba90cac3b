// Rules as JSON: the rules file (also the agent's snapshot) and the items of
// the manager's listings.
//
// A rules file is {"version": N, "redirects": [...], "pages": [...]} with
// items exactly as the manager's API sends them. Like the manager's own Go
// client, keys are matched without regard to case ("Source" == "source"),
// unknown keys are ignored, a missing or null field is empty, and a value of
// the wrong type (a number where a string belongs) is an error. A key given
// twice counts with its last value. Text that is not valid UTF-8, or nested
// deeper than simdjson's 1024 levels, is malformed JSON (an error, never a
// crash): the whole file or listing page is refused, not just the item.

#ifndef FLECTO_AGENT_RULES_RULES_JSON_HPP_
#define FLECTO_AGENT_RULES_RULES_JSON_HPP_

#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>

#include <simdjson.h>

#include "agent/text/json_string.hpp"
#include "matcher/rule.hpp"

namespace flecto {

// Malformed JSON, or JSON of the wrong shape. what() is one line that says
// where: "line 3, column 17: ..." for a syntax error, or the path of the
// offending value ("redirects[12].status: expected a string").
class JsonShapeError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Parses the text of a rules file. Throws JsonShapeError.
Rules parse_rules_json(std::string_view text);

// A version, as rules files and the manager's answers write it: a JSON
// integer from 0 to INT64_MAX (`3`), or a JSON string of its decimal digits
// (`"3"`, as the manager's documentation writes it; the string "-0" is read
// as 0). Anything else, null included, throws JsonShapeError ("version:
// expected a non-negative integer or a string of digits"). A rules file
// whose version is null or missing has version 0: parse_rules_json() sees to
// that before calling this.
std::int64_t version_from_json(simdjson::dom::element value);

// Reads and parses a rules file. Throws std::runtime_error with a one-line
// message that starts with the file name: "rules.json: line 3, column 17: ...".
Rules read_rules_file(const std::string& path);

// The rules file text for `rules`: parse_rules_json(rules_to_json(r)) == r.
std::string rules_to_json(const Rules& rules);

// One item of a listing. `where` names the item in error messages
// ("redirects[3]"). Throw JsonShapeError.
Redirect redirect_from_json(simdjson::dom::object item, std::string_view where);
Page page_from_json(simdjson::dom::object item, std::string_view where);

// Where in `text` a JSON syntax error is: "line L, column C" of the last key
// read before the error, found by a second, incremental parse. For error
// messages only.
std::string locate_json_error(std::string_view text);

// `text` cut to at most `max` bytes plus "..." when longer, never inside a
// UTF-8 sequence: for messages quoted in reports (a strict JSON parser
// refuses invalid UTF-8) and logs.
std::string shorten_utf8(std::string_view text, std::size_t max);

// append_json_string() is in agent/text/json_string.hpp, included above.
// Appends {"type","source","target","status"} / {"type","path","contentType","content"}.
void append_redirect_json(std::string& out, const Redirect& redirect);
void append_page_json(std::string& out, const Page& page);
// The same from the fields as views (a listing page's, streamed).
void append_redirect_fields_json(std::string& out, std::string_view type, std::string_view source,
                                 std::string_view target, std::string_view status);
void append_page_fields_json(std::string& out, std::string_view type, std::string_view path,
                             std::string_view content, std::string_view content_type);

// ASCII case-insensitive equality, for JSON keys.
bool key_equals(std::string_view key, std::string_view name);

// "line L, column C" of byte `offset` in `text` (both 1-based).
std::string describe_position(std::string_view text, std::size_t offset);

}  // namespace flecto

#endif  // FLECTO_AGENT_RULES_RULES_JSON_HPP_
