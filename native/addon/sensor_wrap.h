// The JavaScript `Sensor` object. It owns the BPF object, the drain thread
// and the thread-safe function that carries batches to JavaScript, and tears
// them down in that order: the thread stops, the TSFN drains, then the maps
// and programs are freed (stop() resolves only then).
#ifndef VIGIL_SENSOR_WRAP_H
#define VIGIL_SENSOR_WRAP_H

#include <napi.h>

#include <memory>

#include "bpf_loader.h"
#include "drain_thread.h"

namespace vigil {

class SensorWrap : public Napi::ObjectWrap<SensorWrap> {
 public:
  static Napi::Function Define(Napi::Env env);
  explicit SensorWrap(const Napi::CallbackInfo& info);
  ~SensorWrap() override;

 private:
  Napi::Value Start(const Napi::CallbackInfo& info);
  Napi::Value Stop(const Napi::CallbackInfo& info);
  Napi::Value Counters(const Napi::CallbackInfo& info);
  Napi::Value CountersBefore(const Napi::CallbackInfo& info);
  // This run's totals: the map's, less what earlier runs left in a pinned one.
  bool ReadRunCounters(CounterTable& out) const;
  Napi::Value SetWatchTable(const Napi::CallbackInfo& info);

  static void CallJs(Napi::Env env, Napi::Function callback, Batch* batch);
  static void OnTsfnFinalize(Napi::Env env, void*, SensorWrap* self);
  static void OnEnvCleanup(SensorWrap* self);
  void ShutDownNative();

  LoaderOptions loader_options_;
  DrainOptions drain_options_;
  Napi::FunctionReference on_batch_;
  BpfLoader loader_;
  std::unique_ptr<DrainThread> drain_;
  Napi::ThreadSafeFunction tsfn_;
  CounterTable final_counters_ = {};
  bool running_ = false;
  Napi::Env::CleanupHook<void (*)(SensorWrap*), SensorWrap> cleanup_hook_;
  std::unique_ptr<Napi::Promise::Deferred> stopped_;
};

}  // namespace vigil

#endif
