#include "matcher/mapped_array.hpp"

#include <sys/mman.h>
#include <unistd.h>

#include <cstdint>
#include <new>

namespace flecto::mapped_memory {
namespace {

constexpr std::size_t kHugePage = std::size_t{2} << 20;

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

}  // namespace flecto::mapped_memory
