/*
 * Names and messages for TW_* status codes. The names are stable: the TypeScript layer maps them
 * to TickwireError codes, and users may match on them.
 */
#include "tw.h"

struct status_entry {
	int status;
	const char *name;
	const char *message;
};

static const struct status_entry entries[] = {
	{ TW_OK, "OK", "success" },
	{ TW_ERR_INVAL, "INVAL", "invalid argument" },
	{ TW_ERR_BUFFER_TOO_SMALL, "BUFFER_TOO_SMALL", "output buffer too small" },
	{ TW_ERR_UNSUPPORTED, "UNSUPPORTED", "not supported by this CPU or build" },
	{ TW_ERR_WS_RSV, "WS_RSV", "RSV1-3 bits set without a negotiated extension" },
	{ TW_ERR_WS_OPCODE, "WS_OPCODE", "reserved opcode" },
	{ TW_ERR_WS_CONTROL_FRAGMENTED, "WS_CONTROL_FRAGMENTED", "fragmented control frame" },
	{ TW_ERR_WS_CONTROL_TOO_BIG, "WS_CONTROL_TOO_BIG", "control frame payload longer than 125 bytes" },
	{ TW_ERR_WS_UNEXPECTED_CONTINUATION, "WS_UNEXPECTED_CONTINUATION", "continuation frame without a message to continue" },
	{ TW_ERR_WS_EXPECTED_CONTINUATION, "WS_EXPECTED_CONTINUATION", "new data frame while a fragmented message is open" },
	{ TW_ERR_WS_LENGTH_MSB, "WS_LENGTH_MSB", "64-bit payload length with the most significant bit set" },
	{ TW_ERR_WS_MASKED, "WS_MASKED", "masked frame from a server" },
	{ TW_ERR_WS_UNMASKED, "WS_UNMASKED", "unmasked frame from a client" },
	{ TW_ERR_WS_CLOSE_CODE, "WS_CLOSE_CODE", "invalid close code" },
	{ TW_ERR_WS_CLOSE_PAYLOAD, "WS_CLOSE_PAYLOAD", "close frame with a 1-byte payload" },
	{ TW_ERR_WS_INVALID_UTF8, "WS_INVALID_UTF8", "invalid UTF-8 in a text message or close reason" },
	{ TW_ERR_WS_TOO_BIG, "WS_TOO_BIG", "message larger than the configured maximum" },
	{ TW_ERR_WS_AFTER_CLOSE, "WS_AFTER_CLOSE", "data received after a close frame" },
	{ TW_ERR_TLS_PIN_MISMATCH, "TLS_PIN_MISMATCH", "no certificate in the chain matches a pinned public key" },
	{ TW_ERR_TLS_CERT_EXPIRED, "TLS_CERT_EXPIRED", "certificate expired or not yet valid" },
	{ TW_ERR_TLS_BAD_HOSTNAME, "TLS_BAD_HOSTNAME", "certificate does not match the server name" },
	{ TW_ERR_TLS_UNTRUSTED, "TLS_UNTRUSTED", "certificate chain does not lead to a trusted CA" },
	{ TW_ERR_TLS_HANDSHAKE_TIMEOUT, "TLS_HANDSHAKE_TIMEOUT", "TLS handshake timed out" },
	{ TW_ERR_TLS_PROTOCOL_VERSION, "TLS_PROTOCOL_VERSION", "no common TLS version (tickwire speaks TLS 1.2)" },
	{ TW_ERR_TLS_ALERT, "TLS_ALERT", "the server sent a fatal TLS alert" },
	{ TW_ERR_TLS_PROTOCOL, "TLS_PROTOCOL", "TLS protocol failure" },
	{ TW_ERR_TLS_BAD_CERT, "TLS_BAD_CERT", "certificate could not be decoded or uses an unsupported key" },
	{ TW_ERR_TLS_BAD_CA, "TLS_BAD_CA", "no usable certificate in the CA bundle" },
	{ TW_ERR_TLS_CLOSED, "TLS_CLOSED", "the server ended the TLS session" },
	{ TW_ERR_HTTP_BAD_RESPONSE, "HTTP_BAD_RESPONSE", "malformed HTTP response to the upgrade" },
	{ TW_ERR_HTTP_STATUS, "HTTP_STATUS", "the server refused the WebSocket upgrade" },
	{ TW_ERR_HTTP_BAD_ACCEPT, "HTTP_BAD_ACCEPT", "Sec-WebSocket-Accept does not match the key sent" },
	{ TW_ERR_HTTP_TOO_LARGE, "HTTP_TOO_LARGE", "HTTP response head too large" },
	{ TW_ERR_HTTP_BAD_UPGRADE, "HTTP_BAD_UPGRADE", "Upgrade/Connection headers missing or wrong" },
	{ TW_ERR_CONN_CLOSED, "CONN_CLOSED", "the peer closed the connection" },
	{ TW_ERR_CONN_TIMEOUT, "CONN_TIMEOUT", "the connection timed out" },
	{ TW_ERR_CONN_BACKPRESSURE, "CONN_BACKPRESSURE", "send queue full" },
	{ TW_ERR_ORDER_VALUE, "ORDER_VALUE", "price or quantity negative, not finite, or beyond 2^53-1 units" },
};

static const struct status_entry *
find(int status)
{
	for (size_t i = 0; i < sizeof entries / sizeof entries[0]; i++)
		if (entries[i].status == status)
			return &entries[i];
	return NULL;
}

#define TW_ERRNO_MAX 4095

/* see tw.h */
const char *
tw_status_name(int status)
{
	const struct status_entry *e = find(status);
	if (e != NULL)
		return e->name;
	return (status < 0 && status >= -TW_ERRNO_MAX) ? "ERRNO" : "UNKNOWN";
}

/* see tw.h */
const char *
tw_status_message(int status)
{
	const struct status_entry *e = find(status);
	if (e != NULL)
		return e->message;
	return (status < 0 && status >= -TW_ERRNO_MAX) ? "system call failed (see errno)" : "unknown status";
}

/* see tw.h */
size_t
tw_status_count(void)
{
	return sizeof entries / sizeof entries[0];
}

/* see tw.h */
int
tw_status_at(size_t i)
{
	return i < tw_status_count() ? entries[i].status : TW_OK;
}
