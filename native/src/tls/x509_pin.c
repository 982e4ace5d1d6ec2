/*
 * IMPLEMENTATION NOTES
 *
 * SPKI extraction. A streaming walker over the DER certificate with one element header of state:
 * tag, then the length (short form, or 1-4 long-form bytes, minimal, never indefinite), then the
 * content, which is skipped, descended into (Certificate, TBSCertificate) or hashed (the
 * subjectPublicKeyInfo, header included: a pin is SHA-256 over the whole DER SPKI). Each element
 * must end inside its parent; the TBS fields up to the SPKI are checked in order; after the
 * SPKI the rest of the TBS (unique IDs, extensions) is skipped unparsed, and the signature
 * algorithm and signature BIT STRING must end exactly where the certificate does. Lengths and
 * offsets are 32-bit (TLS certificates are at most 2^24 bytes); sums are done in 64 bits.
 *
 * The validator. BearSSL feeds certificates leaf first. Default mode forwards every call to
 * x509_minimal and, when pins are configured, hashes the SPKI of each certificate that belongs
 * to the validated chain. x509_minimal stops processing as soon as a certificate is signed by a
 * trust anchor: it then sets its error field to BR_ERR_X509_OK and ignores all later
 * certificates (see "Processing of a chain" in BearSSL's x509_minimal.t0). So a certificate is
 * part of the validated chain iff minimal.err is still 0 when it starts; that is read from the
 * public struct (BearSSL 0.6 and upstream keep this behaviour). Certificates after that point
 * are whatever the server chose to append and must never satisfy a pin.
 *
 * Anchors are never sent, so a pinned root is matched differently: a second x509_minimal
 * (`pinned`) runs in parallel over the same bytes with only the anchors whose SPKI hash is
 * pinned. It succeeds exactly when the chain verifies up to a pinned anchor (same checks,
 * same signatures). It only exists when some anchor is pinned; its cost is a second round of
 * signature verifications for those connections. Anchors beyond TW_TLS_MAX_PINNED_ANCHORS
 * (the same key under many names) are left out: fewer matches, never more.
 *
 * pin_only: no minimal at all. The leaf goes through br_x509_decoder (its key is what the
 * handshake uses, returned by get_pkey) and through the SPKI walker; only the leaf can match.
 */
#include "inner.h"
#include "tw_tls.h"

/* ---- SPKI walker ----------------------------------------------------------------------------- */

enum {
	ST_CERT,        /* Certificate SEQUENCE: descend */
	ST_TBS,         /* TBSCertificate SEQUENCE: descend */
	ST_VERSION,     /* [0] EXPLICIT version, optional: a 0x02 tag here is the serial */
	ST_SERIAL,
	ST_SIGALG,
	ST_ISSUER,
	ST_VALIDITY,
	ST_SUBJECT,
	ST_SPKI,        /* hashed */
	ST_TBS_REST,    /* skipped to the end of the TBS, no header */
	ST_CERT_SIGALG,
	ST_CERT_SIG,    /* BIT STRING, must end the certificate */
	ST_END
};

enum {
	PH_TAG,
	PH_LEN0,
	PH_LENN,
	PH_CONTENT,
	PH_DONE,
	PH_ERROR
};

static const uint8_t step_tag[] = {
	0x30, 0x30, 0xA0, 0x02, 0x30, 0x30, 0x30, 0x30, 0x30, 0x00, 0x30, 0x03, 0x00
};

/* see tw_tls.h */
void
tw_tls_spki_init(tw_tls_spki_ctx *ctx, size_t total_len)
{
	memset(ctx, 0, sizeof *ctx);
	ctx->step = ST_CERT;
	ctx->phase = PH_TAG;
	if ((uint64_t)total_len > UINT32_MAX)
		ctx->phase = PH_ERROR;
	ctx->total = (uint32_t)total_len;
}

/* The element's content is over: move to what follows it. */
static void
content_done(tw_tls_spki_ctx *ctx)
{
	switch (ctx->step) {
	case ST_SPKI:
		tw_sha256_final(&ctx->sha, ctx->digest);
		ctx->step = ST_TBS_REST;
		ctx->elt_end = ctx->tbs_end;
		ctx->phase = PH_CONTENT;
		break;
	case ST_CERT_SIG:
		ctx->step = ST_END;
		ctx->phase = PH_DONE;
		break;
	default:
		ctx->step++;
		ctx->phase = PH_TAG;
		break;
	}
}

