/**
 * The simulator's Coinbase Advanced Trade module, spoken to directly over wss:// with pinning:
 * envelopes and sequence numbers, snapshots that match the market, refusals, the 5-s subscribe
 * rule, and the skip / malformed faults.
 */
import { describe, expect, it } from 'vitest';

import { connect, sim, type TickwireWebSocket } from '../../src/index.js';
import { coinbaseSimVenue, type CoinbaseSimOptions } from '../../src/sim/coinbase.js';
import { cleanupAfterEach, openRecorder, tick } from './helpers.js';

type Msg = Record<string, unknown> & { channel?: string; sequence_num?: number; events?: Array<Record<string, unknown>> };

const cleanup = cleanupAfterEach();

async function setup(options: CoinbaseSimOptions = {}) {
  const server = await sim.SimServer.start({ venue: coinbaseSimVenue(options), seed: 5, tickIntervalMs: 0, pingIntervalMs: 0 });
  return { server, ...(await openRecorder<Msg>(server, '/', cleanup)) };
}

const sub = (ws: TickwireWebSocket, channel: string, ids: string[], type = 'subscribe'): void => {
  ws.send(JSON.stringify({ type, product_ids: ids, channel }));
};

describe('Coinbase simulator', () => {
  it('is registered as "coinbase" and serves only "/"', async () => {
    expect(sim.SIM_VENUES.coinbase).toBeTypeOf('function');
    const server = await sim.SimServer.start({ venue: 'coinbase', tickIntervalMs: 0, pingIntervalMs: 0 });
    cleanup.push(() => server.close());
    await expect(connect(`${server.url}/ws`, { tls: server.clientTls(), reconnect: false })).rejects.toMatchObject({ code: expect.any(String) });
  });

  it('numbers every message of a connection from 0 across channels; the l2 snapshot is the market book', async () => {
    const { server, ws, msgs, until } = await setup({ heartbeatIntervalMs: 10 });
    sub(ws, 'heartbeats', []);
    sub(ws, 'level2', ['BTC-USDT']);
    sub(ws, 'market_trades', ['BTC-USDT']);
    sub(ws, 'ticker', ['BTC-USDT']);
    await until(7);
    server.market.burst(50, 'BTCUSDT');
    await until(70);
    while (msgs.filter((m) => m.channel === 'heartbeats').length < 3) await tick();
    expect(msgs.map((m) => m.sequence_num)).toEqual(msgs.map((_, i) => i));
    expect(msgs[0]).toMatchObject({ channel: 'subscriptions', client_id: '' });
    expect(msgs.every((m) => typeof m.timestamp === 'string' && /^\d{4}-\d\d-\d\dT[\d:.]+Z$/.test(m.timestamp as string))).toBe(true);
    const channels = new Set(msgs.map((m) => m.channel));
    for (const c of ['subscriptions', 'l2_data', 'market_trades', 'ticker', 'heartbeats']) expect(channels).toContain(c);
    const acks = msgs.filter((m) => m.channel === 'subscriptions');
    expect(acks.at(-1)?.events?.[0]).toEqual({ subscriptions: { heartbeats: [], level2: ['BTC-USDT'], market_trades: ['BTC-USDT'], ticker: ['BTC-USDT'] } });
    const counters = msgs.filter((m) => m.channel === 'heartbeats').map((m) => m.events?.[0]?.heartbeat_counter);
    expect(counters.slice(0, 3)).toEqual([0, 1, 2]);
  });

  it('sends a level2 snapshot that, with the updates after it, rebuilds the market book exactly', async () => {
    const { server, ws, msgs, until } = await setup();
    sub(ws, 'level2', ['BTC-USDT']);
    await until(2);
    server.market.burst(500, 'BTCUSDT');
    await until(502);
    const book = { bid: new Map<string, string>(), offer: new Map<string, string>() };
    const l2 = msgs.filter((m) => m.channel === 'l2_data');
    expect(l2[0]?.events?.[0]?.type).toBe('snapshot');
    expect(l2.slice(1).every((m) => m.events?.[0]?.type === 'update')).toBe(true);
    for (const m of l2) {
      for (const u of m.events?.[0]?.updates as Array<{ side: 'bid' | 'offer'; price_level: string; new_quantity: string }>) {
        if (Number(u.new_quantity) === 0) book[u.side].delete(u.price_level);
        else book[u.side].set(u.price_level, u.new_quantity);
      }
    }
    const sym = server.market.get('BTCUSDT') as sim.SimSymbol;
    const snap = sym.snapshot();
    expect(new Map(snap.bids.map(([p, q]) => [sym.price(p), sym.qty(q)]))).toEqual(book.bid);
    expect(new Map(snap.asks.map(([p, q]) => [sym.price(p), sym.qty(q)]))).toEqual(book.offer);
  });

  it('answers unknown channels, unknown products and unreadable requests with an error message', async () => {
    const { ws, msgs, raw, until } = await setup();
    sub(ws, 'level2', ['NOPE-USD']);
    sub(ws, 'candles_xyz', ['BTC-USDT']);
    ws.send('{"type":');
    sub(ws, 'level2', []);
    await until(4);
    expect(msgs.map((m) => m.type)).toEqual(['error', 'error', 'error', 'error']);
    expect(msgs[0]?.message).toMatch(/NOPE-USD/);
    expect(msgs.every((m) => m.sequence_num === undefined)).toBe(true);
    expect(raw).toHaveLength(4);
  });

  it('closes a connection that subscribes to nothing in time', async () => {
    const { ws } = await setup({ subscribeTimeoutMs: 50 });
    const [code] = await new Promise<[number, string]>((resolve) => ws.once('close', (c, r) => resolve([c, r])));
    expect(code).toBe(1008);
  });

  it('skipSequence withholds one l2 update and uses up its sequence number', async () => {
    const { server, ws, msgs, until } = await setup();
    sub(ws, 'level2', ['BTC-USDT']);
    await until(2);
    server.faults.skipSequence('BTCUSDT');
    server.market.burst(3, 'BTCUSDT');
    await until(4);
    expect(msgs.map((m) => m.sequence_num)).toEqual([0, 1, 3, 4]);
  });

  it('malformed: unreadable text without a sequence number, or a broken trade with the next one', async () => {
    const { server, ws, msgs, raw, until } = await setup();
    sub(ws, 'market_trades', ['BTC-USDT']);
    await until(2);
    server.faults.malformed('json');
    server.faults.malformed('shape');
    await until(3);
    expect(() => JSON.parse(raw[2] as string) as unknown).toThrow();
    expect(msgs[2]).toMatchObject({ channel: 'market_trades', sequence_num: 2 });
    expect((msgs[2]?.events?.[0]?.trades as Array<Record<string, unknown>>)[0]?.price).toBe('not-a-price');
  });
});
