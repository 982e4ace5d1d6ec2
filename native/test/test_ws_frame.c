/*
 * test_ws_frame — tw_ws_header_len / tw_ws_write_header / tw_ws_write_frame: length encodings at
 * their boundaries, the RFC 6455 §5.7 examples rebuilt byte for byte, and argument errors.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tw_ws.h"

#include "test_util.h"

static const uint8_t rfc_key[4] = { 0x37, 0xfa, 0x21, 0x3d };

static void
test_header_len(void)
{
	static const struct {
		uint64_t len;
		size_t unmasked;
	} t[] = {
		{ 0, 2 }, { 1, 2 }, { 125, 2 }, { 126, 4 }, { 127, 4 }, { 65535, 4 }, { 65536, 10 },
		{ UINT64_C(0xFFFFFFFF), 10 }, { UINT64_C(0x7FFFFFFFFFFFFFFF), 10 },
	};
	size_t i;

	for (i = 0; i < sizeof t / sizeof t[0]; i++) {
		CHECK(tw_ws_header_len(t[i].len, 0) == t[i].unmasked, "header_len(%llu)",
			(unsigned long long)t[i].len);
		CHECK(tw_ws_header_len(t[i].len, 1) == t[i].unmasked + 4, "header_len(%llu, masked)",
			(unsigned long long)t[i].len);
	}
	CHECK(tw_ws_header_len(0, 7) == 6, "any nonzero `masked` means masked");
}

static void
test_write_header(void)
{
	uint8_t h[TW_WS_MAX_HEADER_LEN];
	static const uint8_t h0[] = { 0x82, 0x00 };
	static const uint8_t h125[] = { 0x81, 0x7D };
	static const uint8_t h126[] = { 0x82, 0x7E, 0x00, 0x7E };
	static const uint8_t h65535[] = { 0x02, 0x7E, 0xFF, 0xFF };
	static const uint8_t h65536[] = { 0x82, 0x7F, 0, 0, 0, 0, 0, 0x01, 0x00, 0x00 };
	static const uint8_t hmask[] = { 0x00, 0xFE, 0x01, 0x00, 0x37, 0xfa, 0x21, 0x3d };
	static const uint8_t hbig[] = {
		0x88, 0xFF, 0x7F, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x37, 0xfa, 0x21, 0x3d
	};

	CHECK(tw_ws_write_header(h, 1, TW_WS_OP_BINARY, 0, NULL) == 2 && memcmp(h, h0, 2) == 0, "header len 0");
	CHECK(tw_ws_write_header(h, 1, TW_WS_OP_TEXT, 125, NULL) == 2 && memcmp(h, h125, 2) == 0, "header len 125");
	CHECK(tw_ws_write_header(h, 1, TW_WS_OP_BINARY, 126, NULL) == 4 && memcmp(h, h126, 4) == 0, "header len 126");
	CHECK(tw_ws_write_header(h, 0, TW_WS_OP_BINARY, 65535, NULL) == 4 && memcmp(h, h65535, 4) == 0,
		"header len 65535, fin 0");
	CHECK(tw_ws_write_header(h, 1, TW_WS_OP_BINARY, 65536, NULL) == 10 && memcmp(h, h65536, 10) == 0,
		"header len 65536");
	CHECK(tw_ws_write_header(h, 0, TW_WS_OP_CONTINUATION, 256, rfc_key) == 8 && memcmp(h, hmask, 8) == 0,
		"masked continuation header len 256");
	CHECK(tw_ws_write_header(h, 1, TW_WS_OP_CLOSE, UINT64_C(0x7FFFFFFFFFFFFFFF), rfc_key) == 14
		&& memcmp(h, hbig, 14) == 0, "header at the largest length, masked (no validation)");
}

/* Builds a frame and compares it with the expected bytes. */
static void
expect_frame(const char *what, int fin, int op, const uint8_t *payload, size_t len,
	const uint8_t *mask, const uint8_t *want, size_t want_len)
{
	uint8_t *out = malloc(want_len + 16);
	int64_t r;

	memset(out, 0xEE, want_len + 16);
	r = tw_ws_write_frame(out, want_len, fin, op, payload, len, mask);
	CHECK(r == (int64_t)want_len && memcmp(out, want, want_len) == 0 && out[want_len] == 0xEE, "%s", what);
	free(out);
}

