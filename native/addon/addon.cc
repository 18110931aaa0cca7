// Module entry: registers the Sensor class, the record layout and the clocks.
#include <napi.h>

#include <ctime>

#include "batch_to_js.h"
#include "bpf_loader.h"
#include "sensor_wrap.h"

namespace {

uint64_t ClockNs(clockid_t clock) {
  timespec ts{};
  clock_gettime(clock, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1000000000ull + static_cast<uint64_t>(ts.tv_nsec);
}

// Both clocks read back to back, so user space can turn a record's boot_ns
// (CLOCK_BOOTTIME) into wall-clock time.
Napi::Value Clocks(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object out = Napi::Object::New(env);
  out.Set("realtimeNs", Napi::BigInt::New(env, ClockNs(CLOCK_REALTIME)));
  out.Set("boottimeNs", Napi::BigInt::New(env, ClockNs(CLOCK_BOOTTIME)));
  return out;
}

// What the kernel lacks for optional hooks, so the default set of event
// types can leave them out instead of failing: { file: "" | reason }.
Napi::Value MissingFeatures(const Napi::CallbackInfo& info) {
  Napi::Object out = Napi::Object::New(info.Env());
  out.Set("file", vigil::MissingForFileHooks());
  return out;
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("Sensor", vigil::SensorWrap::Define(env));
  exports.Set("layout", vigil::LayoutToJs(env));
  exports.Set("clocks", Napi::Function::New(env, Clocks, "clocks"));
  exports.Set("missingFeatures", Napi::Function::New(env, MissingFeatures, "missingFeatures"));
  return exports;
}

}  // namespace

NODE_API_MODULE(vigil, Init)
