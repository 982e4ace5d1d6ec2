/*
 * IMPLEMENTATION NOTES
 *
 * The decimal rule of tw_order.h, in integer arithmetic once the value is scaled: one IEEE-754
 * multiply by an exact power of ten (exact up to 10^22), then round-half-up the way JavaScript's
 * Math.round does (ties toward +infinity), so the JS reference path agrees byte for byte. For
 * 0 <= x < 2^53, (uint64_t)x is floor(x) and x - floor(x) is exact, so no libm is needed.
 */
#include "inner.h"
#include "tw_order.h"

static const double pow10_table[TW_ORDER_MAX_DECIMALS + 1] = {
	1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9,
	1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18
};

/* see tw_order.h */
int
tw_format_u64(char *out, uint64_t v)
{
	char tmp[20];
	int n = 0;
	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v != 0);
	for (int i = 0; i < n; i++)
		out[i] = tmp[n - 1 - i];
	return n;
}

/* see tw_order.h */
int
tw_format_decimal(char *out, double value, unsigned decimals)
{
	if (decimals > TW_ORDER_MAX_DECIMALS || !(value >= 0.0))
		return TW_ERR_ORDER_VALUE; /* negative or NaN */
	double x = value * pow10_table[decimals];
	if (!(x <= TW_ORDER_MAX_SCALED))
		return TW_ERR_ORDER_VALUE; /* too large, or infinite */
	uint64_t s = (uint64_t)x;
	if (x - (double)s >= 0.5)
		s++;
	if ((double)s > TW_ORDER_MAX_SCALED)
		return TW_ERR_ORDER_VALUE;

	char digits[20];
	int n = tw_format_u64(digits, s);
	if (decimals == 0) {
		memcpy(out, digits, (size_t)n);
		return n;
	}
	/* at least one digit before the point: zero-pad to decimals + 1 digits */
	int pad = n <= (int)decimals ? (int)decimals + 1 - n : 0;
	int total = n + pad, p = 0;
	for (int i = 0; i < total; i++) {
		if (i == total - (int)decimals)
			out[p++] = '.';
		out[p++] = i < pad ? '0' : digits[i - pad];
	}
	return p;
}