/* The header is complete (ctx->elt_len decoded): bound-check and enter the content. */
static void
header_done(tw_tls_spki_ctx *ctx)
{
	uint64_t end = (uint64_t)ctx->pos + ctx->elt_len;
	uint64_t limit;
	unsigned n = ctx->hdr_len - 2;   /* long-form length bytes */

	if (ctx->hdr[1] & 0x80) {
		if (n == 1 ? ctx->elt_len < 0x80 : (ctx->elt_len >> (8 * (n - 1))) == 0) {
			ctx->phase = PH_ERROR;   /* not the minimal length encoding */
			return;
		}
	}
	switch (ctx->step) {
	case ST_CERT:
		limit = ctx->total != 0 ? ctx->total : UINT32_MAX;
		if (end > limit || (ctx->total != 0 && end != ctx->total)) {
			ctx->phase = PH_ERROR;
			return;
		}
		ctx->total = ctx->cert_end = (uint32_t)end;
		ctx->step = ST_TBS;
		ctx->phase = PH_TAG;
		return;
	case ST_TBS:
		if (end > ctx->cert_end) {
			ctx->phase = PH_ERROR;
			return;
		}
		ctx->tbs_end = (uint32_t)end;
		ctx->step = ST_VERSION;
		ctx->phase = PH_TAG;
		return;
	case ST_CERT_SIGALG:
		limit = ctx->cert_end;
		break;
	case ST_CERT_SIG:
		if (end != ctx->cert_end) {
			ctx->phase = PH_ERROR;
			return;
		}
		limit = ctx->cert_end;
		break;
	default:
		limit = ctx->tbs_end;
		break;
	}
	if (end > limit) {
		ctx->phase = PH_ERROR;
		return;
	}
	ctx->elt_end = (uint32_t)end;
	ctx->phase = PH_CONTENT;
	if (ctx->step == ST_SPKI) {
		tw_sha256_init(&ctx->sha, NULL);
		tw_sha256_update(&ctx->sha, ctx->hdr, ctx->hdr_len);
	}
}

/* see tw_tls.h */
void
tw_tls_spki_push(tw_tls_spki_ctx *ctx, const void *data, size_t len)
{
	const uint8_t *p = data;

	if ((uint64_t)len > UINT32_MAX - (uint64_t)ctx->pos) {
		ctx->phase = PH_ERROR;
		return;
	}
	for (;;) {
		/* Zero-length contents finish without input. */
		while (ctx->phase == PH_CONTENT && ctx->pos == ctx->elt_end)
			content_done(ctx);
		if (len == 0 || ctx->phase == PH_ERROR)
			return;
		switch (ctx->phase) {
		case PH_TAG: {
			uint8_t tag = *p;

			if (ctx->step == ST_VERSION && tag == 0x02)
				ctx->step = ST_SERIAL;
			if (tag != step_tag[ctx->step]) {
				ctx->phase = PH_ERROR;
				return;
			}
			ctx->hdr[0] = tag;
			ctx->hdr_len = 1;
			ctx->phase = PH_LEN0;
			p++;
			len--;
			ctx->pos++;
			break;
		}
		case PH_LEN0: {
			uint8_t b = *p;

			ctx->hdr[ctx->hdr_len++] = b;
			p++;
			len--;
			ctx->pos++;
			if (b < 0x80) {
				ctx->elt_len = b;
				header_done(ctx);
			} else if (b == 0x80 || b > 0x84) {
				ctx->phase = PH_ERROR;   /* indefinite, or longer than 4 bytes */
				return;
			} else {
				ctx->elt_len = 0;
				ctx->len_left = b & 0x7F;
				ctx->phase = PH_LENN;
			}
			break;
		}
		case PH_LENN:
			ctx->hdr[ctx->hdr_len++] = *p;
			ctx->elt_len = (ctx->elt_len << 8) | *p;
			p++;
			len--;
			ctx->pos++;
			if (--ctx->len_left == 0)
				header_done(ctx);
			break;
		case PH_CONTENT: {
			size_t n = ctx->elt_end - ctx->pos;

			if (n > len)
				n = len;
			if (ctx->step == ST_SPKI)
				tw_sha256_update(&ctx->sha, p, n);
			p += n;
			len -= n;
			ctx->pos += (uint32_t)n;
			break;
		}
		default:
			/* PH_DONE: nothing may follow the certificate. */
			ctx->phase = PH_ERROR;
			return;
		}
	}
}

/* see tw_tls.h */
int
tw_tls_spki_finish(const tw_tls_spki_ctx *ctx, uint8_t out[TW_TLS_PIN_LEN])
{
	if (ctx->phase != PH_DONE)
		return TW_ERR_TLS_BAD_CERT;
	memcpy(out, ctx->digest, TW_TLS_PIN_LEN);
	return TW_OK;
}

