/*
 * inner.h — private helpers for native/src: per-function ISA targets, byte-order loads/stores.
 */
#ifndef TW_INNER_H
#define TW_INNER_H

#include <stdint.h>
#include <string.h>

#include "tw.h"

/* Per-function ISA selection: shipped builds never use -march=native. */
#if defined(__GNUC__) && (defined(__x86_64__) || defined(__i386__))
#define TW_X86 1
#define TW_TARGET(isa) __attribute__((target(isa)))
#else
#define TW_X86 0
#define TW_TARGET(isa)
#endif

#if defined(__GNUC__)
#define TW_LIKELY(x) __builtin_expect(!!(x), 1)
#define TW_UNLIKELY(x) __builtin_expect(!!(x), 0)
#else
#define TW_LIKELY(x) (x)
#define TW_UNLIKELY(x) (x)
#endif

static inline uint32_t
tw_load_be32(const uint8_t *p)
{
	return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | (uint32_t)p[3];
}

/*
 * Big-endian stores as whole words where the compiler allows: blocks built with these are read
 * straight back 16 bytes at a time by SHA-256, and byte stores defeat store-to-load forwarding
 * (about 20 ns per HMAC).
 */
#if defined(__GNUC__) && defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
static inline void
tw_store_be32(uint8_t *p, uint32_t v)
{
	v = __builtin_bswap32(v);
	memcpy(p, &v, sizeof v);
}

static inline void
tw_store_be64(uint8_t *p, uint64_t v)
{
	v = __builtin_bswap64(v);
	memcpy(p, &v, sizeof v);
}
#else
static inline void
tw_store_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static inline void
tw_store_be64(uint8_t *p, uint64_t v)
{
	tw_store_be32(p, (uint32_t)(v >> 32));
	tw_store_be32(p + 4, (uint32_t)v);
}
#endif

static inline uint32_t
tw_load_u32(const void *p)
{
	uint32_t v;
	memcpy(&v, p, sizeof v);
	return v;
}

static inline uint64_t
tw_load_u64(const void *p)
{
	uint64_t v;
	memcpy(&v, p, sizeof v);
	return v;
}

static inline void
tw_store_u64(void *p, uint64_t v)
{
	memcpy(p, &v, sizeof v);
}

#endif /* TW_INNER_H */
