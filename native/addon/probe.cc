// Introspection for `native` / `tickwire doctor`: CPU features detected and in use, the chosen
// implementations, library versions, whether io_uring can be set up here, status names; plus
// empty functions that measure the bare N-API crossing cost for the benchmarks.
#include <liburing.h>

#include <cstdio>

#include "addon.h"
#include "args.h"
#include "tw_hash.h"
#include "tw_ws.h"

#ifndef TW_BEARSSL_VERSION
#error "TW_BEARSSL_VERSION must be defined by the build (vendor/deps.mjs versions)"
#endif
#ifndef TW_LIBURING_VERSION
#error "TW_LIBURING_VERSION must be defined by the build (vendor/deps.mjs versions)"
#endif
#define TW_STR_(x) #x
#define TW_STR(x) TW_STR_(x)

static napi_value make_string(napi_env env, const char *s) {
  napi_value v;
  napi_create_string_utf8(env, s, NAPI_AUTO_LENGTH, &v);
  return v;
}

static void set(napi_env env, napi_value obj, const char *name, napi_value v) {
  napi_set_named_property(env, obj, name, v);
}

static napi_value features_object(napi_env env, unsigned f) {
  napi_value obj;
  napi_create_object(env, &obj);
  const struct {
    const char *name;
    unsigned bit;
  } bits[] = {{"ssse3", TW_CPU_SSSE3}, {"sse41", TW_CPU_SSE41}, {"sha", TW_CPU_SHA},
              {"avx2", TW_CPU_AVX2},   {"avx512", TW_CPU_AVX512}, {"vaes", TW_CPU_VAES}};
  for (const auto &b : bits) {
    napi_value v;
    napi_get_boolean(env, (f & b.bit) != 0, &v);
    set(env, obj, b.name, v);
  }
  return obj;
}

// info() → { detected, inUse, impls: { sha256, mask, aesGcm }, versions: { bearssl, liburing, core } }
static napi_value Info(napi_env env, napi_callback_info) {
  napi_value obj, impls, versions;
  napi_create_object(env, &obj);
  set(env, obj, "detected", features_object(env, tw_cpu_detect()));
  set(env, obj, "inUse", features_object(env, tw_features_in_use()));
  napi_create_object(env, &impls);
  set(env, impls, "sha256", make_string(env, tw_sha256_default()->name));
  set(env, impls, "mask", make_string(env, tw_mask_default()->name));
  set(env, impls, "aesGcm", make_string(env, (tw_features_in_use() & TW_CPU_VAES) ? "vaes" : "bearssl"));
  set(env, obj, "impls", impls);
  napi_create_object(env, &versions);
  set(env, versions, "bearssl", make_string(env, TW_STR(TW_BEARSSL_VERSION)));
  set(env, versions, "liburing", make_string(env, TW_STR(TW_LIBURING_VERSION)));
  char core[32];
  snprintf(core, sizeof core, "%d.%d.%d", TW_VERSION_MAJOR, TW_VERSION_MINOR, TW_VERSION_PATCH);
  set(env, versions, "core", make_string(env, core));
  set(env, obj, "versions", versions);
  return obj;
}

// selectImpls(allowedMask) → features in use. 0 forces the portable paths (tests, bisecting).
static napi_value SelectImpls(napi_env env, napi_callback_info info) {
  TW_ARGS(1);
  uint32_t allowed;
  if (!tw_u32(env, argv[0], &allowed, "allowed"))
    return nullptr;
  napi_value v;
  napi_create_uint32(env, tw_select_impls(allowed), &v);
  return v;
}

// probeIoUring() → 0 when a ring can be created here, else -errno (ENOSYS: old kernel, EPERM:
// seccomp/containers, ENOMEM: memlock limit).
static napi_value ProbeIoUring(napi_env env, napi_callback_info) {
  struct io_uring ring;
  int r = io_uring_queue_init(2, &ring, 0);
  if (r == 0)
    io_uring_queue_exit(&ring);
  napi_value v;
  napi_create_int32(env, r, &v);
  return v;
}

// statuses() → { name: code } for every TW_* status the core defines.
static napi_value Statuses(napi_env env, napi_callback_info) {
  napi_value obj;
  napi_create_object(env, &obj);
  for (size_t i = 0; i < tw_status_count(); i++) {
    int s = tw_status_at(i);
    const char *name = tw_status_name(s);
    napi_value v;
    napi_create_int32(env, s, &v);
    set(env, obj, name, v);
  }
  return obj;
}

static napi_value StatusMessage(napi_env env, napi_callback_info info) {
  TW_ARGS(1);
  int32_t s;
  if (napi_get_value_int32(env, argv[0], &s) != napi_ok)
    return nullptr;
  return make_string(env, tw_status_message(s));
}

// Crossing-cost floor for the benchmarks: no work at all.
static napi_value Noop(napi_env, napi_callback_info) { return nullptr; }
static napi_value NoopBuffer(napi_env env, napi_callback_info info) {
  TW_ARGS(1);
  uint8_t *p;
  size_t len;
  tw_bytes(env, argv[0], &p, &len, "buffer");
  return nullptr;
}

void tw_addon_init_probe(napi_env env, napi_value exports) {
  tw_export_fn(env, exports, "info", Info);
  tw_export_fn(env, exports, "selectImpls", SelectImpls);
  tw_export_fn(env, exports, "probeIoUring", ProbeIoUring);
  tw_export_fn(env, exports, "statuses", Statuses);
  tw_export_fn(env, exports, "statusMessage", StatusMessage);
  tw_export_fn(env, exports, "noop", Noop);
  tw_export_fn(env, exports, "noopBuffer", NoopBuffer);
  tw_export_int(env, exports, "CPU_SSSE3", TW_CPU_SSSE3);
  tw_export_int(env, exports, "CPU_SSE41", TW_CPU_SSE41);
  tw_export_int(env, exports, "CPU_SHA", TW_CPU_SHA);
  tw_export_int(env, exports, "CPU_AVX2", TW_CPU_AVX2);
  tw_export_int(env, exports, "CPU_AVX512", TW_CPU_AVX512);
  tw_export_int(env, exports, "CPU_VAES", TW_CPU_VAES);
}
