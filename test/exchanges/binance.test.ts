/**
 * The Binance adapter end to end against the simulator, over wss:// with certificate pinning:
 * normalized events, book integrity after 100k updates, gap → resync, forced disconnect →
 * reconnect + resubscribe, signed orders accepted / wrongly signed orders rejected, malformed
 * venue messages.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

import {
  BinanceVenue,
  ReferenceOrderSender,
  sim,
  TickwireError,
  VenueError,
  type BinanceOptions,
  type BookUpdate,
  type Fill,
  type OrderUpdate,
  type Ticker,
  type Trade,
} from '../../src/index.js';
import { clientBook, collect, simBook as simBookOf, simSymbol, tick, until, waitFor } from '../sim/helpers.js';

let server: sim.SimServer;
const venues: BinanceVenue[] = [];

beforeAll(async () => {
  // No timer: the tests drive the market (step / burst), so every run sees the same market.
  server = await sim.SimServer.start({ venue: 'binance', seed: 11, tickIntervalMs: 0 });
});
afterAll(async () => {
  await server.close();
});
afterEach(async () => {
  await Promise.all(venues.splice(0).map((v) => v.close()));
});

const fastReconnect = { initialDelayMs: 5, maxDelayMs: 50, maxAttempts: 0, jitter: false };

function venue(options: BinanceOptions = {}): BinanceVenue {
  const v = new BinanceVenue({
    streamUrl: server.url,
    wsApiUrl: `${server.url}/ws-api/v3`,
    connect: { tls: server.clientTls(), reconnect: fastReconnect },
    precision: { BTCUSDT: { priceDecimals: 2, qtyDecimals: 5 }, ETHUSDT: { priceDecimals: 2, qtyDecimals: 4 } },
    ...options,
  });
  venues.push(v);
  trackSeq(v);
  return v;
}

/** The simulator's own book of `key`, in prices/quantities as the client parses them. */
function simBook(key: string): ReturnType<typeof simBookOf> {
  return simBookOf(simSymbol(server, key));
}

/** Resolves once the client's book of `key` has applied the simulator's latest update. */
function caughtUp(v: BinanceVenue, key: string): Promise<void> {
  const target = (server.market.get(key) as sim.SimSymbol).updateId;
  return until(() => (lastSeq.get(v)?.get(key) ?? -1) >= target);
}

/** Last book sequence seen per venue and symbol. */
const lastSeq = new WeakMap<BinanceVenue, Map<string, number>>();
function trackSeq(v: BinanceVenue): void {
  const m = new Map<string, number>();
  lastSeq.set(v, m);
  v.on('book', (u) => m.set(u.symbol, u.sequence));
}

