/*
 * tw_ws.h — WebSocket (RFC 6455): masking, UTF-8 validation, frame parser and frame writer.
 *
 * All I/O-free: the parser consumes bytes the caller already has and reports events that point
 * into those bytes, so a frame that arrives whole is delivered without a copy.
 */
#ifndef TW_WS_H
#define TW_WS_H

#include "tw.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- masking (RFC 6455 §5.3) ---------------------------------------------------------- */
/*
 * `key` is the 4 mask bytes exactly as they appear on the wire, loaded from memory into a
 * uint32_t (so byte i of the payload is XORed with ((const uint8_t *)&key)[i % 4]).
 * Implementations accept any length and any alignment.
 */
typedef struct tw_mask_impl {
	const char *name;                                           /* "scalar", "avx2", "avx512" */
	void (*mask)(uint8_t *buf, size_t len, uint32_t key);       /* in place */
	void (*mask_copy)(uint8_t *dst, const uint8_t *src, size_t len, uint32_t key); /* dst may equal src, no other overlap */
} tw_mask_impl;

const tw_mask_impl *tw_mask_scalar_get(void);  /* always available */
const tw_mask_impl *tw_mask_avx2_get(void);    /* NULL without AVX2 */
const tw_mask_impl *tw_mask_avx512_get(void);  /* NULL without AVX-512 F+BW */
const tw_mask_impl *tw_mask_default(void);     /* chosen by tw_select_impls() */

/*
 * Mask (or unmask: the same operation) `len` bytes in place with the default implementation.
 * `offset` is the position of buf[0] within the masked payload, so a payload processed in pieces
 * gives the same result as in one call.
 */
void tw_mask(uint8_t *buf, size_t len, const uint8_t key[4], uint64_t offset);
void tw_mask_copy(uint8_t *dst, const uint8_t *src, size_t len, const uint8_t key[4], uint64_t offset);
/* The key rotated so that it applies from payload position `offset`, packed as above. */
uint32_t tw_mask_key_at(const uint8_t key[4], uint64_t offset);

/* ---- UTF-8 (RFC 3629): no overlongs, no surrogates, nothing above U+10FFFF ---------------- */
typedef struct tw_utf8_ctx {
	uint32_t state;  /* 0 = at a character boundary; otherwise mid-sequence (private encoding) */
} tw_utf8_ctx;

void tw_utf8_init(tw_utf8_ctx *ctx);
/* Validates the next chunk; a sequence may be split across chunks. TW_OK or TW_ERR_WS_INVALID_UTF8
 * (sticky: every later call fails too until init). */
int tw_utf8_update(tw_utf8_ctx *ctx, const uint8_t *p, size_t len);
/* TW_OK if the input so far ended on a character boundary, else TW_ERR_WS_INVALID_UTF8. */
int tw_utf8_finish(const tw_utf8_ctx *ctx);
/* One shot: the whole input must be complete, valid UTF-8. */
int tw_utf8_validate(const uint8_t *p, size_t len);

/* ---- frames -------------------------------------------------------------------------- */
#define TW_WS_OP_CONTINUATION 0x0
#define TW_WS_OP_TEXT 0x1
#define TW_WS_OP_BINARY 0x2
#define TW_WS_OP_CLOSE 0x8
#define TW_WS_OP_PING 0x9
#define TW_WS_OP_PONG 0xA

#define TW_WS_CLOSE_NORMAL 1000
#define TW_WS_CLOSE_GOING_AWAY 1001
#define TW_WS_CLOSE_PROTOCOL_ERROR 1002
#define TW_WS_CLOSE_UNSUPPORTED 1003
#define TW_WS_CLOSE_NO_STATUS 1005     /* never on the wire: reported when a close frame had no code */
#define TW_WS_CLOSE_ABNORMAL 1006      /* never on the wire */
#define TW_WS_CLOSE_INVALID_PAYLOAD 1007
#define TW_WS_CLOSE_POLICY 1008
#define TW_WS_CLOSE_TOO_BIG 1009
#define TW_WS_CLOSE_INTERNAL_ERROR 1011

#define TW_WS_MAX_HEADER_LEN 14
#define TW_WS_MAX_CONTROL_LEN 125

/* 1 if `code` may appear in a close frame on the wire (1000-1003, 1007-1014, 3000-4999). */
int tw_ws_close_code_valid(unsigned code);
/* The close code a protocol status calls for: 1007 for UTF-8, 1009 for too big, 1002 otherwise. */
unsigned tw_ws_close_code_for(int status);

#define TW_WS_ROLE_CLIENT 0  /* receives server frames: must be unmasked */
#define TW_WS_ROLE_SERVER 1  /* receives client frames: must be masked; unmasked in place */

