/*
 * tw_tls.h — the TLS client layer: trust anchors from PEM, SPKI pinning, a BearSSL client set up
 * for tickwire, our SHA-256 inside BearSSL, and BearSSL errors mapped to TW_ERR_TLS_*.
 *
 * Like everything in the core this is I/O-free and never allocates. The connection code owns the
 * socket and pumps the engine returned by tw_tls_client_engine() with
 * br_ssl_engine_sendrec_buf/_ack, recvrec_buf/_ack, sendapp_buf/_ack and recvapp_buf/_ack
 * (see tw_client.h). Every buffer and context is the caller's.
 *
 * Typical use:
 *
 *     size_t need;
 *     tw_tls_anchors_measure(pem, pem_len, &need);             // or tw_tls_anchors_bound()
 *     tw_tls_anchors_parse(&anchors, arena, need, pem, pem_len);
 *     tw_tls_config cfg = { &anchors, pins, npins, 0 };
 *     tw_tls_client_init(&tls, &cfg, iobuf, BR_SSL_BUFSIZE_BIDI);
 *     tw_tls_client_reset(&tls, "api.example.com", saved_or_NULL);
 *     ... pump tw_tls_client_engine(&tls) until BR_SSL_SENDAPP (done) or BR_SSL_CLOSED ...
 *     status = tw_tls_client_status(&tls);                     // TW_OK or TW_ERR_TLS_*
 *     tw_tls_client_save_session(&tls, &saved);                // for the next connection
 *
 * Protocol: TLS 1.2 only (BearSSL 0.6 has no TLS 1.3; TLS 1.0/1.1 are not offered), with the
 * cipher suites of br_ssl_client_init_full(), ALPN "http/1.1" (a server that ignores ALPN is
 * fine), SNI, and session-ID resumption (BearSSL does not do session tickets).
 */
#ifndef TW_TLS_H
#define TW_TLS_H

#include <bearssl.h>

#include "tw.h"
#include "tw_hash.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ==== Our SHA-256 as a BearSSL hash class (hash/br_hash.c) ==================================== */

/**
 * \brief Context for `tw_br_sha256_vtable`: vtable first, as BearSSL expects.
 *
 * It fits in a `br_hash_compat_context` (checked at compile time), so it can stand wherever
 * BearSSL's own SHA-256 does: the engine's multi-hasher (handshake transcript, CBC record MACs
 * through `br_hmac_outCT`, the engine's HMAC_DRBG) and the X.509 engine (TBS and DN hashing).
 */
typedef struct {
	/** \brief Must be `&tw_br_sha256_vtable`. */
	const br_hash_class *vtable;
	tw_sha256_ctx ctx;
} tw_br_sha256_context;

/**
 * \brief SHA-256 backed by `tw_sha256` (SHA-NI when `tw_sha256_default()` picked it).
 *
 * Same identifier, output, state encoding and padding descriptor as `br_sha256_vtable`, so
 * BearSSL code that saves and restores running states (`state` / `set_state`) works unchanged.
 * `set_state` fully initialises a context, also one that never saw `init`.
 */
extern const br_hash_class tw_br_sha256_vtable;

/**
 * \brief TLS 1.2 PRF with SHA-256 (RFC 5246 §5) over `tw_br_sha256_vtable`.
 *
 * Drop-in for `br_tls12_sha256_prf` (same output), for `br_ssl_engine_set_prf_sha256()`.
 */
void tw_br_tls12_sha256_prf(void *dst, size_t len,
	const void *secret, size_t secret_len, const char *label,
	size_t seed_num, const br_tls_prf_seed_chunk *seed);

/* ==== SPKI extraction (tls/x509_pin.c) ======================================================== */

/** \brief Length of a pin: SHA-256 of a DER SubjectPublicKeyInfo. */
#define TW_TLS_PIN_LEN 32

/**
 * \brief Streaming extractor: SHA-256 of a certificate's DER SubjectPublicKeyInfo.
 *
 * A small strict DER walker: Certificate → TBSCertificate → optional [0] version, serial,
 * signature algorithm, issuer, validity, subject → subjectPublicKeyInfo (hashed, tag and length
 * included), then the rest of the TBS is skipped and the signature algorithm and BIT STRING must
 * close the certificate exactly. Definite, minimally encoded lengths only (at most 4 length
 * bytes); every element must fit inside its parent; no byte may follow the certificate. The
 * certificate may arrive in chunks of any size; nothing is buffered beyond one header.
 *
 * Contents are opaque.
 */
