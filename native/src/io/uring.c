/*
 * uring.c — the io_uring backend of tw_io (liburing): connect, recv, send and close as SQEs,
 * completions from the CQ ring, an eventfd for the event loop.
 *
 * IMPLEMENTATION NOTES
 *
 * Ring. IORING_SETUP_CQSIZE sizes the CQ for 4 CQEs per slot (recv + send + their two cancels
 * at close) or twice the SQ, whichever is larger, so it cannot overflow while the caller reaps;
 * IORING_FEAT_NODROP (required) keeps it lossless if the caller does not, and tw_io_reap()
 * flushes the kernel's overflow list (io_uring_get_events) when IORING_SQ_CQ_OVERFLOW is set.
 * (It took 6 CQEs on a 4-entry CQ to test that: connect, recv, send and three cancels.)
 * IORING_FEAT_FAST_POLL is required too (Linux 5.7): without it socket operations on
 * non-blocking sockets can complete with -EAGAIN over and over.
 *
 * COOP_TASKRUN + TASKRUN_FLAG (5.19+; older kernels get a ring without them): a completion
 * that needs task work no longer IPIs this thread while it runs user code; the work runs at its
 * next kernel entry. A thread asleep in poll/epoll_wait is still woken (the syscall restarts
 * after the work posted the CQE and signalled the eventfd), so the event loop sees no
 * difference, while a busy-polling reaper saves the IPI: reap checks IORING_SQ_TASKRUN and
 * enters the kernel (io_uring_get_events) to run the work when it is pending. About half the
 * round-trip time when spinning, on a VM where IPIs exit to the hypervisor. Not DEFER_TASKRUN:
 * it needs SINGLE_ISSUER (the ring bound to one task) and 6.1+.
 *
 * user_data = op << 32 | slot. Each slot has at most one SQE per kind (connect, poll, recv,
 * send) plus the cancels of a close, counted in flags bits 24-31, so a CQE always finds its
 * owner and a slot is known to be quiet when its count is 0.
 *
 * Connect. IORING_OP_CONNECT reads the address when the kernel consumes the SQE, which may be
 * after tw_io_connect() returns (SQPOLL; a submit that fails now and is retried by the next
 * tw_io_submit()), so the SQE points at a copy in the slot (tw_io_slot.addr: the caller's
 * sockaddr need only live for the call; the slot is not reused before the CONNECT completed).
 * The SQE is submitted at once, so the connect starts without waiting for the caller's next
 * submit. A CONNECT completing with -EINPROGRESS/-EALREADY (old kernels, io-wq) falls back to a
 * POLL_ADD(POLLOUT) and the SO_ERROR/getpeername check.
 *
 * Recv completes with whatever arrived. Sends carry MSG_WAITALL, so the kernel (5.18+) keeps
 * sending until all is out and posts one CQE; without it a send that fills the socket buffer
 * completes short. Older kernels ignore the flag, and a short result is re-armed with the
 * remainder here, so SEND is reported once, with the full length, either way. One SQE carries
 * at most 8 MiB (a larger send is re-armed piece by piece), which costs nothing measurable and
 * keeps the remainder path exercised by the tests on every kernel. -EAGAIN and
 * -EINTR from recv/send are re-armed, never reported. Sends carry MSG_NOSIGNAL.
 *
 * Close. The slot is marked closing; if anything is in flight the socket is shut down (so every
 * pending operation completes promptly even if a cancel cannot be queued) and each in-flight SQE
 * gets an ASYNC_CANCEL by user_data (works since 5.5, unlike CANCEL_FD/ALL). Completions of a
 * closing slot, cancels included, are swallowed; when the count reaches 0 the fd is closed and
 * exactly one CLOSE is produced. With nothing in flight, close is immediate and CLOSE goes to
 * the queue. The cancels go to the kernel with the next tw_io_submit(), as any request does.
 *
 * Ring full. io_uring_get_sqe() failing is answered by submitting and trying again. A user
 * request that still gets no SQE fails with -EBUSY; a re-arm inside tw_io_reap() that gets none
 * is remembered (R_* bits) and retried by the next reap or submit. SQEs prepared inside
 * tw_io_reap() are submitted before it returns, so a short send makes progress without waiting
 * for the caller's next batch.
 *
 * SQPOLL (TW_IO_URING_SQPOLL). A kernel thread polls the SQ ring, so a submit is a store to the
 * ring (plus an io_uring_enter(SQ_WAKEUP), which liburing makes only when the thread went to
 * sleep after TW_IO_SQPOLL_IDLE_MS idle): the send syscall leaves the caller's path. Two things
 * differ. A full SQ is waited out (io_uring_sqring_wait) instead of failing (the wait can return
 * early while the ring is still full: it is repeated, up to 1 s).
 * COOP_TASKRUN/TASKRUN_FLAG are not for SQPOLL rings (the thread runs the task work).
 *
 * Eventfd. Reap drains the CQ first and reads the eventfd (non-blocking) only once the CQ is
 * empty, then looks at the CQ again, so a completion posted in between is either seen now or
 * re-signals the fd. The read is skipped when no CQE was consumed since the last one: the
 * second, empty, reap of the usual "reap until 0" loop makes no syscall. In case a signal
 * arrives without a CQE (it should not: the kernel commits the CQE before signalling), a run of
 * empty reaps still reads at 2, 3, 5, 9, ... so a level-triggered watcher cannot spin for long.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <liburing.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "tw_io.h"

/* ---- internal interface (declared identically in io.c) ------------------------------------ */
int tw_io_q_push(tw_io *io, uint32_t slot, uint32_t op, int64_t res);
uint32_t tw_io_q_room(const tw_io *io);
int tw_io_sock_connect_result(int fd);
/* ------------------------------------------------------------------------------------------- */

