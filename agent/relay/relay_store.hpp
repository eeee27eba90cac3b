// What the relay holds: per relayed project (namespace, project code), the
// version it serves now and the versions it served just before, each for a
// grace after it was replaced, so that a downstream walking a listing by
// cursor across a swap ends its walk on the version it began on
// (agent/relay/relay_listing.hpp). Fed by the syncs: each time a project's
// sync serves a version (a load from the manager, or the snapshot at
// start), it hands the version's Rules to offer().
//
//   flecto::RelayStore store;                           // grace 2 minutes, at most 2 old versions
//   options.on_served_rules = [&](const Config& c, const Rules& r) { store.offer(c, r); };
//   ...
//   auto project = store.find("prod", "site");          // null: not relayed
//   auto held = project->current();                     // null: no version yet
//
// Memory: one serialized copy of the items per version held (the current
// one, and at most kMaxRetired replaced ones until their grace ends).
// Thread-safe: offer() from the sync threads, the rest from the relay's.

#ifndef FLECTO_AGENT_RELAY_RELAY_STORE_HPP_
#define FLECTO_AGENT_RELAY_RELAY_STORE_HPP_

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "agent/config/config.hpp"
#include "agent/relay/relay_version.hpp"
#include "matcher/rule.hpp"

namespace flecto {

class RelayProject {
 public:
  using Clock = std::chrono::steady_clock;

  // Null before the first version.
  std::shared_ptr<const RelayVersion> current() const;
  // The version with this number and serial: the current one, or a
  // replaced one still within its grace; null when gone.
  std::shared_ptr<const RelayVersion> find(std::int64_t version, std::uint64_t serial) const;
  // The project's own configuration (its manager URL, ca_file, proxy,
  // header name, timeouts), as its sync last handed it over: where the
  // relay checks tokens and passes reports through.
  Config upstream() const;
  // The bytes of every version held.
  std::size_t held_bytes() const;
  std::size_t versions_held() const;

 private:
  friend class RelayStore;
  struct Retired {
    std::shared_ptr<const RelayVersion> version;
    Clock::time_point until;
  };
  void prune(Clock::time_point now) const;  // under mutex_

  mutable std::mutex mutex_;
  std::shared_ptr<const RelayVersion> current_;
  mutable std::vector<Retired> retired_;  // oldest first
  Config upstream_;
  std::chrono::milliseconds grace_{0};
  std::function<Clock::time_point()> now_;
};

class RelayStore {
 public:
  using Clock = RelayProject::Clock;
  static constexpr std::size_t kMaxRetired = 2;
  static constexpr std::chrono::milliseconds kDefaultGrace{std::chrono::minutes(2)};

  // `grace`: how long a replaced version stays for the cursors walking it
  // (0: dropped at once). `now`: the clock (tests inject one).
  explicit RelayStore(std::chrono::milliseconds grace = kDefaultGrace,
                      std::function<Clock::time_point()> now = [] { return Clock::now(); });

  // The sync of the project `config` names (namespace_code, project_code)
  // serves `rules` from now on; the version it replaces stays for the grace.
  void offer(const Config& config, const Rules& rules);

  // The project, or null when no sync has offered it a version.
  std::shared_ptr<RelayProject> find(const std::string& namespace_code, const std::string& project_code) const;

  // Every project relayed, by "namespace/project".
  std::vector<std::pair<std::string, std::shared_ptr<RelayProject>>> projects() const;

 private:
  std::chrono::milliseconds grace_;
  std::function<Clock::time_point()> now_;
  std::atomic<std::uint64_t> serials_{0};
  mutable std::mutex mutex_;
  std::map<std::string, std::shared_ptr<RelayProject>> projects_;
};

}  // namespace flecto

#endif  // FLECTO_AGENT_RELAY_RELAY_STORE_HPP_
