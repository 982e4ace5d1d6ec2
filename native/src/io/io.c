/*
 * io.c — the tw_io front end: argument checks, slot bookkeeping and the synchronous-completion
 * queue shared by both backends, and dispatch by kind to io_uring (uring.c) or epoll (poll.c).
 *
 * IMPLEMENTATION NOTES
 *
 * Ownership of tw_io_slot.flags: bits 0-7 belong to this file (the user-visible state: open,
 * which operations were requested and not yet delivered, closing); bits 8-31 belong to the
 * backend, which never looks at ours.
 *
 * A slot's busy bit (S_RECV, ...) stays set until its completion is *delivered* by tw_io_reap(),
 * not merely produced: a second tw_io_recv() is refused until the caller has seen the first
 * RECV. Delivery is also where close semantics are enforced: an operation completion for a slot
 * that is closing is dropped (the backends already swallow what they can; this catches
 * completions that were queued before tw_io_close()), and a CLOSE completion resets the slot,
 * so the slot becomes free exactly when the caller sees CLOSE, never earlier. Because the queue
 * is FIFO and no new operation is accepted on a closing slot, nothing stale can follow a CLOSE.
 *
 * The queue (caller's `cq` array, a ring) holds completions produced outside tw_io_reap(): by
 * epoll when a recv/send finishes inside the call, by either backend for a CLOSE that needs no
 * kernel round trip, and by epoll when one readiness event yields more completions than `out`
 * can take. Backends check tw_io_q_room() before doing anything that could complete, and defer
 * (retry from tw_io_reap) when there is none, so a completion is never lost and an error is
 * never consumed from a socket without being reported.
 *
 * tw_io_reap() drains the queue first; it calls the backend only with the queue empty (so the
 * backend has the whole queue as spill room), and loops while the backend filled `out` but
 * some of it was dropped. It returns 0 only when nothing is available.
 *
 * There is no private header for the backend interface (file ownership): the declarations
 * below are repeated in uring.c and poll.c and must stay identical.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stddef.h>
#include <string.h>
#include <sys/socket.h>

#include "tw_io.h"

/* ---- internal interface (repeated in uring.c and poll.c) ---------------------------------- */
int tw_io_q_push(tw_io *io, uint32_t slot, uint32_t op, int64_t res);
uint32_t tw_io_q_room(const tw_io *io);
int tw_io_sock_connect_result(int fd);

int tw_uring_check(void);
int tw_uring_init(void *be, size_t be_len, tw_io *io, tw_io_slot *slots, uint32_t nslots,
	unsigned entries, int sqpoll);
void tw_uring_destroy(void *be);
int tw_uring_notify_fd(const void *be);
int tw_uring_connect(void *be, uint32_t slot, const struct sockaddr *addr, socklen_t addrlen);
int tw_uring_recv(void *be, uint32_t slot);
int tw_uring_send(void *be, uint32_t slot);
int tw_uring_close(void *be, uint32_t slot);
int tw_uring_submit(void *be);
size_t tw_uring_reap(void *be, tw_io_cqe *out, size_t max);

int tw_epoll_init(void *be, size_t be_len, tw_io *io, tw_io_slot *slots, uint32_t nslots);
void tw_epoll_destroy(void *be);
int tw_epoll_notify_fd(const void *be);
int tw_epoll_connect(void *be, uint32_t slot, const struct sockaddr *addr, socklen_t addrlen);
int tw_epoll_recv(void *be, uint32_t slot);
int tw_epoll_send(void *be, uint32_t slot);
int tw_epoll_close(void *be, uint32_t slot);
size_t tw_epoll_reap(void *be, tw_io_cqe *out, size_t max);
/* ------------------------------------------------------------------------------------------- */

#define S_OPEN (1u << 0)
#define S_CONNECT (1u << 1)
#define S_RECV (1u << 2)
#define S_SEND (1u << 3)
#define S_CLOSING (1u << 4)

/* Room for the backend state (struct io_uring is about 220 bytes); each backend checks. */
#define TW_IO_BACKEND_BYTES 512

struct tw_io {
	int kind;               /* TW_IO_URING, TW_IO_URING_SQPOLL, TW_IO_EPOLL, or 0 when not initialised */
	uint32_t nslots;
	tw_io_slot *slots;
	tw_io_cqe *q;           /* the synchronous-completion ring */
	uint32_t q_len;
	uint32_t q_head;
	uint32_t q_count;
	union {
		max_align_t align;
		unsigned char bytes[TW_IO_BACKEND_BYTES];
	} be;
};

static void
slot_reset(tw_io_slot *s)
{
	s->fd = -1;
	s->flags = 0;
	s->rx = NULL;
	s->rx_len = 0;
	s->tx = NULL;
	s->tx_len = 0;
	s->tx_done = 0;
}

