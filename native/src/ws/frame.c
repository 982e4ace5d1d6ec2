/*
 * WebSocket frame writer (RFC 6455 §5.2).
 *
 * IMPLEMENTATION NOTES
 *
 * Lengths use the minimal encoding (7-bit up to 125, 16-bit up to 65535, else 64-bit), which
 * RFC 6455 requires. tw_ws_write_frame masks while it copies (tw_mask_copy from payload offset 0),
 * so the payload is read and written once.
 */
#include "inner.h"
#include "tw_ws.h"

/* see tw_ws.h */
size_t
tw_ws_header_len(uint64_t payload_len, int masked)
{
	size_t n = 2;

	if (payload_len > 65535)
		n += 8;
	else if (payload_len > 125)
		n += 2;
	return n + (masked ? 4 : 0);
}

/* see tw_ws.h */
size_t
tw_ws_write_header(uint8_t *out, int fin, int opcode, uint64_t payload_len, const uint8_t mask[4])
{
	uint8_t mbit = mask != NULL ? 0x80 : 0x00;
	size_t n;

	out[0] = (uint8_t)((fin ? 0x80 : 0x00) | ((unsigned)opcode & 0x0F));
	if (payload_len <= 125) {
		out[1] = (uint8_t)(mbit | payload_len);
		n = 2;
	} else if (payload_len <= 65535) {
		out[1] = (uint8_t)(mbit | 126);
		out[2] = (uint8_t)(payload_len >> 8);
		out[3] = (uint8_t)payload_len;
		n = 4;
	} else {
		out[1] = (uint8_t)(mbit | 127);
		tw_store_be64(out + 2, payload_len);
		n = 10;
	}
	if (mask != NULL) {
		memcpy(out + n, mask, 4);
		n += 4;
	}
	return n;
}

/* see tw_ws.h */
int64_t
tw_ws_write_frame(uint8_t *out, size_t cap, int fin, int opcode,
	const uint8_t *payload, size_t len, const uint8_t mask[4])
{
	size_t hl;

	switch (opcode) {
	case TW_WS_OP_CONTINUATION:
	case TW_WS_OP_TEXT:
	case TW_WS_OP_BINARY:
		break;
	case TW_WS_OP_CLOSE:
	case TW_WS_OP_PING:
	case TW_WS_OP_PONG:
		if (!fin || len > TW_WS_MAX_CONTROL_LEN)
			return TW_ERR_INVAL;
		break;
	default:
		return TW_ERR_INVAL;
	}
	/* The frame length must fit the int64_t result (and the 63-bit wire length). */
	if (out == NULL || (payload == NULL && len != 0)
		|| (uint64_t)len > (uint64_t)INT64_MAX - TW_WS_MAX_HEADER_LEN)
	{
		return TW_ERR_INVAL;
	}
	hl = tw_ws_header_len(len, mask != NULL);
	if (cap < hl || cap - hl < len)
		return TW_ERR_BUFFER_TOO_SMALL;
	tw_ws_write_header(out, fin, opcode, len, mask);
	if (len != 0) {
		if (mask != NULL)
			tw_mask_copy(out + hl, payload, len, mask, 0);
		else
			memcpy(out + hl, payload, len);
	}
	return (int64_t)(hl + len);
}
