// TLS glue: trust anchors parsed once, off the event loop (tlsTrustAsync), and shared by connections through a refcount,
// per-connection tw_tls_client set up from the JS options, and TLS sessions handed to JS as opaque
// externals (wiped when collected) for resumption.
#include <cstring>
#include <new>

#include "addon.h"
#include "args.h"
#include "tw_tls.h"
#include "tw_tls_glue.h"

namespace {

struct Trust {
  tw_tls_anchors anchors;
  uint8_t *arena;
  int refs;  // the JS handle + each connection using it
};

void trust_release(Trust *t) {
  if (--t->refs == 0) {
    delete[] t->arena;
    delete t;
  }
}

void finalize_trust(napi_env, void *data, void *) { trust_release(static_cast<Trust *>(data)); }

struct Session {
  br_ssl_session_parameters params;
};

void finalize_session(napi_env, void *data, void *) {
  auto *s = static_cast<Session *>(data);
  volatile uint8_t *p = reinterpret_cast<volatile uint8_t *>(s);
  for (size_t i = 0; i < sizeof *s; i++)
    p[i] = 0;
  delete s;
}

// The type tags keep one kind of external from being passed where another is expected.
const napi_type_tag kTrustTag = {0x7477747275737431ull, 0x1ull};
const napi_type_tag kSessionTag = {0x7477736573736e31ull, 0x2ull};

template <typename T>
T *unwrap_tagged(napi_env env, napi_value v, const napi_type_tag &tag) {
  napi_valuetype type;
  if (napi_typeof(env, v, &type) != napi_ok || type != napi_external)
    return nullptr;  // undefined etc.: napi_check_object_type_tag would throw on a non-object
  bool ok = false;
  void *p = nullptr;
  if (napi_check_object_type_tag(env, v, &tag, &ok) != napi_ok || !ok || napi_get_value_external(env, v, &p) != napi_ok)
    return nullptr;
  return static_cast<T *>(p);
}

// tlsTrustAsync(pem) → Promise of a trust handle or a negative status (TLS_BAD_CA when no
// certificate is usable). The parse runs on a libuv worker thread, so a large bundle (the system
// one: ~40-85 ms) does not stall the event loop.
struct TrustWork {
  napi_async_work work = nullptr;
  napi_deferred deferred = nullptr;
  uint8_t *pem = nullptr;  // a private copy: the caller's buffer may change or be collected
  size_t len = 0;
  Trust *trust = nullptr;
  int status = 0;
};

void trust_execute(napi_env, void *data) {
  auto *w = static_cast<TrustWork *>(data);
  size_t arena_len = 0;
  w->status = tw_tls_anchors_measure(w->pem, w->len, &arena_len);
  if (w->status < 0)
    return;
  auto *t = new (std::nothrow) Trust();
  uint8_t *arena = t ? new (std::nothrow) uint8_t[arena_len ? arena_len : 1] : nullptr;
  if (!t || !arena) {
    delete t;
    w->status = TW_ERR_BUFFER_TOO_SMALL;
    return;
  }
  t->arena = arena;
  t->refs = 1;
  w->status = tw_tls_anchors_parse(&t->anchors, t->arena, arena_len, w->pem, w->len);
  if (w->status < 0) {
    trust_release(t);
    return;
  }
  w->trust = t;
}

void trust_complete(napi_env env, napi_status, void *data) {
  auto *w = static_cast<TrustWork *>(data);
  napi_value out;
  if (w->trust) {
    napi_create_external(env, w->trust, finalize_trust, nullptr, &out);
    napi_type_tag_object(env, out, &kTrustTag);
  } else {
    napi_create_int32(env, w->status < 0 ? w->status : TW_ERR_TLS_BAD_CA, &out);
  }
  napi_resolve_deferred(env, w->deferred, out);
  napi_delete_async_work(env, w->work);
  delete[] w->pem;
  delete w;
}

napi_value TlsTrustAsync(napi_env env, napi_callback_info info) {
  TW_ARGS(1);
  uint8_t *pem;
  size_t len;
  if (!tw_bytes(env, argv[0], &pem, &len, "pem"))
    return nullptr;
  auto *w = new (std::nothrow) TrustWork();
  if (w)
    w->pem = new (std::nothrow) uint8_t[len ? len : 1];
  if (!w || !w->pem) {
    delete w;
    return tw_throw_range(env, "ENOMEM", "out of memory");
  }
  std::memcpy(w->pem, pem, len);
  w->len = len;
  napi_value promise, name;
  napi_create_promise(env, &w->deferred, &promise);
  napi_create_string_utf8(env, "tickwire:tlsTrust", NAPI_AUTO_LENGTH, &name);
  napi_create_async_work(env, nullptr, name, trust_execute, trust_complete, w, &w->work);
  napi_queue_async_work(env, w->work);
  return promise;
}

// tlsTrustInfo(handle) → { anchors, skipped }
napi_value TlsTrustInfo(napi_env env, napi_callback_info info) {
  TW_ARGS(1);
  Trust *t = unwrap_tagged<Trust>(env, argv[0], kTrustTag);
  if (!t) {
    napi_throw_type_error(env, "INVALID_ARGUMENT", "not a trust handle");
    return nullptr;
  }
  napi_value out, a, s;
  napi_create_object(env, &out);
  napi_create_uint32(env, uint32_t(t->anchors.count), &a);
  napi_create_uint32(env, uint32_t(t->anchors.skipped), &s);
  napi_set_named_property(env, out, "anchors", a);
  napi_set_named_property(env, out, "skipped", s);
  return out;
}

}  // namespace

