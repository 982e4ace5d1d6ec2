/*
 * WebSocket frame parser (RFC 6455 §5), incremental and I/O-free.
 *
 * IMPLEMENTATION NOTES
 *
 * States: HDR (gathering a frame header), DATA (payload of a text/binary/continuation frame),
 * CTL (payload of a ping/pong/close, gathered into p->ctl), CLOSED (a close frame was received:
 * any further byte is an error). A protocol error is kept in p->status and short-circuits every
 * later call.
 *
 * Hot path: when the input holds a whole header it is decoded straight from `in`; p->hdr is used
 * only for a header split across calls. Data payload is never copied: each call returns the
 * largest piece available, unmasked in place (the mask offset is the payload position, so pieces
 * unmask the same as a whole frame), so a frame that arrives whole is one DATA event.
 *
 * Header rules run in the same order whatever the cut, so byte-at-a-time input fails with the
 * same status at the same frame as whole frames: on byte 0 (RSV, opcode, control FIN,
 * continuation state), on byte 1 (mask bit vs role, control length, 1-byte close), on the whole
 * header (64-bit length MSB, message size against max_message: before any payload byte is taken).
 * Text is UTF-8 checked piece by piece before the piece is returned, so an invalid byte fails the
 * connection and no DATA event ever carries it; the final piece must also end on a character
 * boundary.
 *
 * The call that reports an error returns the bytes accepted before it: header bytes before the
 * offending one (the whole header when a length rule fails), the control payload when its content
 * fails, nothing of a text piece that fails UTF-8. Every later call returns 0 and the same ERROR.
 */
#include "inner.h"
#include "tw_ws.h"

enum {
	ST_HDR = 0,
	ST_DATA,
	ST_CTL,
	ST_CLOSED
};

/* see tw_ws.h */
int
tw_ws_close_code_valid(unsigned code)
{
	return (code >= 1000 && code <= 1003)
		|| (code >= 1007 && code <= 1014)
		|| (code >= 3000 && code <= 4999);
}

/* see tw_ws.h */
unsigned
tw_ws_close_code_for(int status)
{
	switch (status) {
	case TW_ERR_WS_INVALID_UTF8:
		return TW_WS_CLOSE_INVALID_PAYLOAD;
	case TW_ERR_WS_TOO_BIG:
		return TW_WS_CLOSE_TOO_BIG;
	default:
		return TW_WS_CLOSE_PROTOCOL_ERROR;
	}
}

/* see tw_ws.h */
void
tw_ws_parser_init(tw_ws_parser *p, int role, uint64_t max_message)
{
	memset(p, 0, sizeof *p);
	p->max_message = max_message;
	p->role = role == TW_WS_ROLE_SERVER ? TW_WS_ROLE_SERVER : TW_WS_ROLE_CLIENT;
	p->state = ST_HDR;
	tw_utf8_init(&p->utf8);
}

static void
error_event(const tw_ws_parser *p, tw_ws_event *ev)
{
	memset(ev, 0, sizeof *ev);
	ev->type = TW_WS_EV_ERROR;
	ev->status = p->status;
	ev->close_code = tw_ws_close_code_for(p->status);
}

static size_t
fail(tw_ws_parser *p, int status, tw_ws_event *ev, size_t consumed)
{
	p->status = status;
	error_event(p, ev);
	return consumed;
}

/* Header size (2..14) once the second byte is known. */
static inline size_t
header_size(unsigned b1)
{
	static const uint8_t ext[4] = { 0, 0, 2, 8 };  /* by (len7 >= 126) + (len7 == 127) */
	unsigned len7 = b1 & 0x7F;

	return 2 + ext[(len7 >= 126) * 2 + (len7 == 127)] + ((b1 & 0x80) ? 4 : 0);
}

/* Rules decided by the first header byte. */
static inline int
check_b0(const tw_ws_parser *p, unsigned b0)
{
	if (b0 & 0x70)
		return TW_ERR_WS_RSV;
	switch (b0 & 0x0F) {
	case TW_WS_OP_CONTINUATION:
		return p->msg_opcode != 0 ? TW_OK : TW_ERR_WS_UNEXPECTED_CONTINUATION;
	case TW_WS_OP_TEXT:
	case TW_WS_OP_BINARY:
		return p->msg_opcode == 0 ? TW_OK : TW_ERR_WS_EXPECTED_CONTINUATION;
	case TW_WS_OP_CLOSE:
	case TW_WS_OP_PING:
	case TW_WS_OP_PONG:
		return (b0 & 0x80) ? TW_OK : TW_ERR_WS_CONTROL_FRAGMENTED;
	default:
		return TW_ERR_WS_OPCODE;
	}
}

