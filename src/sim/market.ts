/**
 * The simulator's market, venue-neutral: per symbol, an order book in integer ticks (price) and
 * lots (quantity) driven by a seeded random walk, with random trades at the touch and occasional
 * whale prints. Every change of the book consumes update ids, so venue modules can publish
 * correct sequence numbers (Binance `U`/`u`, Bybit `u`, Coinbase `sequence_num` …).
 *
 * Invariant: every bid < mid < every ask (the book never crosses).
 *
 * One `step()` makes one update: possibly a one-tick move of the mid, one to three level changes,
 * possibly a trade (rarely a whale). `take()` lets the matching engine consume liquidity for a
 * client's aggressive order; its fills appear as public trades too.
 */
import { EventEmitter } from 'node:events';

import type { Side } from '../exchanges/common/types.js';
import { formatScaled } from '../exchanges/common/decimal.js';
import { Prng } from './random.js';

export interface SymbolSpec {
  base: string;
  quote: string;
  /** Price tick = 10^-priceDecimals. */
  priceDecimals: number;
  /** Quantity lot = 10^-qtyDecimals. */
  qtyDecimals: number;
  /** Starting mid price, in price units. */
  startPrice: number;
  /** Levels per side the walk keeps near the touch. Default 20. */
  depth?: number;
  /** Largest resting quantity the walk puts on a level, in quantity units. Default 2. */
  maxLevelQty?: number;
}

/** Symbols a simulator serves unless configured otherwise. */
export const DEFAULT_SYMBOLS: readonly SymbolSpec[] = [
  { base: 'BTC', quote: 'USDT', priceDecimals: 2, qtyDecimals: 5, startPrice: 30_000, maxLevelQty: 2 },
  { base: 'ETH', quote: 'USDT', priceDecimals: 2, qtyDecimals: 4, startPrice: 2_000, maxLevelQty: 20 },
];

/** A level change or book level: `[priceTicks, qtyLots]`; qty 0 = removed. */
export type SimLevel = [price: number, qty: number];

export interface SimTrade {
  /** Per-symbol trade id, from 1. */
  id: number;
  price: number;
  qty: number;
  /** The taker's side. */
  takerSide: Side;
  time: number;
  /** A large print (≥ 20× the usual level size). */
  whale: boolean;
  /** The account whose order took liquidity, or null for the simulated crowd. */
  taker: string | null;
}

/** One change of one symbol's book (and the trades that caused part of it). */
export interface SimUpdate {
  /** The symbol's key (`base + quote`, e.g. `BTCUSDT`). */
  symbol: string;
  /** First and last update id this update consumed (`lastId` is the book's id after it). */
  firstId: number;
  lastId: number;
  time: number;
  /** Changed levels in order of change, final quantity per price. */
  bids: SimLevel[];
  asks: SimLevel[];
  trades: SimTrade[];
}

export interface SimBookSnapshot {
  lastUpdateId: number;
  /** Best first. */
  bids: SimLevel[];
  asks: SimLevel[];
}

export interface MarketEvents {
  update: [update: SimUpdate];
}

/** One symbol's state. */
export class SimSymbol {
  readonly key: string;
  readonly spec: Required<SymbolSpec>;
  readonly bids = new Map<number, number>();
  readonly asks = new Map<number, number>();
  readonly rng: Prng;
  /** The mid in ticks: bids are below it, asks above. */
  mid: number;
  updateId = 0;
  tradeId = 0;
  readonly levelLots: number;

  constructor(spec: SymbolSpec, seed: number) {
    this.spec = { depth: 20, maxLevelQty: 2, ...spec };
    this.key = `${spec.base}${spec.quote}`;
    this.rng = new Prng(seed);
    this.mid = Math.round(spec.startPrice * 10 ** spec.priceDecimals);
    this.levelLots = Math.max(1, Math.round(this.spec.maxLevelQty * 10 ** spec.qtyDecimals));
    for (let d = 1; d <= this.spec.depth; d++) {
      this.bids.set(this.mid - d, 1 + this.rng.int(this.levelLots));
      this.asks.set(this.mid + d, 1 + this.rng.int(this.levelLots));
    }
    this.updateId = 1000;
  }

