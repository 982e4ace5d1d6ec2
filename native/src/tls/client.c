/*
 * IMPLEMENTATION NOTES
 *
 * The client is br_ssl_client_init_full() (all of BearSSL's cipher suites, its default
 * constant-time RSA/EC/AES/ChaCha code) with these changes:
 *   - versions TLS 1.2 only (init_full offers 1.0-1.2; BearSSL 0.6 has no 1.3);
 *   - our SHA-256 (tw_br_sha256_vtable) in the engine's multi-hasher, which also feeds the
 *     CBC record MACs and seeds the engine's HMAC_DRBG (set before the first reset, when the
 *     DRBG is created), and our TLS 1.2 PRF;
 *   - the pin validator instead of x509_minimal (init_full sets up the minimal context it is
 *     given; tw_tls_x509_pin_init() then sets up its own, with our SHA-256 in it too);
 *   - ALPN "http/1.1"; a server without ALPN is accepted (BearSSL's default);
 *   - on CPUs with VAES + VPCLMULQDQ, our AES-CTR and GHASH (gcm_vaes.c) under BearSSL's GCM
 *     records: AES-GCM record decryption is most of what TLS adds per received message.
 *
 * Resumption: the offered session is copied into the engine before br_ssl_client_reset(..., 1)
 * and kept; after the handshake the engine holds either the same session ID and master secret
 * (resumed) or a fresh one (full handshake). A session is saved only once the handshake has
 * completed, which BearSSL exposes only through its state flags (SENDAPP/RECVAPP, absent while a
 * record waits to be sent) or the engine's application_data field (1: open, 2: closing; 0
 * during a handshake or renegotiation): we read the field, from the public struct.
 */
#include "inner.h"
#include "tw_tls.h"

/* see tw_tls.h */
int
tw_tls_client_init(tw_tls_client *c, const tw_tls_config *cfg, void *iobuf, size_t iobuf_len)
{
	br_ssl_engine_context *eng = &c->cc.eng;
	int r;

	if (cfg == NULL || iobuf == NULL)
		return TW_ERR_INVAL;
	if (iobuf_len < BR_SSL_BUFSIZE_BIDI)
		return TW_ERR_BUFFER_TOO_SMALL;

	br_ssl_client_init_full(&c->cc, &c->x509.minimal, NULL, 0);
	r = tw_tls_x509_pin_init(&c->x509, cfg->anchors, cfg->pins, cfg->pin_count, cfg->flags);
	if (r != TW_OK)
		return r;
	br_ssl_engine_set_x509(eng, &c->x509.vtable);
	br_ssl_engine_set_versions(eng, BR_TLS12, BR_TLS12);
	br_ssl_engine_set_hash(eng, br_sha256_ID, &tw_br_sha256_vtable);
	br_ssl_engine_set_prf_sha256(eng, &tw_br_tls12_sha256_prf);
	if (tw_features_in_use() & TW_CPU_VAES) {
		br_ssl_engine_set_aes_ctr(eng, tw_tls_vaes_ctr_get());
		br_ssl_engine_set_ghash(eng, tw_tls_vpclmul_ghash_get());
	}
	br_ssl_engine_set_buffer(eng, iobuf, iobuf_len, 1);
	c->alpn[0] = "http/1.1";
	br_ssl_engine_set_protocol_names(eng, c->alpn, 1);
	memset(&c->offered, 0, sizeof c->offered);
	return TW_OK;
}

/* see tw_tls.h */
int
tw_tls_is_ip_literal(const char *name)
{
	const char *s;
	int digits = 0;

	if (name == NULL || name[0] == 0)
		return 0;
	if (name[0] == '[')
		return 1;
	for (s = name; *s != 0; s++) {
		if (*s == ':')
			return 1;           /* IPv6 (a DNS name never has one) */
	}
	/* IPv4 in any inet_aton form: only digits and dots (no TLD is all-numeric). */
	for (s = name; *s != 0; s++) {
		if (*s >= '0' && *s <= '9')
			digits = 1;
		else if (*s != '.')
			return 0;
	}
	return digits;
}

