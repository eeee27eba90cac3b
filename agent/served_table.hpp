// The table being served, swapped atomically.
//
// Readers (edge and admin request handlers) take a shared_ptr to the current
// table and match against it for as long as they hold it; a writer (the sync
// loop) replaces it with a fully built table. A reader sees the old table or
// the new one, never a mix, and is never blocked by a build.

#ifndef FLECTO_AGENT_SERVED_TABLE_HPP_
#define FLECTO_AGENT_SERVED_TABLE_HPP_

#include <atomic>
#include <memory>

#include "matcher/table.hpp"

namespace flecto {

class ServedTable {
 public:
  // The table being served, or null before the first one was swapped in.
  std::shared_ptr<const Table> current() const { return table_.load(std::memory_order_acquire); }

  // Serves `table` from now on. `table` must not be null.
  void swap_in(std::shared_ptr<const Table> table) {
    table_.store(std::move(table), std::memory_order_release);
  }

 private:
  std::atomic<std::shared_ptr<const Table>> table_;
};

}  // namespace flecto

#endif  // FLECTO_AGENT_SERVED_TABLE_HPP_
