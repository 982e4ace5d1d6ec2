/*
 * mask_inner.h — pieces shared by the masking variants: key rotation and the 8-byte scalar loop
 * that every variant uses for inputs too short to pay for vector setup.
 */
#ifndef TW_MASK_INNER_H
#define TW_MASK_INNER_H

#include "inner.h"

/* The packed key (memory order) advanced by r bytes (0..3). */
static inline uint32_t
tw_mask_rotate(uint32_t key, size_t r)
{
	uint8_t k[4], o[4];
	memcpy(k, &key, 4);
	for (size_t i = 0; i < 4; i++)
		o[i] = k[(i + r) & 3];
	memcpy(&key, o, 4);
	return key;
}

/* dst[i] = src[i] ^ key byte (i % 4); dst == src allowed. */
static inline void
tw_mask_scalar_run(uint8_t *dst, const uint8_t *src, size_t len, uint32_t key)
{
	uint64_t k64 = (uint64_t)key | ((uint64_t)key << 32); /* same 4 bytes twice, in memory order */
	size_t i = 0;
	for (; i + 8 <= len; i += 8)
		tw_store_u64(dst + i, tw_load_u64(src + i) ^ k64);
	uint8_t kb[8];
	memcpy(kb, &k64, 8);
	for (; i < len; i++)
		dst[i] = src[i] ^ kb[i & 3];
}

#endif /* TW_MASK_INNER_H */
