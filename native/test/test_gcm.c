/*
 * The VAES AES-CTR and VPCLMULQDQ GHASH under BearSSL's GCM records (native/src/tls/gcm_vaes.c)
 * against BearSSL's own implementations: random keys (AES-128/192/256), IVs and counters (also
 * across the 2^32 wrap), every length 0..2100 at every alignment 0..3 with canaries around the
 * buffer, large lengths, chained GHASH calls; then a NIST GCM vector through br_gcm with ours
 * plugged in. Exits 77 (skip) on a CPU without the features.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tw.h"
#include "tw_tls.h"

#include "test_util.h"

#define MAXLEN 2100
#define PAD 64

static uint8_t area_a[MAXLEN + 2 * PAD + 8];
static uint8_t area_b[MAXLEN + 2 * PAD + 8];

static void
fill(uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)test_rng();
}

static int
canaries_ok(const uint8_t *area, size_t start, size_t len)
{
	for (size_t i = 0; i < start; i++)
		if (area[i] != 0x5A)
			return 0;
	for (size_t i = start + len; i < sizeof area_a; i++)
		if (area[i] != 0x5A)
			return 0;
	return 1;
}

static void
test_ctr(const br_block_ctr_class *ours)
{
	const br_block_ctr_class *ref = br_aes_x86ni_ctr_get_vtable();
	static const size_t key_lens[] = { 16, 24, 32 };
	unsigned bad = 0, bad_cc = 0, bad_canary = 0;

	for (size_t k = 0; k < 3; k++) {
		uint8_t key[32], iv[12];
		br_aes_x86ni_ctr_keys a, b;
		fill(key, sizeof key);
		ref->init(&a.vtable, key, key_lens[k]);
		ours->init(&b.vtable, key, key_lens[k]);
		for (size_t len = 0; len <= MAXLEN; len++) {
			for (size_t off = 0; off < 4; off++) {
				/* Counters near the 32-bit wrap on some lengths. */
				uint32_t cc = (len % 7 == 0) ? 0xFFFFFFF0u + (uint32_t)((len + off) & 15) : (uint32_t)test_rng();
				fill(iv, sizeof iv);
				memset(area_a, 0x5A, sizeof area_a);
				memset(area_b, 0x5A, sizeof area_b);
				fill(area_a + PAD + off, len);
				memcpy(area_b + PAD + off, area_a + PAD + off, len);
				uint32_t ra = ref->run(&a.vtable, iv, cc, area_a + PAD + off, len);
				uint32_t rb = ours->run(&b.vtable, iv, cc, area_b + PAD + off, len);
				if (memcmp(area_a, area_b, sizeof area_a) != 0)
					bad++;
				if (ra != rb)
					bad_cc++;
				if (!canaries_ok(area_b, PAD + off, len))
					bad_canary++;
			}
		}
	}
	CHECK(bad == 0, "AES-CTR output equals BearSSL's x86ni for every length and key size (%u differ)", bad);
	CHECK(bad_cc == 0, "AES-CTR returns the same next counter (%u differ)", bad_cc);
	CHECK(bad_canary == 0, "AES-CTR writes nothing outside the buffer (%u)", bad_canary);

	/* A 64 KiB run, counter crossing 2^32. */
	{
		static uint8_t big_a[65536 + 5], big_b[65536 + 5];
		uint8_t key[16], iv[12];
		br_aes_x86ni_ctr_keys a, b;
		fill(key, 16);
		fill(iv, 12);
		fill(big_a, sizeof big_a);
		memcpy(big_b, big_a, sizeof big_a);
		ref->init(&a.vtable, key, 16);
		ours->init(&b.vtable, key, 16);
		uint32_t ra = ref->run(&a.vtable, iv, 0xFFFFFF00u, big_a, sizeof big_a);
		uint32_t rb = ours->run(&b.vtable, iv, 0xFFFFFF00u, big_b, sizeof big_b);
		CHECK(memcmp(big_a, big_b, sizeof big_a) == 0 && ra == rb, "64 KiB AES-CTR across the counter wrap matches");
	}
}

