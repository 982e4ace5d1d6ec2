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
};

static const struct status_entry *
find(int status)
{
	for (size_t i = 0; i < sizeof entries / sizeof entries[0]; i++)
		if (entries[i].status == status)
			return &entries[i];
	return NULL;
}

/* see tw.h */
const char *
tw_status_name(int status)
{
	const struct status_entry *e = find(status);
	return e ? e->name : "UNKNOWN";
}

/* see tw.h */
const char *
tw_status_message(int status)
{
	const struct status_entry *e = find(status);
	return e ? e->message : "unknown status";
}
