/**
 * The simulator server and its Binance protocol module at the wire level, through tickwire's own
 * client over pinned wss://: certificate and pin, routes, raw and combined streams, control
 * messages, the WebSocket API's independent signature checks, server pings, and the drop /
 * silence / malformed faults.
 */
import { createHash, X509Certificate } from 'node:crypto';
import { connect as tlsConnect } from 'node:tls';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { connect, sim, TickwireError, type ConnectOptions, type TickwireWebSocket } from '../../src/index.js';
import { binanceSigned, until } from './helpers.js';

let server: sim.SimServer;
const sockets: TickwireWebSocket[] = [];

beforeAll(async () => {
  server = await sim.SimServer.start({ venue: 'binance', seed: 4, tickIntervalMs: 0 });
});
afterAll(async () => {
  for (const ws of sockets) if (ws.readyState !== 'closed') ws.close();
  await server.close();
});

interface Client {
  ws: TickwireWebSocket;
  msgs: string[];
  /** The first message (from now on, or already received when `fromStart`) that parses and matches. */
  next(match: (m: Record<string, unknown>) => boolean): Promise<Record<string, unknown>>;
}

async function open(path: string, options: ConnectOptions = {}, srv: sim.SimServer = server): Promise<Client> {
  const ws = await connect(`${srv.url}${path}`, { tls: srv.clientTls(), reconnect: false, ...options });
  sockets.push(ws);
  const msgs: string[] = [];
  ws.on('message', (d) => msgs.push(Buffer.from(d).toString('utf8')));
  return {
    ws,
    msgs,
    async next(match) {
      for (let i = 0; ; i++) {
        await until(() => msgs.length > i);
        try {
          const m = JSON.parse(msgs[i] as string) as Record<string, unknown>;
          if (match(m)) return m;
        } catch {
          // not JSON: not what we wait for
        }
      }
    },
  };
}

/** Sends a WebSocket API request and returns its response. */
async function call(c: Client, id: string, method: string, params: Record<string, unknown>): Promise<Record<string, unknown>> {
  c.ws.send(JSON.stringify({ id, method, params }));
  return c.next((m) => m.id === id);
}

const signed = binanceSigned;

