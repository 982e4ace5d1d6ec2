/*
 * IMPLEMENTATION NOTES
 *
 * One connection as a pull-driven state machine (see tw_client.h): HANDSHAKE (request queued,
 * response head being gathered) -> OPEN -> CLOSING (our close frame sent) -> CLOSED, or FAILED.
 *
 * Input is either the plain receive buffer or the TLS engine's decrypted record
 * (br_ssl_engine_recvapp_buf). It is parsed in place by tw_ws_parse; a message whose frame lies
 * whole in the input is reported as a view into it. Pieces of a message that spans inputs are
 * appended to the reassembly buffer, and the finished message is reported from there; because the
 * next message would reuse that buffer, the call after such an event returns FLUSH, so the driver
 * hands the batch to its consumer first. The input is released (the TLS record acknowledged, the
 * plain buffer reset) only in tw_client_events_done.
 *
 * TLS input: reads land in the rx staging buffer (64 KiB at a time) and are fed to the engine as it
 * accepts them; receiving straight into the engine's record buffer would take two reads per
 * record (5-byte header, then body).
 *
 * Output: frames are written (masked in one pass) into the tx buffer; for TLS, a frame goes straight
 * into the engine's sendapp buffer when nothing is queued and it fits, else the tx buffer holds
 * plaintext that is moved into the engine as it has room, and the engine's
 * records are what the driver sends. One send is in flight at a time; frames may be appended
 * while it is.
 *
 * Mask keys are unpredictable as RFC 6455 §5.3 requires: an AES-CTR DRBG (BearSSL, AES-NI when
 * present) seeded from the caller's CSPRNG seed, drawn 64 keys at a time.
 */
#include "inner.h"
#include "tw_client.h"

enum { ST_HANDSHAKE = 0, ST_OPEN, ST_CLOSING, ST_CLOSED, ST_FAILED };

static void
fail(tw_client *c, int status, int tls_error)
{
	if (c->status == 0) {
		c->status = status;
		c->tls_error = tls_error;
	}
	c->state = ST_FAILED;
}

static uint32_t
next_mask(tw_client *c)
{
	uint32_t k;
	if (c->mask_next >= sizeof c->mask_pool) {
		br_aesctr_drbg_generate(&c->drbg, c->mask_pool, sizeof c->mask_pool);
		c->mask_next = 0;
	}
	memcpy(&k, c->mask_pool + c->mask_next, 4);
	c->mask_next += 4;
	return k;
}

/* For TLS with nothing queued ahead and the engine taking application data: its plaintext buffer,
 * to write into directly (no staging copy), and the room in it; otherwise NULL. */
static uint8_t *
tls_direct_buf(tw_client *c, size_t *room)
{
	if (c->cfg.tls == NULL || c->tx_pos != c->tx_len
		|| !(br_ssl_engine_current_state(c->cfg.tls) & BR_SSL_SENDAPP))
	{
		return NULL;
	}
	return br_ssl_engine_sendapp_buf(c->cfg.tls, room);
}

/* Hands `n` bytes written at tls_direct_buf() to the engine and seals them into records. */
static void
tls_direct_done(tw_client *c, size_t n)
{
	br_ssl_engine_sendapp_ack(c->cfg.tls, n);
	br_ssl_engine_flush(c->cfg.tls, 0);
}

/* Raw mode: appends bytes as they are, straight into the TLS engine when nothing is queued. */
static int
queue_raw(tw_client *c, const uint8_t *data, size_t len)
{
	size_t room;
	uint8_t *dst = tls_direct_buf(c, &room);

	if (dst != NULL && len <= room) {
		if (len) {
			memcpy(dst, data, len);
			tls_direct_done(c, len);
		}
		return TW_OK;
	}
	if (len > c->buf.tx_cap - c->tx_len)
		return TW_ERR_CONN_BACKPRESSURE;
	if (len)
		memcpy(c->buf.tx + c->tx_len, data, len);
	c->tx_len += len;
	return TW_OK;
}

/* Appends a masked frame to tx, or for TLS masks it straight into the engine's plaintext buffer
 * when tls_direct_buf() allows and it fits. Not for raw mode (queue_raw). */
