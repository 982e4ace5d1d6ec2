/*
 * IMPLEMENTATION NOTES
 *
 * AVX-512 (F+BW) masking. Byte-granular masked loads/stores (AVX512BW) handle the head that aligns
 * the destination to 64 bytes and any tail, so there is no scalar loop at all and short inputs cost
 * one masked load/xor/store. The main loop does 256 bytes per iteration with aligned stores.
 * Masked-off bytes are neither read nor written (no faults past the end of the buffer).
 */
#include "tw_ws.h"
#include "mask_inner.h"

#if TW_X86
#include <immintrin.h>

#define TW_AVX512_ISA "avx512f,avx512bw"

TW_TARGET(TW_AVX512_ISA)
static inline void
masked_xor(uint8_t *dst, const uint8_t *src, size_t n, __m512i k)
{
	__mmask64 m = n >= 64 ? ~(__mmask64)0 : (((__mmask64)1 << n) - 1);
	__m512i v = _mm512_maskz_loadu_epi8(m, src);
	_mm512_mask_storeu_epi8(dst, m, _mm512_xor_si512(v, k));
}

TW_TARGET(TW_AVX512_ISA)
static void
run_avx512(uint8_t *dst, const uint8_t *src, size_t len, uint32_t key)
{
	if (len <= 64) {
		masked_xor(dst, src, len, _mm512_set1_epi32((int)key));
		return;
	}
	size_t head = (64 - ((uintptr_t)dst & 63)) & 63;
	if (head) {
		masked_xor(dst, src, head, _mm512_set1_epi32((int)key));
		dst += head;
		src += head;
		len -= head;
		key = tw_mask_rotate(key, head & 3);
	}
	const __m512i k = _mm512_set1_epi32((int)key);
	size_t i = 0;
	for (; i + 256 <= len; i += 256) {
		__m512i a = _mm512_loadu_si512((const void *)(src + i));
		__m512i b = _mm512_loadu_si512((const void *)(src + i + 64));
		__m512i c = _mm512_loadu_si512((const void *)(src + i + 128));
		__m512i d = _mm512_loadu_si512((const void *)(src + i + 192));
		_mm512_store_si512((void *)(dst + i), _mm512_xor_si512(a, k));
		_mm512_store_si512((void *)(dst + i + 64), _mm512_xor_si512(b, k));
		_mm512_store_si512((void *)(dst + i + 128), _mm512_xor_si512(c, k));
		_mm512_store_si512((void *)(dst + i + 192), _mm512_xor_si512(d, k));
	}
	for (; i + 64 <= len; i += 64) {
		__m512i a = _mm512_loadu_si512((const void *)(src + i));
		_mm512_store_si512((void *)(dst + i), _mm512_xor_si512(a, k));
	}
	if (i < len)
		masked_xor(dst + i, src + i, len - i, k);
}

static void
mask_avx512(uint8_t *buf, size_t len, uint32_t key)
{
	run_avx512(buf, buf, len, key);
}

static void
mask_copy_avx512(uint8_t *dst, const uint8_t *src, size_t len, uint32_t key)
{
	run_avx512(dst, src, len, key);
}

static const tw_mask_impl impl = { "avx512", mask_avx512, mask_copy_avx512 };

/* see tw_ws.h */
const tw_mask_impl *
tw_mask_avx512_get(void)
{
	return (tw_cpu_detect() & TW_CPU_AVX512) ? &impl : NULL;
}
#else
/* see tw_ws.h */
const tw_mask_impl *
tw_mask_avx512_get(void)
{
	return NULL;
}
#endif