/* see tw_tls.h */
int
tw_tls_spki_sha256(const void *der, size_t len, uint8_t out[TW_TLS_PIN_LEN])
{
	tw_tls_spki_ctx ctx;

	if (len == 0)
		return TW_ERR_TLS_BAD_CERT;
	tw_tls_spki_init(&ctx, len);
	tw_tls_spki_push(&ctx, der, len);
	return tw_tls_spki_finish(&ctx, out);
}

/* ---- validator --------------------------------------------------------------------------- */

#define XP(ctx)   ((tw_tls_x509_pin *)(void *)(ctx))

/*
 * BearSSL 0.6's br_x509_decoder_push() resumes its T0 machine even after a failure; `fail` only
 * yields, so the machine then continues past the failure point on a bad stack and reads wild
 * memory (found by fuzz_x509_pin: a bad validity date, then more bytes). x509_minimal guards its
 * append() with `err != 0`; do the same for the decoder.
 */
static void
decoder_push(br_x509_decoder_context *dc, const void *data, size_t len)
{
	if (dc->err == 0)
		br_x509_decoder_push(dc, data, len);
}

static int
pin_listed(const tw_tls_x509_pin *xc, const uint8_t h[TW_TLS_PIN_LEN])
{
	size_t i;

	for (i = 0; i < xc->pin_count; i++) {
		if (memcmp(xc->pins[i], h, TW_TLS_PIN_LEN) == 0)
			return 1;
	}
	return 0;
}

/* What br_x509_minimal_init_full() does, with our SHA-256 for TBS and DN hashing. */
static void
minimal_setup(br_x509_minimal_context *m, const br_x509_trust_anchor *ta, size_t n)
{
	br_x509_minimal_init(m, &tw_br_sha256_vtable, ta, n);
	br_x509_minimal_set_rsa(m, br_rsa_pkcs1_vrfy_get_default());
	br_x509_minimal_set_ecdsa(m, br_ec_get_default(), br_ecdsa_vrfy_asn1_get_default());
	br_x509_minimal_set_hash(m, br_md5_ID, &br_md5_vtable);
	br_x509_minimal_set_hash(m, br_sha1_ID, &br_sha1_vtable);
	br_x509_minimal_set_hash(m, br_sha224_ID, &br_sha224_vtable);
	br_x509_minimal_set_hash(m, br_sha256_ID, &tw_br_sha256_vtable);
	br_x509_minimal_set_hash(m, br_sha384_ID, &br_sha384_vtable);
	br_x509_minimal_set_hash(m, br_sha512_ID, &br_sha512_vtable);
}

static void
xp_start_chain(const br_x509_class **ctx, const char *server_name)
{
	tw_tls_x509_pin *xc = XP(ctx);

	xc->cert_num = 0;
	xc->in_chain = 0;
	xc->matched = 0;
	xc->result = 0;
	xc->have_name = server_name != NULL && server_name[0] != 0;
	if (xc->flags & TW_TLS_PIN_ONLY)
		return;
	xc->minimal.vtable->start_chain(&xc->minimal.vtable, server_name);
	if (xc->pinned_ta_count > 0)
		xc->pinned.vtable->start_chain(&xc->pinned.vtable, server_name);
}

static void
xp_start_cert(const br_x509_class **ctx, uint32_t length)
{
	tw_tls_x509_pin *xc = XP(ctx);

	if (xc->flags & TW_TLS_PIN_ONLY) {
		xc->in_chain = xc->cert_num == 0;
		if (xc->in_chain)
			br_x509_decoder_init(&xc->decoder, 0, NULL);
	} else {
		/* Read before minimal sees this certificate (it fails empty ones at once). */
		xc->in_chain = xc->pin_count > 0 && xc->minimal.err == 0;
		xc->minimal.vtable->start_cert(&xc->minimal.vtable, length);
		if (xc->pinned_ta_count > 0)
			xc->pinned.vtable->start_cert(&xc->pinned.vtable, length);
	}
	if (xc->in_chain)
		tw_tls_spki_init(&xc->spki, length);
	xc->cert_num++;
}

static void
xp_append(const br_x509_class **ctx, const unsigned char *buf, size_t len)
{
	tw_tls_x509_pin *xc = XP(ctx);

	if (xc->flags & TW_TLS_PIN_ONLY) {
		if (xc->in_chain)
			decoder_push(&xc->decoder, buf, len);
	} else {
		xc->minimal.vtable->append(&xc->minimal.vtable, buf, len);
		if (xc->pinned_ta_count > 0)
			xc->pinned.vtable->append(&xc->pinned.vtable, buf, len);
	}
	if (xc->in_chain)
		tw_tls_spki_push(&xc->spki, buf, len);
}

