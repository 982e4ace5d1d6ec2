/**
 * connectTcp: the native transport as a plain byte stream (TCP and TLS), against node:net and
 * node:tls servers on loopback, on both transports.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer as createTlsServer } from 'node:tls';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { binding } from '../../src/native/binding.js';
import { connectTcp, TickwireError, type TcpConnection } from '../../src/index.js';
import { expectCode } from './helpers.js';

const fx = join(tmpdir(), 'tickwire-tcp-fixtures');
execFileSync('sh', [new URL('../../native/test/tls_fixtures.sh', import.meta.url).pathname, fx]);
const read = (f: string) => readFileSync(join(fx, f));
const pin = (name: string) => `sha256/${Buffer.from(read(`${name}.pin`).toString().trim(), 'hex').toString('base64')}`;
const live = () => (binding as unknown as { liveObjects(): [number, number] }).liveObjects();

async function listen(server: Server): Promise<number> {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return (server.address() as AddressInfo).port;
}

/** Collects everything the connection receives until `n` bytes are in. */
function collect(conn: TcpConnection, n: number): Promise<Buffer> {
  const parts: Buffer[] = [];
  let got = 0;
  return new Promise((resolve) => {
    const on = (chunk: Uint8Array) => {
      parts.push(Buffer.from(chunk)); // the view is only valid during the callback
      got += chunk.length;
      if (got >= n) {
        conn.off('data', on);
        resolve(Buffer.concat(parts));
      }
    };
    conn.on('data', on);
  });
}

const closed = (conn: TcpConnection) => new Promise<boolean>((r) => conn.once('close', r));

