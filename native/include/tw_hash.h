/*
 * tw_hash.h — SHA-256 and HMAC-SHA256.
 *
 * SHA-256 has one compression function per implementation (portable, SHA-NI); every variant is
 * reached through a tw_sha256_impl so that tests run the same vectors through each. The contexts
 * are plain structs owned by the caller; nothing allocates.
 */
#ifndef TW_HASH_H
#define TW_HASH_H

#include "tw.h"

#ifdef __cplusplus
extern "C" {
#endif

#define TW_SHA256_BLOCK_LEN 64
#define TW_SHA256_LEN 32
#define TW_SHA256_HEX_LEN 64
#define TW_SHA256_BASE64_LEN 44 /* padded standard base64 of 32 bytes */

/* Compresses `nblocks` consecutive 64-byte blocks into `state` (8 words, host order). */
typedef void (*tw_sha256_compress_fn)(uint32_t state[8], const uint8_t *blocks, size_t nblocks);

typedef struct tw_sha256_impl {
	const char *name;               /* "portable", "shani" */
	tw_sha256_compress_fn compress;
} tw_sha256_impl;

/* Always available. */
const tw_sha256_impl *tw_sha256_portable_get(void);
/* NULL when the CPU lacks SHA-NI + SSSE3 + SSE4.1 (or the build cannot target it). */
const tw_sha256_impl *tw_sha256_ni_get(void);
/* The implementation chosen by tw_select_impls(). */
const tw_sha256_impl *tw_sha256_default(void);

typedef struct tw_sha256_ctx {
	uint32_t state[8];
	uint64_t count;                 /* bytes hashed so far */
	uint8_t buf[TW_SHA256_BLOCK_LEN];
	const tw_sha256_impl *impl;
} tw_sha256_ctx;

/* impl NULL = tw_sha256_default(). */
void tw_sha256_init(tw_sha256_ctx *ctx, const tw_sha256_impl *impl);
void tw_sha256_update(tw_sha256_ctx *ctx, const void *data, size_t len);
/* Writes the digest; the context is left finalized (init again to reuse). */
void tw_sha256_final(tw_sha256_ctx *ctx, uint8_t out[TW_SHA256_LEN]);
/* One shot with the default implementation. */
void tw_sha256(const void *data, size_t len, uint8_t out[TW_SHA256_LEN]);

/*
 * HMAC-SHA256 with the key schedule done once: the states after absorbing (key ^ ipad) and
 * (key ^ opad) are kept, so each message costs ceil((len + 9) / 64) + 1 compressions.
 */
typedef struct tw_hmac_key {
	uint32_t inner[8];
	uint32_t outer[8];
	const tw_sha256_impl *impl;
} tw_hmac_key;

/* Keys longer than 64 bytes are hashed first (RFC 2104). impl NULL = default. */
void tw_hmac_key_init(tw_hmac_key *key, const void *secret, size_t secret_len, const tw_sha256_impl *impl);
void tw_hmac_sha256(const tw_hmac_key *key, const void *msg, size_t len, uint8_t out[TW_SHA256_LEN]);
/* 64 lowercase hex characters, no NUL. */
void tw_hmac_sha256_hex(const tw_hmac_key *key, const void *msg, size_t len, char out[TW_SHA256_HEX_LEN]);
/* 44 characters of padded standard base64, no NUL. */
void tw_hmac_sha256_base64(const tw_hmac_key *key, const void *msg, size_t len, char out[TW_SHA256_BASE64_LEN]);

/* Encoders used above; also for pins and digests. Return the number of characters written. */
size_t tw_hex_encode(char *out, const uint8_t *in, size_t len);        /* writes 2*len */
size_t tw_base64_encode(char *out, const uint8_t *in, size_t len);     /* writes 4*ceil(len/3) */

#ifdef __cplusplus
}
#endif
#endif /* TW_HASH_H */
