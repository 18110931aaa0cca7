// A batch of raw ring-buffer records, filled by the drain thread and handed
// to JavaScript in one call. No Napi types here: this is the thread's side.
#ifndef VIGIL_BATCH_H
#define VIGIL_BATCH_H

#include <cstdint>
#include <string>
#include <vector>

#include "vigil_event.h"

namespace vigil {

// Counter deltas since the previous batch, [type][enum vigil_counter].
using CounterTable = uint64_t[VIGIL_EVENT_TYPE_MAX][VIGIL_CNT_MAX];

struct Batch {
  // Records framed as [u32 length][record bytes], back to back.
  std::vector<uint8_t> data;
  uint32_t records = 0;
  CounterTable deltas = {};
  // Set when the drain thread had to give up; delivered in the last batch.
  std::string error;

  void Append(const void* record, uint32_t size);
  bool HasDeltas() const;
};

}  // namespace vigil

#endif