#define UD_CONNECT 1u
#define UD_POLL 2u
#define UD_RECV 3u
#define UD_SEND 4u
#define UD_CANCEL 5u
#define UD(slot, op) (((uint64_t)(op) << 32) | (uint64_t)(slot))

/* Backend bits of tw_io_slot.flags (io.c owns bits 0-7). */
#define K_CONNECT (1u << 8)     /* SQE in the ring or the kernel */
#define K_POLL (1u << 9)
#define K_RECV (1u << 10)
#define K_SEND (1u << 11)
#define U_CLOSING (1u << 12)
#define R_POLL (1u << 13)       /* re-arm wanted, no SQE was available */
#define R_RECV (1u << 14)
#define R_SEND (1u << 15)
#define R_CLOSE (1u << 16)      /* CLOSE waits for queue room */
#define R_ANY (R_POLL | R_RECV | R_SEND | R_CLOSE)
#define CNT_SHIFT 24            /* SQEs of this slot not yet completed */
#define CNT_ONE (1u << CNT_SHIFT)
#define CNT_MASK (0xffu << CNT_SHIFT)

#define DEFAULT_ENTRIES 256u
#define MAX_CQ_ENTRIES (1u << 20)
#define IO_CHUNK (1u << 30)     /* recv length cap (the CQE result is 32-bit) */
#define SEND_CHUNK (8u << 20)   /* bytes per send SQE */

struct ur {
	struct io_uring ring;
	tw_io *io;
	tw_io_slot *slots;
	uint32_t nslots;
	int efd;
	uint32_t retry;         /* slots with an R_* bit */
	uint32_t prepped;       /* SQEs prepared inside tw_io_reap(), submitted before it returns */
	uint32_t dirty;         /* CQEs consumed since the eventfd was last read */
	uint32_t empty_run;     /* consecutive reaps that found nothing */
	int sqpoll;             /* TW_IO_URING_SQPOLL: a kernel thread consumes the SQ */
};

static double now_s(void);

static int
submit_now(struct ur *u)
{
	int r;

	do {
		r = io_uring_submit(&u->ring);
	} while (r == -EINTR);
	return r < 0 ? r : 0;
}

static struct io_uring_sqe *
get_sqe(struct ur *u)
{
	struct io_uring_sqe *sqe;

	sqe = io_uring_get_sqe(&u->ring);
	if (sqe != NULL)
		return sqe;
	(void)submit_now(u);
	if (u->sqpoll) {
		/*
		 * The thread consumes asynchronously: wait until it has made room. The kernel's wait
		 * also returns when task work is pending for us (still full then), hence the loop;
		 * bounded, in case the thread cannot run at all.
		 */
		double deadline = 0;
		while (io_uring_sq_space_left(&u->ring) == 0) {
			int w = io_uring_sqring_wait(&u->ring);
			if (w < 0 && w != -EINTR)
				break;
			if (deadline == 0)
				deadline = now_s() + 1.0;
			else if (now_s() > deadline)
				break;
		}
	}
	return io_uring_get_sqe(&u->ring);
}

