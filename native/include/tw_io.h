/*
 * tw_io.h — socket I/O behind one completion interface, on io_uring (liburing) or on epoll.
 *
 * The caller asks for operations (connect, recv into a buffer, send a buffer, close) on numbered
 * slots and later reaps completions. io_uring does this natively; the epoll backend emulates it by
 * performing the recv/send itself when the socket is ready. So the connection code above sees one
 * model, and both backends run the same tests.
 *
 * Threading: one tw_io belongs to one thread (the JS thread in the addon). Nothing here allocates:
 * the slot table and the completion queue are caller-owned arrays.
 *
 * Event-loop integration: tw_io_notify_fd() is a file descriptor that becomes readable when
 * completions may be waiting (the ring's eventfd, or the epoll fd). The loop watches it (uv_poll),
 * then calls tw_io_reap() until it returns 0. Completions produced synchronously by a call (epoll
 * may finish a recv or send at once) are queued and reaped the same way, without the fd signalling,
 * so callers reap after every batch of requests too.
 */
#ifndef TW_IO_H
#define TW_IO_H

#include <sys/socket.h>

#include "tw.h"

#ifdef __cplusplus
extern "C" {
#endif

#define TW_IO_URING 1
#define TW_IO_EPOLL 2
/*
 * io_uring with a kernel submission thread (IORING_SETUP_SQPOLL): requests reach the kernel
 * through the shared ring without a syscall while the thread is awake (it polls the ring, and
 * sleeps after TW_IO_SQPOLL_IDLE_MS without requests; the next submit wakes it). Trades a core
 * for taking the send syscall off the caller's path.
 */
#define TW_IO_URING_SQPOLL 3
#define TW_IO_SQPOLL_IDLE_MS 100

#define TW_IO_OP_CONNECT 1  /* res: 0 or -errno */
#define TW_IO_OP_RECV 2     /* res: bytes received (> 0), 0 at EOF, or -errno */
#define TW_IO_OP_SEND 3     /* res: bytes sent (all of them) or -errno */
#define TW_IO_OP_CLOSE 4    /* res: 0; the slot is free again (see tw_io_close) */

typedef struct tw_io_cqe {
	uint32_t slot;
	uint32_t op;            /* TW_IO_OP_* */
	int64_t res;
} tw_io_cqe;

/* Per-slot state; the caller provides the array (zeroed) and never touches the fields. */
typedef struct tw_io_slot {
	int fd;                 /* -1 when free */
	uint32_t flags;         /* private: operations in flight, closing, ... */
	uint8_t *rx;            /* pending recv target */
	size_t rx_len;
	const uint8_t *tx;      /* pending send source */
	size_t tx_len;
	size_t tx_done;
	struct sockaddr_storage addr;  /* the CONNECT address (io_uring reads it after tw_io_connect returns) */
} tw_io_slot;

typedef struct tw_io tw_io;

/* Probes whether an io_uring can be created here: 0, or -errno (ENOSYS, EPERM, ENOMEM). */
int tw_io_uring_probe(void);

/* Bytes a tw_io needs (the ring or epoll state lives inside). */
size_t tw_io_size(void);

/*
 * kind: TW_IO_URING, TW_IO_URING_SQPOLL or TW_IO_EPOLL. `slots`/`nslots`: the slot table; `cq`/`cq_len`: storage for
 * completions the epoll backend produces synchronously (and io_uring's overflow), at least 2 per
 * slot. ring_entries: io_uring submission queue size (ignored by epoll; 0 = default 256).
 * Returns 0 or -errno (for io_uring: the reason the ring could not be set up).
 */
int tw_io_init(tw_io *io, int kind, tw_io_slot *slots, uint32_t nslots, tw_io_cqe *cq, uint32_t cq_len,
	unsigned ring_entries);
void tw_io_destroy(tw_io *io);   /* closes every open socket and the ring/epoll fd */
int tw_io_kind(const tw_io *io);
int tw_io_notify_fd(const tw_io *io);

/*
 * Opens a non-blocking TCP socket in a free slot (TCP_NODELAY set) and starts connecting to
 * `addr`, which need only live for the call. One CONNECT completion follows. Returns 0,
 * TW_ERR_INVAL (slot busy or out of range), or -errno from socket().
 */
int tw_io_connect(tw_io *io, uint32_t slot, const struct sockaddr *addr, socklen_t addrlen);
/* At most one recv in flight per slot: RECV completes once with whatever arrived (up to len). */
int tw_io_recv(tw_io *io, uint32_t slot, uint8_t *buf, size_t len);
/* At most one send in flight per slot: SEND completes once all `len` bytes went out (or failed).
 * The buffer must stay untouched until then. */
int tw_io_send(tw_io *io, uint32_t slot, const uint8_t *buf, size_t len);
/*
 * Starts closing a slot: in-flight operations are cancelled (their completions are swallowed),
 * the socket is closed, and exactly one CLOSE completion reports the slot free for reuse.
 */
int tw_io_close(tw_io *io, uint32_t slot);
/* Submits queued requests to the kernel (io_uring); a no-op for epoll. Returns 0 or -errno. */
int tw_io_submit(tw_io *io);
/*
 * Collects up to `max` completions without blocking (drains the eventfd / epoll_wait(0) as
 * needed). Returns how many were written to `out`.
 */
size_t tw_io_reap(tw_io *io, tw_io_cqe *out, size_t max);

#ifdef __cplusplus
}
#endif
#endif /* TW_IO_H */
