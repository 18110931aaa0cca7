#include "sensor_wrap.h"

#include "batch_to_js.h"

namespace vigil {
namespace {

// Batches waiting for the JS thread. Small on purpose: when JS falls behind
// the drain thread blocks and the loss is counted in the kernel, where the
// ring buffer is the one bounded buffer.
constexpr size_t kMaxQueuedBatches = 4;

uint32_t OptionalUint(const Napi::Object& o, const char* key, uint32_t fallback) {
  Napi::Value v = o.Get(key);
  return v.IsNumber() ? v.As<Napi::Number>().Uint32Value() : fallback;
}

}  // namespace

Napi::Function SensorWrap::Define(Napi::Env env) {
  return DefineClass(env, "Sensor",
                     {InstanceMethod("start", &SensorWrap::Start),
                      InstanceMethod("stop", &SensorWrap::Stop),
                      InstanceMethod("counters", &SensorWrap::Counters),
                      InstanceMethod("countersBefore", &SensorWrap::CountersBefore),
                      InstanceMethod("setWatchTable", &SensorWrap::SetWatchTable)});
}

// new Sensor({ ringBytes, typeMask, selfTgid, batchRecords, flushMs, watchTable }, onBatch)
// Options are validated in native/index.ts; only types are checked here.
SensorWrap::SensorWrap(const Napi::CallbackInfo& info) : Napi::ObjectWrap<SensorWrap>(info) {
  Napi::Env env = info.Env();
  if (info.Length() < 2 || !info[0].IsObject() || !info[1].IsFunction()) {
    Napi::TypeError::New(env, "Sensor(options, onBatch): expected an options object and a function")
        .ThrowAsJavaScriptException();
    return;
  }
  Napi::Object o = info[0].As<Napi::Object>();
  loader_options_.ring_bytes = OptionalUint(o, "ringBytes", loader_options_.ring_bytes);
  loader_options_.type_mask = OptionalUint(o, "typeMask", loader_options_.type_mask);
  loader_options_.self_tgid = OptionalUint(o, "selfTgid", loader_options_.self_tgid);
  drain_options_.batch_records = OptionalUint(o, "batchRecords", drain_options_.batch_records);
  drain_options_.flush_ms = OptionalUint(o, "flushMs", drain_options_.flush_ms);
  Napi::Value pin = o.Get("countersPin");
  if (pin.IsString()) loader_options_.counters_pin = pin.As<Napi::String>().Utf8Value();
  Napi::Value table = o.Get("watchTable");
  if (table.IsBuffer()) {
    auto buf = table.As<Napi::Buffer<uint8_t>>();
    loader_options_.watch_table.assign(buf.Data(), buf.Data() + buf.Length());
  }
  on_batch_ = Napi::Persistent(info[1].As<Napi::Function>());
}

SensorWrap::~SensorWrap() { ShutDownNative(); }

Napi::Value SensorWrap::Start(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (running_ || stopped_) {
    Napi::Error::New(env, "sensor already started; create a new one").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  std::string err = loader_.Load(loader_options_);
  if (!err.empty()) {
    loader_.Destroy();
    Napi::Error::New(env, err).ThrowAsJavaScriptException();
    return env.Undefined();
  }
  tsfn_ = Napi::ThreadSafeFunction::New(env, on_batch_.Value(), "vigil-drain", kMaxQueuedBatches, 1,
                                        this, &SensorWrap::OnTsfnFinalize, static_cast<void*>(nullptr));
  drain_.reset(new DrainThread(loader_, drain_options_, [this](Batch* batch) {
    if (tsfn_.BlockingCall(batch, &SensorWrap::CallJs) == napi_ok) return true;
    delete batch;
    return false;
  }));
  drain_->OnExit([this] { tsfn_.Release(); });
  err = drain_->Start();
  if (!err.empty()) {
    drain_.reset();
    tsfn_.Abort();
    tsfn_.Release();
    Napi::Error::New(env, err).ThrowAsJavaScriptException();
    return env.Undefined();
  }
  running_ = true;
  Ref();  // kept alive until the TSFN finalizer has run
  cleanup_hook_ = env.AddCleanupHook(&SensorWrap::OnEnvCleanup, this);
  // The first watch table, if the file hooks run, went in as generation 1.
  return Napi::Number::New(env, (loader_options_.type_mask & (1u << VIGIL_EVENT_FILE)) ? 1 : 0);
}

// setWatchTable(buffer) -> generation: replaces the file hooks' watch table
// while running. The buffer is compiled by the TypeScript side.
Napi::Value SensorWrap::SetWatchTable(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsBuffer()) {
    Napi::TypeError::New(env, "setWatchTable(table): expected a Buffer").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  if (!running_ || !(loader_options_.type_mask & (1u << VIGIL_EVENT_FILE))) {
    Napi::Error::New(env, "replace watch table: the file hooks are not running (start the sensor with type \"file\")")
        .ThrowAsJavaScriptException();
    return env.Undefined();
  }
  auto buf = info[0].As<Napi::Buffer<uint8_t>>();
  uint32_t gen = 0;
  std::string err = loader_.WriteWatchTable(buf.Data(), buf.Length(), gen);
  if (!err.empty()) {
    Napi::Error::New(env, err).ThrowAsJavaScriptException();
    return env.Undefined();
  }
  return Napi::Number::New(env, gen);
}

void SensorWrap::CallJs(Napi::Env env, Napi::Function callback, Batch* batch) {
  if (env == nullptr || callback.IsEmpty()) {
    delete batch;  // the env is closing: nobody to deliver to
    return;
  }
  // An exception here surfaces as an uncaught exception, never silently.
  callback.Call({BatchToJs(env, batch)});
}

Napi::Value SensorWrap::Stop(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!stopped_) {
    stopped_.reset(new Napi::Promise::Deferred(env));
    if (running_) {
      drain_->RequestStop();
    } else {
      stopped_->Resolve(env.Undefined());
    }
  }
  return stopped_->Promise();
}

// Runs on the JS thread once the drain thread released the TSFN and every
// queued batch was delivered.
void SensorWrap::OnTsfnFinalize(Napi::Env env, void*, SensorWrap* self) {
  self->ShutDownNative();
  if (!self->cleanup_hook_.IsEmpty()) self->cleanup_hook_.Remove(env);
  if (self->stopped_) self->stopped_->Resolve(env.Undefined());
  self->Unref();
}

void SensorWrap::OnEnvCleanup(SensorWrap* self) {
  self->cleanup_hook_ = {};
  if (self->drain_) self->drain_->RequestStop();
  if (self->running_) self->tsfn_.Abort();
  self->ShutDownNative();
}

void SensorWrap::ShutDownNative() {
  if (drain_) {
    drain_->RequestStop();
    drain_->Join();
    drain_.reset();
  }
  if (running_) ReadRunCounters(final_counters_);
  loader_.Destroy();
  running_ = false;
}

bool SensorWrap::ReadRunCounters(CounterTable& out) const {
  if (!loader_.ReadCounters(out)) return false;
  const CounterTable& before = loader_.baseline();
  for (int t = 0; t < VIGIL_EVENT_TYPE_MAX; t++)
    for (int c = 0; c < VIGIL_CNT_MAX; c++) out[t][c] -= before[t][c];
  return true;
}

// Totals since start, [type * counters + counter]; after stop, the totals at
// the moment the programs were freed.
Napi::Value SensorWrap::Counters(const Napi::CallbackInfo& info) {
  CounterTable now = {};
  if (!running_ || !ReadRunCounters(now)) return CountersToJs(info.Env(), final_counters_);
  return CountersToJs(info.Env(), now);
}

// { mapId, counters }: the pinned counters as earlier runs left them.
Napi::Value SensorWrap::CountersBefore(const Napi::CallbackInfo& info) {
  Napi::Object out = Napi::Object::New(info.Env());
  out.Set("mapId", Napi::Number::New(info.Env(), loader_.counters_map_id()));
  out.Set("counters", CountersToJs(info.Env(), loader_.baseline()));
  return out;
}

}  // namespace vigil
