// Checking a setting that the edge sends as an HTTP header value as it is
// (permanent_redirect_cache_control, temporary_redirect_cache_control,
// page_cache_control).
//
//   header_value_problem("max-age=3600")   -> ""
//   header_value_problem("no-store\r\nX")  -> "byte 9 is a control character (0x0d): ..."
//
// A value is at most 1024 bytes of printable ASCII (0x20 to 0x7e), without
// white space at either end: a CR or LF would let a configuration forge
// headers, and a byte outside ASCII reaches caches unpredictably. Empty is
// valid (no header).

#ifndef FLECTO_AGENT_CONFIG_HEADER_VALUE_HPP_
#define FLECTO_AGENT_CONFIG_HEADER_VALUE_HPP_

#include <string>
#include <string_view>

namespace flecto {

// Why `value` cannot be sent as a header value; empty when it can.
std::string header_value_problem(std::string_view value);

}  // namespace flecto

#endif  // FLECTO_AGENT_CONFIG_HEADER_VALUE_HPP_
