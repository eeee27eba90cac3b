// A rules file (or snapshot) loaded straight into a table.
//
// The text is read once (RulesText) and walked with simdjson's on-demand
// parser; each item goes to a TableBuilder as views into the text, so no
// Rules of strings is made on the way, and the text already walked is given
// back as the walk goes on. The table and skipped list are those of
// Table::build(parse_rules_json(text)).
//
// Errors are those of parse_rules_json, word for word: a file the fast walk
// does not take as it is (a syntax error, a value of the wrong type, a key
// written with an escape or given twice at the top, nesting near the depth
// limit) is parsed again by parse_rules_json, which either names the error
// or, for the rare file that is valid after all, gives the Rules to build
// from. Only valid files are built by the fast walk.
//
//   flecto::BuildResult built = flecto::load_rules_file(path, options);
//   // throws std::runtime_error "rules.json: line 3, column 17: ..."

#ifndef FLECTO_AGENT_RULES_RULES_LOAD_HPP_
#define FLECTO_AGENT_RULES_RULES_LOAD_HPP_

#include <functional>
#include <optional>
#include <string>

#include "agent/rules/rules_text.hpp"
#include "matcher/table.hpp"

namespace flecto {

// The table of `text`, or std::nullopt when the fast walk leaves it to
// parse_rules_json (see above). `text` may have been released in part
// either way. Throws only std::bad_alloc.
std::optional<BuildResult> build_rules_text(RulesText& text, const TableOptions& options);

// The rules the fast walk reads from `text`, or std::nullopt when it leaves
// the text to parse_rules_json: for tests, which compare the two.
std::optional<Rules> read_rules_text(RulesText& text);

// The table of the rules file at `path`. Throws std::runtime_error with the
// messages of read_rules_file ("<path>: cannot open the rules file",
// "<path>: <JSON error>"), or std::bad_alloc.
BuildResult load_rules_file(const std::string& path, const TableOptions& options);

// The table of the text at `path`, for callers that word their own errors:
// RulesText::ReadError when it cannot be read, JsonShapeError (the message
// of parse_rules_json, without the path) when it is not a rules file.
BuildResult load_rules_text(const std::string& path, const TableOptions& options);

}  // namespace flecto

#endif  // FLECTO_AGENT_RULES_RULES_LOAD_HPP_
