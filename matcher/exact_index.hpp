// An open-addressing hash index from exact keys to 32-bit values.
//
// The index stores no keys: each slot holds 32 bits of the key's hash and
// the value, and the caller's `key_of(value)` gives the key back (a view into
// the table's bytes) to confirm a hit. With 8-byte slots at a load of at most
// 3/4, a million rules cost about 10.7 MiB of index.
//
//   ExactIndex index(count);
//   index.insert(key, value, key_of);     // a later insert of an equal key
//                                         // replaces the earlier value
//   std::optional<std::uint32_t> v = index.find(key, key_of);
//
// A lookup that misses the cache costs one miss for the slot, one for the
// key; prefetch(hash(key)) lets two lookups overlap their slot misses.

#ifndef FLECTO_MATCHER_EXACT_INDEX_HPP_
#define FLECTO_MATCHER_EXACT_INDEX_HPP_

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string_view>

#include "matcher/mapped_array.hpp"

namespace flecto {

class ExactIndex {
 public:
  ExactIndex() = default;
  // Room for `capacity` keys; inserting more is an error of the caller (the
  // table counts its rules before building).
  explicit ExactIndex(std::size_t capacity);

  // Eight bytes at a time, then the tail and the length, then a full 64-bit
  // finaliser (MurmurHash3's fmix64), so that both the low bits (slot) and
  // the high bits (tag) are well mixed. Keys come from the manager, so
  // flooding is not a concern. The word loop does not depend on the length,
  // so PrefixHasher can share it between the prefixes of one text.
  static constexpr std::uint64_t kSeed = 0x9E3779B97F4A7C15ull;
  static std::uint64_t mix_word(std::uint64_t h, const char* p) {
    std::uint64_t w;
    std::memcpy(&w, p, 8);
    h = (h ^ w) * 0xFF51AFD7ED558CCDull;
    return h ^ (h >> 32);
  }
  static std::uint64_t finish(std::uint64_t h, const char* tail, std::size_t tail_size,
                              std::size_t size) {
    std::uint64_t w = 0;
    std::memcpy(&w, tail, tail_size);
    h = (h ^ w ^ (std::uint64_t{size} << 56)) * 0xFF51AFD7ED558CCDull;
    h ^= h >> 33;
    h *= 0xFF51AFD7ED558CCDull;
    h ^= h >> 33;
    h *= 0xC4CEB9FE1A85EC53ull;
    h ^= h >> 33;
    return h;
  }
  static std::uint64_t hash(std::string_view key) {
    const char* p = key.data();
    std::size_t n = key.size();
    std::uint64_t h = kSeed;
    for (; n >= 8; n -= 8, p += 8) h = mix_word(h, p);
    return finish(h, p, n, key.size());
  }

  // Maps `key` to `value`; an equal key already present is replaced.
  template <typename KeyOf>
  void insert(std::string_view key, std::uint32_t value, KeyOf key_of) {
    insert(key, hash(key), value, key_of);
  }
  // The same with hash(key) already computed (a bulk build prefetches ahead).
  template <typename KeyOf>
  void insert(std::string_view key, std::uint64_t h, std::uint32_t value, KeyOf key_of) {
    const std::uint64_t entry = (h >> 32 << 32) | (std::uint64_t{value} + 1);
    for (std::size_t i = home(h);; i = next(i)) {
      std::uint64_t slot = slots_[i];
      if (slot == 0) {
        slots_[i] = entry;
        ++size_;
        return;
      }
      if ((slot >> 32) == (h >> 32) && key_of(value_of(slot)) == key) {
        slots_[i] = entry;
        return;
      }
    }
  }

  void prefetch(std::uint64_t h) const {
    if (size_ != 0) __builtin_prefetch(slots_.data() + home(h));
  }
  // For a build: the slot an insert of a key with this hash writes first.
  void prefetch_for_insert(std::uint64_t h) const {
    if (count_ != 0) __builtin_prefetch(slots_.data() + home(h), 1);
  }

  template <typename KeyOf>
  std::optional<std::uint32_t> find(std::string_view key, std::uint64_t h, KeyOf key_of) const {
    if (size_ == 0) return std::nullopt;
    for (std::size_t i = home(h);; i = next(i)) {
      std::uint64_t slot = slots_[i];
      if (slot == 0) return std::nullopt;
      if ((slot >> 32) == (h >> 32) && key_of(value_of(slot)) == key) return value_of(slot);
    }
  }
  template <typename KeyOf>
  std::optional<std::uint32_t> find(std::string_view key, KeyOf key_of) const {
    return size_ == 0 ? std::nullopt : find(key, hash(key), key_of);
  }

  std::size_t size() const { return size_; }
  std::size_t memory_bytes() const { return slots_.memory_bytes(); }

 private:
  // The first slot to probe: the low 32 bits of the hash scaled to the slot
  // count (the high 32 bits are the tag), so the count need not be a power
  // of two and the load can stay near 3/4.
  std::size_t home(std::uint64_t h) const {
    return static_cast<std::size_t>(((h & 0xFFFFFFFFu) * count_) >> 32);
  }
  std::size_t next(std::size_t i) const { return i + 1 == count_ ? 0 : i + 1; }

  // Slot layout: high 32 bits = hash >> 32, low 32 bits = value + 1 (0: empty).
  static std::uint32_t value_of(std::uint64_t slot) {
    return static_cast<std::uint32_t>(slot & 0xFFFFFFFFu) - 1;
  }

  MappedArray<std::uint64_t> slots_;
  std::size_t count_ = 0;  // slots
  std::size_t size_ = 0;
};

// ExactIndex::hash of the prefixes of one text, asked in ascending lengths:
// the whole words are mixed once for all of them.
class PrefixHasher {
 public:
  explicit PrefixHasher(std::string_view text) : text_(text) {}

  // hash(text.substr(0, length)); `length` <= text.size(), never decreasing.
  std::uint64_t hash(std::size_t length) {
    for (; (words_ + 1) * 8 <= length; ++words_) {
      state_ = ExactIndex::mix_word(state_, text_.data() + words_ * 8);
    }
    return ExactIndex::finish(state_, text_.data() + words_ * 8, length - words_ * 8, length);
  }

 private:
  std::string_view text_;
  std::size_t words_ = 0;
  std::uint64_t state_ = ExactIndex::kSeed;
};

}  // namespace flecto

#endif  // FLECTO_MATCHER_EXACT_INDEX_HPP_