static int
start_recv(struct ur *u, uint32_t i, tw_io_slot *s)
{
	struct io_uring_sqe *sqe;

	sqe = get_sqe(u);
	if (sqe == NULL)
		return -EBUSY;
	io_uring_prep_recv(sqe, s->fd, s->rx, s->rx_len < IO_CHUNK ? s->rx_len : IO_CHUNK, 0);
	io_uring_sqe_set_data64(sqe, UD(i, UD_RECV));
	s->flags = (s->flags | K_RECV) + CNT_ONE;
	return 0;
}

static int
start_send(struct ur *u, uint32_t i, tw_io_slot *s)
{
	struct io_uring_sqe *sqe;
	size_t left;

	sqe = get_sqe(u);
	if (sqe == NULL)
		return -EBUSY;
	left = s->tx_len - s->tx_done;
	io_uring_prep_send(sqe, s->fd, s->tx + s->tx_done, left < SEND_CHUNK ? left : SEND_CHUNK,
		MSG_NOSIGNAL | MSG_WAITALL);
	io_uring_sqe_set_data64(sqe, UD(i, UD_SEND));
	s->flags = (s->flags | K_SEND) + CNT_ONE;
	return 0;
}

static int
start_poll(struct ur *u, uint32_t i, tw_io_slot *s)
{
	struct io_uring_sqe *sqe;

	sqe = get_sqe(u);
	if (sqe == NULL)
		return -EBUSY;
	io_uring_prep_poll_add(sqe, s->fd, POLLOUT);
	io_uring_sqe_set_data64(sqe, UD(i, UD_POLL));
	s->flags = (s->flags | K_POLL) + CNT_ONE;
	return 0;
}

static void
start_cancel(struct ur *u, uint32_t i, tw_io_slot *s, uint32_t target_op)
{
	struct io_uring_sqe *sqe;

	sqe = get_sqe(u);
	if (sqe == NULL)
		return;         /* the shutdown() done by close completes the operation anyway */
	io_uring_prep_cancel64(sqe, UD(i, target_op), 0);
	io_uring_sqe_set_data64(sqe, UD(i, UD_CANCEL));
	s->flags += CNT_ONE;
}

/* A re-arm inside reap: on failure, remember it for the next reap/submit. */
static void
rearm(struct ur *u, uint32_t i, tw_io_slot *s, uint32_t rbit)
{
	int r;

	if (rbit == R_RECV)
		r = start_recv(u, i, s);
	else if (rbit == R_SEND)
		r = start_send(u, i, s);
	else
		r = start_poll(u, i, s);
	if (r == 0) {
		u->prepped++;
	} else {
		if (!(s->flags & R_ANY))
			u->retry++;
		s->flags |= rbit;
	}
}

static void
run_retries(struct ur *u)
{
	uint32_t i, bit;
	tw_io_slot *s;

	for (i = 0; i < u->nslots && u->retry > 0; i++) {
		s = &u->slots[i];
		if (!(s->flags & R_ANY))
			continue;
		if (s->flags & R_CLOSE) {
			if (tw_io_q_push(u->io, i, TW_IO_OP_CLOSE, 0) < 0)
				return;
			s->flags &= ~R_CLOSE;
			u->retry--;
			continue;
		}
		bit = (s->flags & R_POLL) ? R_POLL : (s->flags & R_RECV) ? R_RECV : R_SEND;
		s->flags &= ~bit;
		if (!(s->flags & R_ANY))
			u->retry--;
		rearm(u, i, s, bit);
	}
}

static size_t
put(tw_io_cqe *out, uint32_t slot, uint32_t op, int64_t res)
{
	out->slot = slot;
	out->op = op;
	out->res = res;
	return 1;
}