describe('sim server', () => {
  it("prints the SPKI pin of the certificate it serves (CN/SAN localhost, 127.0.0.1)", async () => {
    const x = new X509Certificate(server.cert);
    const spki = x.publicKey.export({ type: 'spki', format: 'der' });
    expect(server.pin).toBe(`sha256/${createHash('sha256').update(spki).digest('base64')}`);
    expect(x.subjectAltName).toContain('DNS:localhost');
    expect(x.subjectAltName).toContain('IP Address:127.0.0.1');
    expect(server.url).toMatch(/^wss:\/\/127\.0\.0\.1:\d+$/);
    const c = await open('/ws/btcusdt@trade', { tls: { pins: [server.pin], pinOnly: true } });
    expect(c.ws.readyState).toBe('open');
  });

  it('refuses unknown paths (404) and invalid stream names (400)', async () => {
    for (const path of ['/nope', '/ws/btcusdt@nonsense', '/stream?streams=btcusdt@trade/BAD']) {
      const err = await open(path).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(TickwireError);
      expect((err as TickwireError).code).toBe('HTTP_STATUS');
    }
  });

  it('raw streams send payloads as is, combined streams wrap them; SUBSCRIBE / LIST / UNSUBSCRIBE and error shapes', async () => {
    const raw = await open('/ws/btcusdt@depth');
    const combined = await open('/stream?streams=btcusdt@depth@100ms');
    server.market.step('BTCUSDT');
    const r = await raw.next(() => true);
    const c = await combined.next(() => true);
    expect(r).toMatchObject({ e: 'depthUpdate', s: 'BTCUSDT' });
    expect(c).toEqual({ stream: 'btcusdt@depth@100ms', data: r });

    raw.ws.send(JSON.stringify({ method: 'SUBSCRIBE', params: ['ethusdt@trade', 'ethusdt@bookTicker'], id: 7 }));
    expect(await raw.next((m) => m.id === 7)).toEqual({ result: null, id: 7 });
    raw.ws.send(JSON.stringify({ method: 'LIST_SUBSCRIPTIONS', id: 8 }));
    expect(await raw.next((m) => m.id === 8)).toEqual({ result: ['btcusdt@depth', 'ethusdt@trade', 'ethusdt@bookTicker'], id: 8 });
    raw.ws.send(JSON.stringify({ method: 'UNSUBSCRIBE', params: ['btcusdt@depth'], id: 9 }));
    expect(await raw.next((m) => m.id === 9)).toEqual({ result: null, id: 9 });
    // Another connection for the errors: 5 messages a second is the limit.
    const other = await open('/ws');
    other.ws.send(JSON.stringify({ method: 'SUBSCRIBE', params: ['btcusdt@kline_1m'], id: 10 }));
    expect(await other.next((m) => m.id === 10)).toMatchObject({ code: 2, id: 10 });
    other.ws.send(JSON.stringify({ method: 'SUBSCRIBE!', params: [], id: 11 }));
    expect(await other.next((m) => m.id === 11)).toMatchObject({ code: 2, msg: expect.stringContaining('unknown variant') });
    other.ws.send('{not json');
    expect(await other.next((m) => m.code === 3)).toMatchObject({ code: 3 });
  });

  it('a market-stream client sending more than 5 messages in a second is disconnected', async () => {
    const c = await open('/ws/btcusdt@trade');
    let code: number | null = null;
    c.ws.on('close', (k) => (code = k));
    for (let i = 0; i < 6; i++) c.ws.send(JSON.stringify({ method: 'LIST_SUBSCRIPTIONS', id: i }));
    await until(() => code !== null);
    expect(code).toBe(1008);
    expect(c.msgs.length).toBe(5);
  });

  it("depth snapshots and diff updates agree: snapshot + updates after it = the simulator's book", async () => {
    const stream = await open('/ws/ethusdt@depth');
    const api = await open('/ws-api/v3');
    server.market.burst(20, 'ETHUSDT');
    const snap = (await call(api, 'd1', 'depth', { symbol: 'ETHUSDT', limit: 5000 })).result as { lastUpdateId: number; bids: string[][]; asks: string[][] };
    server.market.burst(20, 'ETHUSDT');
    const sym = server.market.get('ETHUSDT') as sim.SimSymbol;
    await stream.next((m) => m.u === sym.updateId);
    const book = { b: new Map(snap.bids.map(([p, q]) => [p, q])), a: new Map(snap.asks.map(([p, q]) => [p, q])) };
    for (const text of stream.msgs) {
      const u = JSON.parse(text) as { U: number; u: number; b: string[][]; a: string[][] };
      if (u.u <= snap.lastUpdateId) continue;
      for (const [p, q] of u.b) Number(q) ? book.b.set(p as string, q as string) : book.b.delete(p as string);
      for (const [p, q] of u.a) Number(q) ? book.a.set(p as string, q as string) : book.a.delete(p as string);
    }
    const want = sym.snapshot();
    expect([...book.b.entries()].sort((x, y) => Number(y[0]) - Number(x[0]))).toEqual(want.bids.map(([p, q]) => [sym.price(p, 8), sym.qty(q, 8)]));
    expect([...book.a.entries()].sort((x, y) => Number(x[0]) - Number(y[0]))).toEqual(want.asks.map(([p, q]) => [sym.price(p, 8), sym.qty(q, 8)]));
    expect((await call(api, 'd2', 'depth', { symbol: 'NOPE' })).error).toEqual({ code: -1121, msg: 'Invalid symbol.' });
  });

  it('verifies every signed request independently and answers with Binance error shapes', async () => {
    const api = await open('/ws-api/v3');
    const order = { symbol: 'BTCUSDT', side: 'SELL', type: 'LIMIT', timeInForce: 'GTC', price: '99999.00', quantity: '0.00100', apiKey: 'simkey' };
    const ok = await call(api, 'ok', 'order.place', signed({ ...order, timestamp: Date.now(), newOrderRespType: 'ACK' }));
    expect(ok).toMatchObject({ status: 200, result: { symbol: 'BTCUSDT', orderListId: -1 } });
    expect(Object.keys(ok.result as object)).toEqual(['symbol', 'orderId', 'orderListId', 'clientOrderId', 'transactTime']);

    const cases: Array<[string, Record<string, unknown>, number, number]> = [
      ['bad signature', { ...signed({ ...order, timestamp: Date.now() }, 'wrong') }, 400, -1022],
      ['param changed after signing', { ...signed({ ...order, timestamp: Date.now() }), price: '99998.00' }, 400, -1022],
      ['unknown key', signed({ ...order, apiKey: 'other', timestamp: Date.now() }), 401, -2015],
      ['stale timestamp', signed({ ...order, timestamp: Date.now() - 60_000 }), 400, -1021],
      ['timestamp ahead', signed({ ...order, timestamp: Date.now() + 5_000 }), 400, -1021],
      ['recvWindow above 60000', signed({ ...order, timestamp: Date.now(), recvWindow: 70_000 }), 400, -1131],
      ['no signature', { ...order, timestamp: Date.now() }, 400, -1102],
      ['no timestamp', signed({ ...order }), 400, -1102],
      ['price off the tick', signed({ ...order, price: '1.001', timestamp: Date.now() }), 400, -1013],
      ['bad side', signed({ ...order, side: 'UP', timestamp: Date.now() }), 400, -1117],
    ];
    for (const [what, params, status, code] of cases) {
      const r = await call(api, what, 'order.place', params);
      expect([what, r.status, (r.error as { code: number }).code]).toEqual([what, status, code]);
    }
    const sig = await call(api, 'sig', 'order.place', signed({ ...order, timestamp: Date.now() }, 'wrong'));
    expect(sig.error).toEqual({ code: -1022, msg: 'Signature for this request is not valid.' });
    // Uppercase hex is accepted (HMAC signatures are case-insensitive).
    const up = signed({ ...order, newClientOrderId: 'upper', timestamp: Date.now() });
    expect((await call(api, 'up', 'order.place', { ...up, signature: String(up.signature).toUpperCase() })).status).toBe(200);
    expect((await call(api, 'm', 'no.such.method', {})).error).toMatchObject({ code: -1020 });
  });

  it('user data: executionReports reach the subscribed connection of that account only', async () => {
    const mine = await open('/ws-api/v3');
    const other = await open('/ws-api/v3');
    expect(await call(mine, 's', 'userDataStream.subscribe.signature', signed({ apiKey: 'simkey', timestamp: Date.now() }))).toMatchObject({
      status: 200,
      result: { subscriptionId: 0 },
    });
    const placed = await call(
      other,
      'p',
      'order.place',
      signed({ symbol: 'BTCUSDT', side: 'BUY', type: 'MARKET', quantity: '0.00001', apiKey: 'simkey', timestamp: Date.now(), newClientOrderId: 'ud-1' }),
    );
    expect(placed).toMatchObject({ status: 200, result: { status: 'FILLED', clientOrderId: 'ud-1' } });
    expect((placed.result as { fills: unknown[] }).fills).toHaveLength(1);
    const trade = await mine.next((m) => (m.event as { x?: string } | undefined)?.x === 'TRADE');
    expect(trade).toMatchObject({ subscriptionId: 0, event: { e: 'executionReport', c: 'ud-1', X: 'FILLED', m: false } });
    expect(other.msgs.filter((t) => t.includes('executionReport'))).toEqual([]);
  });

  it('pings clients: tickwire answers and stays; a client that never answers is cut', async () => {
    const pinging = await sim.SimServer.start({ venue: 'binance', tickIntervalMs: 0, pingIntervalMs: 10, pongTimeoutMs: 100 });
    try {
      const c = await open('/ws/btcusdt@trade', {}, pinging);
      let pings = 0;
      c.ws.on('ping', () => pings++);
      await until(() => pings >= 20);
      expect(c.ws.readyState).toBe('open');

      // A raw TLS client that upgrades and reads, but never answers a ping.
      const port = pinging.port;
      const socket = tlsConnect({ host: '127.0.0.1', port, servername: 'localhost', ca: pinging.cert });
      let closed = false;
      let received = '';
      socket.on('data', (d: Buffer) => (received += d.toString('latin1')));
      socket.on('close', () => (closed = true));
      socket.on('error', () => undefined);
      socket.write(
        `GET /ws/btcusdt@trade HTTP/1.1\r\nHost: localhost:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n`,
      );
      await until(() => closed);
      expect(received).toMatch(/^HTTP\/1\.1 101 /);
      expect(received).toContain('\x89'); // it was pinged (FIN + ping opcode) before being cut
      expect(pinging.clients.size).toBe(1);
      expect(c.ws.readyState).toBe('open');
    } finally {
      await pinging.close();
    }
  });

  it('silence: nothing is sent or read, the client heartbeat gives up and reconnects once the server speaks again', async () => {
    const c = await open('/ws/btcusdt@trade', {
      heartbeat: { intervalMs: 10, timeoutMs: 50 },
      reconnect: { initialDelayMs: 5, maxDelayMs: 20, maxAttempts: 0, jitter: false },
    });
    const causes: string[] = [];
    let reconnected = false;
    c.ws.on('reconnecting', (_a, _d, cause) => causes.push(cause.code));
    c.ws.on('reconnected', () => (reconnected = true));
    server.faults.silence();
    server.market.step('BTCUSDT');
    await until(() => causes.length > 0);
    expect(causes[0]).toBe('CONN_TIMEOUT');
    expect(reconnected).toBe(false);
    server.faults.resume();
    await until(() => reconnected);
    const before = c.msgs.length;
    while (c.msgs.length === before) {
      server.market.step('BTCUSDT');
      await until(() => true);
      await new Promise((r) => setTimeout(r, 1));
    }
  });

  it('drop: abrupt by default, or serverShutdown then close 1001 when graceful', async () => {
    const a = await open('/stream?streams=btcusdt@trade');
    let closeA: number | null = null;
    a.ws.on('close', (code) => (closeA = code));
    server.faults.drop();
    await until(() => closeA !== null);
    expect(closeA).toBe(1006);

    const b = await open('/stream?streams=btcusdt@trade');
    let closeB: number | null = null;
    b.ws.on('close', (code) => (closeB = code));
    server.faults.drop({ graceful: true });
    await until(() => closeB !== null);
    expect(closeB).toBe(1001);
    expect(JSON.parse(b.msgs.at(-1) as string)).toMatchObject({ stream: '!serverShutdown', data: { e: 'serverShutdown' } });
  });

  it('malformed: every market-data client gets one bad message (not JSON, or JSON of the wrong shape)', async () => {
    const raw = await open('/ws/btcusdt@trade');
    const api = await open('/ws-api/v3');
    server.faults.malformed('json');
    server.faults.malformed('shape');
    await until(() => raw.msgs.length >= 2);
    expect(() => JSON.parse(raw.msgs[0] as string)).toThrow();
    expect(JSON.parse(raw.msgs[1] as string)).toMatchObject({ e: 'trade', p: 'not-a-price' });
    expect(api.msgs).toEqual([]);
    // A request answered after the faults: anything they sent to the API connection came before it.
    expect(await call(api, 'after', 'ping', {})).toMatchObject({ id: 'after', status: 200 });
    expect(api.msgs).toHaveLength(1);
  });
});

