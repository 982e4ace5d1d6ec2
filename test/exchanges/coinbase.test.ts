/**
 * The Coinbase Advanced Trade adapter against the simulator over wss:// with pinning: normalized
 * events, book integrity after 100k updates, sequence gaps, forced disconnects, silence,
 * malformed messages, refused subscriptions and unsupported order entry.
 */
import { describe, expect, it } from 'vitest';

import { CoinbaseVenue, sim, TickwireError, VenueError, type BookUpdate, type Ticker, type Trade } from '../../src/index.js';
import { coinbaseSimVenue, type CoinbaseSimOptions } from '../../src/sim/coinbase.js';
import type { SimTrade } from '../../src/sim/market.js';
import { cleanupAfterEach, clientBook as clientBookOf, collect, simBook, simSymbol, tick, waitFor } from '../sim/helpers.js';

const FAST_RECONNECT = { initialDelayMs: 10, maxDelayMs: 50, maxAttempts: 0, jitter: false };
const PRODUCT = 'BTC-USDT';

const cleanup = cleanupAfterEach();

async function setup(opts: { sim?: CoinbaseSimOptions; heartbeat?: { intervalMs: number; timeoutMs: number } | false; handshakeTimeoutMs?: number } = {}) {
  const server = await sim.SimServer.start({ venue: coinbaseSimVenue(opts.sim), seed: 11, tickIntervalMs: 0, pingIntervalMs: 0 });
  const venue = new CoinbaseVenue({
    url: server.url,
    connect: {
      tls: { ...server.clientTls(), ...(opts.handshakeTimeoutMs ? { handshakeTimeoutMs: opts.handshakeTimeoutMs } : {}) },
      reconnect: FAST_RECONNECT,
      ...(opts.heartbeat === undefined ? {} : { heartbeat: opts.heartbeat }),
    },
  });
  const errors = collect<TickwireError>(venue, 'error').items;
  cleanup.push(async () => {
    await venue.close();
    await server.close();
  });
  return { server, venue, errors, sym: simSymbol(server, 'BTCUSDT') };
}

function clientBook(venue: CoinbaseVenue): ReturnType<typeof clientBookOf> {
  return clientBookOf(venue, PRODUCT);
}

/** Resolves after `n` non-snapshot book events. */
function updates(venue: CoinbaseVenue, n: number): Promise<void> {
  let seen = 0;
  return new Promise((resolve) => {
    const on = (u: BookUpdate): void => {
      if (!u.snapshot && ++seen === n) {
        venue.off('book', on);
        resolve();
      }
    };
    venue.on('book', on);
  });
}

