#include "tests/standin_manager/fault_spec.hpp"

#include <charconv>
#include <stdexcept>

#include "agent/config/duration.hpp"

namespace flecto::standin {
namespace {

[[noreturn]] void bad(std::string_view spec, const std::string& why) {
  throw std::invalid_argument("fault \"" + std::string(spec) + "\": " + why);
}

std::int64_t integer(std::string_view spec, std::string_view key, std::string_view value) {
  std::int64_t out = 0;
  auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), out);
  if (value.empty() || ec != std::errc() || end != value.data() + value.size()) {
    bad(spec, std::string(key) + ": expected an integer, got \"" + std::string(value) + "\"");
  }
  return out;
}

std::uint64_t count(std::string_view spec, std::string_view key, std::string_view value) {
  std::int64_t n = integer(spec, key, value);
  if (n < 0) bad(spec, std::string(key) + ": expected a count >= 0");
  return static_cast<std::uint64_t>(n);
}

std::chrono::milliseconds duration(std::string_view spec, std::string_view key, std::string_view value) {
  try {
    return parse_duration(value);
  } catch (const std::exception& e) {
    bad(spec, std::string(key) + ": " + e.what());
  }
}

template <typename Enum, std::size_t N>
Enum one_of(std::string_view spec, std::string_view key, std::string_view value,
            const std::pair<std::string_view, Enum> (&names)[N]) {
  std::string choices;
  for (const auto& [name, e] : names) {
    if (name == value) return e;
    choices += (choices.empty() ? "" : ", ") + std::string(name);
  }
  bad(spec, std::string(key) + ": \"" + std::string(value) + "\" is not one of " + choices);
}

}  // namespace

std::optional<Endpoint> endpoint_from_string(std::string_view name) {
  for (int i = 0; i < kEndpointCount; ++i) {
    auto endpoint = static_cast<Endpoint>(i);
    if (name == to_string(endpoint)) return endpoint;
  }
  return std::nullopt;
}

FaultSpec parse_fault_spec(std::string_view text) {
  FaultSpec spec;
  std::string_view rest = text;
  auto colon = rest.find(':');
  if (colon == std::string_view::npos) bad(text, "expected [NS/PROJECT:]ENDPOINT:SETTING[,SETTING...]");
  std::string_view first = rest.substr(0, colon);
  if (auto slash = first.find('/'); slash != std::string_view::npos) {
    spec.namespace_code = std::string(first.substr(0, slash));
    spec.project_code = std::string(first.substr(slash + 1));
    if (spec.namespace_code.empty() || spec.project_code.empty()) bad(text, "expected NS/PROJECT before the endpoint");
    rest.remove_prefix(colon + 1);
    colon = rest.find(':');
    if (colon == std::string_view::npos) bad(text, "expected ENDPOINT:SETTING after NS/PROJECT");
  }
  std::string_view endpoint = rest.substr(0, colon);
  std::optional<Endpoint> named = endpoint_from_string(endpoint);
  if (!named) {
    bad(text, "unknown endpoint \"" + std::string(endpoint) + "\" (version, redirects, pages, agents, hit, health)");
  }
  spec.endpoint = *named;
  rest.remove_prefix(colon + 1);
  if (rest.empty()) bad(text, "no setting after the endpoint");

  Fault& fault = spec.fault;
  std::optional<std::string> message;
  std::string page = "json";
  while (!rest.empty()) {
    std::string_view setting = rest;
    if (setting.substr(0, 8) != "message=") {
      auto comma = rest.find(',');
      setting = rest.substr(0, comma);
      rest.remove_prefix(comma == std::string_view::npos ? rest.size() : comma + 1);
    } else {
      rest = {};
    }
    auto equals = setting.find('=');
    if (equals == std::string_view::npos) bad(text, "expected KEY=VALUE, got \"" + std::string(setting) + "\"");
    std::string_view key = setting.substr(0, equals), value = setting.substr(equals + 1);
    if (key == "status") {
      std::int64_t status = integer(text, key, value);
      if (status < 100 || status > 599) bad(text, "status: expected 100 to 599");
      fault.status = static_cast<int>(status);
    } else if (key == "message") {
      message = std::string(value);
    } else if (key == "page") {
      if (value != "html" && value != "empty" && value != "json") bad(text, "page: expected html, empty or json");
      page = std::string(value);
    } else if (key == "body") {
      static constexpr std::pair<std::string_view, Fault::Body> kBodies[] = {
          {"intact", Fault::Body::kIntact},       {"cut", Fault::Body::kCutInMiddle},
          {"endless", Fault::Body::kEndless},     {"truncated", Fault::Body::kTruncatedJson},
          {"malformed", Fault::Body::kMalformedJson}, {"wrong-type", Fault::Body::kWrongType}};
      fault.body = one_of(text, key, value, kBodies);
    } else if (key == "endless-for") {
      fault.endless_for = duration(text, key, value);
    } else if (key == "paging") {
      static constexpr std::pair<std::string_view, Fault::Paging> kPagings[] = {
          {"honest", Fault::Paging::kHonest},
          {"repeat-cursor", Fault::Paging::kRepeatCursor},
          {"endless-cursor", Fault::Paging::kEndlessCursor},
          {"empty-pages", Fault::Paging::kEmptyPages},
          {"ignore-offset", Fault::Paging::kIgnoreOffset}};
      fault.paging = one_of(text, key, value, kPagings);
    } else if (key == "total-delta") {
      fault.total_delta = integer(text, key, value);
    } else if (key == "version") {
      static constexpr std::pair<std::string_view, Fault::Version> kVersions[] = {
          {"true", Fault::Version::kTrue},
          {"every-request", Fault::Version::kEveryRequest},
          {"ahead", Fault::Version::kAhead}};
      fault.version = one_of(text, key, value, kVersions);
    } else if (key == "delay") {
      fault.delay = duration(text, key, value);
    } else if (key == "skip") {
      fault.skip_requests = count(text, key, value);
    } else if (key == "times") {
      fault.times = count(text, key, value);
    } else {
      bad(text, "unknown setting \"" + std::string(key) + "\"");
    }
  }
  if (fault.status != 0) {
    Fault preset = page == "html"    ? Fault::html_error(fault.status)
                   : page == "empty" ? Fault::empty_error(fault.status)
                                     : Fault::http_error(fault.status, message.value_or("stand-in fault"));
    fault.status_body = preset.status_body;
    fault.status_content_type = preset.status_content_type;
  } else if (message || page != "json") {
    bad(text, "message and page go with status=N");
  }
  return spec;
}

}  // namespace flecto::standin
