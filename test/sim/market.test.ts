/**
 * The simulator's venue-neutral core: the seeded market (determinism, sequence ids, an uncrossed
 * book, whales) and the matching engine.
 */
import { describe, expect, it } from 'vitest';

import { sim } from '../../src/index.js';

const strip = (u: sim.SimUpdate): unknown => ({ ...u, time: 0, trades: u.trades.map((t) => ({ ...t, time: 0 })) });

function record(m: sim.Market, n: number, key = 'BTCUSDT'): sim.SimUpdate[] {
  const out: sim.SimUpdate[] = [];
  const on = (u: sim.SimUpdate): void => {
    out.push(u);
  };
  m.on('update', on);
  m.burst(n, key);
  m.off('update', on);
  return out;
}

describe('sim market', () => {
  it('is a pure function of its seed', () => {
    const a = record(new sim.Market(5), 2000).map(strip);
    const b = record(new sim.Market(5), 2000).map(strip);
    const c = record(new sim.Market(6), 2000).map(strip);
    expect(b).toEqual(a);
    expect(c).not.toEqual(a);
  });

  it('numbers updates contiguously, never crosses, and a mirror fed the updates equals its book', () => {
    const m = new sim.Market(9);
    const sym = m.get('BTCUSDT') as sim.SimSymbol;
    const mirror = { bid: new Map(sym.bids), ask: new Map(sym.asks) };
    let last = sym.updateId;
    for (const u of record(m, 20_000)) {
      expect(u.firstId).toBe(last + 1);
      expect(u.lastId - u.firstId + 1).toBe(Math.max(1, u.bids.length + u.asks.length));
      last = u.lastId;
      for (const [p, q] of u.bids) q ? mirror.bid.set(p, q) : mirror.bid.delete(p);
      for (const [p, q] of u.asks) q ? mirror.ask.set(p, q) : mirror.ask.delete(p);
      const bb = sym.bestBid();
      const ba = sym.bestAsk();
      if (bb !== undefined && ba !== undefined) expect(bb).toBeLessThan(ba);
    }
    expect(sym.updateId).toBe(last);
    expect(mirror.bid).toEqual(sym.bids);
    expect(mirror.ask).toEqual(sym.asks);
    expect(sym.bids.size).toBeGreaterThan(0);
    expect(sym.asks.size).toBeGreaterThan(0);
  });

  it('prints occasional whale trades, far above the usual size', () => {
    const m = new sim.Market(3);
    const sym = m.get('BTCUSDT') as sim.SimSymbol;
    const trades = record(m, 20_000).flatMap((u) => u.trades);
    const whales = trades.filter((t) => t.whale);
    const normal = trades.filter((t) => !t.whale);
    expect(whales.length).toBeGreaterThan(0);
    expect(whales.length).toBeLessThan(normal.length / 10);
    for (const w of whales) expect(w.qty).toBeGreaterThanOrEqual(20 * sym.levelLots);
    for (const t of normal) expect(t.qty).toBeLessThanOrEqual(sym.levelLots);
  });

  it('formats ticks and lots exactly', () => {
    const sym = new sim.Market(1).get('BTCUSDT') as sim.SimSymbol;
    expect(sym.price(3_000_001)).toBe('30000.01');
    expect(sym.price(3_000_001, 8)).toBe('30000.01000000');
    expect(sym.qty(7, 8)).toBe('0.00007000');
  });
});

