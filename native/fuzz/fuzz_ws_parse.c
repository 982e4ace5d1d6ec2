/*
 * fuzz_ws_parse — libFuzzer target for tw_ws_parse.
 *
 * Input: byte 0 picks the role (bit 0), max_message (bits 1-3) and the chunking pattern
 * (bits 4-6); byte 1 seeds the chunk sizes; the rest is the wire data. The data is fed in chunks,
 * each copied to an allocation of exactly its size (the parser unmasks in place, and ASan then
 * catches any read past a chunk), then fed again whole; both runs must see the same completed
 * messages, control frames and final status.
 *
 * Invariants (abort() on violation): consumed <= len; a call that returns no event has used up
 * its input, and one that returns DATA or CONTROL has consumed something; DATA points inside the
 * bytes that call consumed; first/fin/opcode are consistent across the pieces of a message; a
 * completed text message is valid UTF-8 (tw_utf8_validate on the reassembled message) and no
 * piece of a text message is invalid so far; messages respect max_message; CONTROL points to
 * p->ctl with at most 125 bytes and a close code matching its payload; after ERROR every call
 * returns 0 and the same ERROR.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tw_ws.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define REASM_CAP (256u * 1024u)

/* Reassembly buffer: messages longer than this are hashed but not validated whole. */
static uint8_t reasm[REASM_CAP];

struct observed {
	uint64_t hash;   /* FNV-1a over completed messages and control frames, in order */
	size_t nitems;
	int status;
};

struct msg_state {
	int open, op;
	uint64_t len;
	uint64_t hash;
	tw_utf8_ctx utf8;
};

static uint64_t
fnv(uint64_t h, const uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		h = (h ^ p[i]) * 0x100000001B3u;
	return h;
}

static uint64_t
fnv_u64(uint64_t h, uint64_t v)
{
	uint8_t b[8];
	memcpy(b, &v, 8);
	return fnv(h, b, 8);
}

static void
require(int cond)
{
	if (!cond)
		abort();
}

/* Chunk size for the next chunk: pattern from the config byte, sizes from a small PRNG. */
static size_t
next_chunk(unsigned pattern, uint32_t *seed, size_t left)
{
	size_t n;

	*seed = *seed * 1103515245u + 12345u;
	switch (pattern) {
	case 0:
		n = left;                               /* whole */
		break;
	case 1:
		n = 1;                                  /* byte at a time */
		break;
	case 2:
		n = 1 + (*seed >> 16) % 3;              /* 1..3 */
		break;
	case 3:
		n = 1 + (*seed >> 16) % 16;             /* 1..16 */
		break;
	case 4:
		n = (*seed >> 16) % 2 ? 1 : 2 + (*seed >> 20) % 200;
		break;
	case 5:
		n = (*seed >> 16) % 4;                  /* includes empty chunks */
		break;
	default:
		n = 1 + (*seed >> 8) % 4096;
		break;
	}
	return n < left ? n : left;
}

static void
run(const uint8_t *in, size_t len, int role, uint64_t max, unsigned pattern, uint32_t seed,
	struct observed *o)
{
	tw_ws_parser p;
	tw_ws_event ev, ev2;
	struct msg_state m;
	size_t prev = 0, n, empty_chunks = 0;

