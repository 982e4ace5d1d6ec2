/*
 * fuzz_x509_pin — libFuzzer target for the SPKI extractor and the pin validator (tw_tls.h).
 *
 * Input: byte 0 = flags (bit 0: default mode with one built-in anchor instead of pin_only;
 * bit 1: pin the first certificate's SPKI as extracted one-shot, so the accepting path is
 * reached; bits 2-4: chunk size for append()); then up to 3 certificates, each as a 2-byte
 * big-endian length and that many bytes (a short last one takes what is left).
 *
 * Every certificate goes through tw_tls_spki_sha256() (one shot) and the streaming extractor in
 * chunks, with the length announced and not: all three must agree. The chain then goes through
 * the validator's start_chain / start_cert / append / end_cert / end_chain / get_pkey, each
 * chunk copied to an allocation of exactly its size (ASan catches any over-read). Invariants
 * (abort() on violation): in pin_only, end_chain() returns 0 only if the first certificate's
 * one-shot SPKI hash is a pin, and then get_pkey() gives a key with both usages; a pinned leaf
 * fails only with an X.509 decoding error, never TW_TLS_BR_ERR_PIN_MISMATCH; in default mode
 * nothing validates (the built-in anchor's key is not a curve point); every result maps to a
 * status other than TW_OK exactly when it is non-zero.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tw_tls.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A built-in anchor for default mode: a P-256 key under a fixed name (never matches a fuzzed
 * signature, but makes x509_minimal walk the chain and look anchors up). */
static unsigned char anchor_dn[] = {
	0x30, 0x0f, 0x31, 0x0d, 0x30, 0x0b, 0x06, 0x03, 0x55, 0x04, 0x03, 0x0c, 0x04, 't', 'e', 's', 't'
};
static unsigned char anchor_q[65] = { 0x04, 1, 2, 3 };

static void
die_if(int cond)
{
	if (cond)
		abort();
}

