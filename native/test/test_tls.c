/*
 * test_tls — the TLS client layer (tw_tls.h) against BearSSL's own code and real OpenSSL servers.
 *
 * Usage: test_tls FIXTURES_DIR   (made by native/test/tls_fixtures.sh)
 *
 * Without sockets: tw_br_sha256_vtable against br_sha256_vtable (chunked hashing, state /
 * set_state round trips, HMAC, constant-time HMAC, multi-hasher, TLS 1.2 PRF), for SHA-NI and
 * portable; the SPKI extractor against `openssl x509 -pubkey | openssl pkey -pubin -outform der |
 * sha256` for every fixture, fed whole, in chunks and with every truncation; PEM anchors (the
 * system bundle, garbage, too-small arenas, odd alignment); the pin validator fed directly
 * (every mode, appended certificates, 1-byte chunks); error mapping; IP literals.
 *
 * With sockets: `openssl s_server` processes on 127.0.0.1 (free ports, killed at the end) and a
 * blocking pump loop: CA, system bundle, expired, wrong host, self-signed, leaf/root/wrong/backup
 * pins, pin_only, a certificate appended after the validated chain, a TLS 1.3-only server, a
 * CBC-SHA256 suite (record MACs through our SHA-256), ALPN, and session resumption.
 *
 * Exit: 0 all passed, 1 any failure, 77 when `openssl` is not installed.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "tw_tls.h"

static unsigned n_passed, n_failed;
static const char *fxdir;

static void
check(int ok, const char *fmt, ...)
{
	va_list ap;

	if (ok) {
		n_passed++;
		return;
	}
	n_failed++;
	printf("FAIL ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
}

static uint64_t
rng_next(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static double
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int
read_path(const char *path, uint8_t **data, size_t *len)
{
	FILE *f = fopen(path, "rb");
	long n;

	if (f == NULL)
		return -1;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	*data = malloc((size_t)n + 1);
	if (*data == NULL || fread(*data, 1, (size_t)n, f) != (size_t)n) {
		fclose(f);
		return -1;
	}
	fclose(f);
	*len = (size_t)n;
	return 0;
}

static uint8_t *
fixture(const char *name, const char *ext, size_t *len)
{
	char path[4096];
	uint8_t *data;

	snprintf(path, sizeof path, "%s/%s.%s", fxdir, name, ext);
	if (read_path(path, &data, len) != 0) {
		printf("FATAL cannot read fixture %s (run tls_fixtures.sh %s)\n", path, fxdir);
		exit(1);
	}
	return data;
}

static void
fixture_pin(const char *name, uint8_t out[TW_TLS_PIN_LEN])
{
	size_t len, i;
	uint8_t *hex = fixture(name, "pin", &len);

	for (i = 0; i < TW_TLS_PIN_LEN; i++) {
		unsigned v;

		if (len < 2 * i + 2 || sscanf((const char *)hex + 2 * i, "%2x", &v) != 1) {
			printf("FATAL bad pin file %s.pin\n", name);
			exit(1);
		}
		out[i] = (uint8_t)v;
	}
	free(hex);
}

/* ==== our SHA-256 inside BearSSL ============================================================= */

static void
hash_chunked(const br_hash_class *vt, const uint8_t *msg, size_t len, uint64_t *rng, uint8_t out[32])
{
	br_hash_compat_context hc;
	size_t off = 0;

	vt->init(&hc.vtable);
	while (off < len) {
		size_t n = 1 + (size_t)(rng_next(rng) % 150);

		if (n > len - off)
			n = len - off;
		vt->update(&hc.vtable, msg + off, n);
		off += n;
	}
	vt->out(&hc.vtable, out);
}

static void
test_br_hash_once(const char *impl)
{
	static uint8_t msg[6000];
	uint64_t rng = 42;
	size_t i, len;
	int bad = 0;

	for (i = 0; i < sizeof msg; i++)
		msg[i] = (uint8_t)rng_next(&rng);

	check(tw_br_sha256_vtable.desc == br_sha256_vtable.desc, "[%s] descriptor differs", impl);
	check(tw_br_sha256_vtable.context_size <= sizeof(br_hash_compat_context), "[%s] context size", impl);

	/* Chunked hashing, every length 0..300 and a few long ones. */
	for (len = 0; len <= sizeof msg; len = len < 300 ? len + 1 : len * 2 + 77) {
		uint8_t a[32], b[32];

		hash_chunked(&tw_br_sha256_vtable, msg, len, &rng, a);
		hash_chunked(&br_sha256_vtable, msg, len, &rng, b);
		if (memcmp(a, b, 32) != 0) {
			bad++;
			printf("  sha256 mismatch at len %zu\n", len);
		}
	}
	check(bad == 0, "[%s] chunked SHA-256 differs from BearSSL's", impl);

	/* out() leaves the context usable; state() / set_state() round trip into a dirty context. */
	{
		br_hash_compat_context x, y;
		uint8_t s1[32], s2[32], o1[32], o2[32];
		uint64_t c1, c2;

		tw_br_sha256_vtable.init(&x.vtable);
		br_sha256_vtable.init(&y.vtable);
		tw_br_sha256_vtable.update(&x.vtable, msg, 192);
		br_sha256_vtable.update(&y.vtable, msg, 192);
		tw_br_sha256_vtable.out(&x.vtable, o1);
		tw_br_sha256_vtable.out(&x.vtable, o2);
		check(memcmp(o1, o2, 32) == 0, "[%s] out() is not repeatable", impl);
		c1 = tw_br_sha256_vtable.state(&x.vtable, s1);
		c2 = br_sha256_vtable.state(&y.vtable, s2);
		check(c1 == c2 && c1 == 192 && memcmp(s1, s2, 32) == 0, "[%s] state() differs", impl);

		memset(&x, 0xA5, sizeof x);
		tw_br_sha256_vtable.set_state(&x.vtable, s2, c2);
		tw_br_sha256_vtable.update(&x.vtable, msg + 192, 1000);
		br_sha256_vtable.update(&y.vtable, msg + 192, 1000);
		tw_br_sha256_vtable.out(&x.vtable, o1);
		br_sha256_vtable.out(&y.vtable, o2);
		check(memcmp(o1, o2, 32) == 0, "[%s] set_state() on a dirty context", impl);
	}

	/* HMAC (br_hmac_*), constant-time HMAC (CBC records) and the multi-hasher. */
	{
		br_hmac_key_context ka, kb;
		br_hmac_context ha, hb;
		br_multihash_context ma, mb;
		uint8_t a[64], b[64];
		size_t klen, mlen;

		bad = 0;
		for (klen = 0; klen <= 130; klen += 13) {
			br_hmac_key_init(&ka, &tw_br_sha256_vtable, msg + 3, klen);
			br_hmac_key_init(&kb, &br_sha256_vtable, msg + 3, klen);
			for (mlen = 0; mlen < 400; mlen += 37) {
				br_hmac_init(&ha, &ka, 0);
				br_hmac_init(&hb, &kb, 0);
				br_hmac_update(&ha, msg + 500, mlen);
				br_hmac_update(&hb, msg + 500, mlen);
				br_hmac_out(&ha, a);
				br_hmac_out(&hb, b);
				bad += memcmp(a, b, 32) != 0;
				br_hmac_init(&ha, &ka, 0);
				br_hmac_init(&hb, &kb, 0);
				br_hmac_update(&ha, msg, 13);
				br_hmac_update(&hb, msg, 13);
				br_hmac_outCT(&ha, msg + 900, mlen, mlen / 2, mlen + 40, a);
				br_hmac_outCT(&hb, msg + 900, mlen, mlen / 2, mlen + 40, b);
				bad += memcmp(a, b, 32) != 0;
			}
		}
		check(bad == 0, "[%s] HMAC / HMAC_outCT over our SHA-256 differ (%d)", impl, bad);

		br_multihash_zero(&ma);
		br_multihash_zero(&mb);
		br_multihash_setimpl(&ma, br_sha1_ID, &br_sha1_vtable);
		br_multihash_setimpl(&mb, br_sha1_ID, &br_sha1_vtable);
		br_multihash_setimpl(&ma, br_sha256_ID, &tw_br_sha256_vtable);
		br_multihash_setimpl(&mb, br_sha256_ID, &br_sha256_vtable);
		br_multihash_init(&ma);
		br_multihash_init(&mb);
		for (i = 0; i < 5000; i += 333) {
			br_multihash_update(&ma, msg + i, 333);
			br_multihash_update(&mb, msg + i, 333);
			br_multihash_out(&ma, br_sha256_ID, a);
			br_multihash_out(&mb, br_sha256_ID, b);
			check(memcmp(a, b, 32) == 0, "[%s] multihash at %zu", impl, i);
		}
	}

	/* TLS 1.2 PRF. */
	{
		br_tls_prf_seed_chunk seed[2] = { { msg + 100, 32 }, { msg + 200, 32 } };
		uint8_t a[200], b[200];

		bad = 0;
		for (len = 0; len <= sizeof a; len += 7) {
			memset(a, 0, sizeof a);
			memset(b, 0, sizeof b);
			tw_br_tls12_sha256_prf(a, len, msg, 48, "key expansion", 2, seed);
			br_tls12_sha256_prf(b, len, msg, 48, "key expansion", 2, seed);
			bad += memcmp(a, b, sizeof a) != 0;
		}
		tw_br_tls12_sha256_prf(a, 12, msg, 48, "client finished", 1, seed);
		br_tls12_sha256_prf(b, 12, msg, 48, "client finished", 1, seed);
		bad += memcmp(a, b, 12) != 0;
		check(bad == 0, "[%s] TLS 1.2 PRF differs from br_tls12_sha256_prf", impl);
	}
}

