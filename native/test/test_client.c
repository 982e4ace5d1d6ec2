/*
 * The connection core (tw_client) over plain ws://, driven in memory: the "server" is this test,
 * which reads the client's request, answers with a response head and frames fed in every chunk
 * size, and checks what the client sends back (pongs, close frames). TLS is covered end to end
 * by the vitest suites against real servers.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bearssl.h>

#include "tw_client.h"
#include "tw_hash.h"

#include "test_util.h"

static uint8_t rxb[1 << 16], txb[1 << 20], msgb[1 << 20], headb[TW_CLIENT_MAX_HEAD];

static void
setup(tw_client *c, uint64_t max_message, size_t rx_cap)
{
	tw_client_config cfg;
	tw_client_buffers b = { rxb, rx_cap, txb, sizeof txb, msgb, sizeof msgb, headb };
	memset(&cfg, 0, sizeof cfg);
	cfg.host = "example.test:9443";
	cfg.path = "/ws/btcusdt@trade";
	cfg.extra_headers = "X-Api-Key: k\r\n";
	for (int i = 0; i < 16; i++)
		cfg.key[i] = (uint8_t)i;
	for (int i = 0; i < 32; i++)
		cfg.seed[i] = (uint8_t)(i * 7);
	cfg.max_message = max_message;
	int r = tw_client_init(c, &cfg, &b);
	if (r != TW_OK) {
		printf("init failed %d\n", r);
		exit(1);
	}
}

/* Everything the client wants to send, as one string. */
static size_t
drain_tx(tw_client *c, uint8_t *out, size_t cap)
{
	const uint8_t *p;
	size_t len, n = 0;
	while (tw_client_tx_buf(c, &p, &len)) {
		if (n + len > cap)
			len = cap - n;
		memcpy(out + n, p, len);
		n += len;
		tw_client_tx_done(c, len);
	}
	return n;
}

static char accept_for(const uint8_t key[16], char out[29])
{
	char k[25];
	uint8_t d[20];
	br_sha1_context s;
	tw_base64_encode(k, key, 16);
	br_sha1_init(&s);
	br_sha1_update(&s, k, 24);
	br_sha1_update(&s, "258EAFA5-E914-47DA-95CA-C5AB0DC85B11", 36);
	br_sha1_out(&s, d);
	tw_base64_encode(out, d, 20);
	out[28] = 0;
	return 0;
}

struct seen {
	int open, pings, pongs, closes, errors, flushes;
	unsigned close_code, error_code;
	int error_status;
	size_t nmsg;
	uint8_t msgs[64][512];
	size_t lens[64];
	int opcodes[64];
};

/* Feeds `in` in chunks of `chunk` bytes, collecting events. */
static void
feed(tw_client *c, const uint8_t *in, size_t len, size_t chunk, struct seen *s)
{
	size_t pos = 0;
	while (pos < len) {
		uint8_t *dst;
		size_t room;
		if (!tw_client_rx_buf(c, &dst, &room))
			break;
		size_t n = len - pos < chunk ? len - pos : chunk;
		if (n > room)
			n = room;
		memcpy(dst, in + pos, n);
		pos += n;
		tw_client_rx_done(c, n);
		for (;;) {
			tw_client_event ev;
			int t = tw_client_next_event(c, &ev);
			if (t == TW_CLIENT_NONE)
				break;
			switch (t) {
			case TW_CLIENT_OPEN: s->open++; break;
			case TW_CLIENT_PING: s->pings++; break;
			case TW_CLIENT_PONG: s->pongs++; break;
			case TW_CLIENT_FLUSH: s->flushes++; tw_client_events_done(c); break;
			case TW_CLIENT_CLOSE: s->closes++; s->close_code = ev.code; break;
			case TW_CLIENT_ERROR: s->errors++; s->error_status = ev.status; s->error_code = ev.code; break;
			case TW_CLIENT_MESSAGE:
				if (s->nmsg < 64 && ev.len <= 512) {
					memcpy(s->msgs[s->nmsg], ev.data, ev.len);
					s->lens[s->nmsg] = ev.len;
					s->opcodes[s->nmsg] = ev.opcode;
				}
				s->nmsg++;
				break;
			}
		}
		tw_client_events_done(c);
	}
}

