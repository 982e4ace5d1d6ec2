/*
 * fuzz_utf8 — libFuzzer target for tw_utf8_*.
 *
 * Input: bytes 0-1 choose two split points; the rest is the text. One-shot tw_utf8_validate,
 * incremental validation split at those points, byte-at-a-time validation (short inputs) and a
 * plain reference decoder (native/test/utf8_ref.h, shared with test_utf8) must all agree; once
 * the incremental state has failed it must stay failed.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tw_ws.h"

#include "../test/utf8_ref.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	tw_utf8_ctx ctx;
	const uint8_t *p;
	uint8_t *copy;
	size_t len, a, b, t, i;
	int ref, one, inc, r;

	if (size < 2)
		return 0;
	p = data + 2;
	len = size - 2;
	a = len ? data[0] % (len + 1) : 0;
	b = len ? (data[1] * 257u) % (len + 1) : 0;
	if (a > b) {
		t = a;
		a = b;
		b = t;
	}
	/* exact-size copy so that ASan sees any read past the end */
	copy = malloc(len ? len : 1);
	if (copy == NULL)
		abort();
	memcpy(copy, p, len);

	ref = utf8_ref_valid(copy, len);
	one = tw_utf8_validate(copy, len) == TW_OK;
	if (one != ref)
		abort();

	tw_utf8_init(&ctx);
	inc = tw_utf8_update(&ctx, copy, a) == TW_OK;
	r = tw_utf8_update(&ctx, copy + a, b - a) == TW_OK;
	if (!inc && r)
		abort(); /* not sticky */
	inc = inc && r;
	r = tw_utf8_update(&ctx, copy + b, len - b) == TW_OK;
	if (!inc && r)
		abort();
	inc = inc && r;
	/* an update failure means the data so far is no valid prefix: the whole cannot be valid */
	if (!inc && ref)
		abort();
	inc = inc && tw_utf8_finish(&ctx) == TW_OK;
	if (inc != ref)
		abort();

	if (len <= 4096) {
		tw_utf8_init(&ctx);
		inc = 1;
		for (i = 0; i < len && inc; i++)
			inc = tw_utf8_update(&ctx, copy + i, 1) == TW_OK;
		inc = inc && tw_utf8_finish(&ctx) == TW_OK;
		if (inc != ref)
			abort();
	}
	free(copy);
	return 0;
}
