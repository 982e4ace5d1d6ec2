/**
 * The Bybit v5 adapter against the simulator over wss:// with SPKI pinning: normalized events,
 * book integrity after 100k updates, sequence gaps → BOOK_SEQUENCE_GAP + resync, the u = 1
 * restart, forced disconnect → reconnect + resubscribe + re-auth, orders (template and reference
 * paths), order/fill events, bad credentials, malformed messages.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { BybitVenue, type BybitOptions } from '../../src/exchanges/bybit/venue.js';
import type { BookUpdate, Fill, OrderUpdate, Ticker, TickwireError, Trade } from '../../src/index.js';
import type { BybitSimVenue } from '../../src/sim/bybit.js';
import { SimServer } from '../../src/sim/server.js';
import { clientBook, collect, simBook as simBookOf, simSymbol, tick, waitFor } from '../sim/helpers.js';

const SYMBOL = 'BTCUSDT';

let sim: SimServer;
const venues: BybitVenue[] = [];

function venue(extra: BybitOptions = {}): BybitVenue {
  const v = new BybitVenue({
    publicUrl: `${sim.url}/v5/public/spot`,
    tradeUrl: `${sim.url}/v5/trade`,
    privateUrl: `${sim.url}/v5/private`,
    apiKey: 'simkey',
    secret: 'simsecret',
    precision: { BTCUSDT: { priceDecimals: 2, qtyDecimals: 5 } },
    connect: { tls: { pins: [sim.pin], pinOnly: true }, reconnect: { initialDelayMs: 20, maxDelayMs: 200, maxAttempts: 0, jitter: false } },
    ...extra,
  });
  venues.push(v);
  return v;
}

/** The simulator's own top-`n` book. */
function simBook(n = 50): ReturnType<typeof simBookOf> {
  return simBookOf(simSymbol(sim, SYMBOL), n);
}

function adapterBook(v: BybitVenue): ReturnType<typeof clientBook> {
  return clientBook(v, SYMBOL);
}

beforeAll(async () => {
  sim = await SimServer.start({ venue: 'bybit', seed: 23, tickIntervalMs: 0, pingIntervalMs: 0 });
});

afterAll(async () => {
  await Promise.all(venues.map((v) => v.close()));
  await sim.close();
});

