/*
 * tw.h — tickwire native core: status codes, CPU features, implementation selection.
 *
 * The core (native/src) is C11 with no Node and no I/O: buffers in, buffers out. It never
 * allocates; every context is caller-owned and its size is fixed at compile time.
 *
 * Status convention: 0 = ok, negative = TW_ERR_*. Syscall failures (later: io/) pass -errno.
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
#define TW_ERR_INVAL -1           /* bad argument (size, pointer, range) */
#define TW_ERR_BUFFER_TOO_SMALL -2 /* caller's output buffer cannot hold the result */
#define TW_ERR_UNSUPPORTED -3     /* the CPU or build lacks what was asked for */

/* WebSocket protocol errors (RFC 6455). The close code to send is tw_ws_close_code_for(). */
#define TW_ERR_WS_RSV -100                 /* RSV1-3 set without a negotiated extension */
#define TW_ERR_WS_OPCODE -101              /* reserved opcode 0x3-0x7 or 0xB-0xF */
#define TW_ERR_WS_CONTROL_FRAGMENTED -102  /* control frame with FIN = 0 */
#define TW_ERR_WS_CONTROL_TOO_BIG -103     /* control frame payload > 125 bytes */
#define TW_ERR_WS_UNEXPECTED_CONTINUATION -104 /* continuation frame with no message open */
#define TW_ERR_WS_EXPECTED_CONTINUATION -105   /* new data frame while a fragmented message is open */
#define TW_ERR_WS_LENGTH_MSB -106          /* 64-bit payload length with the most significant bit set */
#define TW_ERR_WS_MASKED -107              /* masked frame received by a client */
#define TW_ERR_WS_UNMASKED -108            /* unmasked frame received by a server */
#define TW_ERR_WS_CLOSE_CODE -109          /* close frame with a code that must not be sent */
#define TW_ERR_WS_CLOSE_PAYLOAD -110       /* close frame with a 1-byte payload */
#define TW_ERR_WS_INVALID_UTF8 -111        /* text message or close reason is not valid UTF-8 */
#define TW_ERR_WS_TOO_BIG -112             /* message exceeds the configured maximum */
#define TW_ERR_WS_AFTER_CLOSE -113         /* bytes received after the peer's close frame */

/* Short stable name of a status ("WS_RSV", "INVAL", ...); "UNKNOWN" for codes not listed. */
const char *tw_status_name(int status);
/* One-line human description of a status. */
const char *tw_status_message(int status);

/* ---- CPU features -------------------------------------------------------------------- */
#define TW_CPU_SSSE3 (1u << 0)
#define TW_CPU_SSE41 (1u << 1)
#define TW_CPU_SHA (1u << 2)    /* SHA-NI (sha256rnds2 etc.) */
#define TW_CPU_AVX2 (1u << 3)
#define TW_CPU_AVX512 (1u << 4) /* AVX-512 F + BW, with the OS saving ZMM state */

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
