/**
 * Busy-poll mode (ConnectOptions.busyPollUs): connections that ask for it work on both
 * transports; the engine spins for the largest budget among its open connections and stops once
 * they are gone (a budget is per connection, not for the life of the process); 'auto' picks epoll
 * for busy-polling connections; bad budgets are refused.
 */
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocketServer, type WebSocket as WsPeer } from 'ws';

import { connect, TickwireError, type TickwireWebSocket } from '../../src/index.js';
import { NativeEngine } from '../../src/net/engine.js';
import { connectTcp } from '../../src/net/tcp.js';
import { createServer, type Server } from 'node:net';

let wss: WebSocketServer;
let url: string;
let tcp: Server;
let tcpPort: number;

beforeAll(async () => {
  wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await once(wss, 'listening');
  url = `ws://127.0.0.1:${(wss.address() as AddressInfo).port}/`;
  wss.on('connection', (peer: WsPeer) => peer.on('message', (data, isBinary) => peer.send(data, { binary: isBinary })));
  tcp = createServer((s) => s.pipe(s));
  await new Promise<void>((r) => tcp.listen(0, '127.0.0.1', r));
  tcpPort = (tcp.address() as AddressInfo).port;
});
afterAll(async () => {
  await new Promise<void>((r) => wss.close(() => r()));
  await new Promise<void>((r) => tcp.close(() => r()));
});

async function closed(ws: TickwireWebSocket): Promise<void> {
  const done = once(ws as unknown as NodeJS.EventEmitter, 'close');
  ws.close();
  await done;
}

/** Until the engine has released every connection (FREED arrives after the close handshake). */
async function settle(engine: NativeEngine, want: number): Promise<void> {
  for (let i = 0; i < 200 && engine.busyPollUs !== want; i++) await new Promise((r) => setTimeout(r, 10));
}

async function echo(ws: TickwireWebSocket, n: number): Promise<void> {
  for (let i = 0; i < n; i++) {
    const got = new Promise<string>((resolve) => ws.once('message', (d) => resolve(Buffer.from(d).toString())));
    ws.send(`m${i}`);
    expect(await got).toBe(`m${i}`);
  }
}

for (const transport of ['io_uring', 'epoll'] as const) {
  describe(`busy-poll over ${transport}`, () => {
    it('a busy-polling connection exchanges messages; the budget lasts while a connection that asked for it is open', async () => {
      const engine = NativeEngine.get(transport);
      await settle(engine, 0);
      expect(engine.busyPollUs).toBe(0);
      const a = await connect(url, { transport, reconnect: false, busyPollUs: 50 });
      expect(engine.busyPollUs).toBe(50);
      const b = await connect(url, { transport, reconnect: false, busyPollUs: 200 });
      const c = await connect(url, { transport, reconnect: false });
      expect(engine.busyPollUs).toBe(200);
      await echo(a, 20);
      await echo(b, 20);
      await echo(c, 20);
      await closed(b);
      await settle(engine, 50);
      expect(engine.busyPollUs).toBe(50);
      await closed(a);
      await settle(engine, 0);
      expect(engine.busyPollUs).toBe(0);
      await echo(c, 5); // the plain connection is unaffected
      await closed(c);
    });
  });
}

describe('busy-poll transport choice and validation', () => {
  it("'auto' with a budget runs on epoll (stats().transport); without one it stays on the default engine", async () => {
    const busy = await connect(url, { reconnect: false, busyPollUs: 20 });
    expect(busy.stats().transport).toBe('epoll');
    await echo(busy, 3);
    await closed(busy);
    const plain = await connect(url, { reconnect: false });
    expect(plain.stats().transport).toBe(NativeEngine.get('auto').transport);
    await closed(plain);
  });

  it('connectTcp takes a budget too, for the life of the connection', async () => {
    const engine = NativeEngine.get('epoll');
    await settle(engine, 0);
    const conn = await connectTcp('127.0.0.1', tcpPort, { busyPollUs: 30 });
    expect(engine.busyPollUs).toBe(30);
    const got = new Promise<string>((resolve) => conn.once('data', (d: Uint8Array) => resolve(Buffer.from(d).toString())));
    conn.write('ping');
    expect(await got).toBe('ping');
    conn.end();
    await settle(engine, 0);
    expect(engine.busyPollUs).toBe(0);
  });

  it('refuses negative, fractional and non-numeric budgets with INVALID_ARGUMENT', async () => {
    for (const bad of [-1, 1.5, Number.NaN, '10' as unknown as number]) {
      const err = await connect(url, { reconnect: false, busyPollUs: bad }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(TickwireError);
      expect((err as TickwireError).code).toBe('INVALID_ARGUMENT');
    }
  });
});
