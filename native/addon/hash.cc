// SHA-256 and HMAC-SHA256. A signer is a napi_external around a heap tw_hmac_key: unwrapping an
// external is a pointer read, cheaper than ObjectWrap's unwrap, and the key state never becomes
// visible (or writable) from JS. The finalizer wipes it.
#include <cstring>
#include <new>

#include "addon.h"
#include "args.h"
#include "tw_hash.h"

// Results go into a 32-byte buffer the caller allocated (Buffer.allocUnsafe draws from Node's
// pool in ~20 ns; creating a Buffer from C with napi_create_buffer_copy costs ~500 ns).
static bool digest_out(napi_env env, napi_value v, uint8_t **out) {
  size_t len;
  if (!tw_bytes(env, v, out, &len, "out"))
    return false;
  if (len < TW_SHA256_LEN) {
    tw_throw_range(env, "BUFFER_TOO_SMALL", "out must have room for 32 bytes");
    return false;
  }
  return true;
}

// sha256Into(data, out32)
static napi_value Sha256Into(napi_env env, napi_callback_info info) {
  TW_ARGS(2);
  const uint8_t *data;
  uint8_t *out;
  size_t len;
  if (!tw_bytes_or_string(env, argv[0], &data, &len, "data") || !digest_out(env, argv[1], &out))
    return nullptr;
  tw_sha256(data, len, out);
  return nullptr;
}

static void finalize_key(napi_env, void *data, void *) {
  auto *key = static_cast<tw_hmac_key *>(data);
  volatile uint8_t *p = reinterpret_cast<volatile uint8_t *>(key);
  for (size_t i = 0; i < sizeof *key; i++)
    p[i] = 0;
  delete key;
}

static napi_value HmacCreate(napi_env env, napi_callback_info info) {
  TW_ARGS(1);
  const uint8_t *secret;
  size_t len;
  if (!tw_bytes_or_string(env, argv[0], &secret, &len, "key"))
    return nullptr;
  auto *key = new (std::nothrow) tw_hmac_key;
  if (key == nullptr) {
    napi_throw_error(env, "ENOMEM", "out of memory");
    return nullptr;
  }
  tw_hmac_key_init(key, secret, len, nullptr);
  // Do not leave the secret behind in the scratch buffer.
  if (secret == tw_state(env)->scratch.data())
    std::memset(tw_state(env)->scratch.data(), 0, len);
  napi_value ext;
  if (napi_create_external(env, key, finalize_key, nullptr, &ext) != napi_ok) {
    finalize_key(env, key, nullptr);
    return nullptr;
  }
  return ext;
}

static bool unpack(napi_env env, napi_value handle, napi_value payload, tw_hmac_key **key, const uint8_t **data,
                   size_t *len) {
  void *p = nullptr;
  if (napi_get_value_external(env, handle, &p) != napi_ok || p == nullptr) {
    napi_throw_type_error(env, "INVALID_ARGUMENT", "not an HMAC key handle");
    return false;
  }
  *key = static_cast<tw_hmac_key *>(p);
  return tw_bytes_or_string(env, payload, data, len, "payload");
}

// hmacDigestInto(handle, payload, out32)
static napi_value HmacDigestInto(napi_env env, napi_callback_info info) {
  TW_ARGS(3);
  tw_hmac_key *key;
  const uint8_t *data;
  uint8_t *out;
  size_t len;
  if (!unpack(env, argv[0], argv[1], &key, &data, &len) || !digest_out(env, argv[2], &out))
    return nullptr;
  tw_hmac_sha256(key, data, len, out);
  return nullptr;
}

// hmacHex / hmacBase64: the MAC as a JS string built from a stack buffer.
template <size_t N, void (*Encode)(const tw_hmac_key *, const void *, size_t, char *)>
static napi_value HmacString(napi_env env, napi_callback_info info) {
  TW_ARGS(2);
  tw_hmac_key *key;
  const uint8_t *data;
  size_t len;
  if (!unpack(env, argv[0], argv[1], &key, &data, &len))
    return nullptr;
  char out[N];
  Encode(key, data, len, out);
  napi_value result;
  napi_create_string_latin1(env, out, N, &result);
  return result;
}

// hmacSignInto(handle, payload, out, offset): 64 hex characters into out[offset..offset+64).
// Returns nothing and allocates nothing.
static napi_value HmacSignInto(napi_env env, napi_callback_info info) {
  TW_ARGS(4);
  tw_hmac_key *key;
  const uint8_t *data;
  size_t len, out_len, offset;
  uint8_t *out;
  if (!unpack(env, argv[0], argv[1], &key, &data, &len) || !tw_bytes(env, argv[2], &out, &out_len, "out") ||
      !tw_index(env, argv[3], &offset, "offset"))
    return nullptr;
  if (offset > out_len || out_len - offset < TW_SHA256_HEX_LEN)
    return tw_throw_range(env, "BUFFER_TOO_SMALL", "out has no room for 64 hex characters at offset");
  tw_hmac_sha256_hex(key, data, len, reinterpret_cast<char *>(out + offset));
  return nullptr;
}

void tw_addon_init_hash(napi_env env, napi_value exports) {
  tw_export_fn(env, exports, "sha256Into", Sha256Into);
  tw_export_fn(env, exports, "hmacCreate", HmacCreate);
  tw_export_fn(env, exports, "hmacDigestInto", HmacDigestInto);
  tw_export_fn(env, exports, "hmacHex", HmacString<TW_SHA256_HEX_LEN, tw_hmac_sha256_hex>);
  tw_export_fn(env, exports, "hmacBase64", HmacString<TW_SHA256_BASE64_LEN, tw_hmac_sha256_base64>);
  tw_export_fn(env, exports, "hmacSignInto", HmacSignInto);
  tw_export_int(env, exports, "SHA256_LEN", TW_SHA256_LEN);
  tw_export_int(env, exports, "SHA256_HEX_LEN", TW_SHA256_HEX_LEN);
}
