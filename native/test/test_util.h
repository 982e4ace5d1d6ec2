/*
 * test_util.h — what the ctest programs in native/test share: pass/fail counters, the CHECK
 * macro, a deterministic PRNG, hex printing and the closing summary line. Header only: every
 * function is static inline, so a program that leaves some unused still builds warning-free.
 *
 *	CHECK(cond, fmt, ...)	counts a pass, or a failure printed as "FAIL file:line: message"
 *	test_count(ok)		counts without printing (for programs that cap their own output)
 *	test_rng_seed(seed)	sets the PRNG state; test_rng() / test_rng_below(n) step it
 *	test_summary(name)	prints "name: N passed, M failed", returns the exit code (0 or 1)
 *
 * Everything goes to stdout, so failures, diagnostics and the summary stay in order when ctest
 * captures them through a pipe.
 */
#ifndef TW_TEST_UTIL_H
#define TW_TEST_UTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#if defined(__GNUC__)
#define TEST_PRINTF(fmt, args) __attribute__((format(printf, fmt, args)))
#else
#define TEST_PRINTF(fmt, args)
#endif

static unsigned test_passed, test_failed;

/* Counts one result; returns `ok`. */
static inline int
test_count(int ok)
{
	if (ok)
		test_passed++;
	else
		test_failed++;
	return ok;
}

/* Counts one result and prints the message (printf format) when it failed; returns `ok`. */
static inline int TEST_PRINTF(4, 5)
test_check(int ok, const char *file, int line, const char *fmt, ...)
{
	const char *base;
	va_list ap;

	if (test_count(ok))
		return 1;
	base = strrchr(file, '/');
	printf("FAIL %s:%d: ", base != NULL ? base + 1 : file, line);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	return 0;
}

/* CHECK(cond, fmt, ...): one assertion; an expression with the value 1 (passed) or 0 (failed). */
#define CHECK(cond, ...) test_check(!!(cond), __FILE__, __LINE__, __VA_ARGS__)

/* Prints "name: N passed, M failed"; returns the exit code, 0 if nothing failed, else 1. */
static inline int
test_summary(const char *name)
{
	printf("%s: %u passed, %u failed\n", name, test_passed, test_failed);
	return test_failed == 0 ? 0 : 1;
}

/*
 * Deterministic PRNG: one global 64-bit state, set by test_rng_seed(). Each program seeds it
 * once (or per test, to make a test independent of the ones before it) so runs repeat exactly.
 * test_rng() is a splitmix64 step; test_xorshift() an xorshift64 (13, 7, 17) step on the same
 * state. A program uses one of the two.
 */
static uint64_t test_rng_state = UINT64_C(0x9E3779B97F4A7C15);

static inline void
test_rng_seed(uint64_t seed)
{
	test_rng_state = seed;
}

static inline uint64_t
test_rng(void)
{
	uint64_t z = (test_rng_state += UINT64_C(0x9E3779B97F4A7C15));

	z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
	return z ^ (z >> 31);
}

/* Uniform enough in [0, n) (modulo bias is fine for tests); 0 without a step when n is 0. */
static inline size_t
test_rng_below(size_t n)
{
	return n ? (size_t)(test_rng() % n) : 0;
}

static inline uint64_t
test_xorshift(void)
{
	test_rng_state ^= test_rng_state << 13;
	test_rng_state ^= test_rng_state >> 7;
	test_rng_state ^= test_rng_state << 17;
	return test_rng_state;
}

/* Lowercase hex of in[0..len) into out, NUL-terminated (out holds 2 * len + 1 chars). */
static inline void
test_hex(char *out, const uint8_t *in, size_t len)
{
	static const char digits[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < len; i++) {
		out[2 * i] = digits[in[i] >> 4];
		out[2 * i + 1] = digits[in[i] & 15];
	}
	out[2 * len] = '\0';
}

#endif
