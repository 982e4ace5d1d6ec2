/**
 * The simulator's Hyperliquid module, spoken to directly over wss:// with pinning: the greeting,
 * subscription responses, ping/pong, whole-book pushes, mids, user fills, refusals, the idle
 * rule, post, and the malformed fault.
 */
import { describe, expect, it } from 'vitest';

import { sim, type TickwireWebSocket } from '../../src/index.js';
import { HYPERLIQUID_SIM_DEMO_ADDRESS, hyperliquidSimVenue, type HyperliquidSimOptions } from '../../src/sim/hyperliquid.js';
import { cleanupAfterEach, openRecorder } from './helpers.js';

type Msg = { channel: string; data: any }; // test-only: payloads are checked field by field below

const cleanup = cleanupAfterEach();

async function setup(options: HyperliquidSimOptions = {}) {
  const server = await sim.SimServer.start({ venue: hyperliquidSimVenue({ bookIntervalMs: 0, demoMaker: false, ...options }), seed: 9, tickIntervalMs: 0, pingIntervalMs: 0 });
  return { server, ...(await openRecorder<Msg>(server, '/ws', cleanup)) };
}

const subscribe = (ws: TickwireWebSocket, subscription: Record<string, unknown>, method = 'subscribe'): void => {
  ws.send(JSON.stringify({ method, subscription }));
};

describe('Hyperliquid simulator', () => {
  it('is registered, greets with plain text, answers ping with pong and confirms subscriptions', async () => {
    expect(sim.SIM_VENUES.hyperliquid).toBeTypeOf('function');
    const { ws, raw, msgs, until } = await setup();
    ws.send('{"method":"ping"}');
    subscribe(ws, { type: 'trades', coin: 'BTC' });
    await until(2);
    expect(raw[0]).toBe('Websocket connection established.');
    expect(msgs[0]).toEqual({ channel: 'pong' });
    expect(msgs[1]).toEqual({ channel: 'subscriptionResponse', data: { method: 'subscribe', subscription: { type: 'trades', coin: 'BTC' } } });
  });

  it('pushes the whole top-20 book on subscribe and after changes, and mids that match it', async () => {
    const { server, ws, msgs, until } = await setup();
    subscribe(ws, { type: 'l2Book', coin: 'BTC' });
    subscribe(ws, { type: 'allMids' });
    await until(4);
    server.market.burst(100, 'BTCUSDT');
    await until(6);
    const sym = server.market.get('BTCUSDT') as sim.SimSymbol;
    const books = msgs.filter((m) => m.channel === 'l2Book');
    expect(books).toHaveLength(2);
    const last = books[1]?.data as { coin: string; time: number; levels: Array<Array<{ px: string; sz: string; n: number }>> };
    const snap = sym.snapshot(20);
    expect(last.coin).toBe('BTC');
    expect(last.levels[0]?.map((l) => [Number(l.px), Number(l.sz)])).toEqual(snap.bids.map(([p, q]) => [Number(sym.price(p)), Number(sym.qty(q))]));
    expect(last.levels[1]?.map((l) => [Number(l.px), Number(l.sz)])).toEqual(snap.asks.map(([p, q]) => [Number(sym.price(p)), Number(sym.qty(q))]));
    expect(last.levels[0]?.length).toBe(Math.min(20, sym.bids.size));
    const mids = msgs.filter((m) => m.channel === 'allMids').at(-1)?.data as { mids: Record<string, string> };
    expect(Number(mids.mids.BTC)).toBeCloseTo((Number(last.levels[0]?.[0]?.px) + Number(last.levels[1]?.[0]?.px)) / 2, 6);
    // Prices print without trailing zeros, as Hyperliquid does.
    expect(last.levels.flat().every((l) => !/\.\d*0$/.test(l.px) && !/\.\d*0$/.test(l.sz))).toBe(true);
  });

  it('sends userFills (snapshot first), user events and orderUpdates for an address', async () => {
    const { server, ws, msgs, until } = await setup();
    const user = HYPERLIQUID_SIM_DEMO_ADDRESS;
    server.matching.place({ account: user, symbol: 'BTCUSDT', side: 'buy', type: 'market', timeInForce: 'ioc', price: null, qty: 2, clientOrderId: 'a' });
    subscribe(ws, { type: 'userFills', user });
    subscribe(ws, { type: 'userEvents', user });
    subscribe(ws, { type: 'orderUpdates', user });
    await until(4);
    expect(msgs[1]).toMatchObject({ channel: 'userFills', data: { user, isSnapshot: true } });
    expect(msgs[1]?.data.fills.length).toBeGreaterThan(0);
    const n = msgs.length;
    server.matching.place({ account: user, symbol: 'BTCUSDT', side: 'sell', type: 'market', timeInForce: 'ioc', price: null, qty: 1, clientOrderId: 'b' });
    await until(n + 4); // new, userFills, user, filled
    const fresh = msgs.slice(n);
    expect(fresh.map((m) => m.channel).sort()).toEqual(['orderUpdates', 'orderUpdates', 'user', 'userFills']);
    const fill = fresh.find((m) => m.channel === 'userFills')?.data;
    expect(fill).toMatchObject({ user, isSnapshot: false, fills: [{ coin: 'BTC', side: 'A', crossed: true, feeToken: 'USDC' }] });
    expect(fresh.filter((m) => m.channel === 'orderUpdates').map((m) => m.data[0].status)).toEqual(['open', 'filled']);
  });

  it('refuses bad subscriptions and requests with an error message, and post with an error response', async () => {
    const { ws, msgs, until } = await setup();
    subscribe(ws, { type: 'l2Book', coin: 'DOGE' });
    subscribe(ws, { type: 'userFills', user: '0x12' });
    subscribe(ws, { type: 'nope' });
    subscribe(ws, { type: 'trades', coin: 'BTC' }, 'unsubscribe');
    ws.send('{"method":');
    ws.send('{"method":"post","id":3,"request":{"type":"action","payload":{}}}');
    await until(6);
    expect(msgs.slice(0, 5).map((m) => m.channel)).toEqual(['error', 'error', 'error', 'error', 'error']);
    expect(msgs[0]?.data).toMatch(/DOGE/);
    expect(msgs[3]?.data).toMatch(/Already unsubscribed/);
    expect(msgs[5]).toMatchObject({ channel: 'post', data: { id: 3, response: { type: 'error' } } });
  });

  it('closes a connection it hears nothing from', async () => {
    const { ws } = await setup({ idleTimeoutMs: 50 });
    const [code] = await new Promise<[number, string]>((resolve) => ws.once('close', (c, r) => resolve([c, r])));
    expect(code).toBe(1000);
  });

  it('malformed: unreadable text, or a trade of the wrong shape', async () => {
    const { server, ws, raw, msgs, until } = await setup();
    subscribe(ws, { type: 'trades', coin: 'BTC' });
    await until(1);
    server.faults.malformed('json');
    server.faults.malformed('shape');
    await until(2);
    expect(() => JSON.parse(raw[2] as string) as unknown).toThrow();
    expect(msgs[1]?.data[0].px).toBe('not-a-price');
  });
});