static void
test_br_hash(void)
{
	if (tw_sha256_ni_get() != NULL) {
		tw_select_impls(~0u);
		test_br_hash_once(tw_sha256_default()->name);
	} else {
		printf("note: no SHA-NI on this CPU, portable only\n");
	}
	tw_select_impls(0);
	test_br_hash_once(tw_sha256_default()->name);
	tw_select_impls(tw_env_allowed());
}

/* ==== SPKI extraction ========================================================================= */

static const char *const cert_names[] = { "ca", "leaf_ec", "leaf_rsa", "expired", "wronghost", "selfsigned" };
#define N_CERTS (sizeof cert_names / sizeof cert_names[0])

static int
spki_stream(const uint8_t *der, size_t len, size_t total, size_t chunk, uint8_t out[32])
{
	tw_tls_spki_ctx ctx;
	size_t off = 0;

	tw_tls_spki_init(&ctx, total);
	while (off < len) {
		size_t n = chunk < len - off ? chunk : len - off;
		uint8_t *copy = malloc(n);   /* exact-size copies: ASan sees any over-read */

		memcpy(copy, der + off, n);
		tw_tls_spki_push(&ctx, copy, n);
		free(copy);
		off += n;
	}
	return tw_tls_spki_finish(&ctx, out);
}

static void
test_spki(void)
{
	static const size_t chunks[] = { 1, 2, 3, 7, 64, 255, 100000 };
	size_t i, k, len;

	for (i = 0; i < N_CERTS; i++) {
		uint8_t pin[32], got[32], *der = fixture(cert_names[i], "der", &len);
		int bad = 0;

		fixture_pin(cert_names[i], pin);
		check(tw_tls_spki_sha256(der, len, got) == TW_OK && memcmp(got, pin, 32) == 0,
			"SPKI of %s does not match openssl's", cert_names[i]);
		for (k = 0; k < sizeof chunks / sizeof chunks[0]; k++) {
			memset(got, 0, sizeof got);
			bad += spki_stream(der, len, len, chunks[k], got) != TW_OK || memcmp(got, pin, 32) != 0;
			memset(got, 0, sizeof got);
			bad += spki_stream(der, len, 0, chunks[k], got) != TW_OK || memcmp(got, pin, 32) != 0;
		}
		check(bad == 0, "SPKI of %s, streamed in chunks", cert_names[i]);

		/* Every truncation fails, whether the length is announced or not. */
		bad = 0;
		for (k = 0; k < len; k++) {
			bad += spki_stream(der, k, len, 5, got) == TW_OK;
			bad += spki_stream(der, k, 0, 5, got) == TW_OK;
			bad += k > 0 && tw_tls_spki_sha256(der, k, got) == TW_OK;
		}
		check(bad == 0, "SPKI of truncated %s accepted", cert_names[i]);

		/* A trailing byte, a wrong announced length, a wrong outer tag. */
		{
			uint8_t *longer = malloc(len + 1);

			memcpy(longer, der, len);
			longer[len] = 0;
			check(tw_tls_spki_sha256(longer, len + 1, got) == TW_ERR_TLS_BAD_CERT,
				"%s with a trailing byte accepted", cert_names[i]);
			check(spki_stream(longer, len + 1, 0, 9, got) == TW_ERR_TLS_BAD_CERT,
				"%s with a trailing byte accepted (unknown length)", cert_names[i]);
			check(spki_stream(der, len, len + 1, 9, got) == TW_ERR_TLS_BAD_CERT,
				"%s with a wrong announced length accepted", cert_names[i]);
			longer[0] = 0x31;
			memcpy(longer + 1, der + 1, len - 1);
			check(tw_tls_spki_sha256(longer, len, got) == TW_ERR_TLS_BAD_CERT,
				"%s with a SET tag accepted", cert_names[i]);
			free(longer);
		}

		/* Non-minimal outer length (one extra leading zero length byte). */
		if (der[1] >= 0x81 && der[1] <= 0x83) {
			uint8_t *wide = malloc(len + 1);
			unsigned nb = der[1] & 0x7F;

			wide[0] = 0x30;
			wide[1] = (uint8_t)(0x80 | (nb + 1));
			wide[2] = 0;
			memcpy(wide + 3, der + 2, len - 2);
			check(tw_tls_spki_sha256(wide, len + 1, got) == TW_ERR_TLS_BAD_CERT,
				"%s with a non-minimal length accepted", cert_names[i]);
			free(wide);
		}
		free(der);
	}
	{
		uint8_t got[32];
		static const uint8_t indefinite[] = { 0x30, 0x80, 0x30, 0x80, 0, 0, 0, 0 };

		check(tw_tls_spki_sha256(indefinite, sizeof indefinite, got) == TW_ERR_TLS_BAD_CERT,
			"indefinite length accepted");
		check(tw_tls_spki_sha256(NULL, 0, got) == TW_ERR_TLS_BAD_CERT, "empty input accepted");
	}
}

/* A copy of `der` with the first UTCTime (notBefore) damaged: BearSSL's decoders fail there,
 * mid-certificate. */
static uint8_t *
bad_time_copy(const uint8_t *der, size_t len)
{
	uint8_t *c = malloc(len);
	size_t i;

	memcpy(c, der, len);
	for (i = 0; i + 4 < len; i++) {
		if (c[i] == 0x17 && c[i + 1] == 13) {
			c[i + 4] = 'x';
			break;
		}
	}
	return c;
}

/* ==== PEM trust anchors ======================================================================= */

static int
parse_pem(const void *pem, size_t len, tw_tls_anchors *a, void **arena_out)
{
	size_t need = 0;
	int n = tw_tls_anchors_measure(pem, len, &need);
	void *arena;

	*arena_out = NULL;
	if (n < 0)
		return n;
	arena = malloc(need);
	*arena_out = arena;
	return tw_tls_anchors_parse(a, arena, need, pem, len);
}

