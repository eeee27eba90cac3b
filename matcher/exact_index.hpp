// An open-addressing hash index from exact keys to rule numbers.
//
// The index stores no keys: each slot holds 32 bits of the key's hash and the
// rule number, and the caller's `key_of(rule)` gives the key back (a view
// into the table's byte arena) to confirm a hit. With 8-byte slots at a load
// of at most 3/4, a million rules cost at most 16 MiB of index.
//
//   ExactIndex index(count);
//   index.insert(key, rule, key_of);      // a later insert of an equal key
//                                         // replaces the earlier rule
//   std::optional<std::uint32_t> r = index.find(key, key_of);

#ifndef FLECTO_MATCHER_EXACT_INDEX_HPP_
#define FLECTO_MATCHER_EXACT_INDEX_HPP_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string_view>
#include <vector>

namespace flecto {

class ExactIndex {
 public:
  ExactIndex() = default;
  // Room for `capacity` keys without rehashing; inserting more is an error
  // of the caller (the table knows its counts before building).
  explicit ExactIndex(std::size_t capacity);

  static std::uint64_t hash(std::string_view key) { return std::hash<std::string_view>{}(key); }

  // Maps `key` to `rule`; an equal key already present is replaced.
  template <typename KeyOf>
  void insert(std::string_view key, std::uint32_t rule, KeyOf key_of) {
    std::uint64_t h = hash(key);
    std::size_t i = h & mask_;
    std::uint64_t tag = h >> 32;
    for (;; i = (i + 1) & mask_) {
      std::uint64_t slot = slots_[i];
      if (slot == 0) {
        slots_[i] = (tag << 32) | (std::uint64_t{rule} + 1);
        ++size_;
        return;
      }
      if ((slot >> 32) == tag && key_of(rule_of(slot)) == key) {
        slots_[i] = (tag << 32) | (std::uint64_t{rule} + 1);
        return;
      }
    }
  }

  template <typename KeyOf>
  std::optional<std::uint32_t> find(std::string_view key, KeyOf key_of) const {
    if (size_ == 0) return std::nullopt;
    std::uint64_t h = hash(key);
    std::size_t i = h & mask_;
    std::uint64_t tag = h >> 32;
    for (;; i = (i + 1) & mask_) {
      std::uint64_t slot = slots_[i];
      if (slot == 0) return std::nullopt;
      if ((slot >> 32) == tag && key_of(rule_of(slot)) == key) return rule_of(slot);
    }
  }

  std::size_t size() const { return size_; }
  std::size_t memory_bytes() const { return slots_.capacity() * sizeof(std::uint64_t); }

 private:
  // Slot layout: high 32 bits = hash >> 32, low 32 bits = rule + 1 (0: empty).
  static std::uint32_t rule_of(std::uint64_t slot) {
    return static_cast<std::uint32_t>(slot & 0xFFFFFFFFu) - 1;
  }

  std::vector<std::uint64_t> slots_;
  std::size_t mask_ = 0;
  std::size_t size_ = 0;
};

}  // namespace flecto

#endif  // FLECTO_MATCHER_EXACT_INDEX_HPP_
