/*
 * test_ws_parse — the frame parser: RFC 6455 §5.7 examples, every input fed whole, split in two
 * at every position, byte at a time and in random chunks (each chunk in its own exact-size
 * allocation, so a sanitizer build catches any read past a chunk) with the same messages out,
 * every protocol error with its status and close code, fragmentation with interleaved control
 * frames, close frames, max_message, and a round trip through tw_ws_write_frame.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tw_ws.h"

#include "test_util.h"

static void *
xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	if (p == NULL) {
		fprintf(stderr, "out of memory\n");
		exit(2);
	}
	return p;
}

/* ---- growable byte buffer ------------------------------------------------------------ */
struct buf {
	uint8_t *b;
	size_t n, cap;
};

static void
buf_put(struct buf *b, const void *p, size_t n)
{
	if (b->n + n > b->cap) {
		size_t cap = b->cap ? b->cap : 256;
		while (cap < b->n + n)
			cap *= 2;
		b->b = realloc(b->b, cap);
		if (b->b == NULL) {
			fprintf(stderr, "out of memory\n");
			exit(2);
		}
		b->cap = cap;
	}
	if (n)
		memcpy(b->b + b->n, p, n);
	b->n += n;
}

static void
buf_byte(struct buf *b, unsigned v)
{
	uint8_t c = (uint8_t)v;
	buf_put(b, &c, 1);
}

static void
buf_u64(struct buf *b, uint64_t v)
{
	buf_put(b, &v, sizeof v);
}

static void
buf_free(struct buf *b)
{
	free(b->b);
	memset(b, 0, sizeof *b);
}

/*
 * Transcript: what the caller observed, in order. Completed messages ('M' op len bytes) and
 * control frames ('C' op code len bytes); pieces of a message that never completes are not in it
 * (a split input may show more of those before an error than a whole one).
 */
static void
tr_msg(struct buf *t, int op, const void *p, size_t n)
{
	buf_byte(t, 'M');
	buf_byte(t, (unsigned)op);
	buf_u64(t, n);
	buf_put(t, p, n);
}

static void
tr_ctl(struct buf *t, int op, unsigned code, const void *p, size_t n)
{
	buf_byte(t, 'C');
	buf_byte(t, (unsigned)op);
	buf_u64(t, code);
	buf_u64(t, n);
	buf_put(t, p, n);
}

/* ---- the driver -------------------------------------------------------------------- */
struct run {
	struct buf tr;       /* transcript */
	struct buf msg;      /* message being reassembled */
	int in_msg, msg_op;
	tw_utf8_ctx msg_utf8;
	int status;          /* final error (0 = none) */
	int violations;      /* broken invariants */
	const char *why;     /* first one */
	size_t ndata, nctl;  /* event counts */
	size_t consumed;     /* total consumed */
};

static void
violation(struct run *r, const char *why)
{
	if (r->violations++ == 0)
		r->why = why;
}

static void
run_free(struct run *r)
{
	buf_free(&r->tr);
	buf_free(&r->msg);
}

/* Handles one event from a call that consumed `n` bytes of chunk[off..clen). */
static void
on_event(struct run *r, tw_ws_parser *p, const tw_ws_event *ev, const uint8_t *chunk, size_t off,
	size_t n)
{
	if ((ev->type == TW_WS_EV_DATA || ev->type == TW_WS_EV_CONTROL) && n == 0)
		violation(r, "event from a call that consumed nothing");
	switch (ev->type) {
	case TW_WS_EV_DATA:
		r->ndata++;
		if (ev->opcode != TW_WS_OP_TEXT && ev->opcode != TW_WS_OP_BINARY)
			violation(r, "DATA opcode");
		if (ev->data < chunk + off || ev->len > n || ev->data + ev->len > chunk + off + n)
			violation(r, "DATA outside the consumed bytes");
		if (ev->first != !r->in_msg)
			violation(r, "DATA first flag");
		if (ev->first) {
			r->in_msg = 1;
			r->msg_op = ev->opcode;
			r->msg.n = 0;
			tw_utf8_init(&r->msg_utf8);
		} else if (ev->opcode != r->msg_op) {
			violation(r, "DATA opcode changed within a message");
		}
		buf_put(&r->msg, ev->data, ev->len);
		if (ev->opcode == TW_WS_OP_TEXT) {
			if (tw_utf8_update(&r->msg_utf8, ev->data, ev->len) != TW_OK)
				violation(r, "invalid UTF-8 delivered");
			if (ev->fin && tw_utf8_finish(&r->msg_utf8) != TW_OK)
				violation(r, "text message completed mid-sequence");
		}
		if (ev->fin) {
			tr_msg(&r->tr, r->msg_op, r->msg.b, r->msg.n);
			r->in_msg = 0;
		}
		break;
	case TW_WS_EV_CONTROL:
		r->nctl++;
		if (ev->data != p->ctl || ev->len > TW_WS_MAX_CONTROL_LEN)
			violation(r, "CONTROL data");
		if (ev->opcode == TW_WS_OP_CLOSE) {
			unsigned want = ev->len >= 2 ? ((unsigned)ev->data[0] << 8 | ev->data[1]) : 1005;
			if (ev->close_code != want || ev->len == 1)
				violation(r, "close code");
		} else if (ev->opcode != TW_WS_OP_PING && ev->opcode != TW_WS_OP_PONG) {
			violation(r, "CONTROL opcode");
		}
		tr_ctl(&r->tr, ev->opcode, ev->close_code, ev->data, ev->len);
		break;
	case TW_WS_EV_ERROR:
		r->status = ev->status;
		if (ev->status >= 0 || ev->close_code != tw_ws_close_code_for(ev->status))
			violation(r, "ERROR event fields");
		break;
	case TW_WS_EV_NONE:
		break;
	default:
		violation(r, "event type");
	}
}

/*
 * Feeds in[0..len) through a fresh parser, cut at cuts[0..ncuts) (ascending, each <= len). Each
 * chunk is copied into an allocation of exactly its size (the parser unmasks in place, and a
 * sanitizer build then catches reads past the chunk).
 */
static void
run_input(struct run *r, int role, uint64_t max, const uint8_t *in, size_t len, const size_t *cuts,
	size_t ncuts)
{
	tw_ws_parser p;
	tw_ws_event ev, ev2;
	size_t c, prev = 0, n;

	r->tr.n = 0;
	r->msg.n = 0;
	r->in_msg = 0;
	r->status = 0;
	r->violations = 0;
	r->why = NULL;
	r->ndata = r->nctl = r->consumed = 0;
	tw_ws_parser_init(&p, role, max);
	for (c = 0; c <= ncuts && r->status == 0; c++) {
		size_t end = c < ncuts ? cuts[c] : len;
		size_t clen = end - prev, off = 0;
		uint8_t *chunk = xmalloc(clen);

		memcpy(chunk, in + prev, clen);
		prev = end;
		for (;;) {
			n = tw_ws_parse(&p, chunk + off, clen - off, &ev);
			if (n > clen - off) {
				violation(r, "consumed more than given");
				n = clen - off;
			}
			on_event(r, &p, &ev, chunk, off, n);
			off += n;
			r->consumed += n;
			if (ev.type == TW_WS_EV_ERROR) {
				n = tw_ws_parse(&p, chunk + off, clen - off, &ev2);
				if (n != 0 || ev2.type != ev.type || ev2.status != ev.status
					|| ev2.close_code != ev.close_code)
				{
					violation(r, "error not sticky");
				}
				break;
			}
			if (ev.type == TW_WS_EV_NONE) {
				if (off != clen)
					violation(r, "NONE before the input ran out");
				break;
			}
		}
		free(chunk);
	}
	if (r->status == 0) {
		n = tw_ws_parse(&p, NULL, 0, &ev);
		if (n != 0 || ev.type != TW_WS_EV_NONE)
			violation(r, "empty call");
	} else {
		uint8_t more[2] = { 0x81, 0x00 };
		n = tw_ws_parse(&p, more, 2, &ev);
		if (n != 0 || ev.type != TW_WS_EV_ERROR || ev.status != r->status)
			violation(r, "error not sticky after new input");
	}
}

