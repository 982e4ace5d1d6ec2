/*
 * libFuzzer target for order templates: arbitrary message/signing specs (split at the first 0xff
 * byte), precisions and values. Invariants: compile either fails cleanly or renders never write
 * past msg_max, a rendered request holds no marker byte, and a refused value consumes no sequence
 * number.
 */
#include <stdlib.h>
#include <string.h>

#include "tw_order.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static tw_order_template t;
	static uint8_t out[TW_ORDER_MAX_LITERAL + TW_ORDER_MAX_OPS * 64 + 64];
	double values[4];

	if (size < 2 + sizeof values)
		return 0;
	unsigned pd = data[0] % 20, qd = data[1] % 20;
	memcpy(values, data + 2, sizeof values);
	data += 2 + sizeof values;
	size -= 2 + sizeof values;
	const uint8_t *split = memchr(data, 0xff, size);
	size_t msg_len = split ? (size_t)(split - data) : size;
	const uint8_t *sign = split ? split + 1 : NULL;
	size_t sign_len = split ? size - msg_len - 1 : 0;

	if (tw_order_template_init(&t, data, msg_len, sign, sign_len, (const uint8_t *)"k", 1, pd, qd) != TW_OK)
		return 0;
	for (int i = 0; i < 2; i++) {
		uint64_t seq = t.seq;
		memset(out, 0xee, sizeof out);
		int64_t n = tw_order_render(&t, values[2 * i], values[2 * i + 1], 1700000000000ull, out, t.msg_max);
		if (n < 0) {
			if (n != TW_ERR_ORDER_VALUE || t.seq != seq)
				abort();
			continue;
		}
		if ((size_t)n > t.msg_max || out[t.msg_max] != 0xee || t.seq != seq + 1)
			abort();
		for (int64_t j = 0; j < n; j++)
			if (out[j] >= 1 && out[j] <= 5)
				abort();
	}
	return 0;
}
