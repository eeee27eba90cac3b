#include "matcher/mapped_array.hpp"

#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <new>

namespace flecto::mapped_memory {
namespace {

constexpr std::size_t kHugePage = std::size_t{2} << 20;
// What a reservation the kernel refuses (strict overcommit) starts with.
constexpr std::size_t kFallbackReservation = std::size_t{64} << 20;

std::size_t page_size() { return static_cast<std::size_t>(sysconf(_SC_PAGESIZE)); }
std::size_t round_to_pages(std::size_t bytes) {
  const std::size_t page = page_size();
  return (bytes + page - 1) / page * page;
}

}  // namespace

void* map(std::size_t bytes, std::size_t* mapped) {
  const auto page = static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
  std::size_t length = (bytes + page - 1) / page * page;
  // Large arrays start on a huge-page boundary: map a little more, trim.
  const std::size_t slack = length >= kHugePage ? kHugePage : 0;
  void* p =
      mmap(nullptr, length + slack, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) throw std::bad_alloc();
  auto* start = static_cast<char*>(p);
  if (slack != 0) {
    auto address = reinterpret_cast<std::uintptr_t>(start);
    auto aligned = reinterpret_cast<char*>((address + kHugePage - 1) & ~(kHugePage - 1));
    if (aligned != start) munmap(start, static_cast<std::size_t>(aligned - start));
    char* end = aligned + length;
    char* mapping_end = start + length + slack;
    if (mapping_end != end) munmap(end, static_cast<std::size_t>(mapping_end - end));
    start = aligned;
    // Advice only: without transparent huge pages it changes nothing.
    madvise(start, length, MADV_HUGEPAGE);
  }
  *mapped = length;
  return start;
}

void unmap(void* data, std::size_t mapped) { munmap(data, mapped); }

void* reserve(std::size_t max_bytes, std::size_t* mapped) {
  const std::size_t length = round_to_pages(std::max<std::size_t>(max_bytes, 1));
  // MAP_NORESERVE: the untouched part is address space only. Aligned to a
  // huge page like map(), so that the part written can be backed by them.
  void* p = mmap(nullptr, length + kHugePage, PROT_READ | PROT_WRITE,
                 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (p == MAP_FAILED) return map(std::min(length, kFallbackReservation), mapped);
  auto* start = static_cast<char*>(p);
  auto address = reinterpret_cast<std::uintptr_t>(start);
  auto* aligned = reinterpret_cast<char*>((address + kHugePage - 1) & ~(kHugePage - 1));
  if (aligned != start) munmap(start, static_cast<std::size_t>(aligned - start));
  char* end = aligned + length;
  char* mapping_end = start + length + kHugePage;
  if (mapping_end != end) munmap(end, static_cast<std::size_t>(mapping_end - end));
  madvise(aligned, length, MADV_HUGEPAGE);
  *mapped = length;
  return aligned;
}

void* grow(void* data, std::size_t* mapped, std::size_t bytes) {
  if (bytes <= *mapped) return data;
  const std::size_t length = round_to_pages(std::max(bytes, *mapped * 2));
  void* p = mremap(data, *mapped, length, MREMAP_MAYMOVE);
  if (p == MAP_FAILED) throw std::bad_alloc();
  *mapped = length;
  return p;
}

void trim(void* data, std::size_t* mapped, std::size_t bytes) {
  const std::size_t keep = round_to_pages(bytes);
  if (keep >= *mapped) return;
  munmap(static_cast<char*>(data) + keep, *mapped - keep);
  *mapped = keep;
}

}  // namespace flecto::mapped_memory

namespace flecto {

MappedBuffer::MappedBuffer(std::size_t max_bytes) : max_(max_bytes) {
  data_ = static_cast<char*>(mapped_memory::reserve(max_bytes, &mapped_));
}

char* MappedBuffer::extend(std::size_t bytes) {
  if (bytes > max_ - size_) throw std::bad_alloc();
  data_ = static_cast<char*>(mapped_memory::grow(data_, &mapped_, size_ + bytes));
  char* at = data_ + size_;
  size_ += bytes;
  return at;
}

MappedArray<char> MappedBuffer::finish() && {
  if (size_ == 0) return MappedArray<char>();
  mapped_memory::trim(data_, &mapped_, size_);
  MappedArray<char> array(data_, size_, mapped_);
  data_ = nullptr;
  size_ = mapped_ = 0;
  return array;
}

}  // namespace flecto
