/*
 * Order templates (tw_order.h): the decimal rule on known values (the JS reference is compared
 * over random values by test/orders in vitest), template compilation errors, and rendering with
 * sequence numbers, timestamps and HMAC signatures checked against an independently built request.
 */
#include <stdio.h>
#include <string.h>

#include "tw_order.h"

#include "test_util.h"

static void
dec(double v, unsigned d, const char *want)
{
	char out[64];
	int n = tw_format_decimal(out, v, d);
	if (want == NULL) {
		CHECK(n == TW_ERR_ORDER_VALUE, "format(%.17g, %u) refused (got %d)", v, d, n);
		return;
	}
	CHECK(n == (int)strlen(want) && memcmp(out, want, (size_t)n) == 0, "format(%.17g, %u) = %s (got %.*s)", v, d, want,
		n > 0 ? n : 0, out);
}

static void
test_decimal(void)
{
	dec(0.1 + 0.2, 2, "0.30");
	dec(0.1 + 0.2, 8, "0.30000000");
	dec(23416.1, 8, "23416.10000000");
	dec(23416.1, 2, "23416.10");
	dec(0, 0, "0");
	dec(-0.0, 3, "0.000");
	dec(5, 0, "5");
	dec(0.5, 0, "1");           /* ties go up, as Math.round */
	dec(2.5, 0, "3");
	dec(1.005, 2, "1.00");      /* 1.005 * 100 = 100.49999999999999 in doubles */
	dec(0.000001, 8, "0.00000100");
	dec(0.00000001, 8, "0.00000001");
	dec(0.000000004, 8, "0.00000000");
	dec(0.000000005, 8, "0.00000001");
	dec(9007199254740991.0, 0, "9007199254740991");
	dec(90071992547.40991, 5, "90071992547.40991");
	dec(123456789.123456789, 18, NULL); /* beyond 2^53 units */
	dec(9007199254740992.0, 0, NULL);
	dec(-1, 2, NULL);
	dec(-0.001, 2, NULL);
	dec(0.0 / 0.0, 2, NULL);
	dec(1.0 / 0.0, 2, NULL);
	dec(1, 19, NULL);
	char u[20];
	CHECK(tw_format_u64(u, 0) == 1 && u[0] == '0', "u64 0");
	CHECK(tw_format_u64(u, UINT64_MAX) == 20 && memcmp(u, "18446744073709551615", 20) == 0, "u64 max");
}

#define S_PRICE "\x01"
#define S_QTY "\x02"
#define S_SEQ "\x03"
#define S_TS "\x04"
#define S_SIG "\x05"

