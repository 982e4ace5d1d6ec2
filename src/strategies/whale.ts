/**
 * Whale detection: a trade whose notional (price × qty) is at least `k` × the rolling median
 * notional of the trades of the same venue+symbol in the last `windowMs` is a whale. Needs at
 * least `minTrades` trades in the window (not counting the candidate) before it fires.
 *
 * On a whale the strategy emits a {@link Signal} and an {@link OrderIntent}:
 * - follow: trade the whale's (taker's) side; fade: the opposite side.
 * - confidence = min(1, ½ · ln(ratio) / ln(k)), ratio = notional / median: 0.5 at the threshold
 *   (ratio = k), rising with the log of the ratio, 1 from ratio = k² on. Logarithmic because trade
 *   sizes are heavy-tailed: 10× past the threshold is "much bigger", not 10× as sure.
 * - the intent's qty is `orderNotional / price`; a market order by default, or a limit order at
 *   the whale's trade price (`orderType: 'limit'`).
 *
 * The window is by time: the trade's venue time (its receive time when the venue sends none).
 * Every trade (whales included) enters the window after it is judged. The median is kept in two
 * heaps with lazy deletion (amortized O(log n) per trade).
 */
import type { Trade, VenueId } from '../exchanges/common/types.js';
import { TickwireError } from '../native/errors.js';
import { RollingMedian } from './rolling-median.js';
import type { OrderIntent, Signal, Strategy, StrategyContext, StrategyOutput } from './types.js';

export interface WhaleOptions {
  mode: 'follow' | 'fade';
  /** Threshold, × the rolling median notional; > 1. */
  k: number;
  /** Median window, ms. */
  windowMs: number;
  /** Trades needed in the window before a whale can be called. ≥ 1. */
  minTrades: number;
  /** Quote currency per order. */
  orderNotional: number;
  /** Default 'market'. */
  orderType?: 'market' | 'limit';
  /** Only these symbols (default: all). */
  symbols?: string[];
  /** Strategy name (signal/intent `strategy`, intent id prefix). Default 'whale'. */
  name?: string;
  /** After a whale on a venue+symbol, ignore further whales there for this long (ms). Default 0. */
  cooldownMs?: number;
}

/** What {@link WhaleStrategy.evaluate} found for one trade. */
export interface WhaleVerdict {
  whale: boolean;
  notional: number;
  /** The rolling median before this trade (NaN when the window is empty). */
  median: number;
  /** Trades in the window before this trade. */
  count: number;
  /** notional / median (NaN without a median). */
  ratio: number;
}

/** Per venue+symbol window. */
class Window {
  readonly median = new RollingMedian();
  ts = new Float64Array(256);
  val = new Float64Array(256);
  head = 0; // index of the oldest
  n = 0;
  lastTs = -Infinity;
  lastWhaleTs = -Infinity;

  push(t: number, v: number): void {
    if (this.n === this.ts.length) this.#grow();
    const i = (this.head + this.n) % this.ts.length;
    this.ts[i] = t;
    this.val[i] = v;
    this.n++;
    this.median.insert(v);
  }

  /** Drops entries with ts ≤ cutoff. */
  expire(cutoff: number): void {
    const cap = this.ts.length;
    while (this.n > 0 && this.ts[this.head]! <= cutoff) {
      this.median.remove(this.val[this.head]!);
      this.head = (this.head + 1) % cap;
      this.n--;
    }
  }

  #grow(): void {
    const cap = this.ts.length;
    const ts = new Float64Array(cap * 2);
    const val = new Float64Array(cap * 2);
    for (let j = 0; j < this.n; j++) {
      ts[j] = this.ts[(this.head + j) % cap]!;
      val[j] = this.val[(this.head + j) % cap]!;
    }
    this.ts = ts;
    this.val = val;
    this.head = 0;
  }
}

function positive(name: string, v: unknown, integer = false): void {
  if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0 || (integer && !Number.isInteger(v))) {
    throw new TickwireError('INVALID_ARGUMENT', `whale option ${name} must be a finite ${integer ? 'integer' : 'number'} > 0, got ${String(v)}`);
  }
}

/** Confidence for a notional/median ratio at threshold k (see the module comment). */
export function whaleConfidence(ratio: number, k: number): number {
  if (!(ratio > 0)) return 0;
  const c = (0.5 * Math.log(ratio)) / Math.log(k);
  return Math.max(0, Math.min(1, c));
}