static void
test_anchors(void)
{
	tw_tls_anchors a;
	void *arena;
	uint8_t *pem, pin[32];
	size_t len;
	int r;

	/* The fixture CA. */
	pem = fixture("ca", "pem", &len);
	fixture_pin("ca", pin);
	r = parse_pem(pem, len, &a, &arena);
	check(r == TW_OK && a.count == 1 && a.skipped == 0, "ca.pem: r=%d count=%zu", r, a.count);
	if (r == TW_OK) {
		check(memcmp(tw_tls_anchors_spki(&a, 0), pin, 32) == 0, "ca.pem anchor SPKI hash");
		check(a.ta[0].flags == BR_X509_TA_CA && a.ta[0].pkey.key_type == BR_KEYTYPE_EC
			&& a.ta[0].pkey.key.ec.curve == BR_EC_secp256r1 && a.ta[0].pkey.key.ec.qlen == 65,
			"ca.pem anchor contents");
	}
	free(arena);

	/* Without the final newline, with CRLF, next to other objects and garbage. */
	{
		size_t body = len;
		char *mixed, *crlf;
		size_t i, j;

		while (body > 0 && (pem[body - 1] == '\n' || pem[body - 1] == '\r'))
			body--;
		r = parse_pem(pem, body, &a, &arena);
		check(r == TW_OK && a.count == 1, "PEM without final newline: r=%d", r);
		free(arena);

		crlf = malloc(2 * len);
		for (i = j = 0; i < len; i++) {
			if (pem[i] == '\n')
				crlf[j++] = '\r';
			crlf[j++] = (char)pem[i];
		}
		r = parse_pem(crlf, j, &a, &arena);
		check(r == TW_OK && a.count == 1, "PEM with CRLF: r=%d", r);
		free(arena);
		free(crlf);

		mixed = malloc(3 * len + 1000);
		j = 0;
		j += (size_t)sprintf(mixed + j, "junk before\n-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n");
		j += (size_t)sprintf(mixed + j, "-----BEGIN CERTIFICATE-----\n!!!notbase64!!!\n-----END CERTIFICATE-----\n");
		j += (size_t)sprintf(mixed + j, "-----BEGIN CERTIFICATE-----\nAAECAwQFBgcICQ==\n-----END CERTIFICATE-----\n");
		memcpy(mixed + j, pem, len);
		j += len;
		j += (size_t)sprintf(mixed + j, "-----BEGIN CERTIFICATE-----\nMIIB");
		r = parse_pem(mixed, j, &a, &arena);
		check(r == TW_OK && a.count == 1 && a.skipped == 4, "mixed PEM: r=%d count=%zu skipped=%zu",
			r, a.count, a.skipped);
		if (r == TW_OK)
			check(memcmp(tw_tls_anchors_spki(&a, 0), pin, 32) == 0, "mixed PEM anchor SPKI hash");
		free(arena);
		free(mixed);
	}

	/* A certificate that fails mid-way (bad notBefore), between two good ones: skipped, and no
	 * crash (BearSSL 0.6's decoder must not be pushed after it failed). */
	{
		size_t dlen, plen, j = 0;
		uint8_t *der = fixture("ca", "der", &dlen), *bad = bad_time_copy(der, dlen);
		char *buf = malloc(3 * len + 4 * dlen + 200);

		memcpy(buf, pem, len);
		j = len;
		plen = br_pem_encode(buf + j, bad, dlen, "CERTIFICATE", BR_PEM_LINE64);
		j += plen;
		memcpy(buf + j, pem, len);
		j += len;
		r = parse_pem(buf, j, &a, &arena);
		check(r == TW_OK && a.count == 2 && a.skipped == 1, "PEM with a bad-time certificate: r=%d count=%zu skipped=%zu",
			r, a.count, a.skipped);
		free(arena);
		plen = br_pem_encode(buf, bad, dlen, "CERTIFICATE", BR_PEM_LINE64);
		r = parse_pem(buf, plen, &a, &arena);
		check(r == TW_ERR_TLS_BAD_CA, "PEM with only a bad-time certificate: r=%d", r);
		free(arena);
		free(buf);
		free(bad);
		free(der);
	}

	/* Garbage and empty input: TW_ERR_TLS_BAD_CA from both calls. */
	{
		static const char *const garbage[] = {
			"",
			"hello world\n",
			"-----BEGIN CERTIFICATE-----\n!!!!\n-----END CERTIFICATE-----\n",
			"-----BEGIN CERTIFICATE-----\nAAECAwQFBgcICQoLDA0ODw==\n-----END CERTIFICATE-----\n",
			"-----BEGIN PUBLIC KEY-----\nAAECAwQF\n-----END PUBLIC KEY-----\n",
		};
		size_t i, need;
		uint8_t small[256];

		for (i = 0; i < sizeof garbage / sizeof garbage[0]; i++) {
			r = tw_tls_anchors_measure(garbage[i], strlen(garbage[i]), &need);
			check(r == TW_ERR_TLS_BAD_CA, "garbage %zu: measure gave %d", i, r);
			r = tw_tls_anchors_parse(&a, small, sizeof small, garbage[i], strlen(garbage[i]));
			check(r == TW_ERR_TLS_BAD_CA && a.count == 0, "garbage %zu: parse gave %d", i, r);
		}
	}

	/* Arena sizes: the measured size works at any alignment (it includes the worst alignment
	 * padding), that size less the padding allowance never does, and the bound is enough. */
	{
		size_t need = 0, off;
		uint8_t *buf;

		tw_tls_anchors_measure(pem, len, &need);
		check(tw_tls_anchors_bound(len) >= need, "bound %zu < measured %zu", tw_tls_anchors_bound(len), need);
		buf = malloc(need + 16);
		for (off = 0; off < 8; off++) {
			r = tw_tls_anchors_parse(&a, buf + off, need, pem, len);
			check(r == TW_OK && a.count == 1, "exact arena at offset %zu: r=%d", off, r);
			r = tw_tls_anchors_parse(&a, buf + off, need - _Alignof(br_x509_trust_anchor), pem, len);
			check(r == TW_ERR_BUFFER_TOO_SMALL && a.count == 0 && a.used == need,
				"arena short by the padding allowance at offset %zu: r=%d used=%zu", off, r, a.used);
		}
		r = tw_tls_anchors_parse(&a, NULL, 0, pem, len);
		check(r == TW_ERR_BUFFER_TOO_SMALL && a.used == need, "NULL arena: r=%d", r);
		free(buf);
	}
	free(pem);

	/* The system bundle. */
	if (read_path("/etc/ssl/certs/ca-certificates.crt", &pem, &len) == 0) {
		size_t need = 0, i, begins = 0;
		double t0, t1;
		uint8_t *buf;
		int n;

		for (i = 0; i + 11 <= len; i++)
			begins += memcmp(pem + i, "-----BEGIN ", 11) == 0;
		t0 = now_ms();
		n = tw_tls_anchors_measure(pem, len, &need);
		t1 = now_ms();
		check(n > 100, "system bundle: %d anchors", n);
		buf = malloc(need);
		r = tw_tls_anchors_parse(&a, buf, need, pem, len);
		check(r == TW_OK && (int)a.count == n && a.count + a.skipped == begins,
			"system bundle parse: r=%d count=%zu skipped=%zu objects=%zu", r, a.count, a.skipped, begins);
		printf("system bundle: %zu anchors (%zu skipped) from %zu bytes, arena %zu bytes (bound %zu), "
			"%.1f ms per pass\n", a.count, a.skipped, len, need, tw_tls_anchors_bound(len), t1 - t0);
		r = tw_tls_anchors_parse(&a, buf, need / 2, pem, len);
		check(r == TW_ERR_BUFFER_TOO_SMALL && a.used == need, "system bundle, half arena: r=%d", r);
		free(buf);
		free(pem);
	} else {
		printf("note: no /etc/ssl/certs/ca-certificates.crt, system bundle cases skipped\n");
	}
}

/* ==== the validator, fed directly ============================================================ */

struct cert {
	uint8_t *der;
	size_t len;
};

static struct cert
load_cert(const char *name)
{
	struct cert c;

	c.der = fixture(name, "der", &c.len);
	return c;
}

/* days since 0000-01-01 (BearSSL's epoch) for a Gregorian date */
static uint32_t
br_days(int y, int m, int d)
{
	/* days_from_civil (Howard Hinnant), Unix epoch = day 719528 of BearSSL's count */
	int era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return (uint32_t)(era * 146097 + doe - 719468 + 719528);
}