describe('every venue module: requests that are JSON but not an object', () => {
  const paths: Record<string, string[]> = {
    binance: ['/ws', '/ws-api/v3'],
    bybit: ['/v5/public/spot', '/v5/trade', '/v5/private'],
    coinbase: ['/'],
    hyperliquid: ['/ws'],
    kraken: ['/v2'],
  };

  it('covers every registered venue', () => {
    expect(Object.keys(paths).sort()).toEqual(Object.keys(sim.SIM_VENUES).sort());
  });

  it.each(Object.entries(paths))('%s answers null, 5 and "x" with its parse error and keeps serving', async (venue, venuePaths) => {
    const srv = await sim.SimServer.start({ venue, tickIntervalMs: 0, pingIntervalMs: 0 });
    try {
      for (const path of venuePaths) {
        const c = await open(path, {}, srv);
        // Greetings (Kraken's status, Hyperliquid's text) are not answers.
        const answers = (): string[] => c.msgs.filter((m) => !m.includes('"channel":"status"') && m !== 'Websocket connection established.');
        for (const text of ['null', '5', '"x"']) c.ws.send(text);
        await until(() => answers().length >= 3);
        expect(answers()).toHaveLength(3);
        expect(c.ws.readyState).toBe('open');
        expect(srv.clients.size).toBeGreaterThan(0);
      }
    } finally {
      await srv.close();
    }
  });
});
