/**
 * The Kraken v2 adapter against the simulator over wss:// with SPKI pinning: normalized events,
 * book integrity after 100k updates (every update checksum-verified), checksum faults and
 * withheld updates → BOOK_CHECKSUM_MISMATCH + resync, forced disconnect → reconnect + resubscribe,
 * orders on the template and reference paths, bad tokens, malformed messages.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { KrakenVenue } from '../../src/exchanges/kraken/venue.js';
import type { BookUpdate, Fill, OrderUpdate, Ticker, TickwireError, Trade } from '../../src/index.js';
import { krakenSimToken } from '../../src/sim/kraken.js';
import { SimServer } from '../../src/sim/server.js';
import { clientBook, collect, simBook as simBookOf, simSymbol, tick, waitFor } from '../sim/helpers.js';

const SYMBOL = 'BTC/USDT';
const KEY = 'BTCUSDT';

let sim: SimServer;
const venues: KrakenVenue[] = [];

function venue(token = krakenSimToken('simkey', 'simsecret'), extra: Partial<ConstructorParameters<typeof KrakenVenue>[0]> = {}): KrakenVenue {
  const v = new KrakenVenue({
    url: `${sim.url}/v2`,
    authUrl: `${sim.url}/v2`,
    token,
    connect: { tls: { pins: [sim.pin], pinOnly: true }, reconnect: { initialDelayMs: 20, maxDelayMs: 200, maxAttempts: 0, jitter: false } },
    ...extra,
  });
  venues.push(v);
  return v;
}

/** The simulator's own top-`n` book of BTCUSDT. */
function simBook(n = 10): ReturnType<typeof simBookOf> {
  return simBookOf(simSymbol(sim, KEY), n);
}

function adapterBook(v: KrakenVenue): ReturnType<typeof clientBook> {
  return clientBook(v, SYMBOL);
}

beforeAll(async () => {
  sim = await SimServer.start({ venue: 'kraken', seed: 11, tickIntervalMs: 0, pingIntervalMs: 0 });
});

afterAll(async () => {
  await Promise.all(venues.map((v) => v.close()));
  await sim.close();
});