	memset(o, 0, sizeof *o);
	memset(&m, 0, sizeof m);
	o->hash = 0xCBF29CE484222325u;
	tw_ws_parser_init(&p, role, max);
	while (o->status == 0 && (prev < len || (len == 0 && empty_chunks == 0))) {
		size_t clen = next_chunk(pattern, &seed, len - prev), off = 0;
		uint8_t *chunk;

		if (clen == 0 && ++empty_chunks > 16)
			clen = len - prev; /* some empty calls, not forever */
		chunk = malloc(clen ? clen : 1);
		require(chunk != NULL);
		if (clen)
			memcpy(chunk, in + prev, clen);
		prev += clen;
		for (;;) {
			n = tw_ws_parse(&p, chunk + off, clen - off, &ev);
			require(n <= clen - off);
			switch (ev.type) {
			case TW_WS_EV_NONE:
				require(off + n == clen);
				break;
			case TW_WS_EV_DATA:
				require(n > 0);
				require(ev.data >= chunk + off && ev.len <= n && ev.data + ev.len <= chunk + off + n);
				require(ev.opcode == TW_WS_OP_TEXT || ev.opcode == TW_WS_OP_BINARY);
				require(ev.first == !m.open);
				if (ev.first) {
					m.open = 1;
					m.op = ev.opcode;
					m.len = 0;
					m.hash = 0xCBF29CE484222325u;
					tw_utf8_init(&m.utf8);
				}
				require(ev.opcode == m.op);
				if (m.len + ev.len <= REASM_CAP)
					memcpy(reasm + m.len, ev.data, ev.len);
				m.len += ev.len;
				m.hash = fnv(m.hash, ev.data, ev.len);
				require(max == 0 || m.len <= max);
				if (ev.opcode == TW_WS_OP_TEXT)
					require(tw_utf8_update(&m.utf8, ev.data, ev.len) == TW_OK);
				if (ev.fin) {
					if (ev.opcode == TW_WS_OP_TEXT) {
						require(tw_utf8_finish(&m.utf8) == TW_OK);
						if (m.len <= REASM_CAP)
							require(tw_utf8_validate(reasm, (size_t)m.len) == TW_OK);
					}
					o->hash = fnv_u64(o->hash, 'M' | (uint64_t)m.op << 8);
					o->hash = fnv_u64(o->hash, m.len);
					o->hash = fnv_u64(o->hash, m.hash);
					o->nitems++;
					m.open = 0;
				}
				break;
			case TW_WS_EV_CONTROL:
				require(n > 0);
				require(ev.data == p.ctl && ev.len <= TW_WS_MAX_CONTROL_LEN);
				if (ev.opcode == TW_WS_OP_CLOSE) {
					require(ev.len != 1);
					if (ev.len == 0) {
						require(ev.close_code == TW_WS_CLOSE_NO_STATUS);
					} else {
						require(ev.close_code == ((unsigned)ev.data[0] << 8 | ev.data[1]));
						require(tw_ws_close_code_valid(ev.close_code));
						require(tw_utf8_validate(ev.data + 2, ev.len - 2) == TW_OK);
					}
					require(p.closed);
				} else {
					require(ev.opcode == TW_WS_OP_PING || ev.opcode == TW_WS_OP_PONG);
				}
				o->hash = fnv_u64(o->hash, 'C' | (uint64_t)ev.opcode << 8 | (uint64_t)ev.close_code << 16);
				o->hash = fnv(fnv_u64(o->hash, ev.len), ev.data, ev.len);
				o->nitems++;
				break;
			case TW_WS_EV_ERROR:
				require(ev.status < 0 && ev.close_code == tw_ws_close_code_for(ev.status));
				o->status = ev.status;
				n = tw_ws_parse(&p, chunk + off, clen - off, &ev2);
				require(n == 0 && ev2.type == TW_WS_EV_ERROR && ev2.status == ev.status
					&& ev2.close_code == ev.close_code);
				break;
			default:
				abort();
			}
			if (ev.type == TW_WS_EV_NONE || ev.type == TW_WS_EV_ERROR)
				break;
			off += n;
		}
		free(chunk);
	}
	/* after the end of input: an empty call reports nothing new (or the same error) */
	n = tw_ws_parse(&p, NULL, 0, &ev);
	require(n == 0);
	if (o->status != 0)
		require(ev.type == TW_WS_EV_ERROR && ev.status == o->status);
	else
		require(ev.type == TW_WS_EV_NONE);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint64_t maxes[8] = { 0, 1, 10, 125, 126, 65535, 65536, 200000 };
	struct observed a, b;
	int role;
	uint64_t max;
	unsigned pattern;
	uint32_t seed;

	if (size < 2)
		return 0;
	role = (data[0] & 1) ? TW_WS_ROLE_SERVER : TW_WS_ROLE_CLIENT;
	max = maxes[(data[0] >> 1) & 7];
	pattern = (data[0] >> 4) & 7;
	seed = data[1];
	data += 2;
	size -= 2;

	run(data, size, role, max, pattern, seed, &a);
	run(data, size, role, max, 0, 0, &b);
	require(a.status == b.status && a.nitems == b.nitems && a.hash == b.hash);
	return 0;
}
