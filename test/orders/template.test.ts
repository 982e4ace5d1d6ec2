/**
 * Order templates: the native render path against the reference path (JSON.stringify +
 * node:crypto + the JS decimal rule) over thousands of random orders, byte for byte; sending on
 * live ws:// and wss:// connections; and every failure path.
 */
import { createHmac } from 'node:crypto';
import { createServer as createHttpsServer } from 'node:https';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocketServer, type WebSocket as WsPeer } from 'ws';

import { formatDecimal } from '../../src/exchanges/common/decimal.js';
import { connect, OrderTemplate, Slot, TickwireError } from '../../src/index.js';
import { randomValue, seeded } from '../helpers/random.js';

const SECRET = 'simsecret';
const KEY = 'simkey';

/** The order's parameters, in signing order (values, or Slot markers for the template). */
function orderParams(seq: number | string, price: string, quantity: string, timestamp: number | string) {
  return { apiKey: KEY, newClientOrderId: `tw-${seq}`, price, quantity, side: 'BUY', symbol: 'BTCUSDT', timeInForce: 'GTC', timestamp, type: 'LIMIT' };
}

const queryString = (params: object): string =>
  Object.entries(params)
    .map(([k, v]) => `${k}=${String(v)}`)
    .join('&');

/** The Binance-style request built the slow way: what a ccxt-style client does per order. */
function reference(p: { price: number; qty: number; seq: number; ts: number; pd: number; qd: number }): string {
  const params = orderParams(p.seq, formatDecimal(p.price, p.pd), formatDecimal(p.qty, p.qd), p.ts);
  const query = queryString(params);
  const signature = createHmac('sha256', SECRET).update(query).digest('hex');
  return JSON.stringify({ id: String(p.seq), method: 'order.place', params: { ...params, signature } });
}

/** The same request as a template: the reference builder's shape with slots where values go. */
function spec(pd: number, qd: number) {
  const params = orderParams(Slot.SEQ, Slot.PRICE, Slot.QTY, Slot.TIMESTAMP);
  const sign = queryString(params);
  // JSON.stringify escapes control characters, so place the markers after stringifying; the
  // timestamp is a JSON number, so its quotes go too.
  const message = JSON.stringify({ id: 'SEQ', method: 'order.place', params: { ...params, timestamp: 'TS', signature: 'SIG' } })
    .replace('"id":"SEQ"', `"id":"${Slot.SEQ}"`)
    .replace(/\\u0001/g, Slot.PRICE)
    .replace(/\\u0002/g, Slot.QTY)
    .replace(/\\u0003/g, Slot.SEQ)
    .replace('"TS"', Slot.TIMESTAMP)
    .replace('"SIG"', `"${Slot.SIGNATURE}"`);
  return { message, sign, secret: SECRET, priceDecimals: pd, qtyDecimals: qd };
}


describe('order templates: native render vs the reference path', () => {
  it('5,000 random orders are byte-identical to JSON.stringify + createHmac', () => {
    const rng = seeded(7);
    for (let round = 0; round < 10; round++) {
      const pd = Math.floor(rng() * 9);
      const qd = Math.floor(rng() * 9);
      const t = OrderTemplate.compile(spec(pd, qd));
      for (let i = 1; i <= 500; i++) {
        const price = randomValue(rng, pd);
        const qty = randomValue(rng, qd);
        const ts = 1_700_000_000_000 + Math.floor(rng() * 1e10);
        const got = t.render(price, qty, ts).toString('latin1');
        expect(got).toBe(reference({ price, qty, seq: i, ts, pd, qd }));
      }
      expect(t.seq).toBe(500);
    }
  });

  it('0.1 + 0.2 goes on the wire as 0.30, not 0.30000000000000004', () => {
    const t = OrderTemplate.compile(spec(2, 8));
    const body = t.render(0.1 + 0.2, 0.1 + 0.2, 1).toString();
    expect(body).toContain('"price":"0.30"');
    expect(body).toContain('"quantity":"0.30000000"');
  });

  it('takes the clock when no timestamp is given, and reports what it used', () => {
    const t = OrderTemplate.compile(spec(2, 3));
    const before = Date.now();
    const body = t.render(1, 1).toString();
    expect(t.lastTimestamp).toBeGreaterThanOrEqual(before);
    expect(t.lastTimestamp).toBeLessThanOrEqual(Date.now());
    expect(body).toBe(reference({ price: 1, qty: 1, seq: 1, ts: t.lastTimestamp, pd: 2, qd: 3 }));
  });

  it('refuses bad values with ORDER_VALUE_OUT_OF_RANGE without consuming a sequence number', () => {
    const t = OrderTemplate.compile(spec(2, 3));
    for (const [price, qty] of [
      [-1, 1],
      [1, Number.NaN],
      [Number.POSITIVE_INFINITY, 1],
      [1e15, 1], // 1e17 units: beyond 2^53
    ] as const) {
      const err = (() => {
        try {
          t.render(price, qty, 1);
        } catch (e) {
          return e;
        }
        return null;
      })();
      expect(err).toBeInstanceOf(TickwireError);
      expect((err as TickwireError).code).toBe('ORDER_VALUE_OUT_OF_RANGE');
    }
    expect(t.seq).toBe(0);
  });

  it('refuses bad specs with ORDER_TEMPLATE_INVALID', () => {
    const good = spec(2, 2);
    const bad: Array<Parameters<typeof OrderTemplate.compile>[0]> = [
      { ...good, message: '' },
      { ...good, priceDecimals: 19 },
      { ...good, qtyDecimals: -1 },
      { ...good, sign: undefined as unknown as string }, // signature slot without a payload
      { message: '{"a":1}', sign: 'a=1', secret: 'x', priceDecimals: 2, qtyDecimals: 2 }, // payload without a slot
      { ...good, secret: '' },
      { ...good, sign: `x=${Slot.SIGNATURE}` }, // a signature inside its own payload
      { ...good, message: `${good.message}\x06` }, // unknown marker
      { ...good, message: 'x'.repeat(5000) + Slot.SIGNATURE },
    ];
    for (const s of bad) {
      expect(() => OrderTemplate.compile(s), JSON.stringify(s).slice(0, 80)).toThrowError(
        expect.objectContaining({ code: 'ORDER_TEMPLATE_INVALID' }) as unknown as Error,
      );
    }
  });
});

