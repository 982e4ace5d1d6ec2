// The addon's entry point: picks the CPU-specific implementations once (TW_FORCE_IMPL=portable
// pins the portable paths), then registers each module's exports.
#include "addon.h"
#include "args.h"
#include "tw.h"

void tw_export_fn(napi_env env, napi_value exports, const char *name, napi_callback fn) {
  napi_value f;
  napi_create_function(env, name, NAPI_AUTO_LENGTH, fn, nullptr, &f);
  napi_set_named_property(env, exports, name, f);
}

void tw_export_int(napi_env env, napi_value exports, const char *name, int64_t value) {
  napi_value v;
  napi_create_int64(env, value, &v);
  napi_set_named_property(env, exports, name, v);
}

static napi_value Init(napi_env env, napi_value exports) {
  tw_select_impls(tw_env_allowed());
  tw_state(env);
  tw_addon_init_mask(env, exports);
  tw_addon_init_hash(env, exports);
  tw_addon_init_frame(env, exports);
  tw_addon_init_probe(env, exports);
  tw_addon_init_engine(env, exports);
  tw_addon_init_tls(env, exports);
  tw_addon_init_order(env, exports);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, Init)
