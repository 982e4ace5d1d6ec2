/*
 * test_io — tw_io against real loopback TCP peers, every case on both backends (io_uring and
 * epoll): connect ok / refused, recv (posted before and after the data arrives), EOF, a 16 MiB
 * send to a slow reader, a 10,000-round-trip echo, close while operations are in flight (and
 * while their completions are already pending), 200 connections at once (also with an 8-entry
 * ring, so the SQ fills), the notify fd, a full completion queue, and argument errors.
 *
 * Every completion is recorded and must be claimed by the case that expects it: a case ends by
 * pumping for a while and failing on anything left unclaimed, so duplicates and strays are
 * caught, and missing ones time out. A completion that shows up only after the notify fd stayed
 * silent for 200 ms counts as a missed notification.
 *
 * Peers are plain blocking sockets: in a thread (echo, slow reader, 200-connection holder) or
 * in the test's own thread when the case drives them step by step.
 *
 * Usage: test_io [uring|epoll] (default: both).
 * Exit: 0 all passed, 1 any failure, 77 nothing could run.
 *
 * Under valgrind, memcheck does not see what io_uring writes into recv buffers; the buffers
 * here are zeroed first so it does not report their (correct) contents as uninitialised.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "tw_io.h"

#define WAIT_MS 10000
#define SLICE_MS 200
#define BIG_SEND ((size_t)16 << 20)

static unsigned passed, failed;
static const char *cur_backend = "";
static const char *cur_case = "";

#define CHECK(cond) check((cond) != 0, #cond, __LINE__)

static int
check(int ok, const char *what, int line)
{
	if (ok) {
		passed++;
	} else {
		failed++;
		printf("FAIL [%s] %s:%d: %s\n", cur_backend, cur_case, line, what);
	}
	return ok;
}

static double
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec * 1e-6;
}

static const char *
op_name(uint32_t op)
{
	static const char *names[] = { "?", "CONNECT", "RECV", "SEND", "CLOSE" };

	return op <= 4 ? names[op] : "?";
}

static uint8_t
pat(size_t i)
{
	return (uint8_t)(i % 251);
}

/* ---- harness -------------------------------------------------------------------------------- */

struct h {
	int kind;
	tw_io *io;
	tw_io_slot *slots;
	uint32_t nslots;
	tw_io_cqe *cq;
	size_t reap_max;
	tw_io_cqe *pend;        /* completions reaped and not yet claimed */
	size_t npend, cappend;
	unsigned (*count)[5];   /* completions per slot and op */
	unsigned late;          /* found after the notify fd stayed silent for SLICE_MS */
	unsigned bogus;         /* completions with an impossible slot or op */
};

static int
h_open(struct h *h, int kind, uint32_t nslots, uint32_t cq_len, unsigned entries, size_t reap_max)
{
	int r;

	memset(h, 0, sizeof *h);
	h->kind = kind;
	h->nslots = nslots;
	h->reap_max = reap_max;
	h->io = calloc(1, tw_io_size());
	h->slots = calloc(nslots, sizeof *h->slots);
	h->cq = calloc(cq_len, sizeof *h->cq);
	h->count = calloc(nslots, sizeof *h->count);
	if (!h->io || !h->slots || !h->cq || !h->count)
		abort();
	r = tw_io_init(h->io, kind, h->slots, nslots, h->cq, cq_len, entries);
	CHECK(r == 0);
	if (r == 0) {
		CHECK(tw_io_kind(h->io) == kind);
		CHECK(tw_io_notify_fd(h->io) >= 0);
	}
	return r;
}

static void
h_close(struct h *h)
{
	tw_io_destroy(h->io);
	free(h->io);
	free(h->slots);
	free(h->cq);
	free(h->count);
	free(h->pend);
}

static void
record(struct h *h, const tw_io_cqe *c)
{
	if (c->slot >= h->nslots || c->op < 1 || c->op > 4) {
		h->bogus++;
		printf("  bogus completion slot %u op %u res %lld\n", c->slot, c->op, (long long)c->res);
		return;
	}
	h->count[c->slot][c->op]++;
	if (h->npend == h->cappend) {
		h->cappend = h->cappend ? 2 * h->cappend : 64;
		h->pend = realloc(h->pend, h->cappend * sizeof *h->pend);
		if (!h->pend)
			abort();
	}
	h->pend[h->npend++] = *c;
}

static size_t
h_reap_all(struct h *h)
{
	tw_io_cqe buf[64];
	size_t n, i, total, max;

	max = h->reap_max < 64 ? h->reap_max : 64;
	total = 0;
	while ((n = tw_io_reap(h->io, buf, max)) > 0) {
		if (n > max) {
			h->bogus++;
			break;
		}
		for (i = 0; i < n; i++)
			record(h, &buf[i]);
		total += n;
	}
	return total;
}

static void
h_submit(struct h *h)
{
	CHECK(tw_io_submit(h->io) == 0);
}

/* Reaps what is there, then waits up to `ms` on the notify fd and reaps again. */
static void
h_pump(struct h *h, int ms)
{
	struct pollfd p;
	double end = now_ms() + ms;
	int left;

	h_reap_all(h);
	for (;;) {
		left = (int)(end - now_ms());
		if (left <= 0)
			break;
		p.fd = tw_io_notify_fd(h->io);
		p.events = POLLIN;
		p.revents = 0;
		(void)poll(&p, 1, left);
		h_reap_all(h);
	}
}

static int
take(struct h *h, uint32_t slot, uint32_t op, int64_t *res)
{
	size_t i;

	for (i = 0; i < h->npend; i++) {
		if (h->pend[i].slot == slot && h->pend[i].op == op) {
			if (res)
				*res = h->pend[i].res;
			memmove(&h->pend[i], &h->pend[i + 1], (h->npend - i - 1) * sizeof *h->pend);
			h->npend--;
			return 1;
		}
	}
	return 0;
}

