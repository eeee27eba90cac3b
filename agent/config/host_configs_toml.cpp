#include "agent/config/host_configs_toml.hpp"

#include <algorithm>
#include <cstdint>
#include <iterator>

namespace flecto {
namespace {

bool is_entry_setting(std::string_view key) {
  return std::find(std::begin(kHostConfigSettings), std::end(kHostConfigSettings), key) !=
         std::end(kHostConfigSettings);
}

bool is_number_key(std::string_view key) {
  return std::find(std::begin(kHostConfigNumbers), std::end(kHostConfigNumbers), key) != std::end(kHostConfigNumbers);
}

void read_hosts(const toml::node& node, const std::string& where, HostConfigEntry& entry,
                std::vector<std::string>& problems) {
  const toml::array* list = node.as_array();
  if (!list) {
    problems.push_back(where + ".hosts: expected a list of host names, e.g. [\"example.com\"]");
    entry.mistyped.insert("hosts");
    return;
  }
  std::vector<std::string> hosts;
  for (std::size_t j = 0; j < list->size(); ++j) {
    const toml::node& host = *list->get(j);
    if (const auto text = host.value<std::string>(); text && host.is_string()) {
      hosts.push_back(*text);
    } else {
      problems.push_back(where + ".hosts[" + std::to_string(j) + "]: expected a string");
      entry.mistyped.insert("hosts");
    }
  }
  // With a mistyped element the indexes would shift: the others are not checked.
  if (!entry.mistyped.count("hosts")) entry.hosts = std::move(hosts);
}

HostConfigEntry read_entry(const toml::table& table, const std::string& where, std::vector<std::string>& problems) {
  HostConfigEntry entry;
  for (const auto& [key, node] : table) {
    const std::string name(key.str());
    const std::string named = where + "." + name;
    if (name == "hosts") {
      read_hosts(node, where, entry, problems);
    } else if (!is_entry_setting(name)) {
      problems.push_back(named + ": unknown key");
    } else if (is_number_key(name) && node.is_integer()) {
      entry.settings[name] = std::to_string(*node.value<std::int64_t>());
    } else if (is_number_key(name) && !node.is_string()) {
      problems.push_back(named + ": expected a whole number");
      entry.mistyped.insert(name);
    } else if (!node.is_string()) {
      problems.push_back(named + ": expected a string");
      entry.mistyped.insert(name);
    } else {
      entry.settings[name] = *node.value<std::string>();
    }
  }
  return entry;
}

}  // namespace

std::vector<HostConfigEntry> read_host_configs_toml(const toml::node& node, std::vector<std::string>& problems) {
  std::vector<HostConfigEntry> entries;
  const toml::array* array = node.as_array();
  if (!array) {
    problems.push_back("host_configs: expected [[host_configs]] tables");
    // Still "host_configs given": no false "project_code: required" follows.
    entries.emplace_back().is_table = false;
    return entries;
  }
  for (std::size_t i = 0; i < array->size(); ++i) {
    const std::string where = "host_configs[" + std::to_string(i) + "]";
    if (const toml::table* table = array->get(i)->as_table()) {
      entries.push_back(read_entry(*table, where, problems));
    } else {
      problems.push_back(where + ": expected a table, written [[host_configs]]");
      entries.emplace_back().is_table = false;  // keeps the indexes of the later entries
    }
  }
  return entries;
}

}  // namespace flecto
