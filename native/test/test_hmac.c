/*
 * test_hmac — HMAC-SHA256 against RFC 4231 test cases 1-7 through every SHA-256 implementation,
 * the hex / base64 front ends against known strings, key-length edge cases (64, 65 and 200-byte
 * keys, empty key and message), a sweep of message lengths against a straightforward HMAC built
 * on the incremental SHA-256 API, and the RFC 4648 vectors for the encoders.
 *
 * Exit: 0 all passed, 1 any failure, 77 nothing could be tested.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tw_hash.h"

#include "test_util.h"

/* Compares the first `len` bytes of `got` with the hex string `want_hex` (2 * len chars). */
static void
check_bytes(const char *what, const char *impl, const uint8_t *got, size_t len,
	const char *want_hex)
{
	char hex[2 * TW_SHA256_LEN + 1];

	test_hex(hex, got, len);
	CHECK(strlen(want_hex) == 2 * len && memcmp(hex, want_hex, 2 * len) == 0,
		"%s [%s]\n  got  %s\n  want %s", what, impl, hex, want_hex);
}

static void
check_chars(const char *what, const char *impl, const char *got, size_t len, const char *want)
{
	CHECK(strlen(want) == len && memcmp(got, want, len) == 0,
		"%s [%s]\n  got  %.*s\n  want %s", what, impl, (int)len, got, want);
}

static size_t
fill(uint8_t *buf, uint8_t byte, size_t len)
{
	memset(buf, byte, len);
	return len;
}

/* RFC 4231 section 4 */
struct rfc_case {
	int num;
	uint8_t key[131];
	size_t key_len;
	uint8_t data[152];
	size_t data_len;
	const char *want;    /* hex; case 5 holds the 128-bit truncation */
	const char *want_b64;
};

static void
rfc_cases(struct rfc_case *c)
{
	size_t i;

	memset(c, 0, 7 * sizeof *c);
	c[0].num = 1;
	c[0].key_len = fill(c[0].key, 0x0b, 20);
	memcpy(c[0].data, "Hi There", c[0].data_len = 8);
	c[0].want = "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7";
	c[0].want_b64 = "sDRMYdjbOFNcqK/OrwvxK4gdwgDJgz2nJuk3bC4yz/c=";

	c[1].num = 2;
	memcpy(c[1].key, "Jefe", c[1].key_len = 4);
	memcpy(c[1].data, "what do ya want for nothing?", c[1].data_len = 28);
	c[1].want = "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843";
	c[1].want_b64 = "W9zBRr9gdU5qBCQmCJV1x1oAPwidJzmDnexYuWTsOEM=";

	c[2].num = 3;
	c[2].key_len = fill(c[2].key, 0xaa, 20);
	c[2].data_len = fill(c[2].data, 0xdd, 50);
	c[2].want = "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe";
	c[2].want_b64 = "dz6pHjaADkaFTbjr0JGBpylZCYs++MEi2WNVFM7VZf4=";

	c[3].num = 4;
	for (i = 0; i < 25; i++)
		c[3].key[i] = (uint8_t)(i + 1);
	c[3].key_len = 25;
	c[3].data_len = fill(c[3].data, 0xcd, 50);
	c[3].want = "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b";
	c[3].want_b64 = "glWKOJpEPA6kzIGYmfIIOoXw+qPlePgHei4/9GcpZls=";

	c[4].num = 5;
	c[4].key_len = fill(c[4].key, 0x0c, 20);
	memcpy(c[4].data, "Test With Truncation", c[4].data_len = 20);
	c[4].want = "a3b6167473100ee06e0c796c2955552b";
	c[4].want_b64 = NULL;

	c[5].num = 6;
	c[5].key_len = fill(c[5].key, 0xaa, 131);
	memcpy(c[5].data, "Test Using Larger Than Block-Size Key - Hash Key First",
		c[5].data_len = 54);
	c[5].want = "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54";
	c[5].want_b64 = "YOQxWR7gtn8Niiaqy/W3f44LxiE3KMUUBUYEDw7jf1Q=";

	c[6].num = 7;
	c[6].key_len = fill(c[6].key, 0xaa, 131);
	memcpy(c[6].data, "This is a test using a larger than block-size key and a larger "
		"than block-size data. The key needs to be hashed before being used by the "
		"HMAC algorithm.",
		c[6].data_len = 152);
	c[6].want = "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2";
	c[6].want_b64 = "mwn/pxuUL8snY1+81bDpRL/cY2RPBxOTin9RU1w6NeI=";
}