  side(side: 'bid' | 'ask'): Map<number, number> {
    return side === 'bid' ? this.bids : this.asks;
  }

  bestBid(): number | undefined {
    let best: number | undefined;
    for (const p of this.bids.keys()) if (best === undefined || p > best) best = p;
    return best;
  }

  bestAsk(): number | undefined {
    let best: number | undefined;
    for (const p of this.asks.keys()) if (best === undefined || p < best) best = p;
    return best;
  }

  /** Levels best first, at most `limit` per side. */
  snapshot(limit = Infinity): SimBookSnapshot {
    const bids = [...this.bids.entries()].sort((a, b) => b[0] - a[0]).slice(0, limit);
    const asks = [...this.asks.entries()].sort((a, b) => a[0] - b[0]).slice(0, limit);
    return { lastUpdateId: this.updateId, bids, asks };
  }

  /** Ticks → decimal text with `decimals` digits (≥ the symbol's priceDecimals). */
  price(ticks: number, decimals = this.spec.priceDecimals): string {
    return formatScaled(ticks * 10 ** (decimals - this.spec.priceDecimals), decimals);
  }

  /** Lots → decimal text with `decimals` digits (≥ the symbol's qtyDecimals). */
  qty(lots: number, decimals = this.spec.qtyDecimals): string {
    return formatScaled(lots * 10 ** (decimals - this.spec.qtyDecimals), decimals);
  }
}

/** Collects one update's changes; a price changed twice keeps its last quantity. */
class Changes {
  readonly bids = new Map<number, number>();
  readonly asks = new Map<number, number>();
  readonly trades: SimTrade[] = [];

  constructor(readonly sym: SimSymbol) {}

  set(side: 'bid' | 'ask', price: number, qty: number): void {
    const book = this.sym.side(side);
    if (qty > 0) book.set(price, qty);
    else book.delete(price);
    (side === 'bid' ? this.bids : this.asks).set(price, qty);
  }

  get count(): number {
    return this.bids.size + this.asks.size;
  }
}

export class Market extends EventEmitter<MarketEvents> {
  readonly symbols = new Map<string, SimSymbol>();
  #timer: NodeJS.Timeout | null = null;
  /** Probability that a step prints a trade, and that a trade is a whale. */
  tradeProbability = 0.3;
  whaleProbability = 0.02;

  constructor(seed: number, specs: readonly SymbolSpec[] = DEFAULT_SYMBOLS) {
    super();
    specs.forEach((spec, i) => {
      const sym = new SimSymbol(spec, (seed + Math.imul(i + 1, 0x9e3779b1)) >>> 0);
      this.symbols.set(sym.key, sym);
    });
  }

  /** The symbol with this key (`BTCUSDT`); undefined if not served. */
  get(key: string): SimSymbol | undefined {
    return this.symbols.get(key);
  }

