// A fixed-size array of trivially copyable T in its own anonymous mapping.
//
// The table's large arrays (rule bytes, hash slots) are read at random, one
// cache line per lookup; with 4 KiB pages nearly every lookup also misses
// the TLB. Mapping them separately lets the kernel back them with huge pages
// (madvise(MADV_HUGEPAGE), honoured when transparent huge pages are set to
// "madvise" or "always"), and memory_bytes() is the mapped length itself.
// Zero-filled on creation. MappedBuffer fills one as bytes arrive.

#ifndef FLECTO_MATCHER_MAPPED_ARRAY_HPP_
#define FLECTO_MATCHER_MAPPED_ARRAY_HPP_

#include <cstddef>
#include <type_traits>
#include <utility>

namespace flecto {

namespace mapped_memory {
// Maps `bytes` (rounded up to whole pages) of zeroed memory; throws
// std::bad_alloc when the kernel refuses. Sets *mapped to the mapped length.
void* map(std::size_t bytes, std::size_t* mapped);
void unmap(void* data, std::size_t mapped);
// Reserves address space for up to `max_bytes` that grows as it is written
// (pages cost memory only once touched); falls back to a small mapping when
// the kernel refuses the reservation. Sets *mapped to the length mapped.
void* reserve(std::size_t max_bytes, std::size_t* mapped);
// Makes room for `bytes` in a mapping from reserve(), moving it when it must
// grow (mremap: the pages move, the bytes are not copied). Throws
// std::bad_alloc when the kernel refuses.
void* grow(void* data, std::size_t* mapped, std::size_t bytes);
// Gives back the pages past `bytes`; sets *mapped to the length kept.
void trim(void* data, std::size_t* mapped, std::size_t bytes);
}  // namespace mapped_memory

template <typename T>
class MappedArray;

// Bytes appended one piece after another, when their total is not known in
// advance (a table built as the rules arrive). finish() hands them over as a
// MappedArray<char> of exactly their size, without a copy.
class MappedBuffer {
 public:
  // Up to `max_bytes` may be appended.
  explicit MappedBuffer(std::size_t max_bytes);
  MappedBuffer(MappedBuffer&& other) noexcept { swap(other); }
  MappedBuffer& operator=(MappedBuffer&& other) noexcept {
    MappedBuffer(std::move(other)).swap(*this);
    return *this;
  }
  MappedBuffer(const MappedBuffer&) = delete;
  MappedBuffer& operator=(const MappedBuffer&) = delete;
  ~MappedBuffer() {
    if (data_ != nullptr) mapped_memory::unmap(data_, mapped_);
  }

  // Room for `bytes` more at end(); the pointer is valid until the next call.
  char* extend(std::size_t bytes);
  const char* data() const { return data_; }
  std::size_t size() const { return size_; }
  std::size_t max_size() const { return max_; }

  // The bytes written, the pages past them given back.
  MappedArray<char> finish() &&;

 private:
  void swap(MappedBuffer& other) noexcept {
    std::swap(data_, other.data_);
    std::swap(size_, other.size_);
    std::swap(mapped_, other.mapped_);
    std::swap(max_, other.max_);
  }

  char* data_ = nullptr;
  std::size_t size_ = 0;
  std::size_t mapped_ = 0;
  std::size_t max_ = 0;
};

template <typename T>
class MappedArray {
  static_assert(std::is_trivially_copyable_v<T>);

 public:
  MappedArray() = default;
  explicit MappedArray(std::size_t size) : size_(size) {
    if (size != 0) data_ = static_cast<T*>(mapped_memory::map(size * sizeof(T), &mapped_));
  }
  MappedArray(MappedArray&& other) noexcept { swap(other); }
  MappedArray& operator=(MappedArray&& other) noexcept {
    MappedArray(std::move(other)).swap(*this);
    return *this;
  }
  MappedArray(const MappedArray&) = delete;
  MappedArray& operator=(const MappedArray&) = delete;
  ~MappedArray() {
    if (data_ != nullptr) mapped_memory::unmap(data_, mapped_);
  }

  T* data() { return data_; }
  const T* data() const { return data_; }
  T& operator[](std::size_t i) { return data_[i]; }
  const T& operator[](std::size_t i) const { return data_[i]; }
  std::size_t size() const { return size_; }
  std::size_t memory_bytes() const { return mapped_; }

 private:
  friend class MappedBuffer;
  // Takes over a mapping of `mapped` bytes holding `size` elements.
  MappedArray(T* data, std::size_t size, std::size_t mapped)
      : data_(data), size_(size), mapped_(mapped) {}

  void swap(MappedArray& other) noexcept {
    std::swap(data_, other.data_);
    std::swap(size_, other.size_);
    std::swap(mapped_, other.mapped_);
  }

  T* data_ = nullptr;
  std::size_t size_ = 0;
  std::size_t mapped_ = 0;
};

}  // namespace flecto

#endif  // FLECTO_MATCHER_MAPPED_ARRAY_HPP_