static int
run_matches(const struct run *r, const struct buf *want, int status)
{
	return r->violations == 0 && r->status == status && r->tr.n == want->n
		&& (want->n == 0 || memcmp(r->tr.b, want->b, want->n) == 0);
}

static void
report_mismatch(const char *name, const char *how, const struct run *r, int status)
{
	printf("  %s [%s]: status %d (want %d), %d violations%s%s, transcript %zu bytes\n",
		name, how, r->status, status, r->violations, r->why ? ": " : "", r->why ? r->why : "",
		r->tr.n);
}

/*
 * The input must give transcript `want` and final status `status` however it is cut: whole, in
 * two at every position, byte at a time, and in random chunks.
 */
static void
check_splits_stride(const char *name, int role, uint64_t max, const uint8_t *in, size_t len,
	const struct buf *want, int status, size_t stride)
{
	struct run r;
	size_t k, *cuts;
	int bad = 0;
	char what[200];

	memset(&r, 0, sizeof r);
	run_input(&r, role, max, in, len, NULL, 0);
	if (!run_matches(&r, want, status)) {
		bad++;
		report_mismatch(name, "whole", &r, status);
	}
	for (k = 0; k <= len; k++) {
		if (stride > 1 && k > 64 && len - k > 64 && k % stride != 0)
			continue;
		run_input(&r, role, max, in, len, &k, 1);
		if (!run_matches(&r, want, status)) {
			if (bad++ < 3) {
				snprintf(what, sizeof what, "split at %zu", k);
				report_mismatch(name, what, &r, status);
			}
		}
	}
	cuts = xmalloc((len + 1) * sizeof *cuts);
	for (k = 0; k + 1 < len; k++)
		cuts[k] = k + 1;
	run_input(&r, role, max, in, len, cuts, len ? len - 1 : 0);
	if (!run_matches(&r, want, status)) {
		bad++;
		report_mismatch(name, "byte at a time", &r, status);
	}
	for (k = 0; k < 40; k++) {
		size_t nc = 0, pos = 0;
		while (nc < len) {
			pos += 1 + test_rng_below(k < 20 ? 4 : 300);
			if (pos >= len)
				break;
			cuts[nc++] = pos;
		}
		run_input(&r, role, max, in, len, cuts, nc);
		if (!run_matches(&r, want, status)) {
			if (bad++ < 3)
				report_mismatch(name, "random chunks", &r, status);
		}
	}
	free(cuts);
	run_free(&r);
	CHECK(bad == 0, "%s: same result whole, split anywhere, bytewise, random chunks", name);
}

static void
check_splits(const char *name, int role, uint64_t max, const uint8_t *in, size_t len,
	const struct buf *want, int status)
{
	check_splits_stride(name, role, max, in, len, want, status, 1);
}

/* Frame builder for the tests (independent of frame.c): minimal length, optional mask. */
static void
frame(struct buf *b, unsigned b0, const void *payload, size_t n, const uint8_t *mask)
{
	const uint8_t *pl = payload;
	uint8_t mbit = mask ? 0x80 : 0;
	size_t i;

	buf_byte(b, b0);
	if (n <= 125) {
		buf_byte(b, mbit | (unsigned)n);
	} else if (n <= 65535) {
		buf_byte(b, mbit | 126);
		buf_byte(b, (unsigned)(n >> 8));
		buf_byte(b, (unsigned)n);
	} else {
		buf_byte(b, mbit | 127);
		for (i = 0; i < 8; i++)
			buf_byte(b, (unsigned)((uint64_t)n >> (56 - 8 * i)));
	}
	if (mask)
		buf_put(b, mask, 4);
	for (i = 0; i < n; i++)
		buf_byte(b, pl[i] ^ (mask ? mask[i & 3] : 0));
}

static const uint8_t rfc_key[4] = { 0x37, 0xfa, 0x21, 0x3d };
static const uint8_t key2[4] = { 0xA5, 0x00, 0xFF, 0x5A };

#define S(lit) (const uint8_t *)(lit), (sizeof(lit) - 1)

/* ---- RFC 6455 §5.7 ---------------------------------------------------------------------- */
static void
test_rfc_examples(void)
{
	static const uint8_t hello[] = { 0x81, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f };
	static const uint8_t hello_masked[] = {
		0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58
	};
	static const uint8_t frag[] = { 0x01, 0x03, 0x48, 0x65, 0x6c, 0x80, 0x02, 0x6c, 0x6f };
	static const uint8_t ping[] = { 0x89, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f };
	static const uint8_t pong_masked[] = {
		0x8a, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58
	};
	struct buf want = { 0 }, in = { 0 }, all = { 0 }, allwant = { 0 };
	uint8_t *payload = xmalloc(65536);
	size_t i;

	for (i = 0; i < 65536; i++)
		payload[i] = (uint8_t)(test_rng() >> 32);

	tr_msg(&want, TW_WS_OP_TEXT, "Hello", 5);
	check_splits("RFC unmasked text Hello", TW_WS_ROLE_CLIENT, 0, hello, sizeof hello, &want, 0);
	check_splits("RFC masked text Hello (server)", TW_WS_ROLE_SERVER, 0, hello_masked, sizeof hello_masked,
		&want, 0);
	check_splits("RFC fragmented Hel + lo", TW_WS_ROLE_CLIENT, 0, frag, sizeof frag, &want, 0);

	want.n = 0;
	tr_ctl(&want, TW_WS_OP_PING, 0, "Hello", 5);
	check_splits("RFC unmasked ping", TW_WS_ROLE_CLIENT, 0, ping, sizeof ping, &want, 0);
	want.n = 0;
	tr_ctl(&want, TW_WS_OP_PONG, 0, "Hello", 5);
	check_splits("RFC masked pong (server)", TW_WS_ROLE_SERVER, 0, pong_masked, sizeof pong_masked, &want, 0);

	/* 256 bytes binary, 16-bit length: 0x82 0x7E 0x0100 */
	buf_put(&in, "\x82\x7E\x01\x00", 4);
	buf_put(&in, payload, 256);
	want.n = 0;
	tr_msg(&want, TW_WS_OP_BINARY, payload, 256);
	check_splits("RFC 256-byte binary", TW_WS_ROLE_CLIENT, 0, in.b, in.n, &want, 0);
	in.n = 0;
	frame(&in, 0x82, payload, 256, rfc_key);
	check_splits("256-byte binary masked (server)", TW_WS_ROLE_SERVER, 0, in.b, in.n, &want, 0);

	/* 64 KiB binary, 64-bit length: 0x82 0x7F 0x0000000000010000 */
	in.n = 0;
	buf_put(&in, "\x82\x7F\x00\x00\x00\x00\x00\x01\x00\x00", 10);
	buf_put(&in, payload, 65536);
	want.n = 0;
	tr_msg(&want, TW_WS_OP_BINARY, payload, 65536);
	check_splits("RFC 64 KiB binary", TW_WS_ROLE_CLIENT, 0, in.b, in.n, &want, 0);
	in.n = 0;
	frame(&in, 0x82, payload, 65536, key2);
	/* (every 7th split past the first and last 64 bytes: the 256-byte case covers every offset) */
	check_splits_stride("64 KiB binary masked (server)", TW_WS_ROLE_SERVER, 0, in.b, in.n, &want, 0, 7);

	/* all the client-side examples back to back */
	buf_put(&all, hello, sizeof hello);
	tr_msg(&allwant, TW_WS_OP_TEXT, "Hello", 5);
	buf_put(&all, ping, sizeof ping);
	tr_ctl(&allwant, TW_WS_OP_PING, 0, "Hello", 5);
	buf_put(&all, frag, sizeof frag);
	tr_msg(&allwant, TW_WS_OP_TEXT, "Hello", 5);
	buf_put(&all, "\x82\x7E\x01\x00", 4);
	buf_put(&all, payload, 256);
	tr_msg(&allwant, TW_WS_OP_BINARY, payload, 256);
	buf_put(&all, hello, sizeof hello);
	tr_msg(&allwant, TW_WS_OP_TEXT, "Hello", 5);
	check_splits("RFC examples back to back", TW_WS_ROLE_CLIENT, 0, all.b, all.n, &allwant, 0);

	buf_free(&want);
	buf_free(&in);
	buf_free(&all);
	buf_free(&allwant);
	free(payload);
}

