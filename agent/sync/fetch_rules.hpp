// One consistent fetch: every redirect and page of a single version.
//
// The manager can publish while the agent walks its listings, so the rules
// could mix two versions. fetch_rules() takes the version the caller has
// just read (the sync's check), reads the redirects and the pages, then the
// version again; if it moved, it starts over (reading the version, the
// listings, the version), up to `max_attempts` times.
//
// A publish that adds or removes rows during a walk also breaks the walk
// itself: the manager's cursor carries the first page's Total, so the walk
// sees more items than Total, or a short page, and the client throws
// kInvalidData. Then the version is read again: if it moved, that attempt
// counts as one whose version moved and the fetch starts over; if it did
// not, the listing's error is thrown as it was.
//
//   std::int64_t version = api.get_version(stop);
//   flecto::FetchedRules fetched = flecto::fetch_rules(api, version, config.listing_limits, stop);
//   // fetched.rules is one whole version: fetched.rules.version

#ifndef FLECTO_AGENT_SYNC_FETCH_RULES_HPP_
#define FLECTO_AGENT_SYNC_FETCH_RULES_HPP_

#include <cstdint>
#include <stop_token>

#include "agent/config/config.hpp"
#include "agent/manager/api.hpp"
#include "matcher/rule.hpp"

namespace flecto {

// Where one fetch's items go, as the listings are walked (ListingSink, in
// agent/manager/api.hpp: redirects, then pages). start() begins an attempt:
// whatever an earlier attempt handed over is to be thrown away.
class FetchSink : public ListingSink {
 public:
  virtual void start(std::int64_t version) = 0;
};

// Fetches one whole version into `sink`, as fetch_rules() below does, and
// returns the number of attempts; the sink then holds the last attempt's
// items, one whole version, the one its last start() named. Throws as
// fetch_rules() does; the sink then holds a part of an attempt.
int fetch_rules_into(ManagerApi& api, std::int64_t version, const ListingLimits& limits, std::stop_token stop,
                     FetchSink& sink, int max_attempts = 3);

struct FetchedRules {
  Rules rules;       // both lists in the manager's order, with their version
  int attempts = 1;  // 1 unless the version moved during the fetch
};

// Fetches one whole version; `version` is the first attempt's first read.
// Version 0 (nothing published) gives empty rules without asking for the
// listings. Throws ManagerError: whatever `api` throws (kCancelled once
// `stop` fires; a listing's kInvalidData when the version did not move), or
// kInvalidData when the version still moved on the last of `max_attempts`
// attempts.
FetchedRules fetch_rules(ManagerApi& api, std::int64_t version, const ListingLimits& limits, std::stop_token stop,
                         int max_attempts = 3);

}  // namespace flecto

#endif  // FLECTO_AGENT_SYNC_FETCH_RULES_HPP_
