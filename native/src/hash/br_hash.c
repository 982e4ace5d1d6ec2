/*
 * IMPLEMENTATION NOTES
 *
 * BearSSL reaches a hash function only through a br_hash_class and a context whose first field
 * is the vtable pointer; every generic place that holds one (br_multihash_context slots, HMAC,
 * HMAC_DRBG, the X.509 DN hasher) reserves a br_hash_compat_context for it, so our context must
 * fit in that union (static assertion below).
 *
 * The multi-hasher and HMAC never run a long-lived context: they keep raw running states and
 * rebuild a context on the stack with set_state(), hash a few blocks, and read the state back
 * with state(). Hence:
 *   - state() writes the chaining value as BearSSL's SHA-256 does: eight big-endian words (so
 *     the state after a whole number of blocks is also the digest HMAC_outCT copies out), and
 *     returns the byte count;
 *   - set_state() must fully initialise a context that may never have seen init(): vtable,
 *     implementation pointer, chaining value and count. The count is a multiple of 64 wherever
 *     BearSSL calls it, so no partial block needs restoring;
 *   - out() must not disturb the running context (BearSSL keeps hashing after it): it finishes
 *     a copy.
 *
 * The implementation is tw_sha256_default(), resolved at init()/set_state() time: SHA-NI when
 * the CPU has it, unless TW_FORCE_IMPL=portable.
 *
 * The TLS 1.2 PRF (P_SHA256) is rebuilt over this class with br_hmac_*: BearSSL's
 * br_tls12_sha256_prf hard-wires br_sha256_vtable.
 */
#include "inner.h"
#include "tw_tls.h"

_Static_assert(sizeof(tw_br_sha256_context) <= sizeof(br_hash_compat_context),
	"tw_br_sha256_context must fit in br_hash_compat_context");
_Static_assert(_Alignof(tw_br_sha256_context) <= _Alignof(br_hash_compat_context),
	"tw_br_sha256_context alignment");

#define CTX(vt)   ((tw_br_sha256_context *)(void *)(vt))
#define CCTX(vt)  ((const tw_br_sha256_context *)(const void *)(vt))

static void
sha_init(const br_hash_class **vt)
{
	tw_br_sha256_context *c = CTX(vt);

	c->vtable = &tw_br_sha256_vtable;
	tw_sha256_init(&c->ctx, NULL);
}

static void
sha_update(const br_hash_class **vt, const void *data, size_t len)
{
	tw_sha256_update(&CTX(vt)->ctx, data, len);
}

static void
sha_out(const br_hash_class *const *vt, void *dst)
{
	tw_sha256_ctx copy = CCTX(vt)->ctx;

	tw_sha256_final(&copy, dst);
}

static uint64_t
sha_state(const br_hash_class *const *vt, void *dst)
{
	const tw_br_sha256_context *c = CCTX(vt);
	uint8_t *out = dst;
	int i;

	for (i = 0; i < 8; i++)
		tw_store_be32(out + 4 * i, c->ctx.state[i]);
	return c->ctx.count;
}

static void
sha_set_state(const br_hash_class **vt, const void *stb, uint64_t count)
{
	tw_br_sha256_context *c = CTX(vt);
	const uint8_t *in = stb;
	int i;

	c->vtable = &tw_br_sha256_vtable;
	tw_sha256_init(&c->ctx, NULL);
	for (i = 0; i < 8; i++)
		c->ctx.state[i] = tw_load_be32(in + 4 * i);
	c->ctx.count = count;
}

/* see tw_tls.h */
const br_hash_class tw_br_sha256_vtable = {
	sizeof(tw_br_sha256_context),
	BR_HASHDESC_ID(br_sha256_ID)
		| BR_HASHDESC_OUT(32)
		| BR_HASHDESC_STATE(32)
		| BR_HASHDESC_LBLEN(6)
		| BR_HASHDESC_MD_PADDING
		| BR_HASHDESC_MD_PADDING_BE,
	sha_init,
	sha_update,
	sha_out,
	sha_state,
	sha_set_state
};

static void
prf_hmac(const br_hmac_key_context *kc, const uint8_t *a, size_t a_len, const char *label,
	size_t label_len, size_t seed_num, const br_tls_prf_seed_chunk *seed, uint8_t out[32])
{
	br_hmac_context hc;
	size_t i;

	br_hmac_init(&hc, kc, 0);
	if (a != NULL)
		br_hmac_update(&hc, a, a_len);
	if (label != NULL) {
		br_hmac_update(&hc, label, label_len);
		for (i = 0; i < seed_num; i++)
			br_hmac_update(&hc, seed[i].data, seed[i].len);
	}
	br_hmac_out(&hc, out);
}

/* see tw_tls.h */
void
tw_br_tls12_sha256_prf(void *dst, size_t len,
	const void *secret, size_t secret_len, const char *label,
	size_t seed_num, const br_tls_prf_seed_chunk *seed)
{
	br_hmac_key_context kc;
	uint8_t a[32], block[32];
	uint8_t *out = dst;
	size_t label_len = strlen(label);

	br_hmac_key_init(&kc, &tw_br_sha256_vtable, secret, secret_len);
	/* A(1) = HMAC(secret, label || seed) */
	prf_hmac(&kc, NULL, 0, label, label_len, seed_num, seed, a);
	while (len > 0) {
		size_t n = len < sizeof block ? len : sizeof block;

		/* HMAC(secret, A(i) || label || seed), then A(i+1) = HMAC(secret, A(i)) */
		prf_hmac(&kc, a, sizeof a, label, label_len, seed_num, seed, block);
		memcpy(out, block, n);
		out += n;
		len -= n;
		if (len > 0)
			prf_hmac(&kc, a, sizeof a, NULL, 0, 0, NULL, a);
	}
}
