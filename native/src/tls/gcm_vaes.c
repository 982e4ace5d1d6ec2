/*
 * IMPLEMENTATION NOTES
 *
 * AES-CTR and GHASH for BearSSL's GCM record layer on CPUs with VAES and VPCLMULQDQ (AVX-512).
 * BearSSL's GCM records (TLS_*_AES_*_GCM_*) call two pluggable pieces per record: a CTR block
 * cipher (br_block_ctr_class) and a GHASH function (br_ghash). Its own x86 versions
 * (aes_x86ni_ctr, ghash_pclmul) work on one 128-bit lane: on this project's EPYC VM 10.7 GB/s
 * CTR and 6.4 GB/s GHASH over 16 KiB records, 25 ns per 100-byte WebSocket message received
 * (native/bench/bench_gcm.c). These do four 128-bit lanes per instruction (22 / 13.3 GB/s, 12 ns;
 * a lone 102-byte record costs about the same either way, ~90 ns for CTR + GHASH, GHASH being
 * slower and CTR faster here: the block-by-block tail is one dependent multiply per block):
 *
 *   - CTR: 16 counter blocks per iteration (four zmm), AES rounds with VAESENC. The round keys
 *     are BearSSL's own AES-NI key schedule (br_aes_x86ni_ctr_init fills the context, which is
 *     br_aes_x86ni_ctr_keys, so it fits the record layer's key union), broadcast to all lanes.
 *     Counters are kept byte-reversed so the big-endian 32-bit counter is each lane's low dword:
 *     one VPADDD steps four blocks and wraps modulo 2^32 exactly like GCM's inc32.
 *   - GHASH: blocks are byte-reversed (the "reflected" representation of Intel's CLMUL white
 *     paper), 16 blocks per iteration multiplied by H^16..H^1 with VPCLMULQDQ, the 256-bit
 *     products summed unreduced (reduction is linear) and reduced once per 16 blocks. Powers of H
 *     are computed per call (br_ghash is stateless): ~15 multiplications, paid only by calls of
 *     256 bytes or more, i.e. once per large record.
 *
 * Both are checked against BearSSL's implementations over random keys, counters and every length
 * up to a few KiB (native/test/test_gcm.c) and run under every TLS test when the CPU has the
 * features; tw_select_impls() decides (TW_CPU_VAES), and TW_FORCE_IMPL=portable keeps BearSSL's.
 */
#include "inner.h"
#include "tw_tls.h"

#include <string.h>

#if TW_X86
#include <immintrin.h>

#define TW_VAES_ISA "avx512f,avx512bw,avx512vl,vaes,vpclmulqdq,aes,pclmul,ssse3,sse4.1"

/* ---- AES-CTR ------------------------------------------------------------------------------ */

static const br_block_ctr_class vaes_ctr_vtable;

static void
vaes_ctr_init(const br_block_ctr_class **ctx, const void *key, size_t len)
{
	br_aes_x86ni_ctr_keys *kc = (br_aes_x86ni_ctr_keys *)(void *)ctx;
	br_aes_x86ni_ctr_init(kc, key, len);
	kc->vtable = &vaes_ctr_vtable;
}

/* Byte reversal within each 128-bit lane. */
TW_TARGET(TW_VAES_ISA)
static inline __m512i
rev_mask(void)
{
	return _mm512_broadcast_i32x4(_mm_set_epi8(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15));
}

TW_TARGET(TW_VAES_ISA)
static inline __m512i
aes_blocks(__m512i x, const __m512i *rk, unsigned nr)
{
	unsigned i;
	x = _mm512_xor_si512(x, rk[0]);
	for (i = 1; i < nr; i++)
		x = _mm512_aesenc_epi128(x, rk[i]);
	return _mm512_aesenclast_epi128(x, rk[nr]);
}

