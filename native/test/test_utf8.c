/*
 * test_utf8 — tw_utf8_* against fixed cases (boundaries, overlongs, surrogates, out of range,
 * stray and missing continuation bytes), every case split at every position and byte at a time,
 * exhaustive short strings, and a differential test against a plain reference decoder.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tw_ws.h"

#include "test_util.h"
#include "utf8_ref.h"

/* Encodes a code point (no checks: surrogates are encoded too). */
static size_t
encode(uint8_t *out, uint32_t cp)
{
	if (cp < 0x80) {
		out[0] = (uint8_t)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (uint8_t)(0xC0 | (cp >> 6));
		out[1] = (uint8_t)(0x80 | (cp & 0x3F));
		return 2;
	}
	if (cp < 0x10000) {
		out[0] = (uint8_t)(0xE0 | (cp >> 12));
		out[1] = (uint8_t)(0x80 | ((cp >> 6) & 0x3F));
		out[2] = (uint8_t)(0x80 | (cp & 0x3F));
		return 3;
	}
	out[0] = (uint8_t)(0xF0 | (cp >> 18));
	out[1] = (uint8_t)(0x80 | ((cp >> 12) & 0x3F));
	out[2] = (uint8_t)(0x80 | ((cp >> 6) & 0x3F));
	out[3] = (uint8_t)(0x80 | (cp & 0x3F));
	return 4;
}

/* Incremental validation over the given cut points (sorted, each <= len). */
static int
valid_chunked(const uint8_t *p, size_t len, const size_t *cuts, size_t ncuts)
{
	tw_utf8_ctx ctx;
	size_t prev = 0, i;

	tw_utf8_init(&ctx);
	for (i = 0; i <= ncuts; i++) {
		size_t end = i < ncuts ? cuts[i] : len;
		if (tw_utf8_update(&ctx, p + prev, end - prev) != TW_OK)
			return 0;
		prev = end;
	}
	return tw_utf8_finish(&ctx) == TW_OK;
}

static int
valid_bytewise(const uint8_t *p, size_t len)
{
	tw_utf8_ctx ctx;
	size_t i;

	tw_utf8_init(&ctx);
	for (i = 0; i < len; i++) {
		if (tw_utf8_update(&ctx, p + i, 1) != TW_OK)
			return 0;
	}
	return tw_utf8_finish(&ctx) == TW_OK;
}

/*
 * Every way of feeding one string must agree with `expect`: one shot, two chunks cut at every
 * position, byte at a time, and embedded in ASCII runs of many lengths (moves the sequence across
 * the 8/16-byte fast-path boundaries).
 */
static void
check_all_ways(const char *name, const uint8_t *s, size_t len, int expect)
{
	uint8_t buf[256];
	size_t k, pre, post;
	int bad;

	CHECK((tw_utf8_validate(s, len) == TW_OK) == expect, "%s: one shot", name);
	CHECK(utf8_ref_valid(s, len) == expect, "%s: reference agrees", name);

	bad = 0;
	for (k = 0; k <= len; k++)
		bad += valid_chunked(s, len, &k, 1) != expect;
	CHECK(bad == 0, "%s: split at every position", name);

	CHECK(valid_bytewise(s, len) == expect, "%s: byte at a time", name);

	bad = 0;
	for (pre = 0; pre <= 40; pre++) {
		for (post = 0; post <= 20; post++) {
			size_t n = pre + len + post;
			size_t cut = pre + len / 2;
			memset(buf, 'a', pre);
			memcpy(buf + pre, s, len);
			memset(buf + pre + len, 'z', post);
			bad += (tw_utf8_validate(buf, n) == TW_OK) != expect;
			bad += valid_chunked(buf, n, &cut, 1) != expect;
		}
	}
	CHECK(bad == 0, "%s: inside ASCII runs", name);
}

struct vcase {
	const char *name;
	const char *bytes;
	size_t len;
};

#define VC(name, lit) { name, lit, sizeof(lit) - 1 }

static const struct vcase valid_cases[] = {
	VC("empty", ""),
	VC("ascii", "Hello, WebSocket!"),
	VC("long ascii", "The quick brown fox jumps over the lazy dog 0123456789 ~!@#$%^&*()"),
	VC("U+0000", "\x00"),
	VC("U+007F", "\x7F"),
	VC("U+0080", "\xC2\x80"),
	VC("U+07FF", "\xDF\xBF"),
	VC("U+0800", "\xE0\xA0\x80"),
	VC("U+D7FF", "\xED\x9F\xBF"),
	VC("U+E000", "\xEE\x80\x80"),
	VC("U+FFFD", "\xEF\xBF\xBD"),
	VC("U+FFFF", "\xEF\xBF\xBF"),
	VC("U+10000", "\xF0\x90\x80\x80"),
	VC("U+FFFFF", "\xF3\xBF\xBF\xBF"),
	VC("U+100000", "\xF4\x80\x80\x80"),
	VC("U+10FFFF", "\xF4\x8F\xBF\xBF"),
	VC("kosme", "\xCE\xBA\xE1\xBD\xB9\xCF\x83\xCE\xBC\xCE\xB5"),
	VC("mixed", "a\xC2\xA9" "b\xE2\x82\xAC c\xF0\x9F\x98\x80" "d"),
	VC("all widths", "\x7F\xDF\xBF\xEF\xBF\xBF\xF4\x8F\xBF\xBF"),
};

