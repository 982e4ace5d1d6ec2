// order.cc — order templates (tw_order.h) for JS: compile once, render for tests and the
// reference comparison, and the state read-back. Sending is engineSendOrder in engine.cc: one
// call renders, signs, frames, masks, encrypts and submits.
#include <cstring>
#include <new>

#include "addon.h"
#include "args.h"
#include "tw_order_glue.h"

namespace {

// Secrets must not linger in freed memory: the HMAC key state is as good as the key.
void finalize_template(napi_env, void *data, void *) {
  auto *o = static_cast<TwOrderTemplate *>(data);
  volatile uint8_t *p = reinterpret_cast<volatile uint8_t *>(&o->t);
  for (size_t i = 0; i < sizeof o->t; i++)
    p[i] = 0;
  delete o;
}

bool optional_bytes(napi_env env, napi_value v, uint8_t **data, size_t *len, const char *what) {
  napi_valuetype t;
  napi_typeof(env, v, &t);
  if (t == napi_null || t == napi_undefined) {
    *data = nullptr;
    *len = 0;
    return true;
  }
  return tw_bytes(env, v, data, len, what);
}

// orderTemplateCreate(msgSpec, signSpec | null, secret | null, priceDecimals, qtyDecimals) → handle
napi_value OrderTemplateCreate(napi_env env, napi_callback_info info) {
  TW_ARGS(5);
  uint8_t *msg, *sign, *secret;
  size_t msg_len, sign_len, secret_len;
  uint32_t pd, qd;
  if (!tw_bytes(env, argv[0], &msg, &msg_len, "message spec") || !optional_bytes(env, argv[1], &sign, &sign_len, "signing spec") ||
      !optional_bytes(env, argv[2], &secret, &secret_len, "secret") || !tw_u32(env, argv[3], &pd, "priceDecimals") ||
      !tw_u32(env, argv[4], &qd, "qtyDecimals"))
    return nullptr;
  auto *o = new (std::nothrow) TwOrderTemplate();
  if (!o)
    return tw_throw_range(env, "ENOMEM", "order template");
  int r = tw_order_template_init(&o->t, msg, msg_len, sign, sign_len, secret, secret_len, pd, qd);
  if (r != TW_OK) {
    finalize_template(env, o, nullptr);
    return tw_throw_range(env, "ORDER_TEMPLATE_INVALID",
                          "bad order template (unknown marker, signature slot without signing payload or the reverse, "
                          "too long, or decimals > 18)");
  }
  napi_value out;
  napi_create_external(env, o, finalize_template, nullptr, &out);
  return out;
}

// orderRender(tpl, price, qty, tsMs, out) → length, or a negative status (ORDER_VALUE, BUFFER_TOO_SMALL)
napi_value OrderRender(napi_env env, napi_callback_info info) {
  TW_ARGS(5);
  TwOrderTemplate *o = tw_order_of(env, argv[0]);
  double price, qty, ts;
  uint8_t *out;
  size_t cap;
  if (!o || napi_get_value_double(env, argv[1], &price) != napi_ok || napi_get_value_double(env, argv[2], &qty) != napi_ok ||
      napi_get_value_double(env, argv[3], &ts) != napi_ok || !tw_bytes(env, argv[4], &out, &cap, "out"))
    return tw_throw_range(env, "INVALID_ARGUMENT", "orderRender(tpl, price, qty, tsMs, out)");
  if (!(ts >= 0) || ts > 9007199254740991.0)
    return tw_throw_range(env, "INVALID_ARGUMENT", "tsMs");
  int64_t n = tw_order_render(&o->t, price, qty, uint64_t(ts), out, cap);
  napi_value v;
  napi_create_int64(env, n, &v);
  return v;
}

// orderState(tpl, out: Float64Array(3)) → [last sequence number, last timestamp, largest message]
napi_value OrderState(napi_env env, napi_callback_info info) {
  TW_ARGS(2);
  TwOrderTemplate *o = tw_order_of(env, argv[0]);
  uint8_t *out;
  size_t len;
  if (!o || !tw_bytes(env, argv[1], &out, &len, "out") || len < 3 * sizeof(double))
    return nullptr;
  double s[3] = {double(o->t.seq), double(o->t.last_ts), double(o->t.msg_max)};
  std::memcpy(out, s, sizeof s);
  return nullptr;
}

}  // namespace

TwOrderTemplate *tw_order_of(napi_env env, napi_value v) {
  void *p = nullptr;
  if (napi_get_value_external(env, v, &p) != napi_ok || p == nullptr ||
      static_cast<TwOrderTemplate *>(p)->tag != kOrderTemplateTag) {
    napi_throw_type_error(env, "INVALID_ARGUMENT", "not an order template");
    return nullptr;
  }
  return static_cast<TwOrderTemplate *>(p);
}

void tw_addon_init_order(napi_env env, napi_value exports) {
  tw_export_fn(env, exports, "orderTemplateCreate", OrderTemplateCreate);
  tw_export_fn(env, exports, "orderRender", OrderRender);
  tw_export_fn(env, exports, "orderState", OrderState);
  tw_export_int(env, exports, "ORDER_MAX_MESSAGE", int32_t(sizeof(TwOrderTemplate::out)));
}