describe('Binance market data against the simulator', () => {
  it.each([true, false])('subscribes over pinned wss:// and emits normalized trade, book and ticker events (fastParse %s)', async (fastParse) => {
    const v = venue({ fastParse });
    const errors = collect<TickwireError>(v, 'error');
    const trades = collect<Trade>(v, 'trade');
    const books = collect<BookUpdate>(v, 'book');
    const tickers = collect<Ticker>(v, 'ticker');
    await v.subscribe('trades', 'BTCUSDT');
    await v.subscribe('book', 'BTCUSDT'); // resolves once the first snapshot is applied
    await v.subscribe('ticker', 'BTCUSDT');
    expect(books.items[0]).toMatchObject({ venue: 'binance', symbol: 'BTCUSDT', snapshot: true, resynced: false, venueTs: null });

    const simTrades: sim.SimTrade[] = [];
    const onUpdate = (u: sim.SimUpdate): void => {
      if (u.symbol === 'BTCUSDT') simTrades.push(...u.trades);
    };
    server.market.on('update', onUpdate);
    server.market.burst(300, 'BTCUSDT');
    server.market.off('update', onUpdate);
    await caughtUp(v, 'BTCUSDT');
    await until(() => trades.items.length === simTrades.length);

    expect(simTrades.length).toBeGreaterThan(0);
    const sym = server.market.get('BTCUSDT') as sim.SimSymbol;
    expect(trades.items.map((t) => [t.id, t.price, t.qty, t.side])).toEqual(
      simTrades.map((t) => [String(t.id), Number(sym.price(t.price)), Number(sym.qty(t.qty)), t.takerSide]),
    );
    for (const t of trades.items) {
      expect(t).toMatchObject({ venue: 'binance', symbol: 'BTCUSDT' });
      expect(typeof t.venueTs).toBe('number');
      expect(t.recvTs).toBeGreaterThan(0);
    }
    const deltas = books.items.slice(1);
    expect(deltas.length).toBeGreaterThan(0);
    for (let i = 0; i < deltas.length; i++) {
      const u = deltas[i] as BookUpdate;
      expect(u.snapshot).toBe(false);
      expect(u.resynced).toBe(false);
      if (i > 0) expect(u.sequence).toBeGreaterThan((deltas[i - 1] as BookUpdate).sequence);
    }
    const last = tickers.items.at(-1) as Ticker;
    const top = simBook('BTCUSDT');
    expect([last.bidPrice, last.bidQty, last.askPrice, last.askQty]).toEqual([...(top.bids[0] ?? []), ...(top.asks[0] ?? [])]);
    expect(last.venueTs).toBeNull();
    expect(clientBook(v, 'BTCUSDT')).toEqual(top);
    expect(errors.items).toEqual([]);
  });

  it('works with pinOnly, and refuses a server whose key does not match the pin', async () => {
    const v = venue({ connect: { tls: { pins: [server.pin], pinOnly: true }, reconnect: false } });
    await v.subscribe('trades', 'ETHUSDT');
    const got = waitFor<[Trade]>(v, 'trade');
    while ((await Promise.race([got, tick().then(() => null)])) === null) server.market.step('ETHUSDT');
    const wrongPin = `sha256/${Buffer.alloc(32, 1).toString('base64')}`;
    const bad = venue({ connect: { tls: { pins: [wrongPin], pinOnly: true }, reconnect: false } });
    const err = await bad.subscribe('trades', 'ETHUSDT').then(
      () => null,
      (e: unknown) => e,
    );
    expect((err as TickwireError).code).toBe('TLS_PIN_MISMATCH');
  });

  it.each([true, false])("keeps the book identical to the simulator's own book over 100k updates (fastParse %s)", async (fastParse) => {
    const v = venue({ fastParse });
    const errors = collect<TickwireError>(v, 'error');
    let deltas = 0;
    v.on('book', (u) => {
      if (!u.snapshot) deltas++;
    });
    await v.subscribe('book', 'BTCUSDT');
    for (let i = 0; i < 10; i++) {
      server.market.burst(10_000, 'BTCUSDT');
      await caughtUp(v, 'BTCUSDT');
    }
    expect(deltas).toBe(100_000);
    expect(clientBook(v, 'BTCUSDT')).toEqual(simBook('BTCUSDT'));
    expect(errors.items).toEqual([]);
  });

  it('a skipped sequence number is a gap: BOOK_SEQUENCE_GAP, then a resynced snapshot, and the book matches again', async () => {
    const v = venue();
    await v.subscribe('book', 'BTCUSDT');
    server.market.burst(50, 'BTCUSDT');
    await caughtUp(v, 'BTCUSDT');
    expect(clientBook(v, 'BTCUSDT')).toEqual(simBook('BTCUSDT'));

    const gap = waitFor<[TickwireError]>(v, 'error');
    const resynced = waitFor<[BookUpdate]>(v, 'book', (u) => u.resynced);
    server.faults.skipSequence('BTCUSDT');
    server.market.step('BTCUSDT'); // withheld: the client never hears of it
    server.market.step('BTCUSDT');
    const [err] = await gap;
    expect(err.code).toBe('BOOK_SEQUENCE_GAP');
    const [snap] = await resynced;
    expect(snap.snapshot).toBe(true);
    server.market.burst(50, 'BTCUSDT');
    await caughtUp(v, 'BTCUSDT');
    expect(clientBook(v, 'BTCUSDT')).toEqual(simBook('BTCUSDT'));
  });

  it('forced disconnect: reconnects, resubscribes (URL and later streams), resyncs the book, events flow again', async () => {
    const v = venue();
    await v.subscribe('book', 'BTCUSDT'); // in the connection URL
    await v.subscribe('trades', 'BTCUSDT'); // SUBSCRIBE'd later: must be sent again after the reconnect
    await v.subscribe('ticker', 'BTCUSDT');
    const reconnected = waitFor(v, 'reconnected', (i: { connection: string }) => i.connection === 'market');
    const resynced = waitFor<[BookUpdate]>(v, 'book', (u) => u.resynced);
    server.faults.drop();
    await reconnected;
    const [snap] = await resynced;
    expect(snap.snapshot).toBe(true);

    const trade = waitFor<[Trade]>(v, 'trade');
    const ticker = waitFor<[Ticker]>(v, 'ticker');
    let got = false;
    void Promise.all([trade, ticker]).then(() => (got = true));
    while (!got) {
      server.market.burst(20, 'BTCUSDT');
      await tick();
    }
    await caughtUp(v, 'BTCUSDT');
    expect(clientBook(v, 'BTCUSDT')).toEqual(simBook('BTCUSDT'));
  });

  it("a graceful shutdown (serverShutdown, then close 1001) is not reported as a malformed message", async () => {
    const v = venue();
    const errors = collect<TickwireError>(v, 'error');
    await v.subscribe('trades', 'BTCUSDT');
    const reconnected = waitFor(v, 'reconnected');
    server.faults.drop({ graceful: true });
    await reconnected;
    expect(errors.items.filter((e) => e.code === 'VENUE_MESSAGE_INVALID')).toEqual([]);
  });

  it('batches SUBSCRIBEs and spaces control messages (Binance allows 5 incoming messages a second)', async () => {
    const v = venue();
    await v.subscribe('trades', 'BTCUSDT'); // opens the connection with this stream in its URL
    const client = [...server.clients].at(-1) as sim.SimClient;
    const seen: Array<{ method: string; params: string[] }> = [];
    client.ws.on('message', (d) => seen.push(JSON.parse(String(d)) as { method: string; params: string[] }));
    await Promise.all([v.subscribe('ticker', 'BTCUSDT'), v.subscribe('trades', 'ETHUSDT'), v.subscribe('ticker', 'ETHUSDT'), v.subscribe('trades', 'ETHUSDT')]);
    // The first goes out at once; the others wait for the spacing and share one message.
    expect(seen.map((m) => m.method)).toEqual(['SUBSCRIBE', 'SUBSCRIBE']);
    expect(seen.flatMap((m) => m.params).sort()).toEqual(['btcusdt@bookTicker', 'ethusdt@bookTicker', 'ethusdt@trade']);
  });

  it('unsubscribe stops a stream; bad arguments are refused', async () => {
    const v = venue();
    const trades = collect<Trade>(v, 'trade');
    await v.subscribe('trades', 'ETHUSDT');
    await v.subscribe('ticker', 'ETHUSDT');
    await v.unsubscribe('trades', 'ETHUSDT');
    const tickers = collect<Ticker>(v, 'ticker');
    let simTrades = 0;
    while (simTrades < 5 || tickers.items.length < 5) {
      simTrades += server.market.step('ETHUSDT').trades.length;
      await tick();
    }
    expect(trades.items).toEqual([]);
    for (const [channel, symbol] of [['trades', 'btc-usdt'], ['candles', 'BTCUSDT']] as const) {
      const err = await v.subscribe(channel as 'trades', symbol).catch((e: unknown) => e);
      expect(err).toMatchObject({ code: 'INVALID_ARGUMENT' });
    }
  });

  it('malformed venue messages are typed errors and the stream goes on', async () => {
    const v = venue();
    await v.subscribe('trades', 'BTCUSDT');
    const errors = collect<TickwireError>(v, 'error');
    server.faults.malformed('json');
    server.faults.malformed('shape');
    await until(() => errors.items.length >= 2);
    expect(errors.items.map((e) => e.code)).toEqual(['VENUE_MESSAGE_INVALID', 'VENUE_MESSAGE_INVALID']);
    expect(errors.items[1]?.message).toContain('trade.t');
    const trade = waitFor<[Trade]>(v, 'trade');
    let got = false;
    void trade.then(() => (got = true));
    while (!got) {
      server.market.step('BTCUSDT');
      await tick();
    }
    expect((await trade)[0].symbol).toBe('BTCUSDT');
  });
});

