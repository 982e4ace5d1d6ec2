/**
 * The journal file format, and an I/O-free scanner over its bytes.
 *
 *   header  (16 B): magic 'TWJOURNL' (8 B) | u32 LE version (1) | u32 LE flags (0: CRC-32/IEEE)
 *   record (8 B + n): u32 LE n = payload length | u32 LE CRC-32 of the payload | payload
 *   payload: the record as compact JSON, UTF-8 (1 <= n <= MAX_RECORD_BYTES)
 *
 * IMPLEMENTATION NOTES
 * The checksum is CRC-32 (IEEE 802.3, zlib's), computed by `zlib.crc32` (native, Node >= 20.15)
 * with the table-driven src/book/crc32.ts as the fallback for older Node 20 releases. Records are
 * little-endian, like the machines this runs on.
 *
 * The scanner classifies the first bad record it meets:
 * - torn tail: the record reaches the end of the file and is incomplete or fails its checksum
 *   (fewer than 8 bytes left, a length that runs past EOF, a CRC mismatch on the last record, or
 *   an all-zero tail, which a crash can leave when the file size was extended before the data
 *   reached the disk). This is what a crash in the middle of a write leaves: it is skipped.
 * - corrupt: anything else (a bad checksum, a zero or oversized length, or a payload that is not a
 *   journal record, with more bytes after it). The scan stops there: once one length is wrong,
 *   the framing of everything after it is unknown, and skipping a record we cannot read could drop
 *   a fill or a cancel and rebuild a wrong position without anyone noticing.
 */
import zlib from 'node:zlib';

import { crc32 as crc32Js } from '../../book/crc32.js';
import { RECORD_KINDS, type JournalRecord } from './types.js';

export const MAGIC = Buffer.from('TWJOURNL', 'latin1');
export const VERSION = 1;
export const HEADER_BYTES = 16;
export const RECORD_HEADER_BYTES = 8;
/** Largest payload accepted by `append()` and by the scanner (1 MiB). */
export const MAX_RECORD_BYTES = 1 << 20;

const zcrc = (zlib as unknown as { crc32?: (data: Uint8Array, value?: number) => number }).crc32;

/** CRC-32 (IEEE) of `data`. */
export const crc32: (data: Uint8Array) => number = typeof zcrc === 'function' ? (d) => zcrc(d) >>> 0 : (d) => crc32Js(d);
/** The JS implementation (src/book/crc32.ts), for the differential test. */
export const crc32Portable = (data: Uint8Array): number => crc32Js(data);

export function encodeHeader(): Buffer {
  const h = Buffer.alloc(HEADER_BYTES);
  MAGIC.copy(h, 0);
  h.writeUInt32LE(VERSION, 8);
  h.writeUInt32LE(0, 12);
  return h;
}

/**
 * Frames the record `json` at `at` in `buf`: length, CRC, payload. `buf` needs room for
 * RECORD_HEADER_BYTES + the payload's UTF-8 length after `at`. Returns the payload length.
 */
export function frameRecord(buf: Buffer, at: number, json: string): number {
  const n = buf.write(json, at + RECORD_HEADER_BYTES, 'utf8');
  buf.writeUInt32LE(n, at);
  buf.writeUInt32LE(crc32(buf.subarray(at + RECORD_HEADER_BYTES, at + RECORD_HEADER_BYTES + n)), at + 4);
  return n;
}

/** One record, framed: length, CRC, payload (`json`: the record already stringified, if it is). */
export function encodeRecord(r: JournalRecord, json: string = JSON.stringify(r)): Buffer {
  const b = Buffer.allocUnsafe(RECORD_HEADER_BYTES + Buffer.byteLength(json));
  frameRecord(b, 0, json);
  return b;
}

/** Parses a payload; null when it is not a journal record. */
export function decodePayload(payload: Uint8Array): JournalRecord | null {
  let v: unknown;
  try {
    v = JSON.parse(Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength).toString('utf8'));
  } catch {
    return null;
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return null;
  const t = (v as { t?: unknown }).t;
  return typeof t === 'string' && RECORD_KINDS.has(t) ? (v as JournalRecord) : null;
}

export type HeaderCheck =
  | { ok: true }
  /** Shorter than a header and a prefix of one (a crash while the file was being created). */
  | { ok: false; partial: true }
  | { ok: false; partial: false; message: string };

export function checkHeader(buf: Uint8Array): HeaderCheck {
  const b = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  if (b.length < HEADER_BYTES) {
    const want = encodeHeader().subarray(0, b.length);
    return want.equals(b) ? { ok: false, partial: true } : { ok: false, partial: false, message: 'not a tickwire journal (bad magic)' };
  }
  if (!b.subarray(0, 8).equals(MAGIC)) return { ok: false, partial: false, message: 'not a tickwire journal (bad magic)' };
  const version = b.readUInt32LE(8);
  if (version !== VERSION) return { ok: false, partial: false, message: `unsupported journal version ${version} (this build reads ${VERSION})` };
  return { ok: true };
}

export interface ScanResult {
  records: JournalRecord[];
  /** Offset just past the last good record. */
  goodBytes: number;
  tornTail: boolean;
  corrupt: number;
  /** What stopped the scan, when something did. */
  problem?: string;
}

function allZero(b: Uint8Array, from: number): boolean {
  for (let i = from; i < b.length; i++) if (b[i] !== 0) return false;
  return true;
}

/** Walks the records after a valid header. Never throws. */
export function scanRecords(buf: Uint8Array): ScanResult {
  const b = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  const records: JournalRecord[] = [];
  let off = HEADER_BYTES;
  const end = b.length;
  const stop = (torn: boolean, problem: string): ScanResult => ({
    records,
    goodBytes: off,
    tornTail: torn,
    corrupt: torn ? 0 : 1,
    problem: `${problem} at byte ${off} (after record ${records.length})`,
  });
  while (off < end) {
    if (end - off < RECORD_HEADER_BYTES) return stop(true, `torn tail: ${end - off} bytes, shorter than a record header`);
    const n = b.readUInt32LE(off);
    const crc = b.readUInt32LE(off + 4);
    if (n === 0 || n > MAX_RECORD_BYTES) {
      if (allZero(b, off)) return stop(true, 'torn tail: zero-filled');
      if (off + RECORD_HEADER_BYTES + n > end) return stop(true, `torn tail: length ${n} runs past the end of the file`);
      return stop(false, `corrupt record: bad length ${n}`);
    }
    const recEnd = off + RECORD_HEADER_BYTES + n;
    if (recEnd > end) return stop(true, `torn tail: length ${n} runs past the end of the file (${end - off - RECORD_HEADER_BYTES} payload bytes present)`);
    const payload = b.subarray(off + RECORD_HEADER_BYTES, recEnd);
    if (crc32(payload) !== crc) {
      if (recEnd === end || allZero(b, recEnd)) return stop(true, 'torn tail: checksum mismatch on the last record');
      return stop(false, 'corrupt record: checksum mismatch');
    }
    const r = decodePayload(payload);
    if (!r) return stop(false, 'corrupt record: checksum good but the payload is not a journal record');
    records.push(r);
    off = recEnd;
  }
  return { records, goodBytes: off, tornTail: false, corrupt: 0 };
}