static int
spki_chunked(const uint8_t *p, size_t len, size_t total, size_t chunk, uint8_t out[TW_TLS_PIN_LEN])
{
	tw_tls_spki_ctx ctx;
	size_t off = 0;

	tw_tls_spki_init(&ctx, total);
	while (off < len) {
		size_t n = chunk < len - off ? chunk : len - off;
		uint8_t *copy = malloc(n);

		memcpy(copy, p + off, n);
		tw_tls_spki_push(&ctx, copy, n);
		free(copy);
		off += n;
	}
	return tw_tls_spki_finish(&ctx, out);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static tw_tls_x509_pin xc;
	static br_x509_trust_anchor ta;
	tw_tls_anchors anchors;
	const uint8_t *cert[3];
	size_t cert_len[3], ncert = 0, chunk, i, off;
	uint8_t pins[2][TW_TLS_PIN_LEN], first[TW_TLS_PIN_LEN];
	int first_ok = 0, default_mode;
	const br_x509_class **vt;
	const br_x509_pkey *pk;
	unsigned flags, r, usages = 0;

	if (size < 1)
		return 0;
	flags = data[0];
	default_mode = flags & 1;
	chunk = (size_t)1 << ((flags >> 2) & 7);   /* 1 .. 128 */
	data++;
	size--;
	while (ncert < 3 && size >= 2) {
		size_t n = ((size_t)data[0] << 8) | data[1];

		data += 2;
		size -= 2;
		if (n > size)
			n = size;
		cert[ncert] = data;
		cert_len[ncert] = n;
		ncert++;
		data += n;
		size -= n;
	}

	/* The extractor: one shot and streamed must agree. */
	for (i = 0; i < ncert; i++) {
		uint8_t a[TW_TLS_PIN_LEN], b[TW_TLS_PIN_LEN], c[TW_TLS_PIN_LEN];
		int ra = tw_tls_spki_sha256(cert[i], cert_len[i], a);
		int rb = spki_chunked(cert[i], cert_len[i], cert_len[i], chunk, b);
		int rc = spki_chunked(cert[i], cert_len[i], 0, chunk + 2, c);

		die_if(ra != rb || (cert_len[i] > 0 && ra != rc));
		die_if(ra != TW_OK && ra != TW_ERR_TLS_BAD_CERT);
		if (ra == TW_OK) {
			die_if(memcmp(a, b, sizeof a) != 0 || memcmp(a, c, sizeof a) != 0);
			if (i == 0) {
				memcpy(first, a, sizeof first);
				first_ok = 1;
			}
		}
	}

	/* Pins: a fixed one, plus the first certificate's when asked. */
	memset(pins[0], 0xA5, sizeof pins[0]);
	memcpy(pins[1], first_ok && (flags & 2) ? first : pins[0], sizeof pins[1]);

	memset(&ta, 0, sizeof ta);
	ta.dn.data = anchor_dn;
	ta.dn.len = sizeof anchor_dn;
	ta.flags = BR_X509_TA_CA;
	ta.pkey.key_type = BR_KEYTYPE_EC;
	ta.pkey.key.ec.curve = BR_EC_secp256r1;
	ta.pkey.key.ec.q = anchor_q;
	ta.pkey.key.ec.qlen = sizeof anchor_q;
	memset(&anchors, 0, sizeof anchors);
	anchors.ta = &ta;
	anchors.count = 1;
	/* tw_tls_anchors_spki() reads the 32 bytes before the DN: not available here, so default
	 * mode runs with no pins (plain x509_minimal + the name rule), pin_only with both. */
	if (default_mode)
		die_if(tw_tls_x509_pin_init(&xc, &anchors, NULL, 0, 0) != TW_OK);
	else
		die_if(tw_tls_x509_pin_init(&xc, NULL, (const uint8_t (*)[TW_TLS_PIN_LEN])pins, 2,
			TW_TLS_PIN_ONLY) != TW_OK);
	tw_tls_x509_pin_set_time(&xc, 738000, 0);   /* 2020-07: no clock in the fuzzer */

	vt = &xc.vtable;
	(*vt)->start_chain(vt, "example.com");
	for (i = 0; i < ncert; i++) {
		(*vt)->start_cert(vt, (uint32_t)cert_len[i]);
		for (off = 0; off < cert_len[i]; off += chunk) {
			size_t n = chunk < cert_len[i] - off ? chunk : cert_len[i] - off;
			uint8_t *copy = malloc(n);

			memcpy(copy, cert[i] + off, n);
			(*vt)->append(vt, copy, n);
			free(copy);
		}
		(*vt)->end_cert(vt);
	}
	r = (*vt)->end_chain(vt);
	pk = (*vt)->get_pkey(vt, &usages);

	die_if((r == 0) != (tw_tls_status_from_br((int)r) == TW_OK));
	die_if(tw_tls_br_error_detail((int)r) == NULL);
	if (!default_mode) {
		int pinned = first_ok && ((flags & 2) || memcmp(first, pins[0], TW_TLS_PIN_LEN) == 0);

		if (r == 0) {
			die_if(!pinned);
			die_if(pk == NULL || (pk->key_type != BR_KEYTYPE_RSA && pk->key_type != BR_KEYTYPE_EC));
			die_if(usages != (BR_KEYTYPE_KEYX | BR_KEYTYPE_SIGN));
		} else {
			die_if(pk != NULL);
			die_if(ncert == 0 && r != BR_ERR_X509_EMPTY_CHAIN);
			/* A pinned leaf fails only if BearSSL cannot decode its key. */
			die_if(pinned && (r < BR_ERR_X509_INVALID_VALUE || r > BR_ERR_X509_NOT_TRUSTED));
		}
		die_if(r == TW_TLS_BR_ERR_PIN_MISMATCH && pinned);
	} else {
		/* No anchor can verify fuzzed signatures. */
		die_if(r == 0);
		die_if(pk != NULL);
	}
	return 0;
}
