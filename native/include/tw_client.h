/*
 * tw_client.h — one WebSocket client connection (RFC 6455), I/O-free: the HTTP/1.1 upgrade, the
 * TLS engine pump (BearSSL) when the connection is wss://, frame parsing and building, message
 * reassembly, automatic pong, and the close handshake.
 *
 * The driver (the addon, or a test) owns the socket. It asks where to receive into and what to
 * send, does the I/O however it likes (io_uring, epoll, blocking), reports the byte counts back,
 * and pulls events:
 *
 *   tw_client_rx_buf()   -> where a recv should land (1) or nothing to receive now (0)
 *   tw_client_rx_done(n) -> n bytes landed there (n = 0: the peer closed TCP)
 *   tw_client_tx_buf()   -> bytes waiting to be sent (1) or none (0)
 *   tw_client_tx_done(n) -> n of them were sent
 *   tw_client_next_event() until it returns TW_CLIENT_NONE (needs input) or TW_CLIENT_FLUSH
 *   tw_client_events_done() once the events' data views are no longer used
 *
 * Memory: every buffer is the caller's (see tw_client_buffers); nothing allocates. Event data points
 * into the receive buffer, the TLS engine's buffer or the reassembly buffer and stays valid until
 * tw_client_events_done(). A message that arrives whole in one read (or one TLS record) is
 * delivered in place without a copy; a message spread over reads is reassembled (one copy), after
 * which next_event returns TW_CLIENT_FLUSH: deliver what you have, call events_done, continue.
 */
 /*
 * Raw mode (cfg.raw = 1) drives the same machinery as a plain byte stream for binary protocols
 * over TCP or TLS (e.g. IB TWS): no upgrade and no frames. OPEN comes once TCP is connected (and
 * the TLS handshake done), each input chunk is one MESSAGE (opcode TW_WS_OP_BINARY, a view into
 * the receive buffer or the engine's plaintext), tw_client_send() queues the bytes as they are
 * (opcode ignored), tw_client_close() sends TLS close_notify if any and finishes once tx is out,
 * and the peer closing TCP is CLOSE with code 1006.
 */
#ifndef TW_CLIENT_H
#define TW_CLIENT_H

#include <bearssl.h>

#include "tw_ws.h"

