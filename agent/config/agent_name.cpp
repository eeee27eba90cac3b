#include "agent/config/agent_name.hpp"

#include <unistd.h>

#include <climits>
#include <stdexcept>

namespace flecto {
namespace {

bool is_name_char(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '-';
}

}  // namespace

bool is_valid_agent_name(std::string_view name) {
  if (name.empty()) return false;
  for (char c : name) {
    if (!is_name_char(c)) return false;
  }
  return true;
}

std::string agent_name_from_host(std::string_view host) {
  if (host.empty()) return "flecto-agent";
  std::string name(host);
  for (char& c : name) {
    if (!is_name_char(c)) c = '-';
  }
  return name;
}

std::string default_agent_name() {
  char host[HOST_NAME_MAX + 1] = {};
  if (gethostname(host, sizeof host - 1) != 0) return agent_name_from_host("");
  return agent_name_from_host(host);
}

std::string agent_name_problem(std::string_view name) {
  if (name.size() > kMaxAgentNameLength) {
    return "agent_name: " + std::to_string(name.size()) + " characters; the manager keeps at most " +
           std::to_string(kMaxAgentNameLength);
  }
  if (is_valid_agent_name(name)) return "";
  std::string shown;  // the name as the user wrote it, control bytes escaped
  for (const char byte : name) {
    const auto c = static_cast<unsigned char>(byte);
    if (c < 0x20 || c == 0x7f) {
      static const char kHex[] = "0123456789abcdef";
      shown += "\\x";
      shown += kHex[c >> 4];
      shown += kHex[c & 15];
    } else {
      shown += byte;
    }
  }
  return "agent_name \"" + shown + "\": only letters, digits, '_' and '-' are allowed";
}

std::string resolve_agent_name(const std::string& configured) {
  if (configured.empty()) return default_agent_name();
  if (std::string problem = agent_name_problem(configured); !problem.empty()) {
    throw std::invalid_argument(problem);
  }
  return configured;
}

}  // namespace flecto
