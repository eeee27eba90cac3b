#include "matcher/exact_index.hpp"

#include <algorithm>

namespace flecto {

ExactIndex::ExactIndex(std::size_t capacity) {
  if (capacity == 0) return;
  // Load <= 3/4: probes stay short and always end.
  count_ = std::max<std::size_t>(8, capacity + capacity / 3 + 1);
  slots_ = MappedArray<std::uint64_t>(count_);
}

}  // namespace flecto