describe('bybit adapter: market data', () => {
  it('subscribes to trades, book and ticker and emits normalized events with both timestamps', async () => {
    const v = venue();
    const errors = collect<TickwireError>(v, 'error').items;
    const books: BookUpdate[] = [];
    v.on('book', (u) => books.push(u));
    await v.subscribe('book', SYMBOL);
    expect(books[0]).toMatchObject({ venue: 'bybit', symbol: SYMBOL, snapshot: true, resynced: false });
    expect(adapterBook(v)).toEqual(simBook());
    await v.subscribe('trades', SYMBOL);
    await v.subscribe('ticker', SYMBOL);
    const trade = waitFor<[Trade]>(v, 'trade');
    const ticker = waitFor<[Ticker]>(v, 'ticker');
    const update = waitFor<[BookUpdate]>(v, 'book', (u) => !u.snapshot);
    sim.market.burst(200, SYMBOL);
    const [[t], [tk], [u]] = await Promise.all([trade, ticker, update]);
    expect(t).toMatchObject({ venue: 'bybit', symbol: SYMBOL });
    expect(['buy', 'sell']).toContain(t.side);
    expect(t.price).toBeGreaterThan(0);
    expect(t.venueTs).toBeGreaterThan(1.6e12);
    expect(t.recvTs).toBeGreaterThanOrEqual(t.venueTs as number);
    expect(tk).toMatchObject({ venue: 'bybit', symbol: SYMBOL });
    expect(tk.askPrice).toBeGreaterThan(tk.bidPrice);
    expect(u).toMatchObject({ venue: 'bybit', symbol: SYMBOL, snapshot: false, resynced: false });
    expect(u.sequence).toBe((books[0] as BookUpdate).sequence + 1);
    expect(errors).toEqual([]);
    await v.close();
  });

  it('keeps the book identical to the simulator over 100k updates with contiguous u', async () => {
    const v = venue();
    const errors = collect<TickwireError>(v, 'error').items;
    let last = 0;
    let broken = 0;
    v.on('book', (u) => {
      if (!u.snapshot && u.sequence !== last + 1) broken++;
      last = u.sequence;
    });
    await v.subscribe('book', SYMBOL);
    for (let i = 0; i < 50; i++) {
      sim.market.burst(2000, SYMBOL);
      await tick();
    }
    await expect.poll(() => adapterBook(v), { timeout: 120_000, interval: 50 }).toEqual(simBook());
    expect(errors).toEqual([]);
    expect(broken).toBe(0);
    expect(last).toBeGreaterThan(50_000);
    await v.close();
  }, 180_000);

  it('a skipped sequence → BOOK_SEQUENCE_GAP, a fresh snapshot with resynced: true, and a matching book', async () => {
    const v = venue();
    const errors = collect<TickwireError>(v, 'error').items;
    await v.subscribe('book', SYMBOL);
    const resync = waitFor<[BookUpdate]>(v, 'book', (u) => u.resynced);
    sim.faults.skipSequence(SYMBOL);
    sim.market.burst(50, SYMBOL);
    const [snap] = await resync;
    expect(snap.snapshot).toBe(true);
    expect(errors.map((e) => e.code)).toEqual(['BOOK_SEQUENCE_GAP']);
    sim.market.burst(500, SYMBOL);
    await expect.poll(() => adapterBook(v)).toEqual(simBook());
    await v.close();
  });

  it('a service restart (snapshot with u = 1) replaces the book with resynced: true', async () => {
    const v = venue();
    const errors = collect<TickwireError>(v, 'error').items;
    await v.subscribe('book', SYMBOL);
    sim.market.burst(100, SYMBOL);
    const restarted = waitFor<[BookUpdate]>(v, 'book', (u) => u.sequence === 1);
    (sim.venue as BybitSimVenue).restart();
    const [u] = await restarted;
    expect(u).toMatchObject({ snapshot: true, resynced: true });
    const next = waitFor<[BookUpdate]>(v, 'book', (x) => !x.snapshot);
    sim.market.burst(100, SYMBOL);
    expect((await next)[0].sequence).toBe(2);
    await expect.poll(() => adapterBook(v)).toEqual(simBook());
    expect(errors).toEqual([]);
    await v.close();
  });

  it('a forced disconnect → reconnect, resubscribe, resynced book, trades flow again', async () => {
    const v = venue();
    const errors = collect<TickwireError>(v, 'error').items;
    await v.subscribe('book', SYMBOL);
    await v.subscribe('trades', SYMBOL);
    const reconnected = waitFor(v, 'reconnected');
    const resync = waitFor<[BookUpdate]>(v, 'book', (u) => u.resynced && u.snapshot);
    sim.faults.drop();
    const [[info]] = await Promise.all([reconnected, resync]);
    expect(info).toMatchObject({ connection: 'market' });
    await expect
      .poll(async () => {
        const trade = waitFor<[Trade]>(v, 'trade');
        sim.market.burst(50, SYMBOL);
        return (await trade)[0].symbol;
      })
      .toBe(SYMBOL);
    await expect.poll(() => adapterBook(v)).toEqual(simBook());
    expect(errors).toEqual([]);
    await v.close();
  });

  it('unsubscribe stops a stream: no trade arrives before the ticker that the same updates produce', async () => {
    const v = venue();
    await v.subscribe('trades', SYMBOL);
    const first = waitFor<[Trade]>(v, 'trade');
    sim.market.burst(100, SYMBOL);
    await first;
    await v.unsubscribe('trades', SYMBOL);
    await v.subscribe('ticker', SYMBOL);
    let trades = 0;
    v.on('trade', () => trades++);
    const ticker = waitFor<[Ticker]>(v, 'ticker', (t) => t.recvTs > 0);
    // Each update publishes its trades before its ticker on the same connection.
    for (let i = 0; i < 20; i++) sim.market.burst(50, SYMBOL);
    await ticker;
    await expect.poll(async () => {
      const next = waitFor<[Ticker]>(v, 'ticker');
      sim.market.burst(50, SYMBOL);
      await next;
      return trades;
    }).toBe(0);
    await v.close();
  });

  it('a malformed message → VENUE_MESSAGE_INVALID error event, and the stream continues', async () => {
    const v = venue();
    const errors = collect<TickwireError>(v, 'error').items;
    await v.subscribe('trades', SYMBOL);
    const two = new Promise<void>((resolve) => v.on('error', () => errors.length === 2 && resolve()));
    sim.faults.malformed('json');
    sim.faults.malformed('shape');
    await two;
    expect(errors.map((e) => e.code)).toEqual(['VENUE_MESSAGE_INVALID', 'VENUE_MESSAGE_INVALID']);
    const trade = waitFor<[Trade]>(v, 'trade');
    sim.market.burst(100, SYMBOL);
    expect((await trade)[0].symbol).toBe(SYMBOL);
    await v.close();
  });

  it('refuses an unknown symbol (venue) and a malformed one (locally)', async () => {
    const v = venue();
    await expect(v.subscribe('trades', 'DOGEUSDT')).rejects.toMatchObject({ code: 'VENUE_MESSAGE_INVALID' });
    await expect(v.subscribe('trades', 'BTC/USDT')).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await v.close();
  });
});