static void
test_rfc_examples(void)
{
	static const uint8_t hello_unmasked[] = { 0x81, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f };
	static const uint8_t hello_masked[] = {
		0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58
	};
	static const uint8_t frag1[] = { 0x01, 0x03, 0x48, 0x65, 0x6c };
	static const uint8_t frag2[] = { 0x80, 0x02, 0x6c, 0x6f };
	static const uint8_t ping[] = { 0x89, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f };
	static const uint8_t pong_masked[] = {
		0x8a, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58
	};
	const uint8_t *hello = (const uint8_t *)"Hello";
	uint8_t *want, *payload;
	size_t i;

	expect_frame("RFC 5.7 unmasked text Hello", 1, TW_WS_OP_TEXT, hello, 5, NULL,
		hello_unmasked, sizeof hello_unmasked);
	expect_frame("RFC 5.7 masked text Hello", 1, TW_WS_OP_TEXT, hello, 5, rfc_key,
		hello_masked, sizeof hello_masked);
	expect_frame("RFC 5.7 fragment Hel", 0, TW_WS_OP_TEXT, hello, 3, NULL, frag1, sizeof frag1);
	expect_frame("RFC 5.7 fragment lo", 1, TW_WS_OP_CONTINUATION, hello + 3, 2, NULL, frag2, sizeof frag2);
	expect_frame("RFC 5.7 unmasked ping", 1, TW_WS_OP_PING, hello, 5, NULL, ping, sizeof ping);
	expect_frame("RFC 5.7 masked pong", 1, TW_WS_OP_PONG, hello, 5, rfc_key, pong_masked, sizeof pong_masked);

	/* 256 bytes binary in one unmasked frame; 64 KiB binary in one unmasked frame */
	payload = malloc(65536);
	want = malloc(65536 + 14);
	for (i = 0; i < 65536; i++)
		payload[i] = (uint8_t)(i * 7 + 3);
	want[0] = 0x82;
	want[1] = 0x7E;
	want[2] = 0x01;
	want[3] = 0x00;
	memcpy(want + 4, payload, 256);
	expect_frame("RFC 5.7 256-byte binary, 16-bit length", 1, TW_WS_OP_BINARY, payload, 256, NULL, want, 260);
	want[1] = 0x7F;
	memcpy(want + 2, "\x00\x00\x00\x00\x00\x01\x00\x00", 8);
	memcpy(want + 10, payload, 65536);
	expect_frame("RFC 5.7 64 KiB binary, 64-bit length", 1, TW_WS_OP_BINARY, payload, 65536, NULL, want, 65546);

	/* masked 64 KiB: header then payload XOR key[i % 4] */
	want[1] = 0xFF;
	memcpy(want + 2, "\x00\x00\x00\x00\x00\x01\x00\x00", 8);
	memcpy(want + 10, rfc_key, 4);
	for (i = 0; i < 65536; i++)
		want[14 + i] = payload[i] ^ rfc_key[i & 3];
	{
		uint8_t *out = malloc(65550);
		int64_t r = tw_ws_write_frame(out, 65550, 1, TW_WS_OP_BINARY, payload, 65536, rfc_key);
		CHECK(r == 65550 && memcmp(out, want, 65550) == 0, "masked 64 KiB binary");
		free(out);
	}
	free(payload);
	free(want);

	{
		uint8_t out[8];
		CHECK(tw_ws_write_frame(out, sizeof out, 1, TW_WS_OP_TEXT, NULL, 0, NULL) == 2
			&& out[0] == 0x81 && out[1] == 0x00, "empty text frame, NULL payload");
		CHECK(tw_ws_write_frame(out, sizeof out, 1, TW_WS_OP_CLOSE, NULL, 0, rfc_key) == 6
			&& out[0] == 0x88 && out[1] == 0x80 && memcmp(out + 2, rfc_key, 4) == 0,
			"empty masked close frame");
	}
}

static void
test_sizes_around_boundaries(void)
{
	static const size_t sizes[] = { 0, 1, 124, 125, 126, 127, 65534, 65535, 65536, 65537, 70000 };
	uint8_t *payload = malloc(70000), *out = malloc(70000 + 14);
	size_t i, j;
	int bad = 0;

	for (i = 0; i < 70000; i++)
		payload[i] = (uint8_t)(i ^ (i >> 8));
	for (i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
		size_t n = sizes[i];
		for (j = 0; j < 2; j++) {
			const uint8_t *mask = j ? rfc_key : NULL;
			size_t hl = tw_ws_header_len(n, mask != NULL);
			int64_t r = tw_ws_write_frame(out, hl + n, 1, TW_WS_OP_BINARY, payload, n, mask);
			size_t k;
			uint8_t h[TW_WS_MAX_HEADER_LEN];

			bad += r != (int64_t)(hl + n);
			bad += tw_ws_write_header(h, 1, TW_WS_OP_BINARY, n, mask) != hl;
			bad += memcmp(h, out, hl) != 0;
			for (k = 0; k < n; k++)
				bad += out[hl + k] != (uint8_t)(payload[k] ^ (mask ? mask[k & 3] : 0));
			bad += tw_ws_write_frame(out, hl + n - 1, 1, TW_WS_OP_BINARY, payload, n, mask)
				!= TW_ERR_BUFFER_TOO_SMALL;
		}
	}
	CHECK(bad == 0, "frames at every length boundary: header + payload, exact cap, cap - 1");
	free(payload);
	free(out);
}