static size_t
response_head(char *out, const char *accept, const char *status_line)
{
	return (size_t)sprintf(out, "%s\r\nServer: test\r\nUpgrade: WebSocket\r\nConnection: keep-alive, Upgrade\r\n"
		"Sec-WebSocket-Accept: %s\r\n\r\n", status_line, accept);
}

/* Unmasks client frames in `buf` and reports the opcode/payload of frame number `index`. */
static int
client_frame(uint8_t *buf, size_t len, int index, uint8_t *payload, size_t *plen)
{
	tw_ws_parser p;
	tw_ws_event ev;
	int seen = 0;
	tw_ws_parser_init(&p, TW_WS_ROLE_SERVER, 0);
	size_t pos = 0;
	while (pos < len) {
		pos += tw_ws_parse(&p, buf + pos, len - pos, &ev);
		if (ev.type == TW_WS_EV_ERROR)
			return -1;
		if (ev.type == TW_WS_EV_DATA || ev.type == TW_WS_EV_CONTROL) {
			if (seen++ == index) {
				memcpy(payload, ev.data, ev.len);
				*plen = ev.len;
				return ev.type == TW_WS_EV_CONTROL ? ev.opcode : ev.opcode;
			}
		}
	}
	return -1;
}

static void
test_request(void)
{
	tw_client c;
	uint8_t out[4096];
	char accept[29];
	setup(&c, 0, sizeof rxb);
	size_t n = drain_tx(&c, out, sizeof out - 1);
	out[n] = 0;
	accept_for(c.cfg.key, accept);
	CHECK(strncmp((char *)out, "GET /ws/btcusdt@trade HTTP/1.1\r\n", 32) == 0, "request line: %.40s", out);
	CHECK(strstr((char *)out, "\r\nHost: example.test:9443\r\n") != NULL, "host header");
	CHECK(strstr((char *)out, "\r\nSec-WebSocket-Key: AAECAwQFBgcICQoLDA0ODw==\r\n") != NULL, "key header");
	CHECK(strstr((char *)out, "\r\nSec-WebSocket-Version: 13\r\n") != NULL, "version header");
	CHECK(strstr((char *)out, "\r\nX-Api-Key: k\r\n\r\n") != NULL, "extra headers, then the blank line");
	CHECK(memcmp(c.accept, accept, 28) == 0, "expected accept");
	/* RFC 6455 §1.3 example: key dGhlIHNhbXBsZSBub25jZQ== -> s3pPLMBiTxaQ9kYGzzhZRbK+xOo= */
	uint8_t rfc_key[16];
	memcpy(rfc_key, "the sample nonce", 16);
	char req[512], acc[28];
	CHECK(tw_http_upgrade_request(req, sizeof req, "h", "/", NULL, NULL, rfc_key, acc) > 0
		&& memcmp(acc, "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=", 28) == 0, "RFC 6455 accept example");
	CHECK(tw_http_upgrade_request(req, sizeof req, "h\r\nEvil: 1", "/", NULL, NULL, rfc_key, acc) == TW_ERR_INVAL,
		"header injection through host refused");
	CHECK(tw_http_upgrade_request(req, sizeof req, "h", "/a b", NULL, NULL, rfc_key, acc) == TW_ERR_INVAL,
		"space in path refused");
	CHECK(tw_http_upgrade_request(req, 20, "h", "/", NULL, NULL, rfc_key, acc) == TW_ERR_BUFFER_TOO_SMALL,
		"small buffer");
}