describe('Binance order entry against the simulator', () => {
  const creds = { apiKey: 'simkey', secret: 'simsecret' };

  it('a signed market order is accepted: ack, order updates and a taker fill', async () => {
    const v = venue(creds);
    const orders = collect<OrderUpdate>(v, 'order');
    const fills = collect<Fill>(v, 'fill');
    await v.connect(); // opens the WebSocket API and the user data stream
    const ask = simBook('BTCUSDT').asks[0] as [number, number];
    const ack = await v.placeOrder({ symbol: 'BTCUSDT', side: 'buy', type: 'market', qty: Math.min(0.001, ask[1]) });
    expect(ack).toMatchObject({ venue: 'binance', symbol: 'BTCUSDT', status: 'filled', filledQty: Math.min(0.001, ask[1]) });
    expect(ack.clientOrderId).toMatch(/^tw/);
    await until(() => fills.items.length > 0 && orders.items.some((o) => o.status === 'filled'));
    expect(orders.items.map((o) => o.status)).toEqual(['new', 'filled']);
    expect(fills.items[0]).toMatchObject({ clientOrderId: ack.clientOrderId, orderId: ack.orderId, side: 'buy', price: ask[0], liquidity: 'taker' });
    expect(orders.items[1]?.avgPrice).toBe(ask[0]);
  });

  it('a resting limit order fills as maker when the crowd trades through it, and cancel works', async () => {
    const v = venue(creds);
    const fills = collect<Fill>(v, 'fill');
    await v.connect();
    const bid = (simBook('BTCUSDT').bids[0] as [number, number])[0];
    const ack = await v.placeOrder({ symbol: 'BTCUSDT', side: 'buy', type: 'limit', price: bid, qty: 0.00001, clientOrderId: 'rest-1' });
    expect(ack).toMatchObject({ clientOrderId: 'rest-1', status: 'new', filledQty: 0 });
    while (fills.items.length === 0) {
      server.market.burst(20, 'BTCUSDT');
      await tick();
    }
    expect(fills.items[0]).toMatchObject({ clientOrderId: 'rest-1', price: bid, qty: 0.00001, liquidity: 'maker' });

    const far = await v.placeOrder({ symbol: 'BTCUSDT', side: 'sell', type: 'limit', price: 1_000_000, qty: 0.5, clientOrderId: 'rest-2' });
    expect(far.status).toBe('new');
    const canceledEvent = waitFor<[OrderUpdate]>(v, 'order', (o) => o.status === 'canceled');
    const cancel = await v.cancelOrder({ symbol: 'BTCUSDT', clientOrderId: 'rest-2' });
    expect(cancel).toMatchObject({ clientOrderId: 'rest-2', orderId: far.orderId, status: 'canceled' });
    expect((await canceledEvent)[0].clientOrderId).toBe('rest-2');
    const again = await v.cancelOrder({ symbol: 'BTCUSDT', orderId: far.orderId }).catch((e: unknown) => e);
    expect(again).toBeInstanceOf(VenueError);
    expect(again).toMatchObject({ code: 'VENUE_ORDER_REJECTED', venueCode: -2011 });
  });

  it('a wrongly signed order is rejected with VENUE_ORDER_REJECTED and keeps code -1022', async () => {
    const v = venue({ apiKey: 'simkey', secret: 'not-the-secret' });
    const errors = collect<TickwireError>(v, 'error');
    const err = await v.placeOrder({ symbol: 'BTCUSDT', side: 'buy', type: 'market', qty: 0.001 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(VenueError);
    expect(err).toMatchObject({ code: 'VENUE_ORDER_REJECTED', venue: 'binance', venueCode: -1022, httpStatus: 400, reason: '-1022' });
    expect((err as VenueError).venueMessage).toBe('Signature for this request is not valid.');
    // The user data subscription failed the same way, as an error event.
    await until(() => errors.items.some((e) => e.code === 'VENUE_AUTH_FAILED'));
    // connect() waits for the user data stream, so bad credentials fail it.
    const connectErr = await venue({ apiKey: 'simkey', secret: 'nope' }).connect().catch((e: unknown) => e);
    expect(connectErr).toMatchObject({ code: 'VENUE_AUTH_FAILED', venueCode: -1022 });
  });

  it('the simulator checks every signature: one byte changed after signing is -1022, an unknown key -2015', async () => {
    const reference = new ReferenceOrderSender('simkey', 'simsecret', () => ({ priceDecimals: 2, qtyDecimals: 5 }));
    const tampering = {
      place(socket: Parameters<ReferenceOrderSender['place']>[0], order: Parameters<ReferenceOrderSender['place']>[1], ts: number) {
        const real = socket.send.bind(socket);
        socket.send = (text: string) => real(text.replace('"quantity":"0.00001"', '"quantity":"0.00002"'));
        try {
          reference.place(socket, order, ts);
        } finally {
          socket.send = real;
        }
      },
    };
    const v = venue({ ...creds, orderSender: tampering });
    await v.connect();
    const err = await v.placeOrder({ symbol: 'BTCUSDT', side: 'buy', type: 'market', qty: 0.00001 }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'VENUE_ORDER_REJECTED', venueCode: -1022 });
    // Untampered, the same sender is accepted.
    const ok = await venue({ ...creds, orderSender: reference }).placeOrder({ symbol: 'BTCUSDT', side: 'buy', type: 'market', qty: 0.00001 });
    expect(ok.status).toBe('filled');

    const unknown = await venue({ apiKey: 'who', secret: 'simsecret' })
      .placeOrder({ symbol: 'BTCUSDT', side: 'buy', type: 'market', qty: 0.001 })
      .catch((e: unknown) => e);
    expect(unknown).toMatchObject({ code: 'VENUE_ORDER_REJECTED', venueCode: -2015, httpStatus: 401 });
  });

  it("other rejections keep Binance's code: unknown symbol -1121, duplicate client id -2010, bad tick -1013", async () => {
    const v = venue(creds);
    await v.connect();
    const unknown = await v.placeOrder({ symbol: 'DOGEUSDT', side: 'buy', type: 'market', qty: 1 }).catch((e: unknown) => e);
    expect(unknown).toMatchObject({ code: 'VENUE_ORDER_REJECTED', venueCode: -1121 });
    await v.placeOrder({ symbol: 'BTCUSDT', side: 'sell', type: 'limit', price: 900_000, qty: 0.001, clientOrderId: 'dup-1' });
    const dup = await v.placeOrder({ symbol: 'BTCUSDT', side: 'sell', type: 'limit', price: 900_000, qty: 0.001, clientOrderId: 'dup-1' }).catch((e: unknown) => e);
    expect(dup).toMatchObject({ code: 'VENUE_ORDER_REJECTED', venueCode: -2010, venueMessage: 'Duplicate order sent.' });
    // 3 price decimals against a 2-decimal symbol (the adapter told it sends 8).
    const tickErr = await venue({ ...creds, precision: {} })
      .placeOrder({ symbol: 'BTCUSDT', side: 'sell', type: 'limit', price: 900_000.001, qty: 0.001 })
      .catch((e: unknown) => e);
    expect(tickErr).toMatchObject({ code: 'VENUE_ORDER_REJECTED', venueCode: -1013, venueMessage: 'Filter failure: PRICE_FILTER' });
  });

  it('after a forced disconnect the user data stream is subscribed again: order and fill events flow', async () => {
    const v = venue(creds);
    const fills = collect<Fill>(v, 'fill');
    await v.connect();
    const back = waitFor(v, 'reconnected', (i: { connection: string }) => i.connection === 'trading');
    server.faults.drop();
    await back;
    const ack = await v.placeOrder({ symbol: 'BTCUSDT', side: 'sell', type: 'market', qty: 0.00001 });
    expect(ack.status).toBe('filled');
    await until(() => fills.items.length > 0);
    expect(fills.items[0]).toMatchObject({ clientOrderId: ack.clientOrderId, side: 'sell' });
  });

  it('a request without a response fails with CONN_TIMEOUT; one in flight when the connection drops with CONN_CLOSED', async () => {
    const v = venue({ ...creds, requestTimeoutMs: 100 });
    await v.connect();
    server.faults.silence();
    try {
      const err = await v.placeOrder({ symbol: 'BTCUSDT', side: 'buy', type: 'market', qty: 0.00001 }).catch((e: unknown) => e);
      expect(err).toMatchObject({ code: 'CONN_TIMEOUT' });
    } finally {
      server.faults.resume();
    }
    const w = venue({ ...creds, connect: { tls: server.clientTls(), reconnect: false } });
    await w.connect();
    server.faults.silence();
    try {
      const pending = w.placeOrder({ symbol: 'BTCUSDT', side: 'buy', type: 'market', qty: 0.00001 }).catch((e: unknown) => e);
      await tick();
      server.faults.drop();
      expect(await pending).toMatchObject({ code: 'CONN_CLOSED' });
    } finally {
      server.faults.resume();
    }
  });

  it('orders without credentials fail before anything is sent', async () => {
    const err = await venue().placeOrder({ symbol: 'BTCUSDT', side: 'buy', type: 'market', qty: 1 }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'VENUE_AUTH_FAILED' });
  });
});