describe('Coinbase adapter against the simulator', () => {
  it('subscribes level2, market_trades, ticker and heartbeats and normalizes their events', async () => {
    const { server, venue, errors, sym } = await setup({ sim: { heartbeatIntervalMs: 20 } });
    const books: BookUpdate[] = [];
    const trades: Trade[] = [];
    const tickers: Ticker[] = [];
    venue.on('book', (u) => books.push({ ...u, bids: [...u.bids], asks: [...u.asks] }));
    venue.on('trade', (t) => trades.push(t));
    venue.on('ticker', (t) => tickers.push(t));
    await venue.subscribe('book', PRODUCT);
    await venue.subscribe('trades', PRODUCT);
    await venue.subscribe('ticker', PRODUCT);
    expect(books).toHaveLength(1);
    expect(books[0]).toMatchObject({ venue: 'coinbase', symbol: PRODUCT, snapshot: true, resynced: false });
    expect(clientBook(venue)).toEqual(simBook(sym));

    const simTrades: SimTrade[] = [];
    server.market.on('update', (u) => simTrades.push(...u.trades));
    const done = updates(venue, 300);
    server.market.burst(300, 'BTCUSDT');
    await done; // every trade of a step is sent before its l2 update
    const bid = Number(sym.price(sym.bestBid() ?? 0));
    const ask = Number(sym.price(sym.bestAsk() ?? 0));
    // The last step's ticker (if the top changed) follows its l2 update.
    while (!(tickers.at(-1)?.bidPrice === bid && tickers.at(-1)?.askPrice === ask)) await tick();
    expect(simTrades.length).toBeGreaterThan(0);
    expect(trades.map((t) => t.id)).toEqual(simTrades.map((t) => String(t.id)));
    for (const [i, t] of trades.entries()) {
      const s = simTrades[i] as SimTrade;
      expect(t).toMatchObject({ venue: 'coinbase', symbol: PRODUCT, price: Number(sym.price(s.price)), qty: Number(sym.qty(s.qty)), side: s.takerSide });
      expect(t.venueTs).toBe(s.time);
      expect(Number.isFinite(t.recvTs)).toBe(true);
    }
    const last = tickers.at(-1) as Ticker;
    expect(last).toMatchObject({ venue: 'coinbase', symbol: PRODUCT, bidQty: Number(sym.qty(sym.bids.get(sym.bestBid() ?? 0) ?? 0)) });
    expect(typeof last.venueTs).toBe('number');
    const deltas = books.filter((b) => !b.snapshot);
    expect(deltas.length).toBe(300);
    for (let i = 1; i < deltas.length; i++) expect((deltas[i] as BookUpdate).sequence).toBeGreaterThan((deltas[i - 1] as BookUpdate).sequence);
    expect(deltas.every((d) => d.resynced === false && typeof d.venueTs === 'number')).toBe(true);
    expect(clientBook(venue)).toEqual(simBook(sym));

    // Heartbeats arrive (the adapter subscribed them by itself).
    while ((venue.lastHeartbeat?.counter ?? -1) < 3) await tick();
    expect(errors).toEqual([]);
  });

  it('keeps the book identical to the simulator after 100k updates', async () => {
    const { server, venue, errors, sym } = await setup();
    await venue.subscribe('book', PRODUCT);
    const done = updates(venue, 100_000);
    server.market.burst(100_000, 'BTCUSDT');
    await done;
    expect(clientBook(venue)).toEqual(simBook(sym));
    expect(venue.book(PRODUCT)?.crossed).toBe(false);
    expect(errors).toEqual([]);
  }, 120_000);

  it('on a sequence gap emits BOOK_SEQUENCE_GAP, resubscribes and resyncs to the same book', async () => {
    const { server, venue, errors, sym } = await setup();
    await venue.subscribe('book', PRODUCT);
    server.market.burst(20, 'BTCUSDT');
    server.faults.skipSequence('BTCUSDT');
    const resynced = waitFor(venue, 'book', (u: BookUpdate) => u.snapshot && u.resynced);
    server.market.burst(5, 'BTCUSDT');
    await resynced;
    expect(errors.map((e) => e.code)).toEqual(['BOOK_SEQUENCE_GAP']);
    expect(clientBook(venue)).toEqual(simBook(sym));
    const more = updates(venue, 200);
    server.market.burst(200, 'BTCUSDT');
    await more;
    expect(clientBook(venue)).toEqual(simBook(sym));
  });

  it('without the resync the book would be wrong: the skipped update really changed it', async () => {
    // Control for the test above: a level2 subscriber that ignores sequence numbers drifts.
    const { server, venue, sym } = await setup();
    await venue.subscribe('book', PRODUCT);
    server.faults.skipSequence('BTCUSDT');
    const before = simBook(sym);
    const gap = waitFor(venue, 'error', (e: TickwireError) => e.code === 'BOOK_SEQUENCE_GAP');
    server.market.step('BTCUSDT');
    expect(simBook(sym)).not.toEqual(before);
    server.market.step('BTCUSDT');
    await gap;
  });

  it('reconnects after a forced disconnect, resubscribes everything and resyncs the book', async () => {
    const { server, venue, sym } = await setup();
    await venue.subscribe('book', PRODUCT);
    await venue.subscribe('trades', PRODUCT);
    const first = [...server.clients][0];
    const reconnected = waitFor(venue, 'reconnected');
    const resynced = waitFor(venue, 'book', (u: BookUpdate) => u.snapshot && u.resynced);
    server.faults.drop();
    const [info] = await reconnected;
    expect(info).toMatchObject({ connection: 'market' });
    await resynced;
    expect([...server.clients]).toHaveLength(1);
    expect([...server.clients][0]).not.toBe(first);
    expect(clientBook(venue)).toEqual(simBook(sym));
    // Trades flow again on the new connection.
    const trade = waitFor(venue, 'trade');
    while (!(await Promise.race([trade.then(() => true), tick().then(() => false)]))) server.market.step('BTCUSDT');
    const more = updates(venue, 50);
    server.market.burst(50, 'BTCUSDT');
    await more;
    expect(clientBook(venue)).toEqual(simBook(sym));
  });

  it('detects a silent connection with the transport heartbeat and recovers once the venue speaks again', async () => {
    const { server, venue, errors, sym } = await setup({ heartbeat: { intervalMs: 50, timeoutMs: 100 }, handshakeTimeoutMs: 500 });
    await venue.subscribe('book', PRODUCT);
    const timedOut = waitFor(venue, 'error', (e: TickwireError) => e.code === 'CONN_TIMEOUT');
    server.faults.silence();
    await timedOut;
    const resynced = waitFor(venue, 'book', (u: BookUpdate) => u.snapshot && u.resynced);
    server.faults.resume();
    await resynced;
    expect(clientBook(venue)).toEqual(simBook(sym));
    expect(errors.some((e) => e.code === 'CONN_TIMEOUT')).toBe(true);
  });

  it('reports malformed messages as VENUE_MESSAGE_INVALID and keeps going', async () => {
    const { server, venue, errors, sym } = await setup();
    await venue.subscribe('book', PRODUCT);
    await venue.subscribe('trades', PRODUCT);
    const twoErrors = new Promise<void>((resolve) => {
      venue.on('error', () => errors.length >= 2 && resolve());
    });
    server.faults.malformed('json');
    server.faults.malformed('shape');
    await twoErrors;
    expect(errors.map((e) => e.code)).toEqual(['VENUE_MESSAGE_INVALID', 'VENUE_MESSAGE_INVALID']);
    expect(errors[1]?.message).toMatch(/market_trades/);
    const more = updates(venue, 100);
    server.market.burst(100, 'BTCUSDT');
    await more;
    expect(clientBook(venue)).toEqual(simBook(sym));
    // The 'shape' message used a valid sequence number: no gap was reported.
    expect(errors).toHaveLength(2);
  });

  it('subscribes heartbeats by itself and keeps the connection past the subscribe deadline', async () => {
    const { venue } = await setup({ sim: { subscribeTimeoutMs: 300, heartbeatIntervalMs: 10 } });
    let reconnects = 0;
    venue.on('reconnected', () => reconnects++);
    await venue.subscribe('ticker', PRODUCT);
    while ((venue.lastHeartbeat?.counter ?? -1) < 60) await tick(); // 60 heartbeats 10 ms apart: past the deadline
    expect(reconnects).toBe(0);
  });

  it('unsubscribes: no more events of that channel, the others go on', async () => {
    const { server, venue } = await setup();
    await venue.subscribe('book', PRODUCT);
    await venue.subscribe('trades', PRODUCT);
    await venue.unsubscribe('trades', PRODUCT);
    let trades = 0;
    venue.on('trade', () => trades++);
    const simTrades: SimTrade[] = [];
    server.market.on('update', (u) => simTrades.push(...u.trades));
    const done = updates(venue, 300);
    server.market.burst(300, 'BTCUSDT');
    await done;
    expect(simTrades.length).toBeGreaterThan(0);
    expect(trades).toBe(0);
    await venue.unsubscribe('book', PRODUCT);
    expect(venue.book(PRODUCT)).toBeUndefined();
  });

  it('rejects a subscription the venue refuses, and later ones still work', async () => {
    const { venue } = await setup();
    const err = await venue.subscribe('trades', 'DOGE-XYZ').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(VenueError);
    expect((err as VenueError).code).toBe('VENUE_MESSAGE_INVALID');
    expect((err as VenueError).venueMessage).toMatch(/DOGE-XYZ/);
    await venue.subscribe('book', PRODUCT);
    expect(venue.book(PRODUCT)?.size('bid')).toBeGreaterThan(0);
    await expect(venue.subscribe('book', 'btc_usdt')).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });

  it('rejects a subscribe the venue never confirms with CONN_TIMEOUT, and forgets it', async () => {
    // A venue that accepts the connection and then says nothing.
    const server = await sim.SimServer.start({
      venue: () => ({ paths: [], route: () => null, connection: () => undefined, malformed: () => undefined }),
      tickIntervalMs: 0,
      pingIntervalMs: 0,
    });
    const venue = new CoinbaseVenue({ url: server.url, connect: { tls: server.clientTls(), reconnect: false }, requestTimeoutMs: 100 });
    cleanup.push(async () => {
      await venue.close();
      await server.close();
    });
    const err = await venue.subscribe('trades', PRODUCT).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TickwireError);
    expect((err as TickwireError).code).toBe('CONN_TIMEOUT');
    // Not remembered as subscribed: asking again sends the subscribe again (and times out again).
    await expect(venue.subscribe('trades', PRODUCT)).rejects.toMatchObject({ code: 'CONN_TIMEOUT' });
  });

  it('close() ends the streams; later subscribes reject with CONN_CLOSED', async () => {
    const { server, venue } = await setup();
    await venue.subscribe('book', PRODUCT);
    await venue.close();
    await expect(venue.subscribe('trades', PRODUCT)).rejects.toMatchObject({ code: 'CONN_CLOSED' });
    while (server.clients.size > 0) await tick(); // the simulator saw the connection go
  });

  it('rejects order entry with VENUE_UNSUPPORTED (REST + JWT, not this WebSocket)', async () => {
    const venue = new CoinbaseVenue();
    const place = await venue.placeOrder({ symbol: PRODUCT, side: 'buy', type: 'limit', price: 1, qty: 1 }).catch((e: unknown) => e);
    expect(place).toBeInstanceOf(VenueError);
    expect(place).toMatchObject({ code: 'VENUE_UNSUPPORTED', venue: 'coinbase' });
    expect((place as Error).message).toMatch(/REST/);
    expect((place as Error).message).toMatch(/JWT/);
    await expect(venue.cancelOrder({ symbol: PRODUCT, orderId: '1' })).rejects.toMatchObject({ code: 'VENUE_UNSUPPORTED' });
    await venue.close();
  });

  it('fails subscribe with the transport error when the venue cannot be reached', async () => {
    const server = await sim.SimServer.start({ venue: coinbaseSimVenue(), tickIntervalMs: 0, pingIntervalMs: 0 });
    const url = server.url;
    const tls = server.clientTls();
    await server.close();
    const venue = new CoinbaseVenue({ url, connect: { tls, reconnect: false } });
    const err = await venue.subscribe('book', PRODUCT).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TickwireError);
    expect((err as TickwireError).message).toMatch(/ECONNREFUSED/);
    expect(venue.book(PRODUCT)).toBeUndefined();
    // The next subscribe tries again (and fails the same way) instead of reusing the failed attempt.
    await expect(venue.subscribe('trades', PRODUCT)).rejects.toThrow(/ECONNREFUSED/);
    await venue.close();
  });
});