describe('bybit adapter: orders', () => {
  it('authenticates, places orders on the template path, gets order and fill events, cancels', async () => {
    const v = venue();
    const orders: OrderUpdate[] = [];
    const fills: Fill[] = [];
    v.on('order', (o) => orders.push(o));
    v.on('fill', (f) => fills.push(f));
    await v.connect();
    const bid = simBook().bids[5]?.[0] as number;
    const ack = await v.placeOrder({ symbol: SYMBOL, side: 'buy', type: 'limit', price: bid, qty: 0.01 });
    expect(ack).toMatchObject({ venue: 'bybit', symbol: SYMBOL, status: 'new', filledQty: 0 });
    expect(ack.clientOrderId).toMatch(/^tw[0-9a-z]{6}-0-1$/);
    expect(ack.venueTs).toBeGreaterThan(1.6e12);
    expect(sim.matching.openOrders('simkey').some((o) => o.clientOrderId === ack.clientOrderId && o.price === Math.round(bid * 100))).toBe(true);
    await expect.poll(() => orders.find((o) => o.orderId === ack.orderId)?.status).toBe('new');
    const cx = await v.cancelOrder({ symbol: SYMBOL, orderId: ack.orderId });
    expect(cx).toMatchObject({ status: 'canceled', orderId: ack.orderId });
    await expect.poll(() => orders.filter((o) => o.orderId === ack.orderId).map((o) => o.status)).toEqual(['new', 'canceled']);
    const mkt = await v.placeOrder({ symbol: SYMBOL, side: 'buy', type: 'market', qty: 0.001 });
    expect(mkt.clientOrderId).toMatch(/-1-1$/);
    await expect.poll(() => fills.filter((f) => f.orderId === mkt.orderId).reduce((s, f) => s + f.qty, 0)).toBeCloseTo(0.001, 9);
    expect(fills[0]).toMatchObject({ venue: 'bybit', symbol: SYMBOL, side: 'buy', liquidity: 'taker' });
    await expect(v.cancelOrder({ symbol: SYMBOL, orderId: ack.orderId })).rejects.toMatchObject({ code: 'VENUE_ORDER_REJECTED', venueCode: 170213 });
    await v.close();
  });

  it('the reference path (caller-chosen ids, orderPath: reference), and re-auth after a forced disconnect', async () => {
    const v = venue({ orderPath: 'reference' });
    const bid = simBook().bids[5]?.[0] as number;
    const a = await v.placeOrder({ symbol: SYMBOL, side: 'buy', type: 'limit', price: bid, qty: 0.01, clientOrderId: 'mine-1' });
    expect(a.clientOrderId).toBe('mine-1');
    const reconnected = waitFor(v, 'reconnected');
    sim.faults.drop();
    await reconnected;
    const b = await v.placeOrder({ symbol: SYMBOL, side: 'buy', type: 'limit', price: bid, qty: 0.01 });
    expect(b.status).toBe('new');
    expect((await v.cancelOrder({ symbol: SYMBOL, clientOrderId: 'mine-1' })).status).toBe('canceled');
    await v.close();
  });

  it('a wrong secret → auth refused with VENUE_AUTH_FAILED (retCode 10004), an unknown key → 10003', async () => {
    const v = venue({ secret: 'wrongsecret' });
    const err = await v.placeOrder({ symbol: SYMBOL, side: 'buy', type: 'limit', price: 1000, qty: 0.01 }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'VENUE_AUTH_FAILED', venue: 'bybit', venueCode: 10004 });
    await expect(v.connect()).rejects.toMatchObject({ code: 'VENUE_AUTH_FAILED' });
    const w = venue({ apiKey: 'nokey' });
    await expect(w.placeOrder({ symbol: SYMBOL, side: 'buy', type: 'limit', price: 1000, qty: 0.01 })).rejects.toMatchObject({ code: 'VENUE_AUTH_FAILED', venueCode: 10003 });
    const none = new BybitVenue({ publicUrl: `${sim.url}/v5/public/spot` });
    venues.push(none);
    await expect(none.placeOrder({ symbol: SYMBOL, side: 'buy', type: 'limit', price: 1000, qty: 0.01 })).rejects.toMatchObject({ code: 'VENUE_AUTH_FAILED' });
    await v.close();
    await w.close();
  });

  it('an off-grid price is refused by the venue with VENUE_ORDER_REJECTED', async () => {
    const v = venue({ precision: { BTCUSDT: { priceDecimals: 4, qtyDecimals: 5 } } });
    await expect(v.placeOrder({ symbol: SYMBOL, side: 'buy', type: 'limit', price: 1000.0001, qty: 0.01 })).rejects.toMatchObject({
      code: 'VENUE_ORDER_REJECTED',
      venueCode: 10001,
    });
    await v.close();
  });
});