/* Waits for the next (slot, op) completion; 1 with *res, or 0 after WAIT_MS. */
static int
h_wait(struct h *h, uint32_t slot, uint32_t op, int64_t *res)
{
	struct pollfd p;
	double end = now_ms() + WAIT_MS;
	int r, left;

	for (;;) {
		if (take(h, slot, op, res)) {
			if (op == TW_IO_OP_CLOSE) {
				CHECK(h->slots[slot].fd == -1);
				CHECK(h->slots[slot].flags == 0);
			}
			return 1;
		}
		if (h_reap_all(h) > 0)
			continue;
		left = (int)(end - now_ms());
		if (left <= 0) {
			printf("  timeout waiting for slot %u %s\n", slot, op_name(op));
			return 0;
		}
		p.fd = tw_io_notify_fd(h->io);
		p.events = POLLIN;
		p.revents = 0;
		r = poll(&p, 1, left < SLICE_MS ? left : SLICE_MS);
		if (r == 0 && h_reap_all(h) > 0 && left > SLICE_MS)
			h->late++;
	}
}

/* Waits for (slot, op) and checks its result. */
static void
expect(struct h *h, uint32_t slot, uint32_t op, int64_t want)
{
	int64_t res = 0;

	if (CHECK(h_wait(h, slot, op, &res)) && res != want) {
		CHECK(res == want);
		printf("  slot %u %s: res %lld, want %lld\n", slot, op_name(op), (long long)res,
			(long long)want);
	}
}

/* Pumps for `ms`, then nothing may be left unclaimed. */
static void
h_quiet(struct h *h, int ms)
{
	size_t i;

	h_pump(h, ms);
	CHECK(h->npend == 0);
	for (i = 0; i < h->npend; i++)
		printf("  unexpected: slot %u %s res %lld\n", h->pend[i].slot, op_name(h->pend[i].op),
			(long long)h->pend[i].res);
	CHECK(h->bogus == 0);
	CHECK(h->late == 0);
}

/* ---- sockets -------------------------------------------------------------------------------- */

static int
listen_any(struct sockaddr_in *sa, int rcvbuf)
{
	socklen_t len = sizeof *sa;
	int fd, one = 1;

	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		abort();
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	if (rcvbuf > 0)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
	memset(sa, 0, sizeof *sa);
	sa->sin_family = AF_INET;
	sa->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(fd, (struct sockaddr *)sa, sizeof *sa) < 0 || listen(fd, 512) < 0)
		abort();
	getsockname(fd, (struct sockaddr *)sa, &len);
	return fd;
}

static int
accept_ms(int lfd, int ms)
{
	struct pollfd p = { lfd, POLLIN, 0 };

	if (poll(&p, 1, ms) <= 0)
		return -1;
	return accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
}

static int
accept_wait(int lfd)
{
	return accept_ms(lfd, WAIT_MS);
}

/* Waits until fd is readable (data arrived in its receive queue). */
static int
readable(int fd)
{
	struct pollfd p = { fd, POLLIN, 0 };

	return poll(&p, 1, WAIT_MS) == 1;
}

static int
write_str(int fd, const char *s)
{
	size_t len = strlen(s);

	return send(fd, s, len, MSG_NOSIGNAL) == (ssize_t)len;
}

static void
connect_ok(struct h *h, uint32_t slot, const struct sockaddr_in *sa)
{
	CHECK(tw_io_connect(h->io, slot, (const struct sockaddr *)sa, sizeof *sa) == 0);
	h_submit(h);
	expect(h, slot, TW_IO_OP_CONNECT, 0);
}

static void
close_ok(struct h *h, uint32_t slot)
{
	CHECK(tw_io_close(h->io, slot) == 0);
	h_submit(h);
	expect(h, slot, TW_IO_OP_CLOSE, 0);
}

/* ---- peers in threads ----------------------------------------------------------------------- */

enum { PEER_ECHO = 1, PEER_SLOW_READ, PEER_HOLD };

struct peer {
	int lfd;
	int mode;
	int nconn;
	size_t got;
	int bad;
	pthread_t th;
};

static void *
peer_main(void *arg)
{
	struct peer *p = arg;
	uint8_t *buf;
	int fd, i, *fds;
	ssize_t r, w, off;
	size_t j;

	buf = malloc(65536);
	if (!buf)
		abort();
	if (p->mode == PEER_HOLD) {
		fds = calloc((size_t)p->nconn, sizeof *fds);
		for (i = 0; i < p->nconn; i++) {
			fds[i] = accept_wait(p->lfd);
			if (fds[i] < 0)
				p->bad = 1;
		}
		for (i = 0; i < p->nconn; i++) {
			while (fds[i] >= 0 && (r = read(fds[i], buf, 65536)) > 0)
				p->got += (size_t)r;
			if (fds[i] >= 0)
				close(fds[i]);
		}
		free(fds);
		free(buf);
		return NULL;
	}
	fd = accept_wait(p->lfd);
	if (fd < 0) {
		p->bad = 1;
		free(buf);
		return NULL;
	}
	if (p->mode == PEER_ECHO) {
		while ((r = read(fd, buf, 65536)) > 0) {
			for (off = 0; off < r; off += w) {
				w = send(fd, buf + off, (size_t)(r - off), MSG_NOSIGNAL);
				if (w <= 0) {
					p->bad = 1;
					break;
				}
			}
			p->got += (size_t)r;
		}
	} else {
		usleep(20000);  /* let the sender fill every buffer first */
		while ((r = read(fd, buf, 16384)) > 0) {
			for (j = 0; j < (size_t)r; j++) {
				if (buf[j] != pat(p->got + j))
					p->bad = 1;
			}
			p->got += (size_t)r;
			if ((p->got & 0xffff) < (size_t)r)
				usleep(1000);   /* about 1 ms per 64 KiB */
		}
	}
	close(fd);
	free(buf);
	return NULL;
}

static void
peer_start(struct peer *p, int lfd, int mode, int nconn)
{
	memset(p, 0, sizeof *p);
	p->lfd = lfd;
	p->mode = mode;
	p->nconn = nconn;
	if (pthread_create(&p->th, NULL, peer_main, p) != 0)
		abort();
}

/* ---- cases ---------------------------------------------------------------------------------- */

