// Argument unpacking for the addon (see args.h).
#include "args.h"

#include <cmath>
#include <cstdio>

static void finalize_state(napi_env, void *data, void *) { delete static_cast<TwAddonState *>(data); }

TwAddonState *tw_state(napi_env env) {
  void *data = nullptr;
  napi_get_instance_data(env, &data);
  if (data == nullptr) {
    auto *st = new TwAddonState();
    st->scratch.resize(4096);
    napi_set_instance_data(env, st, finalize_state, nullptr);
    data = st;
  }
  return static_cast<TwAddonState *>(data);
}

static napi_value throw_type(napi_env env, const char *what, const char *expected) {
  char msg[160];
  std::snprintf(msg, sizeof msg, "%s must be %s", what, expected);
  napi_throw_type_error(env, "INVALID_ARGUMENT", msg);
  return nullptr;
}

napi_value tw_throw_range(napi_env env, const char *code, const char *msg) {
  napi_throw_range_error(env, code, msg);
  return nullptr;
}

bool tw_bytes(napi_env env, napi_value v, uint8_t **data, size_t *len, const char *what) {
  // napi_get_buffer_info accepts every ArrayBufferView (Buffer, any TypedArray, DataView) and is
  // the cheapest of the info calls.
  void *p = nullptr;
  if (napi_get_buffer_info(env, v, &p, len) != napi_ok) {
    bool pending = false;
    napi_is_exception_pending(env, &pending);
    if (pending) {
      napi_value ignored;
      napi_get_and_clear_last_exception(env, &ignored);
    }
    throw_type(env, what, "a Buffer, TypedArray or DataView");
    return false;
  }
  *data = static_cast<uint8_t *>(p);
  return true;
}

bool tw_bytes_or_string(napi_env env, napi_value v, const uint8_t **data, size_t *len, const char *what) {
  napi_valuetype t;
  if (napi_typeof(env, v, &t) != napi_ok)
    return false;
  if (t != napi_string) {
    uint8_t *p;
    if (!tw_bytes(env, v, &p, len, what))
      return false;
    *data = p;
    return true;
  }
  TwAddonState *st = tw_state(env);
  size_t copied = 0;
  napi_get_value_string_utf8(env, v, reinterpret_cast<char *>(st->scratch.data()), st->scratch.size(), &copied);
  // V8 stops at a character boundary, so a full buffer may look up to 3 bytes short of full.
  if (copied + 4 >= st->scratch.size()) {
    size_t need = 0;
    napi_get_value_string_utf8(env, v, nullptr, 0, &need);
    if (need + 1 > st->scratch.size()) {
      st->scratch.resize(need + 1);
      napi_get_value_string_utf8(env, v, reinterpret_cast<char *>(st->scratch.data()), st->scratch.size(), &copied);
    }
  }
  *data = st->scratch.data();
  *len = copied;
  return true;
}

bool tw_u32(napi_env env, napi_value v, uint32_t *out, const char *what) {
  if (napi_get_value_uint32(env, v, out) != napi_ok) {
    throw_type(env, what, "a number");
    return false;
  }
  return true;
}

bool tw_i32(napi_env env, napi_value v, int32_t *out, const char *what) {
  if (napi_get_value_int32(env, v, out) != napi_ok) {
    throw_type(env, what, "a number");
    return false;
  }
  return true;
}

bool tw_index(napi_env env, napi_value v, size_t *out, const char *what) {
  double d;
  if (napi_get_value_double(env, v, &d) != napi_ok || !(d >= 0) || d > 9007199254740991.0 || std::floor(d) != d) {
    throw_type(env, what, "a non-negative integer");
    return false;
  }
  *out = static_cast<size_t>(d);
  return true;
}

napi_value tw_undefined(napi_env env) {
  napi_value u;
  napi_get_undefined(env, &u);
  return u;
}
