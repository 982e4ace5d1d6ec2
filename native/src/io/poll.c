/*
 * poll.c — the epoll backend of tw_io: the completion model of tw_io.h emulated with readiness.
 *
 * IMPLEMENTATION NOTES
 *
 * Edge triggering, registered once. Each socket is added after connect() with
 * EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET and never modified, so the steady state costs no
 * epoll_ctl() at all (level triggering would need an EPOLL_CTL_MOD per send to switch EPOLLOUT
 * on and off, or would wake the loop for every writable socket). The price of edges is that an
 * edge that arrives while no operation waits is gone, so every operation is tried at once:
 * tw_io_recv() calls recv() immediately (the data may already be there), tw_io_send() writes
 * until done or EAGAIN, and only an EAGAIN makes an operation wait for the next edge. Sends loop
 * to EAGAIN (not just to the first short write) so the "buffer full" state that re-arms EPOLLOUT
 * is certain. With edges, a wakeup for readable data reports EPOLLOUT too (the mask is
 * recomputed), and EPOLLOUT only fires on its own after a send filled the buffer, so idle
 * sockets do not wake the loop.
 *
 * Registering after connect() (not before) means the first report already reflects the connect:
 * a socket in SYN_SENT reports nothing. The connect outcome is still verified, not read off the
 * event mask: SO_ERROR, then getpeername() (ENOTCONN = still connecting, keep waiting). While a
 * connect is pending, recv/send requests only wait (they are tried once it resolves, or fail
 * with its error): a recv() or send() on a connecting socket would consume the socket error
 * that SO_ERROR must report.
 *
 * Completions produced inside a call go to the caller's queue (io.c); during tw_io_reap() they
 * go straight to `out`, spilling into the queue only when one event yields more than fits. The
 * number of events taken per epoll_wait() is bounded by the room left (at most 3 completions per
 * event: CONNECT, plus a failed connect's RECV and SEND), so a spill always fits. When the queue
 * is full at call time, the operation is not attempted: the slot is marked P_RETRY and
 * tw_io_reap() attempts it once there is room (a failed attempt would consume the error).
 *
 * Close is immediate: pending operations are dropped (nothing is in the kernel), the socket is
 * removed from the epoll set and closed, and CLOSE is queued. Completions of the slot already
 * queued are dropped by io.c at delivery.
 *
 * The notify fd is the epoll fd itself: it is readable while the ready list is non-empty, and
 * tw_io_reap() empties it with epoll_wait(timeout 0).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "tw_io.h"

/* ---- internal interface (declared identically in io.c) ------------------------------------ */
int tw_io_q_push(tw_io *io, uint32_t slot, uint32_t op, int64_t res);
uint32_t tw_io_q_room(const tw_io *io);
int tw_io_sock_connect_result(int fd);
/* ------------------------------------------------------------------------------------------- */

/* Backend bits of tw_io_slot.flags (io.c owns bits 0-7). */
#define P_CONNECTING (1u << 8)  /* connect() returned EINPROGRESS: wait for an edge */
#define P_RECV (1u << 9)        /* a recv waits (rx, rx_len) */
#define P_SEND (1u << 10)       /* a send waits (tx, tx_len, tx_done) */
#define P_RETRY (1u << 11)      /* attempt from tw_io_reap(): the queue had no room */
#define P_CONNRES (1u << 12)    /* connect finished inside the call; result in P_ERR */
#define P_CLOSE (1u << 13)      /* CLOSE waits for queue room */
#define P_ERR_SHIFT 16          /* errno of a P_CONNRES failure (12 bits) */
#define P_ERR_MASK (0xfffu << P_ERR_SHIFT)
#define P_ALL 0xffffff00u

#define EV_BATCH 64
#define MAX_PER_EVENT 3
#define IO_CHUNK ((size_t)1 << 30)

struct ep {
	tw_io *io;
	tw_io_slot *slots;
	uint32_t nslots;
	int epfd;
	uint32_t retry;         /* slots with P_RETRY set */
};

/* Where completions go: `out` while it has room, then the queue (room reserved by the caller). */
struct sink {
	tw_io *io;
	tw_io_cqe *out;
	size_t n;
	size_t max;
};

static void
emit(struct sink *k, uint32_t slot, uint32_t op, int64_t res)
{
	if (k->n < k->max) {
		k->out[k->n].slot = slot;
		k->out[k->n].op = op;
		k->out[k->n].res = res;
		k->n++;
		return;
	}
	(void)tw_io_q_push(k->io, slot, op, res);
}

