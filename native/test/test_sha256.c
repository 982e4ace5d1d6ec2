/*
 * test_sha256 — NIST FIPS 180-2 vectors through every SHA-256 implementation, fed in one call and
 * in random-sized chunks, a padding-boundary sweep (lengths 0..200, digest of digests), the
 * default one-shot API, and a portable-vs-SHA-NI differential over random messages.
 *
 * Exit: 0 all passed, 1 any failure, 77 nothing could be tested.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tw_hash.h"

#include "test_util.h"

static void
check_digest(const char *what, const char *impl, const uint8_t got[TW_SHA256_LEN],
	const char *want_hex)
{
	char hex[2 * TW_SHA256_LEN + 1];

	test_hex(hex, got, TW_SHA256_LEN);
	CHECK(strcmp(hex, want_hex) == 0, "%s [%s]\n  got  %s\n  want %s", what, impl, hex,
		want_hex);
}

static void
hash_once(const tw_sha256_impl *impl, const void *data, size_t len, uint8_t out[TW_SHA256_LEN])
{
	tw_sha256_ctx ctx;

	tw_sha256_init(&ctx, impl);
	tw_sha256_update(&ctx, data, len);
	tw_sha256_final(&ctx, out);
}

/* Feeds data in random-sized chunks (1..200 bytes, from the test PRNG). */
static void
hash_chunked(const tw_sha256_impl *impl, const uint8_t *data, size_t len,
	uint8_t out[TW_SHA256_LEN])
{
	tw_sha256_ctx ctx;
	size_t off = 0;

	tw_sha256_init(&ctx, impl);
	while (off < len) {
		size_t n = 1 + (size_t)(test_rng() % 200);

		if (n > len - off)
			n = len - off;
		tw_sha256_update(&ctx, data + off, n);
		off += n;
	}
	tw_sha256_final(&ctx, out);
}

struct vector {
	const char *name;
	const char *msg;   /* NULL: one million 'a' */
	const char *want;
};

static const struct vector vectors[] = {
	{ "abc", "abc",
	  "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad" },
	{ "empty", "",
	  "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" },
	{ "448-bit", "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
	  "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1" },
	{ "896-bit", "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmno"
	  "ijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu",
	  "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1" },
	{ "million-a", NULL,
	  "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0" },
};

/* SHA-256 over the concatenated SHA-256 of pat(0), ..., pat(200), pat(n)[i] = 7i + 3. */
static const char sweep_want[] = "3275febb4612d86d586eb9f11cd21e648a9fc7d95e0f6b8d362786e28c9c5b79";

static void
test_impl(const tw_sha256_impl *impl, const uint8_t *million)
{
	uint8_t pat[200], d[TW_SHA256_LEN];
	tw_sha256_ctx outer;
	char what[64];
	size_t i, n;

	test_rng_seed(0x7477697265ULL);   /* the same chunk sizes for every implementation */
	for (i = 0; i < sizeof vectors / sizeof vectors[0]; i++) {
		const struct vector *v = &vectors[i];
		const uint8_t *msg = v->msg != NULL ? (const uint8_t *)v->msg : million;
		size_t len = v->msg != NULL ? strlen(v->msg) : 1000000;

		hash_once(impl, msg, len, d);
		snprintf(what, sizeof what, "%s one call", v->name);
		check_digest(what, impl->name, d, v->want);

		hash_chunked(impl, msg, len, d);
		snprintf(what, sizeof what, "%s chunked", v->name);
		check_digest(what, impl->name, d, v->want);
	}

	for (i = 0; i < sizeof pat; i++)
		pat[i] = (uint8_t)(7 * i + 3);
	tw_sha256_init(&outer, impl);
	for (n = 0; n <= sizeof pat; n++) {
		hash_once(impl, pat, n, d);
		tw_sha256_update(&outer, d, sizeof d);
	}
	tw_sha256_final(&outer, d);
	check_digest("length sweep 0..200", impl->name, d, sweep_want);
}

static void
test_default(const uint8_t *million)
{
	const tw_sha256_impl *def = tw_sha256_default();
	uint8_t d[TW_SHA256_LEN];
	tw_sha256_ctx ctx;

	if (def == NULL || def->compress == NULL) {
		CHECK(0, "tw_sha256_default() returned no implementation");
		return;
	}
	tw_sha256("abc", 3, d);
	check_digest("tw_sha256 one-shot abc", def->name, d, vectors[0].want);
	tw_sha256(NULL, 0, d);
	check_digest("tw_sha256 one-shot NULL/0", def->name, d, vectors[1].want);
	tw_sha256(million, 1000000, d);
	check_digest("tw_sha256 one-shot million-a", def->name, d, vectors[4].want);

	tw_sha256_init(&ctx, NULL);
	CHECK(ctx.impl == def, "tw_sha256_init(NULL) did not pick the default");
	tw_sha256_update(&ctx, "ab", 2);
	tw_sha256_update(&ctx, NULL, 0);
	tw_sha256_update(&ctx, "c", 1);
	tw_sha256_final(&ctx, d);
	check_digest("init(NULL) abc in pieces", def->name, d, vectors[0].want);
}

static void
test_differential(const tw_sha256_impl *a, const tw_sha256_impl *b)
{
	uint8_t buf[4096 + 16];
	unsigned bad = 0;
	int iter;

	test_rng_seed(0x646966ULL);
	for (iter = 0; iter < 2000; iter++) {
		size_t len = (size_t)(test_rng() % 4097);
		size_t off = (size_t)(test_rng() % 16);   /* misaligned starts too */
		uint8_t da[TW_SHA256_LEN], db[TW_SHA256_LEN];
		size_t i;

		for (i = 0; i < len; i++)
			buf[off + i] = (uint8_t)test_rng();
		hash_once(a, buf + off, len, da);
		if (iter & 1)
			hash_chunked(b, buf + off, len, db);
		else
			hash_once(b, buf + off, len, db);
		if (memcmp(da, db, sizeof da) != 0) {
			if (bad++ < 5)
				printf("FAIL differential %s vs %s: iteration %d, length %zu, "
					"offset %zu\n", a->name, b->name, iter, len, off);
		}
	}
	CHECK(bad == 0, "differential %s vs %s: %u of 2000 messages differ", a->name, b->name, bad);
}

int
main(void)
{
	const tw_sha256_impl *portable = tw_sha256_portable_get();
	const tw_sha256_impl *ni = tw_sha256_ni_get();
	uint8_t *million = malloc(1000000);

	if (million == NULL) {
		printf("test_sha256: out of memory\n");
		return 1;
	}
	memset(million, 'a', 1000000);

	if (portable != NULL) {
		test_impl(portable, million);
	} else {
		CHECK(0, "portable: tw_sha256_portable_get() returned NULL");
	}
	if (ni != NULL) {
		test_impl(ni, million);
		if (portable != NULL)
			test_differential(portable, ni);
	} else {
		printf("SKIP shani: CPU lacks SHA-NI\n");
	}
	test_default(million);
	free(million);

	if (test_summary("test_sha256") != 0)
		return 1;
	return test_passed == 0 ? 77 : 0;
}