/* ---- event-level behaviour --------------------------------------------------------------- */
static void
test_hot_path(void)
{
	tw_ws_parser p;
	tw_ws_event ev;
	uint8_t in[11] = { 0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58 };
	uint8_t two[14] = { 0x81, 0x05, 'H', 'e', 'l', 'l', 'o', 0x82, 0x05, 'w', 'o', 'r', 'l', 'd' };
	static const uint8_t zero_hdr[TW_WS_MAX_HEADER_LEN];
	struct buf big = { 0 };
	uint8_t *payload = xmalloc(70000);
	size_t n;

	tw_ws_parser_init(&p, TW_WS_ROLE_SERVER, 0);
	n = tw_ws_parse(&p, in, sizeof in, &ev);
	CHECK(n == 11 && ev.type == TW_WS_EV_DATA && ev.opcode == TW_WS_OP_TEXT && ev.first && ev.fin
		&& ev.data == in + 6 && ev.len == 5 && memcmp(in + 6, "Hello", 5) == 0,
		"whole masked frame: one DATA event, unmasked in place, pointing into the input");
	CHECK(p.hdr_len == 0 && memcmp(p.hdr, zero_hdr, sizeof zero_hdr) == 0,
		"whole frame: header decoded from the input, hdr[] untouched");

	tw_ws_parser_init(&p, TW_WS_ROLE_CLIENT, 0);
	n = tw_ws_parse(&p, two, sizeof two, &ev);
	CHECK(n == 7 && ev.type == TW_WS_EV_DATA && ev.data == two + 2 && ev.len == 5 && ev.fin,
		"two frames: first call returns the first only");
	n = tw_ws_parse(&p, two + 7, sizeof two - 7, &ev);
	CHECK(n == 7 && ev.type == TW_WS_EV_DATA && ev.opcode == TW_WS_OP_BINARY && ev.data == two + 9
		&& ev.len == 5 && ev.first && ev.fin, "two frames: second call returns the second");
	n = tw_ws_parse(&p, two + 14, 0, &ev);
	CHECK(n == 0 && ev.type == TW_WS_EV_NONE, "nothing left: NONE");

	memset(payload, 'q', 70000);
	frame(&big, 0x82, payload, 70000, rfc_key);
	tw_ws_parser_init(&p, TW_WS_ROLE_SERVER, 0);
	n = tw_ws_parse(&p, big.b, big.n, &ev);
	CHECK(n == big.n && ev.type == TW_WS_EV_DATA && ev.len == 70000 && ev.data == big.b + 14
		&& ev.first && ev.fin && memcmp(ev.data, payload, 70000) == 0,
		"whole 70000-byte masked frame: one DATA event");

	/* header whole, payload in pieces: pieces unmask with the running key offset */
	tw_ws_parser_init(&p, TW_WS_ROLE_SERVER, 0);
	big.n = 0;
	frame(&big, 0x82, payload, 70000, rfc_key);
	n = tw_ws_parse(&p, big.b, 14 + 3, &ev);
	CHECK(n == 17 && ev.type == TW_WS_EV_DATA && ev.len == 3 && ev.first && !ev.fin
		&& memcmp(ev.data, "qqq", 3) == 0, "partial payload: first piece");
	n = tw_ws_parse(&p, big.b + 17, 5, &ev);
	CHECK(n == 5 && ev.type == TW_WS_EV_DATA && ev.len == 5 && !ev.first && !ev.fin
		&& memcmp(ev.data, "qqqqq", 5) == 0, "partial payload: middle piece at offset 3");
	n = tw_ws_parse(&p, big.b + 22, big.n - 22, &ev);
	CHECK(n == big.n - 22 && ev.type == TW_WS_EV_DATA && ev.len == 70000 - 8 && !ev.first && ev.fin
		&& memcmp(ev.data, payload, 70000 - 8) == 0, "partial payload: last piece");

	/* header split: NONE until the header is whole, then the payload */
	tw_ws_parser_init(&p, TW_WS_ROLE_CLIENT, 0);
	n = tw_ws_parse(&p, (uint8_t *)two, 1, &ev);
	CHECK(n == 1 && ev.type == TW_WS_EV_NONE, "one header byte: NONE, consumed");
	n = tw_ws_parse(&p, (uint8_t *)two + 1, 1, &ev);
	CHECK(n == 1 && ev.type == TW_WS_EV_NONE, "second header byte: NONE, consumed");
	n = tw_ws_parse(&p, (uint8_t *)two + 2, 5, &ev);
	CHECK(n == 5 && ev.type == TW_WS_EV_DATA && ev.data == two + 2 && ev.len == 5 && ev.first && ev.fin,
		"payload after a split header");

	buf_free(&big);
	free(payload);
}

static void
test_empty(void)
{
	tw_ws_parser p;
	tw_ws_event ev;
	uint8_t e1[2] = { 0x81, 0x00 };
	uint8_t e2[4] = { 0x02, 0x00, 0x80, 0x00 };
	uint8_t e3[9] = { 0x02, 0x00, 0x00, 0x03, 'a', 'b', 'c', 0x80, 0x00 };
	uint8_t e4[6] = { 0x82, 0x80, 1, 2, 3, 4 };
	struct buf want = { 0 };
	size_t n;

	tw_ws_parser_init(&p, TW_WS_ROLE_CLIENT, 0);
	n = tw_ws_parse(&p, e1, 2, &ev);
	CHECK(n == 2 && ev.type == TW_WS_EV_DATA && ev.opcode == TW_WS_OP_TEXT && ev.first && ev.fin
		&& ev.len == 0 && ev.data != NULL, "empty text frame: one DATA event, len 0, first and fin");

	tw_ws_parser_init(&p, TW_WS_ROLE_CLIENT, 0);
	n = tw_ws_parse(&p, e2, 4, &ev);
	if (ev.type == TW_WS_EV_DATA && !ev.fin) {
		CHECK(n == 2 && ev.first && ev.len == 0, "empty non-final fragment: DATA first, len 0");
		n = tw_ws_parse(&p, e2 + 2, 2, &ev);
		CHECK(n == 2 && ev.type == TW_WS_EV_DATA && !ev.first && ev.fin && ev.len == 0,
			"empty final fragment: DATA fin, len 0");
	} else {
		CHECK(n == 4 && ev.type == TW_WS_EV_DATA && ev.first && ev.fin && ev.len == 0,
			"empty fragmented message: one DATA event");
	}

	tr_msg(&want, TW_WS_OP_BINARY, "", 0);
	check_splits("empty fragments", TW_WS_ROLE_CLIENT, 0, e2, sizeof e2, &want, 0);
	want.n = 0;
	tr_msg(&want, TW_WS_OP_BINARY, "abc", 3);
	check_splits("empty first and last fragments", TW_WS_ROLE_CLIENT, 0, e3, sizeof e3, &want, 0);
	want.n = 0;
	tr_msg(&want, TW_WS_OP_BINARY, "", 0);
	check_splits("empty masked frame (server)", TW_WS_ROLE_SERVER, 0, e4, sizeof e4, &want, 0);

	/* the closing empty FIN frame reports fin = 1 */
	tw_ws_parser_init(&p, TW_WS_ROLE_CLIENT, 0);
	n = tw_ws_parse(&p, e3, 2, &ev);
	n += tw_ws_parse(&p, e3 + n, sizeof e3 - n, &ev);
	CHECK(n == 7 && ev.type == TW_WS_EV_DATA && !ev.fin && ev.len == 3, "middle fragment not fin");
	n = tw_ws_parse(&p, e3 + 7, 2, &ev);
	CHECK(n == 2 && ev.type == TW_WS_EV_DATA && !ev.first && ev.fin && ev.len == 0,
		"empty FIN frame closing a message: DATA len 0, fin 1");
	buf_free(&want);
}