static void
test_ghash(br_ghash ours)
{
	br_ghash refs[2] = { br_ghash_pclmul_get(), br_ghash_ctmul64 };
	unsigned bad = 0;
	static uint8_t data[MAXLEN + 8];

	for (size_t r = 0; r < 2; r++) {
		br_ghash ref = refs[r];
		if (ref == 0)
			continue;
		for (size_t len = 0; len <= MAXLEN; len++) {
			uint8_t h[16], y0[16], ya[16], yb[16];
			size_t off = len & 7;
			fill(h, 16);
			fill(y0, 16);
			fill(data + off, len);
			memcpy(ya, y0, 16);
			memcpy(yb, y0, 16);
			ref(ya, h, data + off, len);
			ours(yb, h, data + off, len);
			if (memcmp(ya, yb, 16) != 0)
				bad++;
		}
	}
	CHECK(bad == 0, "GHASH equals BearSSL's pclmul and ctmul64 for every length 0..%d (%u differ)", MAXLEN, bad);

	/* Chained calls (as a record's AAD, data, lengths) and a 16 KiB record. */
	{
		static uint8_t rec[16384 + 13];
		uint8_t h[16], ya[16] = { 0 }, yb[16] = { 0 };
		fill(h, 16);
		fill(rec, sizeof rec);
		br_ghash ref = refs[0] ? refs[0] : refs[1];
		ref(ya, h, rec, 13);
		ref(ya, h, rec + 13, 16384);
		ours(yb, h, rec, 13);
		ours(yb, h, rec + 13, 16384);
		CHECK(memcmp(ya, yb, 16) == 0, "chained GHASH over a 16 KiB record matches");
	}
	/* H = 0 and all-ones data: edge values of the field. */
	{
		uint8_t h[16] = { 0 }, y[16], d[300];
		memset(d, 0xFF, sizeof d);
		memset(y, 0xFF, sizeof y);
		ours(y, h, d, sizeof d);
		static const uint8_t zero[16] = { 0 };
		CHECK(memcmp(y, zero, 16) == 0, "GHASH with H = 0 is 0");
	}
}