static int
queue_frame(tw_client *c, int opcode, const uint8_t *payload, size_t len)
{
	uint32_t k = next_mask(c);
	uint8_t key[4];
	size_t room;
	uint8_t *dst;
	int64_t n;

	memcpy(key, &k, 4);
	dst = tls_direct_buf(c, &room);
	if (dst != NULL) {
		n = tw_ws_write_frame(dst, room, 1, opcode, payload, len, key);
		if (n > 0) {
			tls_direct_done(c, (size_t)n);
			return TW_OK;
		}
		if (n != TW_ERR_BUFFER_TOO_SMALL)
			return (int)n;
	}
	n = tw_ws_write_frame(c->buf.tx + c->tx_len, c->buf.tx_cap - c->tx_len, 1, opcode, payload, len, key);
	if (n == TW_ERR_BUFFER_TOO_SMALL)
		return TW_ERR_CONN_BACKPRESSURE;
	if (n < 0)
		return (int)n;
	c->tx_len += (size_t)n;
	return TW_OK;
}

static void
queue_close(tw_client *c, unsigned code, const uint8_t *reason, size_t len)
{
	uint8_t p[TW_WS_MAX_CONTROL_LEN];
	size_t n = 0;

	if (c->close_sent)
		return;
	if (code != 0 && code != TW_WS_CLOSE_NO_STATUS && code != TW_WS_CLOSE_ABNORMAL) {
		p[0] = (uint8_t)(code >> 8);
		p[1] = (uint8_t)code;
		if (len > TW_WS_MAX_CONTROL_LEN - 2)
			len = TW_WS_MAX_CONTROL_LEN - 2;
		if (len)
			memcpy(p + 2, reason, len);
		n = 2 + len;
	}
	/* A close frame is at most 131 bytes; if tx is full it is dropped and the socket just closes. */
	if (queue_frame(c, TW_WS_OP_CLOSE, p, n) == TW_OK)
		c->close_sent = 1;
}

static void
flush_pong(tw_client *c)
{
	if (c->pong_pending && c->state == ST_OPEN && queue_frame(c, TW_WS_OP_PONG, c->pong, c->pong_len) == TW_OK)
		c->pong_pending = 0;
}

/* see tw_client.h */
int
tw_client_init(tw_client *c, const tw_client_config *cfg, const tw_client_buffers *buf)
{
	int n;

	memset(c, 0, sizeof *c);
	if (cfg == NULL || buf == NULL || buf->rx == NULL || buf->tx == NULL || buf->msg == NULL
		|| buf->head == NULL)
	{
		return TW_ERR_INVAL;
	}
	c->cfg = *cfg;
	c->buf = *buf;
	if (c->cfg.max_message == 0 || c->cfg.max_message > buf->msg_cap)
		c->cfg.max_message = buf->msg_cap;
	tw_ws_parser_init(&c->parser, TW_WS_ROLE_CLIENT, c->cfg.max_message);
	br_aesctr_drbg_init(&c->drbg, br_aes_x86ni_ctr_get_vtable() ? br_aes_x86ni_ctr_get_vtable() : &br_aes_ct_ctr_vtable,
		cfg->seed, sizeof cfg->seed);
	c->mask_next = sizeof c->mask_pool;
	if (cfg->raw) {
		c->state = ST_HANDSHAKE; /* until TCP (and TLS) are up: see tw_client_next_event */
		return TW_OK;
	}
	n = tw_http_upgrade_request((char *)buf->tx, buf->tx_cap, cfg->host, cfg->path, cfg->protocols,
		cfg->extra_headers, cfg->key, c->accept);
	if (n < 0)
		return n;
	c->tx_len = (size_t)n;
	c->state = ST_HANDSHAKE;
	return TW_OK;
}

/* TLS: hands staged bytes to the engine while it accepts records. */
static void
tls_feed(tw_client *c)
{
	br_ssl_engine_context *eng = c->cfg.tls;

	while (c->stage_pos < c->stage_len && (br_ssl_engine_current_state(eng) & BR_SSL_RECVREC)) {
		size_t room;
		uint8_t *dst = br_ssl_engine_recvrec_buf(eng, &room);
		size_t n = c->stage_len - c->stage_pos < room ? c->stage_len - c->stage_pos : room;
		if (n == 0)
			break;
		memcpy(dst, c->buf.rx + c->stage_pos, n);
		br_ssl_engine_recvrec_ack(eng, n);
		c->stage_pos += n;
	}
	if (c->stage_pos == c->stage_len)
		c->stage_pos = c->stage_len = 0;
}

/* see tw_client.h */
int
tw_client_rx_buf(tw_client *c, uint8_t **buf, size_t *len)
{
	if (c->eof || c->state == ST_FAILED || c->in != NULL)
		return 0;
	if (c->cfg.tls != NULL) {
		tls_feed(c);
		if (c->stage_len != 0)
			return 0; /* the engine has not taken everything yet */
	}
	*buf = c->buf.rx;
	*len = c->buf.rx_cap;
	return 1;
}

