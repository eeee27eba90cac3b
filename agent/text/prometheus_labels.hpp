// Label values of the Prometheus text format, for every /metrics renderer
// (agent/admin/metrics, agent/relay/relay_counters).

#ifndef FLECTO_AGENT_TEXT_PROMETHEUS_LABELS_HPP_
#define FLECTO_AGENT_TEXT_PROMETHEUS_LABELS_HPP_

#include <string>
#include <string_view>

namespace flecto {

// `text` as a label value: backslash, double quote and line feed escaped.
std::string prometheus_label_value(std::string_view text);

// namespace="<ns>",project="<project>": a project's series labels.
std::string prometheus_project_labels(std::string_view namespace_code, std::string_view project_code);

}  // namespace flecto

#endif  // FLECTO_AGENT_TEXT_PROMETHEUS_LABELS_HPP_
