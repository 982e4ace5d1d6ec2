/*
 * IMPLEMENTATION NOTES
 *
 * A template is a small program: ops that are either literal runs (offset/length into one literal
 * area shared by both specs) or slots. Rendering walks the signing ops into signed_buf, signs it
 * with the precomputed HMAC key state, then walks the message ops into the caller's buffer; the
 * values are formatted once per render into short stack buffers. Everything has a fixed bound, so
 * t->msg_max is known at compile time and a render never overflows: the caller either has room
 * for msg_max bytes or gets TW_ERR_BUFFER_TOO_SMALL before anything is consumed.
 */
#define _POSIX_C_SOURCE 200809L /* clock_gettime under -std=c11 */
#include <time.h>

#include "inner.h"
#include "tw_order.h"

#define SLOT_MAX_LEN 40 /* longest formatted value: 20 digits + '.' + padding, signature 64 handled apart */

static size_t
slot_max(unsigned kind)
{
	return kind == TW_ORDER_SLOT_SIGNATURE ? TW_SHA256_HEX_LEN : SLOT_MAX_LEN;
}

/* Appends the ops of one spec; returns the upper bound of its rendered length, or an error. */
static int64_t
compile(tw_order_template *t, const uint8_t *spec, size_t len, int is_sign, uint16_t *nops)
{
	int64_t bound = 0;
	size_t i = 0;
	while (i < len) {
		unsigned kind = spec[i];
		uint16_t at = (uint16_t)(t->msg_ops + t->sign_ops);
		if (at >= TW_ORDER_MAX_OPS)
			return TW_ERR_INVAL;
		tw_order_op *op = &t->ops[at];
		if (kind >= 1 && kind <= TW_ORDER_SLOT_SIGNATURE) {
			if (kind == TW_ORDER_SLOT_SIGNATURE && (is_sign || !t->signs))
				return TW_ERR_INVAL; /* a signature inside its own payload, or nothing to sign */
			op->kind = (uint16_t)kind;
			op->len = 0;
			op->off = 0;
			bound += (int64_t)slot_max(kind);
			i++;
		} else if (kind < 0x20 && kind != '\t' && kind != '\n' && kind != '\r') {
			return TW_ERR_INVAL; /* an unknown marker */
		} else {
			size_t j = i;
			while (j < len && (spec[j] >= 0x20 || spec[j] == '\t' || spec[j] == '\n' || spec[j] == '\r') && j - i < 0xffff)
				j++;
			if (t->literal_len + (j - i) > TW_ORDER_MAX_LITERAL)
				return TW_ERR_INVAL;
			op->kind = 0;
			op->len = (uint16_t)(j - i);
			op->off = (uint32_t)t->literal_len;
			memcpy(t->literal + t->literal_len, spec + i, j - i);
			t->literal_len += j - i;
			bound += (int64_t)(j - i);
			i = j;
		}
		(*nops)++;
	}
	return bound;
}

/* see tw_order.h */
int
tw_order_template_init(tw_order_template *t, const uint8_t *msg, size_t msg_len, const uint8_t *sign,
	size_t sign_len, const uint8_t *secret, size_t secret_len, unsigned price_decimals, unsigned qty_decimals)
{
	memset(t, 0, sizeof *t);
	if (msg == NULL || msg_len == 0 || price_decimals > TW_ORDER_MAX_DECIMALS || qty_decimals > TW_ORDER_MAX_DECIMALS)
		return TW_ERR_INVAL;
	if (sign != NULL && (secret == NULL || secret_len == 0))
		return TW_ERR_INVAL;
	t->price_decimals = (uint8_t)price_decimals;
	t->qty_decimals = (uint8_t)qty_decimals;
	t->signs = sign != NULL;
	int has_sig = 0;
	for (size_t i = 0; i < msg_len; i++)
		has_sig |= msg[i] == TW_ORDER_SLOT_SIGNATURE;
	if (t->signs != has_sig)
		return TW_ERR_INVAL; /* a signing payload needs a signature slot and the reverse */
	int64_t mb = compile(t, msg, msg_len, 0, &t->msg_ops);
	if (mb < 0)
		return (int)mb;
	if (t->signs) {
		int64_t sb = compile(t, sign, sign_len, 1, &t->sign_ops);
		if (sb < 0)
			return (int)sb;
		if (sb > TW_ORDER_MAX_SIGNED)
			return TW_ERR_INVAL;
		tw_hmac_key_init(&t->key, secret, secret_len, tw_sha256_default());
	}
	t->msg_max = (size_t)mb;
	t->magic = TW_ORDER_MAGIC;
	return TW_OK;
}

typedef struct values {
	char price[SLOT_MAX_LEN], qty[SLOT_MAX_LEN], seq[SLOT_MAX_LEN], ts[SLOT_MAX_LEN];
	char sig[TW_SHA256_HEX_LEN];
	int price_len, qty_len, seq_len, ts_len;
} values;

static size_t
run(const tw_order_template *t, const tw_order_op *ops, unsigned n, const values *v, uint8_t *out)
{
	size_t p = 0;
	for (unsigned i = 0; i < n; i++) {
		const tw_order_op *op = &ops[i];
		const char *src;
		size_t len;
		switch (op->kind) {
		case 0: src = (const char *)t->literal + op->off; len = op->len; break;
		case TW_ORDER_SLOT_PRICE: src = v->price; len = (size_t)v->price_len; break;
		case TW_ORDER_SLOT_QTY: src = v->qty; len = (size_t)v->qty_len; break;
		case TW_ORDER_SLOT_SEQ: src = v->seq; len = (size_t)v->seq_len; break;
		case TW_ORDER_SLOT_TIMESTAMP: src = v->ts; len = (size_t)v->ts_len; break;
		default: src = v->sig; len = TW_SHA256_HEX_LEN; break;
		}
		memcpy(out + p, src, len);
		p += len;
	}
	return p;
}

static uint64_t
realtime_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* see tw_order.h */
int64_t
tw_order_render(tw_order_template *t, double price, double qty, uint64_t ts_ms, uint8_t *out, size_t cap)
{
	values v;
	if (t->magic != TW_ORDER_MAGIC)
		return TW_ERR_INVAL;
	if (cap < t->msg_max)
		return TW_ERR_BUFFER_TOO_SMALL;
	v.price_len = tw_format_decimal(v.price, price, t->price_decimals);
	if (v.price_len < 0)
		return v.price_len;
	v.qty_len = tw_format_decimal(v.qty, qty, t->qty_decimals);
	if (v.qty_len < 0)
		return v.qty_len;
	if (ts_ms == 0)
		ts_ms = realtime_ms();
	v.ts_len = tw_format_u64(v.ts, ts_ms);
	v.seq_len = tw_format_u64(v.seq, t->seq + 1);
	t->seq++;
	t->last_ts = ts_ms;
	if (t->signs) {
		size_t n = run(t, t->ops + t->msg_ops, t->sign_ops, &v, t->signed_buf);
		tw_hmac_sha256_hex(&t->key, t->signed_buf, n, v.sig);
	}
	return (int64_t)run(t, t->ops, t->msg_ops, &v, out);
}
