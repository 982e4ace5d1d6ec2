/*
 * IMPLEMENTATION NOTES
 *
 * CPUID tells what the silicon has; XGETBV tells whether the OS saves the YMM/ZMM registers on a
 * context switch. AVX2 and AVX-512 are only usable when both agree. Detection runs once; the
 * chosen implementations are plain pointers read by the hot paths with no further checks.
 *
 * Selection is meant to happen once at load (the addon calls tw_select_impls before anything
 * else). The lazy path writes the same values if two threads race, so it is benign.
 */
#include <stdlib.h>
#include <string.h>

#include "inner.h"
#include "tw_hash.h"
#include "tw_tls.h"
#include "tw_ws.h"

#if TW_X86
#include <cpuid.h>

TW_TARGET("xsave")
static uint64_t
read_xcr0(void)
{
	uint32_t eax, edx;
	__asm__ volatile("xgetbv" : "=a"(eax), "=d"(edx) : "c"(0));
	return ((uint64_t)edx << 32) | eax;
}

static unsigned
detect(void)
{
	unsigned a, b, c, d, f = 0;
	if (!__get_cpuid(1, &a, &b, &c, &d))
		return 0;
	if (c & bit_SSSE3)
		f |= TW_CPU_SSSE3;
	if (c & bit_SSE4_1)
		f |= TW_CPU_SSE41;
	int aes_clmul = (c & bit_AES) && (c & bit_PCLMUL) && (c & bit_SSSE3) && (c & bit_SSE4_1);
	int osxsave = (c & bit_OSXSAVE) != 0;
	int avx = (c & bit_AVX) != 0;
	uint64_t xcr0 = osxsave ? read_xcr0() : 0;
	int ymm_ok = avx && (xcr0 & 0x6) == 0x6;          /* XMM + YMM state */
	int zmm_ok = ymm_ok && (xcr0 & 0xe0) == 0xe0;     /* opmask + ZMM_Hi256 + Hi16_ZMM */
	if (__get_cpuid_max(0, NULL) >= 7) {
		__cpuid_count(7, 0, a, b, c, d);
		if (b & bit_SHA)
			f |= TW_CPU_SHA;
		if (ymm_ok && (b & bit_AVX2))
			f |= TW_CPU_AVX2;
		if (zmm_ok && (b & bit_AVX512F) && (b & bit_AVX512BW))
			f |= TW_CPU_AVX512;
		if ((f & TW_CPU_AVX512) && (b & bit_AVX512VL) && (c & bit_VAES) && (c & bit_VPCLMULQDQ) && aes_clmul)
			f |= TW_CPU_VAES;
	}
	return f;
}
#else
static unsigned
detect(void)
{
	return 0;
}
#endif

static unsigned detected;
static int detected_done;
static unsigned in_use;
static const tw_sha256_impl *sha_impl;
static const tw_mask_impl *mask_impl;

/* see tw.h */
unsigned
tw_cpu_detect(void)
{
	if (!detected_done) {
		detected = detect();
		detected_done = 1;
	}
	return detected;
}

/* see tw.h */
unsigned
tw_select_impls(unsigned allowed)
{
	unsigned f = tw_cpu_detect() & allowed;
	unsigned used = 0;
	const tw_sha256_impl *s = NULL;
	const tw_mask_impl *m = NULL;

	if ((f & TW_CPU_SHA) && (f & TW_CPU_SSE41) && (f & TW_CPU_SSSE3) && (s = tw_sha256_ni_get()) != NULL)
		used |= TW_CPU_SHA | TW_CPU_SSE41 | TW_CPU_SSSE3;
	else
		s = tw_sha256_portable_get();
	if ((f & TW_CPU_AVX512) && (m = tw_mask_avx512_get()) != NULL)
		used |= TW_CPU_AVX512;
	else if ((f & TW_CPU_AVX2) && (m = tw_mask_avx2_get()) != NULL)
		used |= TW_CPU_AVX2;
	else
		m = tw_mask_scalar_get();
	/* The VAES CTR reuses BearSSL's AES-NI key schedule: BearSSL must have its x86ni code. */
	if ((f & TW_CPU_VAES) && tw_tls_vaes_ctr_get() != NULL && br_aes_x86ni_ctr_get_vtable() != NULL)
		used |= TW_CPU_VAES;

	sha_impl = s;
	mask_impl = m;
	in_use = used;
	return used;
}

/* see tw.h */
unsigned
tw_env_allowed(void)
{
	const char *force = getenv("TW_FORCE_IMPL");
	return (force != NULL && strcmp(force, "portable") == 0) ? 0u : ~0u;
}

/* see tw.h */
unsigned
tw_features_in_use(void)
{
	if (sha_impl == NULL)
		tw_select_impls(tw_env_allowed());
	return in_use;
}

/* see tw_hash.h */
const tw_sha256_impl *
tw_sha256_default(void)
{
	if (TW_UNLIKELY(sha_impl == NULL))
		tw_select_impls(tw_env_allowed());
	return sha_impl;
}

/* see tw_ws.h */
const tw_mask_impl *
tw_mask_default(void)
{
	if (TW_UNLIKELY(mask_impl == NULL))
		tw_select_impls(tw_env_allowed());
	return mask_impl;
}
