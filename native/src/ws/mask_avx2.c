/*
 * IMPLEMENTATION NOTES
 *
 * AVX2 masking, 128 bytes per iteration (four independent 32-byte XORs keep both load ports busy).
 * For long inputs the destination is first brought to a 32-byte boundary with a scalar head, and
 * the key is rotated by the head's length, so the main loop never splits a cache line on store.
 * Short inputs (< 64 bytes) go straight to the scalar loop: vector setup would cost more.
 */
#include "tw_ws.h"
#include "mask_inner.h"

#if TW_X86
#include <immintrin.h>

TW_TARGET("avx2")
static void
run_avx2(uint8_t *dst, const uint8_t *src, size_t len, uint32_t key)
{
	if (len < 64) {
		tw_mask_scalar_run(dst, src, len, key);
		return;
	}
	size_t head = (32 - ((uintptr_t)dst & 31)) & 31;
	if (head) {
		tw_mask_scalar_run(dst, src, head, key);
		dst += head;
		src += head;
		len -= head;
		key = tw_mask_rotate(key, head & 3);
	}
	const __m256i k = _mm256_set1_epi32((int)key);
	size_t i = 0;
	for (; i + 128 <= len; i += 128) {
		__m256i a = _mm256_loadu_si256((const __m256i *)(src + i));
		__m256i b = _mm256_loadu_si256((const __m256i *)(src + i + 32));
		__m256i c = _mm256_loadu_si256((const __m256i *)(src + i + 64));
		__m256i d = _mm256_loadu_si256((const __m256i *)(src + i + 96));
		_mm256_store_si256((__m256i *)(dst + i), _mm256_xor_si256(a, k));
		_mm256_store_si256((__m256i *)(dst + i + 32), _mm256_xor_si256(b, k));
		_mm256_store_si256((__m256i *)(dst + i + 64), _mm256_xor_si256(c, k));
		_mm256_store_si256((__m256i *)(dst + i + 96), _mm256_xor_si256(d, k));
	}
	for (; i + 32 <= len; i += 32) {
		__m256i a = _mm256_loadu_si256((const __m256i *)(src + i));
		_mm256_store_si256((__m256i *)(dst + i), _mm256_xor_si256(a, k));
	}
	tw_mask_scalar_run(dst + i, src + i, len - i, key);
}

static void
mask_avx2(uint8_t *buf, size_t len, uint32_t key)
{
	run_avx2(buf, buf, len, key);
}

static void
mask_copy_avx2(uint8_t *dst, const uint8_t *src, size_t len, uint32_t key)
{
	run_avx2(dst, src, len, key);
}

static const tw_mask_impl impl = { "avx2", mask_avx2, mask_copy_avx2 };

/* see tw_ws.h */
const tw_mask_impl *
tw_mask_avx2_get(void)
{
	return (tw_cpu_detect() & TW_CPU_AVX2) ? &impl : NULL;
}
#else
/* see tw_ws.h */
const tw_mask_impl *
tw_mask_avx2_get(void)
{
	return NULL;
}
#endif
