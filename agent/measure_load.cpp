#include "agent/measure_load.hpp"

#include "agent/load.hpp"
#include "agent/manager_api.hpp"

namespace flecto {

LoadTimings measure_load(const ManagerSettings& settings, int page_size, const TableOptions& options) {
  ManagerClient client(settings);
  ManagerClientApi api(client);
  Load load = load_from_manager(api, page_size, options, {});
  LoadTimings timings;
  timings.version = load.rules.version;
  timings.stats = load.built.table->stats();
  timings.fetch_attempts = load.fetch_attempts;
  timings.fetch_duration = load.fetch_duration;
  timings.build_duration = load.build_duration;
  timings.load_duration = load.load_duration();
  return timings;
}

}  // namespace flecto