static void
case_connect(int kind)
{
	struct sockaddr_in sa;
	struct h h;
	int lfd, pfd;

	lfd = listen_any(&sa, 0);
	if (h_open(&h, kind, 4, 8, 0, 16) == 0) {
		connect_ok(&h, 1, &sa);
		pfd = accept_wait(lfd);
		CHECK(pfd >= 0);
		CHECK(h.slots[1].fd >= 0);
		close_ok(&h, 1);
		h_quiet(&h, 30);
		CHECK(h.count[1][TW_IO_OP_CONNECT] == 1 && h.count[1][TW_IO_OP_CLOSE] == 1);
		if (pfd >= 0)
			close(pfd);
	}
	h_close(&h);
	close(lfd);
}

static void
case_refused(int kind)
{
	struct sockaddr_in sa;
	struct h h;
	int lfd;

	lfd = listen_any(&sa, 0);
	close(lfd);             /* the port is now closed: connecting gets a RST */
	if (h_open(&h, kind, 2, 4, 0, 16) == 0) {
		CHECK(tw_io_connect(h.io, 0, (struct sockaddr *)&sa, sizeof sa) == 0);
		h_submit(&h);
		expect(&h, 0, TW_IO_OP_CONNECT, -ECONNREFUSED);
		close_ok(&h, 0);
		h_quiet(&h, 30);
	}
	h_close(&h);
}

static void
case_recv(int kind)
{
	struct sockaddr_in sa;
	struct h h;
	uint8_t buf[64] = { 0 };
	int64_t res = 0;
	int lfd, pfd;

	lfd = listen_any(&sa, 0);
	if (h_open(&h, kind, 2, 4, 0, 16) == 0) {
		connect_ok(&h, 0, &sa);
		pfd = accept_wait(lfd);
		CHECK(pfd >= 0);
		/* recv posted first, data later */
		memset(buf, 0, sizeof buf);
		CHECK(tw_io_recv(h.io, 0, buf, sizeof buf) == 0);
		h_submit(&h);
		h_pump(&h, 20);
		CHECK(h.npend == 0);
		CHECK(write_str(pfd, "hello, tickwire"));
		if (CHECK(h_wait(&h, 0, TW_IO_OP_RECV, &res)))
			CHECK(res == 15 && memcmp(buf, "hello, tickwire", 15) == 0);
		/* data first (the epoll edge passes with no recv waiting), recv later */
		memset(buf, 0, sizeof buf);
		CHECK(write_str(pfd, "second message"));
		CHECK(readable(h.slots[0].fd));
		h_pump(&h, 10);
		CHECK(tw_io_recv(h.io, 0, buf, sizeof buf) == 0);
		h_submit(&h);
		if (CHECK(h_wait(&h, 0, TW_IO_OP_RECV, &res)))
			CHECK(res == 14 && memcmp(buf, "second message", 14) == 0);
		/* a short buffer takes part of what is there; the rest stays for the next recv */
		CHECK(write_str(pfd, "0123456789"));
		CHECK(readable(h.slots[0].fd));
		CHECK(tw_io_recv(h.io, 0, buf, 4) == 0);
		h_submit(&h);
		if (CHECK(h_wait(&h, 0, TW_IO_OP_RECV, &res)))
			CHECK(res == 4 && memcmp(buf, "0123", 4) == 0);
		CHECK(tw_io_recv(h.io, 0, buf, sizeof buf) == 0);
		h_submit(&h);
		if (CHECK(h_wait(&h, 0, TW_IO_OP_RECV, &res)))
			CHECK(res == 6 && memcmp(buf, "456789", 6) == 0);
		close_ok(&h, 0);
		h_quiet(&h, 30);
		CHECK(h.count[0][TW_IO_OP_RECV] == 4);
		if (pfd >= 0)
			close(pfd);
	}
	h_close(&h);
	close(lfd);
}

static void
case_eof(int kind)
{
	struct sockaddr_in sa;
	struct h h;
	uint8_t buf[64] = { 0 };
	int64_t res = 0;
	int lfd, pfd;

	lfd = listen_any(&sa, 0);
	if (h_open(&h, kind, 2, 4, 0, 16) == 0) {
		connect_ok(&h, 0, &sa);
		pfd = accept_wait(lfd);
		CHECK(pfd >= 0);
		CHECK(write_str(pfd, "bye"));
		close(pfd);
		CHECK(tw_io_recv(h.io, 0, buf, sizeof buf) == 0);
		h_submit(&h);
		if (CHECK(h_wait(&h, 0, TW_IO_OP_RECV, &res)))
			CHECK(res == 3 && memcmp(buf, "bye", 3) == 0);
		CHECK(tw_io_recv(h.io, 0, buf, sizeof buf) == 0);
		h_submit(&h);
		expect(&h, 0, TW_IO_OP_RECV, 0);
		CHECK(tw_io_recv(h.io, 0, buf, sizeof buf) == 0);       /* EOF stays EOF */
		h_submit(&h);
		expect(&h, 0, TW_IO_OP_RECV, 0);
		close_ok(&h, 0);
		h_quiet(&h, 30);
	}
	h_close(&h);
	close(lfd);
}

static void
case_big_send(int kind)
{
	struct sockaddr_in sa;
	struct peer p;
	struct h h;
	uint8_t *big;
	size_t i;
	int lfd;

	big = malloc(BIG_SEND);
	if (!big)
		abort();
	for (i = 0; i < BIG_SEND; i++)
		big[i] = pat(i);
	lfd = listen_any(&sa, 65536);
	peer_start(&p, lfd, PEER_SLOW_READ, 1);
	if (h_open(&h, kind, 2, 4, 0, 16) == 0) {
		connect_ok(&h, 0, &sa);
		CHECK(tw_io_send(h.io, 0, big, BIG_SEND) == 0);
		h_submit(&h);
		expect(&h, 0, TW_IO_OP_SEND, (int64_t)BIG_SEND);
		close_ok(&h, 0);
		h_quiet(&h, 30);
		CHECK(h.count[0][TW_IO_OP_SEND] == 1);
	}
	pthread_join(p.th, NULL);
	CHECK(p.got == BIG_SEND);
	CHECK(p.bad == 0);
	h_close(&h);
	close(lfd);
	free(big);
}

