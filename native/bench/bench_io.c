/*
 * tw_io speed on loopback TCP, per backend (io_uring, epoll), next to plain blocking
 * send()/recv() as the floor.
 *
 * echo: 100-byte messages, N round trips (default 200,000, after 10,000 warm-up) to a peer
 * thread that echoes with non-blocking busy-polling, so the peer adds as little as it can.
 * Two ways to wait: "spin" calls tw_io_reap() in a loop (busy polling); "poll" sleeps in
 * poll() on tw_io_notify_fd() as an event loop does. Prints ns per round trip (mean, p50, p99).
 *
 * flood: the peer writes 100-byte records (8-byte sequence number + filler) in 64 KiB batches as
 * fast as it can; we keep one 256 KiB recv posted, check every record's sequence number and
 * report MB/s (10^6 bytes) received over about 2 s.
 *
 * Usage: bench_io [round_trips]
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "tw_io.h"

#define MSG 100
#define REC 100
#define WARMUP 10000
#define FLOOD_SECS 2.0
#define RXBUF (256 * 1024)
#define TXBATCH ((64 * 1024 / REC) * REC)

enum { PEER_ECHO, PEER_FLOOD };

struct peer {
	int lfd;
	int mode;
	pthread_t th;
};

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static uint64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void *
peer_main(void *arg)
{
	struct peer *p = arg;
	uint8_t *buf;
	uint64_t seq = 0;
	ssize_t r, w, off;
	int fd, one = 1;
	size_t i;

	fd = accept4(p->lfd, NULL, NULL, SOCK_CLOEXEC);
	if (fd < 0)
		return NULL;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	buf = malloc(RXBUF);
	if (!buf)
		abort();
	if (p->mode == PEER_ECHO) {
		for (;;) {
			r = recv(fd, buf, RXBUF, MSG_DONTWAIT);
			if (r < 0 && (errno == EAGAIN || errno == EINTR))
				continue;
			if (r <= 0)
				break;
			for (off = 0; off < r; off += w) {
				w = send(fd, buf + off, (size_t)(r - off), MSG_NOSIGNAL);
				if (w <= 0)
					goto done;
			}
		}
	} else {
		memset(buf, 0xab, TXBATCH);
		for (;;) {
			for (i = 0; i < TXBATCH; i += REC) {
				memcpy(buf + i, &seq, sizeof seq);
				seq++;
			}
			for (off = 0; off < TXBATCH; off += w) {
				w = send(fd, buf + off, (size_t)(TXBATCH - off), MSG_NOSIGNAL);
				if (w <= 0)
					goto done;
			}
		}
	}
done:
	close(fd);
	free(buf);
	return NULL;
}

static int
start_peer(struct peer *p, int mode, struct sockaddr_in *sa)
{
	socklen_t len = sizeof *sa;

	p->mode = mode;
	p->lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	memset(sa, 0, sizeof *sa);
	sa->sin_family = AF_INET;
	sa->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (p->lfd < 0 || bind(p->lfd, (struct sockaddr *)sa, sizeof *sa) < 0 || listen(p->lfd, 4) < 0)
		return -1;
	getsockname(p->lfd, (struct sockaddr *)sa, &len);
	return pthread_create(&p->th, NULL, peer_main, p) == 0 ? 0 : -1;
}

static void
stop_peer(struct peer *p)
{
	pthread_join(p->th, NULL);
	close(p->lfd);
}

static int
cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

static void
report_rtt(const char *what, uint32_t *lat, unsigned n, double secs)
{
	qsort(lat, n, sizeof *lat, cmp_u32);
	printf("echo   %-18s %u round trips of %d B: %7.0f ns/rt mean, p50 %6u ns, p99 %6u ns\n",
		what, n, MSG, secs * 1e9 / n, lat[n / 2], lat[(size_t)n * 99 / 100]);
}

/* ---- tw_io ---------------------------------------------------------------------------------- */

struct ctx {
	tw_io *io;
	tw_io_slot slots[1];
	tw_io_cqe q[8];
	tw_io_cqe pend[8];      /* reaped, not yet waited for (at most one per op) */
	size_t npend;
	int spin;
};

