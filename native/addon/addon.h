// addon.h — the addon's module pieces, one per file, each registering its exports.
#ifndef TW_ADDON_H
#define TW_ADDON_H

#include <node_api.h>

#include <cstdint>

void tw_export_fn(napi_env env, napi_value exports, const char *name, napi_callback fn);
void tw_export_int(napi_env env, napi_value exports, const char *name, int64_t value);

void tw_addon_init_mask(napi_env env, napi_value exports);
void tw_addon_init_hash(napi_env env, napi_value exports);
void tw_addon_init_frame(napi_env env, napi_value exports);
void tw_addon_init_probe(napi_env env, napi_value exports);
void tw_addon_init_engine(napi_env env, napi_value exports);
void tw_addon_init_tls(napi_env env, napi_value exports);
void tw_addon_init_order(napi_env env, napi_value exports);

#endif