TW_TARGET(TW_VAES_ISA)
static uint32_t
vaes_ctr_run(const br_block_ctr_class *const *ctx, const void *iv, uint32_t cc, void *data, size_t len)
{
	const br_aes_x86ni_ctr_keys *kc = (const br_aes_x86ni_ctr_keys *)(const void *)ctx;
	unsigned nr = kc->num_rounds, i;
	__m512i rk[15];
	unsigned char blk[16];
	unsigned char *p = data;
	const __m512i rev = rev_mask();
	const __m512i step4 = _mm512_set_epi32(0, 0, 0, 4, 0, 0, 0, 4, 0, 0, 0, 4, 0, 0, 0, 4);

	for (i = 0; i <= nr; i++)
		rk[i] = _mm512_broadcast_i32x4(_mm_loadu_si128((const __m128i *)(const void *)(kc->skey.skni + 16 * i)));
	memcpy(blk, iv, 12);
	blk[12] = (unsigned char)(cc >> 24);
	blk[13] = (unsigned char)(cc >> 16);
	blk[14] = (unsigned char)(cc >> 8);
	blk[15] = (unsigned char)cc;
	/* Lane k holds counter cc + k, byte-reversed (counter in the low dword). */
	__m512i ctr = _mm512_shuffle_epi8(_mm512_broadcast_i32x4(_mm_loadu_si128((const __m128i *)(const void *)blk)), rev);
	ctr = _mm512_add_epi32(ctr, _mm512_set_epi32(0, 0, 0, 3, 0, 0, 0, 2, 0, 0, 0, 1, 0, 0, 0, 0));

	while (len >= 256) {
		__m512i c1 = _mm512_add_epi32(ctr, step4);
		__m512i c2 = _mm512_add_epi32(c1, step4);
		__m512i c3 = _mm512_add_epi32(c2, step4);
		__m512i x0 = _mm512_xor_si512(_mm512_shuffle_epi8(ctr, rev), rk[0]);
		__m512i x1 = _mm512_xor_si512(_mm512_shuffle_epi8(c1, rev), rk[0]);
		__m512i x2 = _mm512_xor_si512(_mm512_shuffle_epi8(c2, rev), rk[0]);
		__m512i x3 = _mm512_xor_si512(_mm512_shuffle_epi8(c3, rev), rk[0]);
		ctr = _mm512_add_epi32(c3, step4);
		for (i = 1; i < nr; i++) {
			x0 = _mm512_aesenc_epi128(x0, rk[i]);
			x1 = _mm512_aesenc_epi128(x1, rk[i]);
			x2 = _mm512_aesenc_epi128(x2, rk[i]);
			x3 = _mm512_aesenc_epi128(x3, rk[i]);
		}
		x0 = _mm512_aesenclast_epi128(x0, rk[nr]);
		x1 = _mm512_aesenclast_epi128(x1, rk[nr]);
		x2 = _mm512_aesenclast_epi128(x2, rk[nr]);
		x3 = _mm512_aesenclast_epi128(x3, rk[nr]);
		_mm512_storeu_si512(p, _mm512_xor_si512(x0, _mm512_loadu_si512(p)));
		_mm512_storeu_si512(p + 64, _mm512_xor_si512(x1, _mm512_loadu_si512(p + 64)));
		_mm512_storeu_si512(p + 128, _mm512_xor_si512(x2, _mm512_loadu_si512(p + 128)));
		_mm512_storeu_si512(p + 192, _mm512_xor_si512(x3, _mm512_loadu_si512(p + 192)));
		p += 256;
		len -= 256;
		cc += 16;
	}
	while (len > 0) {
		size_t n = len < 64 ? len : 64;
		__mmask64 m = n == 64 ? ~(__mmask64)0 : (((__mmask64)1 << n) - 1);
		__m512i x = aes_blocks(_mm512_shuffle_epi8(ctr, rev), rk, nr);
		_mm512_mask_storeu_epi8(p, m, _mm512_xor_si512(x, _mm512_maskz_loadu_epi8(m, p)));
		ctr = _mm512_add_epi32(ctr, step4);
		p += n;
		len -= n;
		cc += (uint32_t)(n >> 4);  /* as BearSSL: a partial final block is not counted */
	}
	return cc;
}

