// mask(buf, key): XOR in place. `key` arrives as the 4 mask bytes packed little-endian into an
// int32 (k0 | k1 << 8 | ...), already rotated by the JS caller for the payload offset: two
// arguments, one buffer lookup, which is most of the cost of a small call (bench/native/crossing).
#include "addon.h"
#include "args.h"
#include "tw_ws.h"

static napi_value Mask(napi_env env, napi_callback_info info) {
  TW_ARGS(2);
  uint8_t *buf;
  size_t len;
  int32_t k;
  if (!tw_bytes(env, argv[0], &buf, &len, "buffer") || !tw_i32(env, argv[1], &k, "mask key"))
    return nullptr;
  // Little-endian packing = memory order: straight to the chosen implementation, no rotation.
  uint32_t u = uint32_t(k);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
  u = __builtin_bswap32(u);
#endif
  tw_mask_default()->mask(buf, len, u);
  return nullptr;
}

void tw_addon_init_mask(napi_env env, napi_value exports) {
  tw_export_fn(env, exports, "mask", Mask);
}