/* Response head + messages + ping + fragmented message + close, at every chunk size. */
static void
test_session(size_t chunk)
{
	tw_client c;
	uint8_t out[1 << 16], stream[1 << 16];
	char accept[29];
	struct seen s;
	size_t n = 0;

	memset(&s, 0, sizeof s);
	setup(&c, 0, chunk < 64 ? 64 : sizeof rxb);
	drain_tx(&c, out, sizeof out);
	accept_for(c.cfg.key, accept);
	n += response_head((char *)stream, accept, "HTTP/1.1 101 Switching Protocols");
	/* message 1 arrives in the same read as the head */
	memcpy(stream + n, "\x81\x05hello", 7); n += 7;
	memcpy(stream + n, "\x82\x03\x01\x02\x03", 5); n += 5;
	memcpy(stream + n, "\x89\x04ping", 6); n += 6;
	memcpy(stream + n, "\x01\x03" "fra", 5); n += 5;           /* fragmented text ... */
	memcpy(stream + n, "\x8a\x00", 2); n += 2;                 /* ... with a pong in between */
	memcpy(stream + n, "\x80\x04" "gm\xc3\xa9", 6); n += 6;    /* ... "fragmé" */
	memcpy(stream + n, "\x81\x00", 2); n += 2;                 /* empty message */
	memcpy(stream + n, "\x88\x05\x03\xe8" "bye", 7); n += 7;   /* close 1000 "bye" */
	feed(&c, stream, n, chunk, &s);

	CHECK(s.open == 1, "chunk %zu: open %d", chunk, s.open);
	CHECK(s.nmsg == 4, "chunk %zu: %zu messages", chunk, s.nmsg);
	CHECK(s.lens[0] == 5 && memcmp(s.msgs[0], "hello", 5) == 0 && s.opcodes[0] == TW_WS_OP_TEXT, "chunk %zu: msg 0", chunk);
	CHECK(s.lens[1] == 3 && memcmp(s.msgs[1], "\x01\x02\x03", 3) == 0 && s.opcodes[1] == TW_WS_OP_BINARY, "chunk %zu: msg 1", chunk);
	CHECK(s.lens[2] == 7 && memcmp(s.msgs[2], "fragm\xc3\xa9", 7) == 0, "chunk %zu: reassembled msg", chunk);
	CHECK(s.lens[3] == 0, "chunk %zu: empty msg", chunk);
	CHECK(s.pings == 1 && s.pongs == 1, "chunk %zu: ping %d pong %d", chunk, s.pings, s.pongs);
	CHECK(s.closes == 1 && s.close_code == 1000 && s.errors == 0, "chunk %zu: close %d code %u errors %d", chunk, s.closes, s.close_code, s.errors);

	/* what went back: a pong with the ping's payload, then the close echo */
	size_t m = drain_tx(&c, out, sizeof out);
	uint8_t payload[256];
	size_t plen = 0;
	CHECK(client_frame(out, m, 0, payload, &plen) == TW_WS_OP_PONG && plen == 4 && memcmp(payload, "ping", 4) == 0,
		"chunk %zu: pong echoes the ping", chunk);
	CHECK(client_frame(out, m, 1, payload, &plen) == TW_WS_OP_CLOSE && plen == 2 && payload[0] == 0x03 && payload[1] == 0xe8,
		"chunk %zu: close echoes 1000", chunk);
	CHECK(tw_client_done(&c), "chunk %zu: done after the close handshake", chunk);
}

static int
run_failure(const char *head_status, const uint8_t *frames, size_t flen, int bad_accept, uint64_t max, struct seen *s, uint8_t *out, size_t *outlen)
{
	tw_client c;
	uint8_t stream[8192];
	char accept[29];
	memset(s, 0, sizeof *s);
	setup(&c, max, sizeof rxb);
	drain_tx(&c, out, 65536);
	accept_for(c.cfg.key, accept);
	if (bad_accept)
		accept[3] ^= 1;
	size_t n = response_head((char *)stream, accept, head_status);
	if (flen)
		memcpy(stream + n, frames, flen);
	feed(&c, stream, n + flen, 4096, s);
	*outlen = drain_tx(&c, out, 65536);
	return 0;
}

