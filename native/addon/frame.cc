// frameWrite(out, offset, payload, opcode, fin, key, masked) → frame length written at offset, or a
// negative TW_ERR_* status (the TS layer turns it into a TickwireError). Header and masked payload
// are written in one pass; strings are UTF-8 encoded through the scratch buffer.
#include "addon.h"
#include "args.h"
#include "tw_ws.h"

static napi_value FrameWrite(napi_env env, napi_callback_info info) {
  TW_ARGS(7);
  uint8_t *out;
  const uint8_t *payload;
  size_t out_len, offset, len;
  uint32_t opcode, fin;
  int32_t k;
  bool masked = false;
  if (!tw_bytes(env, argv[0], &out, &out_len, "out") || !tw_index(env, argv[1], &offset, "offset") ||
      !tw_bytes_or_string(env, argv[2], &payload, &len, "payload") || !tw_u32(env, argv[3], &opcode, "opcode") ||
      !tw_u32(env, argv[4], &fin, "fin") || !tw_i32(env, argv[5], &k, "mask key") ||
      napi_get_value_bool(env, argv[6], &masked) != napi_ok)
    return nullptr;
  int64_t r;
  if (offset > out_len) {
    r = TW_ERR_BUFFER_TOO_SMALL;
  } else if (payload < out + out_len && out + offset < payload + len) {
    r = TW_ERR_INVAL;  // payload overlaps the destination
  } else {
    const uint32_t u = uint32_t(k);
  const uint8_t key[4] = {uint8_t(u), uint8_t(u >> 8), uint8_t(u >> 16), uint8_t(u >> 24)};
    r = tw_ws_write_frame(out + offset, out_len - offset, fin != 0, int(opcode), payload, len, masked ? key : nullptr);
  }
  napi_value result;
  napi_create_int64(env, r, &result);
  return result;
}

void tw_addon_init_frame(napi_env env, napi_value exports) {
  tw_export_fn(env, exports, "frameWrite", FrameWrite);
  tw_export_int(env, exports, "WS_MAX_HEADER_LEN", TW_WS_MAX_HEADER_LEN);
}