/* NIST GCM test case 2 (AES-128, zero key and IV, 16 zero bytes) and case 4 (60 bytes + AAD). */
static void
test_gcm_vector(const br_block_ctr_class *ctr, br_ghash gh)
{
	br_aes_x86ni_ctr_keys kc;
	br_gcm_context g;
	uint8_t key[16] = { 0 }, iv[12] = { 0 }, buf[16] = { 0 }, tag[16];
	static const uint8_t ct2[16] = { 0x03, 0x88, 0xda, 0xce, 0x60, 0xb6, 0xa3, 0x92, 0xf3, 0x28, 0xc2, 0xb9,
		0x71, 0xb2, 0xfe, 0x78 };
	static const uint8_t tag2[16] = { 0xab, 0x6e, 0x47, 0xd4, 0x2c, 0xec, 0x13, 0xbd, 0xf5, 0x3a, 0x67, 0xb2,
		0x12, 0x57, 0xbd, 0xdf };
	ctr->init(&kc.vtable, key, 16);
	br_gcm_init(&g, &kc.vtable, gh);
	br_gcm_reset(&g, iv, 12);
	br_gcm_flip(&g);
	br_gcm_run(&g, 1, buf, 16);
	br_gcm_get_tag(&g, tag);
	CHECK(memcmp(buf, ct2, 16) == 0 && memcmp(tag, tag2, 16) == 0, "NIST GCM test case 2");

	/* Case 4: decrypt and check the tag. */
	static const uint8_t k4[16] = { 0xfe, 0xff, 0xe9, 0x92, 0x86, 0x65, 0x73, 0x1c, 0x6d, 0x6a, 0x8f, 0x94,
		0x67, 0x30, 0x83, 0x08 };
	static const uint8_t iv4[12] = { 0xca, 0xfe, 0xba, 0xbe, 0xfa, 0xce, 0xdb, 0xad, 0xde, 0xca, 0xf8, 0x88 };
	static const uint8_t aad4[20] = { 0xfe, 0xed, 0xfa, 0xce, 0xde, 0xad, 0xbe, 0xef, 0xfe, 0xed, 0xfa, 0xce,
		0xde, 0xad, 0xbe, 0xef, 0xab, 0xad, 0xda, 0xd2 };
	static const uint8_t pt4[60] = { 0xd9, 0x31, 0x32, 0x25, 0xf8, 0x84, 0x06, 0xe5, 0xa5, 0x59, 0x09, 0xc5,
		0xaf, 0xf5, 0x26, 0x9a, 0x86, 0xa7, 0xa9, 0x53, 0x15, 0x34, 0xf7, 0xda, 0x2e, 0x4c, 0x30, 0x3d,
		0x8a, 0x31, 0x8a, 0x72, 0x1c, 0x3c, 0x0c, 0x95, 0x95, 0x68, 0x09, 0x53, 0x2f, 0xcf, 0x0e, 0x24,
		0x49, 0xa6, 0xb5, 0x25, 0xb1, 0x6a, 0xed, 0xf5, 0xaa, 0x0d, 0xe6, 0x57, 0xba, 0x63, 0x7b, 0x39 };
	static const uint8_t ct4[60] = { 0x42, 0x83, 0x1e, 0xc2, 0x21, 0x77, 0x74, 0x24, 0x4b, 0x72, 0x21, 0xb7,
		0x84, 0xd0, 0xd4, 0x9c, 0xe3, 0xaa, 0x21, 0x2f, 0x2c, 0x02, 0xa4, 0xe0, 0x35, 0xc1, 0x7e, 0x23,
		0x29, 0xac, 0xa1, 0x2e, 0x21, 0xd5, 0x14, 0xb2, 0x54, 0x66, 0x93, 0x1c, 0x7d, 0x8f, 0x6a, 0x5a,
		0xac, 0x84, 0xaa, 0x05, 0x1b, 0xa3, 0x0b, 0x39, 0x6a, 0x0a, 0xac, 0x97, 0x3d, 0x58, 0xe0, 0x91 };
	static const uint8_t tag4[16] = { 0x5b, 0xc9, 0x4f, 0xbc, 0x32, 0x21, 0xa5, 0xdb, 0x94, 0xfa, 0xe9, 0x5a,
		0xe7, 0x12, 0x1a, 0x47 };
	uint8_t b4[60];
	memcpy(b4, ct4, 60);
	ctr->init(&kc.vtable, k4, 16);
	br_gcm_init(&g, &kc.vtable, gh);
	br_gcm_reset(&g, iv4, 12);
	br_gcm_aad_inject(&g, aad4, sizeof aad4);
	br_gcm_flip(&g);
	br_gcm_run(&g, 0, b4, 60);
	CHECK(memcmp(b4, pt4, 60) == 0 && br_gcm_check_tag(&g, tag4), "NIST GCM test case 4 decrypts and verifies");
	memcpy(b4, ct4, 60);
	b4[7] ^= 1;
	br_gcm_reset(&g, iv4, 12);
	br_gcm_aad_inject(&g, aad4, sizeof aad4);
	br_gcm_flip(&g);
	br_gcm_run(&g, 0, b4, 60);
	CHECK(!br_gcm_check_tag(&g, tag4), "a flipped ciphertext bit fails the tag");
}

int
main(void)
{
	if (!(tw_cpu_detect() & TW_CPU_VAES) || tw_tls_vaes_ctr_get() == NULL || br_aes_x86ni_ctr_get_vtable() == NULL) {
		printf("test_gcm: skipped (no VAES + VPCLMULQDQ + AVX-512 on this CPU)\n");
		return 77;
	}
	test_rng_seed(20261124);
	test_ctr(tw_tls_vaes_ctr_get());
	test_ghash(tw_tls_vpclmul_ghash_get());
	test_gcm_vector(tw_tls_vaes_ctr_get(), tw_tls_vpclmul_ghash_get());
	CHECK((tw_features_in_use() & TW_CPU_VAES) != 0, "TLS uses them by default on this CPU");
	return test_summary("test_gcm");
}
