// The memory this process holds, as the kernel counts it.

#ifndef FLECTO_BENCH_PROCESS_MEMORY_HPP_
#define FLECTO_BENCH_PROCESS_MEMORY_HPP_

#include <cstddef>

namespace flecto::bench {

// Resident set size in bytes, from /proc/self/statm; 0 if unreadable.
std::size_t resident_bytes();

// A field of /proc/self/status given in kB ("VmHWM": the peak RSS), in
// bytes; 0 if absent.
std::size_t self_status_bytes(const char* field);

// Returns the heap's free pages to the kernel (malloc_trim), so that a
// following resident_bytes() delta counts pages newly touched rather than
// reuse of memory freed earlier.
void release_free_heap();

}  // namespace flecto::bench

#endif  // FLECTO_BENCH_PROCESS_MEMORY_HPP_
