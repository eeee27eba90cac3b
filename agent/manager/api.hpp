// What the sync needs from Flecto Manager, as an interface: ManagerClient in
// production (through ManagerClientApi), a scripted fake in tests of the
// loop's decisions.
//
//   flecto::ManagerClient client(flecto::manager_settings_from(config));
//   flecto::ManagerClientApi api(client);
//   flecto::SyncLoop loop(config, api, served, status);
//
// Every method either returns what the manager said or throws ManagerError
// (agent/manager/client.hpp); kCancelled when `stop` was triggered.

#ifndef FLECTO_AGENT_MANAGER_API_HPP_
#define FLECTO_AGENT_MANAGER_API_HPP_

#include <cstdint>
#include <stop_token>
#include <string>
#include <vector>

#include "agent/config/config.hpp"
#include "agent/manager/client.hpp"
#include "matcher/rule.hpp"

namespace flecto {

class ManagerApi {
 public:
  virtual ~ManagerApi() = default;
  virtual std::int64_t get_version(std::stop_token stop) = 0;
  virtual std::vector<Redirect> list_redirects(int page_size, std::stop_token stop) = 0;
  virtual std::vector<Page> list_pages(int page_size, std::stop_token stop) = 0;
  virtual void report_load(const LoadReport& report, std::stop_token stop) = 0;
  virtual void heartbeat(const std::string& agent_name, std::stop_token stop) = 0;
};

// Forwards to a ManagerClient, which must outlive it.
class ManagerClientApi final : public ManagerApi {
 public:
  explicit ManagerClientApi(ManagerClient& client) : client_(client) {}
  std::int64_t get_version(std::stop_token stop) override;
  std::vector<Redirect> list_redirects(int page_size, std::stop_token stop) override;
  std::vector<Page> list_pages(int page_size, std::stop_token stop) override;
  void report_load(const LoadReport& report, std::stop_token stop) override;
  void heartbeat(const std::string& agent_name, std::stop_token stop) override;

 private:
  ManagerClient& client_;
};

// The client's settings from the agent's configuration.
ManagerSettings manager_settings_from(const Config& config);

}  // namespace flecto

#endif  // FLECTO_AGENT_MANAGER_API_HPP_