/* see tw_tls.h */
int
tw_tls_client_reset(tw_tls_client *c, const char *server_name,
	const br_ssl_session_parameters *resume)
{
	br_ssl_engine_context *eng = &c->cc.eng;
	const char *sni = NULL;
	int resuming = 0;

	if (server_name != NULL && server_name[0] != 0 && !tw_tls_is_ip_literal(server_name)) {
		if (strlen(server_name) >= sizeof eng->server_name)
			return TW_ERR_INVAL;
		sni = server_name;
	}
	memset(&c->offered, 0, sizeof c->offered);
	if (resume != NULL && resume->session_id_len > 0
		&& resume->session_id_len <= sizeof resume->session_id)
	{
		c->offered = *resume;
		br_ssl_engine_set_session_parameters(eng, resume);
		resuming = 1;
	}
	if (!br_ssl_client_reset(&c->cc, sni, resuming)) {
		int st = tw_tls_status_from_br(br_ssl_engine_last_error(eng));

		return st != TW_OK ? st : TW_ERR_TLS_PROTOCOL;
	}
	return TW_OK;
}

/* see tw_tls.h */
br_ssl_engine_context *
tw_tls_client_engine(tw_tls_client *c)
{
	return &c->cc.eng;
}

/* see tw_tls.h */
int
tw_tls_client_save_session(const tw_tls_client *c, br_ssl_session_parameters *out)
{
	const br_ssl_engine_context *eng = &c->cc.eng;

	memset(out, 0, sizeof *out);
	if (br_ssl_engine_last_error(eng) != BR_ERR_OK || eng->application_data == 0)
		return TW_ERR_INVAL;
	br_ssl_engine_get_session_parameters(eng, out);
	if (out->session_id_len == 0 || out->session_id_len > sizeof out->session_id) {
		memset(out, 0, sizeof *out);
		return TW_ERR_UNSUPPORTED;
	}
	return TW_OK;
}

/* see tw_tls.h */
int
tw_tls_client_resumed(const tw_tls_client *c)
{
	br_ssl_session_parameters cur;
	int same;

	if (c->offered.session_id_len == 0)
		return 0;
	br_ssl_engine_get_session_parameters(&c->cc.eng, &cur);
	same = cur.session_id_len == c->offered.session_id_len
		&& memcmp(cur.session_id, c->offered.session_id, cur.session_id_len) == 0
		&& memcmp(cur.master_secret, c->offered.master_secret, sizeof cur.master_secret) == 0;
	memset(&cur, 0, sizeof cur);
	return same;
}

/* see tw_tls.h */
int
tw_tls_client_status(const tw_tls_client *c)
{
	return tw_tls_status_from_br(br_ssl_engine_last_error(&c->cc.eng));
}

/* see tw_tls.h */
int
tw_tls_client_br_error(const tw_tls_client *c)
{
	return br_ssl_engine_last_error(&c->cc.eng);
}

/* ---- errors ------------------------------------------------------------------------------ */

#define ALERT_PROTOCOL_VERSION 70

/* see tw_tls.h */
int
tw_tls_br_alert(int br_err)
{
	if (br_err >= BR_ERR_RECV_FATAL_ALERT && br_err < BR_ERR_SEND_FATAL_ALERT)
		return br_err - BR_ERR_RECV_FATAL_ALERT;
	return -1;
}

/* see tw_tls.h */
int
tw_tls_status_from_br(int br_err)
{
	switch (br_err) {
	case BR_ERR_OK:
		return TW_OK;
	case TW_TLS_BR_ERR_PIN_MISMATCH:
		return TW_ERR_TLS_PIN_MISMATCH;
	case BR_ERR_X509_EXPIRED:
		return TW_ERR_TLS_CERT_EXPIRED;
	case BR_ERR_X509_BAD_SERVER_NAME:
	case TW_TLS_BR_ERR_NO_SERVER_NAME:
		return TW_ERR_TLS_BAD_HOSTNAME;
	case BR_ERR_X509_NOT_TRUSTED:
	case BR_ERR_X509_BAD_SIGNATURE:
	case BR_ERR_X509_DN_MISMATCH:
	case BR_ERR_X509_NOT_CA:
		return TW_ERR_TLS_UNTRUSTED;
	case BR_ERR_UNSUPPORTED_VERSION:
	case BR_ERR_BAD_VERSION:
	case BR_ERR_RECV_FATAL_ALERT + ALERT_PROTOCOL_VERSION:
		return TW_ERR_TLS_PROTOCOL_VERSION;
	case BR_ERR_WRONG_KEY_USAGE:
		return TW_ERR_TLS_BAD_CERT;
	case BR_ERR_X509_TIME_UNKNOWN:
		return TW_ERR_TLS_PROTOCOL;
	default:
		break;
	}
	if (tw_tls_br_alert(br_err) >= 0)
		return TW_ERR_TLS_ALERT;
	if (br_err > BR_ERR_X509_OK && br_err < 64)
		return TW_ERR_TLS_BAD_CERT;
	return TW_ERR_TLS_PROTOCOL;
}