/* Waits for the next completion of `op` (slot 0) and returns its res; others are kept. */
static int64_t
wait_op(struct ctx *c, uint32_t op)
{
	struct pollfd pf;
	size_t n, i;
	int64_t res;

	for (;;) {
		for (i = 0; i < c->npend; i++) {
			if (c->pend[i].op == op) {
				res = c->pend[i].res;
				c->pend[i] = c->pend[--c->npend];
				return res;
			}
		}
		n = tw_io_reap(c->io, c->pend + c->npend, sizeof c->pend / sizeof c->pend[0] - c->npend);
		c->npend += n;
		if (n == 0 && !c->spin) {
			pf.fd = tw_io_notify_fd(c->io);
			pf.events = POLLIN;
			(void)poll(&pf, 1, 5000);
		}
	}
}

static int
ctx_open(struct ctx *c, int kind, int spin, const struct sockaddr_in *sa)
{
	int r;

	memset(c, 0, sizeof *c);
	c->spin = spin;
	c->io = calloc(1, tw_io_size());
	if (!c->io)
		abort();
	r = tw_io_init(c->io, kind, c->slots, 1, c->q, 8, 0);
	if (r != 0)
		return r;
	r = tw_io_connect(c->io, 0, (const struct sockaddr *)sa, sizeof *sa);
	if (r == 0)
		r = tw_io_submit(c->io);
	if (r == 0 && wait_op(c, TW_IO_OP_CONNECT) != 0)
		r = -1;
	return r;
}

static void
ctx_close(struct ctx *c)
{
	if (tw_io_close(c->io, 0) == 0) {
		(void)tw_io_submit(c->io);
		(void)wait_op(c, TW_IO_OP_CLOSE);
	}
	tw_io_destroy(c->io);
	free(c->io);
}

/* One round trip: recv posted, send, both completions (the recv may come in pieces). */
static int
round_trip(struct ctx *c, const uint8_t *msg, uint8_t *in)
{
	size_t got = 0;
	int64_t r;

	if (tw_io_recv(c->io, 0, in, MSG) != 0 || tw_io_send(c->io, 0, msg, MSG) != 0)
		return -1;
	(void)tw_io_submit(c->io);
	if (wait_op(c, TW_IO_OP_SEND) != MSG)
		return -1;
	for (;;) {
		r = wait_op(c, TW_IO_OP_RECV);
		if (r <= 0)
			return -1;
		got += (size_t)r;
		if (got == MSG)
			return 0;
		if (tw_io_recv(c->io, 0, in + got, MSG - got) != 0)
			return -1;
		(void)tw_io_submit(c->io);
	}
}

static void
bench_echo(const char *name, int kind, int spin, unsigned n, uint32_t *lat)
{
	struct sockaddr_in sa;
	struct peer p;
	struct ctx c;
	uint8_t msg[MSG], in[MSG];
	char what[32];
	unsigned i;
	uint64_t t;
	double t0;

	snprintf(what, sizeof what, "%s %s", name, spin ? "spin" : "poll");
	memset(msg, 0x5a, sizeof msg);
	if (start_peer(&p, PEER_ECHO, &sa) != 0 || ctx_open(&c, kind, spin, &sa) != 0) {
		printf("echo   %-18s could not start\n", what);
		exit(1);
	}
	for (i = 0; i < WARMUP; i++) {
		if (round_trip(&c, msg, in) != 0)
			goto fail;
	}
	t0 = now();
	for (i = 0; i < n; i++) {
		t = now_ns();
		msg[0] = (uint8_t)i;
		if (round_trip(&c, msg, in) != 0 || in[0] != msg[0])
			goto fail;
		lat[i] = (uint32_t)(now_ns() - t);
	}
	report_rtt(what, lat, n, now() - t0);
	ctx_close(&c);
	stop_peer(&p);
	return;
fail:
	printf("echo   %-18s FAILED at round trip %u\n", what, i);
	exit(1);
}