static void
test_template(void)
{
	static tw_order_template t;
	uint8_t out[4096];
	const char *msg = "{\"id\":\"" S_SEQ "\",\"method\":\"order.place\",\"params\":{\"price\":\"" S_PRICE
		"\",\"quantity\":\"" S_QTY "\",\"timestamp\":" S_TS ",\"signature\":\"" S_SIG "\"}}";
	const char *sign = "price=" S_PRICE "&quantity=" S_QTY "&newClientOrderId=tw-" S_SEQ "&timestamp=" S_TS;
	const char *secret = "simsecret";

	CHECK(tw_order_template_init(&t, (const uint8_t *)msg, strlen(msg), (const uint8_t *)sign, strlen(sign),
		(const uint8_t *)secret, strlen(secret), 2, 5) == TW_OK, "compile");
	int64_t n = tw_order_render(&t, 0.1 + 0.2, 1.5, 1700000000123ull, out, sizeof out);
	char payload[256], want[512], sig[65];
	snprintf(payload, sizeof payload, "price=0.30&quantity=1.50000&newClientOrderId=tw-1&timestamp=1700000000123");
	tw_hmac_key k;
	tw_hmac_key_init(&k, secret, strlen(secret), tw_sha256_default());
	tw_hmac_sha256_hex(&k, payload, strlen(payload), sig);
	sig[64] = 0;
	snprintf(want, sizeof want,
		"{\"id\":\"1\",\"method\":\"order.place\",\"params\":{\"price\":\"0.30\",\"quantity\":\"1.50000\","
		"\"timestamp\":1700000000123,\"signature\":\"%s\"}}", sig);
	CHECK(n == (int64_t)strlen(want) && memcmp(out, want, (size_t)n) == 0, "render 1: %.*s", (int)(n > 0 ? n : 0), out);
	CHECK(t.seq == 1 && t.last_ts == 1700000000123ull, "state after render 1");

	n = tw_order_render(&t, 50000, 0.001, 0, out, sizeof out);
	CHECK(n > 8 && memcmp(out, "{\"id\":\"2\"", 9) == 0, "sequence advances");
	CHECK(t.last_ts > 1600000000000ull, "timestamp 0 takes the realtime clock");
	CHECK(tw_order_render(&t, -1, 1, 1, out, sizeof out) == TW_ERR_ORDER_VALUE && t.seq == 2,
		"bad price refused, sequence not consumed");
	CHECK(tw_order_render(&t, 1, 0.0 / 0.0, 1, out, sizeof out) == TW_ERR_ORDER_VALUE, "NaN qty refused");
	CHECK(tw_order_render(&t, 1, 1, 1, out, t.msg_max - 1) == TW_ERR_BUFFER_TOO_SMALL, "short buffer refused");
	CHECK(t.msg_max >= (size_t)n && t.msg_max < 400, "msg_max is a tight-ish bound (%zu)", t.msg_max);

	/* unsigned template (Kraken/Bybit style) */
	const char *plain = "{\"px\":\"" S_PRICE "\",\"q\":\"" S_QTY "\",\"req_id\":" S_SEQ "}";
	CHECK(tw_order_template_init(&t, (const uint8_t *)plain, strlen(plain), NULL, 0, NULL, 0, 1, 0) == TW_OK, "unsigned compile");
	static const char plain_want[] = "{\"px\":\"100.0\",\"q\":\"3\",\"req_id\":1}";
	n = tw_order_render(&t, 99.95, 3, 5, out, sizeof out);
	CHECK(n == (int64_t)strlen(plain_want) && memcmp(out, plain_want, (size_t)n) == 0, "unsigned render: %.*s",
		(int)(n > 0 ? n : 0), out);

	/* compile errors */
	CHECK(tw_order_template_init(&t, (const uint8_t *)plain, strlen(plain), (const uint8_t *)sign, strlen(sign),
		(const uint8_t *)secret, 9, 2, 2) == TW_ERR_INVAL, "signing payload without a signature slot");
	CHECK(tw_order_template_init(&t, (const uint8_t *)msg, strlen(msg), NULL, 0, NULL, 0, 2, 2) == TW_ERR_INVAL,
		"signature slot without a signing payload");
	CHECK(tw_order_template_init(&t, (const uint8_t *)msg, strlen(msg), (const uint8_t *)"a=\x05", 3,
		(const uint8_t *)secret, 9, 2, 2) == TW_ERR_INVAL, "signature inside the signing payload");
	CHECK(tw_order_template_init(&t, (const uint8_t *)msg, strlen(msg), (const uint8_t *)sign, strlen(sign), NULL, 0, 2, 2)
		== TW_ERR_INVAL, "signing without a secret");
	CHECK(tw_order_template_init(&t, (const uint8_t *)"a\x06", 2, NULL, 0, NULL, 0, 2, 2) == TW_ERR_INVAL, "unknown marker");
	CHECK(tw_order_template_init(&t, (const uint8_t *)"a", 1, NULL, 0, NULL, 0, 19, 2) == TW_ERR_INVAL, "decimals > 18");
	CHECK(tw_order_template_init(&t, (const uint8_t *)"", 0, NULL, 0, NULL, 0, 2, 2) == TW_ERR_INVAL, "empty message");
	CHECK(tw_order_render(&t, 1, 1, 1, out, sizeof out) == TW_ERR_INVAL, "render of a failed template refused");
	char many[400];
	for (int i = 0; i < 200; i++) {
		many[2 * i] = 'x';
		many[2 * i + 1] = S_PRICE[0];
	}
	CHECK(tw_order_template_init(&t, (const uint8_t *)many, 400, NULL, 0, NULL, 0, 2, 2) == TW_ERR_INVAL, "too many ops");
	static uint8_t huge[TW_ORDER_MAX_LITERAL + 1];
	memset(huge, 'a', sizeof huge);
	CHECK(tw_order_template_init(&t, huge, sizeof huge, NULL, 0, NULL, 0, 2, 2) == TW_ERR_INVAL, "literal too long");
}

int
main(void)
{
	test_decimal();
	test_template();
	return test_summary("test_order");
}
