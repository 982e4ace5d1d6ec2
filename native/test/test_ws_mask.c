/*
 * Masking: every implementation the CPU offers against a byte-at-a-time reference, for every length
 * 0..1100, destination/source misalignment 0..63, and start offset 0..3, in place and copying.
 * Canary bytes around the output catch writes past either end.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tw_ws.h"

#include "test_util.h"

#define MAXLEN 1100
#define PAD 128

static uint8_t
rnd8(void)
{
	return (uint8_t)test_xorshift();
}

static void
reference(uint8_t *dst, const uint8_t *src, size_t len, const uint8_t key[4], uint64_t off)
{
	for (size_t i = 0; i < len; i++)
		dst[i] = src[i] ^ key[(off + i) & 3];
}

static _Alignas(64) uint8_t src_area[MAXLEN + 2 * PAD];
static _Alignas(64) uint8_t dst_area[MAXLEN + 2 * PAD];
static uint8_t expect[MAXLEN];
static uint8_t orig[MAXLEN];

static int
check_canaries(const uint8_t *area, size_t start, size_t len)
{
	for (size_t i = 0; i < start; i++)
		if (area[i] != 0xA5)
			return 0;
	for (size_t i = start + len; i < MAXLEN + 2 * PAD; i++)
		if (area[i] != 0xA5)
			return 0;
	return 1;
}

static void
run_impl(const tw_mask_impl *impl)
{
	unsigned fail_before = test_failed;
	uint8_t key[4];
	for (size_t len = 0; len <= MAXLEN; len++) {
		for (size_t align = 0; align < 64; align += (len > 300 ? 7 : 1)) {
			uint64_t off = rnd8() & 3;
			for (int k = 0; k < 4; k++)
				key[k] = rnd8();
			for (size_t i = 0; i < len; i++)
				orig[i] = rnd8();
			reference(expect, orig, len, key, off);
			uint32_t packed = tw_mask_key_at(key, off);

			/* in place */
			memset(dst_area, 0xA5, sizeof dst_area);
			uint8_t *d = dst_area + PAD + align;
			memcpy(d, orig, len);
			impl->mask(d, len, packed);
			int ok = memcmp(d, expect, len) == 0 && check_canaries(dst_area, PAD + align, len);
			/* at most 5 failures printed per implementation, all counted */
			if (!test_count(ok) && test_failed - fail_before <= 5)
				printf("FAIL %s mask len=%zu align=%zu off=%u\n", impl->name, len, align, (unsigned)off);

			/* copy, source misaligned differently from destination */
			size_t salign = (align * 7 + 3) & 63;
			memset(dst_area, 0xA5, sizeof dst_area);
			memset(src_area, 0, sizeof src_area);
			memcpy(src_area + PAD + salign, orig, len);
			impl->mask_copy(d, src_area + PAD + salign, len, packed);
			ok = memcmp(d, expect, len) == 0 && check_canaries(dst_area, PAD + align, len)
				&& memcmp(src_area + PAD + salign, orig, len) == 0;
			if (!test_count(ok) && test_failed - fail_before <= 5)
				printf("FAIL %s mask_copy len=%zu align=%zu salign=%zu off=%u\n",
					impl->name, len, align, salign, (unsigned)off);
		}
	}
	printf("%s: %s\n", impl->name, test_failed == fail_before ? "ok" : "FAILED");
}

/* Masking a payload in pieces with running offsets equals masking it whole. */
static void
run_pieces(void)
{
	uint8_t key[4] = { 0x37, 0xfa, 0x21, 0x3d };
	uint8_t whole[777], pieces[777];
	for (size_t i = 0; i < sizeof whole; i++)
		whole[i] = pieces[i] = rnd8();
	tw_mask(whole, sizeof whole, key, 0);
	size_t pos = 0;
	while (pos < sizeof pieces) {
		size_t n = 1 + (rnd8() % 97);
		if (n > sizeof pieces - pos)
			n = sizeof pieces - pos;
		tw_mask(pieces + pos, n, key, pos);
		pos += n;
	}
	CHECK(memcmp(whole, pieces, sizeof whole) == 0, "pieces");
	/* RFC 6455 §5.7: "Hello" masked with 37 fa 21 3d */
	uint8_t hello[5] = { 'H', 'e', 'l', 'l', 'o' };
	const uint8_t masked[5] = { 0x7f, 0x9f, 0x4d, 0x51, 0x58 };
	tw_mask(hello, 5, key, 0);
	CHECK(memcmp(hello, masked, 5) == 0, "rfc example");
}

int
main(void)
{
	const tw_mask_impl *impls[3] = { tw_mask_scalar_get(), tw_mask_avx2_get(), tw_mask_avx512_get() };
	const char *names[3] = { "scalar", "avx2", "avx512" };

	test_rng_seed(UINT64_C(0x9e3779b97f4a7c15));
	for (int i = 0; i < 3; i++) {
		if (impls[i] == NULL) {
			printf("SKIP %s: CPU lacks it\n", names[i]);
			continue;
		}
		run_impl(impls[i]);
	}
	run_pieces();
	printf("default: %s\n", tw_mask_default()->name);
	return test_summary("test_ws_mask");
}