static unsigned
feed(tw_tls_x509_pin *xc, const struct cert *chain, size_t n, const char *name, size_t chunk,
	int *key_type)
{
	const br_x509_class **vt = &xc->vtable;
	const br_x509_pkey *pk;
	unsigned r, usages = 0;
	size_t i, off;

	(*vt)->start_chain(vt, name);
	for (i = 0; i < n; i++) {
		(*vt)->start_cert(vt, (uint32_t)chain[i].len);
		for (off = 0; off < chain[i].len; off += chunk) {
			size_t k = chunk < chain[i].len - off ? chunk : chain[i].len - off;

			(*vt)->append(vt, chain[i].der + off, k);
		}
		(*vt)->end_cert(vt);
	}
	r = (*vt)->end_chain(vt);
	pk = (*vt)->get_pkey(vt, &usages);
	*key_type = pk != NULL ? pk->key_type : 0;
	if (r == 0 && (pk == NULL || usages == 0))
		*key_type = -1;
	return r;
}

static void
test_validator(void)
{
	static const size_t chunks[] = { 100000, 1, 7 };
	tw_tls_x509_pin xc;
	tw_tls_anchors anchors;
	void *arena;
	uint8_t *pem, pins[6][32], wrong[32];
	size_t len, k;
	struct cert ca, leaf, rsa, expired, wrongh, self;
	int kt;

	pem = fixture("ca", "pem", &len);
	if (parse_pem(pem, len, &anchors, &arena) != TW_OK) {
		check(0, "cannot parse ca.pem");
		return;
	}
	free(pem);
	ca = load_cert("ca");
	leaf = load_cert("leaf_ec");
	rsa = load_cert("leaf_rsa");
	expired = load_cert("expired");
	wrongh = load_cert("wronghost");
	self = load_cert("selfsigned");
	for (k = 0; k < N_CERTS; k++)
		fixture_pin(cert_names[k], pins[k]);   /* 0 ca, 1 leaf_ec, 2 leaf_rsa, 3 expired, 4 wronghost, 5 selfsigned */
	memset(wrong, 0x5A, sizeof wrong);

	/* Bad configurations. */
	check(tw_tls_x509_pin_init(&xc, NULL, NULL, 0, 0) == TW_ERR_INVAL, "no anchors accepted");
	check(tw_tls_x509_pin_init(&xc, NULL, NULL, 0, TW_TLS_PIN_ONLY) == TW_ERR_INVAL, "pin_only without pins accepted");
	check(tw_tls_x509_pin_init(&xc, &anchors, (const uint8_t (*)[32])pins, TW_TLS_MAX_PINS + 1, 0) == TW_ERR_INVAL,
		"too many pins accepted");
	check(tw_tls_x509_pin_init(&xc, &anchors, NULL, 0, 0x80) == TW_ERR_INVAL, "unknown flag accepted");

	for (k = 0; k < sizeof chunks / sizeof chunks[0]; k++) {
		size_t ch = chunks[k];
		struct cert two[2];
		unsigned r;

		/* CA mode, no pins. */
		tw_tls_x509_pin_init(&xc, &anchors, NULL, 0, 0);
		r = feed(&xc, &leaf, 1, "localhost", ch, &kt);
		check(r == 0 && kt == BR_KEYTYPE_EC, "[chunk %zu] CA: leaf_ec r=%u kt=%d", ch, r, kt);
		r = feed(&xc, &rsa, 1, "LOCALHOST", ch, &kt);
		check(r == 0 && kt == BR_KEYTYPE_RSA, "[chunk %zu] CA: leaf_rsa r=%u kt=%d", ch, r, kt);
		r = feed(&xc, &expired, 1, "localhost", ch, &kt);
		check(r == BR_ERR_X509_EXPIRED && kt == 0, "[chunk %zu] CA: expired r=%u", ch, r);
		r = feed(&xc, &wrongh, 1, "localhost", ch, &kt);
		check(r == BR_ERR_X509_BAD_SERVER_NAME, "[chunk %zu] CA: wrong host r=%u", ch, r);
		r = feed(&xc, &wrongh, 1, "wrong.example", ch, &kt);
		check(r == 0, "[chunk %zu] CA: wrong host under its own name r=%u", ch, r);
		r = feed(&xc, &self, 1, "localhost", ch, &kt);
		check(r == BR_ERR_X509_NOT_TRUSTED, "[chunk %zu] CA: self-signed r=%u", ch, r);
		r = feed(&xc, &leaf, 1, NULL, ch, &kt);
		check(r == TW_TLS_BR_ERR_NO_SERVER_NAME && kt == 0, "[chunk %zu] CA: no name r=%u", ch, r);
		r = feed(&xc, &leaf, 1, "", ch, &kt);
		check(r == TW_TLS_BR_ERR_NO_SERVER_NAME, "[chunk %zu] CA: empty name r=%u", ch, r);
		r = feed(&xc, &leaf, 0, "localhost", ch, &kt);
		check(r == BR_ERR_X509_EMPTY_CHAIN, "[chunk %zu] CA: empty chain r=%u", ch, r);

		/* Validation time: the expired leaf was valid in mid-2020. */
		tw_tls_x509_pin_set_time(&xc, br_days(2020, 6, 1), 0);
		r = feed(&xc, &expired, 1, "localhost", ch, &kt);
		check(r == 0, "[chunk %zu] CA: expired leaf at 2020-06-01 r=%u", ch, r);

		/* Pins with CA validation. */
		tw_tls_x509_pin_init(&xc, &anchors, (const uint8_t (*)[32])pins[1], 1, 0);
		r = feed(&xc, &leaf, 1, "localhost", ch, &kt);
		check(r == 0 && kt == BR_KEYTYPE_EC, "[chunk %zu] leaf pin r=%u", ch, r);
		r = feed(&xc, &rsa, 1, "localhost", ch, &kt);
		check(r == TW_TLS_BR_ERR_PIN_MISMATCH && kt == 0, "[chunk %zu] leaf_ec pin vs leaf_rsa r=%u", ch, r);
		r = feed(&xc, &expired, 1, "localhost", ch, &kt);
		check(r == BR_ERR_X509_EXPIRED, "[chunk %zu] pin + expired: CA error first, r=%u", ch, r);

		tw_tls_x509_pin_init(&xc, &anchors, (const uint8_t (*)[32])pins[0], 1, 0);
		r = feed(&xc, &leaf, 1, "localhost", ch, &kt);
		check(r == 0, "[chunk %zu] root pin r=%u", ch, r);
		r = feed(&xc, &rsa, 1, "localhost", ch, &kt);
		check(r == 0 && kt == BR_KEYTYPE_RSA, "[chunk %zu] root pin, rsa leaf r=%u", ch, r);
		two[0] = leaf;
		two[1] = ca;
		r = feed(&xc, two, 2, "localhost", ch, &kt);
		check(r == 0, "[chunk %zu] root pin, root sent too r=%u", ch, r);

		tw_tls_x509_pin_init(&xc, &anchors, (const uint8_t (*)[32])wrong, 1, 0);
		r = feed(&xc, &leaf, 1, "localhost", ch, &kt);
		check(r == TW_TLS_BR_ERR_PIN_MISMATCH, "[chunk %zu] wrong pin r=%u", ch, r);

		{
			uint8_t backup[2][32];

			memcpy(backup[0], wrong, 32);
			memcpy(backup[1], pins[1], 32);
			tw_tls_x509_pin_init(&xc, &anchors, (const uint8_t (*)[32])backup, 2, 0);
			r = feed(&xc, &leaf, 1, "localhost", ch, &kt);
			check(r == 0, "[chunk %zu] backup pin r=%u", ch, r);
		}

		/* A pinned certificate appended after the validated chain must not count. */
		tw_tls_x509_pin_init(&xc, &anchors, (const uint8_t (*)[32])pins[5], 1, 0);
		two[0] = leaf;
		two[1] = self;
		r = feed(&xc, two, 2, "localhost", ch, &kt);
		check(r == TW_TLS_BR_ERR_PIN_MISMATCH, "[chunk %zu] pinned cert appended after the chain r=%u", ch, r);
		tw_tls_x509_pin_init(&xc, &anchors, (const uint8_t (*)[32])pins[1], 1, 0);
		two[0] = rsa;
		two[1] = leaf;
		r = feed(&xc, two, 2, "localhost", ch, &kt);
		check(r == TW_TLS_BR_ERR_PIN_MISMATCH, "[chunk %zu] pinned leaf appended after another leaf r=%u", ch, r);

		/* pin_only: only the leaf counts; dates and names are ignored. */
		tw_tls_x509_pin_init(&xc, NULL, (const uint8_t (*)[32])pins[5], 1, TW_TLS_PIN_ONLY);
		r = feed(&xc, &self, 1, "localhost", ch, &kt);
		check(r == 0 && kt == BR_KEYTYPE_EC, "[chunk %zu] pin_only self-signed r=%u kt=%d", ch, r, kt);
		r = feed(&xc, &self, 1, NULL, ch, &kt);
		check(r == 0, "[chunk %zu] pin_only without a name r=%u", ch, r);
		r = feed(&xc, &self, 1, "other.example", ch, &kt);
		check(r == 0, "[chunk %zu] pin_only ignores the name r=%u", ch, r);
		r = feed(&xc, &leaf, 1, "localhost", ch, &kt);
		check(r == TW_TLS_BR_ERR_PIN_MISMATCH && kt == 0, "[chunk %zu] pin_only other leaf r=%u", ch, r);
		two[0] = leaf;
		two[1] = self;
		r = feed(&xc, two, 2, "localhost", ch, &kt);
		check(r == TW_TLS_BR_ERR_PIN_MISMATCH, "[chunk %zu] pin_only: pinned cert behind another leaf r=%u", ch, r);
		r = feed(&xc, &self, 0, "localhost", ch, &kt);
		check(r == BR_ERR_X509_EMPTY_CHAIN, "[chunk %zu] pin_only empty chain r=%u", ch, r);
		tw_tls_x509_pin_init(&xc, NULL, (const uint8_t (*)[32])pins[3], 1, TW_TLS_PIN_ONLY);
		r = feed(&xc, &expired, 1, "localhost", ch, &kt);
		check(r == 0, "[chunk %zu] pin_only expired leaf r=%u", ch, r);
		tw_tls_x509_pin_init(&xc, NULL, (const uint8_t (*)[32])pins[2], 1, TW_TLS_PIN_ONLY);
		r = feed(&xc, &rsa, 1, NULL, ch, &kt);
		check(r == 0 && kt == BR_KEYTYPE_RSA, "[chunk %zu] pin_only rsa leaf r=%u kt=%d", ch, r, kt);
	}

	/* A self-signed leaf given as the "CA" (Node's `ca: cert` habit) validates itself. */
	{
		tw_tls_anchors self_anchors;
		void *self_arena;
		uint8_t *self_pem = fixture("selfsigned", "pem", &len);
		unsigned r;

		if (parse_pem(self_pem, len, &self_anchors, &self_arena) == TW_OK) {
			tw_tls_x509_pin_init(&xc, &self_anchors, NULL, 0, 0);
			r = feed(&xc, &self, 1, "localhost", 100000, &kt);
			check(r == 0 && kt == BR_KEYTYPE_EC, "self-signed leaf as its own anchor r=%u", r);
			r = feed(&xc, &self, 1, "other.example", 100000, &kt);
			check(r == BR_ERR_X509_BAD_SERVER_NAME, "self-signed anchor, other name r=%u", r);
			r = feed(&xc, &leaf, 1, "localhost", 100000, &kt);
			check(r == BR_ERR_X509_NOT_TRUSTED, "self-signed anchor vs CA-issued leaf r=%u", r);
		} else {
			check(0, "cannot parse selfsigned.pem");
		}
		free(self_arena);
		free(self_pem);
	}

	/* pin_only with a broken leaf: the decoder error comes out. */
	{
		struct cert cut = self, badtime;
		unsigned r;

		badtime.len = self.len;
		badtime.der = bad_time_copy(self.der, self.len);
		tw_tls_x509_pin_init(&xc, NULL, (const uint8_t (*)[32])pins[5], 1, TW_TLS_PIN_ONLY);
		for (k = 1; k <= 256; k *= 4) {
			r = feed(&xc, &badtime, 1, "localhost", k, &kt);
			check(r == BR_ERR_X509_BAD_TIME && kt == 0, "pin_only bad-time leaf, chunk %zu: r=%u", k, r);
		}
		free(badtime.der);

		cut.len = self.len - 1;
		tw_tls_x509_pin_init(&xc, NULL, (const uint8_t (*)[32])pins[5], 1, TW_TLS_PIN_ONLY);
		r = feed(&xc, &cut, 1, "localhost", 1000, &kt);
		check(r != 0 && r < 64 && kt == 0, "pin_only truncated leaf r=%u", r);
	}

	free(ca.der);
	free(leaf.der);
	free(rsa.der);
	free(expired.der);
	free(wrongh.der);
	free(self.der);
	free(arena);
}