static void
xp_end_cert(const br_x509_class **ctx)
{
	tw_tls_x509_pin *xc = XP(ctx);
	uint8_t h[TW_TLS_PIN_LEN];

	if (xc->in_chain && tw_tls_spki_finish(&xc->spki, h) == TW_OK && pin_listed(xc, h))
		xc->matched = 1;
	xc->in_chain = 0;
	if (xc->flags & TW_TLS_PIN_ONLY)
		return;
	xc->minimal.vtable->end_cert(&xc->minimal.vtable);
	if (xc->pinned_ta_count > 0)
		xc->pinned.vtable->end_cert(&xc->pinned.vtable);
}

static unsigned
xp_end_chain(const br_x509_class **ctx)
{
	tw_tls_x509_pin *xc = XP(ctx);
	unsigned r;

	if (xc->flags & TW_TLS_PIN_ONLY) {
		if (xc->cert_num == 0)
			r = BR_ERR_X509_EMPTY_CHAIN;
		else if (br_x509_decoder_last_error(&xc->decoder) != 0)
			r = (unsigned)br_x509_decoder_last_error(&xc->decoder);
		else if (!xc->matched)
			r = TW_TLS_BR_ERR_PIN_MISMATCH;
		else
			r = 0;
	} else {
		unsigned anchored = 1;

		r = xc->minimal.vtable->end_chain(&xc->minimal.vtable);
		if (xc->pinned_ta_count > 0)
			anchored = xc->pinned.vtable->end_chain(&xc->pinned.vtable);
		if (r == 0 && !xc->have_name)
			r = TW_TLS_BR_ERR_NO_SERVER_NAME;
		else if (r == 0 && xc->pin_count > 0 && !xc->matched && anchored != 0)
			r = TW_TLS_BR_ERR_PIN_MISMATCH;
	}
	xc->result = r;
	return r;
}

static const br_x509_pkey *
xp_get_pkey(const br_x509_class *const *ctx, unsigned *usages)
{
	tw_tls_x509_pin *xc = XP(ctx);

	if (xc->result != 0)
		return NULL;
	if (xc->flags & TW_TLS_PIN_ONLY) {
		if (usages != NULL)
			*usages = BR_KEYTYPE_KEYX | BR_KEYTYPE_SIGN;
		return br_x509_decoder_get_pkey(&xc->decoder);
	}
	return xc->minimal.vtable->get_pkey(&xc->minimal.vtable, usages);
}

/* see tw_tls.h */
const br_x509_class tw_tls_x509_pin_vtable = {
	sizeof(tw_tls_x509_pin),
	xp_start_chain,
	xp_start_cert,
	xp_append,
	xp_end_cert,
	xp_end_chain,
	xp_get_pkey
};

/* see tw_tls.h */
int
tw_tls_x509_pin_init(tw_tls_x509_pin *xc, const tw_tls_anchors *anchors,
	const uint8_t (*pins)[TW_TLS_PIN_LEN], size_t pin_count, unsigned flags)
{
	size_t i;

	if (pin_count > TW_TLS_MAX_PINS || (pin_count > 0 && pins == NULL))
		return TW_ERR_INVAL;
	if ((flags & ~(unsigned)TW_TLS_PIN_ONLY) != 0)
		return TW_ERR_INVAL;
	if ((flags & TW_TLS_PIN_ONLY) ? pin_count == 0 : (anchors == NULL || anchors->count == 0))
		return TW_ERR_INVAL;

	memset(xc, 0, sizeof *xc);
	xc->vtable = &tw_tls_x509_pin_vtable;
	xc->flags = flags;
	xc->pin_count = pin_count;
	for (i = 0; i < pin_count; i++)
		memcpy(xc->pins[i], pins[i], TW_TLS_PIN_LEN);
	if (flags & TW_TLS_PIN_ONLY)
		return TW_OK;

	minimal_setup(&xc->minimal, anchors->ta, anchors->count);
	for (i = 0; i < anchors->count && xc->pinned_ta_count < TW_TLS_MAX_PINNED_ANCHORS; i++) {
		if (pin_listed(xc, tw_tls_anchors_spki(anchors, i)))
			xc->pinned_ta[xc->pinned_ta_count++] = anchors->ta[i];
	}
	if (xc->pinned_ta_count > 0)
		minimal_setup(&xc->pinned, xc->pinned_ta, xc->pinned_ta_count);
	return TW_OK;
}

/* see tw_tls.h */
void
tw_tls_x509_pin_set_time(tw_tls_x509_pin *xc, uint32_t days, uint32_t seconds)
{
	br_x509_minimal_set_time(&xc->minimal, days, seconds);
	br_x509_minimal_set_time(&xc->pinned, days, seconds);
}
