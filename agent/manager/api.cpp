#include "agent/manager/api.hpp"

namespace flecto {

std::int64_t ManagerClientApi::get_version(std::stop_token stop) { return client_.get_version(stop); }

std::vector<Redirect> ManagerClientApi::list_redirects(int page_size, std::stop_token stop) {
  return client_.list_redirects(page_size, stop);
}

std::vector<Page> ManagerClientApi::list_pages(int page_size, std::stop_token stop) {
  return client_.list_pages(page_size, stop);
}

void ManagerClientApi::report_load(const LoadReport& report, std::stop_token stop) {
  client_.report_load(report, stop);
}

void ManagerClientApi::heartbeat(const std::string& agent_name, std::stop_token stop) {
  client_.heartbeat(agent_name, stop);
}

ManagerSettings manager_settings_from(const Config& config) {
  ManagerSettings settings;
  settings.url = config.manager_url;
  settings.namespace_code = config.namespace_code;
  settings.project_code = config.project_code;
  settings.token = config.token;
  settings.header_authorization_name = config.header_authorization_name;
  settings.ca_file = config.ca_file;
  settings.connect_timeout = config.connect_timeout;
  settings.read_timeout = config.read_timeout;
  return settings;
}

}  // namespace flecto
