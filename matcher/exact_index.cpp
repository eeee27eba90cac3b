#include "matcher/exact_index.hpp"

namespace flecto {

ExactIndex::ExactIndex(std::size_t capacity) {
  if (capacity == 0) return;
  // A power of two with load <= 3/4: probes stay short and always end.
  std::size_t slots = 8;
  while (slots * 3 < capacity * 4) slots *= 2;
  slots_ = MappedArray<std::uint64_t>(slots);
  mask_ = slots - 1;
}

}  // namespace flecto
