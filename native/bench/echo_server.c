/*
 * echo_server — a busy-polling wss:// echo peer for the echo benchmark's "both ends busy-polling"
 * setting (bench/net/echo.bench.ts): a Node `ws` server cannot busy-poll a socket, this one can.
 *
 *   echo_server CERT.der KEY.pem [PORT]     prints "port N" once listening, then serves clients
 *                                           one at a time until killed
 *
 * One thread, blocking accept, then a non-blocking socket polled in a spin (recv with
 * MSG_DONTWAIT until data): no sleep, no wake-up between round trips. BearSSL server (the
 * certificate's EC key; TLS 1.2), the HTTP/1.1 upgrade (Sec-WebSocket-Accept from the key), then
 * every client frame is unmasked and sent back unmasked as one server frame. A close frame is
 * answered and ends the connection. Not a general server: a benchmark peer.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <bearssl.h>

#include "spin_io.h"

#include "tw_hash.h"
#include "tw_ws.h"

static int
read_file(const char *path, unsigned char **out, size_t *len)
{
	FILE *f = fopen(path, "rb");
	long n;
	if (!f)
		return -1;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	*out = malloc((size_t)n + 1);
	if (!*out || fread(*out, 1, (size_t)n, f) != (size_t)n) {
		fclose(f);
		return -1;
	}
	fclose(f);
	*len = (size_t)n;
	return 0;
}

/* PEM → the DER of its first object. */
static unsigned char der[8192];
static size_t der_len;
static void
der_append(void *ctx, const void *buf, size_t len)
{
	(void)ctx;
	if (der_len + len <= sizeof der) {
		memcpy(der + der_len, buf, len);
		der_len += len;
	}
}

static int
pem_to_der(const unsigned char *pem, size_t len)
{
	br_pem_decoder_context pc;
	int inobj = 0;
	br_pem_decoder_init(&pc);
	der_len = 0;
	while (len > 0) {
		size_t n = br_pem_decoder_push(&pc, pem, len);
		pem += n;
		len -= n;
		switch (br_pem_decoder_event(&pc)) {
		case BR_PEM_BEGIN_OBJ:
			br_pem_decoder_setdest(&pc, der_append, NULL);
			inobj = 1;
			break;
		case BR_PEM_END_OBJ:
			if (inobj)
				return 0;
			break;
		case BR_PEM_ERROR:
			return -1;
		default:
			break;
		}
	}
	return -1;
}

static int
read_full(br_sslio_context *io, unsigned char *buf, size_t len)
{
	return br_sslio_read_all(io, buf, len);
}

/* The upgrade: read the request head, answer 101 with the accept value. */
static int
upgrade(br_sslio_context *io)
{
	char head[8192], key[64], resp[512], accept[29];
	size_t n = 0;
	while (n < sizeof head - 1) {
		if (br_sslio_read(io, head + n, 1) != 1)
			return -1;
		n++;
		if (n >= 4 && memcmp(head + n - 4, "\r\n\r\n", 4) == 0)
			break;
	}
	head[n] = 0;
	const char *k = strcasestr(head, "Sec-WebSocket-Key:");
	if (!k)
		return -1;
	k += 18;
	while (*k == ' ')
		k++;
	size_t kl = strcspn(k, "\r\n");
	if (kl >= sizeof key)
		return -1;
	memcpy(key, k, kl);
	key[kl] = 0;
	br_sha1_context sc;
	unsigned char d[20];
	br_sha1_init(&sc);
	br_sha1_update(&sc, key, kl);
	br_sha1_update(&sc, "258EAFA5-E914-47DA-95CA-C5AB0DC85B11", 36);
	br_sha1_out(&sc, d);
	tw_base64_encode(accept, d, 20);
	accept[28] = 0;
	int m = snprintf(resp, sizeof resp,
		"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: %s\r\n\r\n",
		accept);
	if (br_sslio_write_all(io, resp, (size_t)m) < 0 || br_sslio_flush(io) < 0)
		return -1;
	return 0;
}