static const br_block_ctr_class vaes_ctr_vtable = {
	sizeof(br_aes_x86ni_ctr_keys),
	16,
	4,
	vaes_ctr_init,
	vaes_ctr_run,
};

/* ---- GHASH -------------------------------------------------------------------------------- */

/*
 * Reduction of a bit-reflected 256-bit product [hi:lo] modulo x^128 + x^7 + x^2 + x + 1: shift
 * left by one bit (reflection), then fold the low half in twice (Intel CLMUL white paper, gfmul).
 */
TW_TARGET(TW_VAES_ISA)
static inline __m128i
reduce(__m128i lo, __m128i mid, __m128i hi)
{
	__m128i t3, t6, t7, t8, t9, t2, t4, t5;
	t3 = _mm_xor_si128(lo, _mm_slli_si128(mid, 8));
	t6 = _mm_xor_si128(hi, _mm_srli_si128(mid, 8));
	t7 = _mm_srli_epi32(t3, 31);
	t8 = _mm_srli_epi32(t6, 31);
	t3 = _mm_slli_epi32(t3, 1);
	t6 = _mm_slli_epi32(t6, 1);
	t9 = _mm_srli_si128(t7, 12);
	t8 = _mm_slli_si128(t8, 4);
	t7 = _mm_slli_si128(t7, 4);
	t3 = _mm_or_si128(t3, t7);
	t6 = _mm_or_si128(t6, t8);
	t6 = _mm_or_si128(t6, t9);
	t7 = _mm_slli_epi32(t3, 31);
	t8 = _mm_slli_epi32(t3, 30);
	t9 = _mm_slli_epi32(t3, 25);
	t7 = _mm_xor_si128(t7, t8);
	t7 = _mm_xor_si128(t7, t9);
	t8 = _mm_srli_si128(t7, 4);
	t7 = _mm_slli_si128(t7, 12);
	t3 = _mm_xor_si128(t3, t7);
	t2 = _mm_srli_epi32(t3, 1);
	t4 = _mm_srli_epi32(t3, 2);
	t5 = _mm_srli_epi32(t3, 7);
	t2 = _mm_xor_si128(t2, t4);
	t2 = _mm_xor_si128(t2, t5);
	t2 = _mm_xor_si128(t2, t8);
	t3 = _mm_xor_si128(t3, t2);
	return _mm_xor_si128(t6, t3);
}

TW_TARGET(TW_VAES_ISA)
static inline __m128i
gfmul(__m128i a, __m128i b)
{
	__m128i lo = _mm_clmulepi64_si128(a, b, 0x00);
	__m128i hi = _mm_clmulepi64_si128(a, b, 0x11);
	__m128i mid = _mm_xor_si128(_mm_clmulepi64_si128(a, b, 0x01), _mm_clmulepi64_si128(a, b, 0x10));
	return reduce(lo, mid, hi);
}

TW_TARGET(TW_VAES_ISA)
static inline __m128i
xor_lanes(__m512i v)
{
	__m256i t = _mm256_xor_si256(_mm512_castsi512_si256(v), _mm512_extracti64x4_epi64(v, 1));
	return _mm_xor_si128(_mm256_castsi256_si128(t), _mm256_extracti128_si256(t, 1));
}

/* Unreduced products of four lanes, accumulated into lo/mid/hi. */
TW_TARGET(TW_VAES_ISA)
static inline void
mul_acc(__m512i d, __m512i h, __m512i *lo, __m512i *mid, __m512i *hi)
{
	*lo = _mm512_xor_si512(*lo, _mm512_clmulepi64_epi128(d, h, 0x00));
	*hi = _mm512_xor_si512(*hi, _mm512_clmulepi64_epi128(d, h, 0x11));
	*mid = _mm512_ternarylogic_epi64(*mid, _mm512_clmulepi64_epi128(d, h, 0x01), _mm512_clmulepi64_epi128(d, h, 0x10), 0x96);
}

