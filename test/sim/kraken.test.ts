/**
 * The Kraken v2 simulator module at the wire level, through a plain `ws` client (not the
 * adapter): status, ping, subscribe acks and refusals, book snapshots/updates whose checksums
 * agree with the book library's independent implementation, the corrupt-checksum fault,
 * heartbeats, the token check on add_order/cancel_order, routes.
 */
import { createHash, createHmac } from 'node:crypto';
import { request } from 'node:https';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WebSocket } from 'ws';

import { OrderBook } from '../../src/book/order-book.js';
import { krakenChecksum } from '../../src/book/kraken-checksum.js';
import { krakenSimToken } from '../../src/sim/kraken.js';
import { SimServer } from '../../src/sim/server.js';
import { JsonClient } from './helpers.js';

type Msg = Record<string, unknown>;

let server: SimServer;
const open: WebSocket[] = [];

class Raw extends JsonClient {
  #id = 1;

  static open(path = '/v2'): Promise<Raw> {
    return Raw.connect(`${server.url}${path}`, open);
  }

  request(method: string, params?: Msg): Promise<Msg> {
    const req_id = this.#id++;
    this.send(params ? { method, params, req_id } : { method, req_id });
    return this.next((m) => m.req_id === req_id);
  }
}

beforeAll(async () => {
  server = await SimServer.start({ venue: 'kraken', seed: 9, tickIntervalMs: 0, pingIntervalMs: 0 });
});
afterAll(async () => {
  for (const ws of open) ws.terminate();
  await server.close();
});

const levels = (v: unknown): Array<[number, number]> => (v as Array<{ price: number; qty: number }>).map((l) => [l.price, l.qty]);

