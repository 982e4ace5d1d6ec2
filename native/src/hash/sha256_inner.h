/*
 * sha256_inner.h — private to native/src/hash: the SHA-256 round constants (FIPS 180-4 §4.2.2),
 * defined once in sha256.c and shared by every compression implementation.
 */
#ifndef TW_SHA256_INNER_H
#define TW_SHA256_INNER_H

#include <stdint.h>

/* 16-byte aligned: the SHA-NI path loads four constants at a time. */
extern const uint32_t tw_sha256_K[64];

#endif /* TW_SHA256_INNER_H */