typedef struct {
#ifndef TW_DOXYGEN_IGNORE
	tw_sha256_ctx sha;
	uint32_t pos;           /* bytes consumed */
	uint32_t total;         /* expected certificate length; 0 = take it from the outer header */
	uint32_t cert_end;      /* end of the Certificate element */
	uint32_t tbs_end;       /* end of the TBSCertificate element */
	uint32_t elt_end;       /* end of the element being skipped or hashed */
	uint32_t elt_len;       /* length being decoded */
	uint8_t step;           /* which element comes next (see x509_pin.c) */
	uint8_t phase;          /* tag, first length byte, more length bytes, content, done, error */
	uint8_t len_left;       /* long-form length bytes still to read */
	uint8_t hdr_len;
	uint8_t hdr[6];         /* header of the current element (hashed for the SPKI) */
	uint8_t digest[TW_TLS_PIN_LEN];
#endif
} tw_tls_spki_ctx;

/**
 * \brief Start extracting from a certificate of `total_len` bytes (0: unknown, the outer
 * SEQUENCE header decides).
 */
void tw_tls_spki_init(tw_tls_spki_ctx *ctx, size_t total_len);

/** \brief Feed the next `len` bytes of the certificate. */
void tw_tls_spki_push(tw_tls_spki_ctx *ctx, const void *data, size_t len);

/**
 * \brief Finish: on success write the SPKI SHA-256 and return `TW_OK`; return
 * `TW_ERR_TLS_BAD_CERT` if the bytes were not one well-formed certificate (truncated, trailing
 * bytes, wrong tags, bad lengths).
 */
int tw_tls_spki_finish(const tw_tls_spki_ctx *ctx, uint8_t out[TW_TLS_PIN_LEN]);

/** \brief One shot over a whole DER certificate; same results as above. */
int tw_tls_spki_sha256(const void *der, size_t len, uint8_t out[TW_TLS_PIN_LEN]);

/* ==== Trust anchors from PEM (tls/anchors.c) ================================================== */

/**
 * \brief Trust anchors decoded from a PEM bundle into a caller-provided arena.
 *
 * `ta` is a plain array for BearSSL, in PEM order; each anchor is a CA anchor
 * (`BR_X509_TA_CA`), including self-signed end-entity certificates given as the "CA" (they then
 * verify themselves, as with Node's `ca` option). Anchor names, keys and their SPKI SHA-256 live in
 * the arena, which must outlive every use of the anchors. Read-only after parsing.
 */
typedef struct {
	/** \brief The anchors (`count` entries), for `br_x509_minimal_init()` and the like. */
	br_x509_trust_anchor *ta;
	/** \brief Number of anchors. */
	size_t count;
	/** \brief PEM objects that were not usable certificates (other object types, bad
	    base64, undecodable DER, unsupported key types). */
	size_t skipped;
	/** \brief Arena bytes this PEM needs (what `tw_tls_anchors_measure()` reports), also
	    set after `TW_ERR_BUFFER_TOO_SMALL`. */
	size_t used;
} tw_tls_anchors;

/**
 * \brief Arena size that is always enough for a PEM of `pem_len` bytes, without parsing.
 *
 * A loose bound (about 2.5 × `pem_len`: it assumes the worst anchor count and key sizes). When
 * memory matters, use `tw_tls_anchors_measure()` instead (exact, costs one more parse).
 */
size_t tw_tls_anchors_bound(size_t pem_len);

/**
 * \brief First pass: the exact arena size `tw_tls_anchors_parse()` needs for this PEM.
 *
 * \return the number of usable certificates (> 0), or `TW_ERR_TLS_BAD_CA` when there is none.
 */
int tw_tls_anchors_measure(const void *pem, size_t pem_len, size_t *arena_len);

/**
 * \brief Decode every certificate of a PEM bundle into trust anchors.
 *
 * Objects named CERTIFICATE or X509 CERTIFICATE are used; other objects and certificates that
 * cannot be decoded are skipped and counted in `skipped`. The arena may have any alignment.
 *
 * \return `TW_OK`; `TW_ERR_TLS_BAD_CA` when no usable certificate was found;
 *         `TW_ERR_BUFFER_TOO_SMALL` when the arena is too small (`a->used` then says how much
 *         is needed, `a->count` is 0).
 */
int tw_tls_anchors_parse(tw_tls_anchors *a, void *arena, size_t arena_len,
	const void *pem, size_t pem_len);

/** \brief SHA-256 of anchor `i`'s DER SubjectPublicKeyInfo (what a pin of the root matches).
    Only for anchors made by `tw_tls_anchors_parse()` (the hash sits in its arena). */