/* see tw_client.h */
void
tw_client_rx_done(tw_client *c, size_t n)
{
	if (n == 0) {
		c->eof = 1;
		return;
	}
	if (c->cfg.tls != NULL) {
		c->stage_len = n;
		c->stage_pos = 0;
		tls_feed(c);
		return;
	}
	c->in = c->buf.rx;
	c->in_len = n;
	c->in_pos = 0;
}

/* Moves plaintext from tx into the TLS engine and flushes it into records. */
static void
tls_pump_out(tw_client *c)
{
	br_ssl_engine_context *eng = c->cfg.tls;
	int moved = 0;

	while (c->tx_pos < c->tx_len && (br_ssl_engine_current_state(eng) & BR_SSL_SENDAPP)) {
		size_t room;
		uint8_t *dst = br_ssl_engine_sendapp_buf(eng, &room);
		size_t n = c->tx_len - c->tx_pos < room ? c->tx_len - c->tx_pos : room;
		if (n == 0)
			break;
		memcpy(dst, c->buf.tx + c->tx_pos, n);
		br_ssl_engine_sendapp_ack(eng, n);
		c->tx_pos += n;
		moved = 1;
	}
	if (c->tx_pos == c->tx_len)
		c->tx_pos = c->tx_len = 0;
	if (moved)
		br_ssl_engine_flush(eng, 0);
}

/* Raw mode: once every queued byte is in the TLS engine, close_notify follows them; plain TCP
 * just finishes (the driver closes the socket when tx is out). */
static void
raw_finish_close(tw_client *c)
{
	if (c->state != ST_CLOSING || !c->cfg.raw)
		return;
	if (c->cfg.tls != NULL) {
		tls_pump_out(c);
		if (c->tx_pos != c->tx_len)
			return;
		br_ssl_engine_close(c->cfg.tls);
	}
	c->state = ST_CLOSED;
}

/* see tw_client.h */
int
tw_client_tx_buf(tw_client *c, const uint8_t **buf, size_t *len)
{
	if (c->tx_inflight != 0)
		return 0;
	if (c->cfg.tls != NULL) {
		br_ssl_engine_context *eng = c->cfg.tls;
		tls_pump_out(c);
		raw_finish_close(c);
		if (!(br_ssl_engine_current_state(eng) & BR_SSL_SENDREC))
			return 0;
		*buf = br_ssl_engine_sendrec_buf(eng, len);
		c->tx_inflight = *len;
		return *len != 0;
	}
	if (c->tx_pos == c->tx_len)
		return 0;
	*buf = c->buf.tx + c->tx_pos;
	*len = c->tx_len - c->tx_pos;
	c->tx_inflight = *len;
	return 1;
}

/* see tw_client.h */
void
tw_client_tx_done(tw_client *c, size_t n)
{
	if (n > c->tx_inflight)
		n = c->tx_inflight;
	c->tx_inflight = 0;
	if (c->cfg.tls != NULL) {
		br_ssl_engine_sendrec_ack(c->cfg.tls, n);
		tls_feed(c); /* the engine may take records again now that its output is out */
		return;
	}
	c->tx_pos += n;
	if (c->tx_pos == c->tx_len)
		c->tx_pos = c->tx_len = 0;
}

/* Gathers the response head; 1 when complete (and checked), 0 when more is needed. */
static int
take_head(tw_client *c)
{
	while (c->in_pos < c->in_len) {
		if (c->head_len >= TW_CLIENT_MAX_HEAD) {
			fail(c, TW_ERR_HTTP_TOO_LARGE, 0);
			return 0;
		}
		uint8_t b = c->in[c->in_pos++];
		c->buf.head[c->head_len++] = b;
		if (b == '\n' && c->head_len >= 4 && memcmp(c->buf.head + c->head_len - 4, "\r\n\r\n", 4) == 0) {
			int status;
			int r = tw_http_check_response((const char *)c->buf.head, c->head_len, c->accept, &status);
			if (r != TW_OK) {
				fail(c, r, 0);
				return 0;
			}
			c->state = ST_OPEN;
			return 1;
		}
	}
	return 0;
}

/* Makes c->in point at unparsed input, if any. */
static int
have_input(tw_client *c)
{
	if (c->in != NULL)
		return c->in_pos < c->in_len;
	if (c->cfg.tls != NULL && (br_ssl_engine_current_state(c->cfg.tls) & BR_SSL_RECVAPP)) {
		size_t len;
		c->in = br_ssl_engine_recvapp_buf(c->cfg.tls, &len);
		c->in_len = len;
		c->in_pos = 0;
		return len != 0;
	}
	return 0;
}

