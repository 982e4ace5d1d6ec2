/**
 * The Hyperliquid adapter against the simulator over wss:// with pinning: normalized events,
 * book snapshots equal to the simulator's, user fills, the ping keepalive, forced disconnects,
 * malformed messages, refused subscriptions and unsupported order entry.
 */
import { describe, expect, it } from 'vitest';

import { HyperliquidVenue, sim, TickwireError, VenueError, type BookUpdate, type Fill, type OrderUpdate, type Ticker, type Trade } from '../../src/index.js';
import type { HyperliquidMids } from '../../src/exchanges/hyperliquid/parse.js';
import { HYPERLIQUID_SIM_DEMO_ADDRESS, hyperliquidSimVenue, type HyperliquidSimOptions } from '../../src/sim/hyperliquid.js';
import type { SimTrade } from '../../src/sim/market.js';
import { cleanupAfterEach, clientBook as clientBookOf, collect, simBook as simBookOf, simSymbol, tick, waitFor } from '../sim/helpers.js';

const FAST_RECONNECT = { initialDelayMs: 10, maxDelayMs: 50, maxAttempts: 0, jitter: false };
const DEMO = HYPERLIQUID_SIM_DEMO_ADDRESS;

const cleanup = cleanupAfterEach();

interface SetupOptions {
  sim?: HyperliquidSimOptions;
  pingIntervalMs?: number;
  heartbeat?: false;
}

async function setup(opts: SetupOptions = {}) {
  const server = await sim.SimServer.start({
    venue: hyperliquidSimVenue({ bookIntervalMs: 0, demoMaker: false, ...opts.sim }),
    seed: 21,
    tickIntervalMs: 0,
    pingIntervalMs: 0,
  });
  const venue = new HyperliquidVenue({
    url: `${server.url}/ws`,
    connect: { tls: server.clientTls(), reconnect: FAST_RECONNECT, ...(opts.heartbeat === false ? { heartbeat: false } : {}) },
    ...(opts.pingIntervalMs === undefined ? {} : { pingIntervalMs: opts.pingIntervalMs }),
  });
  const errors = collect<TickwireError>(venue, 'error').items;
  cleanup.push(async () => {
    await venue.close();
    await server.close();
  });
  return { server, venue, errors, sym: simSymbol(server, 'BTCUSDT') };
}

/** The simulator's top 20 levels per side as a client parses them. */
function simBook(sym: sim.SimSymbol): ReturnType<typeof simBookOf> {
  return simBookOf(sym, 20);
}

function clientBook(venue: HyperliquidVenue, coin = 'BTC'): ReturnType<typeof clientBookOf> {
  return clientBookOf(venue, coin);
}

