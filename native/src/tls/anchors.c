/*
 * IMPLEMENTATION NOTES
 *
 * One pass over the PEM with BearSSL's PEM decoder; the base64-decoded DER of each certificate
 * streams into br_x509_decoder (subject DN through its callback, then the public key) and into
 * the SPKI walker, so no certificate is ever buffered whole.
 *
 * Arena layout, filled from both ends:
 *
 *     [ block 0 | block 1 | ...  free ...  | ta[n-1] ... ta[1] ta[0] ]
 *     block i = SPKI SHA-256 (32) | subject DN | key bytes (RSA n, e; or EC point)
 *
 * Blocks grow from the front as bytes arrive (the DN is written while the certificate is still
 * being decoded, and dropped again if the certificate turns out unusable); the fixed-size
 * br_x509_trust_anchor entries grow down from the (aligned) end, so the count need not be known
 * up front. At the end the entries are reversed into PEM order: a contiguous array for BearSSL.
 * An anchor's SPKI hash sits just before its DN (ta[i].dn.data - 32).
 *
 * Sizes are counted even when nothing can be stored (measure mode, or once the arena is full),
 * so one routine serves tw_tls_anchors_measure() and tw_tls_anchors_parse(); `need` includes the
 * worst-case alignment padding, so a measured size works for any arena address.
 */
#include "inner.h"
#include "tw_tls.h"

#define TA_SIZE    sizeof(br_x509_trust_anchor)
#define TA_ALIGN   _Alignof(br_x509_trust_anchor)

typedef struct {
	uint8_t *base;          /* arena, or NULL when only measuring */
	uint8_t *end;           /* aligned end: entries grow down from here */
	size_t front;           /* bytes of blocks */
	size_t count;           /* usable certificates */
	size_t skipped;
	int full;               /* an accepted anchor did not fit: store nothing more */

	/* current PEM object */
	int in_cert;
	int obj_lost;           /* part of this object's block did not fit */
	size_t block;           /* offset of its block */
	size_t dn_len;
	br_x509_decoder_context dc;
	tw_tls_spki_ctx spki;
} parse_state;

/* Room for `extra` more front bytes and one more entry (the current object's)? */
static int
fits(const parse_state *st, size_t extra)
{
	size_t room;

	if (st->base == NULL || st->full || st->obj_lost)
		return 0;
	room = (size_t)(st->end - st->base);
	if ((st->count + 1) > room / TA_SIZE)
		return 0;
	room -= (st->count + 1) * TA_SIZE;
	return st->front <= room && extra <= room - st->front;
}

/* Reserve `len` front bytes for the current object, copying `src` when it fits. */
static void
put(parse_state *st, const void *src, size_t len)
{
	if (fits(st, len)) {
		if (src != NULL && len > 0)
			memcpy(st->base + st->front, src, len);
	} else {
		st->obj_lost = 1;
	}
	st->front += len;
}

static void
dn_sink(void *ctx, const void *buf, size_t len)
{
	parse_state *st = ctx;

	put(st, buf, len);
	st->dn_len += len;
}

static void
der_sink(void *ctx, const void *buf, size_t len)
{
	parse_state *st = ctx;

	/* Never after a failure: BearSSL 0.6 would resume its decoder past the error (x509_pin.c). */
	if (st->dc.err == 0)
		br_x509_decoder_push(&st->dc, buf, len);
	tw_tls_spki_push(&st->spki, buf, len);
}

/*
 * BearSSL 0.6 keeps the banner's trailing dashes in the name when the line ends in CRLF (its
 * '\r' skip still advances the write pointer, so the dash trimming stops early): compare only
 * up to the first dash. None of the names we accept contains one.
 */
static int
is_cert_name(const char *name)
{
	size_t n = strcspn(name, "-");

	return (n == 11 && memcmp(name, "CERTIFICATE", 11) == 0)
		|| (n == 16 && memcmp(name, "X509 CERTIFICATE", 16) == 0);
}

static void
object_begin(parse_state *st, const char *name)
{
	st->in_cert = is_cert_name(name);
	if (!st->in_cert) {
		st->skipped++;
		return;
	}
	st->obj_lost = 0;
	st->block = st->front;
	st->dn_len = 0;
	put(st, NULL, TW_TLS_PIN_LEN);     /* the SPKI hash, written at the end */
	br_x509_decoder_init(&st->dc, dn_sink, st);
	tw_tls_spki_init(&st->spki, 0);
}

static void
object_drop(parse_state *st)
{
	st->front = st->block;
	st->skipped++;
	st->in_cert = 0;
}

