// The table being served, swapped atomically.
//
// Readers (edge and admin request handlers) take a shared_ptr to the current
// table and match against it for as long as they hold it; a writer (the sync
// loop) replaces it with a fully built table. A reader sees the old table or
// the new one, never a mix, and is never blocked by a build.

#ifndef FLECTO_AGENT_RULES_SERVED_TABLE_HPP_
#define FLECTO_AGENT_RULES_SERVED_TABLE_HPP_

#include <atomic>
#include <memory>

#include "matcher/table.hpp"

namespace flecto {

class ServedTable {
 public:
  // The table being served, or null before the first one was swapped in.
  std::shared_ptr<const Table> current() const {
    return std::atomic_load_explicit(&table_, std::memory_order_acquire);
  }

  // Serves `table` from now on. `table` must not be null.
  void swap_in(std::shared_ptr<const Table> table) {
    std::atomic_store_explicit(&table_, std::move(table), std::memory_order_release);
  }

 private:
  // A plain shared_ptr accessed only through the atomic_load/atomic_store
  // free functions, not std::atomic<std::shared_ptr>: libstdc++ 12's
  // std::atomic<std::shared_ptr>::load drops its lock bit with a relaxed
  // operation after reading the pointer, so that read is not ordered before
  // the next store's write, a data race in the C++ memory model that
  // ThreadSanitizer reports on every swap under load
  // (tests/agent/edge/hot_swap_test.cpp). The free functions take a lock
  // from libstdc++'s mutex pool: the same cost for readers (a short critical
  // section), and ordered.
  std::shared_ptr<const Table> table_;
};

}  // namespace flecto

#endif  // FLECTO_AGENT_RULES_SERVED_TABLE_HPP_
