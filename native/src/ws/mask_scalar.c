/*
 * Portable masking: 8 bytes per step with unaligned loads through memcpy (compilers turn them into
 * plain moves), bytes for the tail. The baseline the vector variants are checked against.
 */
#include "tw_ws.h"
#include "mask_inner.h"

static void
mask_scalar(uint8_t *buf, size_t len, uint32_t key)
{
	tw_mask_scalar_run(buf, buf, len, key);
}

static void
mask_copy_scalar(uint8_t *dst, const uint8_t *src, size_t len, uint32_t key)
{
	tw_mask_scalar_run(dst, src, len, key);
}

static const tw_mask_impl impl = { "scalar", mask_scalar, mask_copy_scalar };

/* see tw_ws.h */
const tw_mask_impl *
tw_mask_scalar_get(void)
{
	return &impl;
}
