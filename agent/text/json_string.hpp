// A JSON string literal: the one escaping every JSON the agent writes uses
// (rules files, snapshots, /status, /match, reports, json log lines).

#ifndef FLECTO_AGENT_TEXT_JSON_STRING_HPP_
#define FLECTO_AGENT_TEXT_JSON_STRING_HPP_

#include <string>
#include <string_view>

namespace flecto {

// Appends `value` to `out` as a JSON string literal, quotes included: '"'
// and '\' escaped, \n \r \t, other control bytes and DEL as \u00XX, every
// other byte as it is. The result holds no raw control character.
void append_json_string(std::string& out, std::string_view value);

}  // namespace flecto

#endif  // FLECTO_AGENT_TEXT_JSON_STRING_HPP_
