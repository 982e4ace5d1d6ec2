/*
 * IMPLEMENTATION NOTES
 *
 * Lowercase hex and padded standard base64 by table lookup. Hex uses a 512-byte table of
 * character pairs, so each input byte is one load and one 2-byte copy. Base64 maps each 3-byte
 * group to four characters with 6-bit lookups; the tail (1 or 2 bytes) is padded with '='.
 * Neither function writes a NUL.
 */
#include "inner.h"
#include "tw_hash.h"

/* hex_pairs[2 * b], hex_pairs[2 * b + 1] are the two characters of byte b. */
static const char hex_pairs[513] =
	"000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
	"202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f"
	"404142434445464748494a4b4c4d4e4f505152535455565758595a5b5c5d5e5f"
	"606162636465666768696a6b6c6d6e6f707172737475767778797a7b7c7d7e7f"
	"808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f"
	"a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebf"
	"c0c1c2c3c4c5c6c7c8c9cacbcccdcecfd0d1d2d3d4d5d6d7d8d9dadbdcdddedf"
	"e0e1e2e3e4e5e6e7e8e9eaebecedeeeff0f1f2f3f4f5f6f7f8f9fafbfcfdfeff";

static const char b64_alphabet[65] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* see tw_hash.h */
size_t
tw_hex_encode(char *out, const uint8_t *in, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		memcpy(out + 2 * i, hex_pairs + 2 * (size_t)in[i], 2);
	return 2 * len;
}

/* see tw_hash.h */
size_t
tw_base64_encode(char *out, const uint8_t *in, size_t len)
{
	char *o = out;
	size_t i;

	for (i = 0; i + 3 <= len; i += 3) {
		uint32_t v = ((uint32_t)in[i] << 16) | ((uint32_t)in[i + 1] << 8) | in[i + 2];

		o[0] = b64_alphabet[v >> 18];
		o[1] = b64_alphabet[(v >> 12) & 63];
		o[2] = b64_alphabet[(v >> 6) & 63];
		o[3] = b64_alphabet[v & 63];
		o += 4;
	}
	switch (len - i) {
	case 1: {
		uint32_t v = (uint32_t)in[i] << 16;

		o[0] = b64_alphabet[v >> 18];
		o[1] = b64_alphabet[(v >> 12) & 63];
		o[2] = '=';
		o[3] = '=';
		o += 4;
		break;
	}
	case 2: {
		uint32_t v = ((uint32_t)in[i] << 16) | ((uint32_t)in[i + 1] << 8);

		o[0] = b64_alphabet[v >> 18];
		o[1] = b64_alphabet[(v >> 12) & 63];
		o[2] = b64_alphabet[(v >> 6) & 63];
		o[3] = '=';
		o += 4;
		break;
	}
	default:
		break;
	}
	return (size_t)(o - out);
}