/* HMAC straight from RFC 2104 on the incremental API: the reference for the fast path. */
static void
ref_hmac(const tw_sha256_impl *impl, const uint8_t *key, size_t key_len, const uint8_t *msg,
	size_t len, uint8_t out[TW_SHA256_LEN])
{
	uint8_t k[TW_SHA256_BLOCK_LEN], pad[TW_SHA256_BLOCK_LEN], inner[TW_SHA256_LEN];
	tw_sha256_ctx ctx;
	size_t i;

	memset(k, 0, sizeof k);
	if (key_len > sizeof k) {
		tw_sha256_init(&ctx, impl);
		tw_sha256_update(&ctx, key, key_len);
		tw_sha256_final(&ctx, k);
	} else if (key_len != 0) {
		memcpy(k, key, key_len);
	}
	for (i = 0; i < sizeof pad; i++)
		pad[i] = k[i] ^ 0x36;
	tw_sha256_init(&ctx, impl);
	tw_sha256_update(&ctx, pad, sizeof pad);
	tw_sha256_update(&ctx, msg, len);
	tw_sha256_final(&ctx, inner);
	for (i = 0; i < sizeof pad; i++)
		pad[i] = k[i] ^ 0x5c;
	tw_sha256_init(&ctx, impl);
	tw_sha256_update(&ctx, pad, sizeof pad);
	tw_sha256_update(&ctx, inner, sizeof inner);
	tw_sha256_final(&ctx, out);
}

static void
test_impl(const tw_sha256_impl *impl)
{
	struct rfc_case cases[7];
	uint8_t key[200], msg[300], mac[TW_SHA256_LEN], want[TW_SHA256_LEN];
	char text[TW_SHA256_HEX_LEN], what[80];
	tw_hmac_key hk;
	size_t i, klen, mlen;
	unsigned bad;

	rfc_cases(cases);
	for (i = 0; i < 7; i++) {
		const struct rfc_case *c = &cases[i];
		size_t n = c->num == 5 ? 16 : TW_SHA256_LEN;

		tw_hmac_key_init(&hk, c->key, c->key_len, impl);
		snprintf(what, sizeof what, "RFC 4231 case %d", c->num);
		CHECK(hk.impl == impl, "key keeps the requested impl [%s]", impl->name);
		tw_hmac_sha256(&hk, c->data, c->data_len, mac);
		check_bytes(what, impl->name, mac, n, c->want);

		if (c->want_b64 != NULL) {
			snprintf(what, sizeof what, "RFC 4231 case %d hex", c->num);
			memset(text, '#', sizeof text);
			tw_hmac_sha256_hex(&hk, c->data, c->data_len, text);
			check_chars(what, impl->name, text, TW_SHA256_HEX_LEN, c->want);

			snprintf(what, sizeof what, "RFC 4231 case %d base64", c->num);
			memset(text, '#', sizeof text);
			tw_hmac_sha256_base64(&hk, c->data, c->data_len, text);
			check_chars(what, impl->name, text, TW_SHA256_BASE64_LEN, c->want_b64);
			/* no NUL, no writes past the 44 characters */
			CHECK(text[TW_SHA256_BASE64_LEN] == '#',
				"base64 writes exactly 44 chars [%s]", impl->name);
		}
	}

	for (i = 0; i < sizeof key; i++)
		key[i] = (uint8_t)(13 * i + 1);
	tw_hmac_key_init(&hk, key, 200, impl);
	tw_hmac_sha256(&hk, NULL, 0, mac);
	check_bytes("200-byte key, empty message", impl->name, mac, TW_SHA256_LEN,
		"3a296efecbf4e1cfcfc4756eb658a4a2412dedb990f96e58782d20d72b6a9eda");

	for (i = 0; i < sizeof key; i++)
		key[i] = (uint8_t)i;
	tw_hmac_key_init(&hk, key, 64, impl);
	tw_hmac_sha256(&hk, "tickwire", 8, mac);
	check_bytes("64-byte key", impl->name, mac, TW_SHA256_LEN,
		"1a7822a197303e2ed01018f721f71fbdd730c7e4c0de7fced4fda8e2f692bc1c");
	tw_hmac_key_init(&hk, key, 65, impl);
	tw_hmac_sha256(&hk, "tickwire", 8, mac);
	check_bytes("65-byte key", impl->name, mac, TW_SHA256_LEN,
		"58b506ec97f9041a692c77f6dc7b9de04d047ad872aa7794a813d762e1b55097");

	/* empty key and empty message */
	tw_hmac_key_init(&hk, NULL, 0, impl);
	tw_hmac_sha256(&hk, NULL, 0, mac);
	check_bytes("empty key, empty message", impl->name, mac, TW_SHA256_LEN,
		"b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad");

	/* every message length across the one/two padding-block boundaries, several key lengths */
	for (i = 0; i < sizeof msg; i++)
		msg[i] = (uint8_t)(5 * i + 11);
	bad = 0;
	for (klen = 0; klen <= 200; klen += 25) {
		tw_hmac_key_init(&hk, key, klen, impl);
		for (mlen = 0; mlen <= sizeof msg; mlen++) {
			tw_hmac_sha256(&hk, msg, mlen, mac);
			ref_hmac(impl, key, klen, msg, mlen, want);
			if (memcmp(mac, want, sizeof mac) != 0 && bad++ < 5)
				printf("FAIL sweep [%s]: key %zu bytes, message %zu bytes\n",
					impl->name, klen, mlen);
		}
	}
	CHECK(bad == 0, "length sweep vs reference HMAC [%s]", impl->name);
}

