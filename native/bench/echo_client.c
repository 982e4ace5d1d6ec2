/*
 * echo_client — the floor of the echo benchmark's "both ends busy-polling" setting: what a client
 * written in C gets against the same peer (native/bench/echo_server.c) on the same machine.
 *
 *   echo_client CA.pem PORT [N] [WARM]      prints N round-trip times in µs, one line, space-separated
 *
 * tickwire's TLS core (tw_tls_client: BearSSL with the same cipher code, AES-GCM included) over a
 * plain non-blocking socket polled in a spin, reads staged (one recv() per burst, not per record
 * header), the upgrade, then N + WARM round trips of one masked 100-byte binary frame. No event
 * loop, no JavaScript, no completion queue: no Node client can do less per round trip, so the
 * ratio of this floor to ws bounds what any client can reach against this peer.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "tw_tls.h"

#include "spin_io.h"

static double
now_us(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec * 1e6 + (double)t.tv_nsec / 1e3;
}

static int
fail(const char *what)
{
	fprintf(stderr, "echo_client: %s\n", what);
	return 1;
}

int
main(int argc, char **argv)
{
	if (argc < 3)
		return fail("usage: echo_client CA.pem PORT [N] [WARM]");
	long n = argc > 3 ? atol(argv[3]) : 10000, warm = argc > 4 ? atol(argv[4]) : 1000;
	if (n <= 0 || warm < 0)
		return fail("bad N or WARM");

	static char pem[1 << 20];
	FILE *f = fopen(argv[1], "rb");
	if (!f)
		return fail("cannot open the CA file");
	size_t pem_len = fread(pem, 1, sizeof pem, f);
	fclose(f);
	size_t need;
	static tw_tls_anchors anchors;
	if (tw_tls_anchors_measure(pem, pem_len, &need) <= 0)
		return fail("no CA in the file");
	void *arena = malloc(need);
	if (!arena || tw_tls_anchors_parse(&anchors, arena, need, pem, pem_len) != TW_OK)
		return fail("cannot parse the CA");

	static tw_tls_client tls;
	static unsigned char iobuf[BR_SSL_BUFSIZE_BIDI];
	tw_tls_config cfg = { &anchors, NULL, 0, 0 };
	if (tw_tls_client_init(&tls, &cfg, iobuf, sizeof iobuf) != TW_OK || tw_tls_client_reset(&tls, "localhost", NULL) != TW_OK)
		return fail("TLS setup failed");

	static struct spin_conn c;
	int one = 1;
	struct sockaddr_in sa;
	memset(&sa, 0, sizeof sa);
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)atoi(argv[2]));
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	c.fd = socket(AF_INET, SOCK_STREAM, 0);
	if (c.fd < 0 || connect(c.fd, (struct sockaddr *)&sa, sizeof sa) != 0)
		return fail("connect failed");
	setsockopt(c.fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);

	br_sslio_context io;
	br_sslio_init(&io, tw_tls_client_engine(&tls), spin_read, &c, spin_write, &c);
	static const char req[] = "GET / HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
		"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";
	if (br_sslio_write_all(&io, req, sizeof req - 1) < 0 || br_sslio_flush(&io) < 0)
		return fail("TLS handshake or upgrade request failed");
	char head[4096];
	size_t hl = 0;
	while (hl < 4 || memcmp(head + hl - 4, "\r\n\r\n", 4) != 0) {
		if (hl == sizeof head || br_sslio_read(&io, head + hl, 1) != 1)
			return fail("no upgrade response");
		hl++;
	}
	if (hl < 12 || memcmp(head, "HTTP/1.1 101", 12) != 0)
		return fail("upgrade refused");

	/* One masked binary frame of 100 bytes (zero mask key: the peer unmasks all the same). */
	unsigned char frame[106], in[102];
	frame[0] = 0x82;
	frame[1] = 0x80 | 100;
	memset(frame + 2, 0, 4);
	memset(frame + 6, 'a', 100);
	double *t = malloc(sizeof(double) * (size_t)n);
	if (!t)
		return fail("out of memory");
	for (long i = -warm; i < n; i++) {
		double t0 = now_us();
		if (br_sslio_write_all(&io, frame, sizeof frame) < 0 || br_sslio_flush(&io) < 0
			|| br_sslio_read_all(&io, in, sizeof in) < 0)
			return fail("echo failed");
		double t1 = now_us();
		if (in[0] != 0x82 || in[1] != 100 || in[2] != 'a' || in[101] != 'a')
			return fail("wrong echo");
		if (i >= 0)
			t[i] = t1 - t0;
	}
	for (long i = 0; i < n; i++)
		printf(i ? " %.3f" : "%.3f", t[i]);
	printf("\n");
	return 0;
}