static void
bench_flood(const char *name, int kind, int spin)
{
	struct sockaddr_in sa;
	struct peer p;
	struct ctx c;
	uint8_t *buf;
	uint64_t total = 0, seq = 0, want;
	size_t carry = 0, off;
	unsigned bad = 0;
	int64_t r;
	double t0, t;
	uint8_t rec[REC];

	buf = malloc(RXBUF);
	if (!buf)
		abort();
	if (start_peer(&p, PEER_FLOOD, &sa) != 0 || ctx_open(&c, kind, spin, &sa) != 0) {
		printf("flood  %s could not start\n", name);
		exit(1);
	}
	t0 = now();
	do {
		if (tw_io_recv(c.io, 0, buf, RXBUF) != 0)
			break;
		(void)tw_io_submit(c.io);
		r = wait_op(&c, TW_IO_OP_RECV);
		if (r <= 0)
			break;
		/* check each record's sequence number, records split across recvs included */
		off = 0;
		while (off < (size_t)r) {
			size_t take = REC - carry;

			if (take > (size_t)r - off)
				take = (size_t)r - off;
			memcpy(rec + carry, buf + off, take);
			carry += take;
			off += take;
			if (carry == REC) {
				memcpy(&want, rec, sizeof want);
				if (want != seq)
					bad++;
				seq++;
				carry = 0;
			}
		}
		total += (uint64_t)r;
		t = now() - t0;
	} while (t < FLOOD_SECS);
	t = now() - t0;
	printf("flood  %-18s %8.1f MB/s  %6.2f M records/s  (%llu bytes in %.2f s%s)\n",
		name, (double)total / t / 1e6, (double)seq / t / 1e6, (unsigned long long)total, t,
		bad ? ", SEQUENCE ERRORS" : "");
	ctx_close(&c);
	stop_peer(&p);
	free(buf);
}

/* ---- plain blocking sockets: the floor -------------------------------------------------- */

static void
bench_echo_plain(unsigned n, uint32_t *lat)
{
	struct sockaddr_in sa;
	struct peer p;
	uint8_t msg[MSG], in[MSG];
	unsigned i;
	uint64_t t;
	double t0;
	size_t got;
	ssize_t r;
	int fd, one = 1;

	memset(msg, 0x5a, sizeof msg);
	if (start_peer(&p, PEER_ECHO, &sa) != 0)
		exit(1);
	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	if (connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0)
		exit(1);
	t0 = 0;
	for (i = 0; i < WARMUP + n; i++) {
		if (i == WARMUP)
			t0 = now();
		t = now_ns();
		if (send(fd, msg, MSG, MSG_NOSIGNAL) != MSG)
			exit(1);
		for (got = 0; got < MSG; got += (size_t)r) {
			r = recv(fd, in + got, MSG - got, 0);
			if (r <= 0)
				exit(1);
		}
		if (i >= WARMUP)
			lat[i - WARMUP] = (uint32_t)(now_ns() - t);
	}
	report_rtt("blocking syscalls", lat, n, now() - t0);
	close(fd);
	stop_peer(&p);
}

int
main(int argc, char **argv)
{
	unsigned n = 200000;
	uint32_t *lat;
	int probe;

	signal(SIGPIPE, SIG_IGN);
	if (argc > 1)
		n = (unsigned)strtoul(argv[1], NULL, 10);
	if (n == 0)
		n = 1;
	lat = malloc((size_t)n * sizeof *lat);
	if (!lat)
		return 1;
	probe = tw_io_uring_probe();
	if (probe != 0)
		printf("io_uring unavailable: %s (%d); epoll only\n", strerror(-probe), probe);
	bench_echo_plain(n, lat);
	if (probe == 0) {
		bench_echo("uring", TW_IO_URING, 1, n, lat);
		bench_echo("uring", TW_IO_URING, 0, n, lat);
	}
	bench_echo("epoll", TW_IO_EPOLL, 1, n, lat);
	bench_echo("epoll", TW_IO_EPOLL, 0, n, lat);
	if (probe == 0) {
		bench_flood("uring spin", TW_IO_URING, 1);
		bench_flood("uring poll", TW_IO_URING, 0);
	}
	bench_flood("epoll spin", TW_IO_EPOLL, 1);
	bench_flood("epoll poll", TW_IO_EPOLL, 0);
	free(lat);
	return 0;
}