struct TwTls {
  tw_tls_client client;
  Trust *trust;
};

size_t tw_tls_glue_iobuf_len() { return BR_SSL_BUFSIZE_BIDI; }

int tw_tls_glue_create(napi_env env, napi_value opts, uint8_t *iobuf, size_t iobuf_len, TwTls **out) {
  napi_value v;
  napi_get_named_property(env, opts, "trust", &v);
  Trust *trust = unwrap_tagged<Trust>(env, v, kTrustTag);
  if (!trust) {
    napi_throw_type_error(env, "INVALID_ARGUMENT", "tls.trust is not a trust handle");
    return -1;
  }
  uint8_t *pins;
  size_t pins_len;
  napi_get_named_property(env, opts, "pins", &v);
  if (!tw_bytes(env, v, &pins, &pins_len, "tls.pins"))
    return -1;
  if (pins_len % TW_TLS_PIN_LEN != 0 || pins_len / TW_TLS_PIN_LEN > TW_TLS_MAX_PINS) {
    napi_throw_range_error(env, "INVALID_ARGUMENT", "tls.pins: at most 8 pins of 32 bytes");
    return -1;
  }
  bool pin_only = false;
  napi_get_named_property(env, opts, "pinOnly", &v);
  napi_get_value_bool(env, v, &pin_only);
  char servername[256];
  size_t n = 0;
  napi_get_named_property(env, opts, "servername", &v);
  if (napi_get_value_string_utf8(env, v, servername, sizeof servername, &n) != napi_ok || n >= sizeof servername - 1) {
    napi_throw_range_error(env, "INVALID_ARGUMENT", "tls.servername must be a string of at most 254 bytes");
    return -1;
  }
  napi_get_named_property(env, opts, "session", &v);
  Session *session = unwrap_tagged<Session>(env, v, kSessionTag);

  auto *t = new (std::nothrow) TwTls();
  if (!t)
    return TW_ERR_INVAL;
  tw_tls_config cfg{};
  cfg.anchors = &trust->anchors;
  cfg.pins = reinterpret_cast<const uint8_t(*)[TW_TLS_PIN_LEN]>(pins);
  cfg.pin_count = pins_len / TW_TLS_PIN_LEN;
  cfg.flags = pin_only ? TW_TLS_PIN_ONLY : 0;
  int r = tw_tls_client_init(&t->client, &cfg, iobuf, iobuf_len);
  if (r == TW_OK)
    r = tw_tls_client_reset(&t->client, servername, session ? &session->params : nullptr);
  if (r != TW_OK) {
    delete t;
    return r;
  }
  t->trust = trust;
  trust->refs++;
  *out = t;
  return 0;
}

void tw_tls_glue_free(TwTls *t) {
  trust_release(t->trust);
  std::memset(&t->client, 0, sizeof t->client);  // no key material left behind
  delete t;
}

br_ssl_engine_context *tw_tls_glue_engine(TwTls *t) { return tw_tls_client_engine(&t->client); }
int tw_tls_glue_resumed(TwTls *t) { return tw_tls_client_resumed(&t->client); }

int tw_tls_glue_status(TwTls *t, int br_error) {
  int s = tw_tls_client_status(&t->client);
  return s != TW_OK ? s : tw_tls_status_from_br(br_error);
}

napi_value tw_tls_glue_session(napi_env env, TwTls *t) {
  napi_value out;
  auto *s = new (std::nothrow) Session();
  if (!s || tw_tls_client_save_session(&t->client, &s->params) != TW_OK) {
    delete s;
    napi_get_undefined(env, &out);
    return out;
  }
  napi_create_external(env, s, finalize_session, nullptr, &out);
  napi_type_tag_object(env, out, &kSessionTag);
  return out;
}

void tw_addon_init_tls(napi_env env, napi_value exports) {
  tw_export_fn(env, exports, "tlsTrustAsync", TlsTrustAsync);
  tw_export_fn(env, exports, "tlsTrustInfo", TlsTrustInfo);
}
