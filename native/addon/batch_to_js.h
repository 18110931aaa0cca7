// The only place a native batch becomes a JavaScript value.
#ifndef VIGIL_BATCH_TO_JS_H
#define VIGIL_BATCH_TO_JS_H

#include <napi.h>

#include "batch.h"

namespace vigil {

// Takes ownership of `batch`: its bytes back a Buffer without a copy and are
// freed when the Buffer is collected.
Napi::Object BatchToJs(Napi::Env env, Batch* batch);

// Counter table as a flat array of numbers, [type * VIGIL_CNT_MAX + counter].
Napi::Array CountersToJs(Napi::Env env, const CounterTable& table);

// Struct sizes and field offsets from vigil_event.h, so the TypeScript
// decoder never restates the layout.
Napi::Object LayoutToJs(Napi::Env env);

}  // namespace vigil

#endif
