/**
 * A real, in-process TelemetrySource for the telemetry tests and bench: a small scripted state
 * machine (INITIALIZING → ACTIVE ⇄ HALT) holding prices, a portfolio, orders, fills, signals, logs and
 * component statistics. Scripts drive it with trade()/fill()/signal()/log()/latency(); halt() and
 * resume() change its status as an engine would (and can be made to fail).
 */
import { EventEmitter } from 'node:events';

import type {
  ComponentStats,
  FillEvent,
  FullState,
  LogEntry,
  MarketView,
  OrderEvent,
  PortfolioEvent,
  PositionView,
  SignalEvent,
  TelemetrySample,
  TelemetryStatus,
  TradeEvent,
} from '../../src/telemetry/protocol.js';
import type { TelemetrySource, TelemetrySourceEvents } from '../../src/telemetry/source.js';

export interface Command {
  op: 'halt' | 'resume';
  reason?: string;
  by: string;
}

export class ScriptedSource extends EventEmitter<TelemetrySourceEvents> implements TelemetrySource {
  status: TelemetryStatus = 'INITIALIZING';
  haltReason: string | null = null;
  readonly commands: Command[] = [];
  /** When set, the next halt()/resume() rejects with this message. */
  failNext: string | null = null;
  private readonly markets = new Map<string, MarketView & { venue: string; last: number; lastTs: number }>();
  private readonly positions = new Map<string, PositionView>();
  private readonly orders = new Map<string, OrderEvent>();
  private readonly fills: FillEvent[] = [];
  private readonly signals: SignalEvent[] = [];
  private readonly logs: LogEntry[] = [];
  private readonly components: Record<string, ComponentStats & { samples: number[]; ok: number }> = {};
  private cash: number;
  private readonly startNav: number;
  private peak: number;
  private maxDd = 0;
  private tradeN = 0;
  private orderN = 0;

  constructor(readonly symbols: string[] = ['BTCUSDT', 'ETHUSDT'], startCash = 100_000) {
    super();
    this.cash = startCash;
    this.startNav = startCash;
    this.peak = startCash;
    let p = 50_000;
    for (const s of symbols) {
      this.markets.set(s, { venue: 'binance', symbol: s, price: p, alpha: null, regime: 'gaussian', velocity: 0, acceleration: 0, last: p, lastTs: 0 });
      p /= 10;
    }
  }

  /** INITIALIZING → ACTIVE. */
  start(): void {
    this.status = 'ACTIVE';
    this.log('info', 'engine started');
    this.emit('significant');
  }

  get nav(): number {
    let v = this.cash;
    for (const p of this.positions.values()) v += p.qty * p.lastPrice;
    return v;
  }

  /** A public trade: moves the price, updates the market statistics, emits a market event. */
  trade(symbol: string, price: number, qty = 1, whale = false): TradeEvent {
    const m = this.markets.get(symbol);
    if (m === undefined) throw new Error(`unknown symbol ${symbol}`);
    const ts = Date.now();
    const dt = m.lastTs === 0 ? 1 : Math.max(1e-3, (ts - m.lastTs) / 1000);
    const v = (price - m.price) / dt;
    m.acceleration = (v - m.velocity) / dt;
    m.velocity = v;
    m.price = price;
    m.lastTs = ts;
    this.tradeN++;
    if (this.tradeN >= 20) {
      m.alpha = 1.5 + (this.tradeN % 10) / 10;
      m.regime = m.alpha < 1.7 ? 'levy-stable' : m.alpha < 2 ? 'critical' : 'gaussian';
    }
    const pos = this.positions.get(symbol);
    if (pos !== undefined) {
      pos.lastPrice = price;
      pos.unrealizedPnl = (price - pos.avgPrice) * pos.qty;
    }
    const t: TradeEvent = { kind: 'trade', venue: m.venue, symbol, id: String(this.tradeN), price, qty, side: this.tradeN % 2 === 0 ? 'buy' : 'sell', ts, whale, notional: price * qty };
    this.latency(`feed:binance`, 0.05 + (this.tradeN % 7) * 0.01, true);
    this.emit('event', 'market', t);
    return t;
  }

  /** A signal, an order and its fill: orders/fills/signals/portfolio events and a significant. */
  fill(symbol: string, side: 'buy' | 'sell', qty: number): FillEvent {
    const m = this.markets.get(symbol);
    if (m === undefined) throw new Error(`unknown symbol ${symbol}`);
    const ts = Date.now();
    const sig: SignalEvent = { strategy: 'whale', venue: m.venue, symbol, side, kind: 'follow', confidence: 0.8, reasoning: `whale ${side}`, ts };
    this.signals.push(sig);
    if (this.signals.length > 50) this.signals.shift();
    this.emit('event', 'signals', sig);
    const n = ++this.orderN;
    const order: OrderEvent = { id: `whale-${n}`, venue: m.venue, symbol, clientOrderId: `c${n}`, orderId: `o${n}`, side, type: 'market', status: 'new', price: null, qty, filledQty: 0, ts };
    this.orders.set(order.clientOrderId, order);
    this.emit('event', 'orders', { ...order });
    const f: FillEvent = { venue: m.venue, symbol, clientOrderId: order.clientOrderId, orderId: `o${n}`, tradeId: `f${n}`, side, price: m.price, qty, fee: 0, feeAsset: 'USDT', liquidity: 'taker', ts };
    this.fills.push(f);
    if (this.fills.length > 100) this.fills.shift();
    this.orders.delete(order.clientOrderId);
    this.emit('event', 'orders', { ...order, status: 'filled', filledQty: qty, avgPrice: m.price });
    this.emit('event', 'fills', f);
    const signed = side === 'buy' ? qty : -qty;
    this.cash -= signed * m.price;
    const pos = this.positions.get(symbol) ?? { venue: m.venue, symbol, qty: 0, avgPrice: m.price, lastPrice: m.price, unrealizedPnl: 0 };
    pos.avgPrice = pos.qty + signed === 0 ? m.price : (pos.avgPrice * pos.qty + m.price * signed) / (pos.qty + signed);
    pos.qty += signed;
    this.positions.set(symbol, pos);
    this.latency('orders:binance', 0.4, true);
    const nav = this.nav;
    this.peak = Math.max(this.peak, nav);
    this.maxDd = Math.max(this.maxDd, (this.peak - nav) / this.peak);
    this.emit('event', 'portfolio', this.portfolioEvent());
    this.emit('significant');
    return f;
  }

