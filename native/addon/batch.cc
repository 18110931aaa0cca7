#include "batch.h"

#include <cstring>

namespace vigil {

void Batch::Append(const void* record, uint32_t size) {
  size_t at = data.size();
  data.resize(at + sizeof(size) + size);
  std::memcpy(data.data() + at, &size, sizeof(size));
  std::memcpy(data.data() + at + sizeof(size), record, size);
  records++;
}

bool Batch::HasDeltas() const {
  for (const auto& row : deltas)
    for (uint64_t v : row)
      if (v != 0) return true;
  return false;
}

}  // namespace vigil