static void
object_end(parse_state *st)
{
	const br_x509_pkey *pk;
	uint8_t h[TW_TLS_PIN_LEN];
	const unsigned char *k1 = NULL, *k2 = NULL;
	size_t k1_len = 0, k2_len = 0, key_off;
	br_x509_trust_anchor *ta;

	if (!st->in_cert)
		return;
	pk = br_x509_decoder_get_pkey(&st->dc);
	if (pk == NULL || tw_tls_spki_finish(&st->spki, h) != TW_OK) {
		object_drop(st);
		return;
	}
	if (pk->key_type == BR_KEYTYPE_RSA) {
		k1 = pk->key.rsa.n;
		k1_len = pk->key.rsa.nlen;
		k2 = pk->key.rsa.e;
		k2_len = pk->key.rsa.elen;
	} else {
		k1 = pk->key.ec.q;
		k1_len = pk->key.ec.qlen;
	}
	key_off = st->front;
	put(st, k1, k1_len);
	put(st, k2, k2_len);
	st->in_cert = 0;
	if (st->obj_lost) {
		st->full = 1;              /* keep counting, store nothing more */
		st->count++;
		return;
	}

	memcpy(st->base + st->block, h, TW_TLS_PIN_LEN);
	ta = (br_x509_trust_anchor *)(void *)(st->end - (st->count + 1) * TA_SIZE);
	memset(ta, 0, sizeof *ta);
	ta->dn.data = st->base + st->block + TW_TLS_PIN_LEN;
	ta->dn.len = st->dn_len;
	ta->flags = BR_X509_TA_CA;
	ta->pkey.key_type = pk->key_type;
	if (pk->key_type == BR_KEYTYPE_RSA) {
		ta->pkey.key.rsa.n = st->base + key_off;
		ta->pkey.key.rsa.nlen = k1_len;
		ta->pkey.key.rsa.e = st->base + key_off + k1_len;
		ta->pkey.key.rsa.elen = k2_len;
	} else {
		ta->pkey.key.ec.curve = pk->key.ec.curve;
		ta->pkey.key.ec.q = st->base + key_off;
		ta->pkey.key.ec.qlen = k1_len;
	}
	st->count++;
}

static void
run(parse_state *st, const void *pem, size_t pem_len)
{
	br_pem_decoder_context pc;
	const uint8_t *p = pem;
	size_t len = pem_len;
	int final_nl = 1;

	br_pem_decoder_init(&pc);
	while (len > 0) {
		size_t n = br_pem_decoder_push(&pc, p, len);

		p += n;
		len -= n;
		switch (br_pem_decoder_event(&pc)) {
		case BR_PEM_BEGIN_OBJ:
			object_begin(st, br_pem_decoder_name(&pc));
			br_pem_decoder_setdest(&pc, st->in_cert ? der_sink : 0, st);
			break;
		case BR_PEM_END_OBJ:
			object_end(st);
			break;
		case BR_PEM_ERROR:
			if (st->in_cert)
				object_drop(st);
			/* Restart cleanly: the decoder would keep the partial output of the bad object. */
			br_pem_decoder_init(&pc);
			break;
		default:
			break;
		}
		/* The END line counts only once its newline is seen: supply one at the very end. */
		if (len == 0 && final_nl) {
			final_nl = 0;
			p = (const uint8_t *)"\n";
			len = 1;
		}
	}
	if (st->in_cert)
		object_drop(st);   /* truncated object */
}

static size_t
needed(const parse_state *st)
{
	return st->front + st->count * TA_SIZE + TA_ALIGN - 1;
}

/* see tw_tls.h */
size_t
tw_tls_anchors_bound(size_t pem_len)
{
	/*
	 * Every object costs at least the two banner lines ("-----BEGIN CERTIFICATE-----",
	 * "-----END CERTIFICATE-----", 52 bytes without newlines); DN and key bytes are parts of the
	 * DER, which base64 makes 4/3 larger.
	 */
	size_t objects = pem_len / 52 + 1;

	return objects * (TA_SIZE + TW_TLS_PIN_LEN) + pem_len / 4 * 3 + 3 + TA_ALIGN - 1;
}

/* see tw_tls.h */
int
tw_tls_anchors_measure(const void *pem, size_t pem_len, size_t *arena_len)
{
	parse_state st;

	memset(&st, 0, sizeof st);
	run(&st, pem, pem_len);
	*arena_len = st.count > 0 ? needed(&st) : 0;
	return st.count > 0 ? (int)(st.count > INT32_MAX ? INT32_MAX : st.count) : TW_ERR_TLS_BAD_CA;
}

/* see tw_tls.h */
int
tw_tls_anchors_parse(tw_tls_anchors *a, void *arena, size_t arena_len,
	const void *pem, size_t pem_len)
{
	parse_state st;
	br_x509_trust_anchor *ta;
	size_t i;

	memset(a, 0, sizeof *a);
	memset(&st, 0, sizeof st);
	if (arena != NULL && arena_len >= TA_ALIGN) {
		uintptr_t b = (uintptr_t)arena;
		uintptr_t e = (b + arena_len) & ~(uintptr_t)(TA_ALIGN - 1);

		st.base = arena;
		st.end = st.base + (e - b);
	}
	run(&st, pem, pem_len);
	a->skipped = st.skipped;
	a->used = needed(&st);
	if (st.count == 0)
		return TW_ERR_TLS_BAD_CA;
	if (st.base == NULL || st.full)
		return TW_ERR_BUFFER_TOO_SMALL;

	/* Entries were stored downwards: reverse them into PEM order. */
	ta = (br_x509_trust_anchor *)(void *)(st.end - st.count * TA_SIZE);
	for (i = 0; i < st.count / 2; i++) {
		br_x509_trust_anchor t = ta[i];

		ta[i] = ta[st.count - 1 - i];
		ta[st.count - 1 - i] = t;
	}
	a->ta = ta;
	a->count = st.count;
	return TW_OK;
}

/* see tw_tls.h */
const uint8_t *
tw_tls_anchors_spki(const tw_tls_anchors *a, size_t i)
{
	return a->ta[i].dn.data - TW_TLS_PIN_LEN;
}
