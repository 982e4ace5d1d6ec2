/**
 * The WebSocket client against real peers on loopback, on both transports: the `ws` server for
 * interop, and a raw server that writes crafted frames for every protocol-error rule.
 */
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocketServer, type WebSocket as WsPeer } from 'ws';

import { connect, TickwireError, type TickwireWebSocket } from '../../src/index.js';
import { closePayload, frame, rawServer } from '../helpers/raw-ws-server.js';
import { Rng } from '../helpers/random.js';

/** The next `event` (unlike events.once, this does not also subscribe to 'error'). */
function next<K extends 'close' | 'reconnecting' | 'reconnected'>(ws: TickwireWebSocket, event: K, ms = 10_000): Promise<unknown[]> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`no '${event}' within ${ms} ms`)), ms);
    (ws as unknown as { once(e: string, f: (...a: unknown[]) => void): void }).once(event, (...args: unknown[]) => {
      clearTimeout(t);
      resolve(args);
    });
  });
}

/** Collects the next `n` messages (copied: views are only valid during the callback). */
function nextMessages(ws: TickwireWebSocket, n: number, ms = 10_000): Promise<Array<{ data: Buffer; isBinary: boolean }>> {
  return new Promise((resolve, reject) => {
    const got: Array<{ data: Buffer; isBinary: boolean }> = [];
    const t = setTimeout(() => reject(new Error(`got ${got.length} of ${n} messages`)), ms);
    const on = (data: Uint8Array, isBinary: boolean) => {
      got.push({ data: Buffer.from(data), isBinary });
      if (got.length === n) {
        clearTimeout(t);
        ws.off('message', on);
        resolve(got);
      }
    };
    ws.on('message', on);
  });
}