static void
case_echo(int kind)
{
	struct sockaddr_in sa;
	struct peer p;
	struct h h;
	uint8_t msg[100], in[100];
	int64_t res;
	size_t got, j;
	unsigned r, bad_bytes = 0, bad_res = 0, timeouts = 0;
	int lfd;

	lfd = listen_any(&sa, 0);
	peer_start(&p, lfd, PEER_ECHO, 1);
	if (h_open(&h, kind, 2, 4, 0, 16) == 0) {
		connect_ok(&h, 0, &sa);
		for (r = 0; r < 10000 && timeouts == 0; r++) {
			for (j = 0; j < sizeof msg; j++)
				msg[j] = (uint8_t)(r * 7 + j);
			memset(in, 0, sizeof in);
			got = 0;
			if (tw_io_recv(h.io, 0, in, sizeof in) != 0 || tw_io_send(h.io, 0, msg, sizeof msg) != 0)
				bad_res++;
			(void)tw_io_submit(h.io);
			if (!h_wait(&h, 0, TW_IO_OP_SEND, &res)) {
				timeouts++;
				break;
			}
			if (res != (int64_t)sizeof msg)
				bad_res++;
			for (;;) {
				if (!h_wait(&h, 0, TW_IO_OP_RECV, &res)) {
					timeouts++;
					break;
				}
				if (res <= 0) {
					bad_res++;
					break;
				}
				got += (size_t)res;
				if (got >= sizeof in)
					break;
				if (tw_io_recv(h.io, 0, in + got, sizeof in - got) != 0)
					bad_res++;
				(void)tw_io_submit(h.io);
			}
			if (got != sizeof in || memcmp(in, msg, sizeof in) != 0)
				bad_bytes++;
		}
		CHECK(r == 10000);
		CHECK(timeouts == 0);
		CHECK(bad_res == 0);
		CHECK(bad_bytes == 0);
		CHECK(h.count[0][TW_IO_OP_SEND] == 10000);
		CHECK(h.count[0][TW_IO_OP_RECV] >= 10000);
		close_ok(&h, 0);
		h_quiet(&h, 30);
	}
	pthread_join(p.th, NULL);
	CHECK(p.got == 10000 * sizeof msg);
	CHECK(p.bad == 0);
	h_close(&h);
	close(lfd);
}

static void
case_close_inflight(int kind)
{
	struct sockaddr_in sa;
	struct h h;
	uint8_t buf[64] = { 0 }, *big;
	int64_t res = 0;
	int lfd, pfd, pfd2;

	big = calloc(1, BIG_SEND);
	if (!big)
		abort();
	lfd = listen_any(&sa, 0);
	if (h_open(&h, kind, 3, 6, 0, 16) == 0) {
		/* 1. close with a recv waiting for data that never came */
		connect_ok(&h, 2, &sa);
		pfd = accept_wait(lfd);
		CHECK(tw_io_recv(h.io, 2, buf, sizeof buf) == 0);
		h_submit(&h);
		h_pump(&h, 20);
		close_ok(&h, 2);
		if (pfd >= 0) {
			(void)write_str(pfd, "too late");
			close(pfd);
		}
		h_quiet(&h, 50);
		CHECK(h.count[2][TW_IO_OP_RECV] == 0);
		CHECK(h.count[2][TW_IO_OP_CLOSE] == 1);

		/* 2. the slot is reusable at once */
		connect_ok(&h, 2, &sa);
		pfd2 = accept_wait(lfd);
		CHECK(tw_io_recv(h.io, 2, buf, sizeof buf) == 0);
		h_submit(&h);
		CHECK(pfd2 >= 0 && write_str(pfd2, "x"));
		if (CHECK(h_wait(&h, 2, TW_IO_OP_RECV, &res)))
			CHECK(res == 1 && buf[0] == 'x');

		/* 3. close while the recv's completion is already pending (not yet reaped) */
		CHECK(tw_io_recv(h.io, 2, buf, sizeof buf) == 0);
		h_submit(&h);
		CHECK(pfd2 >= 0 && write_str(pfd2, "pending"));
		usleep(20000);
		CHECK(tw_io_close(h.io, 2) == 0);
		h_submit(&h);
		expect(&h, 2, TW_IO_OP_CLOSE, 0);
		h_quiet(&h, 50);
		CHECK(h.count[2][TW_IO_OP_RECV] == 1);
		if (pfd2 >= 0)
			close(pfd2);

		/* 4. data already there, recv (epoll: completes inside the call), close before reaping */
		connect_ok(&h, 2, &sa);
		pfd = accept_wait(lfd);
		CHECK(pfd >= 0 && write_str(pfd, "queued"));
		CHECK(readable(h.slots[2].fd));
		CHECK(tw_io_recv(h.io, 2, buf, sizeof buf) == 0);
		h_submit(&h);
		usleep(5000);
		close_ok(&h, 2);
		h_quiet(&h, 50);
		CHECK(h.count[2][TW_IO_OP_RECV] == 1);
		if (pfd >= 0)
			close(pfd);

		/* 5. close while a send is stuck (the peer never reads) and a recv waits */
		connect_ok(&h, 0, &sa);
		pfd = accept_wait(lfd);
		CHECK(tw_io_send(h.io, 0, big, BIG_SEND) == 0);
		CHECK(tw_io_recv(h.io, 0, buf, sizeof buf) == 0);
		h_submit(&h);
		h_pump(&h, 30);
		close_ok(&h, 0);
		h_quiet(&h, 50);
		CHECK(h.count[0][TW_IO_OP_SEND] == 0 && h.count[0][TW_IO_OP_RECV] == 0);
		if (pfd >= 0)
			close(pfd);

		/* 6. close right after connect, before anything was reaped */
		CHECK(tw_io_connect(h.io, 1, (struct sockaddr *)&sa, sizeof sa) == 0);
		CHECK(tw_io_recv(h.io, 1, buf, sizeof buf) == 0);
		CHECK(tw_io_close(h.io, 1) == 0);
		h_submit(&h);
		expect(&h, 1, TW_IO_OP_CLOSE, 0);
		h_quiet(&h, 50);
		CHECK(h.count[1][TW_IO_OP_CONNECT] == 0 && h.count[1][TW_IO_OP_RECV] == 0);
		pfd = accept_ms(lfd, 100);      /* the handshake may or may not have finished */
		if (pfd >= 0)
			close(pfd);
	}
	h_close(&h);
	close(lfd);
	free(big);
}