static const struct vcase invalid_cases[] = {
	VC("overlong C0 80", "\xC0\x80"),
	VC("overlong C1 BF", "\xC1\xBF"),
	VC("overlong E0 80 80", "\xE0\x80\x80"),
	VC("overlong E0 9F BF", "\xE0\x9F\xBF"),
	VC("overlong F0 80 80 80", "\xF0\x80\x80\x80"),
	VC("overlong F0 8F BF BF", "\xF0\x8F\xBF\xBF"),
	VC("surrogate ED A0 80", "\xED\xA0\x80"),
	VC("surrogate ED BF BF", "\xED\xBF\xBF"),
	VC("surrogate pair", "\xED\xA0\x80\xED\xB0\x80"),
	VC("above max F4 90 80 80", "\xF4\x90\x80\x80"),
	VC("above max F5 80 80 80", "\xF5\x80\x80\x80"),
	VC("F7 BF BF BF", "\xF7\xBF\xBF\xBF"),
	VC("F8 5-byte form", "\xF8\x88\x80\x80\x80"),
	VC("FC 6-byte form", "\xFC\x84\x80\x80\x80\x80"),
	VC("FE", "\xFE"),
	VC("FF", "\xFF"),
	VC("lone 80", "\x80"),
	VC("lone BF", "\xBF"),
	VC("continuation after ascii", "ab\x80"),
	VC("extra continuation", "\xC2\x80\x80"),
	VC("extra continuation 3", "\xE2\x82\xAC\xAC"),
	VC("lead then ascii", "\xC2\x41"),
	VC("3-byte lead then ascii", "\xE2\x82\x41"),
	VC("4-byte lead then lead", "\xF0\x9F\xF0\x9F\x98\x80"),
	VC("truncated C2", "\xC2"),
	VC("truncated E2 82", "\xE2\x82"),
	VC("truncated E0", "\xE0"),
	VC("truncated F0 9F 98", "\xF0\x9F\x98"),
	VC("truncated F4", "\xF4"),
	VC("truncated after ascii", "Hello\xF0\x9F"),
	VC("kosme then stray", "\xCE\xBA\xE1\xBD\xB9\xCF\x83\xCE\xBC\xCE\xB5\xED\xA0\x80"),
};

static void
test_fixed(void)
{
	size_t i;

	for (i = 0; i < sizeof valid_cases / sizeof valid_cases[0]; i++) {
		const struct vcase *c = &valid_cases[i];
		check_all_ways(c->name, (const uint8_t *)c->bytes, c->len, 1);
	}
	for (i = 0; i < sizeof invalid_cases / sizeof invalid_cases[0]; i++) {
		const struct vcase *c = &invalid_cases[i];
		check_all_ways(c->name, (const uint8_t *)c->bytes, c->len, 0);
	}
}

/* Truncated input passes update (more may follow) but not finish. */
static void
test_truncated(void)
{
	static const char *const heads[] = { "\xC2", "\xE2", "\xE2\x82", "\xF0", "\xF0\x9F", "\xF0\x9F\x98" };
	tw_utf8_ctx ctx;
	size_t i;
	int bad = 0;

	for (i = 0; i < sizeof heads / sizeof heads[0]; i++) {
		tw_utf8_init(&ctx);
		bad += tw_utf8_update(&ctx, (const uint8_t *)heads[i], strlen(heads[i])) != TW_OK;
		bad += tw_utf8_finish(&ctx) != TW_ERR_WS_INVALID_UTF8;
		bad += ctx.state == 0;
	}
	CHECK(bad == 0, "truncated: update ok, finish fails, state not at boundary");

	tw_utf8_init(&ctx);
	CHECK(tw_utf8_finish(&ctx) == TW_OK && ctx.state == 0, "fresh context is at a boundary");
	CHECK(tw_utf8_update(&ctx, NULL, 0) == TW_OK, "empty update");
	CHECK(tw_utf8_validate(NULL, 0) == TW_OK, "validate empty");
}

