// Lifecycle of the BPF object: preflight checks, open, size the ring,
// choose programs, load (with the verifier's log on failure), attach, and
// read the drop counters. Each step fails with a sentence saying which step,
// on what, and what to do.
#ifndef VIGIL_BPF_LOADER_H
#define VIGIL_BPF_LOADER_H

#include <cstdint>
#include <string>
#include <vector>

#include "batch.h"

struct vigil_bpf;
struct ring_buffer;

namespace vigil {

struct LoaderOptions {
  uint32_t ring_bytes = 8u << 20;
  uint32_t type_mask = ~0u;  // bit (1 << enum vigil_event_type)
  uint32_t self_tgid = 0;
  // The file hooks' first watch table, written before they attach: a
  // compiled table (see WriteWatchTable).
  std::vector<uint8_t> watch_table;
  // Where the counters map is pinned in bpffs, so its totals outlive the
  // process: a sensor that died learns from them how many records it had
  // not yet accounted for. Empty: not pinned.
  std::string counters_pin;
};

// What this kernel lacks for the file hooks, as a phrase; empty when nothing.
std::string MissingForFileHooks();

class BpfLoader {
 public:
  ~BpfLoader();

  // Returns an empty string on success, otherwise the reason.
  std::string Load(const LoaderOptions& options);
  // Creates the ring-buffer reader; `sample` is called for each record.
  std::string OpenRing(int (*sample)(void* ctx, void* data, size_t size), void* ctx);
  void Detach();
  void Destroy();

  // Replaces the watch table at once: `table` is the pair bitmap
  // (VIGIL_WATCH_PAIR_WORDS u64s), then a run of
  // [vigil_watch_key][vigil_watch_value] (generation byte ignored). Both go
  // in under the next generation, the hooks switch to it, then the old
  // generation's keys are deleted. Returns an empty string and sets `gen`,
  // or the reason (the old table then stays in force).
  std::string WriteWatchTable(const uint8_t* table, size_t bytes, uint32_t& gen);

  // Totals of the counters map, summed over CPUs (over every run that used
  // it, when it is pinned).
  bool ReadCounters(CounterTable& out) const;
  // What the counters held when this run loaded them, before its programs
  // attached: what earlier runs counted into a pinned map, else zeros.
  const CounterTable& baseline() const { return baseline_; }
  // The kernel's id of the counters map: the same id across runs is the
  // same pinned map (ids are not reused within a boot).
  uint32_t counters_map_id() const { return counters_map_id_; }
  ring_buffer* ring() const { return ring_; }

 private:
  int OpenAndLoad(const LoaderOptions& options, std::string& err_text);

  vigil_bpf* skel_ = nullptr;
  ring_buffer* ring_ = nullptr;
  int counters_fd_ = -1;
  int ncpus_ = 0;
  CounterTable baseline_ = {};
  uint32_t counters_map_id_ = 0;
  // Keys of the watch table generation in force, deleted on replacement.
  std::vector<vigil_watch_key> watch_keys_;
};

}  // namespace vigil

#endif