static int
error_event(tw_client *c, tw_client_event *ev)
{
	if (c->error_reported)
		return TW_CLIENT_NONE;
	c->error_reported = 1;
	ev->type = TW_CLIENT_ERROR;
	ev->status = c->status;
	ev->tls_error = c->tls_error;
	ev->code = c->close_sent ? tw_ws_close_code_for(c->status) : 0;
	return TW_CLIENT_ERROR;
}

/* see tw_client.h */
int
tw_client_next_event(tw_client *c, tw_client_event *ev)
{
	memset(ev, 0, sizeof *ev);
	if (c->hold)
		return ev->type = TW_CLIENT_FLUSH;
	for (;;) {
		if (c->state == ST_FAILED)
			return ev->type = error_event(c, ev);
		if (c->in == NULL && c->cfg.tls != NULL && (br_ssl_engine_current_state(c->cfg.tls) & BR_SSL_CLOSED)) {
			int err = br_ssl_engine_last_error(c->cfg.tls);
			if (c->state == ST_CLOSED)
				return TW_CLIENT_NONE;
			fail(c, err == BR_ERR_OK ? TW_ERR_TLS_CLOSED : TW_ERR_TLS_PROTOCOL, err);
			continue;
		}
		if (c->cfg.raw && c->state == ST_HANDSHAKE
			&& (c->cfg.tls == NULL || (br_ssl_engine_current_state(c->cfg.tls) & BR_SSL_SENDAPP)))
		{
			c->state = ST_OPEN; /* the driver only asks once TCP is connected */
			return ev->type = TW_CLIENT_OPEN;
		}
		if (!have_input(c)) {
			if (c->eof && c->in == NULL && c->stage_len == 0) {
				if (c->state == ST_HANDSHAKE) {
					fail(c, TW_ERR_CONN_CLOSED, 0);
					continue;
				}
				if (c->state == ST_OPEN || c->state == ST_CLOSING) {
					/* TCP closed without a close frame: abnormal closure (1006). */
					c->state = ST_CLOSED;
					ev->type = TW_CLIENT_CLOSE;
					ev->code = TW_WS_CLOSE_ABNORMAL;
					return TW_CLIENT_CLOSE;
				}
			}
			return TW_CLIENT_NONE;
		}
		if (c->cfg.raw) {
			if (c->state != ST_OPEN) {
				c->in_pos = c->in_len; /* TLS handshake still running, or closing: nothing to deliver */
				continue;
			}
			ev->type = TW_CLIENT_MESSAGE;
			ev->opcode = TW_WS_OP_BINARY;
			ev->data = c->in + c->in_pos;
			ev->len = c->in_len - c->in_pos;
			c->in_pos = c->in_len;
			return TW_CLIENT_MESSAGE;
		}
		if (c->state == ST_HANDSHAKE) {
			if (take_head(c))
				return ev->type = TW_CLIENT_OPEN;
			continue;
		}
		if (c->state == ST_CLOSED) {
			c->in_pos = c->in_len; /* anything after the close handshake is ignored */
			continue;
		}

		tw_ws_event w;
		c->in_pos += tw_ws_parse(&c->parser, (uint8_t *)c->in + c->in_pos, c->in_len - c->in_pos, &w);
		switch (w.type) {
		case TW_WS_EV_NONE:
			continue;
		case TW_WS_EV_DATA:
			if (w.first && w.fin) {
				ev->type = TW_CLIENT_MESSAGE;
				ev->opcode = w.opcode;
				ev->data = w.data;
				ev->len = w.len;
				return TW_CLIENT_MESSAGE;
			}
			if (w.first)
				c->msg_len = 0;
			/* max_message <= msg_cap, enforced by the parser from the headers. */
			memcpy(c->buf.msg + c->msg_len, w.data, w.len);
			c->msg_len += w.len;
			if (!w.fin)
				continue;
			ev->type = TW_CLIENT_MESSAGE;
			ev->opcode = w.opcode;
			ev->data = c->buf.msg;
			ev->len = c->msg_len;
			c->hold = 1;
			return TW_CLIENT_MESSAGE;
		case TW_WS_EV_CONTROL:
			if (w.opcode == TW_WS_OP_PING) {
				memcpy(c->pong, w.data, w.len);
				c->pong_len = w.len;
				c->pong_pending = 1;
				flush_pong(c);
				ev->type = TW_CLIENT_PING;
				return TW_CLIENT_PING;
			}
			if (w.opcode == TW_WS_OP_PONG) {
				ev->type = TW_CLIENT_PONG;
				ev->data = w.data;
				ev->len = w.len;
				c->hold = 1;
				return TW_CLIENT_PONG;
			}
			/* CLOSE: echo the code (RFC 6455 §5.5.1), then the server closes TCP. */
			c->close_received = 1;
			c->close_code = w.close_code;
			queue_close(c, w.close_code, NULL, 0);
			c->state = ST_CLOSED;
			ev->type = TW_CLIENT_CLOSE;
			ev->code = w.close_code;
			ev->data = w.len > 2 ? w.data + 2 : NULL;
			ev->len = w.len > 2 ? w.len - 2 : 0;
			c->hold = 1;
			return TW_CLIENT_CLOSE;
		default: /* TW_WS_EV_ERROR: fail the connection with the code RFC 6455 calls for */
			queue_close(c, w.close_code, NULL, 0);
			fail(c, w.status, 0);
			continue;
		}
	}
}

