// A listing request to the relay (GET .../redirects or .../pages) against
// the versions it holds, answered as Flecto Manager answers it
// (shared/manager-api.md):
//
//   {"Items":[...],"Total":N,"Limit":L,"Offset":O,"Next":"..."}
//
// - `limit`: default 500, no upper bound; 0 (or below, as the manager's
//   GORM reads it) means every item, in one page without Next; not an
//   integer -> 400. `offset`: default 0; not a non-negative integer -> 400.
//   `Limit` is the limit as asked, `Offset` where the page starts.
// - `cursor`, when given (and not empty), wins over `offset`. Next is sent
//   on every full page (also a full last one: the page after it is empty,
//   without Next); "" on a page that is not full. A cursor is opaque to
//   clients: base64url of the listing it walks, the version and the
//   relay's serial of it, the offset of the next page and the walk's
//   Total. A malformed cursor, or one of the other listing -> 400.
// - A cursor is answered from the version it names, while the relay still
//   holds it (agent/relay/relay_store.hpp keeps a version for a grace
//   after a swap), so a walk across a swap ends on the version it began
//   on. A cursor whose version is gone gets an empty page whose Total is
//   the walk's, from the cursor: more items are due, so the downstream's
//   walk breaks and it reads the version again and starts over, as after a
//   publish on the real manager (our client and the Go client treat a page
//   with no items while Total says more exist as a broken walk). When the
//   cursor's offset is the Total, the walk had every item already and the
//   empty page ends it, on its own version.
// - Paging by offset reads the current version; a walk across a swap may
//   then mix two versions, as on the real manager: the downstream's second
//   read of the version tells it (agent/sync/fetch_rules.hpp).
//
// Pure functions: no I/O, no clock, no locks.

#ifndef FLECTO_AGENT_RELAY_RELAY_LISTING_HPP_
#define FLECTO_AGENT_RELAY_RELAY_LISTING_HPP_

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "agent/relay/relay_version.hpp"

namespace flecto {

enum class RelayListingKind { kRedirects, kPages };

// The query parameters as received (URL-decoded); nullopt: not given.
struct RelayListingQuery {
  std::optional<std::string> limit;
  std::optional<std::string> offset;
  std::optional<std::string> cursor;
};

struct RelayCursor {
  RelayListingKind kind = RelayListingKind::kRedirects;
  std::int64_t version = 0;
  std::uint64_t serial = 0;
  std::int64_t offset = 0;  // of the next page
  std::int64_t total = 0;   // the walk's Total
  bool operator==(const RelayCursor&) const = default;
};

std::string encode_relay_cursor(const RelayCursor& cursor);
// nullopt when it is not a cursor encode_relay_cursor() made (or offset >
// total, or a negative number).
std::optional<RelayCursor> decode_relay_cursor(std::string_view text);

struct RelayListingAnswer {
  int status = 200;  // 200, or 400 with body {"message":"..."}
  std::string body;
  bool gone = false;  // a cursor of a version no longer held: the empty page above
};

// The version a cursor names, or null when it is no longer held.
using FindRelayVersion = std::function<std::shared_ptr<const RelayVersion>(std::int64_t version, std::uint64_t serial)>;

// Answers `query` on `current`, or on the version a cursor names, found
// with `find`. `with_next` false leaves the Next key out, as managers
// before cursors did (tests walk the relay by offset so).
RelayListingAnswer answer_relay_listing(RelayListingKind kind, const RelayListingQuery& query,
                                        const RelayVersion& current, const FindRelayVersion& find,
                                        bool with_next = true);

// {"message":"..."}, the shape of every error the relay answers.
std::string relay_message_json(std::string_view message);

}  // namespace flecto

#endif  // FLECTO_AGENT_RELAY_RELAY_LISTING_HPP_
