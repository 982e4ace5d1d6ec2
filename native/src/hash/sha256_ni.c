/*
 * IMPLEMENTATION NOTES
 *
 * SHA-256 compression with the x86 SHA extensions. SHA256RNDS2 does two rounds on the state
 * split as ABEF / CDGH, so the host-order state is permuted into that layout once per call (not
 * per block) and back at the end; callers hand over as many blocks as they can in one call.
 *
 * Each group of four rounds adds the round constants to four schedule words, runs two RNDS2
 * (the second on the high half, moved down with PSHUFD), and meanwhile advances the message
 * schedule with SHA256MSG1 / PALIGNR + PADDD / SHA256MSG2, so that schedule and rounds overlap.
 * The four message registers rotate; the macro below takes them by name so that the whole
 * 64-round body is straight-line code.
 *
 * The functions carry TW_TARGET("sha,sse4.1,ssse3") so the file builds without -march; the impl
 * is only handed out when CPUID reports SHA and SSE4.1. On non-x86 builds this file only
 * provides tw_sha256_ni_get() returning NULL.
 */
#include "inner.h"
#include "tw_hash.h"
#include "sha256_inner.h"

#if TW_X86

#include <immintrin.h>


/* Four message words, big-endian, any alignment. */
#define LOAD_BE(p)   _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(const void *)(p)), bswap)

/*
 * Rounds 4g..4g+3 with schedule words W[4g..4g+3] in `cur`. `prev` holds W[4g-4..4g-1] and gets
 * its MSG1 step (towards W[4g+12..]) once `cur` is known; `next` holds the MSG1 output for
 * W[4g+4..4g+7] and is finished here with PALIGNR + PADDD + MSG2.
 */
#define GROUP(g, cur, prev, next, do_msg2, do_msg1)   do { \
		__m128i m_ = _mm_add_epi32((cur), \
			_mm_load_si128((const __m128i *)(const void *)(tw_sha256_K + 4 * (g)))); \
		st1 = _mm_sha256rnds2_epu32(st1, st0, m_); \
		if (do_msg2) { \
			(next) = _mm_add_epi32((next), _mm_alignr_epi8((cur), (prev), 4)); \
			(next) = _mm_sha256msg2_epu32((next), (cur)); \
		} \
		st0 = _mm_sha256rnds2_epu32(st0, st1, _mm_shuffle_epi32(m_, 0x0E)); \
		if (do_msg1) \
			(prev) = _mm_sha256msg1_epu32((prev), (cur)); \
	} while (0)

TW_TARGET("sha,sse4.1,ssse3")
static void
sha256_ni_compress(uint32_t state[8], const uint8_t *blocks, size_t nblocks)
{
	const __m128i bswap = _mm_set_epi64x(0x0c0d0e0f08090a0bLL, 0x0405060700010203LL);
	__m128i st0, st1, tmp;

	/* Lanes are named from the highest down: state[0..3] loads as DCBA, state[4..7] as HGFE. */
	tmp = _mm_loadu_si128((const __m128i *)(const void *)&state[0]);
	st1 = _mm_loadu_si128((const __m128i *)(const void *)&state[4]);
	tmp = _mm_shuffle_epi32(tmp, 0xB1);            /* CDAB */
	st1 = _mm_shuffle_epi32(st1, 0x1B);            /* EFGH */
	st0 = _mm_alignr_epi8(tmp, st1, 8);            /* ABEF */
	st1 = _mm_blend_epi16(st1, tmp, 0xF0);         /* CDGH */

	while (nblocks-- > 0) {
		__m128i save0 = st0, save1 = st1;
		__m128i m0, m1, m2, m3;

		m0 = LOAD_BE(blocks + 0);
		m1 = LOAD_BE(blocks + 16);
		m2 = LOAD_BE(blocks + 32);
		m3 = LOAD_BE(blocks + 48);

		GROUP(0,  m0, m3, m1, 0, 0);
		GROUP(1,  m1, m0, m2, 0, 1);
		GROUP(2,  m2, m1, m3, 0, 1);
		GROUP(3,  m3, m2, m0, 1, 1);
		GROUP(4,  m0, m3, m1, 1, 1);
		GROUP(5,  m1, m0, m2, 1, 1);
		GROUP(6,  m2, m1, m3, 1, 1);
		GROUP(7,  m3, m2, m0, 1, 1);
		GROUP(8,  m0, m3, m1, 1, 1);
		GROUP(9,  m1, m0, m2, 1, 1);
		GROUP(10, m2, m1, m3, 1, 1);
		GROUP(11, m3, m2, m0, 1, 1);
		GROUP(12, m0, m3, m1, 1, 1);
		GROUP(13, m1, m0, m2, 1, 0);
		GROUP(14, m2, m1, m3, 1, 0);
		GROUP(15, m3, m2, m0, 0, 0);

		st0 = _mm_add_epi32(st0, save0);
		st1 = _mm_add_epi32(st1, save1);
		blocks += TW_SHA256_BLOCK_LEN;
	}

	/* ABEF / CDGH -> ABCD / EFGH */
	tmp = _mm_shuffle_epi32(st0, 0x1B);            /* FEBA */
	st1 = _mm_shuffle_epi32(st1, 0xB1);            /* DCHG */
	st0 = _mm_blend_epi16(tmp, st1, 0xF0);         /* DCBA */
	st1 = _mm_alignr_epi8(st1, tmp, 8);            /* HGFE */
	_mm_storeu_si128((__m128i *)(void *)&state[0], st0);
	_mm_storeu_si128((__m128i *)(void *)&state[4], st1);
}

static const tw_sha256_impl sha256_ni_impl = {
	"shani",
	sha256_ni_compress
};

/* see tw_hash.h */
const tw_sha256_impl *
tw_sha256_ni_get(void)
{
	const unsigned need = TW_CPU_SHA | TW_CPU_SSE41 | TW_CPU_SSSE3;

	if ((tw_cpu_detect() & need) != need)
		return NULL;
	return &sha256_ni_impl;
}

#else /* !TW_X86 */

/* see tw_hash.h */
const tw_sha256_impl *
tw_sha256_ni_get(void)
{
	return NULL;
}

#endif