describe('kraken adapter: market data', () => {
  it('subscribes to trades, book and ticker and emits normalized events with both timestamps', async () => {
    const v = venue();
    const errors = collect<TickwireError>(v, 'error').items;
    const books: BookUpdate[] = [];
    v.on('book', (u) => books.push(u));
    await v.subscribe('book', SYMBOL);
    expect(books[0]).toMatchObject({ venue: 'kraken', symbol: SYMBOL, snapshot: true, resynced: false });
    expect(adapterBook(v)).toEqual(simBook());
    await v.subscribe('trades', SYMBOL);
    await v.subscribe('ticker', SYMBOL);
    const trade = waitFor<[Trade]>(v, 'trade');
    const ticker = waitFor<[Ticker]>(v, 'ticker');
    const update = waitFor<[BookUpdate]>(v, 'book', (u) => !u.snapshot);
    sim.market.burst(200, KEY);
    const [[t], [tk], [u]] = await Promise.all([trade, ticker, update]);
    expect(t).toMatchObject({ venue: 'kraken', symbol: SYMBOL });
    expect(['buy', 'sell']).toContain(t.side);
    expect(t.price).toBeGreaterThan(0);
    expect(t.qty).toBeGreaterThan(0);
    expect(t.venueTs).toBeGreaterThan(1.6e12);
    expect(t.recvTs).toBeGreaterThanOrEqual(t.venueTs as number);
    expect(tk).toMatchObject({ venue: 'kraken', symbol: SYMBOL });
    expect(tk.askPrice).toBeGreaterThan(tk.bidPrice);
    expect(u).toMatchObject({ venue: 'kraken', symbol: SYMBOL, snapshot: false, resynced: false });
    expect(u.venueTs).toBeGreaterThan(1.6e12);
    expect(u.bids.length + u.asks.length).toBeGreaterThan(0);
    expect(u.sequence).toBeGreaterThan(1);
    expect(errors).toEqual([]);
    await v.close();
  });

  it('keeps the book identical to the simulator over 100k updates, checksum-verified on every message', async () => {
    const v = venue();
    const errors = collect<TickwireError>(v, 'error').items;
    let updates = 0;
    v.on('book', (u) => {
      if (!u.snapshot) updates++;
    });
    await v.subscribe('book', SYMBOL);
    for (let i = 0; i < 50; i++) {
      sim.market.burst(2000, KEY);
      await tick();
    }
    await expect.poll(() => adapterBook(v), { timeout: 120_000, interval: 50 }).toEqual(simBook());
    expect(errors).toEqual([]);
    expect(updates).toBeGreaterThan(10_000);
    await v.close();
  }, 180_000);

  it('a corrupted checksum → BOOK_CHECKSUM_MISMATCH, a fresh snapshot with resynced: true, and a matching book', async () => {
    const v = venue();
    const errors = collect<TickwireError>(v, 'error').items;
    await v.subscribe('book', SYMBOL);
    const resync = waitFor<[BookUpdate]>(v, 'book', (u) => u.resynced);
    sim.faults.corruptChecksum(KEY);
    sim.market.burst(50, KEY);
    const [snap] = await resync;
    expect(snap.snapshot).toBe(true);
    expect(errors.map((e) => e.code)).toEqual(['BOOK_CHECKSUM_MISMATCH']);
    sim.market.burst(500, KEY);
    await expect.poll(() => adapterBook(v)).toEqual(simBook());
    await v.close();
  });

  it('a withheld update (skip fault) is caught by the next checksum and resynced', async () => {
    const v = venue();
    const errors = collect<TickwireError>(v, 'error').items;
    await v.subscribe('book', SYMBOL);
    const resync = waitFor<[BookUpdate]>(v, 'book', (u) => u.resynced);
    sim.faults.skipSequence(KEY);
    for (let i = 0; i < 20 && errors.length === 0; i++) {
      sim.market.burst(20, KEY);
      await new Promise((r) => setTimeout(r, 5));
    }
    await resync;
    expect(errors[0]?.code).toBe('BOOK_CHECKSUM_MISMATCH');
    sim.market.burst(200, KEY);
    await expect.poll(() => adapterBook(v)).toEqual(simBook());
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
    expect(errors).toEqual([]);
    // The subscriptions were sent again: trades and book updates arrive on the new connection.
    await expect
      .poll(async () => {
        const trade = waitFor<[Trade]>(v, 'trade');
        sim.market.burst(50, KEY);
        return (await trade)[0].symbol;
      })
      .toBe(SYMBOL);
    await expect.poll(() => adapterBook(v)).toEqual(simBook());
    await v.close();
  });

  it('unsubscribe stops a stream: no trade arrives before the ticker that the same updates produce', async () => {
    const v = venue();
    await v.subscribe('trades', SYMBOL);
    const first = waitFor<[Trade]>(v, 'trade');
    sim.market.burst(100, KEY);
    await first;
    await v.unsubscribe('trades', SYMBOL);
    await v.subscribe('ticker', SYMBOL);
    let trades = 0;
    v.on('trade', () => trades++);
    const ticker = waitFor<[Ticker]>(v, 'ticker', (t) => t.recvTs > 0);
    // Each update publishes its trades before its ticker on the same connection.
    for (let i = 0; i < 20; i++) sim.market.burst(50, KEY);
    await ticker;
    await expect.poll(async () => {
      const next = waitFor<[Ticker]>(v, 'ticker');
      sim.market.burst(50, KEY);
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
    sim.market.burst(100, KEY);
    expect((await trade)[0].symbol).toBe(SYMBOL);
    await v.close();
  });

  it('a wrong precision fails every snapshot checksum: errors name the precision, the book never syncs', async () => {
    const v = venue(undefined, { precision: { [SYMBOL]: { price: 3, qty: 5 } } });
    const errors: TickwireError[] = [];
    const three = new Promise<void>((resolve) =>
      v.on('error', (e) => {
        errors.push(e);
        if (errors.length === 3) resolve();
      }),
    );
    const sub = v.subscribe('book', SYMBOL).then(
      () => null,
      (e: unknown) => e,
    );
    await three;
    expect(errors.every((e) => e.code === 'BOOK_CHECKSUM_MISMATCH' && e.message.includes('precision right? price 3'))).toBe(true);
    await v.close();
    expect(await sub).toMatchObject({ code: 'CONN_CLOSED' });
  });

  it('refuses an unknown pair and a bad symbol', async () => {
    const v = venue();
    await expect(v.subscribe('book', 'DOGE/USDT')).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(v.subscribe('trades', 'DOGE/USDT')).rejects.toMatchObject({ code: 'VENUE_MESSAGE_INVALID' });
    await expect(v.subscribe('trades', 'BTCUSDT')).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await v.close();
  });
});

describe('kraken adapter: orders', () => {
  it('places limit and market orders on the template path and cancels by order id', async () => {
    const v = venue();
    const book = simBook();
    const bid = book.bids[5]?.[0] as number;
    const ack = await v.placeOrder({ symbol: SYMBOL, side: 'buy', type: 'limit', price: bid, qty: 0.01 });
    expect(ack).toMatchObject({ venue: 'kraken', symbol: SYMBOL, status: 'new', filledQty: 0 });
    expect(ack.orderId).toMatch(/^O[0-9A-Z]{5}-[0-9A-Z]{5}-[0-9A-Z]{6}$/);
    expect(ack.clientOrderId).toMatch(/^[0-9a-z]{4}0-1$/);
    expect(sim.matching.openOrders('simkey').some((o) => o.clientOrderId === ack.clientOrderId && o.price === Math.round(bid * 100))).toBe(true);
    const second = await v.placeOrder({ symbol: SYMBOL, side: 'buy', type: 'limit', price: bid, qty: 0.02 });
    expect(second.clientOrderId).toMatch(/^[0-9a-z]{4}0-2$/);
    const cx = await v.cancelOrder({ symbol: SYMBOL, orderId: ack.orderId });
    expect(cx).toMatchObject({ status: 'canceled', orderId: ack.orderId });
    const mkt = await v.placeOrder({ symbol: SYMBOL, side: 'sell', type: 'market', qty: 0.001 });
    expect(mkt.status).toBe('new');
    await expect(v.cancelOrder({ symbol: SYMBOL, orderId: ack.orderId })).rejects.toMatchObject({ code: 'VENUE_ORDER_REJECTED', venueMessage: 'EOrder:Unknown order' });
    await v.close();
  });

  it('connect() subscribes to executions: order and fill events for a market order and a cancel', async () => {
    const v = venue();
    const orders: OrderUpdate[] = [];
    const fills: Fill[] = [];
    v.on('order', (o) => orders.push(o));
    v.on('fill', (f) => fills.push(f));
    await v.connect();
    const mkt = await v.placeOrder({ symbol: SYMBOL, side: 'buy', type: 'market', qty: 0.002 });
    await expect.poll(() => orders.filter((o) => o.orderId === mkt.orderId).at(-1)?.status).toBe('filled');
    const filled = orders.filter((o) => o.orderId === mkt.orderId).at(-1) as OrderUpdate;
    expect(filled).toMatchObject({ venue: 'kraken', symbol: SYMBOL, clientOrderId: mkt.clientOrderId, side: 'buy', type: 'market', price: null, qty: 0.002, filledQty: 0.002 });
    expect(filled.avgPrice).toBeGreaterThan(0);
    const mine = fills.filter((f) => f.orderId === mkt.orderId);
    expect(mine.reduce((s, f) => s + f.qty, 0)).toBeCloseTo(0.002, 9);
    expect(mine[0]).toMatchObject({ venue: 'kraken', side: 'buy', liquidity: 'taker', feeAsset: 'USDT' });
    expect(mine[0]?.venueTs).toBeGreaterThan(1.6e12);
    const bid = simBook().bids[5]?.[0] as number;
    const rest = await v.placeOrder({ symbol: SYMBOL, side: 'buy', type: 'limit', price: bid, qty: 0.01 });
    await v.cancelOrder({ symbol: SYMBOL, clientOrderId: rest.clientOrderId });
    await expect.poll(() => orders.filter((o) => o.orderId === rest.orderId).map((o) => o.status)).toEqual(['new', 'canceled']);
    expect(orders.find((o) => o.orderId === rest.orderId && o.status === 'canceled')).toMatchObject({ price: bid, qty: 0.01, type: 'limit' });
    await v.close();
  });

  it('uses the reference path for caller-chosen client ids and with orderPath: reference', async () => {
    const v = venue(undefined, { orderPath: 'reference' });
    const bid = simBook().bids[5]?.[0] as number;
    const a = await v.placeOrder({ symbol: SYMBOL, side: 'buy', type: 'limit', price: bid, qty: 0.01, clientOrderId: 'mine-1' });
    expect(a.clientOrderId).toBe('mine-1');
    const b = await v.placeOrder({ symbol: SYMBOL, side: 'buy', type: 'limit', price: bid, qty: 0.01 });
    expect(b.clientOrderId).toMatch(/^[0-9a-z]{4}\.2$/);
    expect((await v.cancelOrder({ symbol: SYMBOL, clientOrderId: 'mine-1' })).status).toBe('canceled');
    await v.close();
  });

  it('a wrong token is rejected with VENUE_AUTH_FAILED and Kraken\'s error string; no token at all fails locally', async () => {
    const v = venue(krakenSimToken('simkey', 'wrongsecret'));
    const err = await v.placeOrder({ symbol: SYMBOL, side: 'buy', type: 'limit', price: 1000, qty: 0.01 }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'VENUE_AUTH_FAILED', venue: 'kraken', venueMessage: 'EAPI:Invalid key' });
    await expect(v.connect()).rejects.toMatchObject({ code: 'VENUE_AUTH_FAILED', venueMessage: 'EAPI:Invalid key' });
    const none = new KrakenVenue({ url: `${sim.url}/v2`, authUrl: `${sim.url}/v2`, connect: { tls: { pins: [sim.pin], pinOnly: true } } });
    venues.push(none);
    await expect(none.placeOrder({ symbol: SYMBOL, side: 'buy', type: 'limit', price: 1000, qty: 0.01 })).rejects.toMatchObject({ code: 'VENUE_AUTH_FAILED' });
    await v.close();
  });

  it('an off-grid price is refused by the venue with VENUE_ORDER_REJECTED', async () => {
    const v = venue(undefined, { precision: { [SYMBOL]: { price: 4, qty: 5 } } });
    await expect(v.placeOrder({ symbol: SYMBOL, side: 'buy', type: 'limit', price: 1000.0001, qty: 0.01 })).rejects.toMatchObject({
      code: 'VENUE_ORDER_REJECTED',
    });
    await v.close();
  });
});