static size_t
sink_room(const struct sink *k)
{
	return (k->max - k->n) + tw_io_q_room(k->io);
}

static void
mark_retry(struct ep *e, tw_io_slot *s)
{
	if (!(s->flags & P_RETRY)) {
		s->flags |= P_RETRY;
		e->retry++;
	}
}

static void
do_recv(struct sink *k, uint32_t i, tw_io_slot *s)
{
	ssize_t r;

	for (;;) {
		r = recv(s->fd, s->rx, s->rx_len < IO_CHUNK ? s->rx_len : IO_CHUNK, 0);
		if (r >= 0) {
			s->flags &= ~P_RECV;
			emit(k, i, TW_IO_OP_RECV, r);
			return;
		}
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			return;
		s->flags &= ~P_RECV;
		emit(k, i, TW_IO_OP_RECV, -errno);
		return;
	}
}

static void
do_send(struct sink *k, uint32_t i, tw_io_slot *s)
{
	size_t left;
	ssize_t r;

	for (;;) {
		left = s->tx_len - s->tx_done;
		r = send(s->fd, s->tx + s->tx_done, left < IO_CHUNK ? left : IO_CHUNK, MSG_NOSIGNAL);
		if (r > 0) {
			s->tx_done += (size_t)r;
			if (s->tx_done == s->tx_len) {
				s->flags &= ~P_SEND;
				emit(k, i, TW_IO_OP_SEND, (int64_t)s->tx_len);
				return;
			}
			continue;
		}
		if (r == 0)
			return;
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			return;
		s->flags &= ~P_SEND;
		emit(k, i, TW_IO_OP_SEND, -errno);
		return;
	}
}

/* The connect resolved (res 0 or -errno): report it, then run or fail what waited for it. */
static void
finish_connect(struct sink *k, uint32_t i, tw_io_slot *s, int res)
{
	s->flags &= ~(P_CONNECTING | P_CONNRES | P_ERR_MASK);
	emit(k, i, TW_IO_OP_CONNECT, res);
	if (res < 0) {
		if (s->flags & P_RECV) {
			s->flags &= ~P_RECV;
			emit(k, i, TW_IO_OP_RECV, res);
		}
		if (s->flags & P_SEND) {
			s->flags &= ~P_SEND;
			emit(k, i, TW_IO_OP_SEND, res);
		}
		return;
	}
	if (s->flags & P_RECV)
		do_recv(k, i, s);
	if (s->flags & P_SEND)
		do_send(k, i, s);
}

/* Runs whatever waits on slot i for readiness `ev`. Needs room for MAX_PER_EVENT completions. */
static void
attempt(struct sink *k, uint32_t i, tw_io_slot *s, uint32_t ev)
{
	int r;

	if (s->flags & P_CONNECTING) {
		if (ev & (EPOLLOUT | EPOLLERR | EPOLLHUP)) {
			r = tw_io_sock_connect_result(s->fd);
			if (r <= 0)
				finish_connect(k, i, s, r);
		}
		return;
	}
	if ((s->flags & P_RECV) && (ev & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)))
		do_recv(k, i, s);
	if ((s->flags & P_SEND) && (ev & (EPOLLOUT | EPOLLHUP | EPOLLERR)))
		do_send(k, i, s);
}

static void
run_retries(struct ep *e, struct sink *k)
{
	uint32_t i;
	tw_io_slot *s;

	for (i = 0; i < e->nslots && e->retry > 0; i++) {
		s = &e->slots[i];
		if (!(s->flags & P_RETRY))
			continue;
		if (sink_room(k) < MAX_PER_EVENT)
			return;
		s->flags &= ~P_RETRY;
		e->retry--;
		if (s->flags & P_CLOSE) {
			s->flags &= ~P_CLOSE;
			emit(k, i, TW_IO_OP_CLOSE, 0);
		} else if (s->flags & P_CONNRES) {
			finish_connect(k, i, s, -(int)((s->flags & P_ERR_MASK) >> P_ERR_SHIFT));
		} else {
			attempt(k, i, s, EPOLLIN | EPOLLOUT | EPOLLRDHUP);
		}
	}
}

/* called by io.c */
int
tw_epoll_init(void *be, size_t be_len, tw_io *io, tw_io_slot *slots, uint32_t nslots)
{
	struct ep *e = be;

	if (sizeof *e > be_len)
		return -EOVERFLOW;
	memset(e, 0, sizeof *e);
	e->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (e->epfd < 0)
		return -errno;
	e->io = io;
	e->slots = slots;
	e->nslots = nslots;
	return 0;
}