/* Echo frames until close or error. */
static void
echo(br_sslio_context *io)
{
	static unsigned char payload[1 << 20], out[(1 << 20) + 16];
	for (;;) {
		unsigned char h[2], ext[8], key[4];
		if (read_full(io, h, 2) < 0)
			return;
		int opcode = h[0] & 0x0f;
		uint64_t len = h[1] & 0x7f;
		if (len == 126) {
			if (read_full(io, ext, 2) < 0)
				return;
			len = (uint64_t)ext[0] << 8 | ext[1];
		} else if (len == 127) {
			if (read_full(io, ext, 8) < 0)
				return;
			len = 0;
			for (int i = 0; i < 8; i++)
				len = len << 8 | ext[i];
		}
		if (!(h[1] & 0x80) || len > sizeof payload || read_full(io, key, 4) < 0)
			return;
		if (len && read_full(io, payload, (size_t)len) < 0)
			return;
		for (uint64_t i = 0; i < len; i++)
			payload[i] ^= key[i & 3];
		size_t o = tw_ws_write_header(out, 1, opcode, len, NULL);
		memcpy(out + o, payload, (size_t)len);
		if (br_sslio_write_all(io, out, o + (size_t)len) < 0 || br_sslio_flush(io) < 0)
			return;
		if (opcode == 8)
			return;
	}
}

int
main(int argc, char **argv)
{
	unsigned char *cert_der, *key_pem;
	size_t cert_len, key_len;
	if (argc < 3 || read_file(argv[1], &cert_der, &cert_len) < 0 || read_file(argv[2], &key_pem, &key_len) < 0) {
		fprintf(stderr, "usage: echo_server CERT.der KEY.pem [PORT]\n");
		return 2;
	}
	if (pem_to_der(key_pem, key_len) < 0) {
		fprintf(stderr, "echo_server: no PEM object in %s\n", argv[2]);
		return 2;
	}
	br_skey_decoder_context kd;
	br_skey_decoder_init(&kd);
	br_skey_decoder_push(&kd, der, der_len);
	const br_ec_private_key *ek = br_skey_decoder_get_ec(&kd);
	if (br_skey_decoder_last_error(&kd) != 0 || ek == NULL) {
		fprintf(stderr, "echo_server: %s is not an EC private key\n", argv[2]);
		return 2;
	}
	br_x509_certificate chain = { cert_der, cert_len };

	int lfd = socket(AF_INET, SOCK_STREAM, 0), one = 1;
	struct sockaddr_in sa;
	socklen_t sl = sizeof sa;
	memset(&sa, 0, sizeof sa);
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sa.sin_port = htons((uint16_t)(argc > 3 ? atoi(argv[3]) : 0));
	setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	if (bind(lfd, (struct sockaddr *)&sa, sizeof sa) < 0 || listen(lfd, 16) < 0
		|| getsockname(lfd, (struct sockaddr *)&sa, &sl) < 0)
	{
		perror("echo_server: listen");
		return 1;
	}
	printf("port %u\n", (unsigned)ntohs(sa.sin_port));
	fflush(stdout);

	static unsigned char iobuf[BR_SSL_BUFSIZE_BIDI];
	br_ssl_session_cache_lru cache;
	static unsigned char cache_store[64 * 100];
	br_ssl_session_cache_lru_init(&cache, cache_store, sizeof cache_store);
	for (;;) {
		int fd = accept(lfd, NULL, NULL);
		if (fd < 0)
			continue;
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
		br_ssl_server_context sc;
		br_sslio_context io;
		br_ssl_server_init_full_ec(&sc, &chain, 1, BR_KEYTYPE_EC, ek);
		/* AES-128-GCM first, as venues' TLS 1.2 front ends choose (BearSSL's EC server would
		 * follow the client, and BearSSL clients list ChaCha20 early). */
		static const uint16_t suites[] = {
			BR_TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
			BR_TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
			BR_TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
		};
		br_ssl_engine_set_suites(&sc.eng, suites, sizeof suites / sizeof suites[0]);
		br_ssl_engine_add_flags(&sc.eng, BR_OPT_ENFORCE_SERVER_PREFERENCES);
		br_ssl_engine_set_buffer(&sc.eng, iobuf, sizeof iobuf, 1);
		br_ssl_server_set_cache(&sc, &cache.vtable);
		br_ssl_server_reset(&sc);
		static struct spin_conn cn;
		cn.fd = fd;
		cn.pos = cn.len = 0;
		br_sslio_init(&io, &sc.eng, spin_read, &cn, spin_write, &cn);
		if (upgrade(&io) == 0)
			echo(&io);
		br_sslio_close(&io);
		close(fd);
	}
}