/* ---- protocol errors ------------------------------------------------------------------- */

/*
 * `in` must fail with `status` (and its close code) however it is cut, after delivering `want`
 * (NULL: nothing); and the first `detect_at` bytes alone must already fail (the error is found
 * as soon as the offending byte or header is seen, not later).
 */
static void
err_case(const char *name, int role, uint64_t max, const uint8_t *in, size_t len, size_t detect_at,
	const struct buf *want, int status, unsigned close_code)
{
	static const struct buf none = { 0 };
	struct run r;

	if (want == NULL)
		want = &none;
	CHECK(tw_ws_close_code_for(status) == close_code, "%s: close code %u", name, close_code);
	check_splits(name, role, max, in, len, want, status);
	memset(&r, 0, sizeof r);
	run_input(&r, role, max, in, detect_at, NULL, 0);
	CHECK(r.status == status && r.violations == 0, "%s: found within the first %zu bytes", name,
		detect_at);
	run_free(&r);
}

static void
test_errors(void)
{
	static const uint8_t m[4] = { 1, 2, 3, 4 };
	struct buf b = { 0 }, want = { 0 };
	unsigned op;
	char name[64];

	/* RSV bits */
	err_case("RSV1", TW_WS_ROLE_CLIENT, 0, S("\xC1\x01" "a"), 1, NULL, TW_ERR_WS_RSV, 1002);
	err_case("RSV2", TW_WS_ROLE_CLIENT, 0, S("\xA1\x01" "a"), 1, NULL, TW_ERR_WS_RSV, 1002);
	err_case("RSV3", TW_WS_ROLE_CLIENT, 0, S("\x91\x01" "a"), 1, NULL, TW_ERR_WS_RSV, 1002);
	err_case("RSV on ping", TW_WS_ROLE_CLIENT, 0, S("\xC9\x00"), 1, NULL, TW_ERR_WS_RSV, 1002);
	err_case("RSV on continuation", TW_WS_ROLE_CLIENT, 0, S("\x01\x01" "a" "\xC0\x01" "b"), 4, NULL,
		TW_ERR_WS_RSV, 1002);

	/* reserved opcodes, with and without FIN */
	for (op = 0; op < 16; op++) {
		uint8_t f[3];
		if (op <= 2 || (op >= 8 && op <= 10))
			continue;
		f[0] = (uint8_t)(0x80 | op);
		f[1] = 0x01;
		f[2] = 'x';
		snprintf(name, sizeof name, "reserved opcode 0x%X", op);
		err_case(name, TW_WS_ROLE_CLIENT, 0, f, 3, 1, NULL, TW_ERR_WS_OPCODE, 1002);
		f[0] = (uint8_t)op;
		snprintf(name, sizeof name, "reserved opcode 0x%X, FIN 0", op);
		err_case(name, TW_WS_ROLE_CLIENT, 0, f, 3, 1, NULL, TW_ERR_WS_OPCODE, 1002);
	}

	/* control frames */
	err_case("fragmented ping", TW_WS_ROLE_CLIENT, 0, S("\x09\x00"), 1, NULL, TW_ERR_WS_CONTROL_FRAGMENTED, 1002);
	err_case("fragmented pong", TW_WS_ROLE_CLIENT, 0, S("\x0A\x01" "a"), 1, NULL,
		TW_ERR_WS_CONTROL_FRAGMENTED, 1002);
	err_case("fragmented close", TW_WS_ROLE_CLIENT, 0, S("\x08\x02\x03\xE8"), 1, NULL,
		TW_ERR_WS_CONTROL_FRAGMENTED, 1002);
	b.n = 0;
	{
		uint8_t pl[126];
		memset(pl, 'p', sizeof pl);
		frame(&b, 0x89, pl, 126, NULL);
		err_case("ping with 126 bytes", TW_WS_ROLE_CLIENT, 0, b.b, b.n, 2, NULL,
			TW_ERR_WS_CONTROL_TOO_BIG, 1002);
		b.n = 0;
		frame(&b, 0x8A, pl, 126, m);
		err_case("masked pong with 126 bytes (server)", TW_WS_ROLE_SERVER, 0, b.b, b.n, 2, NULL,
			TW_ERR_WS_CONTROL_TOO_BIG, 1002);
		err_case("close with 64-bit length", TW_WS_ROLE_CLIENT, 0,
			S("\x88\x7F\x00\x00\x00\x00\x00\x00\x00\x02\x03\xE8"), 2, NULL,
			TW_ERR_WS_CONTROL_TOO_BIG, 1002);
		err_case("ping with non-minimal 16-bit length 5", TW_WS_ROLE_CLIENT, 0,
			S("\x89\x7E\x00\x05" "hello"), 2, NULL, TW_ERR_WS_CONTROL_TOO_BIG, 1002);
		/* 125 is fine */
		b.n = 0;
		want.n = 0;
		frame(&b, 0x89, pl, 125, NULL);
		tr_ctl(&want, TW_WS_OP_PING, 0, pl, 125);
		check_splits("ping with 125 bytes", TW_WS_ROLE_CLIENT, 0, b.b, b.n, &want, 0);
		b.n = 0;
		frame(&b, 0x8A, pl, 125, m);
		want.n = 0;
		tr_ctl(&want, TW_WS_OP_PONG, 0, pl, 125);
		check_splits("masked pong with 125 bytes (server)", TW_WS_ROLE_SERVER, 0, b.b, b.n, &want, 0);
	}

	/* continuation state */
	err_case("continuation with no message", TW_WS_ROLE_CLIENT, 0, S("\x80\x01" "a"), 1, NULL,
		TW_ERR_WS_UNEXPECTED_CONTINUATION, 1002);
	err_case("non-final continuation with no message", TW_WS_ROLE_CLIENT, 0, S("\x00\x00"), 1, NULL,
		TW_ERR_WS_UNEXPECTED_CONTINUATION, 1002);
	want.n = 0;
	tr_msg(&want, TW_WS_OP_TEXT, "a", 1);
	err_case("continuation after a finished message", TW_WS_ROLE_CLIENT, 0, S("\x81\x01" "a" "\x80\x01" "b"),
		4, &want, TW_ERR_WS_UNEXPECTED_CONTINUATION, 1002);
	want.n = 0;
	tr_ctl(&want, TW_WS_OP_PING, 0, "", 0);
	err_case("continuation after a lone ping", TW_WS_ROLE_CLIENT, 0, S("\x89\x00\x80\x00"), 3, &want,
		TW_ERR_WS_UNEXPECTED_CONTINUATION, 1002);
	err_case("text while a text message is open", TW_WS_ROLE_CLIENT, 0, S("\x01\x01" "a" "\x81\x01" "b"), 4,
		NULL, TW_ERR_WS_EXPECTED_CONTINUATION, 1002);
	err_case("binary while a text message is open", TW_WS_ROLE_CLIENT, 0, S("\x01\x01" "a" "\x02\x00"), 4,
		NULL, TW_ERR_WS_EXPECTED_CONTINUATION, 1002);
	err_case("text while a binary message is open", TW_WS_ROLE_CLIENT, 0, S("\x02\x00\x01\x00"), 3, NULL,
		TW_ERR_WS_EXPECTED_CONTINUATION, 1002);
	want.n = 0;
	tr_ctl(&want, TW_WS_OP_PING, 0, "", 0);
	err_case("binary after fragment and ping", TW_WS_ROLE_CLIENT, 0,
		S("\x02\x01" "a" "\x89\x00" "\x82\x00"), 6, &want, TW_ERR_WS_EXPECTED_CONTINUATION, 1002);

	/* 64-bit length with the MSB set */
	err_case("64-bit length MSB", TW_WS_ROLE_CLIENT, 0, S("\x82\x7F\x80\x00\x00\x00\x00\x00\x00\x01" "a"),
		10, NULL, TW_ERR_WS_LENGTH_MSB, 1002);
	err_case("64-bit length all ones", TW_WS_ROLE_CLIENT, 0, S("\x82\x7F\xFF\xFF\xFF\xFF\xFF\xFF\xFF\xFF"),
		10, NULL, TW_ERR_WS_LENGTH_MSB, 1002);
	err_case("64-bit length MSB, masked (server)", TW_WS_ROLE_SERVER, 0,
		S("\x02\xFF\x80\x00\x00\x00\x00\x00\x00\x00\x01\x02\x03\x04"), 14, NULL, TW_ERR_WS_LENGTH_MSB, 1002);

	/* masking vs role */
	err_case("masked frame to a client", TW_WS_ROLE_CLIENT, 0,
		S("\x81\x85\x37\xfa\x21\x3d\x7f\x9f\x4d\x51\x58"), 2, NULL, TW_ERR_WS_MASKED, 1002);
	err_case("unmasked frame to a server", TW_WS_ROLE_SERVER, 0, S("\x81\x05Hello"), 2, NULL,
		TW_ERR_WS_UNMASKED, 1002);
	err_case("unmasked ping to a server", TW_WS_ROLE_SERVER, 0, S("\x89\x00"), 2, NULL, TW_ERR_WS_UNMASKED, 1002);
	err_case("masked empty close to a client", TW_WS_ROLE_CLIENT, 0, S("\x88\x80\x01\x02\x03\x04"), 2, NULL,
		TW_ERR_WS_MASKED, 1002);

	/* close frames */
	err_case("close with 1-byte payload", TW_WS_ROLE_CLIENT, 0, S("\x88\x01\x03"), 2, NULL,
		TW_ERR_WS_CLOSE_PAYLOAD, 1002);
	b.n = 0;
	frame(&b, 0x88, "\x03", 1, m);
	err_case("masked close with 1-byte payload (server)", TW_WS_ROLE_SERVER, 0, b.b, b.n, 2, NULL,
		TW_ERR_WS_CLOSE_PAYLOAD, 1002);
	err_case("close code 1005", TW_WS_ROLE_CLIENT, 0, S("\x88\x02\x03\xED"), 4, NULL, TW_ERR_WS_CLOSE_CODE, 1002);
	err_case("close code 1006", TW_WS_ROLE_CLIENT, 0, S("\x88\x02\x03\xEE"), 4, NULL, TW_ERR_WS_CLOSE_CODE, 1002);
	err_case("close code 999", TW_WS_ROLE_CLIENT, 0, S("\x88\x02\x03\xE7"), 4, NULL, TW_ERR_WS_CLOSE_CODE, 1002);
	err_case("close code 0 with reason", TW_WS_ROLE_CLIENT, 0, S("\x88\x04\x00\x00ok"), 6, NULL,
		TW_ERR_WS_CLOSE_CODE, 1002);
	err_case("close code 5000", TW_WS_ROLE_CLIENT, 0, S("\x88\x02\x13\x88"), 4, NULL, TW_ERR_WS_CLOSE_CODE, 1002);
	b.n = 0;
	frame(&b, 0x88, "\x03\xF7", 2, m); /* 1015 */
	err_case("masked close code 1015 (server)", TW_WS_ROLE_SERVER, 0, b.b, b.n, b.n, NULL,
		TW_ERR_WS_CLOSE_CODE, 1002);
	err_case("close reason not UTF-8", TW_WS_ROLE_CLIENT, 0, S("\x88\x05\x03\xE8" "a\xC0\x80"), 7, NULL,
		TW_ERR_WS_INVALID_UTF8, 1007);
	err_case("close reason truncated UTF-8", TW_WS_ROLE_CLIENT, 0, S("\x88\x04\x03\xE8" "\xE2\x82"), 6, NULL,
		TW_ERR_WS_INVALID_UTF8, 1007);
	b.n = 0;
	frame(&b, 0x88, "\x03\xE8\xED\xA0\x80", 5, m);
	err_case("masked close reason with a surrogate (server)", TW_WS_ROLE_SERVER, 0, b.b, b.n, b.n, NULL,
		TW_ERR_WS_INVALID_UTF8, 1007);

	/* bytes after close */
	want.n = 0;
	tr_ctl(&want, TW_WS_OP_CLOSE, 1000, "\x03\xE8", 2);
	err_case("frame after close", TW_WS_ROLE_CLIENT, 0, S("\x88\x02\x03\xE8" "\x81\x00"), 5, &want,
		TW_ERR_WS_AFTER_CLOSE, 1002);
	want.n = 0;
	tr_ctl(&want, TW_WS_OP_CLOSE, 1005, "", 0);
	err_case("one byte after empty close", TW_WS_ROLE_CLIENT, 0, S("\x88\x00" "\x00"), 3, &want,
		TW_ERR_WS_AFTER_CLOSE, 1002);
	err_case("garbage after close", TW_WS_ROLE_CLIENT, 0, S("\x88\x00" "\xFF\xFF\xFF"), 3, &want,
		TW_ERR_WS_AFTER_CLOSE, 1002);
	want.n = 0;
	tr_ctl(&want, TW_WS_OP_CLOSE, 1000, "\x03\xE8", 2);
	check_splits("close and nothing after: no error", TW_WS_ROLE_CLIENT, 0, S("\x88\x02\x03\xE8"), &want, 0);

	buf_free(&b);
	buf_free(&want);
}

