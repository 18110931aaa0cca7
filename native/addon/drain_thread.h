// The thread that drains the ring buffer into fixed batches and hands each
// batch over once: no Napi and no allocation per record. Back-pressure from
// JavaScript blocks this thread, so the ring buffer fills and the kernel
// counts the drops instead of memory growing here.
#ifndef VIGIL_DRAIN_THREAD_H
#define VIGIL_DRAIN_THREAD_H

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "batch.h"
#include "bpf_loader.h"

namespace vigil {

struct DrainOptions {
  uint32_t batch_records = 1024;  // flush when a batch holds this many
  uint32_t flush_ms = 50;         // or this long after the last flush
};

class DrainThread {
 public:
  // `deliver` takes ownership of the batch; false means the consumer is gone.
  using Deliver = std::function<bool(Batch*)>;

  DrainThread(BpfLoader& loader, DrainOptions options, Deliver deliver);
  ~DrainThread();

  std::string Start();
  // The thread detaches the programs, drains what is left, delivers it, then
  // calls `on_exit` from the thread and ends.
  void RequestStop() { stop_ = true; }
  void Join();
  void OnExit(std::function<void()> on_exit) { on_exit_ = std::move(on_exit); }

 private:
  static int OnSample(void* ctx, void* data, size_t size);
  void Run();
  void Flush();

  BpfLoader& loader_;
  DrainOptions options_;
  Deliver deliver_;
  std::function<void()> on_exit_;
  std::unique_ptr<Batch> batch_;
  CounterTable last_ = {};
  std::chrono::steady_clock::time_point last_flush_;
  std::atomic<bool> stop_{false};
  bool consumer_gone_ = false;
  std::thread thread_;
};

}  // namespace vigil

#endif