/* Rules decided by the second header byte (b0 already passed check_b0). */
static inline int
check_b1(const tw_ws_parser *p, unsigned b0, unsigned b1)
{
	unsigned len7 = b1 & 0x7F;

	if (b1 & 0x80) {
		if (p->role != TW_WS_ROLE_SERVER)
			return TW_ERR_WS_MASKED;
	} else if (p->role == TW_WS_ROLE_SERVER) {
		return TW_ERR_WS_UNMASKED;
	}
	if (b0 & 0x08) {
		if (len7 > TW_WS_MAX_CONTROL_LEN)
			return TW_ERR_WS_CONTROL_TOO_BIG;
		if ((b0 & 0x0F) == TW_WS_OP_CLOSE && len7 == 1)
			return TW_ERR_WS_CLOSE_PAYLOAD;
	}
	return TW_OK;
}

/*
 * Takes a complete header h[0..header_size) whose first two bytes passed the checks, and sets up
 * the frame (and the message, for TEXT/BINARY).
 */
static int
decode_header(tw_ws_parser *p, const uint8_t *h)
{
	unsigned b0 = h[0], b1 = h[1], op = b0 & 0x0F;
	unsigned len7 = b1 & 0x7F;
	size_t n = 2;
	uint64_t flen;

	if (len7 == 126) {
		flen = ((uint64_t)h[2] << 8) | h[3];
		n = 4;
	} else if (len7 == 127) {
		flen = ((uint64_t)tw_load_be32(h + 2) << 32) | tw_load_be32(h + 6);
		if (flen >> 63)
			return TW_ERR_WS_LENGTH_MSB;
		n = 10;
	} else {
		flen = len7;
	}
	p->fin = (uint8_t)(b0 >> 7);
	p->opcode = (uint8_t)op;
	p->masked = (uint8_t)(b1 >> 7);
	if (p->masked)
		memcpy(p->mask, h + n, 4);
	p->frame_len = flen;
	p->frame_done = 0;

	if (op & 0x08) {
		p->state = ST_CTL;
		return TW_OK;
	}
	if (op != TW_WS_OP_CONTINUATION) {
		p->msg_opcode = (uint8_t)op;
		p->msg_started = 0;
		p->msg_len = 0;
		tw_utf8_init(&p->utf8);
	}
	if (p->max_message != 0) {
		/* msg_len <= max_message holds: it was checked when each earlier frame began. */
		if (flen > p->max_message - p->msg_len)
			return TW_ERR_WS_TOO_BIG;
		p->msg_len += flen;
	} else {
		p->msg_len = flen > UINT64_MAX - p->msg_len ? UINT64_MAX : p->msg_len + flen;
	}
	p->state = ST_DATA;
	return TW_OK;
}

/* Data payload: returns the next piece (possibly empty) or nothing if no byte is available. */
static size_t
parse_data(tw_ws_parser *p, uint8_t *in, size_t len, size_t pos, tw_ws_event *ev)
{
	uint64_t rem = p->frame_len - p->frame_done;
	size_t n = (uint64_t)(len - pos) < rem ? len - pos : (size_t)rem;
	int last;
	uint8_t *data;

	if (n == 0 && rem != 0)
		return pos;
	data = in + pos;
	if (p->masked && n != 0)
		tw_mask(data, n, p->mask, p->frame_done);
	last = n == rem && p->fin;
	if (p->msg_opcode == TW_WS_OP_TEXT) {
		if (tw_utf8_update(&p->utf8, data, n) != TW_OK
			|| (last && tw_utf8_finish(&p->utf8) != TW_OK))
		{
			return fail(p, TW_ERR_WS_INVALID_UTF8, ev, pos);
		}
	}
	p->frame_done += n;
	ev->type = TW_WS_EV_DATA;
	ev->opcode = p->msg_opcode;
	ev->first = !p->msg_started;
	ev->fin = last;
	ev->data = data;
	ev->len = n;
	p->msg_started = 1;
	if (n == rem) {
		p->state = ST_HDR;
		if (p->fin) {
			p->msg_opcode = 0;
			p->msg_started = 0;
			p->msg_len = 0;
		}
	}
	return pos + n;
}