for (const transport of ['io_uring', 'io_uring_sqpoll', 'epoll'] as const) {
  describe(`WebSocket client over ${transport}`, () => {
    let wss: WebSocketServer;
    let url: string;

    beforeAll(async () => {
      wss = new WebSocketServer({ host: '127.0.0.1', port: 0, maxPayload: 64 * 1024 * 1024 });
      await once(wss, 'listening');
      url = `ws://127.0.0.1:${(wss.address() as AddressInfo).port}/echo`;
      wss.on('connection', (peer: WsPeer, req) => {
        if (req.url === '/greet') peer.send('hello before you listened');
        peer.on('message', (data, isBinary) => peer.send(data, { binary: isBinary }));
      });
    });
    afterAll(() => new Promise<void>((r) => wss.close(() => r())));

    it('echoes text and binary of 0, 125, 126, 65535, 65536 and 16 MiB bytes through ws', async () => {
      const ws = await connect(url, { transport, reconnect: false, maxMessageBytes: 32 * 1024 * 1024 });
      expect(ws.stats().transport).toBe(transport);
      const rng = new Rng(7n);
      for (const len of [0, 125, 126, 65535, 65536, 16 * 1024 * 1024]) {
        const bin = rng.bytes(len);
        const text = 'é'.repeat(Math.floor(len / 2)) + (len % 2 ? 'x' : '');
        const got = nextMessages(ws, 2, 30_000);
        ws.send(bin);
        ws.send(text);
        const [a, b] = await got;
        expect(a?.isBinary).toBe(true);
        expect(a?.data.equals(bin)).toBe(true);
        expect(b?.isBinary).toBe(false);
        expect(b?.data.toString('utf8')).toBe(text);
      }
      const s = ws.stats();
      expect(s.messagesIn).toBe(12);
      expect(s.messagesOut).toBe(12);
      ws.close();
      const [code] = (await next(ws, 'close')) as [number, string];
      expect(code).toBe(1000);
    });

    it('holds a message that arrives with the upgrade until a listener is attached', async () => {
      const ws = await connect(url.replace('/echo', '/greet'), { transport, reconnect: false });
      await new Promise((r) => setTimeout(r, 50));
      const [m] = await nextMessages(ws, 1);
      expect(m?.data.toString()).toBe('hello before you listened');
      ws.close();
    });

    it('reassembles fragments with interleaved pings (answered with pongs), fed one byte at a time', async () => {
      const srv = await rawServer(async (c) => {
        const bytes = Buffer.concat([
          frame(0x1, 'frag', { fin: false }),
          frame(0x9, 'p1'),
          frame(0x0, 'ment', { fin: false }),
          frame(0x9, 'p2'),
          frame(0x0, 'ed ✓', { fin: true }),
          frame(0x2, Buffer.from([1, 2, 3])),
        ]);
        for (const b of bytes) {
          c.socket.write(Buffer.of(b));
          await new Promise((r) => setImmediate(r));
        }
      });
      try {
        const ws = await connect(srv.url, { transport, reconnect: false });
        const msgs = await nextMessages(ws, 2);
        expect(msgs[0]?.data.toString()).toBe('fragmented ✓');
        expect(msgs[1]?.data).toEqual(Buffer.from([1, 2, 3]));
        const conn = srv.connections[0];
        await conn?.waitFor(0xa);
        expect(conn?.frames.filter((f) => f.opcode === 0xa).map((f) => f.payload.toString())).toEqual(['p1', 'p2']);
        ws.close();
      } finally {
        await srv.close();
      }
    });

    it('reports the server close code and reason and echoes the code', async () => {
      const srv = await rawServer((c) => void c.socket.write(frame(0x8, closePayload(4001, 'maintenance'))));
      try {
        const ws = await connect(srv.url, { transport, reconnect: false });
        const [code, reason] = (await next(ws, 'close')) as [number, string];
        expect(code).toBe(4001);
        expect(reason).toBe('maintenance');
        const echo = await srv.connections[0]?.waitFor(0x8);
        expect(echo?.payload.readUInt16BE(0)).toBe(4001);
      } finally {
        await srv.close();
      }
    });

    const violations: Array<[string, Buffer, number, string]> = [
      ['masked server frame', frame(0x1, 'x', { mask: Buffer.from([1, 2, 3, 4]) }), 1002, 'WS_PROTOCOL_ERROR'],
      ['RSV1 set', frame(0x1, 'x', { rsv: 4 }), 1002, 'WS_PROTOCOL_ERROR'],
      ['reserved opcode 0x3', frame(0x3, 'x'), 1002, 'WS_PROTOCOL_ERROR'],
      ['fragmented control frame', frame(0x9, 'x', { fin: false }), 1002, 'WS_PROTOCOL_ERROR'],
      ['control frame over 125 bytes', frame(0x9, Buffer.alloc(126)), 1002, 'WS_PROTOCOL_ERROR'],
      ['continuation without a message', frame(0x0, 'x'), 1002, 'WS_PROTOCOL_ERROR'],
      ['new message inside a fragmented one', Buffer.concat([frame(0x1, 'a', { fin: false }), frame(0x1, 'b')]), 1002, 'WS_PROTOCOL_ERROR'],
      ['invalid UTF-8', frame(0x1, Buffer.from([0x61, 0xc3, 0x28])), 1007, 'WS_INVALID_UTF8'],
      ['invalid UTF-8 split across fragments', Buffer.concat([frame(0x1, Buffer.from([0xe2, 0x82]), { fin: false }), frame(0x0, Buffer.from([0x28]))]), 1007, 'WS_INVALID_UTF8'],
      ['invalid close code 1005', frame(0x8, closePayload(1005)), 1002, 'WS_PROTOCOL_ERROR'],
      ['message over maxMessageBytes', frame(0x2, Buffer.alloc(2000)), 1009, 'WS_MESSAGE_TOO_BIG'],
    ];
    it.each(violations.map(([name, bytes, closeCode, errCode]) => ({ name, bytes, closeCode, errCode })))(
      '$name → close $closeCode, $errCode, the bad message is never delivered',
      async ({ bytes, closeCode, errCode }) => {
      const srv = await rawServer((c) => void c.socket.write(Buffer.concat([frame(0x1, 'good'), bytes, frame(0x1, 'after')])));
      try {
        const ws = await connect(srv.url, { transport, reconnect: false, maxMessageBytes: 1024 });
        const delivered: string[] = [];
        const errors: TickwireError[] = [];
        ws.on('message', (d) => delivered.push(Buffer.from(d).toString('latin1')));
        ws.on('error', (e) => errors.push(e));
        const [code] = (await next(ws, 'close')) as [number, string];
        expect(code).toBe(1006);
        expect(delivered).toEqual(['good']);
        expect(errors.map((e) => e.code)).toEqual([errCode]);
        expect(errors[0]?.closeCode).toBe(closeCode);
        const close = await srv.connections[0]?.waitFor(0x8);
        expect(close?.payload.readUInt16BE(0)).toBe(closeCode);
      } finally {
        await srv.close();
      }
      },
    );

    it('rejects connect() to a closed port with CONN_REFUSED (reason ECONNREFUSED), as connectTcp does', async () => {
      const err = await connect('ws://127.0.0.1:1/', { transport, reconnect: false }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(TickwireError);
      expect((err as TickwireError).code).toBe('CONN_REFUSED');
      expect((err as TickwireError).reason).toBe('ECONNREFUSED');
    });

    it('rejects a refused upgrade with HTTP_STATUS', async () => {
      const { createServer } = await import('node:net');
      const server = createServer((s) => s.on('data', () => s.end('HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n')));
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      try {
        const port = (server.address() as AddressInfo).port;
        const err = await connect(`ws://127.0.0.1:${port}/`, { transport, reconnect: false }).catch((e: unknown) => e);
        expect((err as TickwireError).code).toBe('HTTP_STATUS');
      } finally {
        server.close();
      }
    });

    it('a silent server fails the handshake with CONN_TIMEOUT within the configured time', async () => {
      const { createServer } = await import('node:net');
      const server = createServer(() => {});
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      try {
        const port = (server.address() as AddressInfo).port;
        const t0 = performance.now();
        const err = await connect(`ws://127.0.0.1:${port}/`, { transport, reconnect: false, connectTimeoutMs: 300 }).catch((e: unknown) => e);
        const elapsed = performance.now() - t0;
        expect((err as TickwireError).code).toBe('CONN_TIMEOUT');
        expect(elapsed).toBeGreaterThanOrEqual(290);
      } finally {
        server.close();
      }
    });

    it('reconnects with backoff after the server drops the connection, and resubscribes on reconnected', async () => {
      let n = 0;
      const srv = await rawServer((c) => {
        n++;
        c.socket.write(frame(0x1, `hello ${n}`));
        if (n < 3) setTimeout(() => c.socket.destroy(), 20);
      });
      try {
        const ws = await connect(srv.url, { transport, reconnect: { initialDelayMs: 10, maxDelayMs: 50, maxAttempts: 5, jitter: false } });
        const seen: string[] = [];
        const reconnecting: number[] = [];
        ws.on('message', (d) => seen.push(Buffer.from(d).toString()));
        ws.on('reconnecting', (_attempt, delay) => reconnecting.push(delay));
        let resubscribed = 0;
        ws.on('reconnected', () => {
          resubscribed++;
          ws.send('subscribe');
        });
        await new Promise<void>((resolve) => {
          const iv = setInterval(() => {
            if (seen.length >= 3) {
              clearInterval(iv);
              resolve();
            }
          }, 10);
        });
        expect(seen).toEqual(['hello 1', 'hello 2', 'hello 3']);
        expect(resubscribed).toBe(2);
        expect(reconnecting).toEqual([10, 10]);
        expect(ws.stats().reconnects).toBe(2);
        await srv.connections[2]?.waitFor(0x1);
        ws.close();
      } finally {
        await srv.close();
      }
    });

    it('gives up with RECONNECT_FAILED after maxAttempts', async () => {
      const srv = await rawServer(() => {});
      const ws = await connect(srv.url, { transport, reconnect: { initialDelayMs: 5, maxDelayMs: 10, maxAttempts: 2, jitter: true } });
      const errors: TickwireError[] = [];
      ws.on('error', (e) => errors.push(e));
      const closed = next(ws, 'close');
      await srv.close(); // drops the connection and stops listening: every reconnect is refused
      const [code] = (await closed) as [number, string];
      expect(code).toBe(1006);
      expect(errors.map((e) => e.reason ?? e.code)).toEqual(['ECONNREFUSED', 'ECONNREFUSED', 'RECONNECT_FAILED']);
      expect(errors.at(-1)?.code).toBe('RECONNECT_FAILED');
    });

    it('heartbeat: a server that stops answering pings is detected and the client reconnects', async () => {
      let n = 0;
      const srv = await rawServer((c) => {
        n++;
        // the first connection goes silent: no pongs; ping frames are simply ignored
        if (n > 1) c.socket.write(frame(0x1, 'second'));
      });
      try {
        const ws = await connect(srv.url, {
          transport,
          heartbeat: { intervalMs: 50, timeoutMs: 100 },
          reconnect: { initialDelayMs: 0, maxDelayMs: 0, maxAttempts: 3, jitter: false },
        });
        const [, , cause] = (await next(ws, 'reconnecting')) as [number, number, TickwireError];
        expect(cause.code).toBe('CONN_TIMEOUT'); // the heartbeat saw no pong
        const [m] = await nextMessages(ws, 1);
        expect(m?.data.toString()).toBe('second');
        ws.close();
      } finally {
        await srv.close();
      }
    });
  });
}
