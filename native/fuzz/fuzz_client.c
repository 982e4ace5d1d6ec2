/*
 * libFuzzer target for the connection core: arbitrary server bytes (HTTP response head and
 * whatever follows) fed in input-chosen chunk sizes. Invariants: no crash or out-of-bounds access,
 * text messages delivered are valid UTF-8 and within the size limit, at most one ERROR and
 * nothing but NONE after it, and the client's own output always parses as masked client frames.
 * A quarter of the inputs run raw mode (a plain byte stream): every byte comes back as chunks,
 * in order, and the client sends nothing.
 */
#include <stdlib.h>
#include <string.h>

#include "tw_client.h"

static uint8_t rxb[4096], txb[1 << 16], msgb[1 << 12], headb[TW_CLIENT_MAX_HEAD];

/* Raw mode: the chunks delivered must be exactly the input. */
static void
fuzz_raw(const uint8_t *data, size_t size, size_t chunk)
{
	tw_client c;
	tw_client_config cfg;
	tw_client_buffers b = { rxb, sizeof rxb, txb, sizeof txb, msgb, sizeof msgb, headb };
	static uint8_t got[1 << 16];
	size_t got_len = 0, pos = 0;
	const uint8_t *p;
	size_t len;

	memset(&cfg, 0, sizeof cfg);
	cfg.raw = 1;
	if (tw_client_init(&c, &cfg, &b) != TW_OK)
		abort();
	tw_client_event ev;
	if (tw_client_next_event(&c, &ev) != TW_CLIENT_OPEN)
		abort();
	if (size > sizeof got)
		size = sizeof got;
	while (pos < size) {
		uint8_t *dst;
		size_t room;
		if (!tw_client_rx_buf(&c, &dst, &room))
			abort();
		size_t k = size - pos < chunk ? size - pos : chunk;
		if (k > room)
			k = room;
		memcpy(dst, data + pos, k);
		pos += k;
		tw_client_rx_done(&c, k);
		for (;;) {
			int t = tw_client_next_event(&c, &ev);
			if (t == TW_CLIENT_NONE)
				break;
			if (t != TW_CLIENT_MESSAGE || got_len + ev.len > sizeof got)
				abort();
			memcpy(got + got_len, ev.data, ev.len);
			got_len += ev.len;
		}
		tw_client_events_done(&c);
		if (tw_client_tx_buf(&c, &p, &len))
			abort(); /* raw mode never answers by itself */
	}
	if (got_len != size || memcmp(got, data, size) != 0)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	tw_client c;
	tw_client_config cfg;
	tw_client_buffers b = { rxb, sizeof rxb, txb, sizeof txb, msgb, sizeof msgb, headb };
	int errors = 0;

	if (size < 2)
		return 0;
	size_t chunk = 1 + data[0] % 64;
	int valid_head = data[1] & 1;
	int raw = (data[1] & 6) == 6;
	data += 2;
	size -= 2;
	if (raw) {
		fuzz_raw(data, size, chunk);
		return 0;
	}
	memset(&cfg, 0, sizeof cfg);
	cfg.host = "fuzz";
	cfg.path = "/";
	if (tw_client_init(&c, &cfg, &b) != TW_OK)
		abort();
	const uint8_t *p;
	size_t len;
	while (tw_client_tx_buf(&c, &p, &len))
		tw_client_tx_done(&c, len);

	/* Half the inputs start with a correct head, so the frame layer gets exercised. */
	static uint8_t stream[1 << 16];
	size_t n = 0;
	if (valid_head) {
		static const char h1[] = "HTTP/1.1 101 OK\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ";
		memcpy(stream, h1, sizeof h1 - 1);
		n = sizeof h1 - 1;
		memcpy(stream + n, c.accept, 28);
		n += 28;
		memcpy(stream + n, "\r\n\r\n", 4);
		n += 4;
	}
	if (size > sizeof stream - n)
		size = sizeof stream - n;
	memcpy(stream + n, data, size);
	n += size;

	size_t pos = 0;
	while (pos < n) {
		uint8_t *dst;
		size_t room;
		if (!tw_client_rx_buf(&c, &dst, &room))
			break;
		size_t k = n - pos < chunk ? n - pos : chunk;
		if (k > room)
			k = room;
		memcpy(dst, stream + pos, k);
		pos += k;
		tw_client_rx_done(&c, k);
		for (;;) {
			tw_client_event ev;
			int t = tw_client_next_event(&c, &ev);
			if (t == TW_CLIENT_NONE)
				break;
			if (errors)
				abort(); /* nothing after an error */
			if (t == TW_CLIENT_ERROR)
				errors++;
			if (t == TW_CLIENT_FLUSH)
				tw_client_events_done(&c);
			if (t == TW_CLIENT_MESSAGE) {
				if (ev.len > sizeof msgb)
					abort();
				if (ev.opcode == TW_WS_OP_TEXT && tw_utf8_validate(ev.data, ev.len) != TW_OK)
					abort();
			}
		}
		tw_client_events_done(&c);
		/* whatever the client answers (pongs, close frames) must be valid masked frames */
		while (tw_client_tx_buf(&c, &p, &len)) {
			static uint8_t copy[1 << 16];
			tw_ws_parser sp;
			tw_ws_event sev;
			memcpy(copy, p, len);
			tw_ws_parser_init(&sp, TW_WS_ROLE_SERVER, 0);
			size_t q = 0;
			while (q < len) {
				size_t r = tw_ws_parse(&sp, copy + q, len - q, &sev);
				if (sev.type == TW_WS_EV_ERROR && sev.status != TW_ERR_WS_AFTER_CLOSE)
					abort();
				if (r == 0)
					break;
				q += r;
			}
			tw_client_tx_done(&c, len);
		}
	}
	return 0;
}