const uint8_t *tw_tls_anchors_spki(const tw_tls_anchors *a, size_t i);

/* ==== SPKI pin validator (tls/x509_pin.c) ===================================================== */

/** \brief Most pins a validator holds (primary + backups). */
#define TW_TLS_MAX_PINS 8

/** \brief Most anchors whose key is pinned (see IMPLEMENTATION NOTES in x509_pin.c). */
#define TW_TLS_MAX_PINNED_ANCHORS 8

/**
 * \brief Validator flag: pins alone decide; CA, hostname and dates are not checked.
 *
 * Only the end-entity (leaf) certificate can match in this mode: it is the one key the
 * handshake proves the server holds. Nothing verifies the signatures between presented
 * certificates here, so letting any presented certificate match would let anyone append the
 * (public) pinned certificate to their own chain. Pin the server's own key with pin_only.
 */
#define TW_TLS_PIN_ONLY 0x0001

/*
 * BearSSL error numbers returned by the validator's end_chain() for its own failures. BearSSL
 * uses 1..63 for SSL and X.509 errors and 256..767 for fatal alerts received or sent, so ours
 * start at 1024: they travel through br_ssl_engine_last_error() untouched.
 */
/** \brief No certificate of the validated chain (anchor included) matches a pin. */
#define TW_TLS_BR_ERR_PIN_MISMATCH   1025
/** \brief No server name to verify (NULL, empty or an IP literal) and not pin_only. */
#define TW_TLS_BR_ERR_NO_SERVER_NAME 1026

/**
 * \brief The pin validator: a `br_x509_class` wrapping `br_x509_minimal`.
 *
 * Modes:
 *
 *   - No pins, not pin_only: x509_minimal's validation (chain to an anchor, dates, hostname,
 *     key usage), plus one rule: without a server name to check (the engine got none because
 *     the caller passed NULL or an IP literal) validation fails with
 *     `TW_TLS_BR_ERR_NO_SERVER_NAME` (→ `TW_ERR_TLS_BAD_HOSTNAME`); BearSSL would otherwise skip
 *     the hostname check silently.
 *
 *   - Pins, not pin_only: all of the above, and at least one certificate of the validated
 *     chain must match a pin: a presented certificate that x509_minimal processed before it
 *     reached a trust anchor, or the trust anchor itself (the chain must then verify up to an
 *     anchor whose key is pinned). Certificates the server appends after that point are not part
 *     of the validated chain and never match.
 *
 *   - pin_only: only the leaf's key is extracted (`br_x509_decoder`) and hashed; it must match a
 *     pin. No anchors needed; dates, names and CA signatures are ignored.
 *
 * A mismatch makes end_chain() return `TW_TLS_BR_ERR_PIN_MISMATCH`. Contents are opaque.
 */
typedef struct {
	/** \brief Must be `&tw_tls_x509_pin_vtable` (set by init). */
	const br_x509_class *vtable;
#ifndef TW_DOXYGEN_IGNORE
	br_x509_minimal_context minimal;    /* all anchors */
	br_x509_minimal_context pinned;     /* only the anchors whose key is pinned */
	br_x509_decoder_context decoder;    /* pin_only: the leaf's key */
	br_x509_trust_anchor pinned_ta[TW_TLS_MAX_PINNED_ANCHORS];
	size_t pinned_ta_count;
	uint8_t pins[TW_TLS_MAX_PINS][TW_TLS_PIN_LEN];
	size_t pin_count;
	tw_tls_spki_ctx spki;
	unsigned flags;
	uint32_t cert_num;          /* certificates started in this chain */
	uint8_t in_chain;           /* the current certificate is part of the validated chain */
	uint8_t matched;            /* a validated certificate matched a pin */
	uint8_t have_name;          /* start_chain got a server name */
	unsigned result;            /* last end_chain() result */
#endif
} tw_tls_x509_pin;

/** \brief The class; `context_size` is `sizeof(tw_tls_x509_pin)`. */
extern const br_x509_class tw_tls_x509_pin_vtable;

/**
 * \brief Set up a validator.
 *
 * `anchors` is linked, not copied (it must outlive the validator); it may be NULL with
 * pin_only. The pins are copied. Signature verification uses BearSSL's default RSA/ECDSA code
 * and `tw_br_sha256_vtable` for SHA-256.
 *
 * \param flags   0 or `TW_TLS_PIN_ONLY`.
 * \return `TW_OK`, or `TW_ERR_INVAL`: more than `TW_TLS_MAX_PINS` pins, pin_only without pins,
 *         no anchors without pin_only.
 */
