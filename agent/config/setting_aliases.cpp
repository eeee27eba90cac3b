#include "agent/config/setting_aliases.hpp"

#include <optional>

#include "agent/config/setting_value.hpp"

namespace flecto {
namespace {

std::optional<bool> as_boolean(const std::string& text) {
  if (text == "true" || text == "1" || text == "yes") return true;
  if (text == "false" || text == "0" || text == "no") return false;
  return std::nullopt;
}

std::optional<int> as_limit(const std::string& text) {
  int value = 0;
  if (!listing_limit_problem(text, value).empty()) return std::nullopt;
  return value;
}

// The same value written two ways ("500" and "0500", "true" and "yes")
// is no conflict; a value that does not parse is reported by the checks.
bool differ(const std::string& a, const std::string& b, bool boolean) {
  if (boolean) {
    const auto x = as_boolean(a);
    const auto y = as_boolean(b);
    return x && y ? *x != *y : false;
  }
  const auto x = as_limit(a);
  const auto y = as_limit(b);
  return x && y ? *x != *y : false;
}

std::string conflict(const std::string& where, const std::string& alias, const std::string& alias_value,
                     const std::string& ours, const std::string& our_value, const std::string& why) {
  return (where.empty() ? std::string() : where + ": ") + alias + " = " + alias_value + " and " + ours + " = " +
         our_value + " differ: give one of them (" + why + ")";
}

}  // namespace

void fold_setting_aliases(std::map<std::string, std::string>& values, const std::string& where,
                          std::vector<std::string>& problems) {
  if (const auto debug = values.find(kDebugAlias); debug != values.end()) {
    const std::string value = debug->second;
    values.erase(debug);
    const auto ours = values.find("debug_headers");
    if (ours == values.end()) {
      values["debug_headers"] = value;
    } else if (differ(value, ours->second, true)) {
      problems.push_back(conflict(where, kDebugAlias, value, "debug_headers", ours->second,
                                  "debug is the Traefik middleware's name for debug_headers"));
    }
  }
  for (const char* limit : {"redirects_limit", "pages_limit"}) {
    if (const auto it = values.find(limit); it != values.end() && it->second == "0") values.erase(it);
  }
  const auto page_size = values.find("page_size");
  if (page_size == values.end()) return;
  int checked = 0;
  if (const std::string why = listing_limit_problem(page_size->second, checked); !why.empty()) {
    problems.push_back((where.empty() ? std::string() : where + ".") + "page_size: " + why);
    return;
  }
  for (const char* limit : {"redirects_limit", "pages_limit"}) {
    const auto ours = values.find(limit);
    if (ours == values.end()) {
      values[limit] = page_size->second;
    } else if (differ(page_size->second, ours->second, false)) {
      problems.push_back(conflict(where, "page_size", page_size->second, limit, ours->second,
                                  "page_size sets both listings' limits"));
    }
  }
}

}  // namespace flecto
