#include "agent/relay/relay_version.hpp"

#include <algorithm>

#include "agent/rules/rules_json.hpp"

namespace flecto {

std::string_view RelayItems::range(std::size_t begin, std::size_t end) const {
  end = std::min(end, size());
  if (begin >= end) return {};
  // Without the ',' after the last item of the range.
  return std::string_view(text_).substr(starts_[begin], starts_[end] - starts_[begin] - 1);
}

std::shared_ptr<const RelayVersion> RelayVersion::make(const Rules& rules, std::uint64_t serial) {
  auto made = std::make_shared<RelayVersion>();
  made->version_ = rules.version;
  made->serial_ = serial;
  made->redirects_ = RelayItems::of(rules.redirects, [](std::string& out, const Redirect& r) {
    append_redirect_json(out, r);
  });
  made->pages_ = RelayItems::of(rules.pages, [](std::string& out, const Page& p) { append_page_json(out, p); });
  return made;
}

}  // namespace flecto
