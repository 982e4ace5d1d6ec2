/*
 * utf8_ref.h — the reference UTF-8 validator that test_utf8 and fuzz_utf8 hold tw_utf8_* to.
 *
 * Decodes code point by code point the obvious way, then rejects what RFC 3629 forbids: bad
 * structure (stray or missing continuation bytes, lead bytes F8..FF), overlongs, surrogates and
 * anything above U+10FFFF. Deliberately shares nothing with the table-driven implementation.
 */
#ifndef TW_UTF8_REF_H
#define TW_UTF8_REF_H

#include <stddef.h>
#include <stdint.h>

/* 1 if p[0..len) is valid UTF-8, else 0. */
static inline int
utf8_ref_valid(const uint8_t *p, size_t len)
{
	size_t i = 0;

	while (i < len) {
		uint32_t c = p[i], cp, min;
		size_t n, k;

		if (c < 0x80) {
			i++;
			continue;
		} else if ((c & 0xE0) == 0xC0) {
			n = 1; cp = c & 0x1F; min = 0x80;
		} else if ((c & 0xF0) == 0xE0) {
			n = 2; cp = c & 0x0F; min = 0x800;
		} else if ((c & 0xF8) == 0xF0) {
			n = 3; cp = c & 0x07; min = 0x10000;
		} else {
			return 0;
		}
		if (len - i <= n)
			return 0;
		for (k = 1; k <= n; k++) {
			if ((p[i + k] & 0xC0) != 0x80)
				return 0;
			cp = (cp << 6) | (p[i + k] & 0x3F);
		}
		if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
			return 0;
		i += n + 1;
	}
	return 1;
}

#endif