  /** An open order that stays open. */
  openOrder(symbol: string, side: 'buy' | 'sell', qty: number, price: number): OrderEvent {
    const n = ++this.orderN;
    const o: OrderEvent = { id: `whale-${n}`, venue: 'binance', symbol, clientOrderId: `c${n}`, orderId: `o${n}`, side, type: 'limit', status: 'new', price, qty, filledQty: 0, ts: Date.now() };
    this.orders.set(o.clientOrderId, o);
    this.emit('event', 'orders', { ...o });
    return o;
  }

  log(level: LogEntry['level'], message: string): void {
    const e: LogEntry = { ts: Date.now(), level, message };
    this.logs.push(e);
    if (this.logs.length > 100) this.logs.shift();
    this.emit('event', 'logs', e);
  }

  latency(component: string, ms: number, ok: boolean): void {
    const c = (this.components[component] ??= { latency_ms: { p50: 0, p99: 0 }, invocations: 0, success_rate: 1, samples: [], ok: 0 });
    c.invocations++;
    if (ok) c.ok++;
    c.success_rate = c.ok / c.invocations;
    c.samples.push(ms);
    if (c.samples.length > 1000) c.samples.shift();
    const sorted = [...c.samples].sort((a, b) => a - b);
    c.latency_ms = { p50: sorted[Math.floor(sorted.length * 0.5)] ?? 0, p99: sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * 0.99))] ?? 0 };
    this.emit('event', 'latency', { component, ms, ok, ts: Date.now() });
  }

  private portfolioEvent(): PortfolioEvent {
    return { nav: this.nav, cash: this.cash, daily_pnl: this.nav - this.startNav, max_drawdown: this.maxDd, positions: [...this.positions.values()].map((p) => ({ ...p })), ts: Date.now() };
  }

  private componentsView(): Record<string, ComponentStats> {
    const out: Record<string, ComponentStats> = {};
    for (const [k, c] of Object.entries(this.components)) out[k] = { latency_ms: { ...c.latency_ms }, invocations: c.invocations, success_rate: c.success_rate };
    return out;
  }

  state(): FullState {
    return {
      status: this.status,
      markets: [...this.markets.values()].map(({ venue, symbol, price, alpha, regime, velocity, acceleration }) => ({ venue, symbol, price, alpha, regime, velocity, acceleration })),
      portfolio: { nav: this.nav, cash: this.cash, daily_pnl: this.nav - this.startNav, max_drawdown: this.maxDd },
      positions: [...this.positions.values()].map((p) => ({ ...p })),
      openOrders: [...this.orders.values()].map((o) => ({ ...o })),
      fills: [...this.fills],
      signals: [...this.signals],
      logs: [...this.logs],
      components: this.componentsView(),
      halted: this.status === 'HALT',
      haltReason: this.haltReason,
      governance: { approved_size: 0.05 },
      config: { venues: ['binance'], symbols: [...this.symbols] },
    };
  }

  telemetry(symbol?: string): TelemetrySample {
    const m = this.markets.get(symbol ?? this.symbols[0] ?? '') ?? [...this.markets.values()][0];
    const last = this.signals[this.signals.length - 1];
    return {
      timestamp: Date.now(),
      status: this.status,
      market: { symbol: m?.symbol ?? '', price: m?.price ?? 0, alpha: m?.alpha ?? null, regime: m?.regime ?? 'gaussian', velocity: m?.velocity ?? 0, acceleration: m?.acceleration ?? 0 },
      portfolio: { nav: this.nav, cash: this.cash, daily_pnl: this.nav - this.startNav, max_drawdown: this.maxDd },
      signal: last === undefined ? null : { side: last.side, confidence: last.confidence, reasoning: last.reasoning },
      governance: { approved_size: this.status === 'HALT' ? 0 : 0.05 },
      logs: this.logs.slice(-5),
      components: this.componentsView(),
    };
  }

  async halt(reason: string, by: string): Promise<void> {
    if (this.failNext !== null) {
      const msg = this.failNext;
      this.failNext = null;
      throw new Error(msg);
    }
    this.commands.push({ op: 'halt', reason, by });
    // cancels open orders, as the engine's HALT does
    for (const o of this.orders.values()) this.emit('event', 'orders', { ...o, status: 'canceled', ts: Date.now() });
    this.orders.clear();
    this.status = 'HALT';
    this.haltReason = reason;
    this.log('warn', `HALT: ${reason}`);
    this.emit('significant');
  }

  async resume(by: string): Promise<void> {
    if (this.failNext !== null) {
      const msg = this.failNext;
      this.failNext = null;
      throw new Error(msg);
    }
    this.commands.push({ op: 'resume', by });
    this.status = 'ACTIVE';
    this.haltReason = null;
    this.log('info', 'RESUME');
    this.emit('significant');
  }
}
