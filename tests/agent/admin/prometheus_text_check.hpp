// A small checker of the Prometheus text exposition format (0.0.4), enough
// to catch what a scraper would reject: every sample line is
// `name{label="value",...} number`, names and label names are valid, label
// values are properly escaped, each metric family has one TYPE line before
// its samples and samples of a family are contiguous, histogram buckets are
// cumulative and end in +Inf equal to _count.

#ifndef FLECTO_TESTS_AGENT_ADMIN_PROMETHEUS_TEXT_CHECK_HPP_
#define FLECTO_TESTS_AGENT_ADMIN_PROMETHEUS_TEXT_CHECK_HPP_

#include <cctype>
#include <cstdlib>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

namespace flecto::test {

struct PromSample {
  std::string name;
  std::map<std::string, std::string> labels;
  double value = 0;
};

// Parses `text`; returns the samples, or throws std::runtime_error naming
// the first line that is not valid.
inline std::vector<PromSample> parse_prometheus_text(const std::string& text) {
  const auto fail = [](const std::string& why, const std::string& line) {
    throw std::runtime_error(why + ": \"" + line + "\"");
  };
  const auto is_name = [](const std::string& s, bool colon_ok) {
    if (s.empty() || std::isdigit(static_cast<unsigned char>(s[0]))) return false;
    for (const char c : s) {
      if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_' || (colon_ok && c == ':'))) return false;
    }
    return true;
  };
  const auto family_of = [](const std::string& name, const std::map<std::string, std::string>& types) {
    for (const char* suffix : {"_bucket", "_sum", "_count"}) {
      const std::string s = suffix;
      if (name.size() > s.size() && name.compare(name.size() - s.size(), s.size(), s) == 0) {
        const std::string base = name.substr(0, name.size() - s.size());
        const auto it = types.find(base);
        if (it != types.end() && (it->second == "histogram" || it->second == "summary")) return base;
      }
    }
    return name;
  };

  if (text.empty() || text.back() != '\n') throw std::runtime_error("text must end with a line feed");
  std::vector<PromSample> samples;
  std::map<std::string, std::string> types;
  std::set<std::string> finished;  // families whose samples ended
  std::string current;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    if (line[0] == '#') {
      std::istringstream words(line);
      std::string hash, kind, name, type;
      words >> hash >> kind >> name;
      if (kind == "TYPE") {
        words >> type;
        if (!is_name(name, true)) fail("bad metric name", line);
        if (type != "counter" && type != "gauge" && type != "histogram" && type != "summary" &&
            type != "untyped") {
          fail("bad type", line);
        }
        if (types.count(name)) fail("second TYPE line", line);
        types[name] = type;
      } else if (kind == "HELP") {
        if (!is_name(name, true)) fail("bad metric name", line);
      }
      continue;
    }
    PromSample sample;
    std::size_t i = 0;
    while (i < line.size() && line[i] != '{' && line[i] != ' ') ++i;
    sample.name = line.substr(0, i);
    if (!is_name(sample.name, true)) fail("bad metric name", line);
    if (i < line.size() && line[i] == '{') {
      ++i;
      while (i < line.size() && line[i] != '}') {
        const std::size_t eq = line.find('=', i);
        if (eq == std::string::npos) fail("label without '='", line);
        const std::string label = line.substr(i, eq - i);
        if (!is_name(label, false)) fail("bad label name", line);
        if (eq + 1 >= line.size() || line[eq + 1] != '"') fail("label value not quoted", line);
        std::string value;
        std::size_t j = eq + 2;
        for (; j < line.size() && line[j] != '"'; ++j) {
          if (line[j] == '\\') {
            if (++j >= line.size() || (line[j] != '\\' && line[j] != '"' && line[j] != 'n')) {
              fail("bad escape in label value", line);
            }
          }
          value += line[j];
        }
        if (j >= line.size()) fail("unterminated label value", line);
        if (sample.labels.count(label)) fail("repeated label", line);
        sample.labels[label] = value;
        i = j + 1;
        if (i < line.size() && line[i] == ',') ++i;
      }
      if (i >= line.size()) fail("unterminated label set", line);
      ++i;
    }
    if (i >= line.size() || line[i] != ' ') fail("no value", line);
    const std::string value = line.substr(i + 1);
    char* end = nullptr;
    sample.value = std::strtod(value.c_str(), &end);
    if (value.empty() || (*end != '\0' && *end != ' ')) fail("bad value", line);

    const std::string family = family_of(sample.name, types);
    if (!types.count(family)) fail("sample before its TYPE line", line);
    if (family != current) {
      if (finished.count(family)) fail("samples of a family are not contiguous", line);
      if (!current.empty()) finished.insert(current);
      current = family;
    }
    samples.push_back(sample);
  }

  // Histograms: cumulative buckets, +Inf == _count.
  for (const auto& [family, type] : types) {
    if (type != "histogram") continue;
    double last = -1, inf = -1, count = -1;
    for (const auto& s : samples) {
      if (s.name == family + "_bucket") {
        if (s.value < last) throw std::runtime_error(family + ": buckets not cumulative");
        last = s.value;
        if (s.labels.count("le") && s.labels.at("le") == "+Inf") inf = s.value;
      } else if (s.name == family + "_count") {
        count = s.value;
      }
    }
    if (inf < 0 || inf != count) throw std::runtime_error(family + ": +Inf bucket missing or != _count");
  }
  return samples;
}

// The value of the sample `name` with exactly `labels`; -1 when absent.
inline double prometheus_value(const std::vector<PromSample>& samples, const std::string& name,
                               const std::map<std::string, std::string>& labels = {}) {
  for (const auto& s : samples) {
    if (s.name == name && s.labels == labels) return s.value;
  }
  return -1;
}

}  // namespace flecto::test

#endif  // FLECTO_TESTS_AGENT_ADMIN_PROMETHEUS_TEXT_CHECK_HPP_
