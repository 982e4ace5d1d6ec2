/*
 * IMPLEMENTATION NOTES
 *
 * Incremental SHA-256 over a per-implementation compression function. Only a partial block is
 * ever copied into ctx->buf: once the buffer is topped up, all remaining whole blocks go to the
 * implementation in a single call straight from the caller's memory, so large updates pay one
 * indirect call and one state permutation (SHA-NI) in total rather than one per block.
 *
 * Final padding is built in a 128-byte stack block and compressed with one call (one or two
 * blocks, depending on whether the 0x80 byte and the 64-bit length fit after the tail).
 */
#include "inner.h"
#include "tw_hash.h"
#include "sha256_inner.h"

/* see sha256_inner.h */
const _Alignas(16) uint32_t tw_sha256_K[64] = {
	0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5,
	0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
	0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3,
	0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
	0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc,
	0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
	0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7,
	0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
	0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
	0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
	0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3,
	0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
	0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5,
	0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
	0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208,
	0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2
};

static const uint32_t sha256_iv[8] = {
	0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
	0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19
};

/* see tw_hash.h */
void
tw_sha256_init(tw_sha256_ctx *ctx, const tw_sha256_impl *impl)
{
	memcpy(ctx->state, sha256_iv, sizeof sha256_iv);
	ctx->count = 0;
	ctx->impl = impl != NULL ? impl : tw_sha256_default();
}

/* see tw_hash.h */
void
tw_sha256_update(tw_sha256_ctx *ctx, const void *data, size_t len)
{
	const uint8_t *p = data;
	size_t used, nblocks;

	if (len == 0)
		return;
	used = (size_t)ctx->count & (TW_SHA256_BLOCK_LEN - 1);
	ctx->count += len;

	if (used != 0) {
		size_t fill = TW_SHA256_BLOCK_LEN - used;

		if (len < fill) {
			memcpy(ctx->buf + used, p, len);
			return;
		}
		memcpy(ctx->buf + used, p, fill);
		ctx->impl->compress(ctx->state, ctx->buf, 1);
		p += fill;
		len -= fill;
	}

	nblocks = len / TW_SHA256_BLOCK_LEN;
	if (nblocks != 0) {
		ctx->impl->compress(ctx->state, p, nblocks);
		p += nblocks * TW_SHA256_BLOCK_LEN;
		len -= nblocks * TW_SHA256_BLOCK_LEN;
	}
	if (len != 0)
		memcpy(ctx->buf, p, len);
}

/* see tw_hash.h */
void
tw_sha256_final(tw_sha256_ctx *ctx, uint8_t out[TW_SHA256_LEN])
{
	uint8_t last[2 * TW_SHA256_BLOCK_LEN];
	size_t used = (size_t)ctx->count & (TW_SHA256_BLOCK_LEN - 1);
	size_t nblocks = used < TW_SHA256_BLOCK_LEN - 8 ? 1 : 2;
	int i;

	if (nblocks == 1)
		memset(last, 0, TW_SHA256_BLOCK_LEN);
	else
		memset(last, 0, 2 * TW_SHA256_BLOCK_LEN);
	memcpy(last, ctx->buf, used);
	last[used] = 0x80;
	tw_store_be64(last + nblocks * TW_SHA256_BLOCK_LEN - 8, ctx->count << 3);
	ctx->impl->compress(ctx->state, last, nblocks);

	for (i = 0; i < 8; i++)
		tw_store_be32(out + 4 * i, ctx->state[i]);
}

/* see tw_hash.h */
void
tw_sha256(const void *data, size_t len, uint8_t out[TW_SHA256_LEN])
{
	tw_sha256_ctx ctx;

	tw_sha256_init(&ctx, NULL);
	tw_sha256_update(&ctx, data, len);
	tw_sha256_final(&ctx, out);
}
