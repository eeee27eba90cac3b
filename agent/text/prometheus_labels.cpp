#include "agent/text/prometheus_labels.hpp"

namespace flecto {

std::string prometheus_label_value(std::string_view text) {
  std::string out;
  for (const char c : text) {
    if (c == '\\' || c == '"') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out;
}

std::string prometheus_project_labels(std::string_view namespace_code, std::string_view project_code) {
  return "namespace=\"" + prometheus_label_value(namespace_code) + "\",project=\"" +
         prometheus_label_value(project_code) + "\"";
}

}  // namespace flecto
