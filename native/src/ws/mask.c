/*
 * Public masking entry points: rotate the key for the payload offset, then run the variant chosen
 * once at load by tw_select_impls().
 */
#include "tw_ws.h"
#include "mask_inner.h"

/* see tw_ws.h */
uint32_t
tw_mask_key_at(const uint8_t key[4], uint64_t offset)
{
	return tw_mask_rotate(tw_load_u32(key), (size_t)(offset & 3));
}

/* see tw_ws.h */
void
tw_mask(uint8_t *buf, size_t len, const uint8_t key[4], uint64_t offset)
{
	tw_mask_default()->mask(buf, len, tw_mask_key_at(key, offset));
}

/* see tw_ws.h */
void
tw_mask_copy(uint8_t *dst, const uint8_t *src, size_t len, const uint8_t key[4], uint64_t offset)
{
	tw_mask_default()->mask_copy(dst, src, len, tw_mask_key_at(key, offset));
}
