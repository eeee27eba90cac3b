#include "agent/sync/fetch_rules.hpp"

#include <optional>
#include <string>

namespace flecto {
namespace {

// Both listings, or nullopt when a walk broke as inconsistent and the
// version moved meanwhile (`*after` is then the version read). A broken
// walk of an unchanged version rethrows its error.
std::optional<Rules> list_both(ManagerApi& api, std::int64_t version, const ListingLimits& limits, std::stop_token stop,
                               std::int64_t* after) {
  Rules rules;
  rules.version = version;
  try {
    rules.redirects = api.list_redirects(limits.redirects, stop);
    rules.pages = api.list_pages(limits.pages, stop);
  } catch (const ManagerError& e) {
    if (e.kind() != ManagerError::Kind::kInvalidData) throw;
    *after = api.get_version(stop);
    if (*after == version) throw;
    return std::nullopt;
  }
  *after = api.get_version(stop);
  return rules;
}

}  // namespace

FetchedRules fetch_rules(ManagerApi& api, std::int64_t version, const ListingLimits& limits, std::stop_token stop,
                         int max_attempts) {
  std::string seen;  // the versions met, for the error message
  for (int attempt = 1; attempt <= max_attempts; ++attempt) {
    if (stop.stop_requested()) throw ManagerError(ManagerError::Kind::kCancelled, "sync cancelled");
    FetchedRules fetched;
    fetched.attempts = attempt;
    // The caller's read is the first; after a move, each attempt reads anew.
    fetched.rules.version = attempt == 1 ? version : api.get_version(stop);
    if (fetched.rules.version == 0) return fetched;
    std::int64_t after = 0;
    std::optional<Rules> listed = list_both(api, fetched.rules.version, limits, stop, &after);
    if (listed && after == fetched.rules.version) {
      fetched.rules = std::move(*listed);
      return fetched;
    }
    seen += (seen.empty() ? "" : ", ") + std::to_string(fetched.rules.version) + " -> " + std::to_string(after);
  }
  throw ManagerError(ManagerError::Kind::kInvalidData,
                     "the version moved during each of " + std::to_string(max_attempts) +
                         " fetches (" + seen + "); giving up for now");
}

}  // namespace flecto