const fx = join(tmpdir(), 'tickwire-order-fixtures');
execFileSync('sh', [new URL('../../native/test/tls_fixtures.sh', import.meta.url).pathname, fx]);
const read = (f: string) => readFileSync(join(fx, f));

describe('order templates on a live connection', () => {
  const received: string[] = [];
  let peers: WsPeer[] = [];
  let url = '';
  const server = createHttpsServer({ key: read('leaf_ec.key'), cert: read('leaf_ec.pem') });
  const wss = new WebSocketServer({ server });
  wss.on('connection', (ws) => {
    peers.push(ws);
    ws.on('message', (d, isBinary) => {
      expect(isBinary).toBe(false); // orders go out as text frames
      received.push(d.toString());
    });
  });
  beforeAll(async () => {
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `wss://127.0.0.1:${(server.address() as AddressInfo).port}/ws-api/v3`;
  });
  afterAll(() => {
    for (const p of peers) p.terminate();
    peers = [];
    server.close();
  });

  for (const transport of ['io_uring', 'io_uring_sqpoll', 'epoll'] as const) {
    it(`${transport}: 2,000 orders sent with one native call each arrive byte-identical to the reference`, async () => {
      received.length = 0;
      const ws = await connect(url, { transport, reconnect: false, tls: { ca: read('ca.pem').toString(), servername: 'localhost' } });
      const t = OrderTemplate.compile(spec(2, 6), ws);
      const rng = seeded(11);
      const expected: string[] = [];
      const order = { price: 0, qty: 0 }; // reused: the send path allocates nothing
      for (let i = 1; i <= 2000; i++) {
        order.price = randomValue(rng, 2);
        order.qty = randomValue(rng, 6);
        const accepted = t.send(order);
        expected.push(reference({ price: order.price, qty: order.qty, seq: i, ts: t.lastTimestamp, pd: 2, qd: 6 }));
        if (!accepted) await new Promise<void>((r) => ws.once('drain', () => r()));
      }
      await expect.poll(() => received.length, { timeout: 10_000 }).toBe(2000);
      expect(received).toEqual(expected);
      expect(ws.stats().messagesOut).toBe(2000);
      ws.close();
      await new Promise<void>((r) => ws.once('close', () => r()));
      expect(() => t.send(order)).toThrowError(expect.objectContaining({ code: 'WS_NOT_OPEN' }) as unknown as Error);
      expect(() => t.send({ price: -1, qty: 1 })).toThrowError(TickwireError);
    });
  }

  it('a bad value on a live connection throws and sends nothing', async () => {
    received.length = 0;
    const ws = await connect(url, { reconnect: false, tls: { ca: read('ca.pem').toString(), servername: 'localhost' } });
    const t = OrderTemplate.compile(spec(2, 6), ws);
    expect(() => t.send({ price: Number.NaN, qty: 1 })).toThrowError(expect.objectContaining({ code: 'ORDER_VALUE_OUT_OF_RANGE' }) as unknown as Error);
    expect(() => t.send({ price: '1' as unknown as number, qty: 1 })).toThrowError(expect.objectContaining({ code: 'INVALID_ARGUMENT' }) as unknown as Error);
    t.send({ price: 1, qty: 1 });
    await expect.poll(() => received.length).toBe(1);
    expect(JSON.parse(received[0] as string).id).toBe('1');
    ws.close();
  });

  it('an unbound template cannot send', () => {
    const t = OrderTemplate.compile(spec(2, 2));
    expect(() => t.send({ price: 1, qty: 1 })).toThrowError(expect.objectContaining({ code: 'INVALID_ARGUMENT' }) as unknown as Error);
  });
});