struct br_detail {
	int err;
	const char *text;
};

static const struct br_detail br_details[] = {
	{ BR_ERR_OK, "no error" },
	{ BR_ERR_BAD_PARAM, "bad parameter (or malformed handshake message)" },
	{ BR_ERR_BAD_STATE, "engine in the wrong state for the call" },
	{ BR_ERR_UNSUPPORTED_VERSION, "server chose a protocol version we do not offer (TLS 1.2 only)" },
	{ BR_ERR_BAD_VERSION, "record with an unexpected protocol version" },
	{ BR_ERR_BAD_LENGTH, "record with an invalid length" },
	{ BR_ERR_TOO_LARGE, "record too large for the buffer" },
	{ BR_ERR_BAD_MAC, "record MAC or AEAD tag check failed" },
	{ BR_ERR_NO_RANDOM, "no OS randomness to seed the TLS engine" },
	{ BR_ERR_UNKNOWN_TYPE, "record of an unknown content type" },
	{ BR_ERR_UNEXPECTED, "unexpected handshake message or record" },
	{ BR_ERR_BAD_CCS, "malformed ChangeCipherSpec" },
	{ BR_ERR_BAD_ALERT, "malformed alert" },
	{ BR_ERR_BAD_HANDSHAKE, "malformed handshake message" },
	{ BR_ERR_OVERSIZED_ID, "session ID longer than 32 bytes" },
	{ BR_ERR_BAD_CIPHER_SUITE, "server chose a cipher suite we did not offer" },
	{ BR_ERR_BAD_COMPRESSION, "server chose compression" },
	{ BR_ERR_BAD_FRAGLEN, "bad maximum fragment length extension" },
	{ BR_ERR_BAD_SECRENEG, "secure renegotiation check failed" },
	{ BR_ERR_EXTRA_EXTENSION, "server sent an extension we did not ask for" },
	{ BR_ERR_BAD_SNI, "malformed SNI extension" },
	{ BR_ERR_BAD_HELLO_DONE, "malformed ServerHelloDone" },
	{ BR_ERR_LIMIT_EXCEEDED, "a handshake element exceeds BearSSL's limits" },
	{ BR_ERR_BAD_FINISHED, "Finished message check failed" },
	{ BR_ERR_RESUME_MISMATCH, "resumed session with a different version or cipher suite" },
	{ BR_ERR_INVALID_ALGORITHM, "unsupported or invalid algorithm (curve, hash, signature)" },
	{ BR_ERR_BAD_SIGNATURE, "bad signature on the server's key exchange" },
	{ BR_ERR_WRONG_KEY_USAGE, "server key type or usage does not fit the cipher suite" },
	{ BR_ERR_NO_CLIENT_AUTH, "client certificate required or rejected" },
	{ BR_ERR_IO, "I/O error on the transport" },
	{ BR_ERR_X509_OK, "X.509: validated" },
	{ BR_ERR_X509_INVALID_VALUE, "X.509: invalid value in a certificate" },
	{ BR_ERR_X509_TRUNCATED, "X.509: truncated certificate" },
	{ BR_ERR_X509_EMPTY_CHAIN, "X.509: the server sent no certificate" },
	{ BR_ERR_X509_INNER_TRUNC, "X.509: inner element overflows its parent" },
	{ BR_ERR_X509_BAD_TAG_CLASS, "X.509: unsupported tag class" },
	{ BR_ERR_X509_BAD_TAG_VALUE, "X.509: unsupported tag value" },
	{ BR_ERR_X509_INDEFINITE_LENGTH, "X.509: indefinite length" },
	{ BR_ERR_X509_EXTRA_ELEMENT, "X.509: extra element" },
	{ BR_ERR_X509_UNEXPECTED, "X.509: unexpected element" },
	{ BR_ERR_X509_NOT_CONSTRUCTED, "X.509: expected a constructed element" },
	{ BR_ERR_X509_NOT_PRIMITIVE, "X.509: expected a primitive element" },
	{ BR_ERR_X509_PARTIAL_BYTE, "X.509: BIT STRING with a partial byte" },
	{ BR_ERR_X509_BAD_BOOLEAN, "X.509: malformed BOOLEAN" },
	{ BR_ERR_X509_OVERFLOW, "X.509: value out of range" },
	{ BR_ERR_X509_BAD_DN, "X.509: malformed distinguished name" },
	{ BR_ERR_X509_BAD_TIME, "X.509: malformed validity time" },
	{ BR_ERR_X509_UNSUPPORTED, "X.509: unsupported algorithm or feature" },
	{ BR_ERR_X509_LIMIT_EXCEEDED, "X.509: element exceeds BearSSL's limits" },
	{ BR_ERR_X509_WRONG_KEY_TYPE, "X.509: key type does not match the signature" },
	{ BR_ERR_X509_BAD_SIGNATURE, "X.509: certificate signature does not verify" },
	{ BR_ERR_X509_TIME_UNKNOWN, "X.509: validation time unknown" },
	{ BR_ERR_X509_EXPIRED, "X.509: certificate expired or not yet valid" },
	{ BR_ERR_X509_DN_MISMATCH, "X.509: issuer and subject names do not chain" },
	{ BR_ERR_X509_BAD_SERVER_NAME, "X.509: certificate does not match the server name" },
	{ BR_ERR_X509_CRITICAL_EXTENSION, "X.509: unsupported critical extension" },
	{ BR_ERR_X509_NOT_CA, "X.509: issuing certificate is not a CA" },
	{ BR_ERR_X509_FORBIDDEN_KEY_USAGE, "X.509: key usage forbids this use" },
	{ BR_ERR_X509_WEAK_PUBLIC_KEY, "X.509: public key too weak" },
	{ BR_ERR_X509_NOT_TRUSTED, "X.509: chain does not lead to a trusted CA" },
	{ TW_TLS_BR_ERR_PIN_MISMATCH, "no certificate of the validated chain matches a pinned key" },
	{ TW_TLS_BR_ERR_NO_SERVER_NAME,
		"no server name to verify (none or an IP literal): pass servername, or use pinOnly" },
};

