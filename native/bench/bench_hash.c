/*
 * bench_hash — SHA-256 and HMAC-SHA256 speed per implementation, in the style of BearSSL's
 * test_speed: one warm-up run, then the iteration count doubles until a timed run takes at
 * least one second, and that run is reported. MB/s counts 10^6 bytes of message per second.
 *
 * Usage: bench_hash [portable|shani]   (default: every available implementation)
 */
#define _POSIX_C_SOURCE 200809L

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tw_hash.h"

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

struct job {
	const tw_sha256_impl *impl;
	const tw_hmac_key *key;      /* NULL: plain SHA-256 */
	const uint8_t *data;
	size_t len;
};

/* Returns a byte of the outputs so that the work cannot be optimized away. */
static uint8_t
run(const struct job *j, long num)
{
	uint8_t out[TW_SHA256_LEN];
	uint8_t acc = 0;
	long i;

	for (i = 0; i < num; i++) {
		if (j->key != NULL) {
			tw_hmac_sha256(j->key, j->data, j->len, out);
		} else {
			tw_sha256_ctx ctx;

			tw_sha256_init(&ctx, j->impl);
			tw_sha256_update(&ctx, j->data, j->len);
			tw_sha256_final(&ctx, out);
		}
		acc ^= out[i & 31];
	}
	return acc;
}

static void
bench(const char *alg, const char *size_name, const struct job *j)
{
	volatile uint8_t sink;
	long num = 1;
	double t;

	sink = run(j, 64);  /* warm-up */
	for (;;) {
		double t0 = now();

		sink = run(j, num);
		t = now() - t0;
		if (t >= 1.0)
			break;
		num <<= 1;
	}
	(void)sink;
	printf("%-6s %-8s %-5s %9.1f MB/s %12.1f ns/op\n", alg, j->impl->name, size_name,
		(double)j->len * (double)num / t / 1e6, t * 1e9 / (double)num);
	fflush(stdout);
}

static void
bench_impl(const tw_sha256_impl *impl, const uint8_t *data)
{
	static const struct {
		const char *name;
		size_t len;
	} sha_sizes[] = { { "64B", 64 }, { "1KiB", 1024 }, { "1MiB", 1024 * 1024 } },
	  hmac_sizes[] = { { "64B", 64 }, { "256B", 256 }, { "1KiB", 1024 } };
	tw_hmac_key key;
	struct job j;
	size_t i;

	for (i = 0; i < sizeof sha_sizes / sizeof sha_sizes[0]; i++) {
		j.impl = impl;
		j.key = NULL;
		j.data = data;
		j.len = sha_sizes[i].len;
		bench("sha256", sha_sizes[i].name, &j);
	}
	tw_hmac_key_init(&key, "bench-secret-key-0123456789abcdef", 33, impl);
	for (i = 0; i < sizeof hmac_sizes / sizeof hmac_sizes[0]; i++) {
		j.impl = impl;
		j.key = &key;
		j.data = data;
		j.len = hmac_sizes[i].len;
		bench("hmac", hmac_sizes[i].name, &j);
	}
}

int
main(int argc, char **argv)
{
	const tw_sha256_impl *impls[2];
	size_t n = 0, i;
	uint8_t *data = malloc(1024 * 1024);

	if (data == NULL)
		return 1;
	for (i = 0; i < 1024 * 1024; i++)
		data[i] = (uint8_t)(i * 31 + 7);
	impls[n++] = tw_sha256_portable_get();
	if (tw_sha256_ni_get() != NULL)
		impls[n++] = tw_sha256_ni_get();
	else
		printf("SKIP shani: CPU lacks SHA-NI\n");

	for (i = 0; i < n; i++) {
		if (argc > 1 && strcmp(argv[1], impls[i]->name) != 0)
			continue;
		bench_impl(impls[i], data);
	}
	free(data);
	return 0;
}