static uint32_t
op_bit(uint32_t op)
{
	switch (op) {
	case TW_IO_OP_CONNECT:
		return S_CONNECT;
	case TW_IO_OP_RECV:
		return S_RECV;
	case TW_IO_OP_SEND:
		return S_SEND;
	default:
		return 0;
	}
}

/*
 * Delivery: 1 if the completion goes to the caller, 0 if it is dropped. A CLOSE frees the slot.
 */
static int
deliver(tw_io *io, const tw_io_cqe *c)
{
	tw_io_slot *s;

	if (c->slot >= io->nslots)
		return 0;
	s = &io->slots[c->slot];
	if (c->op == TW_IO_OP_CLOSE) {
		slot_reset(s);
		return 1;
	}
	if ((s->flags & S_CLOSING) || !(s->flags & op_bit(c->op)))
		return 0;
	s->flags &= ~op_bit(c->op);
	return 1;
}

/* internal: queues a completion for the next tw_io_reap(); -1 if the queue is full */
int
tw_io_q_push(tw_io *io, uint32_t slot, uint32_t op, int64_t res)
{
	tw_io_cqe *c;

	if (io->q_count == io->q_len)
		return -1;
	c = &io->q[(io->q_head + io->q_count) % io->q_len];
	c->slot = slot;
	c->op = op;
	c->res = res;
	io->q_count++;
	return 0;
}

/* internal: free entries in the queue */
uint32_t
tw_io_q_room(const tw_io *io)
{
	return io->q_len - io->q_count;
}

/*
 * internal: state of a non-blocking connect once the socket looked writable (or errored):
 * 0 connected, -errno failed, 1 still in progress (a spurious wakeup). SO_ERROR first (it also
 * clears the error); getpeername() then tells an established socket from one still in SYN_SENT.
 */
int
tw_io_sock_connect_result(int fd)
{
	struct sockaddr_storage peer;
	socklen_t len;
	int err;

	err = 0;
	len = sizeof err;
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
		return -errno;
	if (err != 0)
		return -err;
	len = sizeof peer;
	if (getpeername(fd, (struct sockaddr *)&peer, &len) == 0)
		return 0;
	if (errno == ENOTCONN)
		return 1;
	return -errno;
}

/* see tw_io.h */
int
tw_io_uring_probe(void)
{
	return tw_uring_check();
}

/* see tw_io.h */
size_t
tw_io_size(void)
{
	return sizeof(struct tw_io);
}

/* see tw_io.h */
int
tw_io_init(tw_io *io, int kind, tw_io_slot *slots, uint32_t nslots, tw_io_cqe *cq, uint32_t cq_len,
	unsigned ring_entries)
{
	uint32_t i;
	int r;

	if (io == NULL || slots == NULL || cq == NULL || nslots == 0 || nslots == UINT32_MAX
		|| (uint64_t)cq_len < 2 * (uint64_t)nslots)
		return TW_ERR_INVAL;
	if (kind != TW_IO_URING && kind != TW_IO_URING_SQPOLL && kind != TW_IO_EPOLL)
		return TW_ERR_INVAL;
	memset(io, 0, sizeof *io);
	for (i = 0; i < nslots; i++)
		slot_reset(&slots[i]);
	io->nslots = nslots;
	io->slots = slots;
	io->q = cq;
	io->q_len = cq_len;
	if (kind != TW_IO_EPOLL)
		r = tw_uring_init(io->be.bytes, sizeof io->be, io, slots, nslots, ring_entries, kind == TW_IO_URING_SQPOLL);
	else
		r = tw_epoll_init(io->be.bytes, sizeof io->be, io, slots, nslots);
	if (r < 0)
		return r;
	io->kind = kind;
	return 0;
}

/* see tw_io.h */
void
tw_io_destroy(tw_io *io)
{
	uint32_t i;

	if (io == NULL || io->kind == 0)
		return;
	if (io->kind != TW_IO_EPOLL)
		tw_uring_destroy(io->be.bytes);
	else
		tw_epoll_destroy(io->be.bytes);
	for (i = 0; i < io->nslots; i++)
		slot_reset(&io->slots[i]);
	io->kind = 0;
	io->q_count = 0;
}

/* see tw_io.h */
int
tw_io_kind(const tw_io *io)
{
	return io != NULL ? io->kind : 0;
}

/* see tw_io.h */
int
tw_io_notify_fd(const tw_io *io)
{
	if (io == NULL || io->kind == 0)
		return -1;
	if (io->kind != TW_IO_EPOLL)
		return tw_uring_notify_fd(io->be.bytes);
	return tw_epoll_notify_fd(io->be.bytes);
}