/* ---- UTF-8 in text messages ---------------------------------------------------------------- */
static void
test_text_utf8(void)
{
	struct buf want = { 0 }, b = { 0 };
	struct run r;
	static const uint8_t kosme[] = { 0xCE, 0xBA, 0xE1, 0xBD, 0xB9, 0xCF, 0x83, 0xCE, 0xBC, 0xCE, 0xB5 };

	memset(&r, 0, sizeof r);

	/* a sequence split across fragments is fine */
	tr_msg(&want, TW_WS_OP_TEXT, "a\xE2\x82\xAC", 4);
	check_splits("euro sign split across fragments", TW_WS_ROLE_CLIENT, 0,
		S("\x01\x02" "a\xE2" "\x00\x01\x82" "\x80\x01\xAC"), &want, 0);
	want.n = 0;
	tr_msg(&want, TW_WS_OP_TEXT, kosme, sizeof kosme);
	frame(&b, 0x81, kosme, sizeof kosme, rfc_key);
	check_splits("kosme masked (server)", TW_WS_ROLE_SERVER, 0, b.b, b.n, &want, 0);

	/* invalid byte in a later fragment: error, message never completes */
	err_case("invalid UTF-8 in a continuation", TW_WS_ROLE_CLIENT, 0,
		S("\x01\x02" "a\xE2" "\x80\x02\x82\xFF"), 8, NULL, TW_ERR_WS_INVALID_UTF8, 1007);
	err_case("final frame ends mid-sequence", TW_WS_ROLE_CLIENT, 0, S("\x81\x03" "a\xE2\x82"), 5, NULL,
		TW_ERR_WS_INVALID_UTF8, 1007);
	err_case("empty final fragment after a lead byte", TW_WS_ROLE_CLIENT, 0, S("\x01\x01\xF0" "\x80\x00"), 5,
		NULL, TW_ERR_WS_INVALID_UTF8, 1007);
	err_case("overlong in one frame", TW_WS_ROLE_CLIENT, 0, S("\x81\x04" "ab\xC0\xAF"), 5, NULL,
		TW_ERR_WS_INVALID_UTF8, 1007);
	b.n = 0;
	frame(&b, 0x81, "Hello\xED\xA0\x80world", 13, key2);
	err_case("masked surrogate (server)", TW_WS_ROLE_SERVER, 0, b.b, b.n, 6 + 7, NULL,
		TW_ERR_WS_INVALID_UTF8, 1007);
	want.n = 0;
	tr_ctl(&want, TW_WS_OP_PING, 0, "p", 1);
	err_case("invalid UTF-8 after an interleaved ping", TW_WS_ROLE_CLIENT, 0,
		S("\x01\x01\xCE" "\x89\x01p" "\x80\x01\x41"), 9, &want, TW_ERR_WS_INVALID_UTF8, 1007);

	/* a whole frame with a bad byte is reported without any DATA event */
	run_input(&r, TW_WS_ROLE_CLIENT, 0, S("\x81\x05" "ab\xFF" "cd"), NULL, 0);
	CHECK(r.status == TW_ERR_WS_INVALID_UTF8 && r.ndata == 0 && r.violations == 0,
		"whole frame with an invalid byte: ERROR, no DATA");
	/* binary is not checked */
	want.n = 0;
	tr_msg(&want, TW_WS_OP_BINARY, "ab\xFF" "cd", 5);
	check_splits("binary with non-UTF-8 bytes", TW_WS_ROLE_CLIENT, 0, S("\x82\x05" "ab\xFF" "cd"), &want, 0);
	/* a new message starts with a fresh UTF-8 state */
	want.n = 0;
	tr_msg(&want, TW_WS_OP_BINARY, "\xE2", 1);
	tr_msg(&want, TW_WS_OP_TEXT, "ok", 2);
	check_splits("binary ending mid-sequence then text", TW_WS_ROLE_CLIENT, 0, S("\x82\x01\xE2" "\x81\x02ok"),
		&want, 0);

	run_free(&r);
	buf_free(&want);
	buf_free(&b);
}