static void
test_failures(void)
{
	struct seen s;
	static uint8_t out[65536];
	size_t outlen;
	uint8_t payload[256];
	size_t plen;

	run_failure("HTTP/1.1 403 Forbidden", NULL, 0, 0, 0, &s, out, &outlen);
	CHECK(s.errors == 1 && s.error_status == TW_ERR_HTTP_STATUS && s.open == 0, "403 -> HTTP_STATUS (%d)", s.error_status);
	run_failure("HTTP/1.1 101 Switching Protocols", NULL, 0, 1, 0, &s, out, &outlen);
	CHECK(s.errors == 1 && s.error_status == TW_ERR_HTTP_BAD_ACCEPT, "wrong accept -> HTTP_BAD_ACCEPT (%d)", s.error_status);
	run_failure("garbage", NULL, 0, 0, 0, &s, out, &outlen);
	CHECK(s.errors == 1 && s.error_status == TW_ERR_HTTP_BAD_RESPONSE, "garbage -> HTTP_BAD_RESPONSE (%d)", s.error_status);

	/* protocol errors after open: the bad message is never delivered, and a close with the code goes out */
	static const struct { const char *bytes; size_t len; int status; unsigned code; } cases[] = {
		{ "\x81\x02ok\xc1\x00", 6, TW_ERR_WS_RSV, 1002 },
		{ "\x81\x02ok\x83\x00", 6, TW_ERR_WS_OPCODE, 1002 },
		{ "\x81\x02ok\x81\x82\x00\x00\x00\x00ab", 10, TW_ERR_WS_MASKED, 1002 },
		{ "\x81\x02ok\x81\x02\xc3\x28", 8, TW_ERR_WS_INVALID_UTF8, 1007 },
		{ "\x81\x02ok\x82\x7e\x01\x00", 8, TW_ERR_WS_TOO_BIG, 1009 },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		run_failure("HTTP/1.1 101 Switching Protocols", (const uint8_t *)cases[i].bytes, cases[i].len, 0, 100, &s, out, &outlen);
		CHECK(s.open == 1 && s.nmsg == 1 && s.lens[0] == 2, "case %zu: the good message before the bad one is delivered", i);
		CHECK(s.errors == 1 && s.error_status == cases[i].status && s.error_code == cases[i].code,
			"case %zu: status %d code %u", i, s.error_status, s.error_code);
		CHECK(client_frame(out, outlen, 0, payload, &plen) == TW_WS_OP_CLOSE && plen == 2
			&& ((unsigned)payload[0] << 8 | payload[1]) == cases[i].code, "case %zu: close frame with the code sent", i);
	}
}

static void
test_eof_and_send(void)
{
	tw_client c;
	uint8_t out[65536], stream[4096], payload[300];
	char accept[29];
	struct seen s;
	size_t plen;

	memset(&s, 0, sizeof s);
	setup(&c, 0, sizeof rxb);
	CHECK(tw_client_send(&c, TW_WS_OP_TEXT, (const uint8_t *)"x", 1) == TW_ERR_INVAL, "send before open refused");
	drain_tx(&c, out, sizeof out);
	accept_for(c.cfg.key, accept);
	size_t n = response_head((char *)stream, accept, "HTTP/1.1 101 Switching Protocols");
	feed(&c, stream, n, 4096, &s);
	CHECK(s.open == 1, "open");
	uint8_t big[300];
	for (int i = 0; i < 300; i++)
		big[i] = (uint8_t)i;
	CHECK(tw_client_send(&c, TW_WS_OP_BINARY, big, sizeof big) == TW_OK, "send");
	CHECK(tw_client_send(&c, TW_WS_OP_PING, big, 126) == TW_ERR_INVAL, "oversized ping refused");
	size_t m = drain_tx(&c, out, sizeof out);
	CHECK(client_frame(out, m, 0, payload, &plen) == TW_WS_OP_BINARY && plen == 300 && memcmp(payload, big, 300) == 0,
		"sent frame is masked and parses back");
	CHECK(memcmp(out + 4, out + 8, 4) != 0 || memcmp(out + 8, big, 4) != 0, "payload is masked on the wire");
	/* the peer drops TCP without a close frame */
	uint8_t *dst;
	size_t room;
	CHECK(tw_client_rx_buf(&c, &dst, &room) == 1, "rx available");
	tw_client_rx_done(&c, 0);
	tw_client_event ev;
	CHECK(tw_client_next_event(&c, &ev) == TW_CLIENT_CLOSE && ev.code == 1006, "EOF -> close 1006");
	CHECK(tw_client_send(&c, TW_WS_OP_TEXT, (const uint8_t *)"x", 1) == TW_ERR_CONN_CLOSED, "send after close refused");

	/* masks differ frame to frame */
	setup(&c, 0, sizeof rxb);
	drain_tx(&c, out, sizeof out);
	feed(&c, stream, n, 4096, &s);
	uint8_t keys[64][4];
	for (int i = 0; i < 64; i++) {
		tw_client_send(&c, TW_WS_OP_TEXT, (const uint8_t *)"a", 1);
		size_t k = drain_tx(&c, out, sizeof out);
		memcpy(keys[i], out + k - 5, 4);
	}
	int distinct = 1;
	for (int i = 0; i < 64; i++)
		for (int j = i + 1; j < 64; j++)
			if (memcmp(keys[i], keys[j], 4) == 0)
				distinct = 0;
	CHECK(distinct, "64 frames, 64 different mask keys");
}

