/**
 * WebSocket frame writer (RFC 6455 §5.2) into a caller's buffer: header and masked payload in one
 * native pass, no intermediate buffers. Client frames are masked with a fresh key from the CSPRNG
 * unless the caller supplies one.
 */
import { randomFillSync } from 'node:crypto';

import { binding } from '../native/binding.js';
import { invalidArgument } from '../native/errors.js';
import { nativeError } from '../native/status.js';

export const Opcode = {
  Continuation: 0x0,
  Text: 0x1,
  Binary: 0x2,
  Close: 0x8,
  Ping: 0x9,
  Pong: 0xa,
} as const;
export type Opcode = (typeof Opcode)[keyof typeof Opcode];

export interface FrameOptions {
  /** Default: Text for a string payload, Binary otherwise. */
  opcode?: Opcode;
  /** Final fragment of the message. Default true. */
  fin?: boolean;
  /**
   * The 4-byte masking key; `true` (default) draws one from the CSPRNG, as a client must;
   * `false` writes an unmasked (server) frame.
   */
  mask?: Uint8Array | boolean;
  /** Where in `out` the frame starts. Default 0. */
  offset?: number;
}

// Mask keys come from a pooled CSPRNG draw (as ws does) rather than one syscall per frame.
const POOL_KEYS = 2048;
const pool = new Int32Array(POOL_KEYS); // int32: stays a small integer, never a heap number
let poolNext = POOL_KEYS;

function randomKey(): number {
  if (poolNext === POOL_KEYS) {
    randomFillSync(pool);
    poolNext = 0;
  }
  return pool[poolNext++] as number;
}

/** Bytes a frame with `payloadLength` bytes of payload takes on the wire. */
export function frameSize(payloadLength: number, masked = true): number {
  if (!Number.isSafeInteger(payloadLength) || payloadLength < 0) invalidArgument('frameSize: payloadLength must be a non-negative integer');
  const ext = payloadLength <= 125 ? 0 : payloadLength <= 0xffff ? 2 : 8;
  return 2 + ext + (masked ? 4 : 0) + payloadLength;
}

/**
 * Writes one frame carrying `payload` (a string is sent as UTF-8) into `out` and returns the
 * number of bytes written. Throws BUFFER_TOO_SMALL when `out` lacks room, INVALID_ARGUMENT for a
 * control frame over 125 bytes or fragmented, or a payload that overlaps `out`.
 */
export function buildFrame(out: ArrayBufferView, payload: string | ArrayBufferView, options: FrameOptions = {}): number {
  if (!ArrayBuffer.isView(out)) invalidArgument('buildFrame: out must be a Buffer, TypedArray or DataView');
  if (typeof payload !== 'string' && !ArrayBuffer.isView(payload)) {
    invalidArgument('buildFrame: payload must be a string, Buffer, TypedArray or DataView');
  }
  const opcode = options.opcode ?? (typeof payload === 'string' ? Opcode.Text : Opcode.Binary);
  const offset = options.offset ?? 0;
  if (!Number.isSafeInteger(offset) || offset < 0) invalidArgument('buildFrame: offset must be a non-negative integer');
  const m = options.mask ?? true;
  let key = 0;
  if (m instanceof Uint8Array) {
    if (m.length !== 4) invalidArgument('buildFrame: mask must be 4 bytes');
    key = ((m[0] as number) | ((m[1] as number) << 8) | ((m[2] as number) << 16) | ((m[3] as number) << 24)) | 0;
  } else if (m === true) {
    key = randomKey();
  }
  const r = binding.frameWrite(out, offset, payload, opcode, options.fin === false ? 0 : 1, key, m !== false);
  if (r < 0) throw nativeError(r, 'buildFrame');
  return r;
}
