#include "batch.h"

#include <algorithm>
#include <cstddef>
#include <cstring>

namespace vigil {

// An exec record is mostly its argument buffer (VIGIL_ARGS_LEN bytes, the
// last field), of which a command line uses a few dozen: only the bytes used
// are copied, and the copy's header says its new size. Copying whole
// records moved 5 kB per exec through this buffer and into JavaScript.
static uint32_t UsedBytes(const void* record, uint32_t size) {
  if (size != sizeof(struct vigil_exec)) return size;
  const auto* e = static_cast<const struct vigil_exec*>(record);
  if (e->hdr.type != VIGIL_EVENT_EXEC) return size;
  return static_cast<uint32_t>(offsetof(struct vigil_exec, args)) + std::min<uint32_t>(e->args_len, VIGIL_ARGS_LEN);
}

void Batch::Append(const void* record, uint32_t size) {
  const uint32_t used = UsedBytes(record, size);
  size_t at = data.size();
  data.resize(at + sizeof(used) + used);
  uint8_t* out = data.data() + at;
  std::memcpy(out, &used, sizeof(used));
  std::memcpy(out + sizeof(used), record, used);
  if (used != size) std::memcpy(out + sizeof(used) + offsetof(struct vigil_hdr, size), &used, sizeof(used));
  records++;
}

bool Batch::HasDeltas() const {
  for (const auto& row : deltas)
    for (uint64_t v : row)
      if (v != 0) return true;
  return false;
}

}  // namespace vigil
