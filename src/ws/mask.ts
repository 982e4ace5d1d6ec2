/**
 * WebSocket masking (RFC 6455 §5.3), in place. Below {@link MASK_NATIVE_MIN_BYTES} a JS loop beats
 * the cost of crossing into C (measured by `npm run bench`, see bench/ws/mask.bench.ts); above it
 * the native SIMD path (AVX-512, AVX2 or portable C) runs.
 */
import { binding } from '../native/binding.js';
import { invalidArgument } from '../native/errors.js';

/** Sizes from here on go to C. Measured crossover on the reference machine (docs/benchmarks.md). */
export const MASK_NATIVE_MIN_BYTES = 36;

function check(buf: ArrayBufferView, key: Uint8Array, offset: number, fn: string): void {
  if (!ArrayBuffer.isView(buf)) invalidArgument(`${fn}(buf, key, offset): buf must be a Buffer, TypedArray or DataView`);
  if (!(key instanceof Uint8Array) || key.length < 4) invalidArgument(`${fn}(buf, key, offset): key must be a Uint8Array of 4 bytes`);
  if (!Number.isSafeInteger(offset) || offset < 0) invalidArgument(`${fn}(buf, key, offset): offset must be a non-negative integer`);
}

function run(buf: ArrayBufferView, key: Uint8Array, offset: number): void {
  if (buf instanceof Uint8Array && buf.length < MASK_NATIVE_MIN_BYTES) {
    for (let i = 0; i < buf.length; i++) buf[i] = (buf[i] as number) ^ (key[(offset + i) & 3] as number);
    return;
  }
  // The key rotated to start at `offset`, packed little-endian as an int32 (a Smi, so no heap
  // number is allocated per call): C never sees the offset.
  const k =
    ((key[offset & 3] as number) |
      ((key[(offset + 1) & 3] as number) << 8) |
      ((key[(offset + 2) & 3] as number) << 16) |
      ((key[(offset + 3) & 3] as number) << 24)) |
    0;
  binding.mask(buf, k);
}

/**
 * XORs `buf` in place with the 4-byte `key`. `offset` is the position of `buf[0]` within the
 * masked payload, so a payload masked in pieces matches one masked whole.
 */
export function mask(buf: ArrayBufferView, key: Uint8Array, offset = 0): void {
  check(buf, key, offset, 'mask');
  run(buf, key, offset);
}

/** Unmasking is the same XOR; a separate name for readable call sites. */
export function unmask(buf: ArrayBufferView, key: Uint8Array, offset = 0): void {
  check(buf, key, offset, 'unmask');
  run(buf, key, offset);
}