static void
test_cross(const tw_sha256_impl *a, const tw_sha256_impl *b)
{
	uint8_t key[100], msg[1100], ma[TW_SHA256_LEN], mb[TW_SHA256_LEN];
	tw_hmac_key ka, kb;
	size_t i, len;
	unsigned bad = 0;

	for (i = 0; i < sizeof key; i++)
		key[i] = (uint8_t)(3 * i + 7);
	for (i = 0; i < sizeof msg; i++)
		msg[i] = (uint8_t)(i * i + 1);
	for (i = 0; i < sizeof key; i += 33) {
		tw_hmac_key_init(&ka, key, i, a);
		tw_hmac_key_init(&kb, key, i, b);
		for (len = 0; len + 8 <= sizeof msg; len += 7) {
			tw_hmac_sha256(&ka, msg + (len & 7), len, ma);
			tw_hmac_sha256(&kb, msg + (len & 7), len, mb);
			if (memcmp(ma, mb, sizeof ma) != 0)
				bad++;
		}
	}
	CHECK(bad == 0, "portable vs shani HMAC [cross]");
}

static void
test_encoders(void)
{
	static const struct {
		const char *in, *hex, *b64;
	} v[] = {
		{ "", "", "" },
		{ "f", "66", "Zg==" },
		{ "fo", "666f", "Zm8=" },
		{ "foo", "666f6f", "Zm9v" },
		{ "foob", "666f6f62", "Zm9vYg==" },
		{ "fooba", "666f6f6261", "Zm9vYmE=" },
		{ "foobar", "666f6f626172", "Zm9vYmFy" },
	};
	static const uint8_t all[6] = { 0x00, 0x10, 0x83, 0xfb, 0xff, 0xbf };
	char out[32];
	size_t i, n;

	for (i = 0; i < sizeof v / sizeof v[0]; i++) {
		size_t len = strlen(v[i].in);

		memset(out, '#', sizeof out);
		n = tw_hex_encode(out, (const uint8_t *)v[i].in, len);
		CHECK(n == 2 * len && out[n] == '#', "hex length [%s]", v[i].in);
		check_chars("hex RFC 4648", v[i].in, out, n, v[i].hex);

		memset(out, '#', sizeof out);
		n = tw_base64_encode(out, (const uint8_t *)v[i].in, len);
		CHECK(n == 4 * ((len + 2) / 3) && out[n] == '#', "base64 length [%s]", v[i].in);
		check_chars("base64 RFC 4648", v[i].in, out, n, v[i].b64);
	}
	n = tw_hex_encode(out, all, sizeof all);
	check_chars("hex all nibbles", "bytes", out, n, "001083fbffbf");
	n = tw_base64_encode(out, all, sizeof all);
	check_chars("base64 62/63 alphabet", "bytes", out, n, "ABCD+/+/");
}

int
main(void)
{
	const tw_sha256_impl *portable = tw_sha256_portable_get();
	const tw_sha256_impl *ni = tw_sha256_ni_get();
	tw_hmac_key hk;
	uint8_t mac[TW_SHA256_LEN];

	test_encoders();
	if (portable != NULL) {
		test_impl(portable);
	} else {
		CHECK(0, "portable: tw_sha256_portable_get() returned NULL");
	}
	if (ni != NULL) {
		test_impl(ni);
		if (portable != NULL)
			test_cross(portable, ni);
	} else {
		printf("SKIP shani: CPU lacks SHA-NI\n");
	}

	/* impl NULL = default */
	tw_hmac_key_init(&hk, "Jefe", 4, NULL);
	CHECK(hk.impl == tw_sha256_default(), "key_init(NULL) picks the default [default]");
	tw_hmac_sha256(&hk, "what do ya want for nothing?", 28, mac);
	check_bytes("RFC 4231 case 2 with default impl", "default", mac, TW_SHA256_LEN,
		"5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");

	if (test_summary("test_hmac") != 0)
		return 1;
	return test_passed == 0 ? 77 : 0;
}
