/*
 * tw.h — tickwire native core: status codes, CPU features, implementation selection.
 *
 * The core (native/src) is C11 with no Node and no I/O: buffers in, buffers out. It never
 * allocates; every context is caller-owned and its size is fixed at compile time.
 *
 * Status convention: 0 = ok, negative = failure. Syscall failures pass -errno through (-1..-4095,
 * as the kernel and liburing report them); tickwire's own TW_ERR_* codes sit below -5000 so the two
 * never collide.
 */
#ifndef TW_H
#define TW_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define TW_VERSION_MAJOR 0
#define TW_VERSION_MINOR 1
#define TW_VERSION_PATCH 0

/* ---- status codes ---------------------------------------------------------------------- */
#define TW_OK 0
#define TW_ERR_INVAL -5001            /* bad argument (size, pointer, range) */
#define TW_ERR_BUFFER_TOO_SMALL -5002 /* caller's output buffer cannot hold the result */
#define TW_ERR_UNSUPPORTED -5003      /* the CPU or build lacks what was asked for */

/* WebSocket protocol errors (RFC 6455). The close code to send is tw_ws_close_code_for(). */
#define TW_ERR_WS_RSV -5100                 /* RSV1-3 set without a negotiated extension */
#define TW_ERR_WS_OPCODE -5101              /* reserved opcode 0x3-0x7 or 0xB-0xF */
#define TW_ERR_WS_CONTROL_FRAGMENTED -5102  /* control frame with FIN = 0 */
#define TW_ERR_WS_CONTROL_TOO_BIG -5103     /* control frame payload > 125 bytes */
#define TW_ERR_WS_UNEXPECTED_CONTINUATION -5104 /* continuation frame with no message open */
#define TW_ERR_WS_EXPECTED_CONTINUATION -5105   /* new data frame while a fragmented message is open */
#define TW_ERR_WS_LENGTH_MSB -5106          /* 64-bit payload length with the most significant bit set */
#define TW_ERR_WS_MASKED -5107              /* masked frame received by a client */
#define TW_ERR_WS_UNMASKED -5108            /* unmasked frame received by a server */
#define TW_ERR_WS_CLOSE_CODE -5109          /* close frame with a code that must not be sent */
#define TW_ERR_WS_CLOSE_PAYLOAD -5110       /* close frame with a 1-byte payload */
#define TW_ERR_WS_INVALID_UTF8 -5111        /* text message or close reason is not valid UTF-8 */
#define TW_ERR_WS_TOO_BIG -5112             /* message exceeds the configured maximum */
#define TW_ERR_WS_AFTER_CLOSE -5113         /* bytes received after the peer's close frame */

/* TLS (BearSSL client). */
#define TW_ERR_TLS_PIN_MISMATCH -5200      /* no certificate in the chain matches a configured SPKI pin */
#define TW_ERR_TLS_CERT_EXPIRED -5201      /* a certificate is expired or not yet valid */
#define TW_ERR_TLS_BAD_HOSTNAME -5202      /* the server certificate does not match the server name */
#define TW_ERR_TLS_UNTRUSTED -5203         /* the chain does not lead to a trust anchor (incl. self-signed) */
#define TW_ERR_TLS_HANDSHAKE_TIMEOUT -5204 /* the handshake did not finish in the configured time */
#define TW_ERR_TLS_PROTOCOL_VERSION -5205  /* no common protocol version (e.g. a TLS 1.3-only server) */
#define TW_ERR_TLS_ALERT -5206             /* the peer sent a fatal alert */
#define TW_ERR_TLS_PROTOCOL -5207          /* any other TLS failure (bad record, bad MAC, ...) */
#define TW_ERR_TLS_BAD_CERT -5208          /* a certificate could not be decoded or uses an unsupported key */
#define TW_ERR_TLS_BAD_CA -5209            /* the CA bundle holds no usable certificate */
#define TW_ERR_TLS_CLOSED -5210            /* the peer ended TLS (close_notify or truncation) */

/* HTTP/1.1 upgrade to WebSocket (RFC 6455 §4). */
#define TW_ERR_HTTP_BAD_RESPONSE -5300     /* malformed status line or header */
#define TW_ERR_HTTP_STATUS -5301           /* the server answered with a status other than 101 */
#define TW_ERR_HTTP_BAD_ACCEPT -5302       /* Sec-WebSocket-Accept does not match the key */
#define TW_ERR_HTTP_TOO_LARGE -5303        /* response head larger than the limit */
#define TW_ERR_HTTP_BAD_UPGRADE -5304      /* Upgrade/Connection headers missing or wrong */

/* Connection. */
#define TW_ERR_CONN_CLOSED -5400           /* the peer closed the TCP connection */
#define TW_ERR_CONN_TIMEOUT -5401          /* connect or read timed out */
#define TW_ERR_CONN_BACKPRESSURE -5402     /* the send queue is full */

/* Orders. */
#define TW_ERR_ORDER_VALUE -5500           /* a price/quantity that is negative, not finite or too large */

/* Short stable name of a status ("WS_RSV", "INVAL", ...); "ERRNO" for -1..-4095 (a syscall's
 * -errno), "UNKNOWN" for anything else not listed. */
const char *tw_status_name(int status);
/* The TW_OK / TW_ERR_* codes this build defines, for tables: tw_status_at(i) for i < count. */
size_t tw_status_count(void);
int tw_status_at(size_t i);
/* One-line human description of a status. */
const char *tw_status_message(int status);

/* ---- CPU features -------------------------------------------------------------------- */
#define TW_CPU_SSSE3 (1u << 0)
#define TW_CPU_SSE41 (1u << 1)
#define TW_CPU_SHA (1u << 2)    /* SHA-NI (sha256rnds2 etc.) */
#define TW_CPU_AVX2 (1u << 3)
#define TW_CPU_AVX512 (1u << 4) /* AVX-512 F + BW, with the OS saving ZMM state */
#define TW_CPU_VAES (1u << 5)   /* VAES + VPCLMULQDQ + AVX-512 VL (with AES-NI, PCLMUL): TLS AES-GCM */

/* Features of this CPU that the OS also enables (XGETBV checked for AVX/AVX-512). Cached. */
unsigned tw_cpu_detect(void);

/*
 * Choose the implementations used by the tw_sha256_* and tw_mask* defaults. Call once at load,
 * before other threads use the core. `allowed` masks the detected features: pass 0 to force the
 * portable paths (TW_FORCE_IMPL=portable), ~0u for everything the CPU has. Returns the features
 * actually in use. Without a call, the first default use selects with
 * tw_env_allowed().
 */
unsigned tw_select_impls(unsigned allowed);
/* The `allowed` mask the environment asks for: 0 when TW_FORCE_IMPL=portable, else ~0u. The lazy
 * default selection uses it, so C tests and the addon honour the variable alike. */
unsigned tw_env_allowed(void);
/* Features in use by the defaults (selects with tw_env_allowed() if nothing was selected yet). */
unsigned tw_features_in_use(void);

#ifdef __cplusplus
}
#endif
#endif /* TW_H */