static void
case_many(int kind, unsigned entries, size_t reap_max)
{
	enum { N = 200 };
	static const uint8_t msg[9] = "8 bytes!";
	struct sockaddr_in sa;
	struct peer p;
	struct h h;
	uint32_t i;
	unsigned bad = 0;
	int lfd;

	lfd = listen_any(&sa, 0);
	peer_start(&p, lfd, PEER_HOLD, N);
	if (h_open(&h, kind, N, 2 * N, entries, reap_max) == 0) {
		for (i = 0; i < N; i++) {
			if (tw_io_connect(h.io, i, (struct sockaddr *)&sa, sizeof sa) != 0)
				bad++;
		}
		h_submit(&h);
		for (i = 0; i < N; i++) {
			int64_t res = -1;

			if (!h_wait(&h, i, TW_IO_OP_CONNECT, &res) || res != 0)
				bad++;
		}
		CHECK(bad == 0);
		for (i = 0; i < N; i++) {
			if (tw_io_send(h.io, i, msg, 8) != 0)
				bad++;
		}
		h_submit(&h);
		for (i = 0; i < N; i++) {
			int64_t res = -1;

			if (!h_wait(&h, i, TW_IO_OP_SEND, &res) || res != 8)
				bad++;
		}
		CHECK(bad == 0);
		for (i = 0; i < N; i++) {
			if (tw_io_close(h.io, i) != 0)
				bad++;
		}
		h_submit(&h);
		for (i = 0; i < N; i++) {
			if (!h_wait(&h, i, TW_IO_OP_CLOSE, NULL))
				bad++;
		}
		CHECK(bad == 0);
		h_quiet(&h, 30);
		for (i = 0; i < N; i++) {
			if (h.count[i][TW_IO_OP_CONNECT] != 1 || h.count[i][TW_IO_OP_SEND] != 1
				|| h.count[i][TW_IO_OP_RECV] != 0 || h.count[i][TW_IO_OP_CLOSE] != 1)
				bad++;
		}
		CHECK(bad == 0);
	}
	pthread_join(p.th, NULL);
	CHECK(p.bad == 0);
	CHECK(p.got == N * 8);
	h_close(&h);
	close(lfd);
}

static void
case_notify(int kind)
{
	struct sockaddr_in sa;
	struct pollfd pf;
	struct h h;
	uint8_t buf[16] = { 0 };
	int64_t res = 0;
	int lfd, pfd;

	lfd = listen_any(&sa, 0);
	if (h_open(&h, kind, 2, 4, 0, 16) == 0) {
		connect_ok(&h, 0, &sa);
		pfd = accept_wait(lfd);
		CHECK(pfd >= 0);
		h_quiet(&h, 20);
		pf.fd = tw_io_notify_fd(h.io);
		pf.events = POLLIN;

		if (kind == TW_IO_URING) {
			/* not submitted: nothing can complete, the fd stays quiet */
			CHECK(tw_io_recv(h.io, 0, buf, sizeof buf) == 0);
			CHECK(write_str(pfd, "a"));
			pf.revents = 0;
			CHECK(poll(&pf, 1, 100) == 0);
			CHECK(h_reap_all(&h) == 0);
			h_submit(&h);
			pf.revents = 0;
			CHECK(poll(&pf, 1, WAIT_MS) == 1 && (pf.revents & POLLIN));
			if (CHECK(h_wait(&h, 0, TW_IO_OP_RECV, &res)))
				CHECK(res == 1 && buf[0] == 'a');
		}

		CHECK(tw_io_recv(h.io, 0, buf, sizeof buf) == 0);
		h_submit(&h);
		CHECK(h_reap_all(&h) == 0);
		pf.revents = 0;
		CHECK(poll(&pf, 1, 0) == 0);            /* idle: not readable */
		CHECK(write_str(pfd, "b"));
		pf.revents = 0;
		CHECK(poll(&pf, 1, WAIT_MS) == 1 && (pf.revents & POLLIN));
		CHECK(h_reap_all(&h) == 1);
		if (CHECK(take(&h, 0, TW_IO_OP_RECV, &res)))
			CHECK(res == 1 && buf[0] == 'b');
		pf.revents = 0;
		CHECK(poll(&pf, 1, 0) == 0);            /* reaped: quiet again */
		CHECK(h_reap_all(&h) == 0);
		pf.revents = 0;
		CHECK(poll(&pf, 1, 0) == 0);
		close_ok(&h, 0);
		h_quiet(&h, 20);
		if (pfd >= 0)
			close(pfd);
	}
	h_close(&h);
	close(lfd);
}