/* One CQE; writes at most one completion to `out`. */
static size_t
handle_cqe(struct ur *u, uint64_t ud, int32_t res, tw_io_cqe *out)
{
	uint32_t i = (uint32_t)ud;
	uint32_t op = (uint32_t)(ud >> 32);
	tw_io_slot *s;
	size_t n;
	int r;

	if (i >= u->nslots)
		return 0;
	s = &u->slots[i];
	s->flags -= CNT_ONE;
	n = 0;
	switch (op) {
	case UD_CONNECT:
		s->flags &= ~K_CONNECT;
		if (s->flags & U_CLOSING)
			break;
		if (res == -EINPROGRESS || res == -EALREADY || res == -EINTR)
			rearm(u, i, s, R_POLL);
		else
			n = put(out, i, TW_IO_OP_CONNECT, res);
		break;
	case UD_POLL:
		s->flags &= ~K_POLL;
		if (s->flags & U_CLOSING)
			break;
		if (res < 0 && res != -EINTR && res != -EAGAIN) {
			n = put(out, i, TW_IO_OP_CONNECT, res);
			break;
		}
		r = tw_io_sock_connect_result(s->fd);
		if (r > 0)
			rearm(u, i, s, R_POLL);
		else
			n = put(out, i, TW_IO_OP_CONNECT, r);
		break;
	case UD_RECV:
		s->flags &= ~K_RECV;
		if (s->flags & U_CLOSING)
			break;
		if (res == -EAGAIN || res == -EINTR)
			rearm(u, i, s, R_RECV);
		else
			n = put(out, i, TW_IO_OP_RECV, res);
		break;
	case UD_SEND:
		s->flags &= ~K_SEND;
		if (s->flags & U_CLOSING)
			break;
		if (res < 0 && res != -EAGAIN && res != -EINTR) {
			n = put(out, i, TW_IO_OP_SEND, res);
			break;
		}
		if (res > 0)
			s->tx_done += (size_t)res;
		if (s->tx_done < s->tx_len)
			rearm(u, i, s, R_SEND);
		else
			n = put(out, i, TW_IO_OP_SEND, (int64_t)s->tx_len);
		break;
	default:                /* UD_CANCEL */
		break;
	}
	if ((s->flags & U_CLOSING) && !(s->flags & CNT_MASK)) {
		close(s->fd);
		s->fd = -1;
		n = put(out, i, TW_IO_OP_CLOSE, 0);
	}
	return n;
}

static void
drain_eventfd(struct ur *u)
{
	uint64_t v;

	while (read(u->efd, &v, sizeof v) < 0 && errno == EINTR)
		;
}

/* Creates a ring as init does, with the same requirements. 0 or -errno. */
static int
setup_ring(struct io_uring *ring, unsigned entries, uint32_t nslots, int sqpoll)
{
	static const unsigned plain_sets[] = {
		IORING_SETUP_CQSIZE | IORING_SETUP_CLAMP | IORING_SETUP_SUBMIT_ALL
			| IORING_SETUP_COOP_TASKRUN | IORING_SETUP_TASKRUN_FLAG,
		IORING_SETUP_CQSIZE | IORING_SETUP_CLAMP | IORING_SETUP_SUBMIT_ALL,
		IORING_SETUP_CQSIZE | IORING_SETUP_CLAMP,
		0
	};
	static const unsigned sqpoll_sets[] = {
		IORING_SETUP_SQPOLL | IORING_SETUP_CQSIZE | IORING_SETUP_CLAMP | IORING_SETUP_SUBMIT_ALL,
		IORING_SETUP_SQPOLL | IORING_SETUP_CQSIZE | IORING_SETUP_CLAMP,
	};
	const unsigned *flag_sets = sqpoll ? sqpoll_sets : plain_sets;
	size_t nsets = sqpoll ? sizeof sqpoll_sets / sizeof sqpoll_sets[0] : sizeof plain_sets / sizeof plain_sets[0];
	static const int needed_ops[] = {
		IORING_OP_NOP, IORING_OP_CONNECT, IORING_OP_RECV, IORING_OP_SEND,
		IORING_OP_ASYNC_CANCEL, IORING_OP_POLL_ADD
	};
	union {
		struct io_uring_probe p;
		unsigned char bytes[sizeof(struct io_uring_probe) + 256 * sizeof(struct io_uring_probe_op)];
	} probe;
	struct io_uring_params p;
	uint64_t cq;
	size_t f, j;
	int r;

	cq = 4 * (uint64_t)nslots;
	if (cq < 2 * (uint64_t)entries)
		cq = 2 * (uint64_t)entries;
	if (cq > MAX_CQ_ENTRIES)
		cq = MAX_CQ_ENTRIES;
	r = -EINVAL;
	for (f = 0; f < nsets; f++) {
		memset(&p, 0, sizeof p);
		p.flags = flag_sets[f];
		p.cq_entries = (unsigned)cq;
		p.sq_thread_idle = TW_IO_SQPOLL_IDLE_MS;
		r = io_uring_queue_init_params(entries, ring, &p);
		if (r != -EINVAL)
			break;
	}
	if (r < 0)
		return r;
	if (!(p.features & IORING_FEAT_NODROP) || !(p.features & IORING_FEAT_FAST_POLL)) {
		io_uring_queue_exit(ring);
		return -ENOSYS;
	}
	memset(&probe, 0, sizeof probe);
	r = io_uring_register_probe(ring, &probe.p, 256);
	if (r < 0) {
		io_uring_queue_exit(ring);
		return -ENOSYS;
	}
	for (j = 0; j < sizeof needed_ops / sizeof needed_ops[0]; j++) {
		if (!io_uring_opcode_supported(&probe.p, needed_ops[j])) {
			io_uring_queue_exit(ring);
			return -ENOSYS;
		}
	}
	return 0;
}

