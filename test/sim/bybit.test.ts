/**
 * The Bybit v5 simulator module at the wire level, through a plain `ws` client (not the
 * adapter): subscribe acks and refusals, orderbook snapshot + deltas with u +1 that rebuild the
 * simulator's book, the skip fault, auth verified with node:crypto (good, bad sign, unknown key,
 * expired, repeated), order checks (unauthenticated, timestamp window, duplicate reqId, grid), the
 * private order/execution topics, pings, routes.
 */
import { createHmac } from 'node:crypto';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WebSocket } from 'ws';

import { OrderBook } from '../../src/book/order-book.js';
import { SimServer } from '../../src/sim/server.js';
import { JsonClient } from './helpers.js';

type Msg = Record<string, unknown>;

let server: SimServer;
const open: WebSocket[] = [];

const openRaw = (path: string): Promise<JsonClient> => JsonClient.connect(`${server.url}${path}`, open);

const auth = (key: string, secret: string, expires = Date.now() + 5000): Msg => ({
  req_id: 'a1',
  op: 'auth',
  args: [key, expires, createHmac('sha256', secret).update(`GET/realtime${expires}`).digest('hex')],
});

const order = (reqId: string, extra: Msg = {}, ts = Date.now()): Msg => ({
  reqId,
  header: { 'X-BAPI-TIMESTAMP': String(ts), 'X-BAPI-RECV-WINDOW': '5000' },
  op: 'order.create',
  args: [{ category: 'spot', symbol: 'BTCUSDT', side: 'Buy', orderType: 'Limit', qty: '0.01000', price: '29000.50', timeInForce: 'GTC', orderLinkId: reqId, ...extra }],
});

beforeAll(async () => {
  server = await SimServer.start({ venue: 'bybit', seed: 31, tickIntervalMs: 0, pingIntervalMs: 0 });
});
afterAll(async () => {
  for (const ws of open) ws.terminate();
  await server.close();
});

const toLevels = (v: unknown): Array<[number, number]> => (v as string[][]).map(([p, q]) => [Number(p), Number(q)]);

describe('bybit sim: public', () => {
  it('acks subscriptions, refuses bad topics, answers ping', async () => {
    const c = await openRaw('/v5/public/spot');
    c.send({ req_id: 's1', op: 'subscribe', args: ['publicTrade.BTCUSDT', 'tickers.BTCUSDT'] });
    expect(await c.next((m) => m.req_id === 's1')).toMatchObject({ success: true, ret_msg: 'subscribe', op: 'subscribe' });
    expect(await c.next((m) => m.topic === 'tickers.BTCUSDT')).toMatchObject({ type: 'snapshot', data: { symbol: 'BTCUSDT' } });
    c.send({ req_id: 's2', op: 'subscribe', args: ['orderbook.7.BTCUSDT'] });
    expect(await c.next((m) => m.req_id === 's2')).toMatchObject({ success: false, op: 'subscribe' });
    c.send({ req_id: 's3', op: 'subscribe', args: ['publicTrade.BTCUSDT'] });
    expect(await c.next((m) => m.req_id === 's3')).toMatchObject({ success: false });
    c.send({ req_id: 'p1', op: 'ping' });
    expect(await c.next((m) => m.req_id === 'p1')).toMatchObject({ success: true, ret_msg: 'pong', op: 'ping' });
    const trade = c.next((m) => m.topic === 'publicTrade.BTCUSDT');
    server.market.burst(100, 'BTCUSDT');
    const t = await trade;
    expect(t).toMatchObject({ type: 'snapshot' });
    expect((t.data as Msg[])[0]).toMatchObject({ s: 'BTCUSDT', BT: false });
    expect(['Buy', 'Sell']).toContain((t.data as Msg[])[0]?.S);
  });

  it('orderbook: snapshot then deltas with u + 1 rebuild the simulator book; the skip fault leaves a gap of one', async () => {
    const c = await openRaw('/v5/public/spot');
    c.send({ req_id: 'b', op: 'subscribe', args: ['orderbook.50.BTCUSDT'] });
    const snap = await c.next((m) => m.topic === 'orderbook.50.BTCUSDT' && m.type === 'snapshot');
    const data = snap.data as Msg;
    const book = new OrderBook();
    book.applySnapshot({ bids: toLevels(data.b), asks: toLevels(data.a) });
    let u = data.u as number;
    const gaps: number[] = [];
    let deltas = 0;
    c.ws.on('message', (d) => {
      const m = JSON.parse(String(d)) as Msg;
      if (m.topic !== 'orderbook.50.BTCUSDT' || m.type !== 'delta') return;
      const x = m.data as Msg;
      if (x.u !== u + 1) gaps.push((x.u as number) - u);
      u = x.u as number;
      book.applyDelta({ bids: toLevels(x.b), asks: toLevels(x.a) });
      deltas++;
    });
    server.market.burst(2000, 'BTCUSDT');
    const sym = server.market.get('BTCUSDT');
    const want = (): unknown => sym?.snapshot(50).bids.map(([p, q]) => [Number(sym.price(p)), Number(sym.qty(q))]);
    await expect.poll(() => book.depth('bid').map(([p, q]) => [p, q])).toEqual(want());
    expect(gaps).toEqual([]);
    server.faults.skipSequence('BTCUSDT');
    server.market.burst(50, 'BTCUSDT');
    await expect.poll(() => gaps).toEqual([2]);
    expect(deltas).toBeGreaterThan(1000);
  });
});

