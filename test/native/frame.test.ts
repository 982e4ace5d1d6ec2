import { EventEmitter } from 'node:events';

import * as wsModule from 'ws';
import { describe, expect, it } from 'vitest';

import { buildFrame, frameSize, Opcode, TickwireError } from '../../src/index.js';
import { Rng } from '../helpers/random.js';

// ws's frame parser (a Writable). @types/ws does not declare it; this is the part used here.
interface WsReceiver extends EventEmitter {
  write(chunk: Buffer): boolean;
}
const { Receiver } = wsModule as unknown as {
  Receiver: new (options: { isServer: boolean; maxPayload: number; allowSynchronousEvents: boolean }) => WsReceiver;
};

interface Parsed {
  messages: Array<{ data: Buffer; isBinary: boolean }>;
  pings: Buffer[];
  closes: Array<{ code: number; reason: string }>;
  errors: Error[];
}

/** Feeds bytes to ws's own frame parser (an independent implementation) and collects what it saw. */
function parseWithWs(bytes: Buffer, isServer: boolean): Parsed {
  const out: Parsed = { messages: [], pings: [], closes: [], errors: [] };
  const r = new Receiver({ isServer, maxPayload: 0, allowSynchronousEvents: true });
  r.on('message', (data: Buffer, isBinary: boolean) => out.messages.push({ data: Buffer.from(data), isBinary }));
  r.on('ping', (d: Buffer) => out.pings.push(Buffer.from(d)));
  r.on('conclude', (code: number, reason: Buffer) => out.closes.push({ code, reason: reason.toString() }));
  r.on('error', (e: Error) => out.errors.push(e));
  r.write(bytes);
  return out;
}

describe('buildFrame', () => {
  it('writes the RFC 6455 §5.7 example frames byte for byte', () => {
    const out = Buffer.alloc(32);
    let n = buildFrame(out, 'Hello', { mask: false });
    expect(out.subarray(0, n).toString('hex')).toBe('810548656c6c6f');
    n = buildFrame(out, 'Hello', { mask: Uint8Array.of(0x37, 0xfa, 0x21, 0x3d) });
    expect(out.subarray(0, n).toString('hex')).toBe('818537fa213d7f9f4d5158');
    n = buildFrame(out, 'Hel', { fin: false, mask: false });
    expect(out.subarray(0, n).toString('hex')).toBe('010348656c');
    n = buildFrame(out, 'lo', { opcode: Opcode.Continuation, mask: false });
    expect(out.subarray(0, n).toString('hex')).toBe('80026c6f');
    n = buildFrame(out, 'Hello', { opcode: Opcode.Ping, mask: false });
    expect(out.subarray(0, n).toString('hex')).toBe('890548656c6c6f');
    n = buildFrame(out, Buffer.alloc(0), { opcode: Opcode.Binary, mask: false });
    expect(out.subarray(0, n).toString('hex')).toBe('8200');
  });

  it('uses the 7-bit, 16-bit and 64-bit length forms at their boundaries', () => {
    for (const [len, header] of [
      [125, '827d'],
      [126, '827e007e'],
      [65535, '827effff'],
      [65536, '827f0000000000010000'],
    ] as const) {
      const out = Buffer.alloc(frameSize(len, false));
      const n = buildFrame(out, Buffer.alloc(len, 1), { mask: false });
      expect(n).toBe(out.length);
      expect(out.subarray(0, header.length / 2).toString('hex')).toBe(header);
    }
  });

  it('client frames of 0, 125, 126, 65535, 65536 and 1 MiB bytes parse back in ws, text and binary', () => {
    const rng = new Rng(31n);
    for (const len of [0, 1, 125, 126, 65535, 65536, 1 << 20]) {
      const bin = rng.bytes(len);
      const text = 'aé€😀'.repeat(Math.ceil(len / 10)).slice(0, len);
      const out = Buffer.alloc(frameSize(Buffer.byteLength(text)) + frameSize(len));
      const a = buildFrame(out, bin);
      const b = buildFrame(out, text, { offset: a });
      expect(a + b).toBe(out.length);
      const parsed = parseWithWs(out, true);
      expect(parsed.errors).toEqual([]);
      expect(parsed.messages).toHaveLength(2);
      expect(parsed.messages[0]?.isBinary).toBe(true);
      expect(parsed.messages[0]?.data.equals(bin)).toBe(true);
      expect(parsed.messages[1]?.isBinary).toBe(false);
      expect(parsed.messages[1]?.data.toString('utf8')).toBe(text);
    }
  });

  it('fragments with an interleaved ping, and a close frame, parse back in ws', () => {
    const out = Buffer.alloc(256);
    let n = 0;
    n += buildFrame(out, 'frag-1 ', { fin: false, offset: n });
    n += buildFrame(out, 'are you there', { opcode: Opcode.Ping, offset: n });
    n += buildFrame(out, 'frag-2', { opcode: Opcode.Continuation, offset: n });
    const close = Buffer.concat([Buffer.from([0x03, 0xe8]), Buffer.from('bye')]);
    n += buildFrame(out, close, { opcode: Opcode.Close, offset: n });
    const parsed = parseWithWs(out.subarray(0, n), true);
    expect(parsed.errors).toEqual([]);
    expect(parsed.pings.map((p) => p.toString())).toEqual(['are you there']);
    expect(parsed.messages.map((m) => m.data.toString())).toEqual(['frag-1 frag-2']);
    expect(parsed.closes).toEqual([{ code: 1000, reason: 'bye' }]);
  });

  it('draws a fresh random mask per frame by default', () => {
    const keys = new Set<string>();
    const out = Buffer.alloc(16);
    for (let i = 0; i < 1000; i++) {
      buildFrame(out, 'x');
      keys.add(out.subarray(2, 6).toString('hex'));
    }
    expect(keys.size).toBeGreaterThan(990);
  });

  it('refuses frames RFC 6455 forbids and buffers that are too small, with typed errors', () => {
    const out = Buffer.alloc(300);
    const cases: Array<[() => unknown, string]> = [
      [() => buildFrame(out, Buffer.alloc(126), { opcode: Opcode.Ping }), 'INVALID_ARGUMENT'],
      [() => buildFrame(out, 'x', { opcode: Opcode.Close, fin: false }), 'INVALID_ARGUMENT'],
      [() => buildFrame(out, 'x', { opcode: 3 as Opcode }), 'INVALID_ARGUMENT'],
      [() => buildFrame(Buffer.alloc(6), 'hello'), 'BUFFER_TOO_SMALL'],
      [() => buildFrame(out, 'hello', { offset: 296 }), 'BUFFER_TOO_SMALL'],
      [() => buildFrame(out, 'hello', { offset: 301 }), 'BUFFER_TOO_SMALL'],
      [() => buildFrame(out, out.subarray(10, 20)), 'INVALID_ARGUMENT'],
      [() => buildFrame(out, 'x', { mask: Uint8Array.of(1, 2) }), 'INVALID_ARGUMENT'],
      [() => buildFrame(out, 'x', { offset: -1 }), 'INVALID_ARGUMENT'],
      [() => frameSize(-1), 'INVALID_ARGUMENT'],
    ];
    for (const [fn, code] of cases) {
      try {
        fn();
        expect.unreachable(`expected ${code}`);
      } catch (e) {
        expect(e).toBeInstanceOf(TickwireError);
        expect((e as TickwireError).code).toBe(code);
      }
    }
  });
});