/* Control payload: gathered into p->ctl, reported once whole. */
static size_t
parse_control(tw_ws_parser *p, const uint8_t *in, size_t len, size_t pos, tw_ws_event *ev)
{
	uint64_t rem = p->frame_len - p->frame_done;
	size_t n = (uint64_t)(len - pos) < rem ? len - pos : (size_t)rem;
	size_t clen;
	unsigned code = 0;

	if (n != 0) {
		if (p->masked)
			tw_mask_copy(p->ctl + p->frame_done, in + pos, n, p->mask, p->frame_done);
		else
			memcpy(p->ctl + p->frame_done, in + pos, n);
		pos += n;
		p->frame_done += n;
	}
	if (p->frame_done < p->frame_len)
		return pos;

	clen = (size_t)p->frame_len;
	p->state = ST_HDR;
	if (p->opcode == TW_WS_OP_CLOSE) {
		/* A 1-byte payload was refused at the header. */
		code = TW_WS_CLOSE_NO_STATUS;
		if (clen >= 2) {
			code = ((unsigned)p->ctl[0] << 8) | p->ctl[1];
			if (!tw_ws_close_code_valid(code))
				return fail(p, TW_ERR_WS_CLOSE_CODE, ev, pos);
			if (tw_utf8_validate(p->ctl + 2, clen - 2) != TW_OK)
				return fail(p, TW_ERR_WS_INVALID_UTF8, ev, pos);
		}
		p->closed = 1;
		p->state = ST_CLOSED;
	}
	ev->type = TW_WS_EV_CONTROL;
	ev->opcode = p->opcode;
	ev->data = p->ctl;
	ev->len = clen;
	ev->close_code = code;
	return pos;
}

/* see tw_ws.h */
size_t
tw_ws_parse(tw_ws_parser *p, uint8_t *in, size_t len, tw_ws_event *ev)
{
	size_t pos = 0;
	int st;

	memset(ev, 0, sizeof *ev);
	if (TW_UNLIKELY(p->status != 0)) {
		error_event(p, ev);
		return 0;
	}
	for (;;) {
		switch (p->state) {
		case ST_HDR:
			if (pos == len)
				return pos;
			if (TW_LIKELY(p->hdr_len == 0 && len - pos >= 2)) {
				/* Whole header in the input: decode it in place. */
				unsigned b0 = in[pos], b1 = in[pos + 1];
				size_t need = header_size(b1);

				if (TW_LIKELY(len - pos >= need)) {
					/* error counts as in the gathering path below */
					if ((st = check_b0(p, b0)) != TW_OK)
						return fail(p, st, ev, pos);
					if ((st = check_b1(p, b0, b1)) != TW_OK)
						return fail(p, st, ev, pos + 1);
					pos += need;
					if ((st = decode_header(p, in + pos - need)) != TW_OK)
						return fail(p, st, ev, pos);
					break;
				}
			}
			/* Header split across calls: gather it in p->hdr. */
			while (p->hdr_len < 2) {
				unsigned b = in[pos];

				st = p->hdr_len == 0 ? check_b0(p, b) : check_b1(p, p->hdr[0], b);
				if (st != TW_OK)
					return fail(p, st, ev, pos);
				p->hdr[p->hdr_len++] = (uint8_t)b;
				pos++;
				if (p->hdr_len == 2)
					p->hdr_need = (uint8_t)header_size(b);
				else if (pos == len)
					return pos;
			}
			{
				size_t n = p->hdr_need - p->hdr_len;

				if (n > len - pos)
					n = len - pos;
				if (n != 0) {
					memcpy(p->hdr + p->hdr_len, in + pos, n);
					p->hdr_len = (uint8_t)(p->hdr_len + n);
					pos += n;
				}
			}
			if (p->hdr_len < p->hdr_need)
				return pos;
			p->hdr_len = 0;
			p->hdr_need = 0;
			if ((st = decode_header(p, p->hdr)) != TW_OK)
				return fail(p, st, ev, pos);
			break;
		case ST_DATA:
			return parse_data(p, in, len, pos, ev);
		case ST_CTL:
			return parse_control(p, in, len, pos, ev);
		default: /* ST_CLOSED */
			if (pos < len)
				return fail(p, TW_ERR_WS_AFTER_CLOSE, ev, pos);
			return pos;
		}
	}
}
