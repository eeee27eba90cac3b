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

#include "agent/config/config.hpp"

namespace flecto {

// A Go-style duration longer than 0 ("30s", "5m", "1h30m").
std::string duration_problem(std::string_view text, std::chrono::milliseconds& out);

// A whole number from `min` to `max`.
std::string whole_number_problem(std::string_view text, int min, int max, int& out);

// The page size of a listing, from 1 to 100000 (page_size, redirects_limit,
// pages_limit). The limits' "0" means "not set" (as in the Traefik
// middleware) and is dropped before this check (setting_aliases.hpp).
std::string listing_limit_problem(std::string_view text, int& out);

// "skip" or "reject" (on_invalid_rules).
std::string invalid_rules_problem(std::string_view text, InvalidRules& out);

// The word of each InvalidRules value: "skip", "reject".
const char* invalid_rules_text(InvalidRules value);

}  // namespace flecto

#endif  // FLECTO_AGENT_CONFIG_SETTING_VALUE_HPP_
