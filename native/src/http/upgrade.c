/*
 * IMPLEMENTATION NOTES
 *
 * The HTTP/1.1 side of RFC 6455 §4.1: the GET request with a fresh Sec-WebSocket-Key, and a strict
 * check of the 101 response head: status line, Upgrade: websocket, Connection containing the
 * "upgrade" token, and Sec-WebSocket-Accept = base64(SHA-1(key + GUID)). Header names and the
 * Upgrade/Connection values are case-insensitive; the Accept value is compared exactly.
 * SHA-1 comes from BearSSL (only used here; it is not a security primitive in this role).
 */
#include <bearssl.h>

#include "inner.h"
#include "tw_client.h"
#include "tw_hash.h"

static const char ws_guid[] = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

static int
lower(int ch)
{
	return (ch >= 'A' && ch <= 'Z') ? ch + 32 : ch;
}

static int
eq_nocase(const char *a, size_t alen, const char *b)
{
	size_t blen = strlen(b);
	if (alen != blen)
		return 0;
	for (size_t i = 0; i < alen; i++)
		if (lower((unsigned char)a[i]) != lower((unsigned char)b[i]))
			return 0;
	return 1;
}

/* Whether a comma-separated header value contains `token` (case-insensitive). */
static int
has_token(const char *v, size_t len, const char *token)
{
	size_t i = 0;
	while (i < len) {
		while (i < len && (v[i] == ' ' || v[i] == '\t' || v[i] == ','))
			i++;
		size_t start = i;
		while (i < len && v[i] != ',')
			i++;
		size_t end = i;
		while (end > start && (v[end - 1] == ' ' || v[end - 1] == '\t'))
			end--;
		if (end > start && eq_nocase(v + start, end - start, token))
			return 1;
	}
	return 0;
}

static size_t
append(char *out, size_t cap, size_t pos, const char *s)
{
	size_t n = strlen(s);
	if (pos + n >= cap)
		return cap; /* overflow marker */
	memcpy(out + pos, s, n);
	return pos + n;
}

/* see tw_client.h */
int
tw_http_upgrade_request(char *out, size_t cap, const char *host, const char *path,
	const char *protocols, const char *extra_headers, const uint8_t key[TW_CLIENT_KEY_LEN], char accept[28])
{
	char key_b64[25];
	uint8_t digest[20];
	br_sha1_context sha;
	size_t pos = 0;

	if (out == NULL || host == NULL || path == NULL || path[0] != '/' || host[0] == '\0')
		return TW_ERR_INVAL;
	/* A header value with CR or LF would let a caller inject headers. */
	for (const char *s = host; *s; s++)
		if (*s == '\r' || *s == '\n')
			return TW_ERR_INVAL;
	for (const char *s = path; *s; s++)
		if (*s == '\r' || *s == '\n' || *s == ' ')
			return TW_ERR_INVAL;
	if (protocols != NULL)
		for (const char *s = protocols; *s; s++)
			if (*s == '\r' || *s == '\n')
				return TW_ERR_INVAL;

	tw_base64_encode(key_b64, key, TW_CLIENT_KEY_LEN);
	key_b64[24] = '\0';
	br_sha1_init(&sha);
	br_sha1_update(&sha, key_b64, 24);
	br_sha1_update(&sha, ws_guid, sizeof ws_guid - 1);
	br_sha1_out(&sha, digest);
	tw_base64_encode(accept, digest, sizeof digest);

	pos = append(out, cap, pos, "GET ");
	pos = append(out, cap, pos, path);
	pos = append(out, cap, pos, " HTTP/1.1\r\nHost: ");
	pos = append(out, cap, pos, host);
	pos = append(out, cap, pos, "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ");
	pos = append(out, cap, pos, key_b64);
	pos = append(out, cap, pos, "\r\nSec-WebSocket-Version: 13\r\n");
	if (protocols != NULL && protocols[0] != '\0') {
		pos = append(out, cap, pos, "Sec-WebSocket-Protocol: ");
		pos = append(out, cap, pos, protocols);
		pos = append(out, cap, pos, "\r\n");
	}
	if (extra_headers != NULL)
		pos = append(out, cap, pos, extra_headers);
	pos = append(out, cap, pos, "\r\n");
	if (pos >= cap)
		return TW_ERR_BUFFER_TOO_SMALL;
	return (int)pos;
}

/* see tw_client.h */
int
tw_http_check_response(const char *head, size_t len, const char accept[28], int *status)
{
	int saw_upgrade = 0, saw_connection = 0, saw_accept = 0;
	size_t pos, eol;

	*status = 0;
	/* Status line: HTTP/1.1 SP 3DIGIT SP reason CRLF */
	if (len < 16 || memcmp(head, "HTTP/1.", 7) != 0 || head[8] != ' '
		|| head[9] < '0' || head[9] > '9' || head[10] < '0' || head[10] > '9'
		|| head[11] < '0' || head[11] > '9')
	{
		return TW_ERR_HTTP_BAD_RESPONSE;
	}
	*status = (head[9] - '0') * 100 + (head[10] - '0') * 10 + (head[11] - '0');
	for (eol = 12; eol + 1 < len && !(head[eol] == '\r' && head[eol + 1] == '\n'); eol++)
		;
	if (eol + 1 >= len)
		return TW_ERR_HTTP_BAD_RESPONSE;
	if (*status != 101)
		return TW_ERR_HTTP_STATUS;
	pos = eol + 2;
	for (;;) {
		if (pos + 1 >= len)
			return TW_ERR_HTTP_BAD_RESPONSE;
		if (head[pos] == '\r' && head[pos + 1] == '\n')
			break; /* end of head */
		for (eol = pos; eol + 1 < len && !(head[eol] == '\r' && head[eol + 1] == '\n'); eol++)
			;
		if (eol + 1 >= len)
			return TW_ERR_HTTP_BAD_RESPONSE;
		const char *colon = memchr(head + pos, ':', eol - pos);
		if (colon == NULL || colon == head + pos)
			return TW_ERR_HTTP_BAD_RESPONSE;
		size_t nlen = (size_t)(colon - (head + pos));
		const char *v = colon + 1;
		size_t vlen = (size_t)((head + eol) - v);
		while (vlen && (*v == ' ' || *v == '\t')) {
			v++;
			vlen--;
		}
		while (vlen && (v[vlen - 1] == ' ' || v[vlen - 1] == '\t'))
			vlen--;
		if (eq_nocase(head + pos, nlen, "upgrade"))
			saw_upgrade = eq_nocase(v, vlen, "websocket");
		else if (eq_nocase(head + pos, nlen, "connection"))
			saw_connection = has_token(v, vlen, "upgrade");
		else if (eq_nocase(head + pos, nlen, "sec-websocket-accept"))
			saw_accept = vlen == 28 && memcmp(v, accept, 28) == 0 ? 1 : -1;
		pos = eol + 2;
	}
	if (!saw_upgrade || !saw_connection)
		return TW_ERR_HTTP_BAD_UPGRADE;
	if (saw_accept != 1)
		return TW_ERR_HTTP_BAD_ACCEPT;
	return TW_OK;
}