/* called by io.c (tw_io_uring_probe) */
int
tw_uring_check(void)
{
	struct io_uring ring;
	int r;

	r = setup_ring(&ring, 2, 1, 0);
	if (r == 0)
		io_uring_queue_exit(&ring);
	return r;
}

/* called by io.c */
int
tw_uring_init(void *be, size_t be_len, tw_io *io, tw_io_slot *slots, uint32_t nslots,
	unsigned entries, int sqpoll)
{
	struct ur *u = be;
	int r;

	if (sizeof *u > be_len)
		return -EOVERFLOW;
	memset(u, 0, sizeof *u);
	if (entries == 0)
		entries = DEFAULT_ENTRIES;
	r = setup_ring(&u->ring, entries, nslots, sqpoll);
	if (r < 0)
		return r;
	u->sqpoll = sqpoll;
	u->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (u->efd < 0) {
		r = -errno;
		io_uring_queue_exit(&u->ring);
		return r;
	}
	r = io_uring_register_eventfd(&u->ring, u->efd);
	if (r < 0) {
		io_uring_queue_exit(&u->ring);
		close(u->efd);
		return r;
	}
	u->io = io;
	u->slots = slots;
	u->nslots = nslots;
	u->dirty = 1;
	return 0;
}

/* Cancels what is in flight on slot i and shuts its socket down. */
static void
cancel_all(struct ur *u, uint32_t i, tw_io_slot *s)
{
	if (!(s->flags & CNT_MASK))
		return;
	(void)shutdown(s->fd, SHUT_RDWR);
	if (s->flags & K_CONNECT)
		start_cancel(u, i, s, UD_CONNECT);
	if (s->flags & K_POLL)
		start_cancel(u, i, s, UD_POLL);
	if (s->flags & K_RECV)
		start_cancel(u, i, s, UD_RECV);
	if (s->flags & K_SEND)
		start_cancel(u, i, s, UD_SEND);
}

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/*
 * called by io.c. Operations still in flight are cancelled and waited for (up to 2 s), so the
 * kernel is done with the caller's buffers when this returns; then every socket is closed.
 */
void
tw_uring_destroy(void *be)
{
	struct ur *u = be;
	struct __kernel_timespec ts;
	struct io_uring_cqe *cqe;
	tw_io_cqe sink;
	uint32_t i, busy;
	double deadline;
	uint64_t ud;
	int32_t res;

	busy = 0;
	for (i = 0; i < u->nslots; i++) {
		tw_io_slot *s = &u->slots[i];

		s->flags &= ~R_ANY;
		if (s->fd < 0)
			continue;
		s->flags |= U_CLOSING;
		cancel_all(u, i, s);
		if (s->flags & CNT_MASK)
			busy++;
	}
	u->retry = 0;
	if (busy > 0) {
		(void)submit_now(u);
		deadline = now_s() + 2.0;
		while (busy > 0 && now_s() < deadline) {
			ts.tv_sec = 0;
			ts.tv_nsec = 50 * 1000 * 1000;
			if (io_uring_wait_cqe_timeout(&u->ring, &cqe, &ts) < 0 || cqe == NULL)
				continue;
			ud = cqe->user_data;
			res = cqe->res;
			io_uring_cqe_seen(&u->ring, cqe);
			i = (uint32_t)ud;
			if (i < u->nslots && u->slots[i].fd >= 0) {
				(void)handle_cqe(u, ud, res, &sink);
				if (u->slots[i].fd < 0)
					busy--;
			}
		}
	}
	for (i = 0; i < u->nslots; i++) {
		if (u->slots[i].fd >= 0) {
			close(u->slots[i].fd);
			u->slots[i].fd = -1;
		}
	}
	(void)io_uring_unregister_eventfd(&u->ring);
	io_uring_queue_exit(&u->ring);
	close(u->efd);
	u->efd = -1;
}