#ifdef __cplusplus
extern "C" {
#endif

#define TW_CLIENT_KEY_LEN 16          /* Sec-WebSocket-Key nonce bytes (from a CSPRNG) */
#define TW_CLIENT_MAX_HEAD 8192       /* largest HTTP response head accepted */

typedef struct tw_client_buffers {
	uint8_t *rx;         /* receive buffer; for TLS a staging buffer fed to the engine record by
	                        record (receiving straight into the engine takes 2 reads per record) */
	size_t rx_cap;
	uint8_t *tx;         /* outgoing bytes: frames (plain) or plaintext waiting for the engine (TLS) */
	size_t tx_cap;
	uint8_t *msg;        /* reassembly of fragmented or split messages: max message size */
	size_t msg_cap;
	uint8_t *head;       /* HTTP response head: at least TW_CLIENT_MAX_HEAD bytes */
} tw_client_buffers;

typedef struct tw_client_config {
	const char *host;            /* Host header value (with :port when not the default) */
	const char *path;            /* request target, e.g. "/ws?streams=a" */
	const char *extra_headers;   /* preformatted "Name: value\r\n" lines, or NULL */
	const char *protocols;       /* Sec-WebSocket-Protocol value, or NULL */
	uint8_t key[TW_CLIENT_KEY_LEN];   /* Sec-WebSocket-Key nonce (public: sent on the wire) */
	uint8_t seed[32];                 /* CSPRNG seed for frame mask keys (secret, never sent) */
	uint64_t max_message;        /* 0 = msg_cap */
	br_ssl_engine_context *tls;  /* engine of a started TLS client, or NULL for ws:// */
	uint8_t raw;                 /* 1: a plain byte stream (TCP or TLS, no upgrade, no frames) */
} tw_client_config;

enum tw_client_event_type {
	TW_CLIENT_NONE = 0,   /* nothing more without new input */
	TW_CLIENT_OPEN,       /* the upgrade succeeded */
	TW_CLIENT_MESSAGE,    /* a whole text/binary message */
	TW_CLIENT_PING,       /* a ping arrived (a pong is already queued) */
	TW_CLIENT_PONG,       /* a pong arrived (data = its payload) */
	TW_CLIENT_CLOSE,      /* the close handshake finished or the peer closed: code, reason */
	TW_CLIENT_ERROR,      /* the connection failed: status, close_code sent (if any) */
	TW_CLIENT_FLUSH       /* deliver the events so far, call tw_client_events_done, then go on */
};

typedef struct tw_client_event {
	int type;
	int opcode;           /* MESSAGE: TW_WS_OP_TEXT or TW_WS_OP_BINARY */
	const uint8_t *data;
	size_t len;
	unsigned code;        /* CLOSE: peer's close code (1005 none, 1006 abnormal); ERROR: code we sent */
	int status;           /* ERROR: TW_ERR_* or -errno */
	int tls_error;        /* ERROR from the TLS engine: BearSSL's error number (map with tw_tls) */
} tw_client_event;

typedef struct tw_client {
	tw_client_config cfg;
	tw_client_buffers buf;
	int state;
	int status;                 /* sticky failure */
	tw_ws_parser parser;
	char accept[28];            /* expected Sec-WebSocket-Accept */
	size_t head_len;
	size_t rx_len, rx_pos;      /* plain: bytes in rx, bytes parsed */
	size_t stage_len, stage_pos; /* TLS: bytes received into rx, bytes handed to the engine */
	const uint8_t *in;          /* bytes being parsed (rx or the engine's plaintext) */
	size_t in_len, in_pos;
	size_t tx_len, tx_pos;      /* queued outgoing bytes, bytes already handed to the socket */
	size_t tx_inflight;         /* bytes handed to the driver and not yet reported sent */
	size_t msg_len;
	int msg_opcode;
	uint8_t hold;               /* events reference data that must not move */
	uint8_t close_sent;
	uint8_t close_received;
	unsigned close_code;        /* code received */
	uint8_t pong[TW_WS_MAX_CONTROL_LEN];
	size_t pong_len;
	uint8_t pong_pending;
	br_aesctr_drbg_context drbg; /* frame mask keys: AES-CTR DRBG seeded from cfg.seed */
	uint8_t mask_pool[256];      /* 64 keys drawn at a time */
	size_t mask_next;
	int tls_error;               /* BearSSL's last error when the engine failed */
	uint8_t error_reported;
	uint8_t eof;
} tw_client;

/* Sets up the connection and queues the upgrade request. TW_ERR_BUFFER_TOO_SMALL if tx cannot
 * hold it; TW_ERR_INVAL for missing host/path or buffers. */
int tw_client_init(tw_client *c, const tw_client_config *cfg, const tw_client_buffers *buf);

int tw_client_rx_buf(tw_client *c, uint8_t **buf, size_t *len);
void tw_client_rx_done(tw_client *c, size_t n);
int tw_client_tx_buf(tw_client *c, const uint8_t **buf, size_t *len);
void tw_client_tx_done(tw_client *c, size_t n);
int tw_client_next_event(tw_client *c, tw_client_event *ev);
void tw_client_events_done(tw_client *c);

/*
 * Queues one frame (masked with a fresh key). TW_ERR_CONN_BACKPRESSURE when tx has no room (send
 * later, or grow tx), TW_ERR_INVAL for bad opcode/control size, TW_ERR_CONN_CLOSED after close.
 */
int tw_client_send(tw_client *c, int opcode, const uint8_t *payload, size_t len);
/* Starts the close handshake with `code` (0 = no code) and a UTF-8 reason (<= 123 bytes). */
int tw_client_close(tw_client *c, unsigned code, const uint8_t *reason, size_t len);
/* Fails the connection from outside (timeouts, socket errors): the next event is ERROR(status). */
void tw_client_fail(tw_client *c, int status);
/* Nonzero once nothing more can happen (closed or failed, and nothing left to send). */
int tw_client_done(const tw_client *c);
/* Nonzero when received data is waiting to be parsed (call tw_client_next_event). */
int tw_client_readable(const tw_client *c);
/* Bytes queued and not yet sent (backpressure indicator). */
size_t tw_client_tx_pending(const tw_client *c);

/* The upgrade pieces, exposed for tests: request writer and response-head checker. */
int tw_http_upgrade_request(char *out, size_t cap, const char *host, const char *path,
	const char *protocols, const char *extra_headers, const uint8_t key[TW_CLIENT_KEY_LEN], char accept[28]);
/* Checks a complete head (ending in CRLFCRLF): 0, or TW_ERR_HTTP_*. `status` gets the status code. */
int tw_http_check_response(const char *head, size_t len, const char accept[28], int *status);

#ifdef __cplusplus
}
#endif
#endif /* TW_CLIENT_H */
