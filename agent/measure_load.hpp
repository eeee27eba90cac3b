// One full load against a manager, timed, for `flecto-bench sync`.
//
//   flecto::LoadTimings t = flecto::measure_load(settings, 500);
//   // t.fetch_duration, t.build_duration, t.load_duration, t.stats

#ifndef FLECTO_AGENT_MEASURE_LOAD_HPP_
#define FLECTO_AGENT_MEASURE_LOAD_HPP_

#include <chrono>
#include <cstdint>

#include "agent/manager_client.hpp"
#include "matcher/table.hpp"

namespace flecto {

struct LoadTimings {
  std::int64_t version = 0;
  TableStats stats;
  int fetch_attempts = 1;
  std::chrono::nanoseconds fetch_duration{0};
  std::chrono::nanoseconds build_duration{0};
  std::chrono::nanoseconds load_duration{0};
};
// Connects with `settings`, loads once, and returns the timings; the table is
// dropped. Throws ManagerError or std::invalid_argument (an unusable URL).
LoadTimings measure_load(const ManagerSettings& settings, int page_size,
                         const TableOptions& options = {});

}  // namespace flecto

#endif  // FLECTO_AGENT_MEASURE_LOAD_HPP_
