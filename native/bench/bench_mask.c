/*
 * Masking speed per implementation, next to memcpy (the bandwidth bound), in the BearSSL
 * test_speed style: warm up, double the iteration count until a run takes >= 1 s, print ns/op
 * and GB/s. Sizes follow the JS bench: 16 B, 125 B, 1 KiB, 64 KiB, 1 MiB.
 */
#define _POSIX_C_SOURCE 199309L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tw_ws.h"

static double
now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static volatile uint8_t sink;

static void
report(const char *what, const char *name, size_t size, double secs, unsigned long iters)
{
	double ns = secs * 1e9 / (double)iters;
	printf("%-10s %-7s %8zu B  %10.1f ns/op  %8.2f GB/s\n", what, name, size, ns, (double)size / ns);
}

static void
bench_one(const char *name, const tw_mask_impl *impl, uint8_t *buf, uint8_t *src, size_t size)
{
	uint32_t key = 0x3d21fa37u;
	for (unsigned long iters = 1;; iters <<= 1) {
		double t0 = now();
		for (unsigned long i = 0; i < iters; i++) {
			if (impl)
				impl->mask(buf, size, key);
			else
				memcpy(buf, src, size);
			sink ^= buf[i % size];
		}
		double t = now() - t0;
		if (t >= 1.0) {
			report(impl ? "mask" : "memcpy", name, size, t, iters);
			return;
		}
	}
}

int
main(void)
{
	static const size_t sizes[] = { 16, 125, 1024, 65536, 1048576 };
	const tw_mask_impl *impls[] = { tw_mask_scalar_get(), tw_mask_avx2_get(), tw_mask_avx512_get() };
	uint8_t *buf = aligned_alloc(64, 1048576);
	uint8_t *src = aligned_alloc(64, 1048576);
	if (!buf || !src)
		return 1;
	memset(buf, 0x5a, 1048576);
	memset(src, 0xa5, 1048576);
	for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
		bench_one("memcpy", NULL, buf, src, sizes[s]);
		for (size_t i = 0; i < 3; i++)
			if (impls[i])
				bench_one(impls[i]->name, impls[i], buf, src, sizes[s]);
	}
	free(buf);
	free(src);
	return 0;
}