static void
case_full_queue(int kind)
{
	struct sockaddr_in sa;
	struct h h;
	uint8_t ba[16] = { 0 }, bb[16] = { 0 };
	int64_t res = 0;
	int lfd, pa, pb;
	char got[8];

	lfd = listen_any(&sa, 0);
	/* 2 slots, the minimum queue (4), reaping one completion per call */
	if (h_open(&h, kind, 2, 4, 0, 1) == 0) {
		connect_ok(&h, 0, &sa);
		pa = accept_wait(lfd);
		connect_ok(&h, 1, &sa);
		pb = accept_wait(lfd);
		CHECK(pa >= 0 && pb >= 0);
		CHECK(write_str(pa, "a1") && write_str(pb, "b1"));
		CHECK(readable(h.slots[0].fd) && readable(h.slots[1].fd));
		/* epoll: these complete inside the calls; the 4th (recv B) finds the queue full */
		CHECK(tw_io_recv(h.io, 0, ba, sizeof ba) == 0);
		CHECK(tw_io_send(h.io, 0, (const uint8_t *)"A!", 2) == 0);
		CHECK(tw_io_send(h.io, 1, (const uint8_t *)"B!", 2) == 0);
		h_submit(&h);
		CHECK(tw_io_close(h.io, 0) == 0);
		h_submit(&h);
		CHECK(tw_io_recv(h.io, 1, bb, sizeof bb) == 0);
		h_submit(&h);
		expect(&h, 1, TW_IO_OP_SEND, 2);
		expect(&h, 0, TW_IO_OP_CLOSE, 0);
		if (CHECK(h_wait(&h, 1, TW_IO_OP_RECV, &res)))
			CHECK(res == 2 && memcmp(bb, "b1", 2) == 0);
		h_quiet(&h, 30);
		CHECK(h.count[0][TW_IO_OP_RECV] == 0 && h.count[0][TW_IO_OP_SEND] == 0);
		CHECK(pb >= 0 && readable(pb) && recv(pb, got, sizeof got, 0) == 2 && memcmp(got, "B!", 2) == 0);
		if (pa >= 0)
			close(pa);

		/* both slots fill the queue, then both close: the CLOSEs wait for room */
		connect_ok(&h, 0, &sa);
		pa = accept_wait(lfd);
		CHECK(pa >= 0 && write_str(pa, "a2") && write_str(pb, "b2"));
		CHECK(readable(h.slots[0].fd) && readable(h.slots[1].fd));
		CHECK(tw_io_recv(h.io, 0, ba, sizeof ba) == 0);
		CHECK(tw_io_send(h.io, 0, (const uint8_t *)"A!", 2) == 0);
		CHECK(tw_io_recv(h.io, 1, bb, sizeof bb) == 0);
		CHECK(tw_io_send(h.io, 1, (const uint8_t *)"B!", 2) == 0);
		h_submit(&h);
		usleep(5000);
		CHECK(tw_io_close(h.io, 0) == 0);
		CHECK(tw_io_close(h.io, 1) == 0);
		h_submit(&h);
		expect(&h, 0, TW_IO_OP_CLOSE, 0);
		expect(&h, 1, TW_IO_OP_CLOSE, 0);
		h_quiet(&h, 30);
		CHECK(h.count[0][TW_IO_OP_RECV] == 0 && h.count[1][TW_IO_OP_RECV] == 1);
		if (pa >= 0)
			close(pa);
		if (pb >= 0)
			close(pb);
	}
	h_close(&h);
	close(lfd);
}

static void
case_errors(int kind)
{
	struct sockaddr_in sa;
	struct sockaddr_un su;
	struct h h;
	tw_io *io2;
	tw_io_slot s2[2];
	tw_io_cqe q2[4], out[4];
	uint8_t buf[16] = { 0 }, *big;
	int lfd, pfd;

	big = calloc(1, BIG_SEND);
	io2 = calloc(1, tw_io_size());
	if (!big || !io2)
		abort();
	CHECK(tw_io_init(io2, 99, s2, 2, q2, 4, 0) == TW_ERR_INVAL);
	CHECK(tw_io_init(io2, kind, s2, 2, q2, 3, 0) == TW_ERR_INVAL);     /* < 2 per slot */
	CHECK(tw_io_init(io2, kind, s2, 0, q2, 4, 0) == TW_ERR_INVAL);
	CHECK(tw_io_init(io2, kind, NULL, 2, q2, 4, 0) == TW_ERR_INVAL);
	CHECK(tw_io_init(NULL, kind, s2, 2, q2, 4, 0) == TW_ERR_INVAL);
	CHECK(tw_io_kind(io2) == 0);
	CHECK(tw_io_reap(io2, out, 4) == 0);
	CHECK(tw_io_recv(io2, 0, buf, sizeof buf) == TW_ERR_INVAL);
	tw_io_destroy(io2);     /* never initialised: a no-op */
	free(io2);

	lfd = listen_any(&sa, 0);
	memset(&su, 0, sizeof su);
	su.sun_family = AF_UNIX;
	if (h_open(&h, kind, 4, 8, 0, 16) == 0) {
		CHECK(tw_io_recv(h.io, 4, buf, sizeof buf) == TW_ERR_INVAL);          /* out of range */
		CHECK(tw_io_recv(h.io, 0, buf, sizeof buf) == TW_ERR_INVAL);          /* free slot */
		CHECK(tw_io_send(h.io, 0, buf, sizeof buf) == TW_ERR_INVAL);
		CHECK(tw_io_close(h.io, 0) == TW_ERR_INVAL);
		CHECK(tw_io_close(h.io, 99) == TW_ERR_INVAL);
		CHECK(tw_io_connect(h.io, 4, (struct sockaddr *)&sa, sizeof sa) == TW_ERR_INVAL);
		CHECK(tw_io_connect(h.io, 0, NULL, sizeof sa) == TW_ERR_INVAL);
		CHECK(tw_io_connect(h.io, 0, (struct sockaddr *)&su, sizeof su) == TW_ERR_INVAL);
		CHECK(tw_io_reap(h.io, out, 0) == 0);
		CHECK(tw_io_connect(h.io, 0, (struct sockaddr *)&sa, sizeof sa) == 0);
		CHECK(tw_io_connect(h.io, 0, (struct sockaddr *)&sa, sizeof sa) == TW_ERR_INVAL); /* busy */
		h_submit(&h);
		expect(&h, 0, TW_IO_OP_CONNECT, 0);
		pfd = accept_wait(lfd);
		CHECK(tw_io_recv(h.io, 0, buf, 0) == TW_ERR_INVAL);
		CHECK(tw_io_recv(h.io, 0, NULL, 4) == TW_ERR_INVAL);
		CHECK(tw_io_recv(h.io, 0, buf, sizeof buf) == 0);
		CHECK(tw_io_recv(h.io, 0, buf, sizeof buf) == TW_ERR_INVAL);           /* double recv */
		CHECK(tw_io_send(h.io, 0, big, 0) == TW_ERR_INVAL);
		CHECK(tw_io_send(h.io, 0, big, BIG_SEND) == 0);                        /* stays stuck */
		CHECK(tw_io_send(h.io, 0, buf, sizeof buf) == TW_ERR_INVAL);           /* double send */
		h_submit(&h);
		CHECK(tw_io_close(h.io, 0) == 0);
		CHECK(tw_io_close(h.io, 0) == TW_ERR_INVAL);                           /* closing */
		CHECK(tw_io_recv(h.io, 0, buf, sizeof buf) == TW_ERR_INVAL);
		CHECK(tw_io_connect(h.io, 0, (struct sockaddr *)&sa, sizeof sa) == TW_ERR_INVAL);
		h_submit(&h);
		expect(&h, 0, TW_IO_OP_CLOSE, 0);
		h_quiet(&h, 30);
		if (pfd >= 0)
			close(pfd);
		connect_ok(&h, 0, &sa);                                                  /* free again */
		pfd = accept_wait(lfd);
		close_ok(&h, 0);
		h_quiet(&h, 20);
		CHECK(h.count[0][TW_IO_OP_RECV] == 0 && h.count[0][TW_IO_OP_SEND] == 0);
		if (pfd >= 0)
			close(pfd);
	}
	h_close(&h);
	close(lfd);
	free(big);
}