/* ==== errors, names =========================================================================== */

static void
test_errors(void)
{
	static const struct {
		int br;
		int tw;
	} map[] = {
		{ 0, TW_OK },
		{ TW_TLS_BR_ERR_PIN_MISMATCH, TW_ERR_TLS_PIN_MISMATCH },
		{ TW_TLS_BR_ERR_NO_SERVER_NAME, TW_ERR_TLS_BAD_HOSTNAME },
		{ BR_ERR_X509_EXPIRED, TW_ERR_TLS_CERT_EXPIRED },
		{ BR_ERR_X509_BAD_SERVER_NAME, TW_ERR_TLS_BAD_HOSTNAME },
		{ BR_ERR_X509_NOT_TRUSTED, TW_ERR_TLS_UNTRUSTED },
		{ BR_ERR_X509_BAD_SIGNATURE, TW_ERR_TLS_UNTRUSTED },
		{ BR_ERR_X509_NOT_CA, TW_ERR_TLS_UNTRUSTED },
		{ BR_ERR_UNSUPPORTED_VERSION, TW_ERR_TLS_PROTOCOL_VERSION },
		{ BR_ERR_BAD_VERSION, TW_ERR_TLS_PROTOCOL_VERSION },
		{ BR_ERR_RECV_FATAL_ALERT + 70, TW_ERR_TLS_PROTOCOL_VERSION },
		{ BR_ERR_RECV_FATAL_ALERT + 40, TW_ERR_TLS_ALERT },
		{ BR_ERR_RECV_FATAL_ALERT + 100, TW_ERR_TLS_ALERT },
		{ BR_ERR_SEND_FATAL_ALERT + 40, TW_ERR_TLS_PROTOCOL },
		{ BR_ERR_X509_TRUNCATED, TW_ERR_TLS_BAD_CERT },
		{ BR_ERR_X509_UNSUPPORTED, TW_ERR_TLS_BAD_CERT },
		{ BR_ERR_X509_WEAK_PUBLIC_KEY, TW_ERR_TLS_BAD_CERT },
		{ BR_ERR_X509_EMPTY_CHAIN, TW_ERR_TLS_BAD_CERT },
		{ BR_ERR_WRONG_KEY_USAGE, TW_ERR_TLS_BAD_CERT },
		{ BR_ERR_BAD_MAC, TW_ERR_TLS_PROTOCOL },
		{ BR_ERR_X509_TIME_UNKNOWN, TW_ERR_TLS_PROTOCOL },
		{ 12345, TW_ERR_TLS_PROTOCOL },
	};
	size_t i;
	int e;

	for (i = 0; i < sizeof map / sizeof map[0]; i++)
		check(tw_tls_status_from_br(map[i].br) == map[i].tw, "status_from_br(%d) = %d, want %d",
			map[i].br, tw_tls_status_from_br(map[i].br), map[i].tw);
	check(tw_tls_br_alert(BR_ERR_RECV_FATAL_ALERT + 40) == 40, "alert number");
	check(tw_tls_br_alert(BR_ERR_SEND_FATAL_ALERT + 40) == -1, "sent alert is not a received one");
	check(tw_tls_br_alert(BR_ERR_X509_EXPIRED) == -1, "x509 error is not an alert");
	check(strcmp(tw_tls_br_error_detail(BR_ERR_RECV_FATAL_ALERT + 70),
		"received fatal alert protocol_version (70)") == 0, "alert detail: %s",
		tw_tls_br_error_detail(BR_ERR_RECV_FATAL_ALERT + 70));
	check(strstr(tw_tls_br_error_detail(BR_ERR_SEND_FATAL_ALERT + 42), "sent") != NULL, "sent alert detail");
	check(strstr(tw_tls_br_error_detail(TW_TLS_BR_ERR_PIN_MISMATCH), "pin") != NULL, "pin detail");
	for (e = -5; e < 1100; e++) {
		const char *d = tw_tls_br_error_detail(e);

		if (d == NULL || d[0] == 0) {
			check(0, "no detail for %d", e);
			break;
		}
	}
	for (e = BR_ERR_X509_INVALID_VALUE; e <= BR_ERR_X509_NOT_TRUSTED; e++) {
		if (e == 61)
			continue;   /* unassigned in BearSSL */
		check(strcmp(tw_tls_br_error_detail(e), "unknown TLS error") != 0, "detail for X.509 error %d", e);
	}

	check(tw_tls_is_ip_literal("127.0.0.1") && tw_tls_is_ip_literal("::1") && tw_tls_is_ip_literal("[::1]")
		&& tw_tls_is_ip_literal("fe80::1%eth0") && tw_tls_is_ip_literal("10.1"),
		"IP literals not recognised");
	check(!tw_tls_is_ip_literal("localhost") && !tw_tls_is_ip_literal("api.binance.com")
		&& !tw_tls_is_ip_literal("1.example") && !tw_tls_is_ip_literal("") && !tw_tls_is_ip_literal(NULL)
		&& !tw_tls_is_ip_literal("..."), "host names taken for IP literals");
}

