// args.h — argument unpacking shared by the addon's functions. The TypeScript layer validates
// with readable messages first; these checks only keep bad calls from reaching the C core.
#ifndef TW_ADDON_ARGS_H
#define TW_ADDON_ARGS_H

#include <node_api.h>

#include <cstddef>
#include <cstdint>
#include <vector>

// Per-environment state (one per worker thread): a scratch buffer for string arguments, grown to
// the largest string seen so that steady-state calls never allocate.
struct TwAddonState {
  std::vector<uint8_t> scratch;
};

TwAddonState *tw_state(napi_env env);

// Writable bytes of a TypedArray, DataView or Buffer. Throws a TypeError naming `what` on failure.
bool tw_bytes(napi_env env, napi_value v, uint8_t **data, size_t *len, const char *what);
// Bytes of a TypedArray/DataView/Buffer, or of a string encoded as UTF-8 into the scratch buffer
// (valid until the next call that uses the scratch).
bool tw_bytes_or_string(napi_env env, napi_value v, const uint8_t **data, size_t *len, const char *what);
bool tw_u32(napi_env env, napi_value v, uint32_t *out, const char *what);
bool tw_i32(napi_env env, napi_value v, int32_t *out, const char *what);
// A non-negative safe integer (offsets, lengths).
bool tw_index(napi_env env, napi_value v, size_t *out, const char *what);
napi_value tw_undefined(napi_env env);
napi_value tw_throw_range(napi_env env, const char *code, const char *msg);

#define TW_ARGS(n)                                                           \
  size_t argc = (n);                                                         \
  napi_value argv[(n) > 0 ? (n) : 1];                                        \
  if (napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr) != napi_ok) \
    return nullptr;

#endif