  #sym(key: string): SimSymbol {
    const sym = this.symbols.get(key);
    if (!sym) throw new Error(`sim market: no symbol '${key}'`);
    return sym;
  }

  /** Steps every symbol every `intervalMs` until {@link stop}. */
  start(intervalMs: number): void {
    this.stop();
    this.#timer = setInterval(() => {
      for (const key of this.symbols.keys()) this.step(key);
    }, intervalMs);
    this.#timer.unref();
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
  }

  /** `n` steps of one symbol (or of each symbol), emitted synchronously: as fast as the server can send. */
  burst(n: number, key?: string): void {
    const keys = key === undefined ? [...this.symbols.keys()] : [key];
    for (let i = 0; i < n; i++) for (const k of keys) this.step(k);
  }

  /** One random update of `key`'s book; returns it (it was emitted already). */
  step(key: string): SimUpdate {
    const sym = this.#sym(key);
    const { rng } = sym;
    const ch = new Changes(sym);
    const depth = sym.spec.depth;

    // 1. The walk: the mid moves a tick; the level it lands on leaves the invaded side.
    if (rng.chance(0.15)) {
      if (rng.chance(0.5)) {
        sym.mid += 1;
        if (sym.asks.has(sym.mid)) ch.set('ask', sym.mid, 0);
      } else {
        sym.mid -= 1;
        if (sym.bids.has(sym.mid)) ch.set('bid', sym.mid, 0);
      }
    }
    // 2. One to three level changes, mostly near the touch.
    const n = 1 + rng.int(3);
    for (let i = 0; i < n; i++) {
      const side = rng.chance(0.5) ? 'bid' : 'ask';
      const d = 1 + Math.floor(rng.next() ** 2 * depth);
      const price = side === 'bid' ? sym.mid - d : sym.mid + d;
      ch.set(side, price, rng.chance(0.2) ? 0 : 1 + rng.int(sym.levelLots));
    }
    // 3. A trade at the touch, sometimes a whale.
    if (rng.chance(this.tradeProbability)) {
      const takerSide: Side = rng.chance(0.5) ? 'buy' : 'sell';
      const makerSide = takerSide === 'buy' ? 'ask' : 'bid';
      const best = takerSide === 'buy' ? sym.bestAsk() : sym.bestBid();
      if (best !== undefined) {
        const resting = sym.side(makerSide).get(best) ?? 0;
        const whale = rng.chance(this.whaleProbability);
        let qty: number;
        if (whale) {
          qty = sym.levelLots * (20 + rng.int(31));
          ch.set(makerSide, best, 0);
        } else {
          qty = 1 + rng.int(resting);
          ch.set(makerSide, best, resting - qty);
        }
        ch.trades.push({ id: ++sym.tradeId, price: best, qty, takerSide, time: Date.now(), whale, taker: null });
      }
    }
    // 4. Keep each side within 2 × depth of the touch.
    for (const side of ['bid', 'ask'] as const) {
      for (const p of sym.side(side).keys()) if (Math.abs(p - sym.mid) > 2 * depth) ch.set(side, p, 0);
    }
    return this.#emit(sym, ch);
  }

  /**
   * A taker order of `lots` on `side` against the book, up to `limit` ticks (null: any price).
   * Consumed levels change, fills print as public trades (taker = `account`), and one update is
   * emitted. Returns the fills, best price first.
   */
  take(key: string, side: Side, lots: number, limit: number | null, account: string): Array<{ price: number; qty: number; tradeId: number }> {
    const sym = this.#sym(key);
    const makerSide = side === 'buy' ? 'ask' : 'bid';
    const ch = new Changes(sym);
    const fills: Array<{ price: number; qty: number; tradeId: number }> = [];
    let left = lots;
    const levels = sym.snapshot()[side === 'buy' ? 'asks' : 'bids'];
    for (const [price, qty] of levels) {
      if (left === 0) break;
      if (limit !== null && (side === 'buy' ? price > limit : price < limit)) break;
      const q = Math.min(left, qty);
      ch.set(makerSide, price, qty - q);
      left -= q;
      const trade: SimTrade = { id: ++sym.tradeId, price, qty: q, takerSide: side, time: Date.now(), whale: false, taker: account };
      ch.trades.push(trade);
      fills.push({ price, qty: q, tradeId: trade.id });
    }
    if (fills.length) this.#emit(sym, ch);
    return fills;
  }

  /** Lots available to a taker on `side` up to `limit` ticks. */
  available(key: string, side: Side, limit: number | null): number {
    const sym = this.#sym(key);
    let total = 0;
    for (const [price, qty] of side === 'buy' ? sym.asks : sym.bids) {
      if (limit === null || (side === 'buy' ? price <= limit : price >= limit)) total += qty;
    }
    return total;
  }

  #emit(sym: SimSymbol, ch: Changes): SimUpdate {
    const firstId = sym.updateId + 1;
    sym.updateId += Math.max(1, ch.count);
    const update: SimUpdate = {
      symbol: sym.key,
      firstId,
      lastId: sym.updateId,
      time: Date.now(),
      bids: [...ch.bids.entries()],
      asks: [...ch.asks.entries()],
      trades: ch.trades,
    };
    this.emit('update', update);
    return update;
  }
}
