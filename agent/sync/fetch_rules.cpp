#include "agent/sync/fetch_rules.hpp"

#include <string>

namespace flecto {

FetchedRules fetch_rules(ManagerApi& api, std::int64_t version, int page_size, std::stop_token stop,
                         int max_attempts) {
  std::string seen;  // the versions met, for the error message
  for (int attempt = 1; attempt <= max_attempts; ++attempt) {
    if (stop.stop_requested()) throw ManagerError(ManagerError::Kind::kCancelled, "sync cancelled");
    FetchedRules fetched;
    fetched.attempts = attempt;
    // The caller's read is the first; after a move, each attempt reads anew.
    fetched.rules.version = attempt == 1 ? version : api.get_version(stop);
    if (fetched.rules.version == 0) return fetched;
    fetched.rules.redirects = api.list_redirects(page_size, stop);
    fetched.rules.pages = api.list_pages(page_size, stop);
    std::int64_t after = api.get_version(stop);
    if (after == fetched.rules.version) return fetched;
    seen += (seen.empty() ? "" : ", ") + std::to_string(fetched.rules.version) + " -> " +
            std::to_string(after);
  }
  throw ManagerError(ManagerError::Kind::kInvalidData,
                     "the version moved during each of " + std::to_string(max_attempts) +
                         " fetches (" + seen + "); giving up for now");
}

}  // namespace flecto
