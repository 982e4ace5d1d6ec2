/*
 * UTF-8 validation (RFC 3629), incremental.
 *
 * IMPLEMENTATION NOTES
 *
 * WebSocket text is mostly ASCII, so the loop first skips 16 bytes at a time while none has its
 * top bit set (two 64-bit loads through memcpy: portable, and compilers emit plain moves). A
 * non-ASCII lead byte is looked up in a 64-entry table giving how many continuation bytes follow
 * and the allowed range of the FIRST of them; that single range carries every rule that is not
 * "10xxxxxx": E0 A0..BF (no 3-byte overlongs), ED 80..9F (no surrogates), F0 90..BF (no 4-byte
 * overlongs), F4 80..8F (nothing above U+10FFFF). C0, C1 and F5..FF have no entry (error), which
 * rejects 2-byte overlongs and the rest. The later continuation bytes only need 80..BF.
 *
 * When the whole sequence is inside the chunk it is checked in place; only a sequence cut by the
 * end of the chunk goes through the byte-at-a-time step, and what it still expects is kept in
 * ctx->state: bits 0-7 = continuation bytes still missing (1..3), bits 8-15 = lowest allowed
 * value of the next byte, bits 16-23 = highest. 0 means "at a character boundary" (as tw_ws.h
 * says) and all-ones is the sticky error.
 */
#include "inner.h"
#include "tw_ws.h"

#define UTF8_ERR 0xFFFFFFFFu
#define ST(need, lo, hi) ((uint32_t)(need) | ((uint32_t)(lo) << 8) | ((uint32_t)(hi) << 16))
#define ST2 ST(1, 0x80, 0xBF)
#define ST3 ST(2, 0x80, 0xBF)
#define ST4 ST(3, 0x80, 0xBF)

/* State after a lead byte 0xC0 + i; UTF8_ERR for bytes that cannot start a sequence. */
static const uint32_t lead_state[] = {
	/* C0, C1: overlong 2-byte forms */
	UTF8_ERR, UTF8_ERR,
	/* C2..DF */
	ST2, ST2, ST2, ST2, ST2, ST2, ST2, ST2, ST2, ST2, ST2, ST2, ST2, ST2, ST2,
	ST2, ST2, ST2, ST2, ST2, ST2, ST2, ST2, ST2, ST2, ST2, ST2, ST2, ST2, ST2,
	/* E0: overlong below A0 */
	ST(2, 0xA0, 0xBF),
	/* E1..EC */
	ST3, ST3, ST3, ST3, ST3, ST3, ST3, ST3, ST3, ST3, ST3, ST3,
	/* ED: surrogates from A0 */
	ST(2, 0x80, 0x9F),
	/* EE, EF */
	ST3, ST3,
	/* F0: overlong below 90 */
	ST(3, 0x90, 0xBF),
	/* F1..F3 */
	ST4, ST4, ST4,
	/* F4: above U+10FFFF from 90 */
	ST(3, 0x80, 0x8F),
	/* F5..FF */
	UTF8_ERR, UTF8_ERR, UTF8_ERR, UTF8_ERR, UTF8_ERR, UTF8_ERR,
	UTF8_ERR, UTF8_ERR, UTF8_ERR, UTF8_ERR, UTF8_ERR
};
_Static_assert(sizeof lead_state / sizeof lead_state[0] == 64, "one entry per byte C0..FF");

#define HIGH_BITS UINT64_C(0x8080808080808080)

/* One continuation byte against a mid-sequence state; returns the next state. */
static inline uint32_t
cont_step(uint32_t st, unsigned c)
{
	if (c < ((st >> 8) & 0xFF) || c > ((st >> 16) & 0xFF))
		return UTF8_ERR;
	if ((st & 0xFF) == 1)
		return 0;
	return ST((st & 0xFF) - 1, 0x80, 0xBF);
}

/* see tw_ws.h */
void
tw_utf8_init(tw_utf8_ctx *ctx)
{
	ctx->state = 0;
}

/* see tw_ws.h */
int
tw_utf8_update(tw_utf8_ctx *ctx, const uint8_t *p, size_t len)
{
	uint32_t st = ctx->state;
	size_t i = 0;

	if (st == UTF8_ERR)
		return TW_ERR_WS_INVALID_UTF8;

	/* Finish a sequence the previous chunk left open. */
	while (st != 0) {
		if (i == len) {
			ctx->state = st;
			return TW_OK;
		}
		st = cont_step(st, p[i++]);
		if (st == UTF8_ERR)
			goto fail;
	}

	for (;;) {
		unsigned c, need, lo, hi;

		/* ASCII run. */
		while (len - i >= 16) {
			uint64_t a = tw_load_u64(p + i);
			uint64_t b = tw_load_u64(p + i + 8);
			if (((a | b) & HIGH_BITS) != 0) {
				if ((a & HIGH_BITS) == 0)
					i += 8;
				break;
			}
			i += 16;
		}
		while (i < len && p[i] < 0x80)
			i++;
		if (i == len)
			break;

		/* Lead byte of a multi-byte sequence. */
		c = p[i++];
		if (c < 0xC0)
			goto fail;
		st = lead_state[c - 0xC0];
		if (st == UTF8_ERR)
			goto fail;
		need = st & 0xFF;
		if (TW_LIKELY(len - i >= need)) {
			lo = (st >> 8) & 0xFF;
			hi = (st >> 16) & 0xFF;
			if (p[i] < lo || p[i] > hi)
				goto fail;
			if (need >= 2 && (p[i + 1] & 0xC0) != 0x80)
				goto fail;
			if (need == 3 && (p[i + 2] & 0xC0) != 0x80)
				goto fail;
			i += need;
			st = 0;
			continue;
		}
		/* Sequence cut by the end of the chunk. */
		while (i < len) {
			st = cont_step(st, p[i++]);
			if (st == UTF8_ERR)
				goto fail;
		}
		break;
	}
	ctx->state = st;
	return TW_OK;

fail:
	ctx->state = UTF8_ERR;
	return TW_ERR_WS_INVALID_UTF8;
}

/* see tw_ws.h */
int
tw_utf8_finish(const tw_utf8_ctx *ctx)
{
	return ctx->state == 0 ? TW_OK : TW_ERR_WS_INVALID_UTF8;
}

/* see tw_ws.h */
int
tw_utf8_validate(const uint8_t *p, size_t len)
{
	tw_utf8_ctx ctx;

	tw_utf8_init(&ctx);
	if (tw_utf8_update(&ctx, p, len) != TW_OK)
		return TW_ERR_WS_INVALID_UTF8;
	return tw_utf8_finish(&ctx);
}