/* ---- close frames -------------------------------------------------------------------------- */
static int
ref_close_code_valid(unsigned c)
{
	if (c < 1000 || c >= 5000)
		return 0;
	if (c >= 3000)
		return 1;
	switch (c) {
	case 1000: case 1001: case 1002: case 1003:
	case 1007: case 1008: case 1009: case 1010: case 1011: case 1012: case 1013: case 1014:
		return 1;
	default:
		return 0;
	}
}

static void
test_close(void)
{
	static const struct {
		unsigned code;
		int valid;
	} table[] = {
		{ 0, 0 }, { 1, 0 }, { 999, 0 }, { 1000, 1 }, { 1001, 1 }, { 1002, 1 }, { 1003, 1 },
		{ 1004, 0 }, { 1005, 0 }, { 1006, 0 }, { 1007, 1 }, { 1008, 1 }, { 1009, 1 }, { 1010, 1 },
		{ 1011, 1 }, { 1012, 1 }, { 1013, 1 }, { 1014, 1 }, { 1015, 0 }, { 1016, 0 }, { 2000, 0 },
		{ 2999, 0 }, { 3000, 1 }, { 3999, 1 }, { 4000, 1 }, { 4999, 1 }, { 5000, 0 }, { 65535, 0 },
	};
	static const int statuses[] = {
		TW_ERR_WS_RSV, TW_ERR_WS_OPCODE, TW_ERR_WS_CONTROL_FRAGMENTED, TW_ERR_WS_CONTROL_TOO_BIG,
		TW_ERR_WS_UNEXPECTED_CONTINUATION, TW_ERR_WS_EXPECTED_CONTINUATION, TW_ERR_WS_LENGTH_MSB,
		TW_ERR_WS_MASKED, TW_ERR_WS_UNMASKED, TW_ERR_WS_CLOSE_CODE, TW_ERR_WS_CLOSE_PAYLOAD,
		TW_ERR_WS_AFTER_CLOSE,
	};
	struct buf want = { 0 }, b = { 0 };
	tw_ws_parser p;
	tw_ws_event ev;
	uint8_t f[8], reason[125];
	size_t i, n;
	unsigned code;
	int bad = 0;

	for (i = 0; i < sizeof table / sizeof table[0]; i++) {
		CHECK(tw_ws_close_code_valid(table[i].code) == table[i].valid, "close code %u valid = %d",
			table[i].code, table[i].valid);
	}
	for (i = 0; i < sizeof statuses / sizeof statuses[0]; i++) {
		CHECK(tw_ws_close_code_for(statuses[i]) == 1002, "close code for status %d is 1002",
			statuses[i]);
	}
	CHECK(tw_ws_close_code_for(TW_ERR_WS_INVALID_UTF8) == 1007, "close code for INVALID_UTF8 is 1007");
	CHECK(tw_ws_close_code_for(TW_ERR_WS_TOO_BIG) == 1009, "close code for TOO_BIG is 1009");

	/* every 16-bit code on the wire */
	for (code = 0; code < 65536; code++) {
		int valid = ref_close_code_valid(code);
		bad += tw_ws_close_code_valid(code) != valid;
		f[0] = 0x88;
		f[1] = 0x02;
		f[2] = (uint8_t)(code >> 8);
		f[3] = (uint8_t)code;
		tw_ws_parser_init(&p, TW_WS_ROLE_CLIENT, 0);
		n = tw_ws_parse(&p, f, 4, &ev);
		if (valid)
			bad += !(n == 4 && ev.type == TW_WS_EV_CONTROL && ev.opcode == TW_WS_OP_CLOSE
				&& ev.close_code == code && ev.len == 2 && p.closed);
		else
			bad += !(ev.type == TW_WS_EV_ERROR && ev.status == TW_ERR_WS_CLOSE_CODE
				&& ev.close_code == 1002);
	}
	CHECK(bad == 0, "all 65536 close codes on the wire: accepted iff valid");

	/* code and reason */
	tw_ws_parser_init(&p, TW_WS_ROLE_CLIENT, 0);
	{
		uint8_t c1[] = { 0x88, 0x08, 0x03, 0xE8, 'n', 'o', 'r', 'm', 'a', 'l' };
		n = tw_ws_parse(&p, c1, sizeof c1, &ev);
		CHECK(n == sizeof c1 && ev.type == TW_WS_EV_CONTROL && ev.opcode == TW_WS_OP_CLOSE
			&& ev.close_code == 1000 && ev.data == p.ctl && ev.len == 8
			&& memcmp(ev.data + 2, "normal", 6) == 0 && p.closed,
			"close 1000 \"normal\": code, payload in ctl");
	}
	want.n = 0;
	tr_ctl(&want, TW_WS_OP_CLOSE, 4321, "\x10\xE1" "bye \xCE\xBA", 8);
	frame(&b, 0x88, "\x10\xE1" "bye \xCE\xBA", 8, rfc_key);
	check_splits("masked close 4321 with UTF-8 reason (server)", TW_WS_ROLE_SERVER, 0, b.b, b.n, &want, 0);

	/* empty close reports 1005 */
	tw_ws_parser_init(&p, TW_WS_ROLE_CLIENT, 0);
	f[0] = 0x88;
	f[1] = 0x00;
	n = tw_ws_parse(&p, f, 2, &ev);
	CHECK(n == 2 && ev.type == TW_WS_EV_CONTROL && ev.opcode == TW_WS_OP_CLOSE && ev.close_code == 1005
		&& ev.len == 0, "empty close: close_code 1005");
	want.n = 0;
	tr_ctl(&want, TW_WS_OP_CLOSE, 1005, "", 0);
	b.n = 0;
	frame(&b, 0x88, "", 0, key2);
	check_splits("masked empty close (server)", TW_WS_ROLE_SERVER, 0, b.b, b.n, &want, 0);

	/* largest reason */
	memset(reason, 'r', sizeof reason);
	reason[0] = 0x0B;
	reason[1] = 0xB8; /* 3000 */
	want.n = 0;
	tr_ctl(&want, TW_WS_OP_CLOSE, 3000, reason, 125);
	b.n = 0;
	frame(&b, 0x88, reason, 125, key2);
	check_splits("close with a 123-byte reason (server)", TW_WS_ROLE_SERVER, 0, b.b, b.n, &want, 0);

	/* close in the middle of a fragmented message */
	want.n = 0;
	tr_ctl(&want, TW_WS_OP_CLOSE, 1001, "\x03\xE9", 2);
	check_splits("close inside a fragmented message", TW_WS_ROLE_CLIENT, 0,
		S("\x01\x03Hel" "\x88\x02\x03\xE9"), &want, 0);

	buf_free(&want);
	buf_free(&b);
}

