/**
 * TWS API framing (server versions >= 100, text mode): every message is a 4-byte big-endian length
 * followed by that many bytes of NUL-terminated ASCII fields; the first field is the message id.
 * (The one exception is the client's opening `API\0`, written by handshake.ts.)
 *
 * The decoder copes with any chunking (one byte at a time included). Chunks may be views into
 * memory that is only valid during the call (the native transport's receive buffer): whole messages
 * are turned into strings straight from the chunk, and only an incomplete tail is copied.
 */
import { TickwireError } from '../native/errors.js';

/** IB's own limit: the length is a 24-bit quantity in practice (error 507 "Bad message length" beyond). */
export const MAX_MESSAGE_BYTES = 0xffffff;

const NUL = 0;
const encoder = new TextEncoder();

/** One field value as it goes on the wire. `undefined`/`null` are sent as the empty field. */
export type FieldValue = string | number | boolean | undefined | null;

/** Text of one field: booleans as 1/0, unset as empty, infinity as IB's `Infinite`. */
export function fieldText(v: FieldValue): string {
  if (v === undefined || v === null) return '';
  if (typeof v === 'boolean') return v ? '1' : '0';
  if (typeof v === 'number') {
    if (Number.isNaN(v)) return '';
    if (v === Infinity) return 'Infinite';
    return String(v);
  }
  return v;
}

/** Encodes one message: `[len][f1\0 f2\0 ...]`. A field that contains NUL would break framing: rejected. */
export function encodeMessage(fields: readonly FieldValue[]): Uint8Array {
  let text = '';
  for (const f of fields) {
    const t = fieldText(f);
    if (t.includes('\0')) throw new TickwireError('INVALID_ARGUMENT', `TWS field ${JSON.stringify(t)} contains a NUL byte`);
    text += t + '\0';
  }
  // Encoded straight behind the length prefix: no intermediate body buffer to copy.
  const len = Buffer.byteLength(text, 'utf8');
  if (len > MAX_MESSAGE_BYTES) throw new TickwireError('TWS_MESSAGE_TOO_BIG', `TWS message of ${len} bytes exceeds ${MAX_MESSAGE_BYTES}`);
  const out = new Uint8Array(4 + len);
  new DataView(out.buffer).setUint32(0, len);
  encoder.encodeInto(text, out.subarray(4));
  return out;
}

/**
 * Splits a payload into its fields: NUL-terminated (a final field without a NUL is kept too). A
 * Buffer is read as it is; other bytes get a Buffer view (the decoder makes one per chunk, not one
 * per message).
 */
export function splitFields(bytes: Uint8Array, start: number, end: number): string[] {
  const fields: string[] = [];
  const buf = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let from = start;
  for (let i = start; i < end; i++) {
    if (bytes[i] === NUL) {
      fields.push(buf.toString('utf8', from, i));
      from = i + 1;
    }
  }
  if (from < end) fields.push(buf.toString('utf8', from, end));
  return fields;
}

export interface FrameDecoderOptions {
  /** Largest payload accepted; a bigger length prefix fails the stream with TWS_MESSAGE_TOO_BIG. */
  maxMessageBytes?: number;
}

/**
 * Incremental decoder. `push()` returns the fields of every message the chunk completes; it throws
 * a TickwireError('TWS_MESSAGE_TOO_BIG') for an oversize length prefix, after which the decoder is
 * failed and ignores further input (the connection must be dropped: the stream cannot be resynced).
 */
export class FrameDecoder {
  readonly maxMessageBytes: number;
  /** Buffered bytes of an incomplete message (header included), as a copy. */
  #pending: Buffer = Buffer.alloc(0);
  #pendingLen = 0;
  #failed = false;

  constructor(options: FrameDecoderOptions = {}) {
    const max = options.maxMessageBytes ?? MAX_MESSAGE_BYTES;
    if (!Number.isSafeInteger(max) || max < 1) throw new TickwireError('INVALID_ARGUMENT', `maxMessageBytes must be a positive integer, got ${String(max)}`);
    this.maxMessageBytes = max;
  }

  get failed(): boolean {
    return this.#failed;
  }

  /** Bytes held for an incomplete message. */
  get buffered(): number {
    return this.#pendingLen;
  }

  push(chunk: Uint8Array): string[][] {
    if (this.#failed || chunk.length === 0) return [];
    const out: string[][] = [];
    const data = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    let pos = 0;
    if (this.#pendingLen > 0) {
      // Complete the pending message from the front of the chunk (copying only what it needs).
      const need = this.#needed();
      const take = Math.min(need - this.#pendingLen, chunk.length);
      this.#append(chunk, 0, take);
      pos = take;
      if (this.#pendingLen < 4) return out;
      const total = this.#needed();
      if (this.#pendingLen < total) {
        // Header just completed: pull the body in too.
        const more = Math.min(total - this.#pendingLen, chunk.length - pos);
        this.#append(chunk, pos, more);
        pos += more;
      }
      if (this.#pendingLen < this.#needed()) return out;
      out.push(splitFields(this.#pending, 4, this.#pendingLen));
      this.#pendingLen = 0;
    }
    // Whole messages straight from the chunk.
    while (data.length - pos >= 4) {
      const len = ((data[pos]! << 24) >>> 0) + (data[pos + 1]! << 16) + (data[pos + 2]! << 8) + data[pos + 3]!;
      this.#check(len);
      if (data.length - pos - 4 < len) break;
      out.push(splitFields(data, pos + 4, pos + 4 + len));
      pos += 4 + len;
    }
    if (pos < data.length) this.#append(data, pos, data.length - pos);
    return out;
  }

  /** Bytes the pending message needs in all (header + body), or 4 while the header is incomplete. */
  #needed(): number {
    if (this.#pendingLen < 4) return 4;
    const p = this.#pending;
    const len = p.readUInt32BE(0);
    this.#check(len);
    return 4 + len;
  }

  #check(len: number): void {
    if (len > this.maxMessageBytes) {
      this.#failed = true;
      this.#pendingLen = 0;
      this.#pending = Buffer.alloc(0);
      throw new TickwireError(
        'TWS_MESSAGE_TOO_BIG',
        `TWS message of ${len} bytes exceeds the limit of ${this.maxMessageBytes} bytes (maxMessageBytes); the connection is dropped`,
        { reason: 'MESSAGE_TOO_BIG' },
      );
    }
  }

  #append(src: Uint8Array, from: number, n: number): void {
    if (n <= 0) return;
    const want = this.#pendingLen + n;
    if (want > this.#pending.length) {
      const grown = Buffer.allocUnsafe(Math.max(want, this.#pending.length * 2, 256));
      this.#pending.copy(grown, 0, 0, this.#pendingLen);
      this.#pending = grown;
    }
    this.#pending.set(src.subarray(from, from + n), this.#pendingLen);
    this.#pendingLen = want;
  }
}
