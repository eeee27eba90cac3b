// Go duration strings, as the manager accepts them in a report's
// load_duration (time.ParseDuration): a sign, then one or more decimal
// numbers (a fraction allowed) each with a unit ns, us, µs, μs, ms, s, m or
// h: "150ms", "1h2m3.5s", "-1.5h", "0". Pure functions, thread-safe.

#ifndef FLECTO_TESTS_STANDIN_MANAGER_GO_DURATION_HPP_
#define FLECTO_TESTS_STANDIN_MANAGER_GO_DURATION_HPP_

#include <cstdint>
#include <optional>
#include <string_view>

namespace flecto::standin {

// The nanoseconds of `text`, or nullopt when it is not a Go duration or
// does not fit in 64 bits (Go refuses both). Fractions below a nanosecond
// are dropped, as Go drops them.
std::optional<std::int64_t> parse_go_duration(std::string_view text);

}  // namespace flecto::standin

#endif  // FLECTO_TESTS_STANDIN_MANAGER_GO_DURATION_HPP_
