// Go-style durations ("30s", "5m", "1h30m", "250ms", "1.5h"), as the Traefik
// middleware's interval_check is written.
//
//   std::chrono::milliseconds d = flecto::parse_duration("1h30m");  // 5400000 ms
//   flecto::format_duration(d);                                     // "1h30m"
//
// The grammar is Go's time.ParseDuration: one or more decimal numbers, each
// with an optional fraction and a unit (ns, us, µs, ms, s, m, h), with an
// optional leading sign; "0" alone needs no unit. The result is truncated to
// whole milliseconds, toward zero.

#ifndef FLECTO_AGENT_CONFIG_DURATION_HPP_
#define FLECTO_AGENT_CONFIG_DURATION_HPP_

#include <chrono>
#include <stdexcept>
#include <string>
#include <string_view>

namespace flecto {

// Parses `text`. Throws std::invalid_argument whose message quotes the text
// and says what is wrong: `invalid duration "5x": unknown unit "x"`.
std::chrono::milliseconds parse_duration(std::string_view text);

// The shortest Go-style text for `d`: "250ms", "30s", "1h30m", "1m0.5s"
// becomes "1m500ms"; zero is "0s". parse_duration(format_duration(d)) == d.
std::string format_duration(std::chrono::milliseconds d);

}  // namespace flecto

#endif  // FLECTO_AGENT_CONFIG_DURATION_HPP_