describe('Hyperliquid adapter against the simulator', () => {
  it('subscribes l2Book, trades, bbo and allMids and normalizes their events', async () => {
    const { server, venue, errors, sym } = await setup();
    const books: BookUpdate[] = [];
    const trades: Trade[] = [];
    const tickers: Ticker[] = [];
    const mids: HyperliquidMids[] = [];
    venue.on('book', (u) => books.push(u));
    venue.on('trade', (t) => trades.push(t));
    venue.on('ticker', (t) => tickers.push(t));
    await venue.subscribe('book', 'BTC');
    await venue.subscribe('trades', 'BTC');
    await venue.subscribe('ticker', 'BTC');
    await venue.subscribeMids((m) => mids.push(m));
    expect(books).toHaveLength(1);
    expect(books[0]).toMatchObject({ venue: 'hyperliquid', symbol: 'BTC', snapshot: true, resynced: false });
    expect(clientBook(venue)).toEqual(simBook(sym));

    const simTrades: SimTrade[] = [];
    server.market.on('update', (u) => u.symbol === 'BTCUSDT' && simTrades.push(...u.trades));
    const pushed = waitFor(venue, 'book');
    server.market.burst(200, 'BTCUSDT');
    const [u] = (await pushed) as [BookUpdate];
    expect(u).toMatchObject({ snapshot: true, resynced: false, venueTs: u.sequence });
    expect({ bids: u.bids, asks: u.asks }).toEqual(simBook(sym));
    expect(clientBook(venue)).toEqual(simBook(sym));
    // Trades and bbo are sent as they happen, before the coalesced book push.
    expect(trades.map((t) => t.id)).toEqual(simTrades.map((t) => String(t.id)));
    for (const [i, t] of trades.entries()) {
      const s = simTrades[i] as SimTrade;
      expect(t).toMatchObject({ venue: 'hyperliquid', symbol: 'BTC', price: Number(sym.price(s.price)), qty: Number(sym.qty(s.qty)), side: s.takerSide, venueTs: s.time });
    }
    const top = tickers.at(-1) as Ticker;
    expect(top).toMatchObject({ venue: 'hyperliquid', symbol: 'BTC', bidPrice: u.bids[0]?.[0], bidQty: u.bids[0]?.[1], askPrice: u.asks[0]?.[0], askQty: u.asks[0]?.[1] });
    while (mids.length < 2) await tick();
    const mid = mids.at(-1) as HyperliquidMids;
    expect(mid.mids.get('BTC')).toBeCloseTo(((u.bids[0]?.[0] ?? 0) + (u.asks[0]?.[0] ?? 0)) / 2, 6);
    expect(mid.mids.has('ETH')).toBe(true);
    expect(errors).toEqual([]);
  });

  it('keeps each pushed book equal to the simulator book, push after push', async () => {
    const { server, venue, errors, sym } = await setup();
    await venue.subscribe('book', 'BTC');
    let rounds = 0;
    for (let i = 0; i < 200; i++) {
      const pushed = waitFor(venue, 'book');
      server.market.burst(1 + ((i * 37) % 50), 'BTCUSDT');
      await pushed;
      expect(clientBook(venue)).toEqual(simBook(sym));
      rounds++;
    }
    expect(rounds).toBe(200);
    expect(errors).toEqual([]);
  });

  it('a withheld push (skip fault) is healed by the next whole book', async () => {
    const { server, venue, sym } = await setup();
    await venue.subscribe('book', 'BTC');
    const books: BookUpdate[] = [];
    venue.on('book', (u) => books.push(u));
    server.faults.skipSequence('BTCUSDT');
    server.market.burst(20, 'BTCUSDT');
    const stale = simBook(sym);
    await tick(); // the withheld push was due in this turn (bookIntervalMs 0: setImmediate)
    const pushed = waitFor(venue, 'book');
    server.market.burst(20, 'BTCUSDT');
    await pushed;
    expect(books).toHaveLength(1);
    expect(clientBook(venue)).toEqual(simBook(sym));
    expect(simBook(sym)).not.toEqual(stale);
  });

  it('normalizes the fills and order updates of a user address to Fill and OrderUpdate', async () => {
    const { server, venue, errors, sym } = await setup();
    // A fill before the subscription is in the snapshot: not emitted as new.
    const early = server.matching.place({ account: DEMO, symbol: 'BTCUSDT', side: 'sell', type: 'market', timeInForce: 'ioc', price: null, qty: 3, clientOrderId: 'early' });
    expect(early.filled).toBe(3);
    const fills: Fill[] = [];
    const orders: OrderUpdate[] = [];
    venue.on('fill', (f) => fills.push(f));
    venue.on('order', (o) => orders.push(o));
    await venue.subscribeUser(DEMO.toUpperCase().replace('0X', '0x'));

    const cloid = `0x${'ab'.repeat(16)}`;
    const lots = sym.levelLots * 3; // more than one level: several fills
    const execs: sim.SimFill[] = [];
    server.matching.on('execution', (x) => x.fill && execs.push(x.fill));
    const order = server.matching.place({ account: DEMO, symbol: 'BTCUSDT', side: 'buy', type: 'market', timeInForce: 'ioc', price: null, qty: lots, clientOrderId: cloid });
    expect(execs.length).toBeGreaterThan(1);
    while (fills.length < execs.length || !orders.some((o) => o.status === 'filled' || o.status === 'canceled')) await tick();
    expect(fills).toHaveLength(execs.length);
    for (const [i, f] of fills.entries()) {
      const x = execs[i] as sim.SimFill;
      expect(f).toMatchObject({
        venue: 'hyperliquid',
        symbol: 'BTC',
        clientOrderId: cloid,
        orderId: String(order.orderId),
        tradeId: String(x.tradeId),
        side: 'buy',
        price: Number(sym.price(x.price)),
        qty: Number(sym.qty(x.qty)),
        feeAsset: 'USDC',
        liquidity: 'taker',
      });
      expect(f.fee).toBeGreaterThan(0);
      expect(typeof f.venueTs).toBe('number');
    }
    expect(orders[0]).toMatchObject({ venue: 'hyperliquid', symbol: 'BTC', orderId: String(order.orderId), clientOrderId: cloid, side: 'buy', status: 'new', filledQty: 0 });
    const last = orders.at(-1) as OrderUpdate;
    expect(last.filledQty).toBe(Number(sym.qty(order.filled)));
    expect(fills.some((f) => f.orderId === String(early.orderId))).toBe(false);
    expect(errors).toEqual([]);
  });

  it("streams the demo address's maker fills from the simulator's own quotes", async () => {
    const { server, venue } = await setup({ sim: { demoMaker: true } });
    await venue.subscribeUser(DEMO);
    const fill = waitFor(venue, 'fill');
    let got: Fill | null = null;
    void fill.then(([f]) => (got = f as Fill));
    while (!got) {
      server.market.step('BTCUSDT');
      await tick();
    }
    expect(got).toMatchObject({ venue: 'hyperliquid', liquidity: 'maker' });
  });

  it('keeps the connection alive with {"method":"ping"} where silence gets it closed', async () => {
    const { venue } = await setup({ sim: { idleTimeoutMs: 1000 }, pingIntervalMs: 50, heartbeat: false });
    let reconnects = 0;
    venue.on('reconnected', () => reconnects++);
    await venue.subscribe('trades', 'BTC');
    while (venue.pongs < 25) await tick();
    expect(reconnects).toBe(0);

    // Control: without pings the simulator closes the idle connection (the adapter reconnects).
    const quiet = await setup({ sim: { idleTimeoutMs: 100 }, pingIntervalMs: 0, heartbeat: false });
    await quiet.venue.subscribe('trades', 'BTC');
    await waitFor(quiet.venue, 'reconnected');
    expect(quiet.venue.pongs).toBe(0);
  });

  it('reconnects after a forced disconnect, resubscribes and resyncs', async () => {
    const { server, venue, sym } = await setup();
    await venue.subscribe('book', 'BTC');
    await venue.subscribe('trades', 'BTC');
    await venue.subscribeUser(DEMO);
    const first = [...server.clients][0];
    const reconnected = waitFor(venue, 'reconnected');
    const resynced = waitFor(venue, 'book', (u: BookUpdate) => u.resynced);
    server.faults.drop();
    await reconnected;
    const [u] = (await resynced) as [BookUpdate];
    expect(u.snapshot).toBe(true);
    expect([...server.clients][0]).not.toBe(first);
    expect(clientBook(venue)).toEqual(simBook(sym));
    // Subscriptions are back: trades and user fills flow on the new connection.
    const trade = waitFor(venue, 'trade');
    const fill = waitFor(venue, 'fill');
    const takePush = waitFor(venue, 'book', (b: BookUpdate) => !b.resynced); // the order's take changes the book
    server.matching.place({ account: DEMO, symbol: 'BTCUSDT', side: 'sell', type: 'market', timeInForce: 'ioc', price: null, qty: 1, clientOrderId: 'after' });
    await trade;
    await fill;
    await takePush;
    const pushed = waitFor(venue, 'book', (b: BookUpdate) => !b.resynced);
    server.market.burst(30, 'BTCUSDT');
    await pushed;
    expect(clientBook(venue)).toEqual(simBook(sym));
  });

  it('reports malformed messages as VENUE_MESSAGE_INVALID and keeps going', async () => {
    const { server, venue, errors, sym } = await setup();
    await venue.subscribe('book', 'BTC');
    const two = new Promise<void>((resolve) => venue.on('error', () => errors.length >= 2 && resolve()));
    server.faults.malformed('json');
    server.faults.malformed('shape');
    await two;
    expect(errors.map((e) => e.code)).toEqual(['VENUE_MESSAGE_INVALID', 'VENUE_MESSAGE_INVALID']);
    const pushed = waitFor(venue, 'book');
    server.market.burst(30, 'BTCUSDT');
    await pushed;
    expect(clientBook(venue)).toEqual(simBook(sym));
    expect(errors).toHaveLength(2);
  });

  it('unsubscribes: no more events of that subscription, the others go on', async () => {
    const { server, venue } = await setup();
    await venue.subscribe('book', 'BTC');
    await venue.subscribe('trades', 'BTC');
    const mids: HyperliquidMids[] = [];
    const onMids = (m: HyperliquidMids): number => mids.push(m);
    await venue.subscribeMids(onMids);
    await venue.unsubscribe('trades', 'BTC');
    await venue.unsubscribeMids(onMids);
    const seen = mids.length;
    let trades = 0;
    venue.on('trade', () => trades++);
    const simTrades: SimTrade[] = [];
    server.market.on('update', (u) => simTrades.push(...u.trades));
    for (let i = 0; i < 2; i++) {
      const pushed = waitFor(venue, 'book');
      server.market.burst(100, 'BTCUSDT');
      await pushed; // the first round's trades and mids were sent before the second round's push
    }
    expect(simTrades.length).toBeGreaterThan(0);
    expect(trades).toBe(0);
    expect(mids.length).toBe(seen);
  });

  it('rejects a subscription the venue refuses, and bad arguments', async () => {
    const { venue } = await setup();
    const err = await venue.subscribe('book', 'DOGE').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(VenueError);
    expect(err).toMatchObject({ code: 'VENUE_MESSAGE_INVALID', venue: 'hyperliquid' });
    expect((err as VenueError).venueMessage).toMatch(/DOGE/);
    expect(venue.book('DOGE')).toBeUndefined();
    await venue.subscribe('book', 'ETH');
    expect(venue.book('ETH')?.size('ask')).toBeGreaterThan(0);
    await expect(venue.subscribeUser('0x123')).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(venue.subscribe('book', 'BTC USD')).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });

  it('rejects a subscribe the venue never confirms with CONN_TIMEOUT, and forgets it', async () => {
    // A venue that accepts the connection and then says nothing.
    const server = await sim.SimServer.start({
      venue: () => ({ paths: [], route: () => null, connection: () => undefined, malformed: () => undefined }),
      tickIntervalMs: 0,
      pingIntervalMs: 0,
    });
    const venue = new HyperliquidVenue({ url: `${server.url}/ws`, connect: { tls: server.clientTls(), reconnect: false }, requestTimeoutMs: 100 });
    cleanup.push(async () => {
      await venue.close();
      await server.close();
    });
    const err = await venue.subscribe('trades', 'BTC').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TickwireError);
    expect((err as TickwireError).code).toBe('CONN_TIMEOUT');
    // Not remembered as subscribed: asking again sends the subscribe again (and times out again).
    await expect(venue.subscribe('trades', 'BTC')).rejects.toMatchObject({ code: 'CONN_TIMEOUT' });
  });

  it('close() ends the streams; later subscribes reject with CONN_CLOSED', async () => {
    const { server, venue } = await setup();
    await venue.subscribe('book', 'BTC');
    await venue.close();
    await expect(venue.subscribe('trades', 'BTC')).rejects.toMatchObject({ code: 'CONN_CLOSED' });
    while (server.clients.size > 0) await tick(); // the simulator saw the connection go
  });

  it('rejects order entry with VENUE_UNSUPPORTED (EIP-712 signing is not implemented)', async () => {
    const venue = new HyperliquidVenue();
    const err = await venue.placeOrder({ symbol: 'BTC', side: 'buy', type: 'limit', price: 1, qty: 1 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(VenueError);
    expect(err).toMatchObject({ code: 'VENUE_UNSUPPORTED', venue: 'hyperliquid' });
    expect((err as Error).message).toMatch(/EIP-712/);
    await expect(venue.cancelOrder({ symbol: 'BTC', orderId: '1' })).rejects.toMatchObject({ code: 'VENUE_UNSUPPORTED' });
    await venue.close();
  });
});
