/**
 * WebSocket masking (RFC 6455 §5.3), in place. Below {@link MASK_NATIVE_MIN_BYTES} a JS loop beats
 * the cost of crossing into C (measured by `npm run bench`, see bench/ws/mask.bench.ts); above it
 * the native SIMD path (AVX-512, AVX2 or portable C) runs.
 */
import { binding } from '../native/binding.js';
import { invalidArgument } from '../native/errors.js';

/** Sizes from here on go to C: the measured crossover on the reference machine (docs/benchmarks.md). */
export const MASK_NATIVE_MIN_BYTES = 64;

function fail(fn: string, buf: unknown, key: unknown, offset: unknown): never {
  if (!ArrayBuffer.isView(buf)) invalidArgument(`${fn}(buf, key, offset): buf must be a Buffer, TypedArray or DataView`);
  if (!(key instanceof Uint8Array) || key.length < 4) invalidArgument(`${fn}(buf, key, offset): key must be a Uint8Array of 4 bytes`);
  return invalidArgument(`${fn}(buf, key, offset): offset must be a non-negative integer, got ${String(offset)}`);
}

function run(fn: string, buf: ArrayBufferView, key: Uint8Array, offset: number): void {
  // One combined guard on the hot path; `fail` works out which argument was wrong. Uint8Arrays
  // (and Buffers) are tested first: their `.length` is inlined by V8, while `byteLength` and
  // `ArrayBuffer.isView` cost several ns per call (bench/ws/mask.bench.ts).
  if (!(key instanceof Uint8Array) || key.length < 4 || !(offset >= 0 && Number.isSafeInteger(offset))) {
    fail(fn, buf, key, offset);
  }
  const o = offset & 3;
  const k0 = key[o] as number;
  const k1 = key[(o + 1) & 3] as number;
  const k2 = key[(o + 2) & 3] as number;
  const k3 = key[(o + 3) & 3] as number;
  if (buf instanceof Uint8Array) {
    const n = buf.length;
    if (n < MASK_NATIVE_MIN_BYTES) {
      for (let i = 0; i < n; i += 4) {
        buf[i] = (buf[i] as number) ^ k0;
        if (i + 1 < n) buf[i + 1] = (buf[i + 1] as number) ^ k1;
        if (i + 2 < n) buf[i + 2] = (buf[i + 2] as number) ^ k2;
        if (i + 3 < n) buf[i + 3] = (buf[i + 3] as number) ^ k3;
      }
      return;
    }
  } else if (!ArrayBuffer.isView(buf)) {
    fail(fn, buf, key, offset);
  }
  // The key rotated to start at `offset`, packed little-endian as an int32 (a Smi, so no heap
  // number is allocated per call): C never sees the offset.
  binding.mask(buf, k0 | (k1 << 8) | (k2 << 16) | (k3 << 24));
}

/**
 * XORs `buf` in place with the 4-byte `key`. `offset` is the position of `buf[0]` within the
 * masked payload, so a payload masked in pieces matches one masked whole.
 */
export function mask(buf: ArrayBufferView, key: Uint8Array, offset = 0): void {
  run('mask', buf, key, offset);
}

/** Unmasking is the same XOR; a separate name for readable call sites. */
export function unmask(buf: ArrayBufferView, key: Uint8Array, offset = 0): void {
  run('unmask', buf, key, offset);
}