for (const transport of ['io_uring', 'io_uring_sqpoll', 'epoll'] as const) {
  describe(`connectTcp over ${transport}`, () => {
    const sockets = new Set<Socket>();
    const echo = createServer((s) => {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => {});
      s.pipe(s);
    });
    // Speaks first, then closes: the greeting arrives before a 'data' listener can exist.
    const greeter = createServer((s) => {
      s.on('error', () => {});
      s.end('hello from the server\n');
    });
    const received: Buffer[] = [];
    const sink = createServer((s) => {
      const parts: Buffer[] = [];
      s.on('data', (d) => parts.push(d));
      s.on('end', () => {
        received.push(Buffer.concat(parts));
        s.end();
      });
    });
    const tlsEcho = createTlsServer({ key: read('leaf_ec.key'), cert: read('leaf_ec.pem') }, (s) => {
      s.on('error', () => {});
      s.pipe(s);
    });
    const silent = createServer((s) => {
      s.on('error', () => {});
    });
    let ports: Record<'echo' | 'greeter' | 'sink' | 'tls' | 'silent', number>;

    beforeAll(async () => {
      ports = {
        echo: await listen(echo),
        greeter: await listen(greeter),
        sink: await listen(sink),
        tls: await listen(tlsEcho),
        silent: await listen(silent),
      };
    });
    afterAll(() => {
      for (const s of sockets) s.destroy();
      for (const s of [echo, greeter, sink, tlsEcho, silent]) s.close();
    });

    it('echoes bytes in order, 5 MiB through backpressure included', async () => {
      const conn = await connectTcp('127.0.0.1', ports.echo, { transport });
      expect(conn.readyState).toBe('open');
      expect(conn.stats().transport).toBe(transport);
      const small = await (async () => {
        const p = collect(conn, 3);
        conn.write('abc');
        return p;
      })();
      expect(small.toString()).toBe('abc');

      const big = randomBytes(5 << 20);
      const copy = Buffer.from(big);
      const p = collect(conn, big.length);
      const accepted = conn.write(big);
      big.fill(0); // the connection must have kept its own copy of what it could not send yet
      if (!accepted) await new Promise<void>((r) => conn.once('drain', () => r()));
      const back = await p;
      expect(back.length).toBe(5 << 20);
      expect(back.equals(copy)).toBe(true);
      expect(conn.stats().bytesIn).toBe(3 + (5 << 20));
      conn.end();
      expect(await closed(conn)).toBe(false);
    });

    it("'data' listeners: one (called directly), two, once: each gets the chunk as its only argument", async () => {
      const conn = await connectTcp('127.0.0.1', ports.echo, { transport });
      const calls: string[] = [];
      const one = (...args: unknown[]) => calls.push(`one:${args.length}:${Buffer.from(args[0] as Uint8Array).toString()}`);
      conn.on('data', one);
      conn.write('a');
      await expect.poll(() => calls.length).toBe(1);
      const two = (...args: unknown[]) => calls.push(`two:${args.length}:${Buffer.from(args[0] as Uint8Array).toString()}`);
      conn.on('data', two);
      conn.write('b');
      await expect.poll(() => calls.length).toBe(3);
      conn.off('data', two);
      conn.once('data', (...args: unknown[]) => calls.push(`once:${args.length}`));
      conn.write('c');
      await expect.poll(() => calls.length).toBe(5);
      conn.write('d');
      await expect.poll(() => calls.length).toBe(6);
      expect(calls).toEqual(['one:1:a', 'one:1:b', 'two:1:b', 'one:1:c', 'once:1', 'one:1:d']);
      conn.destroy();
    });

    it('sends a large buffer unchanged (checked by the peer)', async () => {
      const conn = await connectTcp('127.0.0.1', ports.sink, { transport });
      const data = randomBytes(3 << 20);
      const copy = Buffer.from(data);
      conn.write(data);
      data.fill(1);
      const done = closed(conn);
      conn.end(); // flushes what is queued, then closes
      expect(await done).toBe(false);
      await expect.poll(() => received.length).toBe(1);
      expect((received.shift() as Buffer).equals(copy)).toBe(true);
    });

    it('many one-piece writes through backpressure, strings (UTF-8) and reused buffers, arrive unchanged', async () => {
      const conn = await connectTcp('127.0.0.1', ports.sink, { transport });
      const expected: Buffer[] = [];
      const piece = Buffer.alloc(64 * 1024);
      let queued = 0;
      for (let i = 0; i < 96; i++) {
        if (i % 8 === 0) {
          const text = `${i}: prix €, ☃ ${'é'.repeat(i * 100)}\n`;
          expected.push(Buffer.from(text, 'utf8'));
          if (!conn.write(text)) queued++;
        } else {
          piece.fill(i); // the same buffer each time: what was queued must be a copy
          expected.push(Buffer.from(piece));
          if (!conn.write(piece)) queued++;
        }
      }
      expect(queued).toBeGreaterThan(0); // the backpressure path ran
      const done = closed(conn);
      conn.end();
      expect(await done).toBe(false);
      await expect.poll(() => received.length).toBe(1);
      expect((received.shift() as Buffer).equals(Buffer.concat(expected))).toBe(true);
    });

    it('holds data that arrives before a listener is attached, then reports the peer closing', async () => {
      const conn = await connectTcp('127.0.0.1', ports.greeter, { transport });
      const done = closed(conn);
      await new Promise((r) => setTimeout(r, 50)); // the greeting and FIN are in by now
      const got = await collect(conn, 22);
      expect(got.toString()).toBe('hello from the server\n');
      expect(await done).toBe(false);
      expect(conn.readyState).toBe('closed');
      expect(() => conn.write('x')).toThrowError(TickwireError);
    });

    it('destroy() closes at once', async () => {
      const conn = await connectTcp('127.0.0.1', ports.echo, { transport });
      const done = closed(conn);
      conn.destroy();
      expect(await done).toBe(false);
      expect(conn.readyState).toBe('closed');
    });

    it('rejects with CONN_REFUSED when nothing listens', async () => {
      const s = createServer();
      const port = await listen(s);
      s.close();
      const err = await expectCode(connectTcp('127.0.0.1', port, { transport }), 'CONN_REFUSED');
      expect(err.reason).toBe('ECONNREFUSED');
    });

    it('TLS: pinned custom CA works end to end; a wrong pin and a silent server fail with their codes', async () => {
      const conn = await connectTcp('127.0.0.1', ports.tls, {
        transport,
        tls: { ca: read('ca.pem').toString(), pins: [pin('leaf_ec')], servername: 'localhost' },
      });
      const p = collect(conn, 100_000);
      const data = randomBytes(100_000);
      conn.write(data);
      expect((await p).equals(data)).toBe(true);
      conn.end();
      await closed(conn);

      await expectCode(
        connectTcp('127.0.0.1', ports.tls, { transport, tls: { ca: read('ca.pem').toString(), pins: [pin('leaf_rsa')], servername: 'localhost' } }),
        'TLS_PIN_MISMATCH',
      );
      await expectCode(connectTcp('127.0.0.1', ports.tls, { transport, tls: true }), 'TLS_UNTRUSTED');
      await expectCode(
        connectTcp('127.0.0.1', ports.silent, { transport, timeoutMs: 300, tls: { ca: read('ca.pem').toString(), servername: 'localhost' } }),
        'TLS_HANDSHAKE_TIMEOUT',
      );
    });

    it('rejects bad arguments with INVALID_ARGUMENT', async () => {
      await expectCode(connectTcp('', 1, { transport }), 'INVALID_ARGUMENT');
      await expectCode(connectTcp('127.0.0.1', 70000, { transport }), 'INVALID_ARGUMENT');
      await expectCode(connectTcp('127.0.0.1', 1, { transport, timeoutMs: 0 }), 'INVALID_ARGUMENT');
      await expectCode(connectTcp('127.0.0.1', 1, { transport, tls: { pinOnly: true } }), 'INVALID_ARGUMENT');
    });

    it('200 connect/close cycles leave no native connection or buffer behind', async () => {
      const settle = async () => {
        for (let i = 0; i < 3; i++) {
          globalThis.gc?.();
          await new Promise((r) => setTimeout(r, 20)); // N-API finalizers unmap the buffers JS held
        }
        return live();
      };
      const cycle = async (i: number) => {
        const conn = await connectTcp('127.0.0.1', ports.echo, { transport });
        const done = closed(conn);
        if (i % 2) conn.end();
        else conn.destroy();
        await done;
      };
      const before = await settle();
      for (let i = 0; i < 200; i++) await cycle(i);
      await new Promise((r) => setTimeout(r, 50)); // the last sockets finish closing
      expect(await settle()).toEqual(before);
    });
  });
}