/* see tw_client.h */
void
tw_client_events_done(tw_client *c)
{
	c->hold = 0;
	if (c->in == NULL || c->in_pos < c->in_len)
		return;
	if (c->cfg.tls != NULL && c->in_len != 0)
		br_ssl_engine_recvapp_ack(c->cfg.tls, c->in_len);
	c->in = NULL;
	if (c->cfg.tls != NULL)
		tls_feed(c); /* the next staged record, if any */
	c->in_len = c->in_pos = 0;
	flush_pong(c);
}

/* see tw_client.h */
int
tw_client_send(tw_client *c, int opcode, const uint8_t *payload, size_t len)
{
	if (c->cfg.raw) /* bytes may queue before OPEN: they leave once TCP (and TLS) are up */
		return c->state == ST_OPEN || c->state == ST_HANDSHAKE ? queue_raw(c, payload, len) : TW_ERR_CONN_CLOSED;
	if (c->state != ST_OPEN)
		return c->state == ST_HANDSHAKE ? TW_ERR_INVAL : TW_ERR_CONN_CLOSED;
	if (opcode == TW_WS_OP_CLOSE)
		return TW_ERR_INVAL; /* use tw_client_close */
	return queue_frame(c, opcode, payload, len);
}

/* see tw_client.h */
int
tw_client_close(tw_client *c, unsigned code, const uint8_t *reason, size_t len)
{
	if (c->cfg.raw) {
		if (c->state == ST_CLOSING)
			return TW_OK;
		if (c->state != ST_OPEN && c->state != ST_HANDSHAKE)
			return TW_ERR_CONN_CLOSED;
		c->state = ST_CLOSING;
		raw_finish_close(c);
		return TW_OK;
	}
	if (c->state != ST_OPEN)
		return c->state == ST_CLOSING ? TW_OK : TW_ERR_CONN_CLOSED;
	if (code != 0 && !tw_ws_close_code_valid(code))
		return TW_ERR_INVAL;
	if (len > TW_WS_MAX_CONTROL_LEN - 2 || (len && tw_utf8_validate(reason, len) != TW_OK))
		return TW_ERR_INVAL;
	queue_close(c, code, reason, len);
	c->state = ST_CLOSING;
	return TW_OK;
}

/* see tw_client.h */
void
tw_client_fail(tw_client *c, int status)
{
	if (c->state != ST_CLOSED)
		fail(c, status, 0);
}

/* see tw_client.h */
int
tw_client_readable(const tw_client *c)
{
	if (c->state == ST_FAILED || c->state == ST_CLOSED)
		return 0; /* nothing more is parsed */
	if (c->in != NULL)
		return c->in_pos < c->in_len;
	return c->cfg.tls != NULL && (br_ssl_engine_current_state(c->cfg.tls) & BR_SSL_RECVAPP) != 0;
}

/* see tw_client.h */
size_t
tw_client_tx_pending(const tw_client *c)
{
	return c->tx_len - c->tx_pos + c->tx_inflight;
}

/* see tw_client.h */
int
tw_client_done(const tw_client *c)
{
	if (c->state != ST_CLOSED && c->state != ST_FAILED)
		return 0;
	if (c->cfg.tls != NULL)
		return c->tx_inflight == 0 && !(br_ssl_engine_current_state(c->cfg.tls) & BR_SSL_SENDREC);
	return c->tx_pos == c->tx_len && c->tx_inflight == 0;
}