int tw_tls_x509_pin_init(tw_tls_x509_pin *xc, const tw_tls_anchors *anchors,
	const uint8_t (*pins)[TW_TLS_PIN_LEN], size_t pin_count, unsigned flags);

/**
 * \brief Fix the validation time (days since 0000-01-01, seconds in the day; see
 * `br_x509_minimal_set_time()`). Without it, the system clock is used.
 */
void tw_tls_x509_pin_set_time(tw_tls_x509_pin *xc, uint32_t days, uint32_t seconds);

/* ==== Client (tls/client.c) =================================================================== */

/** \brief Client configuration. Linked data must outlive the client. */
typedef struct {
	/** \brief Trust anchors (linked). May be NULL with pin_only. */
	const tw_tls_anchors *anchors;
	/** \brief SHA-256 pins of DER SubjectPublicKeyInfo (copied), or NULL. */
	const uint8_t (*pins)[TW_TLS_PIN_LEN];
	/** \brief Number of pins (at most `TW_TLS_MAX_PINS`). */
	size_t pin_count;
	/** \brief `TW_TLS_PIN_ONLY` or 0. */
	unsigned flags;
} tw_tls_config;

/**
 * \brief A TLS client connection: BearSSL client context, validator, session bookkeeping.
 *
 * About 12 KB plus the caller's I/O buffer. BearSSL links pointers into the structure, so it
 * must not be moved or copied after `tw_tls_client_init()`. One client serves any number of
 * successive connections (`tw_tls_client_reset()` for each); one thread at a time.
 */
typedef struct {
	/** \brief The BearSSL client; pump `&cc.eng` (or use `tw_tls_client_engine()`). */
	br_ssl_client_context cc;
#ifndef TW_DOXYGEN_IGNORE
	tw_tls_x509_pin x509;
	const char *alpn[1];
	br_ssl_session_parameters offered;  /* session offered at the last reset (id_len 0: none) */
#endif
} tw_tls_client;

/**
 * \brief Set up a client.
 *
 * `iobuf` is the engine's record buffer for both directions (`br_ssl_engine_set_buffer`,
 * bidirectional); it must hold at least `BR_SSL_BUFSIZE_BIDI` bytes and outlive the client.
 * Our SHA-256 (`tw_br_sha256_vtable`) replaces BearSSL's in the engine (transcript, record MACs,
 * HMAC_DRBG), the TLS 1.2 PRF and the X.509 validation.
 *
 * \return `TW_OK`; `TW_ERR_INVAL` for a bad configuration (see `tw_tls_x509_pin_init()`);
 *         `TW_ERR_BUFFER_TOO_SMALL` for a short `iobuf`.
 */
int tw_tls_client_init(tw_tls_client *c, const tw_tls_config *cfg, void *iobuf, size_t iobuf_len);

/**
 * \brief Start (or restart, for a new connection) a handshake.
 *
 * `server_name` is sent as SNI and checked against the certificate (SAN dNSName, or the CN
 * when there is no SAN; one leading wildcard label allowed). When it is NULL, empty or an IP
 * literal (see `tw_tls_is_ip_literal()`), no SNI is sent and there is no name to check:
 * BearSSL cannot match IP addresses in certificates, so validation then fails with
 * `TW_ERR_TLS_BAD_HOSTNAME` unless the client is pin_only. To connect to an address, pass the
 * certificate's host name here (the `servername` option) and connect the socket to the address.
 *
 * `resume`, when not NULL and carrying a session ID, is offered for resumption (abbreviated
 * handshake if the server still has it, a full one otherwise). Offer a session only to the same
 * server name with the same trust configuration: a resumed handshake presents no certificate,
 * so anchors and pins are not checked again.
 *
 * \return `TW_OK`; `TW_ERR_INVAL` for a name longer than 255 bytes; a `TW_ERR_TLS_*` status
 *         if the engine could not start (e.g. no OS randomness: `TW_ERR_TLS_PROTOCOL`).
 */
int tw_tls_client_reset(tw_tls_client *c, const char *server_name,
	const br_ssl_session_parameters *resume);

/**
 * \brief AES-CTR for BearSSL's GCM records with VAES (four blocks per instruction), or NULL where
 * the build has no x86 code. Its context is `br_aes_x86ni_ctr_keys` (BearSSL's AES-NI key
 * schedule). Only call it on a CPU with `TW_CPU_VAES`.
 */
const br_block_ctr_class *tw_tls_vaes_ctr_get(void);