static void
test_sticky(void)
{
	tw_utf8_ctx ctx;

	tw_utf8_init(&ctx);
	CHECK(tw_utf8_update(&ctx, (const uint8_t *)"ok\xFF", 3) == TW_ERR_WS_INVALID_UTF8, "sticky: error reported");
	CHECK(tw_utf8_update(&ctx, (const uint8_t *)"fine", 4) == TW_ERR_WS_INVALID_UTF8, "sticky: later valid chunk still fails");
	CHECK(tw_utf8_update(&ctx, NULL, 0) == TW_ERR_WS_INVALID_UTF8, "sticky: empty chunk still fails");
	CHECK(tw_utf8_finish(&ctx) == TW_ERR_WS_INVALID_UTF8, "sticky: finish fails");
	tw_utf8_init(&ctx);
	CHECK(tw_utf8_update(&ctx, (const uint8_t *)"fine", 4) == TW_OK && tw_utf8_finish(&ctx) == TW_OK,
		"sticky: init resets");

	/* error inside a sequence that started in an earlier chunk */
	tw_utf8_init(&ctx);
	CHECK(tw_utf8_update(&ctx, (const uint8_t *)"\xED", 1) == TW_OK
		&& tw_utf8_update(&ctx, (const uint8_t *)"\xA0", 1) == TW_ERR_WS_INVALID_UTF8
		&& tw_utf8_update(&ctx, (const uint8_t *)"\x80", 1) == TW_ERR_WS_INVALID_UTF8,
		"surrogate split ED | A0 fails at A0 and stays failed");
}

/* Every scalar value encodes to valid UTF-8; every surrogate encoding is rejected. */
static void
test_all_code_points(void)
{
	uint8_t b[4];
	uint32_t cp;
	int bad = 0, bad_sur = 0;

	for (cp = 0; cp <= 0x10FFFF; cp++) {
		size_t n = encode(b, cp);
		int expect = !(cp >= 0xD800 && cp <= 0xDFFF);
		if ((tw_utf8_validate(b, n) == TW_OK) != expect) {
			if (expect)
				bad++;
			else
				bad_sur++;
		}
		if (n > 1) {
			size_t cut = n - 1;
			if (valid_chunked(b, n, &cut, 1) != expect)
				bad++;
		}
	}
	CHECK(bad == 0, "every code point U+0000..U+10FFFF except surrogates is valid");
	CHECK(bad_sur == 0, "every surrogate U+D800..U+DFFF is rejected");
}

/* Exhaustive 1-, 2- and 3-byte strings, and 4-byte strings around the interesting boundaries. */
static void
test_exhaustive_short(void)
{
	static const uint8_t edge[] = {
		0x00, 0x7F, 0x80, 0x81, 0x8E, 0x8F, 0x90, 0x91, 0x9E, 0x9F, 0xA0, 0xA1, 0xBE, 0xBF, 0xC0, 0xFF
	};
	uint8_t b[4];
	uint32_t v;
	unsigned i, j, k, l;
	int bad = 0;

	for (v = 0; v < 0x100; v++) {
		b[0] = (uint8_t)v;
		bad += (tw_utf8_validate(b, 1) == TW_OK) != utf8_ref_valid(b, 1);
	}
	for (v = 0; v < 0x10000; v++) {
		b[0] = (uint8_t)(v >> 8);
		b[1] = (uint8_t)v;
		bad += (tw_utf8_validate(b, 2) == TW_OK) != utf8_ref_valid(b, 2);
	}
	for (v = 0; v < 0x1000000; v++) {
		b[0] = (uint8_t)(v >> 16);
		b[1] = (uint8_t)(v >> 8);
		b[2] = (uint8_t)v;
		bad += (tw_utf8_validate(b, 3) == TW_OK) != utf8_ref_valid(b, 3);
	}
	CHECK(bad == 0, "all 1-, 2-, 3-byte strings agree with the reference");

	bad = 0;
	for (i = 0xE0; i < 0x100; i++) {
		for (j = 0; j < sizeof edge; j++) {
			for (k = 0; k < sizeof edge; k++) {
				for (l = 0; l < sizeof edge; l++) {
					size_t cut = 1 + (i + j + k + l) % 3;
					int r;
					b[0] = (uint8_t)i;
					b[1] = edge[j];
					b[2] = edge[k];
					b[3] = edge[l];
					r = utf8_ref_valid(b, 4);
					bad += (tw_utf8_validate(b, 4) == TW_OK) != r;
					bad += valid_chunked(b, 4, &cut, 1) != r;
				}
			}
		}
	}
	CHECK(bad == 0, "4-byte strings with E0..FF leads and edge bytes agree with the reference");
}

