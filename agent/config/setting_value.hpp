// The checks of a setting's text shared by the top-level settings and the
// [[host_configs]] entries, so that both say the same thing about the same
// mistake. Each returns "" and sets `out` when the text is valid, else the
// problem (without the setting's name, which the caller puts first) and
// leaves `out` alone. Never throws; thread-safe.

#ifndef FLECTO_AGENT_CONFIG_SETTING_VALUE_HPP_
#define FLECTO_AGENT_CONFIG_SETTING_VALUE_HPP_

#include <chrono>
#include <string>
#include <string_view>

namespace flecto {

// A Go-style duration longer than 0 ("30s", "5m", "1h30m").
std::string duration_problem(std::string_view text, std::chrono::milliseconds& out);

// A whole number from `min` to `max`.
std::string whole_number_problem(std::string_view text, int min, int max, int& out);

}  // namespace flecto

#endif  // FLECTO_AGENT_CONFIG_SETTING_VALUE_HPP_