/** \brief GHASH with VPCLMULQDQ (16 blocks per reduction), or 0; same CPU condition. */
br_ghash tw_tls_vpclmul_ghash_get(void);

/** \brief The engine to pump. */
br_ssl_engine_context *tw_tls_client_engine(tw_tls_client *c);

/**
 * \brief Copy the session for a later `tw_tls_client_reset()`.
 *
 * Works once the handshake has completed and as long as the connection is open or closing
 * without error (not during a handshake or renegotiation, not after a failure). The parameters
 * include the master secret: keep them as secret as keys.
 *
 * \return `TW_OK`; `TW_ERR_INVAL` if no completed handshake is in effect or the engine failed;
 *         `TW_ERR_UNSUPPORTED` if the server gave no session ID (nothing to resume).
 */
int tw_tls_client_save_session(const tw_tls_client *c, br_ssl_session_parameters *out);

/**
 * \brief 1 if the completed handshake resumed the session offered at reset (same session ID
 * and master secret), else 0.
 */
int tw_tls_client_resumed(const tw_tls_client *c);

/**
 * \brief `TW_OK` while there is no error, else the engine's error as a `TW_ERR_TLS_*` status
 * (see `tw_tls_status_from_br()`).
 *
 * A closure without error (close_notify) leaves the status `TW_OK`: the engine then reports
 * `BR_SSL_CLOSED` and the connection code decides whether that was expected (else
 * `TW_ERR_TLS_CLOSED`). Handshake timeouts (`TW_ERR_TLS_HANDSHAKE_TIMEOUT`) are the connection
 * code's too: nothing here has a clock.
 */
int tw_tls_client_status(const tw_tls_client *c);

/** \brief The raw BearSSL error (`br_ssl_engine_last_error()`), for messages and logs. */
int tw_tls_client_br_error(const tw_tls_client *c);

/* ==== Errors (tls/client.c) =================================================================== */

/**
 * \brief Map a BearSSL error number to a status.
 *
 *   - 0 → `TW_OK`
 *   - `TW_TLS_BR_ERR_PIN_MISMATCH` → `TW_ERR_TLS_PIN_MISMATCH`
 *   - `BR_ERR_X509_EXPIRED` → `TW_ERR_TLS_CERT_EXPIRED`
 *   - `BR_ERR_X509_BAD_SERVER_NAME`, `TW_TLS_BR_ERR_NO_SERVER_NAME` → `TW_ERR_TLS_BAD_HOSTNAME`
 *   - `BR_ERR_X509_NOT_TRUSTED`, and the chain-linking failures `BR_ERR_X509_BAD_SIGNATURE`,
 *     `BR_ERR_X509_DN_MISMATCH`, `BR_ERR_X509_NOT_CA` → `TW_ERR_TLS_UNTRUSTED`
 *   - `BR_ERR_UNSUPPORTED_VERSION`, `BR_ERR_BAD_VERSION`, received alert protocol_version (70)
 *     → `TW_ERR_TLS_PROTOCOL_VERSION`
 *   - other received fatal alerts (`BR_ERR_RECV_FATAL_ALERT` + n) → `TW_ERR_TLS_ALERT`
 *     (`tw_tls_br_alert()` gives n)
 *   - other X.509 decoding, unsupported-key and key-usage errors (`BR_ERR_X509_*` except
 *     `BR_ERR_X509_TIME_UNKNOWN`; `BR_ERR_WRONG_KEY_USAGE`) → `TW_ERR_TLS_BAD_CERT`
 *   - anything else (bad MAC, bad record, alerts we sent, ...) → `TW_ERR_TLS_PROTOCOL`
 */
int tw_tls_status_from_br(int br_err);

/**
 * \brief The alert number of a received fatal alert (`BR_ERR_RECV_FATAL_ALERT` + n, also for
 * the no_renegotiation warning BearSSL treats as fatal), else -1.
 */
int tw_tls_br_alert(int br_err);

/**
 * \brief Short human description of a BearSSL error number (ours included), e.g.
 * "X.509: certificate expired or not yet valid" or
 * "received fatal alert handshake_failure (40)". Never NULL; static storage.
 */
const char *tw_tls_br_error_detail(int br_err);

/**
 * \brief 1 if `name` is an IP address literal (dotted digits, anything with ':', or bracketed),
 * which must not be sent as SNI and cannot be matched by BearSSL; 0 otherwise.
 */
int tw_tls_is_ip_literal(const char *name);

#ifdef __cplusplus
}
#endif
#endif /* TW_TLS_H */