/* A random byte biased towards the high half, where the rules are. */
static uint8_t
biased_byte(void)
{
	unsigned r = test_rng_below(100);

	if (r < 30)
		return (uint8_t)test_rng_below(0x80);
	if (r < 60)
		return (uint8_t)(0x80 + test_rng_below(0x40));
	if (r < 70)
		return (uint8_t)(0xC0 + test_rng_below(0x20));
	if (r < 85)
		return (uint8_t)(0xE0 + test_rng_below(0x10));
	if (r < 97)
		return (uint8_t)(0xF0 + test_rng_below(0x05));
	return (uint8_t)(0xF5 + test_rng_below(0x0B));
}

/* Mostly valid text with a mutation now and then (pure random bytes fail almost at once). */
static size_t
random_text(uint8_t *out, size_t cap)
{
	size_t n = 0;

	while (n + 4 <= cap && test_rng_below(64) != 0) {
		unsigned r = test_rng_below(10);
		uint32_t cp;
		if (r < 4)
			cp = test_rng_below(0x80);
		else if (r < 6)
			cp = 0x80 + test_rng_below(0x800 - 0x80);
		else if (r < 8)
			cp = 0x800 + test_rng_below(0x10000 - 0x800);
		else
			cp = 0x10000 + test_rng_below(0x110000 - 0x10000);
		if (cp >= 0xD800 && cp <= 0xDFFF && test_rng_below(4) != 0)
			cp = 0xFFFD;
		n += encode(out + n, cp);
	}
	if (n != 0 && test_rng_below(3) == 0)
		out[test_rng_below((unsigned)n)] = biased_byte();
	if (n != 0 && test_rng_below(8) == 0)
		n -= test_rng_below((unsigned)n);
	return n;
}

static void
test_differential(void)
{
	static uint8_t buf[600];
	int bad = 0, nvalid = 0;
	int iter;

	for (iter = 0; iter < 100000; iter++) {
		size_t len, i, ncuts, cuts[4];
		int r, one;

		if (iter & 1) {
			len = test_rng_below(iter % 10 == 1 ? 600 : 48);
			for (i = 0; i < len; i++)
				buf[i] = biased_byte();
		} else {
			len = random_text(buf, iter % 10 == 0 ? 600 : 64);
		}
		r = utf8_ref_valid(buf, len);
		nvalid += r;
		one = tw_utf8_validate(buf, len) == TW_OK;
		bad += one != r;
		ncuts = test_rng_below(5);
		for (i = 0; i < ncuts; i++)
			cuts[i] = len ? test_rng_below((unsigned)len + 1) : 0;
		/* sort the cuts */
		for (i = 1; i < ncuts; i++) {
			size_t j = i, t = cuts[i];
			while (j > 0 && cuts[j - 1] > t) {
				cuts[j] = cuts[j - 1];
				j--;
			}
			cuts[j] = t;
		}
		bad += valid_chunked(buf, len, cuts, ncuts) != r;
		if (len <= 64)
			bad += valid_bytewise(buf, len) != r;
		if (bad != 0 && bad < 4) {
			printf("differential mismatch (ref %d, len %zu):", r, len);
			for (i = 0; i < len; i++)
				printf(" %02x", buf[i]);
			printf("\n");
		}
	}
	CHECK(bad == 0, "differential: 100k random strings vs reference (one shot, chunked, bytewise)");
	CHECK(nvalid > 10000 && nvalid < 90000, "differential: sample mixes valid and invalid strings");
}

/* Long ASCII with one bad byte at every position: the fast path must not skip it. */
static void
test_fast_path_positions(void)
{
	uint8_t buf[200];
	size_t pos;
	int bad = 0;

	for (pos = 0; pos < sizeof buf; pos++) {
		memset(buf, 'x', sizeof buf);
		bad += tw_utf8_validate(buf, sizeof buf) != TW_OK;
		buf[pos] = 0x80;
		bad += tw_utf8_validate(buf, sizeof buf) != TW_ERR_WS_INVALID_UTF8;
		buf[pos] = 0xFF;
		bad += tw_utf8_validate(buf, sizeof buf) != TW_ERR_WS_INVALID_UTF8;
		if (pos + 1 < sizeof buf) {
			buf[pos] = 0xC3;
			buf[pos + 1] = 0xA9;
			bad += tw_utf8_validate(buf, sizeof buf) != TW_OK;
		}
		/* unaligned starts */
		bad += (tw_utf8_validate(buf + (pos & 7), sizeof buf - (pos & 7)) == TW_OK)
			!= utf8_ref_valid(buf + (pos & 7), sizeof buf - (pos & 7));
	}
	CHECK(bad == 0, "one bad byte at every position of a long ASCII run");
}

int
main(void)
{
	test_rng_seed(UINT64_C(0x9E3779B97F4A7C15));
	test_fixed();
	test_truncated();
	test_sticky();
	test_all_code_points();
	test_exhaustive_short();
	test_fast_path_positions();
	test_differential();
	return test_summary("test_utf8");
}
