// tw_tls_glue.h — the addon's TLS pieces (tls.cc) used by the engine: per-connection TLS client
// creation from the JS options object, trust anchors parsed once and shared, session handles.
#ifndef TW_TLS_GLUE_H
#define TW_TLS_GLUE_H

#include <node_api.h>

#include <bearssl.h>
#include <cstddef>
#include <cstdint>

struct TwTls;

size_t tw_tls_glue_iobuf_len();
// opts: { trust, pins: Uint8Array (32 × n), pinOnly, servername, session? }. Returns 0, a negative
// TW_ERR_* status, or -1 with a JS exception pending.
int tw_tls_glue_create(napi_env env, napi_value opts, uint8_t *iobuf, size_t iobuf_len, TwTls **out);
void tw_tls_glue_free(TwTls *t);
br_ssl_engine_context *tw_tls_glue_engine(TwTls *t);
int tw_tls_glue_resumed(TwTls *t);
// TW_ERR_TLS_* for a failed engine (validator state included: pin mismatches).
int tw_tls_glue_status(TwTls *t, int br_error);
// The established session as an opaque JS value (undefined if there is none).
napi_value tw_tls_glue_session(napi_env env, TwTls *t);

void tw_addon_init_tls(napi_env env, napi_value exports);

#endif
