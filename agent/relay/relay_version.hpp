// One version of one project as the relay serves it: the version number
// and both listings' items exactly as the sync received them (rules the
// agent skipped as invalid included), in the manager's order, serialized
// once when the version arrives, so that a page is a copy of one contiguous
// byte range.
//
//   auto held = flecto::RelayVersion::make(load.rules, serial);
//   std::string_view items = held->redirects.range(500, 1000);  // items 500..999, comma-joined
//
// Items are written with the manager's keys, strings escaped by
// append_json_string (agent/text/json_string.hpp):
//   {"type","source","target","status"}  {"type","path","contentType","content"}
// Immutable once made; shared between threads through shared_ptr<const>.
// Memory: one copy of every item's JSON text plus one offset per item.

#ifndef FLECTO_AGENT_RELAY_RELAY_VERSION_HPP_
#define FLECTO_AGENT_RELAY_RELAY_VERSION_HPP_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "matcher/rule.hpp"

namespace flecto {

// One listing's items: their JSON texts, each followed by ',', in one buffer.
class RelayItems {
 public:
  template <typename Item, typename Append>
  static RelayItems of(const std::vector<Item>& items, Append append) {
    RelayItems out;
    out.starts_.clear();
    out.starts_.reserve(items.size() + 1);
    for (const Item& item : items) {
      out.starts_.push_back(out.text_.size());
      append(out.text_, item);
      out.text_ += ',';
    }
    out.starts_.push_back(out.text_.size());
    out.text_.shrink_to_fit();
    return out;
  }

  std::size_t size() const { return starts_.size() - 1; }
  // Items [begin, end) (clamped to size()) joined by ',': "" when none.
  std::string_view range(std::size_t begin, std::size_t end) const;
  // The bytes held: the texts and the offsets.
  std::size_t bytes() const { return text_.capacity() + starts_.capacity() * sizeof(std::size_t); }

 private:
  std::string text_;
  std::vector<std::size_t> starts_{0};  // starts_[i]: where item i begins; the last: text_.size()
};

class RelayVersion {
 public:
  // `serial` tells apart two versions with the same number held one after
  // the other (a manager whose database was restored): cursors carry it.
  static std::shared_ptr<const RelayVersion> make(const Rules& rules, std::uint64_t serial);

  std::int64_t version() const { return version_; }
  std::uint64_t serial() const { return serial_; }
  const RelayItems& redirects() const { return redirects_; }
  const RelayItems& pages() const { return pages_; }
  std::size_t bytes() const { return redirects_.bytes() + pages_.bytes(); }

 private:
  std::int64_t version_ = 0;
  std::uint64_t serial_ = 0;
  RelayItems redirects_;
  RelayItems pages_;
};

}  // namespace flecto

#endif  // FLECTO_AGENT_RELAY_RELAY_VERSION_HPP_
