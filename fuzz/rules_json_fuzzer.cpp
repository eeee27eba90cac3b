// The rules-file parser (agent/rules/rules_json.hpp), fed with arbitrary bytes.
// Checks: bad input is a JsonShapeError with a one-line message; whatever
// parses survives the writer unchanged (parse(rules_to_json(r)) == r, as the
// header promises, which is what keeps snapshots faithful).

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "agent/rules/rules_json.hpp"

namespace {

void require(bool ok) {
  if (!ok) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  flecto::Rules rules;
  try {
    rules = flecto::parse_rules_json(input);
  } catch (const flecto::JsonShapeError& e) {
    const std::string_view what = e.what();
    require(!what.empty() && what.find('\n') == std::string_view::npos);
    return 0;
  }
  const std::string written = flecto::rules_to_json(rules);
  flecto::Rules again;
  try {
    again = flecto::parse_rules_json(written);
  } catch (const flecto::JsonShapeError&) {
    require(false);  // the writer produced a file its own reader refuses
  }
  require(again == rules);
  return 0;
}
