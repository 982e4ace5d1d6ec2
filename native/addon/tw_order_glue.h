// tw_order_glue.h — the addon's order template object, shared by order.cc (create, render) and
// engine.cc (engineSendOrder).
#ifndef TW_ORDER_GLUE_H
#define TW_ORDER_GLUE_H

#include <node_api.h>

#include <cstdint>

#include "tw_order.h"

// Distinguishes a template handle from the addon's other externals (engines, trust stores).
constexpr uint64_t kOrderTemplateTag = 0x74776f7264657221ull;

struct TwOrderTemplate {
  uint64_t tag = kOrderTemplateTag;
  tw_order_template t;
  // Rendered request, masked from here into the TLS record (or the plain send queue).
  uint8_t out[TW_ORDER_MAX_LITERAL + TW_ORDER_MAX_OPS * 64];
};

// The template behind a handle, or nullptr with a TypeError thrown.
TwOrderTemplate *tw_order_of(napi_env env, napi_value v);

#endif