/* called by io.c */
int
tw_uring_notify_fd(const void *be)
{
	const struct ur *u = be;

	return u->efd;
}

/* called by io.c */
int
tw_uring_connect(void *be, uint32_t i, const struct sockaddr *addr, socklen_t addrlen)
{
	struct ur *u = be;
	tw_io_slot *s = &u->slots[i];
	struct io_uring_sqe *sqe;
	int fd, one;

	fd = socket(addr->sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_TCP);
	if (fd < 0)
		return -errno;
	one = 1;
	(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	sqe = get_sqe(u);
	if (sqe == NULL) {
		close(fd);
		return -EBUSY;
	}
	/* The kernel reads the address when it consumes the SQE (see Connect above); io.c checked
	 * that addrlen fits. */
	memcpy(&s->addr, addr, (size_t)addrlen);
	io_uring_prep_connect(sqe, fd, (const struct sockaddr *)&s->addr, addrlen);
	io_uring_sqe_set_data64(sqe, UD(i, UD_CONNECT));
	(void)submit_now(u);
	s->fd = fd;
	s->flags = (s->flags | K_CONNECT) + CNT_ONE;
	return 0;
}

/* called by io.c */
int
tw_uring_recv(void *be, uint32_t i)
{
	struct ur *u = be;

	return start_recv(u, i, &u->slots[i]);
}

/* called by io.c */
int
tw_uring_send(void *be, uint32_t i)
{
	struct ur *u = be;

	return start_send(u, i, &u->slots[i]);
}

/* called by io.c */
int
tw_uring_close(void *be, uint32_t i)
{
	struct ur *u = be;
	tw_io_slot *s = &u->slots[i];

	if (s->flags & R_ANY) {
		s->flags &= ~R_ANY;
		u->retry--;
	}
	s->flags |= U_CLOSING;
	cancel_all(u, i, s);
	if (!(s->flags & CNT_MASK)) {
		close(s->fd);
		s->fd = -1;
		if (tw_io_q_push(u->io, i, TW_IO_OP_CLOSE, 0) < 0) {
			s->flags |= R_CLOSE;
			u->retry++;
		}
	}
	return 0;
}

/* called by io.c */
int
tw_uring_submit(void *be)
{
	struct ur *u = be;

	if (u->retry > 0)
		run_retries(u);
	return submit_now(u);
}

/* called by io.c, with the queue empty */
size_t
tw_uring_reap(void *be, tw_io_cqe *out, size_t max)
{
	struct ur *u = be;
	struct io_uring_cqe *cqe;
	unsigned head, seen;
	size_t n;

	n = 0;
	u->prepped = 0;
	if (u->retry > 0)
		run_retries(u);
	for (;;) {
		seen = 0;
		io_uring_for_each_cqe(&u->ring, head, cqe) {
			if (n == max)
				break;
			n += handle_cqe(u, cqe->user_data, cqe->res, out + n);
			seen++;
		}
		if (seen > 0) {
			io_uring_cq_advance(&u->ring, seen);
			u->dirty = 1;
		}
		if (n == max)
			break;
		/* CQEs in the kernel's overflow list, or task work that would post some */
		if (IO_URING_READ_ONCE(*u->ring.sq.kflags) & (IORING_SQ_CQ_OVERFLOW | IORING_SQ_TASKRUN)) {
			(void)io_uring_get_events(&u->ring);
			if (io_uring_cq_ready(&u->ring) > 0)
				continue;
		}
		if (u->dirty || (u->empty_run > 0 && (u->empty_run & (u->empty_run - 1)) == 0)) {
			drain_eventfd(u);
			u->dirty = 0;
			if (io_uring_cq_ready(&u->ring) > 0)
				continue;
		}
		break;
	}
	if (u->prepped > 0)
		(void)submit_now(u);
	u->empty_run = n == 0 ? u->empty_run + 1 : 0;
	return n;
}