/* ---- fragmentation --------------------------------------------------------------------------- */
static void
test_fragmentation(void)
{
	struct buf want = { 0 }, b = { 0 };
	static const uint8_t k[4] = { 9, 8, 7, 6 };

	tr_ctl(&want, TW_WS_OP_PING, 0, "hi", 2);
	tr_msg(&want, TW_WS_OP_TEXT, "Hello", 5);
	check_splits("ping between fragments", TW_WS_ROLE_CLIENT, 0, S("\x01\x03Hel" "\x89\x02hi" "\x80\x02lo"),
		&want, 0);

	/* server side: masked, several controls between several fragments */
	want.n = 0;
	frame(&b, 0x02, "ab", 2, k);
	frame(&b, 0x89, "1", 1, rfc_key);
	frame(&b, 0x00, "cd", 2, key2);
	frame(&b, 0x8A, "", 0, k);
	frame(&b, 0x89, "22", 2, key2);
	frame(&b, 0x00, "", 0, k);
	frame(&b, 0x80, "ef", 2, rfc_key);
	frame(&b, 0x81, "next", 4, k);
	tr_ctl(&want, TW_WS_OP_PING, 0, "1", 1);
	tr_ctl(&want, TW_WS_OP_PONG, 0, "", 0);
	tr_ctl(&want, TW_WS_OP_PING, 0, "22", 2);
	tr_msg(&want, TW_WS_OP_BINARY, "abcdef", 6);
	tr_msg(&want, TW_WS_OP_TEXT, "next", 4);
	check_splits("masked fragments with interleaved controls (server)", TW_WS_ROLE_SERVER, 0, b.b, b.n,
		&want, 0);

	buf_free(&want);
	buf_free(&b);
}

/* ---- max_message ------------------------------------------------------------------------------ */
static void
test_max_message(void)
{
	struct buf want = { 0 }, b = { 0 };
	struct run r;

	memset(&r, 0, sizeof r);
	tr_msg(&want, TW_WS_OP_BINARY, "0123456789", 10);
	check_splits("message of exactly max_message", TW_WS_ROLE_CLIENT, 10, S("\x82\x0A" "0123456789"), &want, 0);
	want.n = 0;
	tr_ctl(&want, TW_WS_OP_PING, 0, "pp!", 3);
	tr_msg(&want, TW_WS_OP_BINARY, "0123456789", 10);
	check_splits("fragments summing to exactly max_message", TW_WS_ROLE_CLIENT, 10,
		S("\x02\x05" "01234" "\x89\x03" "pp!" "\x80\x05" "56789"), &want, 0);
	err_case("one byte over max_message", TW_WS_ROLE_CLIENT, 10, S("\x82\x0B" "0123456789A"), 2, NULL,
		TW_ERR_WS_TOO_BIG, 1009);
	err_case("fragments over max_message", TW_WS_ROLE_CLIENT, 10,
		S("\x02\x05" "01234" "\x00\x05" "56789" "\x80\x01" "X"), 16, NULL, TW_ERR_WS_TOO_BIG, 1009);
	err_case("text over max_message", TW_WS_ROLE_CLIENT, 3, S("\x81\x04" "abcd"), 2, NULL, TW_ERR_WS_TOO_BIG,
		1009);
	err_case("16-bit length over max_message, no payload yet", TW_WS_ROLE_CLIENT, 200,
		S("\x82\x7E\x01\x00"), 4, NULL, TW_ERR_WS_TOO_BIG, 1009);
	err_case("64-bit length over max_message, no payload yet (server)", TW_WS_ROLE_SERVER, 1u << 20,
		S("\x82\xFF\x00\x00\x00\x01\x00\x00\x00\x00" "\x01\x02\x03\x04"), 14, NULL, TW_ERR_WS_TOO_BIG, 1009);
	err_case("huge 64-bit length with a small max", TW_WS_ROLE_CLIENT, 10,
		S("\x82\x7F\x7F\xFF\xFF\xFF\xFF\xFF\xFF\xFF"), 10, NULL, TW_ERR_WS_TOO_BIG, 1009);

	/* control frames do not count; a finished message resets the count */
	want.n = 0;
	tr_ctl(&want, TW_WS_OP_PING, 0, "pppppp", 6);
	tr_msg(&want, TW_WS_OP_TEXT, "abcd", 4);
	tr_msg(&want, TW_WS_OP_BINARY, "efgh", 4);
	check_splits("max_message per message, controls excluded", TW_WS_ROLE_CLIENT, 4,
		S("\x01\x02" "ab" "\x89\x06" "pppppp" "\x80\x02" "cd" "\x82\x04" "efgh"), &want, 0);
	/* no limit: a 64-bit length is accepted (the payload simply has not arrived) */
	run_input(&r, TW_WS_ROLE_CLIENT, 0, S("\x82\x7F\x7F\xFF\xFF\xFF\xFF\xFF\xFF\xFF" "abc"), NULL, 0);
	CHECK(r.status == 0 && r.violations == 0 && r.ndata == 1 && r.consumed == 13,
		"max_message 0: any length up to 2^63-1");

	/* the limit stops the payload from being consumed */
	{
		tw_ws_parser p;
		tw_ws_event ev;
		uint8_t in[] = { 0x82, 0x0B, '0', '1', '2', '3', '4', '5', '6', '7', '8', '9', 'A' };
		size_t n;
		tw_ws_parser_init(&p, TW_WS_ROLE_CLIENT, 10);
		n = tw_ws_parse(&p, in, sizeof in, &ev);
		CHECK(n <= 2 && ev.type == TW_WS_EV_ERROR && ev.status == TW_ERR_WS_TOO_BIG && ev.close_code == 1009,
			"TOO_BIG before any payload byte is consumed");
	}
	run_free(&r);
	buf_free(&want);
	buf_free(&b);
}

