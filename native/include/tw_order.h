/*
 * tw_order.h — order templates: a venue's order request serialized once, with typed slots that
 * are filled at send time. Rendering formats the numbers with the venue's precision, computes the
 * HMAC-SHA256 signature with the precomputed key state, and writes the request bytes; no JSON, no
 * allocation, no string building outside the caller's buffers.
 *
 * A template is compiled from two specs: the message (what goes on the wire) and, for venues that
 * sign each request, the signing payload (e.g. Binance's sorted query string). A spec is the
 * request text with slot marker bytes where values go:
 *
 *   TW_ORDER_SLOT_PRICE      price, `price_decimals` digits after the point
 *   TW_ORDER_SLOT_QTY        quantity, `qty_decimals` digits
 *   TW_ORDER_SLOT_SEQ        the template's sequence number (1, 2, ...): request ids, client order ids
 *   TW_ORDER_SLOT_TIMESTAMP  milliseconds since the epoch (CLOCK_REALTIME, or the caller's value)
 *   TW_ORDER_SLOT_SIGNATURE  64 lowercase hex chars of HMAC-SHA256(key, signing payload); message only
 *
 * Marker bytes are control characters (0x01..0x05), which JSON and query strings never carry raw.
 *
 * Decimal rule (the same as src/exchanges/common/decimal.ts, so the reference path in JS produces
 * the same bytes): scaled = round-half-up(value × 10^decimals) in IEEE-754 double arithmetic, then
 * the digits of `scaled` with a '.' inserted `decimals` digits from the right, zero-padded, no sign,
 * no exponent, no '.' when decimals is 0. 0.1 + 0.2 with 2 decimals is "0.30".
 */
#ifndef TW_ORDER_H
#define TW_ORDER_H

#include <stddef.h>
#include <stdint.h>

#include "tw_hash.h"

#ifdef __cplusplus
extern "C" {
#endif

enum {
	TW_ORDER_SLOT_PRICE = 1,
	TW_ORDER_SLOT_QTY = 2,
	TW_ORDER_SLOT_SEQ = 3,
	TW_ORDER_SLOT_TIMESTAMP = 4,
	TW_ORDER_SLOT_SIGNATURE = 5
};

#define TW_ORDER_MAX_OPS 96        /* literal runs + slots, both specs together */
#define TW_ORDER_MAX_LITERAL 4096  /* literal bytes, both specs together */
#define TW_ORDER_MAX_SIGNED 2048   /* largest signing payload */
#define TW_ORDER_MAX_DECIMALS 18
#define TW_ORDER_MAX_SCALED 9007199254740991.0 /* 2^53 - 1: every integer below is exact */
#define TW_ORDER_MAGIC 0x74774f52u /* 'twOR' */

typedef struct tw_order_op {
	uint16_t kind;   /* 0 = literal, else a TW_ORDER_SLOT_* */
	uint16_t len;    /* literal length */
	uint32_t off;    /* literal offset */
} tw_order_op;

typedef struct tw_order_template {
	uint32_t magic;
	uint8_t price_decimals, qty_decimals, signs; /* signs: the template has a signing payload and key */
	uint16_t msg_ops, sign_ops;       /* ops[0..msg_ops) message, then sign_ops signing ops */
	size_t literal_len;
	size_t msg_max;                   /* upper bound of a rendered message */
	uint64_t seq;                     /* last sequence number used */
	uint64_t last_ts;                 /* last timestamp used */
	tw_hmac_key key;
	tw_order_op ops[TW_ORDER_MAX_OPS];
	uint8_t literal[TW_ORDER_MAX_LITERAL];
	uint8_t signed_buf[TW_ORDER_MAX_SIGNED];
} tw_order_template;

/*
 * Compiles a template. `sign` may be NULL (no signature; then `msg` must not hold a SIGNATURE
 * slot); with `sign`, `msg` must hold at least one SIGNATURE slot and `sign` none. The secret is
 * turned into HMAC key state at once and not kept. TW_ERR_INVAL for a bad spec (unknown marker,
 * too many ops, too long, decimals > 18).
 */
int tw_order_template_init(tw_order_template *t, const uint8_t *msg, size_t msg_len, const uint8_t *sign,
	size_t sign_len, const uint8_t *secret, size_t secret_len, unsigned price_decimals, unsigned qty_decimals);

/*
 * Renders one request into `out`: takes the next sequence number, the timestamp (`ts_ms`, or the
 * realtime clock when 0), formats the slots, signs. Returns the length, TW_ERR_ORDER_VALUE for a
 * price/qty that is negative, not finite or beyond 2^53-1 units, TW_ERR_BUFFER_TOO_SMALL when `out`
 * cannot hold t->msg_max bytes. On failure the sequence number is not consumed.
 */
int64_t tw_order_render(tw_order_template *t, double price, double qty, uint64_t ts_ms, uint8_t *out, size_t cap);

/* Formats `value` by the decimal rule above into `out` (room for 40 bytes). Returns the length or
 * TW_ERR_ORDER_VALUE. */
int tw_format_decimal(char *out, double value, unsigned decimals);
/* Decimal digits of `v` into `out` (room for 20 bytes); returns the length. */
int tw_format_u64(char *out, uint64_t v);

#ifdef __cplusplus
}
#endif
#endif /* TW_ORDER_H */