describe('bybit sim: trade and private streams', () => {
  it('auth is verified independently: good, bad sign, unknown key, expired, repeated', async () => {
    for (const [msg, code] of [
      [auth('simkey', 'wrong'), 10004],
      [auth('nokey', 'simsecret'), 10003],
      [auth('simkey', 'simsecret', Date.now() - 1), 10002],
      [{ op: 'auth', args: ['simkey'] }, 10001],
    ] as const) {
      const c = await openRaw('/v5/trade');
      c.send(msg);
      expect(await c.next((m) => m.op === 'auth')).toMatchObject({ retCode: code, op: 'auth' });
    }
    const c = await openRaw('/v5/trade');
    c.send(auth('simkey', 'simsecret'));
    expect(await c.next((m) => m.op === 'auth')).toMatchObject({ retCode: 0, retMsg: 'OK', op: 'auth' });
    c.send(auth('simkey', 'simsecret'));
    expect(await c.next((m) => m.op === 'auth')).toMatchObject({ retCode: 20001 });
  });

  it('orders: refused before auth, outside the window, duplicate reqId, off the grid; accepted and cancelled otherwise', async () => {
    const c = await openRaw('/v5/trade');
    c.send(order('o0'));
    expect(await c.next((m) => m.reqId === 'o0')).toMatchObject({ retCode: 10003, op: 'order.create' });
    c.send(auth('simkey', 'simsecret'));
    await c.next((m) => m.op === 'auth');
    c.send(order('o1', {}, Date.now() - 60_000));
    expect(await c.next((m) => m.reqId === 'o1')).toMatchObject({ retCode: 10002 });
    c.send(order('o2', { price: '29000.505' }));
    expect(await c.next((m) => m.reqId === 'o2')).toMatchObject({ retCode: 10001 });
    c.send(order('o3'));
    const ok = await c.next((m) => m.reqId === 'o3');
    expect(ok).toMatchObject({ retCode: 0, retMsg: 'OK', op: 'order.create', data: { orderLinkId: 'o3' } });
    expect(server.matching.openOrders('simkey').find((o) => o.clientOrderId === 'o3')).toMatchObject({ price: 2900050, qty: 1000 });
    c.send(order('o3'));
    expect(await c.next((m) => m.reqId === 'o3')).toMatchObject({ retCode: 20006 });
    const orderId = (ok.data as Msg).orderId;
    const cancel = { reqId: 'c1', header: { 'X-BAPI-TIMESTAMP': String(Date.now()) }, op: 'order.cancel', args: [{ category: 'spot', symbol: 'BTCUSDT', orderId }] };
    c.send(cancel);
    expect(await c.next((m) => m.reqId === 'c1')).toMatchObject({ retCode: 0, data: { orderId, orderLinkId: 'o3' } });
    c.send({ ...cancel, reqId: 'c2' });
    expect(await c.next((m) => m.reqId === 'c2')).toMatchObject({ retCode: 170213 });
    c.send({ req_id: 'p', op: 'ping' });
    expect(await c.next((m) => m.op === 'pong')).toMatchObject({ req_id: 'p' });
  });

  it('private: auth, subscribe order + execution, events for a market order', async () => {
    const p = await openRaw('/v5/private');
    p.send({ req_id: 'x', op: 'subscribe', args: ['order'] });
    expect(await p.next((m) => m.op === 'subscribe')).toMatchObject({ success: false });
    p.send(auth('simkey', 'wrong'));
    expect(await p.next((m) => m.op === 'auth')).toMatchObject({ success: false });
    p.send(auth('simkey', 'simsecret'));
    expect(await p.next((m) => m.op === 'auth')).toMatchObject({ success: true });
    p.send({ req_id: 'y', op: 'subscribe', args: ['order', 'execution'] });
    expect(await p.next((m) => m.op === 'subscribe')).toMatchObject({ success: true });
    const t = await openRaw('/v5/trade');
    t.send(auth('simkey', 'simsecret'));
    await t.next((m) => m.op === 'auth');
    t.send(order('m1', { orderType: 'Market', price: undefined, timeInForce: undefined, qty: '0.00100' }));
    expect(await t.next((m) => m.reqId === 'm1')).toMatchObject({ retCode: 0 });
    const exec = await p.next((m) => m.topic === 'execution');
    expect((exec.data as Msg[])[0]).toMatchObject({ symbol: 'BTCUSDT', orderLinkId: 'm1', side: 'Buy', isMaker: false });
    const filled = await p.next((m) => m.topic === 'order' && (m.data as Msg[])[0]?.orderStatus === 'Filled');
    expect((filled.data as Msg[])[0]).toMatchObject({ orderLinkId: 'm1', cumExecQty: '0.00100' });
  });

  it('serves only its three paths', async () => {
    await expect(openRaw('/v5/public/linear')).rejects.toThrow(/404/);
  });
});