static void
case_before_connect(int kind)
{
	struct sockaddr_in sa, closed;
	struct h h;
	uint8_t buf[16] = { 0 };
	int64_t res = 0;
	int lfd, pfd, cfd;
	char got[4];

	lfd = listen_any(&sa, 0);
	cfd = listen_any(&closed, 0);
	close(cfd);
	if (h_open(&h, kind, 2, 4, 0, 16) == 0) {
		/* recv and send issued with the connect, before its completion was seen */
		CHECK(tw_io_connect(h.io, 0, (struct sockaddr *)&sa, sizeof sa) == 0);
		CHECK(tw_io_recv(h.io, 0, buf, sizeof buf) == 0);
		CHECK(tw_io_send(h.io, 0, (const uint8_t *)"hi", 2) == 0);
		h_submit(&h);
		expect(&h, 0, TW_IO_OP_CONNECT, 0);
		expect(&h, 0, TW_IO_OP_SEND, 2);
		pfd = accept_wait(lfd);
		CHECK(pfd >= 0 && readable(pfd) && recv(pfd, got, sizeof got, 0) == 2
			&& memcmp(got, "hi", 2) == 0);
		CHECK(pfd >= 0 && write_str(pfd, "yo"));
		if (CHECK(h_wait(&h, 0, TW_IO_OP_RECV, &res)))
			CHECK(res == 2 && memcmp(buf, "yo", 2) == 0);
		close_ok(&h, 0);
		if (pfd >= 0)
			close(pfd);

		/* the same against a closed port: everything fails, each exactly once */
		CHECK(tw_io_connect(h.io, 1, (struct sockaddr *)&closed, sizeof closed) == 0);
		CHECK(tw_io_recv(h.io, 1, buf, sizeof buf) == 0);
		CHECK(tw_io_send(h.io, 1, (const uint8_t *)"hi", 2) == 0);
		h_submit(&h);
		expect(&h, 1, TW_IO_OP_CONNECT, -ECONNREFUSED);
		if (CHECK(h_wait(&h, 1, TW_IO_OP_RECV, &res)))
			CHECK(res <= 0);
		if (CHECK(h_wait(&h, 1, TW_IO_OP_SEND, &res)))
			CHECK(res < 0);
		close_ok(&h, 1);
		h_quiet(&h, 30);
	}
	h_close(&h);
	close(lfd);
}

/*
 * The address need only live for the call: it is overwritten (with a closed port) right after
 * tw_io_connect() returns, before the SQPOLL thread may have read the SQE, and the connect must
 * still reach the listener.
 */
static void
case_addr_lifetime(int kind)
{
	struct sockaddr_in sa, closed, scratch;
	struct h h;
	int lfd, cfd, pfd;

	lfd = listen_any(&sa, 0);
	cfd = listen_any(&closed, 0);
	close(cfd);
	if (h_open(&h, kind, 1, 2, 0, 16) == 0) {
		scratch = sa;
		CHECK(tw_io_connect(h.io, 0, (struct sockaddr *)&scratch, sizeof scratch) == 0);
		memcpy(&scratch, &closed, sizeof scratch);
		h_submit(&h);
		expect(&h, 0, TW_IO_OP_CONNECT, 0);
		pfd = accept_wait(lfd);
		CHECK(pfd >= 0);
		close_ok(&h, 0);
		if (pfd >= 0)
			close(pfd);
	}
	h_close(&h);
	close(lfd);
}