enum tw_ws_event_type {
	TW_WS_EV_NONE = 0,   /* the input was consumed without completing anything reportable */
	TW_WS_EV_DATA,       /* a piece of a text/binary message */
	TW_WS_EV_CONTROL,    /* a complete ping, pong or close frame */
	TW_WS_EV_ERROR       /* protocol error: the connection must be failed */
};

typedef struct tw_ws_event {
	int type;              /* enum tw_ws_event_type */
	int opcode;            /* DATA: TEXT or BINARY (the message's opcode); CONTROL: PING/PONG/CLOSE */
	int first;             /* DATA: first piece of the message */
	int fin;               /* DATA: last piece of the message (empty messages: one piece, len 0) */
	const uint8_t *data;   /* DATA: points into the caller's input; CONTROL: into the parser (for a
	                          close frame the whole payload: the reason starts at data + 2) */
	size_t len;            /* DATA: may be 0 for any empty data frame, middle fragments included */
	unsigned close_code;   /* CONTROL+CLOSE: the peer's code (1005 if none; 0 for ping/pong);
	                          ERROR: code to send */
	int status;            /* ERROR: TW_ERR_WS_* */
} tw_ws_event;

typedef struct tw_ws_parser {
	/* configuration (set by init) */
	uint64_t max_message;  /* 0 = unlimited; otherwise cap on a whole (reassembled) message */
	int role;
	/* frame state */
	int state;
	uint8_t hdr[TW_WS_MAX_HEADER_LEN];
	uint8_t hdr_len;       /* header bytes gathered so far */
	uint8_t hdr_need;      /* header bytes needed (known after byte 2) */
	uint8_t fin;
	uint8_t opcode;        /* of the current frame */
	uint8_t masked;
	uint8_t mask[4];
	uint64_t frame_len;
	uint64_t frame_done;   /* payload bytes of the current frame consumed */
	/* message state */
	uint8_t msg_opcode;    /* TEXT/BINARY while a message is open, else 0 */
	uint8_t msg_started;   /* a DATA event was already emitted for the open message */
	uint64_t msg_len;      /* bytes of the open message so far (incl. current frame's declared length) */
	tw_utf8_ctx utf8;
	/* control frame payload, gathered whole */
	uint8_t ctl[TW_WS_MAX_CONTROL_LEN];
	int status;            /* sticky error, 0 while healthy */
	uint8_t closed;        /* a close frame was received */
} tw_ws_parser;

/* Any role other than TW_WS_ROLE_SERVER is taken as TW_WS_ROLE_CLIENT. */
void tw_ws_parser_init(tw_ws_parser *p, int role, uint64_t max_message);

/*
 * Consumes bytes from `in` until an event is complete or the input runs out, and returns how many
 * bytes were consumed (call again with the rest). Each call reports at most one event in *ev
 * (TW_WS_EV_NONE if none). DATA events point into `in`; in the SERVER role the payload is unmasked
 * in place first. Byte-at-a-time input gives the same messages as whole frames, in more pieces.
 * On the call that reports an ERROR the return value counts the bytes accepted before it (header
 * bytes before the offending one, or the whole header when a length rule fails; a failing control
 * payload counts, a text piece that fails UTF-8 does not). After an ERROR every call returns 0
 * consumed and the same ERROR. A text message is UTF-8 validated across its fragments; an invalid
 * sequence is reported before the piece holding it, so no DATA event carries an invalid byte.
 * Non-shortest length encodings are accepted on data frames (as most peers do); a control frame
 * using the 16/64-bit forms is CONTROL_TOO_BIG.
 */
size_t tw_ws_parse(tw_ws_parser *p, uint8_t *in, size_t len, tw_ws_event *ev);

/* Header length for a frame of `payload_len` bytes (2..14). */
size_t tw_ws_header_len(uint64_t payload_len, int masked);
/*
 * Writes a frame header into `out` (room for TW_WS_MAX_HEADER_LEN) and returns its length.
 * mask NULL = unmasked (server frames). Does not validate opcode/fin combinations.
 */
size_t tw_ws_write_header(uint8_t *out, int fin, int opcode, uint64_t payload_len, const uint8_t mask[4]);
/*
 * Writes a whole frame (header + payload masked with `mask` in one pass; mask NULL = unmasked copy)
 * into out[0..cap). Returns the frame length, or TW_ERR_BUFFER_TOO_SMALL / TW_ERR_INVAL (control
 * frame over 125 bytes or fragmented, bad opcode, NULL out, NULL payload with len != 0, or
 * len > INT64_MAX - 14). `payload` must not overlap `out`.
 */
int64_t tw_ws_write_frame(uint8_t *out, size_t cap, int fin, int opcode,
	const uint8_t *payload, size_t len, const uint8_t mask[4]);

#ifdef __cplusplus
}
#endif
#endif /* TW_WS_H */