static void
test_errors(void)
{
	uint8_t out[256], payload[200];
	int op;
	int bad = 0;

	memset(payload, 'x', sizeof payload);
	for (op = -1; op <= 16; op++) {
		int defined = op == 0 || op == 1 || op == 2 || op == 8 || op == 9 || op == 10;
		int64_t r = tw_ws_write_frame(out, sizeof out, 1, op, payload, 3, NULL);
		bad += defined ? r != 5 : r != TW_ERR_INVAL;
	}
	CHECK(bad == 0, "only the six defined opcodes are accepted");

	CHECK(tw_ws_write_frame(out, sizeof out, 0, TW_WS_OP_PING, payload, 3, NULL) == TW_ERR_INVAL,
		"fragmented ping is INVAL");
	CHECK(tw_ws_write_frame(out, sizeof out, 0, TW_WS_OP_CLOSE, payload, 2, NULL) == TW_ERR_INVAL,
		"fragmented close is INVAL");
	CHECK(tw_ws_write_frame(out, sizeof out, 1, TW_WS_OP_PONG, payload, 125, NULL) == 127,
		"pong with 125 bytes is fine");
	CHECK(tw_ws_write_frame(out, sizeof out, 1, TW_WS_OP_PONG, payload, 126, NULL) == TW_ERR_INVAL,
		"pong with 126 bytes is INVAL");
	CHECK(tw_ws_write_frame(out, sizeof out, 1, TW_WS_OP_CLOSE, payload, 126, rfc_key) == TW_ERR_INVAL,
		"masked close with 126 bytes is INVAL");
	CHECK(tw_ws_write_frame(out, sizeof out, 0, TW_WS_OP_TEXT, payload, 126, NULL) == 130,
		"fragmented text is fine");
	CHECK(tw_ws_write_frame(out, 1, 1, TW_WS_OP_TEXT, NULL, 0, NULL) == TW_ERR_BUFFER_TOO_SMALL,
		"cap 1 cannot hold a header");
	CHECK(tw_ws_write_frame(out, 0, 1, TW_WS_OP_TEXT, NULL, 0, NULL) == TW_ERR_BUFFER_TOO_SMALL,
		"cap 0");
	CHECK(tw_ws_write_frame(out, 5, 1, TW_WS_OP_TEXT, payload, 0, rfc_key) == TW_ERR_BUFFER_TOO_SMALL,
		"masked header needs 6");
	CHECK(tw_ws_write_frame(out, 6, 1, TW_WS_OP_TEXT, payload, 0, rfc_key) == 6, "masked empty frame in 6");
	CHECK(tw_ws_write_frame(out, 129, 1, TW_WS_OP_BINARY, payload, 126, NULL) == TW_ERR_BUFFER_TOO_SMALL,
		"126 bytes need a 4-byte header");
	CHECK(tw_ws_write_frame(out, sizeof out, 1, TW_WS_OP_TEXT, NULL, 3, NULL) == TW_ERR_INVAL,
		"NULL payload with nonzero length");
	CHECK(tw_ws_write_frame(out, sizeof out, 1, TW_WS_OP_PING, payload, 126, NULL) == TW_ERR_INVAL
		&& tw_ws_write_frame(out, 2, 1, TW_WS_OP_PING, payload, 126, NULL) == TW_ERR_INVAL,
		"INVAL is reported before BUFFER_TOO_SMALL");
	{
		uint8_t small[4] = { 0xAA, 0xAA, 0xAA, 0xAA };
		CHECK(tw_ws_write_frame(small, 3, 1, TW_WS_OP_TEXT, payload, 2, NULL) == TW_ERR_BUFFER_TOO_SMALL
			&& small[0] == 0xAA && small[3] == 0xAA, "nothing written when the buffer is short");
	}
	CHECK(tw_ws_write_frame(out, SIZE_MAX, 1, TW_WS_OP_BINARY, payload, SIZE_MAX - 2, NULL) < 0,
		"huge length does not wrap");
}

int
main(void)
{
	test_header_len();
	test_write_header();
	test_rfc_examples();
	test_sizes_around_boundaries();
	test_errors();
	return test_summary("test_ws_frame");
}