TW_TARGET(TW_VAES_ISA)
static void
vpclmul_ghash(void *y, const void *h, const void *data, size_t len)
{
	const __m128i rev = _mm_set_epi8(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
	const __m512i rev4 = rev_mask();
	const unsigned char *p = data;
	__m128i Y = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)y), rev);
	__m128i H = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)h), rev);
	/* pw[j] = H^(16-j): four zmm of [H^16..H^13], [H^12..H^9], [H^8..H^5], [H^4..H^1]. */
	__m128i pw[16];

	if (len >= 64) {
		unsigned top = len >= 256 ? 16 : 4, j;
		pw[15] = H;
		for (j = 2; j <= top; j++)
			pw[16 - j] = gfmul(pw[17 - j], H);
	}
	if (len >= 256) {
		__m512i P0 = _mm512_loadu_si512(&pw[0]), P1 = _mm512_loadu_si512(&pw[4]);
		__m512i P2 = _mm512_loadu_si512(&pw[8]), P3 = _mm512_loadu_si512(&pw[12]);
		do {
			__m512i lo = _mm512_setzero_si512(), mid = lo, hi = lo;
			__m512i d0 = _mm512_shuffle_epi8(_mm512_loadu_si512(p), rev4);
			d0 = _mm512_xor_si512(d0, _mm512_zextsi128_si512(Y));
			mul_acc(d0, P0, &lo, &mid, &hi);
			mul_acc(_mm512_shuffle_epi8(_mm512_loadu_si512(p + 64), rev4), P1, &lo, &mid, &hi);
			mul_acc(_mm512_shuffle_epi8(_mm512_loadu_si512(p + 128), rev4), P2, &lo, &mid, &hi);
			mul_acc(_mm512_shuffle_epi8(_mm512_loadu_si512(p + 192), rev4), P3, &lo, &mid, &hi);
			Y = reduce(xor_lanes(lo), xor_lanes(mid), xor_lanes(hi));
			p += 256;
			len -= 256;
		} while (len >= 256);
	}
	if (len >= 64) {
		__m512i P3 = _mm512_loadu_si512(&pw[12]);
		do {
			__m512i lo = _mm512_setzero_si512(), mid = lo, hi = lo;
			__m512i d = _mm512_shuffle_epi8(_mm512_loadu_si512(p), rev4);
			mul_acc(_mm512_xor_si512(d, _mm512_zextsi128_si512(Y)), P3, &lo, &mid, &hi);
			Y = reduce(xor_lanes(lo), xor_lanes(mid), xor_lanes(hi));
			p += 64;
			len -= 64;
		} while (len >= 64);
	}
	while (len >= 16) {
		Y = gfmul(_mm_xor_si128(Y, _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(const void *)p), rev)), H);
		p += 16;
		len -= 16;
	}
	if (len > 0) {
		unsigned char tmp[16] = { 0 };
		memcpy(tmp, p, len);
		Y = gfmul(_mm_xor_si128(Y, _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(const void *)tmp), rev)), H);
	}
	_mm_storeu_si128((__m128i *)y, _mm_shuffle_epi8(Y, rev));
}

/* see tw_tls.h */
const br_block_ctr_class *
tw_tls_vaes_ctr_get(void)
{
	return &vaes_ctr_vtable;
}

/* see tw_tls.h */
br_ghash
tw_tls_vpclmul_ghash_get(void)
{
	return vpclmul_ghash;
}

#else

const br_block_ctr_class *
tw_tls_vaes_ctr_get(void)
{
	return NULL;
}

br_ghash
tw_tls_vpclmul_ghash_get(void)
{
	return 0;
}

#endif
