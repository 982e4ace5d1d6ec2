/*
 * bench_gcm — the two pieces of BearSSL's GCM record layer, per implementation: AES-128-CTR and
 * GHASH, BearSSL's AES-NI / PCLMUL code (aes_x86ni_ctr, ghash_pclmul) against tickwire's VAES /
 * VPCLMULQDQ code (native/src/tls/gcm_vaes.c). Over one 16 KiB record (what a flood of small
 * messages arrives in) and one 102-byte record (a 100-byte WebSocket message alone), and the
 * cost both take per 102 bytes of a 16 KiB record: the per-message share of decryption when
 * receiving. Same timing style as bench_hash: the iteration count doubles until a run takes 0.5 s.
 *
 * Usage: bench_gcm          (prints "skipped" on a CPU without VAES + VPCLMULQDQ + AVX-512)
 */
#define _POSIX_C_SOURCE 200809L

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "tw.h"
#include "tw_tls.h"

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static unsigned char buf[16384];

/* Seconds per call of `ctr` (if set) or `gh` over len bytes. */
static double
per_call(const br_block_ctr_class *ctr, br_ghash gh, size_t len)
{
	br_aes_x86ni_ctr_keys kc;
	unsigned char key[16] = { 1 }, iv[12] = { 2 }, y[16] = { 0 }, h[16] = { 3 };
	unsigned long n = 16, i;
	double t, dt;

	if (ctr)
		ctr->init(&kc.vtable, key, sizeof key);
	for (;;) {
		t = now();
		for (i = 0; i < n; i++) {
			if (ctr)
				ctr->run(&kc.vtable, iv, 2, buf, len);
			else
				gh(y, h, buf, len);
		}
		dt = now() - t;
		if (dt >= 0.5)
			break;
		n *= 2;
	}
	buf[0] ^= y[0]; /* keep the results alive */
	return dt / (double)n;
}

int
main(void)
{
	const char *names[2] = { "bearssl (aes_x86ni_ctr, ghash_pclmul)", "tickwire (VAES, VPCLMULQDQ)" };
	const br_block_ctr_class *ctr[2] = { br_aes_x86ni_ctr_get_vtable(), tw_tls_vaes_ctr_get() };
	br_ghash gh[2] = { br_ghash_pclmul_get(), tw_tls_vpclmul_ghash_get() };

	if (!(tw_cpu_detect() & TW_CPU_VAES) || ctr[0] == NULL || ctr[1] == NULL || gh[0] == 0 || gh[1] == 0) {
		printf("bench_gcm: skipped (no VAES + VPCLMULQDQ + AVX-512, or BearSSL without AES-NI)\n");
		return 0;
	}
	memset(buf, 0x5a, sizeof buf);
	printf("%-40s %12s %12s %12s %12s %16s\n", "implementation", "CTR 16K GB/s", "GHASH 16K", "CTR 102 B ns", "GHASH 102 B", "both per 102 B");
	for (int k = 0; k < 2; k++) {
		double c16 = per_call(ctr[k], 0, sizeof buf), g16 = per_call(NULL, gh[k], sizeof buf);
		double c102 = per_call(ctr[k], 0, 102), g102 = per_call(NULL, gh[k], 102);
		printf("%-40s %12.2f %12.2f %12.1f %12.1f %13.1f ns\n", names[k], sizeof buf / c16 / 1e9, sizeof buf / g16 / 1e9,
			c102 * 1e9, g102 * 1e9, (c16 + g16) * 1e9 * 102 / sizeof buf);
	}
	return 0;
}
