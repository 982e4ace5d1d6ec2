/**
 * CRC-32 (IEEE 802.3 / zlib / PNG: reflected polynomial 0xEDB88320, initial value and final XOR
 * 0xFFFFFFFF), table-driven, one byte per step. Results are unsigned 32-bit numbers.
 *
 * `crc32(data, previous)` continues a running CRC the way zlib's `crc32(crc, buf)` does:
 * `crc32(b, crc32(a)) === crc32(a + b)`. Strings are hashed as their UTF-8 bytes.
 *
 * For building a CRC from pieces without allocating (the Kraken checksum feeds digits one by
 * one), use the raw state: `let s = CRC32_INIT; s = crc32Byte(s, b); ...; crc32Final(s)`.
 */

/** The 256-entry table for polynomial 0xEDB88320. */
export const CRC32_TABLE: Int32Array = (() => {
  const t = new Int32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c;
  }
  return t;
})();

/** Raw state before any byte. */
export const CRC32_INIT = -1; // 0xFFFFFFFF as int32

/** Feeds one byte (0..255) into a raw state. */
export function crc32Byte(state: number, byte: number): number {
  return (CRC32_TABLE[(state ^ byte) & 0xff] as number) ^ (state >>> 8);
}

/** Raw state → the CRC value (unsigned). */
export function crc32Final(state: number): number {
  return (state ^ -1) >>> 0;
}

/** Feeds bytes into a raw state. */
export function crc32Bytes(state: number, data: Uint8Array, start = 0, end = data.length): number {
  let s = state;
  for (let i = start; i < end; i++) s = (CRC32_TABLE[(s ^ (data[i] as number)) & 0xff] as number) ^ (s >>> 8);
  return s;
}

/** Feeds a string's UTF-8 bytes into a raw state (ASCII is hashed without encoding). */
export function crc32String(state: number, text: string): number {
  let s = state;
  const n = text.length;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0x80) return crc32Bytes(s, Buffer.from(text.slice(i), 'utf8'));
    s = (CRC32_TABLE[(s ^ c) & 0xff] as number) ^ (s >>> 8);
  }
  return s;
}

/**
 * CRC-32 of `data` (bytes, or a string hashed as UTF-8), continuing from `previous` (the result of
 * an earlier call over the preceding data; default 0 = start).
 */
export function crc32(data: string | Uint8Array, previous = 0): number {
  const start = (previous ^ -1) | 0;
  const s = typeof data === 'string' ? crc32String(start, data) : crc32Bytes(start, data);
  return crc32Final(s);
}
