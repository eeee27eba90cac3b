#include "matcher/exact_index.hpp"

namespace flecto {

ExactIndex::ExactIndex(std::size_t capacity) {
  if (capacity == 0) return;
  // Power of two with load <= 3/4, so probes stay short and never loop.
  std::size_t slots = 8;
  while (slots * 3 < capacity * 4 + 4) slots *= 2;
  slots_.assign(slots, 0);
  mask_ = slots - 1;
}

}  // namespace flecto