describe('kraken sim', () => {
  it('greets with status, answers ping, acks subscriptions per symbol and refuses bad ones', async () => {
    const c = await Raw.open();
    const status = await c.next((m) => m.channel === 'status');
    expect(status).toMatchObject({ type: 'update', data: [{ system: 'online', api_version: 'v2' }] });
    expect(await c.request('ping')).toMatchObject({ method: 'pong' });
    const ack = await c.request('subscribe', { channel: 'trade', symbol: ['BTC/USDT', 'ETH/USDT'], snapshot: false });
    expect(ack).toMatchObject({ method: 'subscribe', success: true, result: { channel: 'trade', symbol: 'BTC/USDT' } });
    expect(await c.next((m) => m.method === 'subscribe' && (m.result as Msg | undefined)?.symbol === 'ETH/USDT')).toMatchObject({ success: true });
    expect(await c.request('subscribe', { channel: 'trade', symbol: ['BTC/USDT'] })).toMatchObject({ success: false, error: 'Already subscribed' });
    expect(await c.request('subscribe', { channel: 'book', symbol: ['BTC/USDT'], depth: 7 })).toMatchObject({ success: false });
    expect(await c.request('subscribe', { channel: 'nope', symbol: ['BTC/USDT'] })).toMatchObject({ success: false });
    expect(await c.request('subscribe', { channel: 'trade', symbol: ['DOGE/USDT'] })).toMatchObject({ success: false });
    expect(await c.request('unsubscribe', { channel: 'ticker', symbol: ['BTC/USDT'] })).toMatchObject({ success: false, error: 'Subscription Not Found' });
    const hb = await c.next((m) => m.channel === 'heartbeat'); // idle + subscribed: once a second
    expect(hb).toEqual({ channel: 'heartbeat' });
    const inst = await c.request('subscribe', { channel: 'instrument' });
    expect(inst).toMatchObject({ success: true });
    const snap = await c.next((m) => m.channel === 'instrument');
    expect((snap.data as Msg).pairs).toContainEqual(expect.objectContaining({ symbol: 'BTC/USDT', price_precision: 2, qty_precision: 5 }));
  });

  it('book checksums agree with the book library on the snapshot and 5,000 updates; corruptChecksum breaks exactly one', async () => {
    const c = await Raw.open();
    await c.request('subscribe', { channel: 'book', symbol: ['BTC/USDT'], depth: 25 });
    const snap = await c.next((m) => m.channel === 'book' && m.type === 'snapshot');
    const book = new OrderBook({ maxDepth: 25 });
    const precision = { price: 2, qty: 5 };
    const d0 = (snap.data as Msg[])[0] as Msg;
    book.applySnapshot({ bids: levels(d0.bids), asks: levels(d0.asks) });
    expect(book.size('bid')).toBeGreaterThan(10);
    expect(krakenChecksum(book, precision)).toBe(d0.checksum);
    let updates = 0;
    let bad = 0;
    c.ws.on('message', (d) => {
      const m = JSON.parse(String(d)) as Msg;
      if (m.channel !== 'book' || m.type !== 'update') return;
      const item = (m.data as Msg[])[0] as Msg;
      expect(typeof item.timestamp).toBe('string');
      book.applyDelta({ bids: levels(item.bids), asks: levels(item.asks) });
      if (krakenChecksum(book, precision) !== item.checksum) bad++;
      updates++;
    });
    server.market.burst(1000, 'BTCUSDT');
    server.faults.corruptChecksum('BTCUSDT');
    server.market.burst(4000, 'BTCUSDT');
    await expect.poll(() => updates, { timeout: 30_000 }).toBeGreaterThan(2000);
    const sym = server.market.get('BTCUSDT');
    const top = sym?.snapshot(25);
    await expect.poll(() => book.depth('bid').map(([p]) => p)).toEqual(top?.bids.map(([p]) => Number(sym?.price(p))));
    expect(bad).toBe(1);
  });

  it('add_order / cancel_order: a good token trades, a bad one gets EAPI:Invalid key, off-grid values are refused', async () => {
    const c = await Raw.open();
    const token = krakenSimToken('simkey', 'simsecret');
    expect(await c.request('subscribe', { channel: 'executions', token: 'bad' })).toMatchObject({ success: false, error: 'EAPI:Invalid key' });
    expect(await c.request('subscribe', { channel: 'executions', token })).toMatchObject({ success: true, result: { channel: 'executions' } });
    const params = { order_type: 'limit', side: 'buy', symbol: 'BTC/USDT', limit_price: 29000.5, order_qty: 0.01, cl_ord_id: 'raw-1', token };
    const ok = await c.request('add_order', params);
    const exec = await c.next((m) => m.channel === 'executions');
    expect(exec).toMatchObject({ type: 'update', sequence: 1 });
    expect((exec.data as Msg[])[0]).toMatchObject({ exec_type: 'new', cl_ord_id: 'raw-1', symbol: 'BTC/USDT', side: 'buy', order_type: 'limit', limit_price: 29000.5, order_qty: 0.01, order_status: 'new' });
    expect(ok).toMatchObject({ method: 'add_order', success: true, result: { cl_ord_id: 'raw-1' } });
    expect(typeof ok.time_in).toBe('string');
    const orderId = (ok.result as Msg).order_id as string;
    expect(orderId).toMatch(/^O[0-9A-Z]{5}-[0-9A-Z]{5}-[0-9A-Z]{6}$/);
    expect(server.matching.openOrders('simkey').find((o) => o.clientOrderId === 'raw-1')).toMatchObject({ price: 2900050, qty: 1000, side: 'buy' });
    const badToken = await c.request('add_order', { ...params, cl_ord_id: 'raw-2', token: krakenSimToken('simkey', 'nope') });
    expect(badToken).toMatchObject({ method: 'add_order', success: false, error: 'EAPI:Invalid key' });
    expect(await c.request('add_order', { ...params, cl_ord_id: 'raw-3', token: '' })).toMatchObject({ success: false });
    expect(await c.request('add_order', { ...params, cl_ord_id: 'raw-4', limit_price: 29000.123 })).toMatchObject({ success: false });
    expect(await c.request('add_order', { ...params, cl_ord_id: 'raw-1' })).toMatchObject({ success: false, error: 'EOrder:Duplicate cl_ord_id' });
    expect(await c.request('cancel_order', { order_id: [orderId], token: 'x' })).toMatchObject({ success: false, error: 'EAPI:Invalid key' });
    expect(await c.request('cancel_order', { order_id: [orderId], token })).toMatchObject({ success: true, result: { order_id: orderId } });
    expect(await c.request('cancel_order', { order_id: [orderId], token })).toMatchObject({ success: false, error: 'EOrder:Unknown order' });
  });

  it('REST GetWebSocketsToken: Kraken-signed requests get the token; bad key, signature and nonce are refused', async () => {
    const path = '/0/private/GetWebSocketsToken';
    const call = (key: string, secret: string, nonce: string, tamper = false): Promise<Msg> => {
      const post = `nonce=${nonce}`;
      const sign = createHmac('sha512', Buffer.from(secret, 'base64'))
        .update(path)
        .update(createHash('sha256').update(nonce + post).digest())
        .digest('base64');
      return new Promise((resolve, reject) => {
        const req = request(
          `${server.url.replace('wss:', 'https:')}${path}`,
          {
            method: 'POST',
            rejectUnauthorized: false,
            headers: { 'API-Key': key, 'API-Sign': tamper ? sign.replace(/^./, (ch) => (ch === 'A' ? 'B' : 'A')) : sign, 'content-type': 'application/x-www-form-urlencoded' },
          },
          (res) => {
            let body = '';
            res.on('data', (d: Buffer) => (body += d.toString()));
            res.on('end', () => resolve(JSON.parse(body) as Msg));
          },
        );
        req.on('error', reject);
        req.end(post);
      });
    };
    const ok = await call('simkey', 'simsecret', '1000');
    expect(ok).toEqual({ error: [], result: { token: krakenSimToken('simkey', 'simsecret'), expires: 900 } });
    expect(await call('simkey', 'simsecret', '1000')).toEqual({ error: ['EAPI:Invalid nonce'] });
    expect(await call('simkey', 'simsecret', '1001', true)).toEqual({ error: ['EAPI:Invalid signature'] });
    expect(await call('nokey', 'simsecret', '1002')).toEqual({ error: ['EAPI:Invalid key'] });
    expect(await call('simkey', 'simsecret', '1003')).toMatchObject({ error: [] });
  });

  it('serves only /v2', async () => {
    await expect(Raw.open('/v1')).rejects.toThrow(/404/);
  });
});