/* ==== live handshakes against openssl s_server ============================================== */

struct server {
	pid_t pid;
	int port;
	const char *label;
};

#define MAX_SERVERS 8
static struct server servers[MAX_SERVERS];
static size_t n_servers;

static int
free_port(void)
{
	struct sockaddr_in sa;
	socklen_t sl = sizeof sa;
	int fd = socket(AF_INET, SOCK_STREAM, 0), port = -1;

	memset(&sa, 0, sizeof sa);
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd >= 0 && bind(fd, (struct sockaddr *)&sa, sizeof sa) == 0
		&& getsockname(fd, (struct sockaddr *)&sa, &sl) == 0)
		port = ntohs(sa.sin_port);
	if (fd >= 0)
		close(fd);
	return port;
}

static int
tcp_connect(int port, int timeout_ms)
{
	struct sockaddr_in sa;
	struct timeval tv;
	int fd = socket(AF_INET, SOCK_STREAM, 0), one = 1;

	if (fd < 0)
		return -1;
	tv.tv_sec = timeout_ms / 1000;
	tv.tv_usec = (timeout_ms % 1000) * 1000;
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
	/* BearSSL hands out one record at a time: without this, Nagle + delayed ACK add ~40 ms. */
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	memset(&sa, 0, sizeof sa);
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sa.sin_port = htons((uint16_t)port);
	if (connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Starts `openssl s_server -www` with the given cert and extra arguments (NULL-terminated). */
static struct server *
start_server(const char *label, const char *cert, ...)
{
	struct server *s = &servers[n_servers];
	int attempt;

	for (attempt = 0; attempt < 5; attempt++) {
		char accept_arg[32], cert_arg[256], key_arg[256];
		const char *argv[32];
		double t0;
		size_t argc = 0;
		va_list ap;
		const char *a;
		pid_t pid;
		int port = free_port(), status;

		snprintf(accept_arg, sizeof accept_arg, "127.0.0.1:%d", port);
		snprintf(cert_arg, sizeof cert_arg, "%s.pem", cert);
		snprintf(key_arg, sizeof key_arg, "%s.key", cert);
		argv[argc++] = "openssl";
		argv[argc++] = "s_server";
		argv[argc++] = "-quiet";
		argv[argc++] = "-www";
		argv[argc++] = "-accept";
		argv[argc++] = accept_arg;
		argv[argc++] = "-cert";
		argv[argc++] = cert_arg;
		argv[argc++] = "-key";
		argv[argc++] = key_arg;
		va_start(ap, cert);
		while ((a = va_arg(ap, const char *)) != NULL && argc < 30)
			argv[argc++] = a;
		va_end(ap);
		argv[argc] = NULL;

		pid = fork();
		if (pid < 0)
			return NULL;
		if (pid == 0) {
			int devnull = open("/dev/null", O_RDWR);

			prctl(PR_SET_PDEATHSIG, SIGKILL);
			if (chdir(fxdir) != 0)
				_exit(127);
			dup2(devnull, 0);
			if (getenv("TW_TLS_TEST_VERBOSE") == NULL) {
				dup2(devnull, 1);
				dup2(devnull, 2);
			}
			execvp("openssl", (char *const *)argv);
			_exit(127);
		}
		/* Ready when it accepts; retry on another port if it died (port taken). */
		t0 = now_ms();
		while (now_ms() - t0 < 5000) {
			int fd = tcp_connect(port, 1000);

			if (fd >= 0) {
				close(fd);
				s->pid = pid;
				s->port = port;
				s->label = label;
				n_servers++;
				return s;
			}
			if (waitpid(pid, &status, WNOHANG) == pid)
				break;
			usleep(10000);
		}
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
	}
	printf("FAIL could not start openssl s_server for %s\n", label);
	n_failed++;
	return NULL;
}

static void
stop_servers(void)
{
	size_t i;

	for (i = 0; i < n_servers; i++) {
		int status;

		kill(servers[i].pid, SIGTERM);
		waitpid(servers[i].pid, &status, 0);
	}
	n_servers = 0;
}

struct hs {
	int status;            /* tw_tls_client_status() after the handshake */
	int br_err;
	int io_error;          /* the socket failed (EOF, timeout) before the engine did */
	int resumed;
	int saved;             /* tw_tls_client_save_session() right after the handshake */
	int saved_late;        /* ... and again after the HTTP exchange, same session */
	br_ssl_session_parameters session;
	int http_ok;           /* GET / answered with HTTP/1.0 200 */
	uint16_t suite;
	const char *alpn;
	double ms;
};

static int
send_all_records(br_ssl_engine_context *eng, int fd)
{
	while (br_ssl_engine_current_state(eng) & BR_SSL_SENDREC) {
		size_t len;
		unsigned char *buf = br_ssl_engine_sendrec_buf(eng, &len);
		ssize_t w = send(fd, buf, len, MSG_NOSIGNAL);

		if (w <= 0)
			return -1;
		br_ssl_engine_sendrec_ack(eng, (size_t)w);
	}
	return 0;
}

static int
recv_record_bytes(br_ssl_engine_context *eng, int fd)
{
	size_t len;
	unsigned char *buf = br_ssl_engine_recvrec_buf(eng, &len);
	ssize_t r = recv(fd, buf, len, 0);

	if (r <= 0)
		return -1;
	br_ssl_engine_recvrec_ack(eng, (size_t)r);
	return 0;
}

/* 0: handshake done; -1: engine closed (error); -2: socket failed. */
static int
pump_handshake(br_ssl_engine_context *eng, int fd)
{
	for (;;) {
		unsigned st = br_ssl_engine_current_state(eng);

		if (st & BR_SSL_CLOSED)
			return -1;
		if (st & BR_SSL_SENDREC) {
			if (send_all_records(eng, fd) != 0)
				return -2;
			continue;
		}
		if (st & (BR_SSL_SENDAPP | BR_SSL_RECVAPP))
			return 0;
		if (st & BR_SSL_RECVREC) {
			if (recv_record_bytes(eng, fd) != 0)
				return -2;
			continue;
		}
		return -2;
	}
}

static int
http_get(br_ssl_engine_context *eng, int fd)
{
	static const char req[] = "GET / HTTP/1.0\r\n\r\n";
	char resp[32];
	size_t sent = 0, got = 0;

	while (got < 12) {
		unsigned st = br_ssl_engine_current_state(eng);

		if (st & BR_SSL_CLOSED)
			break;
		if (st & BR_SSL_SENDREC) {
			if (send_all_records(eng, fd) != 0)
				break;
		} else if (sent < sizeof req - 1 && (st & BR_SSL_SENDAPP)) {
			size_t len;
			unsigned char *buf = br_ssl_engine_sendapp_buf(eng, &len);

			if (len > sizeof req - 1 - sent)
				len = sizeof req - 1 - sent;
			memcpy(buf, req + sent, len);
			br_ssl_engine_sendapp_ack(eng, len);
			sent += len;
			if (sent == sizeof req - 1)
				br_ssl_engine_flush(eng, 0);
		} else if (st & BR_SSL_RECVAPP) {
			size_t len;
			unsigned char *buf = br_ssl_engine_recvapp_buf(eng, &len);

			if (len > sizeof resp - got)
				len = sizeof resp - got;
			memcpy(resp + got, buf, len);
			br_ssl_engine_recvapp_ack(eng, len);
			got += len;
		} else if (st & BR_SSL_RECVREC) {
			if (recv_record_bytes(eng, fd) != 0)
				break;
		} else {
			break;
		}
	}
	return got >= 12 && memcmp(resp, "HTTP/1.0 200", 12) == 0;
}

static tw_tls_client client;
static unsigned char iobuf[BR_SSL_BUFSIZE_BIDI];

static void
handshake(const struct server *s, const tw_tls_config *cfg, const char *name,
	const br_ssl_session_parameters *resume, int http, struct hs *out)
{
	br_ssl_engine_context *eng;
	br_ssl_session_parameters cur;
	double t0 = now_ms();
	int fd, r;

	memset(out, 0, sizeof *out);
	out->status = TW_ERR_INVAL;
	if (s == NULL)
		return;
	r = tw_tls_client_init(&client, cfg, iobuf, sizeof iobuf);
	if (r == TW_OK)
		r = tw_tls_client_reset(&client, name, resume);
	if (r != TW_OK) {
		out->status = r;
		return;
	}
	eng = tw_tls_client_engine(&client);
	fd = tcp_connect(s->port, 5000);
	if (fd < 0) {
		out->io_error = 1;
		return;
	}
	r = pump_handshake(eng, fd);
	out->io_error = r == -2;
	out->status = tw_tls_client_status(&client);
	out->br_err = tw_tls_client_br_error(&client);
	if (r == 0) {
		out->saved = tw_tls_client_save_session(&client, &out->session);
		out->resumed = tw_tls_client_resumed(&client);
		br_ssl_engine_get_session_parameters(eng, &cur);
		out->suite = cur.cipher_suite;
		out->alpn = br_ssl_engine_get_selected_protocol(eng);
		if (http) {
			br_ssl_session_parameters late;

			out->http_ok = http_get(eng, fd);
			out->saved_late = tw_tls_client_save_session(&client, &late);
			if (out->saved_late == TW_OK && memcmp(&late, &out->session, sizeof late) != 0)
				out->saved_late = -1;
		}
	}
	close(fd);
	out->ms = now_ms() - t0;
}

static void
expect(const char *what, const struct hs *h, int status)
{
	check(h->status == status && (status != TW_OK || !h->io_error),
		"%s: status %d (%s), want %d (%s); BearSSL %d: %s%s", what,
		h->status, tw_status_name(h->status), status, tw_status_name(status),
		h->br_err, tw_tls_br_error_detail(h->br_err), h->io_error ? " [socket failed]" : "");
}

static void
test_live(void)
{
	static const uint8_t wrong_pin[32] = { 1, 2, 3 };
	tw_tls_anchors ca_anchors, sys_anchors;
	void *ca_arena = NULL, *sys_arena = NULL;
	uint8_t *pem, pin_ca[32], pin_leaf[32], pin_rsa[32], pin_self[32], pin_expired[32];
	uint8_t backup[2][32];
	size_t len;
	int have_sys = 0;
	struct server *s_ec, *s_cbc, *s_expired, *s_wrong, *s_self, *s_tls13, *s_appended;
	struct hs h, h2;
	tw_tls_config cfg;

	pem = fixture("ca", "pem", &len);
	if (parse_pem(pem, len, &ca_anchors, &ca_arena) != TW_OK) {
		check(0, "ca.pem");
		return;
	}
	free(pem);
	if (read_path("/etc/ssl/certs/ca-certificates.crt", &pem, &len) == 0) {
		have_sys = parse_pem(pem, len, &sys_anchors, &sys_arena) == TW_OK;
		free(pem);
	}
	fixture_pin("ca", pin_ca);
	fixture_pin("leaf_ec", pin_leaf);
	fixture_pin("leaf_rsa", pin_rsa);
	fixture_pin("selfsigned", pin_self);
	fixture_pin("expired", pin_expired);

	s_ec = start_server("leaf_ec", "leaf_ec", "-alpn", "http/1.1", (char *)NULL);
	s_cbc = start_server("leaf_rsa CBC-SHA256", "leaf_rsa", "-tls1_2", "-cipher", "ECDHE-RSA-AES128-SHA256",
		(char *)NULL);
	s_expired = start_server("expired", "expired", (char *)NULL);
	s_wrong = start_server("wronghost", "wronghost", (char *)NULL);
	s_self = start_server("selfsigned", "selfsigned", (char *)NULL);
	s_tls13 = start_server("TLS 1.3 only", "leaf_ec", "-tls1_3", (char *)NULL);
	s_appended = start_server("leaf_ec + appended selfsigned", "leaf_ec", "-cert_chain", "selfsigned.pem",
		(char *)NULL);

	/* CA validation. */
	memset(&cfg, 0, sizeof cfg);
	cfg.anchors = &ca_anchors;
	handshake(s_ec, &cfg, "localhost", NULL, 1, &h);
	expect("custom CA, leaf_ec", &h, TW_OK);
	check(h.http_ok, "custom CA, leaf_ec: no HTTP answer over TLS");
	check(h.alpn != NULL && strcmp(h.alpn, "http/1.1") == 0, "ALPN not negotiated");
	printf("leaf_ec handshake: suite 0x%04X, %.1f ms\n", h.suite, h.ms);

	handshake(s_cbc, &cfg, "localhost", NULL, 1, &h);
	expect("custom CA, leaf_rsa with ECDHE-RSA-AES128-SHA256", &h, TW_OK);
	check(h.suite == BR_TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256 && h.http_ok,
		"CBC-SHA256 suite 0x%04X, HTTP %d (record MACs over our SHA-256)", h.suite, h.http_ok);

	handshake(s_expired, &cfg, "localhost", NULL, 0, &h);
	expect("expired leaf", &h, TW_ERR_TLS_CERT_EXPIRED);
	handshake(s_wrong, &cfg, "localhost", NULL, 0, &h);
	expect("wrong host", &h, TW_ERR_TLS_BAD_HOSTNAME);
	handshake(s_wrong, &cfg, "wrong.example", NULL, 0, &h);
	expect("wrong host under its own name", &h, TW_OK);
	handshake(s_self, &cfg, "localhost", NULL, 0, &h);
	expect("self-signed leaf", &h, TW_ERR_TLS_UNTRUSTED);
	handshake(s_ec, &cfg, "127.0.0.1", NULL, 0, &h);
	expect("IP literal as the name", &h, TW_ERR_TLS_BAD_HOSTNAME);
	handshake(s_ec, &cfg, NULL, NULL, 0, &h);
	expect("no name", &h, TW_ERR_TLS_BAD_HOSTNAME);

	if (have_sys) {
		cfg.anchors = &sys_anchors;
		handshake(s_ec, &cfg, "localhost", NULL, 0, &h);
		expect("system bundle vs private CA", &h, TW_ERR_TLS_UNTRUSTED);
		cfg.anchors = &ca_anchors;
	}

	/* Pins with CA validation. */
	cfg.pins = (const uint8_t (*)[32])pin_leaf;
	cfg.pin_count = 1;
	handshake(s_ec, &cfg, "localhost", NULL, 1, &h);
	expect("leaf pin", &h, TW_OK);
	check(h.http_ok, "leaf pin: no HTTP answer");
	cfg.pins = (const uint8_t (*)[32])pin_ca;
	handshake(s_ec, &cfg, "localhost", NULL, 0, &h);
	expect("root CA pin", &h, TW_OK);
	handshake(s_cbc, &cfg, "localhost", NULL, 0, &h);
	expect("root CA pin, rsa leaf", &h, TW_OK);
	cfg.pins = (const uint8_t (*)[32])wrong_pin;
	handshake(s_ec, &cfg, "localhost", NULL, 0, &h);
	expect("wrong pin, valid CA", &h, TW_ERR_TLS_PIN_MISMATCH);
	memcpy(backup[0], wrong_pin, 32);
	memcpy(backup[1], pin_leaf, 32);
	cfg.pins = (const uint8_t (*)[32])backup;
	cfg.pin_count = 2;
	handshake(s_ec, &cfg, "localhost", NULL, 0, &h);
	expect("backup pin", &h, TW_OK);
	cfg.pin_count = 1;
	cfg.pins = (const uint8_t (*)[32])pin_self;
	handshake(s_appended, &cfg, "localhost", NULL, 0, &h);
	expect("pinned cert appended after the validated chain", &h, TW_ERR_TLS_PIN_MISMATCH);
	cfg.pins = (const uint8_t (*)[32])pin_leaf;
	handshake(s_appended, &cfg, "localhost", NULL, 0, &h);
	expect("leaf pin, chain with an appended cert", &h, TW_OK);
	handshake(s_expired, &cfg, "localhost", NULL, 0, &h);
	expect("leaf pin vs expired leaf", &h, TW_ERR_TLS_CERT_EXPIRED);

	/* pin_only. */
	cfg.anchors = NULL;
	cfg.flags = TW_TLS_PIN_ONLY;
	cfg.pins = (const uint8_t (*)[32])pin_self;
	handshake(s_self, &cfg, "localhost", NULL, 1, &h);
	expect("pin_only, self-signed, right pin", &h, TW_OK);
	check(h.http_ok, "pin_only: no HTTP answer");
	handshake(s_self, &cfg, "127.0.0.1", NULL, 0, &h);
	expect("pin_only, IP literal", &h, TW_OK);
	cfg.pins = (const uint8_t (*)[32])wrong_pin;
	handshake(s_self, &cfg, "localhost", NULL, 0, &h);
	expect("pin_only, self-signed, wrong pin", &h, TW_ERR_TLS_PIN_MISMATCH);
	cfg.pins = (const uint8_t (*)[32])pin_self;
	handshake(s_appended, &cfg, "localhost", NULL, 0, &h);
	expect("pin_only, pinned cert appended behind another leaf", &h, TW_ERR_TLS_PIN_MISMATCH);
	cfg.pins = (const uint8_t (*)[32])pin_expired;
	handshake(s_expired, &cfg, "localhost", NULL, 0, &h);
	expect("pin_only, expired leaf, right pin", &h, TW_OK);
	cfg.pins = (const uint8_t (*)[32])pin_rsa;
	handshake(s_cbc, &cfg, "other.example", NULL, 1, &h);
	expect("pin_only, rsa leaf, other name", &h, TW_OK);

	/* TLS 1.3 only: refused at once with protocol_version, no hang. */
	cfg.anchors = &ca_anchors;
	cfg.flags = 0;
	cfg.pins = NULL;
	cfg.pin_count = 0;
	handshake(s_tls13, &cfg, "localhost", NULL, 0, &h);
	expect("TLS 1.3-only server", &h, TW_ERR_TLS_PROTOCOL_VERSION);
	check(h.ms < 3000, "TLS 1.3-only server took %.0f ms", h.ms);
	printf("TLS 1.3-only server: BearSSL %d (%s), %.1f ms\n", h.br_err, tw_tls_br_error_detail(h.br_err), h.ms);
	check(tw_tls_br_alert(h.br_err) == 70 || h.br_err == BR_ERR_UNSUPPORTED_VERSION,
		"TLS 1.3-only server: BearSSL error %d (%s)", h.br_err, tw_tls_br_error_detail(h.br_err));

	/* Resumption: full, resumed with the saved session, full again without it. */
	handshake(s_ec, &cfg, "localhost", NULL, 1, &h);
	expect("resumption, first handshake", &h, TW_OK);
	check(h.saved == TW_OK && !h.resumed, "first handshake: saved %d resumed %d", h.saved, h.resumed);
	check(h.saved_late == TW_OK, "session saved after the HTTP exchange: %d", h.saved_late);
	handshake(s_ec, &cfg, "localhost", &h.session, 1, &h2);
	expect("resumption, second handshake", &h2, TW_OK);
	check(h2.resumed && h2.http_ok, "second handshake with the saved session not resumed (%d, http %d)",
		h2.resumed, h2.http_ok);
	printf("resumed handshake: %.1f ms (full: %.1f ms)\n", h2.ms, h.ms);
	handshake(s_ec, &cfg, "localhost", NULL, 0, &h2);
	expect("resumption, third handshake", &h2, TW_OK);
	check(!h2.resumed, "third handshake without a session reported resumed");
	{
		/* A session the server does not know: full handshake, not resumed. */
		br_ssl_session_parameters bogus = h.session;

		bogus.session_id[0] ^= 0xFF;
		handshake(s_ec, &cfg, "localhost", &bogus, 0, &h2);
		expect("unknown session offered", &h2, TW_OK);
		check(!h2.resumed, "unknown session reported resumed");
	}

	stop_servers();
	free(ca_arena);
	free(sys_arena);
}

/* ==== client API edges (no sockets) ========================================================== */

static void
test_client_api(void)
{
	tw_tls_anchors anchors;
	void *arena;
	uint8_t *pem;
	size_t len;
	tw_tls_config cfg;
	br_ssl_session_parameters sp;
	char longname[300];

	pem = fixture("ca", "pem", &len);
	if (parse_pem(pem, len, &anchors, &arena) != TW_OK) {
		check(0, "ca.pem");
		return;
	}
	free(pem);
	memset(&cfg, 0, sizeof cfg);
	cfg.anchors = &anchors;
	check(tw_tls_client_init(&client, &cfg, iobuf, sizeof iobuf - 1) == TW_ERR_BUFFER_TOO_SMALL,
		"short iobuf accepted");
	cfg.flags = TW_TLS_PIN_ONLY;
	check(tw_tls_client_init(&client, &cfg, iobuf, sizeof iobuf) == TW_ERR_INVAL, "pin_only without pins");
	cfg.flags = 0;
	check(tw_tls_client_init(&client, &cfg, iobuf, sizeof iobuf) == TW_OK, "init");
	memset(longname, 'a', sizeof longname - 1);
	longname[sizeof longname - 1] = 0;
	check(tw_tls_client_reset(&client, longname, NULL) == TW_ERR_INVAL, "256+ byte name accepted");
	check(tw_tls_client_reset(&client, "localhost", NULL) == TW_OK, "reset");
	check(tw_tls_client_status(&client) == TW_OK, "fresh client status");
	check(tw_tls_client_save_session(&client, &sp) == TW_ERR_INVAL, "session saved before the handshake");
	check(!tw_tls_client_resumed(&client), "fresh client resumed");
	check(br_ssl_engine_get_hash(tw_tls_client_engine(&client), br_sha256_ID) == &tw_br_sha256_vtable,
		"engine SHA-256 is not ours");
	check(br_ssl_engine_current_state(tw_tls_client_engine(&client)) & BR_SSL_SENDREC,
		"no ClientHello queued");
	free(arena);
}

int
main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: %s FIXTURES_DIR\n", argv[0]);
		return 1;
	}
	fxdir = argv[1];
	signal(SIGPIPE, SIG_IGN);
	if (system("openssl version >/dev/null 2>&1") != 0) {
		printf("test_tls: SKIP (openssl not found)\n");
		return 77;
	}
	test_br_hash();
	test_spki();
	test_anchors();
	test_validator();
	test_errors();
	test_client_api();
	test_live();
	printf("test_tls: %u passed, %u failed\n", n_passed, n_failed);
	return n_failed == 0 ? 0 : 1;
}