/* called by io.c */
void
tw_epoll_destroy(void *be)
{
	struct ep *e = be;
	uint32_t i;

	for (i = 0; i < e->nslots; i++) {
		if (e->slots[i].fd >= 0) {
			close(e->slots[i].fd);
			e->slots[i].fd = -1;
		}
	}
	close(e->epfd);
	e->epfd = -1;
}

/* called by io.c */
int
tw_epoll_notify_fd(const void *be)
{
	const struct ep *e = be;

	return e->epfd;
}

/* called by io.c */
int
tw_epoll_connect(void *be, uint32_t i, const struct sockaddr *addr, socklen_t addrlen)
{
	struct ep *e = be;
	tw_io_slot *s = &e->slots[i];
	struct epoll_event ev;
	int fd, one, r, res, err;

	fd = socket(addr->sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_TCP);
	if (fd < 0)
		return -errno;
	one = 1;
	(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	res = 0;
	r = connect(fd, addr, addrlen);
	if (r < 0) {
		/* EINTR: the connect carries on asynchronously, like EINPROGRESS */
		if (errno == EINPROGRESS || errno == EINTR)
			r = 1;
		else
			res = -errno;
	}
	memset(&ev, 0, sizeof ev);
	ev.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET;
	ev.data.u64 = i;
	if (epoll_ctl(e->epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
		err = errno;
		close(fd);
		return -err;
	}
	s->fd = fd;
	if (r == 1) {
		s->flags |= P_CONNECTING;
	} else if (tw_io_q_room(e->io) > 0) {
		(void)tw_io_q_push(e->io, i, TW_IO_OP_CONNECT, res);
	} else {
		s->flags |= P_CONNRES | (((uint32_t)-res << P_ERR_SHIFT) & P_ERR_MASK);
		mark_retry(e, s);
	}
	return 0;
}

/* called by io.c */
int
tw_epoll_recv(void *be, uint32_t i)
{
	struct ep *e = be;
	tw_io_slot *s = &e->slots[i];
	struct sink k = { e->io, NULL, 0, 0 };

	s->flags |= P_RECV;
	if (s->flags & (P_CONNECTING | P_CONNRES))
		return 0;
	if (tw_io_q_room(e->io) == 0) {
		mark_retry(e, s);
		return 0;
	}
	do_recv(&k, i, s);
	return 0;
}

/* called by io.c */
int
tw_epoll_send(void *be, uint32_t i)
{
	struct ep *e = be;
	tw_io_slot *s = &e->slots[i];
	struct sink k = { e->io, NULL, 0, 0 };

	s->flags |= P_SEND;
	if (s->flags & (P_CONNECTING | P_CONNRES))
		return 0;
	if (tw_io_q_room(e->io) == 0) {
		mark_retry(e, s);
		return 0;
	}
	do_send(&k, i, s);
	return 0;
}

/* called by io.c */
int
tw_epoll_close(void *be, uint32_t i)
{
	struct ep *e = be;
	tw_io_slot *s = &e->slots[i];

	if (s->flags & P_RETRY)
		e->retry--;
	s->flags &= ~P_ALL;
	if (s->fd >= 0) {
		(void)epoll_ctl(e->epfd, EPOLL_CTL_DEL, s->fd, NULL);
		close(s->fd);
		s->fd = -1;
	}
	if (tw_io_q_push(e->io, i, TW_IO_OP_CLOSE, 0) < 0) {
		s->flags |= P_CLOSE;
		mark_retry(e, s);
	}
	return 0;
}

/* called by io.c, with the queue empty */
size_t
tw_epoll_reap(void *be, tw_io_cqe *out, size_t max)
{
	struct ep *e = be;
	struct epoll_event evs[EV_BATCH];
	struct sink k = { e->io, out, 0, max };
	size_t cap;
	int r, j;
	uint32_t i;

	if (e->retry > 0)
		run_retries(e, &k);
	while (k.n < k.max) {
		cap = sink_room(&k) / MAX_PER_EVENT;
		if (cap == 0)
			break;
		if (cap > EV_BATCH)
			cap = EV_BATCH;
		r = epoll_wait(e->epfd, evs, (int)cap, 0);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		for (j = 0; j < r; j++) {
			i = (uint32_t)evs[j].data.u64;
			if (i < e->nslots && e->slots[i].fd >= 0)
				attempt(&k, i, &e->slots[i], evs[j].events);
		}
		if ((size_t)r < cap)
			break;
	}
	return k.n;
}