/* ---- sticky errors ---------------------------------------------------------------------------- */
static void
test_sticky(void)
{
	tw_ws_parser p;
	tw_ws_event ev, ev2;
	uint8_t bad[] = { 0xC1, 0x00 }, good[] = { 0x81, 0x02, 'o', 'k' };
	size_t n;
	int i, ok = 1;

	tw_ws_parser_init(&p, TW_WS_ROLE_CLIENT, 0);
	n = tw_ws_parse(&p, bad, sizeof bad, &ev);
	CHECK(ev.type == TW_WS_EV_ERROR && ev.status == TW_ERR_WS_RSV && ev.close_code == 1002 && n <= 2,
		"sticky: first error");
	for (i = 0; i < 3; i++) {
		n = tw_ws_parse(&p, good, sizeof good, &ev2);
		ok &= n == 0 && ev2.type == ev.type && ev2.status == ev.status && ev2.close_code == ev.close_code
			&& ev2.len == 0 && ev2.data == NULL;
	}
	n = tw_ws_parse(&p, NULL, 0, &ev2);
	ok &= n == 0 && ev2.type == TW_WS_EV_ERROR && ev2.status == TW_ERR_WS_RSV;
	CHECK(ok, "sticky: every later call returns 0 and the same ERROR");
	tw_ws_parser_init(&p, TW_WS_ROLE_CLIENT, 0);
	n = tw_ws_parse(&p, good, sizeof good, &ev);
	CHECK(n == 4 && ev.type == TW_WS_EV_DATA, "init clears the error");
}

/* ---- round trip through tw_ws_write_frame ------------------------------------------------------ */
static size_t
random_utf8(uint8_t *out, size_t n)
{
	size_t i = 0;

	while (i < n) {
		size_t room = n - i, r = test_rng_below(10);
		uint32_t cp;
		if (r < 5 || room < 2) {
			out[i++] = (uint8_t)test_rng_below(0x80);
			continue;
		}
		if (r < 7 || room < 3) {
			cp = 0x80 + (uint32_t)test_rng_below(0x780);
			out[i++] = (uint8_t)(0xC0 | (cp >> 6));
		} else if (r < 9 || room < 4) {
			cp = 0x800 + (uint32_t)test_rng_below(0xF800);
			if (cp >= 0xD800 && cp <= 0xDFFF)
				cp = 0xFFFD;
			out[i++] = (uint8_t)(0xE0 | (cp >> 12));
			out[i++] = (uint8_t)(0x80 | ((cp >> 6) & 0x3F));
		} else {
			cp = 0x10000 + (uint32_t)test_rng_below(0x100000);
			out[i++] = (uint8_t)(0xF0 | (cp >> 18));
			out[i++] = (uint8_t)(0x80 | ((cp >> 12) & 0x3F));
			out[i++] = (uint8_t)(0x80 | ((cp >> 6) & 0x3F));
		}
		out[i++] = (uint8_t)(0x80 | (cp & 0x3F));
	}
	return i;
}

static size_t
random_size(void)
{
	switch (test_rng_below(8)) {
	case 0:
		return 0;
	case 1:
		return 120 + test_rng_below(10);
	case 2:
		return 65530 + test_rng_below(10);
	case 3:
		return test_rng_below(70001);
	default:
		return test_rng_below(300);
	}
}

static void
test_roundtrip(void)
{
	struct buf stream = { 0 }, want = { 0 };
	uint8_t *payload = xmalloc(70000), *fr = xmalloc(70000 + TW_WS_MAX_HEADER_LEN);
	struct run r;
	int iter, bad = 0, frames_bad = 0;

	memset(&r, 0, sizeof r);
	for (iter = 0; iter < 300; iter++) {
		size_t nmsg = 1 + test_rng_below(4), m, cuts[64], nc = 0, pos = 0;
		uint64_t biggest = 0;

		stream.n = 0;
		want.n = 0;
		for (m = 0; m < nmsg; m++) {
			int text = test_rng_below(2) == 0;
			size_t len = random_size(), nfrag = 1 + test_rng_below(3), f, done = 0;

			if (text) {
				len = random_utf8(payload, len);
			} else {
				for (f = 0; f < len; f++)
					payload[f] = (uint8_t)test_rng();
			}
			if (len > biggest)
				biggest = len;
			for (f = 0; f < nfrag; f++) {
				/* fragments cut UTF-8 sequences anywhere */
				size_t piece = f + 1 == nfrag ? len - done : test_rng_below(len - done + 1);
				uint64_t kk = test_rng();
				uint8_t key[4], ping[8];
				int64_t w;

				memcpy(key, &kk, 4);
				w = tw_ws_write_frame(fr, 70000 + TW_WS_MAX_HEADER_LEN, f + 1 == nfrag,
					f == 0 ? (text ? TW_WS_OP_TEXT : TW_WS_OP_BINARY) : TW_WS_OP_CONTINUATION,
					payload + done, piece, key);
				frames_bad += w != (int64_t)(tw_ws_header_len(piece, 1) + piece);
				if (w > 0)
					buf_put(&stream, fr, (size_t)w);
				done += piece;
				if (f + 1 == nfrag)
					tr_msg(&want, text ? TW_WS_OP_TEXT : TW_WS_OP_BINARY, payload, len);
				if (test_rng_below(4) == 0) {
					/* a ping between fragments (or after the message) */
					size_t pl = test_rng_below(9);
					memcpy(ping, &kk, 8);
					w = tw_ws_write_frame(fr, 200, 1, TW_WS_OP_PING, ping, pl, key);
					frames_bad += w != (int64_t)(6 + pl);
					if (w > 0)
						buf_put(&stream, fr, (size_t)w);
					tr_ctl(&want, TW_WS_OP_PING, 0, ping, pl);
				}
			}
		}
		run_input(&r, TW_WS_ROLE_SERVER, 0, stream.b, stream.n, NULL, 0);
		if (!run_matches(&r, &want, 0) && bad++ < 3)
			report_mismatch("round trip", "whole", &r, 0);
		while (nc < 64) {
			pos += 1 + test_rng_below(test_rng_below(2) ? 16 : 20000);
			if (pos >= stream.n)
				break;
			cuts[nc++] = pos;
		}
		run_input(&r, TW_WS_ROLE_SERVER, test_rng_below(2) ? biggest : 0, stream.b, stream.n, cuts, nc);
		if (!run_matches(&r, &want, 0) && bad++ < 3)
			report_mismatch("round trip", "random chunks, max_message = largest or 0", &r, 0);
	}
	CHECK(frames_bad == 0, "round trip: tw_ws_write_frame lengths");
	CHECK(bad == 0, "round trip: 300 random streams (masked, fragmented, pings, sizes 0..70000)");
	run_free(&r);
	buf_free(&stream);
	buf_free(&want);
	free(payload);
	free(fr);
}

int
main(void)
{
	test_rng_seed(UINT64_C(0x2545F4914F6CDD1D));
	test_rfc_examples();
	test_hot_path();
	test_empty();
	test_errors();
	test_text_utf8();
	test_close();
	test_fragmentation();
	test_max_message();
	test_sticky();
	test_roundtrip();
	return test_summary("test_ws_parse");
}