describe('sim matching engine', () => {
  function setup(): { m: sim.Market; me: sim.Matching; xs: sim.SimExecution[]; sym: sim.SimSymbol } {
    const m = new sim.Market(21);
    const me = new sim.Matching(m);
    const xs: sim.SimExecution[] = [];
    me.on('execution', (x) => xs.push(x));
    return { m, me, xs, sym: m.get('BTCUSDT') as sim.SimSymbol };
  }
  const base = { account: 'a', symbol: 'BTCUSDT', timeInForce: 'gtc' as const, clientOrderId: 'c1' };

  it('a market order takes the best asks, prints public trades and leaves no order behind', () => {
    const { m, me, xs, sym } = setup();
    const asks = sym.snapshot().asks;
    const want = (asks[0]?.[1] ?? 0) + 1; // more than the best level: sweeps into the second
    const pub: sim.SimTrade[] = [];
    m.on('update', (u) => pub.push(...u.trades));
    const o = me.place({ ...base, side: 'buy', type: 'market', price: null, qty: want });
    expect(o.status).toBe('filled');
    expect(xs.map((x) => x.type)).toEqual(['new', 'trade', 'trade']);
    expect(xs[1]?.fill).toMatchObject({ price: asks[0]?.[0], qty: asks[0]?.[1], maker: false });
    expect(xs[2]?.fill).toMatchObject({ price: asks[1]?.[0], qty: 1 });
    expect(pub.map((t) => [t.price, t.qty, t.taker])).toEqual([
      [asks[0]?.[0], asks[0]?.[1], 'a'],
      [asks[1]?.[0], 1, 'a'],
    ]);
    expect(sym.asks.has(asks[0]?.[0] as number)).toBe(false);
    expect(me.openOrders('a')).toEqual([]);
  });

  it('IOC remainders expire, FOK without enough liquidity expires untouched, GTC rests and can be canceled', () => {
    const { me, xs, sym } = setup();
    const [askPrice, askQty] = sym.snapshot().asks[0] as [number, number];
    const ioc = me.place({ ...base, clientOrderId: 'ioc', side: 'buy', type: 'limit', timeInForce: 'ioc', price: askPrice, qty: askQty + 5 });
    expect(ioc).toMatchObject({ status: 'expired', filled: askQty });
    const before = sym.snapshot();
    const fok = me.place({ ...base, clientOrderId: 'fok', side: 'buy', type: 'limit', timeInForce: 'fok', price: sym.bestAsk() as number, qty: 10 ** 12 });
    expect(fok).toMatchObject({ status: 'expired', filled: 0 });
    expect(sym.snapshot()).toEqual(before);
    const gtc = me.place({ ...base, clientOrderId: 'gtc', side: 'buy', type: 'limit', price: 1, qty: 3 });
    expect(gtc.status).toBe('new');
    expect(me.openOrders('a').map((o) => o.clientOrderId)).toEqual(['gtc']);
    expect(() => me.place({ ...base, clientOrderId: 'gtc', side: 'buy', type: 'limit', price: 1, qty: 3 })).toThrow(sim.SimReject);
    const c = me.cancel('a', 'BTCUSDT', { clientOrderId: 'gtc' }, 'cx1');
    expect(c.status).toBe('canceled');
    expect(xs.at(-1)).toMatchObject({ type: 'canceled', cancelRequestId: 'cx1' });
    expect(() => me.cancel('a', 'BTCUSDT', { orderId: gtc.orderId })).toThrow(sim.SimReject);
    expect(() => me.cancel('b', 'BTCUSDT', { clientOrderId: 'x' })).toThrow(sim.SimReject);
  });

  it('resting orders fill at their price when the crowd trades at or through it', () => {
    const { m, me, xs, sym } = setup();
    const bid = sym.bestBid() as number;
    me.place({ ...base, clientOrderId: 'r', side: 'buy', type: 'limit', price: bid, qty: 2 });
    const crowdSells: sim.SimTrade[] = [];
    m.on('update', (u) => crowdSells.push(...u.trades.filter((t) => t.takerSide === 'sell' && t.price <= bid)));
    while (me.openOrders('a').length) m.step('BTCUSDT');
    const fills = xs.filter((x) => x.type === 'trade');
    expect(fills.length).toBeGreaterThan(0);
    for (const f of fills) expect(f.fill).toMatchObject({ price: bid, maker: true });
    expect(fills.reduce((s, f) => s + (f.fill?.qty ?? 0), 0)).toBe(2);
    expect(crowdSells.length).toBeGreaterThan(0);
    expect(fills[0]?.fill?.tradeId).toBe(crowdSells[0]?.id);
  });

  it('refuses unknown symbols and non-positive quantities', () => {
    const { me } = setup();
    expect(() => me.place({ ...base, symbol: 'XUSD', side: 'buy', type: 'market', price: null, qty: 1 })).toThrow(/unknown symbol/);
    expect(() => me.place({ ...base, side: 'buy', type: 'market', price: null, qty: 0 })).toThrow(sim.SimReject);
    expect(() => me.place({ ...base, side: 'buy', type: 'limit', price: null, qty: 1 })).toThrow(sim.SimReject);
  });

  it('assigns sim-<orderId> to an order without a client order id, unique among open orders', () => {
    const { me, sym } = setup();
    const bid = sym.bestBid() as number;
    const { clientOrderId: _omit, ...noId } = base;
    const a = me.place({ ...noId, side: 'buy', type: 'limit', price: bid - 5, qty: 1 });
    const b = me.place({ ...noId, side: 'buy', type: 'limit', price: bid - 5, qty: 1 });
    expect(a.clientOrderId).toBe(`sim-${a.orderId}`);
    expect(b.clientOrderId).toBe(`sim-${b.orderId}`);
    expect(me.openOrders('a').map((o) => o.clientOrderId)).toEqual([a.clientOrderId, b.clientOrderId]);
  });
});

describe('sim faults', () => {
  it('skip and checksum faults are armed per symbol (or any) and consumed once per update', () => {
    const f = new sim.Faults();
    expect(f.take('skip', 'BTCUSDT')).toBe(false);
    f.skipSequence('BTCUSDT', 2);
    f.corruptChecksum();
    expect(f.take('skip', 'ETHUSDT')).toBe(false);
    expect(f.take('skip', 'BTCUSDT')).toBe(true);
    expect(f.take('skip', 'BTCUSDT')).toBe(true);
    expect(f.take('skip', 'BTCUSDT')).toBe(false);
    expect(f.take('checksum', 'ETHUSDT')).toBe(true);
    expect(f.take('checksum', 'BTCUSDT')).toBe(false);
  });

  it('silence toggles once and resume ends it', () => {
    const f = new sim.Faults();
    const seen: boolean[] = [];
    f.on('silence', (on) => seen.push(on));
    f.silence();
    f.silence();
    expect(f.silent).toBe(true);
    f.resume();
    f.resume();
    expect(seen).toEqual([true, false]);
  });
});
