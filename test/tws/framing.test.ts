/**
 * TWS framing: 4-byte big-endian length + NUL-terminated fields, decoded from any chunking.
 */
import { describe, expect, it } from 'vitest';

import { TickwireError } from '../../src/native/errors.js';
import { encodeMessage, fieldText, FrameDecoder, MAX_MESSAGE_BYTES, splitFields } from '../../src/tws/framing.js';
import { buildHello, checkVersionRange, parseServerHello, versionString } from '../../src/tws/handshake.js';
import { throws } from './helpers.js';

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** A deterministic PRNG for split points. */
function rand(seed: number): () => number {
  let s = seed;
  return () => {
    s = (s * 1103515245 + 12345) >>> 0;
    return s / 2 ** 32;
  };
}

const MESSAGES: string[][] = [
  ['9', '1', '42'],
  ['15', '1', 'DU111,DU222'],
  ['4', '2', '-1', '2104', 'Market data farm connection is OK:usfarm', ''],
  ['1', '6', '1000000001', '1', '189.99', '300', '1'],
  ['46', '6', '7', '45', ''],
  ['62', '1'],
  ['99', 'naïve ünïcode €', 'x'],
];

describe('encodeMessage', () => {
  it('writes the big-endian length and NUL-terminates every field', () => {
    const bytes = encodeMessage([71, 2, 17, '']);
    expect(Buffer.from(bytes).toString('hex')).toBe(Buffer.concat([Buffer.from([0, 0, 0, 9]), Buffer.from('71\x002\x0017\x00\x00', 'latin1')]).toString('hex'));
  });

  it('sends booleans as 1/0, unset as empty, infinity as Infinite', () => {
    expect([true, false, undefined, null, Infinity, NaN, 1.5, 'x'].map(fieldText)).toEqual(['1', '0', '', '', 'Infinite', '', '1.5', 'x']);
  });

  it('rejects a field containing NUL (it would break the framing)', () => {
    expect(() => encodeMessage(['1', 'a\0b'])).toThrowError(TickwireError);
    throws(() => encodeMessage(['a\0']), 'INVALID_ARGUMENT');
  });

  it('splitFields keeps a last field without NUL and empty fields', () => {
    const b = Buffer.from('a\0\0b', 'latin1');
    expect(splitFields(b, 0, b.length)).toEqual(['a', '', 'b']);
  });
});

describe('FrameDecoder', () => {
  const stream = concat(MESSAGES.map((m) => encodeMessage(m)));

  it('decodes a stream delivered whole', () => {
    expect(new FrameDecoder().push(stream)).toEqual(MESSAGES);
  });

  it('decodes a stream delivered one byte at a time', () => {
    const d = new FrameDecoder();
    const out: string[][] = [];
    for (let i = 0; i < stream.length; i++) out.push(...d.push(stream.subarray(i, i + 1)));
    expect(out).toEqual(MESSAGES);
    expect(d.buffered).toBe(0);
  });

  it('decodes the stream split at every position, and at random positions', () => {
    for (let cut = 0; cut <= stream.length; cut++) {
      const d = new FrameDecoder();
      expect([...d.push(stream.subarray(0, cut)), ...d.push(stream.subarray(cut))]).toEqual(MESSAGES);
    }
    const r = rand(7);
    for (let round = 0; round < 200; round++) {
      const d = new FrameDecoder();
      const out: string[][] = [];
      let at = 0;
      while (at < stream.length) {
        const n = 1 + Math.floor(r() * 40);
        out.push(...d.push(stream.subarray(at, at + n)));
        at += n;
      }
      expect(out).toEqual(MESSAGES);
    }
  });

  it('copies what it keeps: reusing the chunk buffer after push() does not corrupt a pending message', () => {
    const d = new FrameDecoder();
    const scratch = new Uint8Array(stream.length);
    const out: string[][] = [];
    for (let at = 0; at < stream.length; at += 5) {
      const piece = stream.subarray(at, at + 5);
      scratch.set(piece);
      out.push(...d.push(scratch.subarray(0, piece.length)));
      scratch.fill(0xdd); // the native receive buffer is reused after the callback
    }
    expect(out).toEqual(MESSAGES);
  });

  it('fails with TWS_MESSAGE_TOO_BIG on a length beyond the limit, then ignores input', () => {
    const d = new FrameDecoder({ maxMessageBytes: 64 });
    const ok = encodeMessage(['1', 'x'.repeat(40)]);
    const big = encodeMessage(['1', 'x'.repeat(100)]);
    expect(d.push(ok)).toHaveLength(1);
    let err: unknown;
    try {
      d.push(big.subarray(0, 6));
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(TickwireError);
    expect((err as TickwireError).code).toBe('TWS_MESSAGE_TOO_BIG');
    expect(d.failed).toBe(true);
    expect(d.push(ok)).toEqual([]);
  });

  it('detects an oversize length even when the header arrives byte by byte', () => {
    const d = new FrameDecoder();
    const hdr = new Uint8Array([0x01, 0x00, 0x00, 0x00]); // 16 MiB > 0xFFFFFF
    d.push(hdr.subarray(0, 1));
    d.push(hdr.subarray(1, 2));
    d.push(hdr.subarray(2, 3));
    expect(() => d.push(hdr.subarray(3, 4))).toThrowError(/exceeds the limit/);
  });

  it('accepts IB’s maximum message size by default', () => {
    expect(new FrameDecoder().maxMessageBytes).toBe(MAX_MESSAGE_BYTES);
    expect(() => new FrameDecoder({ maxMessageBytes: 0 })).toThrowError(/positive integer/);
  });
});

describe('handshake bytes', () => {
  it("opens with API\\0, then the length-prefixed version range", () => {
    const hello = buildHello({ min: 157, max: 193 });
    expect(Buffer.from(hello).toString('hex')).toBe('41504900' + '00000009' + Buffer.from('v157..193').toString('hex'));
    expect(versionString({ min: 176, max: 176 })).toBe('v176');
    expect(versionString({ min: 157, max: 193 }, '+PACEAPI')).toBe('v157..193 +PACEAPI');
  });

  it('checks the version range and the server version', () => {
    expect(() => checkVersionRange(100, 193)).toThrowError(/157\.\.193/);
    expect(() => checkVersionRange(157, 201)).toThrowError(/157\.\.193/);
    expect(() => checkVersionRange(180, 170)).toThrowError(/above/);
    expect(parseServerHello(['176', '20240101 10:00:00 EST'], { min: 157, max: 193 })).toEqual({ serverVersion: 176, connectionTime: '20240101 10:00:00 EST' });
    expect(() => parseServerHello(['151', 'x'], { min: 157, max: 193 })).toThrowError(/outside the range/);
    expect(() => parseServerHello(['hello'], { min: 157, max: 193 })).toThrowError(/not a version/);
  });
});