/* The slot if `io` is live and `slot` is open and not closing, else NULL. */
static tw_io_slot *
usable_slot(tw_io *io, uint32_t slot)
{
	tw_io_slot *s;

	if (io == NULL || io->kind == 0 || slot >= io->nslots)
		return NULL;
	s = &io->slots[slot];
	if ((s->flags & (S_OPEN | S_CLOSING)) != S_OPEN)
		return NULL;
	return s;
}

/* see tw_io.h */
int
tw_io_connect(tw_io *io, uint32_t slot, const struct sockaddr *addr, socklen_t addrlen)
{
	tw_io_slot *s;
	int r;

	if (io == NULL || io->kind == 0 || slot >= io->nslots || addr == NULL
		|| addrlen < sizeof(sa_family_t) || addrlen > sizeof(struct sockaddr_storage))
		return TW_ERR_INVAL;
	if (addr->sa_family != AF_INET && addr->sa_family != AF_INET6)
		return TW_ERR_INVAL;
	s = &io->slots[slot];
	if (s->flags & S_OPEN)
		return TW_ERR_INVAL;
	slot_reset(s);
	s->flags = S_OPEN | S_CONNECT;
	if (io->kind != TW_IO_EPOLL)
		r = tw_uring_connect(io->be.bytes, slot, addr, addrlen);
	else
		r = tw_epoll_connect(io->be.bytes, slot, addr, addrlen);
	if (r < 0)
		slot_reset(s);
	return r;
}

/* see tw_io.h */
int
tw_io_recv(tw_io *io, uint32_t slot, uint8_t *buf, size_t len)
{
	tw_io_slot *s;
	int r;

	s = usable_slot(io, slot);
	if (s == NULL || buf == NULL || len == 0 || (s->flags & S_RECV))
		return TW_ERR_INVAL;
	s->rx = buf;
	s->rx_len = len;
	s->flags |= S_RECV;
	if (io->kind != TW_IO_EPOLL)
		r = tw_uring_recv(io->be.bytes, slot);
	else
		r = tw_epoll_recv(io->be.bytes, slot);
	if (r < 0) {
		s->flags &= ~S_RECV;
		s->rx = NULL;
		s->rx_len = 0;
	}
	return r;
}

/* see tw_io.h */
int
tw_io_send(tw_io *io, uint32_t slot, const uint8_t *buf, size_t len)
{
	tw_io_slot *s;
	int r;

	s = usable_slot(io, slot);
	if (s == NULL || buf == NULL || len == 0 || (s->flags & S_SEND))
		return TW_ERR_INVAL;
	s->tx = buf;
	s->tx_len = len;
	s->tx_done = 0;
	s->flags |= S_SEND;
	if (io->kind != TW_IO_EPOLL)
		r = tw_uring_send(io->be.bytes, slot);
	else
		r = tw_epoll_send(io->be.bytes, slot);
	if (r < 0) {
		s->flags &= ~S_SEND;
		s->tx = NULL;
		s->tx_len = 0;
	}
	return r;
}

/* see tw_io.h */
int
tw_io_close(tw_io *io, uint32_t slot)
{
	tw_io_slot *s;

	s = usable_slot(io, slot);
	if (s == NULL)
		return TW_ERR_INVAL;
	s->flags |= S_CLOSING;
	if (io->kind != TW_IO_EPOLL)
		return tw_uring_close(io->be.bytes, slot);
	return tw_epoll_close(io->be.bytes, slot);
}

/* see tw_io.h */
int
tw_io_submit(tw_io *io)
{
	if (io == NULL || io->kind == 0)
		return TW_ERR_INVAL;
	if (io->kind != TW_IO_EPOLL)
		return tw_uring_submit(io->be.bytes);
	return 0;
}

/* see tw_io.h */
size_t
tw_io_reap(tw_io *io, tw_io_cqe *out, size_t max)
{
	size_t n, room, k, i, base;

	if (io == NULL || io->kind == 0 || out == NULL)
		return 0;
	n = 0;
	for (;;) {
		while (n < max && io->q_count > 0) {
			tw_io_cqe c = io->q[io->q_head];

			io->q_head = (io->q_head + 1) % io->q_len;
			io->q_count--;
			if (deliver(io, &c))
				out[n++] = c;
		}
		if (n == max)
			break;
		room = max - n;
		if (io->kind != TW_IO_EPOLL)
			k = tw_uring_reap(io->be.bytes, out + n, room);
		else
			k = tw_epoll_reap(io->be.bytes, out + n, room);
		base = n;
		for (i = 0; i < k; i++) {
			tw_io_cqe c = out[base + i];

			if (deliver(io, &c))
				out[n++] = c;
		}
		if (k < room && io->q_count == 0)
			break;
	}
	return n;
}
