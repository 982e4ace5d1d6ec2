/**
 * The engine against the simulator, end to end: whale trade → signal → risk → journal → order →
 * ack/fill → portfolio; HALT cancels and blocks; journal replay on restart restores positions
 * and open orders and reconciles them with the venue; secrets never reach logs or state.
 */
import { appendFileSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';

import type { EngineConfigInput } from '../../src/engine/config.js';
import { Engine } from '../../src/engine/engine.js';
import type { Trade } from '../../src/exchanges/common/types.js';
import { TickwireError } from '../../src/native/errors.js';
import { Journal } from '../../src/orders/journal/journal.js';
import { replayBuffer, replayJournal } from '../../src/orders/journal/replay.js';
import { SimServer } from '../../src/sim/server.js';
import type { OrderIntent, Strategy, StrategyContext, StrategyOutput } from '../../src/strategies/types.js';
import type { LogEntry } from '../../src/telemetry/protocol.js';

const open: Array<{ stop(): Promise<void> } | { close(): Promise<void> }> = [];
afterEach(async () => {
  for (const x of open.splice(0).reverse()) await ('stop' in x ? x.stop() : x.close()).catch(() => undefined);
});

function tmp(): string {
  return mkdtempSync(join(tmpdir(), 'tickwire-engine-'));
}

const RISK = { maxPosition: 5, maxNotional: 200_000, approvedSize: 0.2, dailyLossLimit: 50_000, maxOrdersPerSecond: 20 };

/** Places the intents its script hands out, one per trade (after `after` trades). */
class Scripted implements Strategy {
  readonly name = 'scripted';
  readonly script: Array<(t: Trade, ctx: StrategyContext) => Omit<OrderIntent, 'id' | 'strategy' | 'ts'>> = [];
  #n = 0;
  seen = 0;
  constructor(readonly after = 5) {}
  onTrade(t: Trade, ctx: StrategyContext): StrategyOutput | void {
    if (++this.seen < this.after || t.symbol !== 'BTCUSDT' || ctx.book(t.venue, t.symbol) === undefined) return;
    const make = this.script.shift();
    if (!make) return;
    return { intents: [{ ...make(t, ctx), id: `scripted-${++this.#n}-${Date.now()}`, strategy: this.name, ts: ctx.now() }] };
  }
}

function next<T extends unknown[]>(engine: Engine, event: 'fill' | 'ack' | 'blocked' | 'signal' | 'intent', pred: (...args: T) => boolean = () => true): Promise<T> {
  return new Promise((resolve) => {
    const on = (...args: unknown[]): void => {
      if (!pred(...(args as T))) return;
      engine.off(event, on as never);
      resolve(args as T);
    };
    engine.on(event, on as never);
  });
}

function until(cond: () => boolean): Promise<void> {
  return new Promise((resolve) => {
    const t = setInterval(() => {
      if (cond()) {
        clearInterval(t);
        resolve();
      }
    }, 20);
  });
}

/** A simulator the test owns (survives engine restarts), and a config pointing at it with env secrets. */
async function externalSim(credentials = { apiKey: 'simkey', secret: 'simsecret' }): Promise<{ sim: SimServer; config: (journal: string) => EngineConfigInput; env: NodeJS.ProcessEnv }> {
  const sim = await SimServer.start({ venue: 'binance', seed: 11, tickIntervalMs: 10, credentials: [credentials] });
  open.push(sim);
  const env = { TW_TEST_KEY: credentials.apiKey, TW_TEST_SECRET: credentials.secret };
  const config = (journal: string): EngineConfigInput => ({
    venues: {
      binance: {
        symbols: ['BTCUSDT'],
        urls: { streamUrl: sim.url, wsApiUrl: `${sim.url}/ws-api/v3` },
        tls: { pins: [sim.pin], pinOnly: true },
        credentials: { apiKey: '${ENV:TW_TEST_KEY}', secret: { env: 'TW_TEST_SECRET' } },
        precision: { BTCUSDT: { priceDecimals: 2, qtyDecimals: 5 } },
      },
    },
    risk: RISK,
    journal: { path: journal, fsync: 'batch' },
    telemetry: { enabled: false },
    logLevel: 'silent',
  });
  return { sim, config, env };
}

describe('engine against the simulator', () => {
  it('whale trade → signal → risk → journaled intent → order → journaled ack/fill → portfolio', async () => {
    const dir = tmp();
    const journal = join(dir, 'journal.log');
    const engine = await Engine.start({
      venues: { binance: { symbols: ['BTCUSDT', 'ETHUSDT'] } },
      strategies: [{ type: 'whale', mode: 'follow', k: 5, windowMs: 60_000, minTrades: 5, orderNotional: 1_000 }],
      risk: RISK,
      journal: { path: journal },
      telemetry: { enabled: false },
      sim: { seed: 3, tickIntervalMs: 10, whaleProbability: 0.2 },
      logLevel: 'silent',
    });
    open.push(engine);
    // Every order must already be in the journal when it reaches the venue.
    const venue = engine.venue('binance')!;
    const place = venue.placeOrder.bind(venue);
    const journaledBeforeSend: boolean[] = [];
    venue.placeOrder = (o) => {
      const records = replayBuffer(readFileSync(journal)).records;
      journaledBeforeSend.push(records.some((r) => r.t === 'intent' && r.intent.symbol === o.symbol && Math.abs(r.intent.qty - o.qty) < 1e-12));
      return place(o);
    };

    const [signal] = await next<[{ strategy: string; trade?: Trade; confidence: number }]>(engine, 'signal');
    expect(signal.strategy).toBe('whale');
    expect(signal.trade).toBeDefined();
    expect(signal.confidence).toBeGreaterThan(0);
    const [ack, intentId] = await next<[{ status: string; clientOrderId: string }, string]>(engine, 'ack');
    expect(intentId).toMatch(/^whale-\d+$/);
    await until(() => engine.stats().fills > 0 && engine.openOrders().length === 0);
    expect(journaledBeforeSend.length).toBeGreaterThan(0);
    expect(journaledBeforeSend.every(Boolean)).toBe(true);

    const r = await replayJournal(journal);
    const kinds = r.records.map((x) => `${x.t}:${'id' in x ? x.id : x.t === 'fill' ? x.fill.clientOrderId : ''}`);
    const iIntent = kinds.indexOf(`intent:${intentId}`);
    const iAck = kinds.indexOf(`ack:${intentId}`);
    expect(iIntent).toBeGreaterThanOrEqual(0);
    expect(iAck).toBeGreaterThan(iIntent);
    expect(r.fills.some((f) => f.clientOrderId === ack.clientOrderId)).toBe(true);

    // The portfolio holds exactly what the journaled fills say.
    const state = engine.state();
    for (const [key, qty] of r.positions) {
      const [v, s] = key.split(':') as ['binance', string];
      expect(engine.portfolio.position(v, s)).toBeCloseTo(qty, 9);
    }
    expect(state.fills.length).toBeGreaterThan(0);
    expect(state.signals.length).toBeGreaterThan(0);
    expect(state.portfolio.nav).toBeGreaterThan(0);
    expect(Object.keys(state.components)).toEqual(expect.arrayContaining(['feed:binance', 'strategy:whale', 'risk', 'journal', 'order']));
    expect(state.components.order?.invocations).toBeGreaterThan(0);
    expect(state.components.order?.latency_ms.p99).toBeGreaterThan(0);
    const sample = engine.telemetry();
    expect(sample.status).toBe('ACTIVE');
    expect(sample.market.symbol).toBe('BTCUSDT');
    expect(sample.market.price).toBeGreaterThan(0);
    expect(sample.signal).not.toBeNull();
  });

  it("sim tlsMode 'ca+pin': the simulator's certificate validated as a CA and pinned", async () => {
    const engine = await Engine.start({
      venues: { binance: { symbols: ['BTCUSDT'] } },
      risk: RISK,
      journal: { path: join(tmp(), 'j.log') },
      telemetry: { enabled: false },
      sim: { seed: 4, tickIntervalMs: 10, tlsMode: 'ca+pin' },
      logLevel: 'silent',
    });
    open.push(engine);
    await until(() => engine.stats().trades > 0);
    expect(engine.telemetry().market.price).toBeGreaterThan(0);
  });

  it('a strategy callback runs as its method; an exception is logged and counted as a failure of strategy:<name>, and the engine goes on', async () => {
    class Thrower implements Strategy {
      readonly name = 'thrower';
      calls = 0;
      onTrade(): void {
        if (++this.calls % 2 === 0) throw new Error('boom from thrower');
      }
    }
    const thrower = new Thrower();
    const logs: LogEntry[] = [];
    const engine = await Engine.start(
      {
        venues: { binance: { symbols: ['BTCUSDT'] } },
        risk: RISK,
        journal: { path: join(tmp(), 'j.log') },
        telemetry: { enabled: false },
        sim: { seed: 4, tickIntervalMs: 10 },
        logLevel: 'silent',
      },
      { strategies: [thrower], log: (l) => logs.push(l) },
    );
    open.push(engine);
    await until(() => thrower.calls >= 6);
    const c = engine.state().components['strategy:thrower'];
    expect(c?.invocations).toBeGreaterThanOrEqual(6);
    expect(c?.success_rate).toBeGreaterThan(0);
    expect(c?.success_rate).toBeLessThan(1);
    expect(logs.some((l) => l.level === 'error' && l.message.includes('strategy thrower threw: boom from thrower'))).toBe(true);
    const trades = engine.stats().trades;
    await until(() => engine.stats().trades > trades);
  });

  for (const [venue, symbol] of [
    ['bybit', 'BTCUSDT'],
    ['kraken', 'BTC/USDT'],
  ] as const) {
    it(`${venue} through its simulator: market data, an order, its fill in the portfolio`, async () => {
      const s: Strategy & { sent: boolean } = {
        name: 'once',
        sent: false,
        onTrade(t, ctx) {
          if (this.sent || ctx.book(t.venue, t.symbol) === undefined) return;
          this.sent = true;
          return { intents: [{ id: `once-${venue}`, strategy: 'once', venue: t.venue, symbol: t.symbol, side: 'buy', type: 'market', qty: 0.01, ts: ctx.now() }] };
        },
      };
      const engine = await Engine.start(
        {
          venues: { [venue]: { symbols: [symbol] } },
          risk: RISK,
          journal: { path: join(tmp(), 'j.log') },
          telemetry: { enabled: false },
          sim: { seed: 6, tickIntervalMs: 10 },
          logLevel: 'silent',
        },
        { strategies: [s] },
      );
      open.push(engine);
      await next(engine, 'ack');
      await until(() => engine.stats().fills > 0);
      expect(engine.portfolio.position(venue, symbol)).toBeCloseTo(0.01, 9);
      expect(engine.openOrders()).toHaveLength(0);
    });
  }

  it('the risk governor sits between strategy and venue: an oversized intent is reduced, a position limit blocks', async () => {
    const { config, env } = await externalSim();
    const s = new Scripted();
    const engine = await Engine.start({ ...config(join(tmp(), 'j.log')), risk: { ...RISK, maxPosition: 0.05, approvedSize: 0.01 } }, { env, strategies: [s] });
    open.push(engine);
    // 0.2 BTC ≈ 6 000 > 1 % of NAV (1 000): reduced to ~0.03 BTC, floored to the 5-decimal step.
    s.script.push(() => ({ venue: 'binance', symbol: 'BTCUSDT', side: 'buy', type: 'market', qty: 0.2 }));
    const [intent] = await next<[OrderIntent]>(engine, 'intent');
    expect(intent.qty).toBeLessThan(0.2);
    expect(intent.qty * 1e5).toBeCloseTo(Math.round(intent.qty * 1e5), 6);
    await until(() => engine.stats().fills > 0);
    // Two more: the second would pass 0.05 BTC.
    s.script.push(() => ({ venue: 'binance', symbol: 'BTCUSDT', side: 'buy', type: 'market', qty: 0.03 }));
    s.script.push(() => ({ venue: 'binance', symbol: 'BTCUSDT', side: 'buy', type: 'market', qty: 0.03 }));
    const [, code] = await next<[OrderIntent, string, string]>(engine, 'blocked');
    expect(code).toBe('MAX_POSITION');
    expect(Math.abs(engine.portfolio.position('binance', 'BTCUSDT'))).toBeLessThanOrEqual(0.05 + 1e-9);
  });

  it('open orders count against the position limit until they are filled or cancelled', async () => {
    const { sim, config, env } = await externalSim();
    const s = new Scripted();
    const engine = await Engine.start({ ...config(join(tmp(), 'j.log')), risk: { ...RISK, maxPosition: 0.05 } }, { env, strategies: [s] });
    open.push(engine);
    // A resting bid far below the market: open, never filled.
    const bid = (t: { price: number }): Omit<OrderIntent, 'id' | 'strategy' | 'ts'> => ({ venue: 'binance', symbol: 'BTCUSDT', side: 'buy', type: 'limit', price: Math.round(t.price * 0.9), qty: 0.03 });
    s.script.push(bid);
    await next(engine, 'ack');
    await until(() => sim.matching.openOrders('simkey').length === 1);
    expect(engine.portfolio.position('binance', 'BTCUSDT')).toBe(0);
    // Position 0, but 0.03 open + 0.03 > 0.05.
    s.script.push(bid);
    const [, code, message] = await next<[OrderIntent, string, string]>(engine, 'blocked');
    expect(code).toBe('MAX_POSITION');
    expect(message).toMatch(/0\.03 open on that side/);
    expect(engine.stats().sent).toBe(1);
    // Once the open order is cancelled (HALT cancels at the venue), the same bid fits again.
    await engine.halt('test', 'tester');
    expect(engine.openOrders()).toHaveLength(0);
    await engine.resume('tester');
    s.script.push(bid);
    await next(engine, 'ack');
    expect(engine.stats().sent).toBe(2);
  });

  it('HALT cancels open orders at the venue and blocks new intents; RESUME lets them through', async () => {
    const { sim, config, env } = await externalSim();
    const s = new Scripted();
    const dir = tmp();
    const engine = await Engine.start(config(join(dir, 'j.log')), { env, strategies: [s] });
    open.push(engine);
    s.script.push((t) => ({ venue: 'binance', symbol: 'BTCUSDT', side: 'buy', type: 'limit', price: Math.round(t.price * 0.9), qty: 0.01 }));
    await next(engine, 'ack');
    await until(() => sim.matching.openOrders('simkey').length === 1);
    expect(engine.openOrders()).toHaveLength(1);

    await engine.halt('test halt', 'tester');
    expect(sim.matching.openOrders('simkey')).toHaveLength(0);
    expect(engine.openOrders()).toHaveLength(0);
    expect(engine.state().halted).toBe(true);
    expect(engine.telemetry().status).toBe('HALT');

    s.script.push(() => ({ venue: 'binance', symbol: 'BTCUSDT', side: 'buy', type: 'market', qty: 0.01 }));
    const [, code] = await next<[OrderIntent, string, string]>(engine, 'blocked');
    expect(code).toBe('HALTED');
    expect(engine.stats().sent).toBe(1);

    await engine.resume('tester');
    s.script.push(() => ({ venue: 'binance', symbol: 'BTCUSDT', side: 'buy', type: 'market', qty: 0.01 }));
    await next(engine, 'ack');
    expect(engine.stats().sent).toBe(2);

    const r = await replayJournal(join(dir, 'j.log'));
    const ts = r.records.map((x) => x.t);
    expect(ts).toContain('halt');
    expect(ts).toContain('resume');
    expect(r.records.some((x) => x.t === 'ack' && x.ack.status === 'canceled')).toBe(true);
    expect(r.halted).toBe(false);
  });

  it('the telemetry source HALT (operator command) goes through the same path', async () => {
    const { sim, config, env } = await externalSim();
    const s = new Scripted();
    const engine = await Engine.start(config(join(tmp(), 'j.log')), { env, strategies: [s] });
    open.push(engine);
    s.script.push((t) => ({ venue: 'binance', symbol: 'BTCUSDT', side: 'sell', type: 'limit', price: Math.round(t.price * 1.1), qty: 0.01 }));
    await next(engine, 'ack');
    const halted = new Promise<string>((resolve) => engine.on('halt', resolve));
    await engine.telemetrySource.halt('from the dashboard', 'operator@127.0.0.1');
    expect(await halted).toBe('from the dashboard');
    expect(sim.matching.openOrders('simkey')).toHaveLength(0);
    expect(engine.telemetrySource.state().halted).toBe(true);
    expect(engine.state().logs.some((l) => l.message.includes('operator@127.0.0.1'))).toBe(true);
  });

  it('dashboard path: WELCOME carries the engine state, a HALT command over /ws/stream halts the engine and cancels, RESUME lifts it', async () => {
    const { sim, config, env } = await externalSim();
    const s = new Scripted();
    const engine = await Engine.start({ ...config(join(tmp(), 'j.log')), telemetry: { port: 0, rateHz: 20 } }, { env, strategies: [s] });
    open.push(engine);
    s.script.push((t) => ({ venue: 'binance', symbol: 'BTCUSDT', side: 'buy', type: 'limit', price: Math.round(t.price * 0.9), qty: 0.01 }));
    await next(engine, 'ack');
    const ws = new WebSocket(`${engine.telemetryServer!.url.replace(/^http/, 'ws')}/ws/stream`);
    open.push({ close: async () => ws.close() });
    const packets: Array<Record<string, unknown>> = [];
    const waitFor = (pred: (p: Record<string, unknown>) => boolean): Promise<Record<string, unknown>> =>
      new Promise((resolve) => {
        const check = (): void => {
          const p = packets.find(pred);
          if (p) resolve(p);
          else ws.once('message', () => setImmediate(check));
        };
        check();
      });
    ws.on('message', (m) => packets.push(JSON.parse(String(m)) as Record<string, unknown>));
    const welcome = (await waitFor((p) => p.type === 'WELCOME')) as { state: { openOrders: unknown[]; config: { venues: string[] }; status: string } };
    expect(welcome.state.config.venues).toEqual(['binance']);
    expect(welcome.state.openOrders).toHaveLength(1);
    expect(welcome.state.status).toBe('ACTIVE');
    const tele = (await waitFor((p) => p.type === 'TELEMETRY')) as { market: { symbol: string }; components: Record<string, unknown> };
    expect(tele.market.symbol).toBe('BTCUSDT');
    expect(tele.components).toHaveProperty('order');

    await new Promise((r) => (ws.readyState === WebSocket.OPEN ? r(null) : ws.once('open', r)));
    ws.send(JSON.stringify({ type: 'HALT', id: 'h-1', reason: 'dashboard button' }));
    expect(await waitFor((p) => p.id === 'h-1')).toMatchObject({ type: 'ACK' });
    expect(engine.risk.halted).toBe(true);
    expect(sim.matching.openOrders('simkey')).toHaveLength(0);
    await waitFor((p) => p.type === 'TELEMETRY' && p.status === 'HALT');
    ws.send(JSON.stringify({ type: 'RESUME', id: 'r-1' }));
    expect(await waitFor((p) => p.id === 'r-1')).toMatchObject({ type: 'ACK' });
    expect(engine.risk.halted).toBe(false);
  });

  it('restart: replays the journal (positions, open orders, HALT), cancels restored orders at the venue, flags unknown outcomes, survives a torn tail', async () => {
    const { sim, config, env } = await externalSim();
    const dir = tmp();
    const journal = join(dir, 'j.log');

    // Run 1: one filled market buy, one resting limit buy, then halt-free stop (orders stay at the venue).
    const s1 = new Scripted();
    const e1 = await Engine.start(config(journal), { env, strategies: [s1] });
    open.push(e1);
    s1.script.push(() => ({ venue: 'binance', symbol: 'BTCUSDT', side: 'buy', type: 'market', qty: 0.02 }));
    s1.script.push((t) => ({ venue: 'binance', symbol: 'BTCUSDT', side: 'buy', type: 'limit', price: Math.round(t.price * 0.9), qty: 0.01 }));
    await until(() => e1.stats().acked === 2 && e1.stats().fills > 0 && e1.openOrders().length === 1);
    const position = e1.portfolio.position('binance', 'BTCUSDT');
    expect(position).toBeCloseTo(0.02, 9);
    const resting = e1.openOrders()[0]!;
    await e1.stop();
    expect(sim.matching.openOrders('simkey')).toHaveLength(1);

    // A crash between "intent journaled" and "sent": an intent without an ack; then a torn record.
    const j = await Journal.open({ path: journal, fsync: 'always' });
    await j.append({ t: 'intent', id: 'crashed-1', intent: { id: 'crashed-1', strategy: 'scripted', venue: 'binance', symbol: 'BTCUSDT', side: 'buy', type: 'market', qty: 0.01, ts: Date.now() } });
    await j.close();
    appendFileSync(journal, Buffer.from([0x54, 0x57, 0x00, 0x10, 0x01]));

    // Run 2: same journal, same venue.
    const logs: LogEntry[] = [];
    const e2 = await Engine.start(config(journal), { env, log: (l) => logs.push(l) });
    open.push(e2);
    const rec = e2.reconciliation;
    expect(rec.tornTail).toBe(true);
    expect(rec.restoredOrders).toBe(2);
    expect(rec.canceled).toEqual([resting.id]);
    expect(rec.unknown).toEqual(['crashed-1']);
    expect(rec.positions['binance:BTCUSDT']).toBeCloseTo(0.02, 9);
    expect(e2.portfolio.position('binance', 'BTCUSDT')).toBeCloseTo(position, 9);
    expect(sim.matching.openOrders('simkey')).toHaveLength(0);
    expect(e2.openOrders()).toHaveLength(0);
    expect(logs.some((l) => l.level === 'warn' && l.message.includes('torn'))).toBe(true);
    expect(logs.some((l) => l.level === 'warn' && l.message.includes('crashed-1') && l.message.includes('may or may not'))).toBe(true);
    await e2.halt('before restart', 'test');
    await e2.stop();

    // Run 3: nothing left open, the unknown intent is not reported again, HALT is restored.
    const e3 = await Engine.start(config(journal), { env });
    open.push(e3);
    expect(e3.reconciliation.restoredOrders).toBe(0);
    expect(e3.reconciliation.unknown).toEqual([]);
    expect(e3.reconciliation.halted).toBe(true);
    expect(e3.risk.halted).toBe(true);
    expect(e3.risk.haltReason).toBe('before restart (before the restart)');
    expect(e3.portfolio.position('binance', 'BTCUSDT')).toBeCloseTo(position, 9);
  });

  it('a restored order the venue no longer has is reported as not found', async () => {
    const { sim, config, env } = await externalSim();
    const dir = tmp();
    const journal = join(dir, 'j.log');
    const s1 = new Scripted();
    const e1 = await Engine.start(config(journal), { env, strategies: [s1] });
    open.push(e1);
    s1.script.push((t) => ({ venue: 'binance', symbol: 'BTCUSDT', side: 'buy', type: 'limit', price: Math.round(t.price * 0.9), qty: 0.01 }));
    await until(() => e1.openOrders().length === 1 && e1.openOrders()[0]!.clientOrderId !== '');
    const o = e1.openOrders()[0]!;
    await e1.stop();
    // Canceled while the engine was down.
    sim.matching.cancel('simkey', 'BTCUSDT', { clientOrderId: o.clientOrderId });
    const e2 = await Engine.start(config(journal), { env });
    open.push(e2);
    expect(e2.reconciliation.notFound).toEqual([o.id]);
    expect(e2.openOrders()).toHaveLength(0);
  });

  it('a venue that cannot be trusted or refuses the credentials fails the start, and everything opened is closed', async () => {
    const { config, env } = await externalSim();
    const journal = join(tmp(), 'j.log');
    const wrongPin = { ...config(journal) } as { venues: { binance: Record<string, unknown> } };
    wrongPin.venues.binance.tls = { pins: ['sha256/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA='], pinOnly: true };
    const e1 = await Engine.start(wrongPin as EngineConfigInput, { env }).catch((e: unknown) => e as TickwireError);
    expect(e1).toBeInstanceOf(TickwireError);
    expect((e1 as TickwireError).code).toBe('TLS_PIN_MISMATCH');

    const e2 = await Engine.start(config(journal), { env: { ...env, TW_TEST_SECRET: 'wrong-secret' } }).catch((e: unknown) => e as TickwireError);
    expect((e2 as TickwireError).code).toBe('VENUE_AUTH_FAILED');
    expect((e2 as Error).message).not.toContain('wrong-secret');

    // The journal was closed both times: a third engine opens it.
    const ok = await Engine.start(config(journal), { env });
    open.push(ok);
    expect(ok.telemetry().status).toBe('ACTIVE');
  });

  it('a bad config rejects with CONFIG_INVALID before anything starts', async () => {
    const err = await Engine.start({ venues: { binance: { symbols: ['BTCUSDT'] } }, risk: { ...RISK, approvedSize: 0.9 }, journal: { path: join(tmp(), 'j') } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TickwireError);
    expect((err as TickwireError).code).toBe('CONFIG_INVALID');
    expect((err as Error).message).toMatch(/risk\.approvedSize: expected a value <= 0\.2, got 0\.9/);
  });
});

describe('secrets stay out of logs, errors, telemetry and /api/state', () => {
  it('with env credentials, an auth failure and the telemetry server running', async () => {
    const KEY = 'key-5b0e8a3c41f2d7aa';
    const SECRET = 'secret-9f1c2e7b44d0a6e3c5b8';
    const { config } = await externalSim({ apiKey: KEY, secret: SECRET });
    const logs: string[] = [];
    const errors: string[] = [];
    const s = new Scripted();
    const engine = await Engine.start(
      { ...config(join(tmp(), 'j.log')), telemetry: { port: 0, tokens: { operator: ['${ENV:TW_OP_TOKEN}'] } }, logLevel: 'info' },
      { env: { TW_TEST_KEY: KEY, TW_TEST_SECRET: SECRET, TW_OP_TOKEN: 'op-token-c3d9e1f0a2b4' }, strategies: [s], log: (l) => logs.push(l.message) },
    );
    open.push(engine);
    engine.on('error', (e) => errors.push(`${e.code} ${e.message}`));
    s.script.push(() => ({ venue: 'binance', symbol: 'BTCUSDT', side: 'buy', type: 'market', qty: 0.01 }));
    await until(() => engine.stats().fills > 0);
    const url = engine.telemetryServer!.url;
    const res = await fetch(`${url}/api/state`, { headers: { authorization: 'Bearer op-token-c3d9e1f0a2b4' } });
    expect(res.status).toBe(200);
    const apiState = await res.text();
    expect(JSON.parse(apiState).fills.length).toBeGreaterThan(0);

    const texts = [apiState, JSON.stringify(engine.state()), JSON.stringify(engine.telemetry()), logs.join('\n'), errors.join('\n'), JSON.stringify(engine.config)];
    for (const t of texts) {
      expect(t).not.toContain(KEY);
      expect(t).not.toContain(SECRET);
      expect(t).not.toContain('op-token-c3d9e1f0a2b4');
    }
    expect(logs.join('\n')).toContain('starting:'); // the config is logged, redacted
  });

  it('a config error about a secret names the variable, not the value', async () => {
    const err = await Engine.start(
      {
        venues: { binance: { symbols: ['BTCUSDT'], credentials: { apiKey: '${ENV:TW_K}', secret: '${ENV:TW_S}' } } },
        risk: RISK,
        journal: { path: join(tmp(), 'j') },
      },
      { env: { TW_K: 'visible-key-value-1234' } },
    ).catch((e: unknown) => e as Error);
    expect((err as TickwireError).code).toBe('CONFIG_INVALID');
    expect((err as Error).message).toContain('TW_S');
    expect((err as Error).message).not.toContain('visible-key-value-1234');
  });
});