static void
case_reset(int kind)
{
	struct sockaddr_in sa;
	struct linger lg = { 1, 0 };
	struct h h;
	uint8_t buf[16] = { 0 };
	int64_t res = 0;
	int lfd, pfd;

	lfd = listen_any(&sa, 0);
	if (h_open(&h, kind, 2, 4, 0, 16) == 0) {
		connect_ok(&h, 0, &sa);
		pfd = accept_wait(lfd);
		CHECK(tw_io_recv(h.io, 0, buf, sizeof buf) == 0);
		h_submit(&h);
		h_pump(&h, 10);
		if (pfd >= 0) {
			setsockopt(pfd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
			close(pfd);     /* RST */
		}
		expect(&h, 0, TW_IO_OP_RECV, -ECONNRESET);
		CHECK(tw_io_send(h.io, 0, (const uint8_t *)"x", 1) == 0);
		h_submit(&h);
		if (CHECK(h_wait(&h, 0, TW_IO_OP_SEND, &res)))
			CHECK(res == -EPIPE || res == -ECONNRESET);
		close_ok(&h, 0);
		h_quiet(&h, 30);
	}
	h_close(&h);
	close(lfd);
}

/*
 * One slot, a 1-entry SQ: the CQ gets 4 entries. connect + recv + send + close (3 cancels)
 * without reaping makes 6 CQEs, so the ring overflows (IORING_FEAT_NODROP keeps the rest) and
 * reap must flush them. Exactly one CLOSE must come out. epoll runs the same sequence.
 */
static void
case_cq_overflow(int kind)
{
	struct sockaddr_in sa;
	struct h h;
	uint8_t buf[16] = { 0 };
	int lfd, pfd, round;

	lfd = listen_any(&sa, 0);
	if (h_open(&h, kind, 1, 2, 1, 1) == 0) {
		for (round = 0; round < 3; round++) {
			CHECK(tw_io_connect(h.io, 0, (struct sockaddr *)&sa, sizeof sa) == 0);
			pfd = accept_wait(lfd);
			CHECK(pfd >= 0 && write_str(pfd, "data"));
			CHECK(tw_io_recv(h.io, 0, buf, sizeof buf) == 0);
			CHECK(tw_io_send(h.io, 0, (const uint8_t *)"x", 1) == 0);
			CHECK(tw_io_submit(h.io) == 0);
			usleep(10000);
			CHECK(tw_io_close(h.io, 0) == 0);
			CHECK(tw_io_submit(h.io) == 0);
			usleep(10000);
			expect(&h, 0, TW_IO_OP_CLOSE, 0);
			h_quiet(&h, 20);
			if (pfd >= 0)
				close(pfd);
		}
		CHECK(h.count[0][TW_IO_OP_CLOSE] == 3);
		CHECK(h.count[0][TW_IO_OP_CONNECT] + h.count[0][TW_IO_OP_RECV] + h.count[0][TW_IO_OP_SEND] == 0);
	}
	h_close(&h);
	close(lfd);
}

/* tw_io_destroy with operations in flight: returns promptly, peers see the sockets go. */
static void
case_destroy_busy(int kind)
{
	struct sockaddr_in sa;
	struct h h;
	uint8_t *buf, *big;
	int lfd, p0, p1, p2;
	double t0;
	char c;

	buf = calloc(3, 64);
	big = calloc(1, BIG_SEND);
	if (!buf || !big)
		abort();
	lfd = listen_any(&sa, 0);
	p0 = p1 = p2 = -1;
	if (h_open(&h, kind, 4, 8, 0, 16) == 0) {
		connect_ok(&h, 0, &sa);
		p0 = accept_wait(lfd);
		connect_ok(&h, 1, &sa);
		p1 = accept_wait(lfd);
		CHECK(tw_io_recv(h.io, 0, buf, 64) == 0);
		CHECK(tw_io_recv(h.io, 1, buf + 64, 64) == 0);
		CHECK(tw_io_send(h.io, 1, big, BIG_SEND) == 0);
		h_submit(&h);
		h_pump(&h, 20);
		CHECK(tw_io_connect(h.io, 2, (struct sockaddr *)&sa, sizeof sa) == 0);
		CHECK(tw_io_recv(h.io, 2, buf + 128, 64) == 0);
		CHECK(tw_io_close(h.io, 0) == 0);       /* closing, cancels not even submitted */
		p2 = accept_ms(lfd, 1000);
		CHECK(h.npend == 0);
	}
	t0 = now_ms();
	h_close(&h);
	CHECK(now_ms() - t0 < 1000);
	CHECK(p0 >= 0 && readable(p0) && recv(p0, &c, 1, 0) == 0);
	if (p2 >= 0)
		CHECK(readable(p2) && recv(p2, &c, 1, 0) == 0);
	if (p0 >= 0)
		close(p0);
	if (p1 >= 0)
		close(p1);
	if (p2 >= 0)
		close(p2);
	close(lfd);
	free(buf);
	free(big);
}

/* ---- main ----------------------------------------------------------------------------------- */

static void
run_case(const char *backend, const char *name, void (*fn)(int), int kind)
{
	unsigned f0 = failed;

	cur_backend = backend;
	cur_case = name;
	fn(kind);
	printf("%s %-5s %s\n", failed == f0 ? "ok  " : "FAIL", backend, name);
	fflush(stdout);
}

static void
many_default(int kind)
{
	case_many(kind, 0, 64);
}

static void
many_small_ring(int kind)
{
	case_many(kind, 8, 7);
}

int
main(int argc, char **argv)
{
	static const struct {
		const char *name;
		void (*fn)(int);
	} cases[] = {
		{ "connect", case_connect },
		{ "connect_refused", case_refused },
		{ "recv", case_recv },
		{ "recv_eof", case_eof },
		{ "reset", case_reset },
		{ "ops_before_connect", case_before_connect },
		{ "addr_lifetime", case_addr_lifetime },
		{ "send_16MiB_slow_reader", case_big_send },
		{ "echo_10000", case_echo },
		{ "close_inflight", case_close_inflight },
		{ "200_slots", many_default },
		{ "200_slots_ring8_reap7", many_small_ring },
		{ "notify_fd", case_notify },
		{ "full_queue", case_full_queue },
		{ "cq_overflow", case_cq_overflow },
		{ "errors", case_errors },
		{ "destroy_busy", case_destroy_busy },
	};
	static const struct {
		const char *name;
		int kind;
	} backends[] = { { "uring", TW_IO_URING }, { "sqpoll", TW_IO_URING_SQPOLL }, { "epoll", TW_IO_EPOLL } };
	size_t b, c;
	int ran = 0, probe;

	signal(SIGPIPE, SIG_IGN);
	for (b = 0; b < sizeof backends / sizeof backends[0]; b++) {
		if (argc > 1 && strcmp(argv[1], backends[b].name) != 0)
			continue;
		if (backends[b].kind != TW_IO_EPOLL) {
			probe = tw_io_uring_probe();
			if (probe != 0) {
				printf("SKIP uring: %s (%d)\n", strerror(-probe), probe);
				continue;
			}
		}
		ran++;
		for (c = 0; c < sizeof cases / sizeof cases[0]; c++)
			run_case(backends[b].name, cases[c].name, cases[c].fn, backends[b].kind);
	}
	printf("test_io: %u passed, %u failed\n", passed, failed);
	if (failed)
		return 1;
	return ran ? 0 : 77;
}
