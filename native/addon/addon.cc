// Module entry: registers the Sensor class, the record layout and the clocks.
#include <napi.h>

#include <ctime>

#include "batch_to_js.h"
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

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("Sensor", vigil::SensorWrap::Define(env));
  exports.Set("layout", vigil::LayoutToJs(env));
  exports.Set("clocks", Napi::Function::New(env, Clocks, "clocks"));
  return exports;
}

}  // namespace

NODE_API_MODULE(vigil, Init)
