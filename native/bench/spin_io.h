/*
 * spin_io.h — the socket side of the busy-polling echo peer and its C client floor
 * (echo_server.c, echo_client.c): BearSSL sslio callbacks over a non-blocking socket that spin
 * instead of sleeping. Header-only (static functions) for the two bench programs.
 *
 * Reads are staged: BearSSL asks for a record's 5-byte header and then its body, which straight
 * from the socket would be two recv() calls per record; one recv() of up to 64 KiB serves both.
 */
#ifndef TW_BENCH_SPIN_IO_H
#define TW_BENCH_SPIN_IO_H

#include <errno.h>
#include <string.h>
#include <sys/socket.h>

struct spin_conn {
	int fd;
	size_t pos, len;
	unsigned char stage[65536];
};

/* Spin until the socket has data, then hand BearSSL what it asked for (br_sslio low_read). */
static int
spin_read(void *ctx, unsigned char *buf, size_t len)
{
	struct spin_conn *c = ctx;
	while (c->pos == c->len) {
		ssize_t n = recv(c->fd, c->stage, sizeof c->stage, MSG_DONTWAIT);
		if (n > 0) {
			c->pos = 0;
			c->len = (size_t)n;
		} else if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) {
			return -1;
		}
	}
	if (len > c->len - c->pos)
		len = c->len - c->pos;
	memcpy(buf, c->stage + c->pos, len);
	c->pos += len;
	return (int)len;
}

/* Spin until the socket takes some of `buf` (br_sslio low_write). */
static int
spin_write(void *ctx, const unsigned char *buf, size_t len)
{
	int fd = ((struct spin_conn *)ctx)->fd;
	for (;;) {
		ssize_t n = send(fd, buf, len, MSG_DONTWAIT | MSG_NOSIGNAL);
		if (n > 0)
			return (int)n;
		if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
			return -1;
	}
}

#endif