/* Raw mode: a plain byte stream, no upgrade and no frames (e.g. IB TWS over TCP). */
static void
test_raw(void)
{
	tw_client c;
	tw_client_config cfg;
	tw_client_buffers b = { rxb, sizeof rxb, txb, 64, msgb, sizeof msgb, headb };
	uint8_t out[256], data[40];
	const uint8_t *p;
	size_t len;
	struct seen s;

	memset(&cfg, 0, sizeof cfg);
	cfg.raw = 1;
	CHECK(tw_client_init(&c, &cfg, &b) == TW_OK, "raw init needs no host or path");
	CHECK(!tw_client_tx_buf(&c, &p, &len), "raw: nothing queued at start (no upgrade request)");
	CHECK(tw_client_send(&c, TW_WS_OP_TEXT, (const uint8_t *)"API", 3) == TW_OK, "raw: bytes may be queued before open");
	tw_client_event ev;
	CHECK(tw_client_next_event(&c, &ev) == TW_CLIENT_OPEN, "raw: OPEN on the first pull (TCP is up)");
	CHECK(tw_client_next_event(&c, &ev) == TW_CLIENT_NONE, "raw: then nothing");
	CHECK(tw_client_send(&c, TW_WS_OP_PING, (const uint8_t *)"\0\1", 2) == TW_OK, "raw: opcode is ignored");
	size_t n = drain_tx(&c, out, sizeof out);
	CHECK(n == 5 && memcmp(out, "API\0\1", 5) == 0, "raw: bytes go out as they are, in order");
	CHECK(tw_client_send(&c, 0, out, 65) == TW_ERR_CONN_BACKPRESSURE, "raw: more than tx holds -> backpressure");

	memset(&s, 0, sizeof s);
	for (int i = 0; i < 40; i++)
		data[i] = (uint8_t)(i * 3);
	feed(&c, data, sizeof data, 7, &s);
	CHECK(s.nmsg == 6 && s.lens[0] == 7 && s.lens[5] == 5, "raw: each read is one chunk event (%zu)", s.nmsg);
	uint8_t joined[40];
	size_t at = 0;
	for (size_t i = 0; i < s.nmsg && i < 6; i++) {
		memcpy(joined + at, s.msgs[i], s.lens[i]);
		at += s.lens[i];
		CHECK(s.opcodes[i] == TW_WS_OP_BINARY, "raw: chunks are binary");
	}
	CHECK(at == 40 && memcmp(joined, data, 40) == 0, "raw: chunks concatenate to the stream");
	CHECK(s.open == 0 && s.errors == 0 && s.closes == 0, "raw: no other events");

	/* close: queued bytes still go out, then the client is done */
	CHECK(tw_client_send(&c, 0, (const uint8_t *)"bye", 3) == TW_OK, "raw: send before close");
	CHECK(tw_client_close(&c, 0, NULL, 0) == TW_OK, "raw: close");
	CHECK(!tw_client_done(&c), "raw: not done while bytes are queued");
	CHECK(tw_client_send(&c, 0, (const uint8_t *)"x", 1) == TW_ERR_CONN_CLOSED, "raw: send after close refused");
	n = drain_tx(&c, out, sizeof out);
	CHECK(n == 3 && memcmp(out, "bye", 3) == 0, "raw: queued bytes flushed on close");
	CHECK(tw_client_done(&c), "raw: done once flushed");

	/* the peer closes TCP */
	tw_client_init(&c, &cfg, &b);
	tw_client_next_event(&c, &ev);
	uint8_t *dst;
	size_t room;
	CHECK(tw_client_rx_buf(&c, &dst, &room) == 1, "raw: rx available");
	tw_client_rx_done(&c, 0);
	CHECK(tw_client_next_event(&c, &ev) == TW_CLIENT_CLOSE && ev.code == 1006, "raw: EOF -> CLOSE");
	CHECK(tw_client_done(&c), "raw: done after EOF");
}

int
main(void)
{
	test_raw();
	test_request();
	static const size_t chunks[] = { 1, 2, 3, 5, 7, 13, 64, 4096 };
	for (size_t i = 0; i < sizeof chunks / sizeof chunks[0]; i++)
		test_session(chunks[i]);
	test_failures();
	test_eof_and_send();
	return test_summary("test_client");
}