#define ALERT(n, name) \
	{ n, "received fatal alert " name " (" #n ")", "sent fatal alert " name " (" #n ")" }

static const struct {
	int alert;
	const char *received;
	const char *sent;
} alert_details[] = {
	ALERT(0, "close_notify"),
	ALERT(10, "unexpected_message"),
	ALERT(20, "bad_record_mac"),
	ALERT(21, "decryption_failed"),
	ALERT(22, "record_overflow"),
	ALERT(30, "decompression_failure"),
	ALERT(40, "handshake_failure"),
	ALERT(41, "no_certificate"),
	ALERT(42, "bad_certificate"),
	ALERT(43, "unsupported_certificate"),
	ALERT(44, "certificate_revoked"),
	ALERT(45, "certificate_expired"),
	ALERT(46, "certificate_unknown"),
	ALERT(47, "illegal_parameter"),
	ALERT(48, "unknown_ca"),
	ALERT(49, "access_denied"),
	ALERT(50, "decode_error"),
	ALERT(51, "decrypt_error"),
	ALERT(60, "export_restriction"),
	ALERT(70, "protocol_version"),
	ALERT(71, "insufficient_security"),
	ALERT(80, "internal_error"),
	ALERT(86, "inappropriate_fallback"),
	ALERT(90, "user_canceled"),
	ALERT(100, "no_renegotiation"),
	ALERT(109, "missing_extension"),
	ALERT(110, "unsupported_extension"),
	ALERT(112, "unrecognized_name"),
	ALERT(113, "bad_certificate_status_response"),
	ALERT(115, "unknown_psk_identity"),
	ALERT(116, "certificate_required"),
	ALERT(120, "no_application_protocol"),
};

/* see tw_tls.h */
const char *
tw_tls_br_error_detail(int br_err)
{
	size_t i;

	if (br_err >= BR_ERR_RECV_FATAL_ALERT && br_err < BR_ERR_SEND_FATAL_ALERT + 256) {
		int received = br_err < BR_ERR_SEND_FATAL_ALERT;
		int alert = br_err & 0xFF;

		for (i = 0; i < sizeof alert_details / sizeof alert_details[0]; i++) {
			if (alert_details[i].alert == alert)
				return received ? alert_details[i].received : alert_details[i].sent;
		}
		return received ? "received an unknown fatal alert" : "sent an unknown fatal alert";
	}
	for (i = 0; i < sizeof br_details / sizeof br_details[0]; i++) {
		if (br_details[i].err == br_err)
			return br_details[i].text;
	}
	return "unknown TLS error";
}