export class WhaleStrategy implements Strategy {
  readonly name: string;
  readonly options: Readonly<WhaleOptions>;
  readonly #windows = new Map<string, Window>();
  readonly #symbols: Set<string> | null;
  #n = 0;

  constructor(options: WhaleOptions) {
    if (options.mode !== 'follow' && options.mode !== 'fade') {
      throw new TickwireError('INVALID_ARGUMENT', `whale option mode must be 'follow' or 'fade', got ${String(options.mode)}`);
    }
    positive('k', options.k);
    if (!(options.k > 1)) throw new TickwireError('INVALID_ARGUMENT', `whale option k must be > 1, got ${options.k}`);
    positive('windowMs', options.windowMs);
    positive('minTrades', options.minTrades, true);
    positive('orderNotional', options.orderNotional);
    if (options.orderType !== undefined && options.orderType !== 'market' && options.orderType !== 'limit') {
      throw new TickwireError('INVALID_ARGUMENT', `whale option orderType must be 'market' or 'limit', got ${String(options.orderType)}`);
    }
    if (options.cooldownMs !== undefined && !(options.cooldownMs >= 0)) {
      throw new TickwireError('INVALID_ARGUMENT', `whale option cooldownMs must be ≥ 0, got ${String(options.cooldownMs)}`);
    }
    this.options = { ...options };
    this.name = options.name ?? 'whale';
    this.#symbols = options.symbols === undefined ? null : new Set(options.symbols);
  }

  /** Judges a trade against its window and adds it (what onTrade does, without producing orders). */
  evaluate(t: Trade): WhaleVerdict {
    const k = `${t.venue}:${t.symbol}`;
    let w = this.#windows.get(k);
    if (w === undefined) {
      w = new Window();
      this.#windows.set(k, w);
    }
    const ts = Math.max(t.venueTs ?? t.recvTs, w.lastTs); // never let time run backwards
    w.lastTs = ts;
    w.expire(ts - this.options.windowMs);
    const notional = t.price * t.qty;
    const count = w.n;
    const median = w.median.median;
    const ratio = count > 0 && median > 0 ? notional / median : Number.NaN;
    const whale = count >= this.options.minTrades && ratio >= this.options.k;
    if (Number.isFinite(notional) && notional > 0) w.push(ts, notional);
    return { whale, notional, median, count, ratio };
  }

  onTrade(t: Trade, ctx: StrategyContext): StrategyOutput | void {
    if (this.#symbols !== null && !this.#symbols.has(t.symbol)) return;
    const v = this.evaluate(t);
    if (!v.whale) return;
    const w = this.#windows.get(`${t.venue}:${t.symbol}`)!;
    const cooldown = this.options.cooldownMs ?? 0;
    if (cooldown > 0 && w.lastTs - w.lastWhaleTs < cooldown) return;
    w.lastWhaleTs = w.lastTs;

    const fade = this.options.mode === 'fade';
    const side = fade ? (t.side === 'buy' ? 'sell' : 'buy') : t.side;
    const now = ctx.now();
    const signal: Signal = {
      strategy: this.name,
      venue: t.venue,
      symbol: t.symbol,
      side,
      kind: this.options.mode,
      confidence: whaleConfidence(v.ratio, this.options.k),
      reasoning:
        `whale ${t.side} ${t.qty} @ ${t.price} = ${fmt(v.notional)} notional, ${fmt(v.ratio)}× the ${fmt(v.median)} median ` +
        `of ${v.count} trades in ${this.options.windowMs} ms (k = ${this.options.k}) → ${this.options.mode} ${side}`,
      ts: now,
      trade: t,
    };
    const price = t.price;
    const type = this.options.orderType ?? 'market';
    const intent: OrderIntent = {
      id: `${this.name}-${++this.#n}`,
      strategy: this.name,
      venue: t.venue,
      symbol: t.symbol,
      side,
      type,
      qty: this.options.orderNotional / price,
      signal,
      ts: now,
    };
    if (type === 'limit') intent.price = price;
    return { signals: [signal], intents: [intent] };
  }

  /** Trades currently in the venue+symbol window. */
  windowSize(venue: VenueId, symbol: string): number {
    return this.#windows.get(`${venue}:${symbol}`)?.n ?? 0;
  }

  /** The current rolling median notional of venue+symbol (NaN when the window is empty). */
  medianNotional(venue: VenueId, symbol: string): number {
    return this.#windows.get(`${venue}:${symbol}`)?.median.median ?? Number.NaN;
  }
}

function fmt(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  return Math.abs(n) >= 100 ? n.toFixed(0) : n.toPrecision(3);
}
