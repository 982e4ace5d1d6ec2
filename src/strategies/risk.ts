/**
 * The risk governor: every {@link OrderIntent} passes {@link RiskGovernor.check} before it becomes
 * an order. Checks, in this order (the first failing one is reported):
 *
 * 1. HALTED — the HALT switch is on ({@link RiskGovernor.halt}); nothing passes until `resume()`.
 * 2. STALE_PRICES / STALE_BOOK / STALE_POSITIONS — the intent's venue+symbol has no fresh data
 *    (see {@link StalenessLimits}); a stream's age is `now − ts` of its last `noteData`.
 * 3. NO_PRICE — no limit price and no last price to value the order with.
 * 4. DAILY_LOSS — `portfolio.dailyPnl ≤ −dailyLossLimit`; reduce-only orders (against the
 *    position, qty plus the open orders on the same side ≤ |position|) still pass, so you can get flat.
 * 5. APPROVED_SIZE — the order's notional is capped at `approvedSize × NAV`: a bigger order is
 *    reduced to the cap (floored to `qtyStep` if given); it is rejected when the cap is 0 (NAV ≤ 0
 *    or approvedSize 0) or the reduced quantity is 0.
 * 6. MAX_POSITION — `|position + signed (open same-side qty + qty)| > maxPosition` and the order is
 *    not reduce-only. Open orders are the ones sent and not yet filled, rejected or cancelled
 *    ({@link OpenExposure}): a burst of intents cannot pass one by one before any of them fills.
 * 7. MAX_NOTIONAL — the same worst-case position × price > maxNotional, same exception.
 * 8. ORDER_RATE — more than `maxOrdersPerSecond` approvals in the last 1000 ms (sliding window;
 *    only approved intents count).
 *
 * Per-symbol limits (`Record`) are looked up as `"venue:symbol"`, then `"symbol"`, then `"*"`; a
 * symbol with no entry is rejected (fail closed). Every comparison is written to fail closed too: a
 * NaN (a broken clock, a NaN P&L) blocks rather than passes.
 */
import { EventEmitter } from 'node:events';
import type { VenueId } from '../exchanges/common/types.js';
import { TickwireError } from '../native/errors.js';
import type { Portfolio } from './portfolio.js';
import type { OrderIntent } from './types.js';

/**
 * Quantity of open orders (sent, not yet filled, rejected or cancelled) per side for a venue and
 * symbol, in base units: the worst case the governor must assume will fill. The engine provides it
 * from its live orders; a governor without it counts positions only.
 */
export type OpenExposure = (venue: VenueId, symbol: string) => { buy: number; sell: number };

const NO_OPEN = { buy: 0, sell: 0 };

/** Maximum data age per stream, in ms. 0 disables that stream's check. */
export interface StalenessLimits {
  /** Trades / last price. Default 5000. Always required: a symbol never priced is stale. */
  pricesMs: number;
  /** Order book. Default 2000. Checked once the book has been noted for the venue+symbol. */
  booksMs: number;
  /** Positions (private stream / reconciliation). Default 30000. Checked once noted for the venue+symbol. */
  positionsMs: number;
  /**
   * Streams that must have been noted before anything trades on a venue+symbol, beyond prices
   * (e.g. `['books', 'positions']`). Default none.
   */
  require?: Array<'books' | 'positions'>;
}

export interface RiskLimits {
  /** Max |position| in base units, one for all symbols or per symbol. */
  maxPosition: Record<string, number> | number;
  /** Max |position| × price in quote currency, one for all symbols or per symbol. */
  maxNotional: Record<string, number> | number;
  /** Max order notional as a fraction of NAV, 0..0.20. */
  approvedSize: number;
  /** Quote-currency loss (positive number) at which only position-reducing orders pass. */
  dailyLossLimit: number;
  /** Approved orders per sliding second, all symbols together. */
  maxOrdersPerSecond: number;
  staleness: StalenessLimits;
  /** Quantity step per symbol (or one for all) that a reduced order size is floored to. */
  qtyStep?: Record<string, number> | number;
}

export type RiskRejectCode =
  | 'HALTED'
  | 'MAX_POSITION'
  | 'MAX_NOTIONAL'
  | 'APPROVED_SIZE'
  | 'DAILY_LOSS'
  | 'ORDER_RATE'
  | 'STALE_PRICES'
  | 'STALE_BOOK'
  | 'STALE_POSITIONS'
  | 'NO_PRICE';

export type RiskDecision =
  | { approved: true; intent: OrderIntent /* qty possibly reduced to approved size */ }
  | { approved: false; code: RiskRejectCode; message: string };

export interface RiskGovernorEvents {
  halt: [reason: string];
  resume: [];
}

/** The staleness defaults: prices 5 s, books 2 s, positions 30 s. */
export const DEFAULT_STALENESS: Readonly<StalenessLimits> = Object.freeze({ pricesMs: 5000, booksMs: 2000, positionsMs: 30000 });

/** The largest approvedSize accepted (20 % of NAV per order). */
export const MAX_APPROVED_SIZE = 0.2;

type Stream = 'prices' | 'books' | 'positions';

function invalid(message: string): TickwireError {
  return new TickwireError('INVALID_ARGUMENT', message);
}

function checkPerSymbol(name: string, v: Record<string, number> | number, strictlyPositive: boolean): void {
  const ok = (n: number): boolean => Number.isFinite(n) || n === Infinity ? (strictlyPositive ? n > 0 : n >= 0) : false;
  if (typeof v === 'number') {
    if (!ok(v)) throw invalid(`risk limit ${name} must be a number ${strictlyPositive ? '> 0' : '≥ 0'}, got ${v}`);
    return;
  }
  if (v === null || typeof v !== 'object') throw invalid(`risk limit ${name} must be a number or a record of numbers`);
  for (const [k, n] of Object.entries(v)) {
    if (typeof n !== 'number' || !ok(n)) throw invalid(`risk limit ${name}["${k}"] must be a number ${strictlyPositive ? '> 0' : '≥ 0'}, got ${String(n)}`);
  }
}

function validateApprovedSize(f: number): void {
  if (typeof f !== 'number' || !(f >= 0 && f <= MAX_APPROVED_SIZE)) {
    throw invalid(`approvedSize must be a fraction of NAV in 0..${MAX_APPROVED_SIZE}, got ${String(f)}`);
  }
}

/** Validates limits; throws TickwireError INVALID_ARGUMENT naming the bad field. */
export function validateRiskLimits(l: RiskLimits): void {
  checkPerSymbol('maxPosition', l.maxPosition, false);
  checkPerSymbol('maxNotional', l.maxNotional, false);
  validateApprovedSize(l.approvedSize);
  if (typeof l.dailyLossLimit !== 'number' || !(l.dailyLossLimit >= 0)) throw invalid(`dailyLossLimit must be a number ≥ 0, got ${String(l.dailyLossLimit)}`);
  if (!Number.isInteger(l.maxOrdersPerSecond) || l.maxOrdersPerSecond < 0) {
    throw invalid(`maxOrdersPerSecond must be an integer ≥ 0, got ${String(l.maxOrdersPerSecond)}`);
  }
  if (l.staleness === null || typeof l.staleness !== 'object') throw invalid('staleness must be an object');
  for (const f of ['pricesMs', 'booksMs', 'positionsMs'] as const) {
    const n = l.staleness[f];
    if (typeof n !== 'number' || !(n >= 0)) throw invalid(`staleness.${f} must be a number of ms ≥ 0 (0 disables), got ${String(n)}`);
  }
  if (l.qtyStep !== undefined) checkPerSymbol('qtyStep', l.qtyStep, true);
}

function lookup(v: Record<string, number> | number, venue: string, symbol: string): number | undefined {
  if (typeof v === 'number') return v;
  return v[`${venue}:${symbol}`] ?? v[symbol] ?? v['*'];
}

export class RiskGovernor extends EventEmitter<RiskGovernorEvents> {
  readonly #limits: RiskLimits;
  readonly #portfolio: Portfolio;
  readonly #clock: () => number;
  readonly #open: OpenExposure | undefined;
  readonly #seen = new Map<string, number>(); // `${stream}|${venue}:${symbol}` → ts
  #halted = false;
  #haltReason = '';
  #approvedSize: number;
  // Sliding window of approval times: a ring of maxOrdersPerSecond slots.
  #rate: Float64Array;
  #rateHead = 0;
  #rateCount = 0;

  constructor(limits: RiskLimits, portfolio: Portfolio, clock: () => number = Date.now, openExposure?: OpenExposure) {
    super();
    validateRiskLimits(limits);
    this.#limits = limits;
    this.#portfolio = portfolio;
    this.#clock = clock;
    this.#open = openExposure;
    this.#approvedSize = limits.approvedSize;
    this.#rate = new Float64Array(Math.max(1, limits.maxOrdersPerSecond));
  }

  /** Records that `stream` delivered data for venue+symbol at `ts` (ms, same clock as the governor's); non-finite ts are ignored. */
  noteData(stream: Stream, venue: VenueId, symbol: string, ts: number): void {
    if (!Number.isFinite(ts)) return; // a NaN time must never read as fresh
    const k = `${stream}|${venue}:${symbol}`;
    const prev = this.#seen.get(k);
    if (prev === undefined || ts > prev) this.#seen.set(k, ts);
  }

  /** The HALT switch: every new intent is rejected (HALTED) until {@link resume}; emits 'halt' when it turns on. */
  halt(reason: string): void {
    this.#haltReason = reason;
    if (this.#halted) return;
    this.#halted = true;
    this.emit('halt', reason);
  }

  /** Turns HALT off; emits 'resume' when it was on. */
  resume(): void {
    if (!this.#halted) return;
    this.#halted = false;
    this.#haltReason = '';
    this.emit('resume');
  }

  get halted(): boolean {
    return this.#halted;
  }

  /** Why trading is halted ('' when not). */
  get haltReason(): string {
    return this.#haltReason;
  }

  /** Max order notional as a fraction of NAV (0..0.20). */
  get approvedSize(): number {
    return this.#approvedSize;
  }

  /** Changes the approved size (0..0.20; throws INVALID_ARGUMENT otherwise). */
  setApprovedSize(fraction: number): void {
    validateApprovedSize(fraction);
    this.#approvedSize = fraction;
  }

  /** The limits in force. */
  get limits(): Readonly<RiskLimits> {
    return this.#limits;
  }

  /**
   * Approves (possibly with a reduced qty) or rejects an intent. An approval counts towards the
   * order rate. Throws INVALID_ARGUMENT for a malformed intent (qty not > 0, bad limit price).
   */
  check(intent: OrderIntent): RiskDecision {
    if (!(intent.qty > 0) || !Number.isFinite(intent.qty)) throw invalid(`intent ${intent.id}: qty must be a finite number > 0, got ${intent.qty}`);
    if (intent.type === 'limit' && (intent.price === undefined || !(intent.price > 0) || !Number.isFinite(intent.price))) {
      throw invalid(`intent ${intent.id}: a limit order needs a finite price > 0`);
    }
    if (this.#halted) return reject('HALTED', `trading halted: ${this.#haltReason}`);

    const { venue, symbol } = intent;
    const now = this.#clock();
    const st = this.#limits.staleness;
    const required = st.require ?? [];
    const stale = this.#stale('prices', venue, symbol, now, st.pricesMs, true);
    if (stale !== null) return reject('STALE_PRICES', `${venue}:${symbol} prices ${stale}`);
    const staleBook = this.#stale('books', venue, symbol, now, st.booksMs, required.includes('books'));
    if (staleBook !== null) return reject('STALE_BOOK', `${venue}:${symbol} book ${staleBook}`);
    const stalePos = this.#stale('positions', venue, symbol, now, st.positionsMs, required.includes('positions'));
    if (stalePos !== null) return reject('STALE_POSITIONS', `${venue}:${symbol} positions ${stalePos}`);

    const price = intent.type === 'limit' && intent.price !== undefined ? intent.price : this.#portfolio.lastPrice(venue, symbol);
    if (price === undefined || !(price > 0)) return reject('NO_PRICE', `no price for ${venue}:${symbol} to value the order`);

    const pos = this.#portfolio.position(venue, symbol);
    const dir = intent.side === 'buy' ? 1 : -1;
    // Open orders on the same side may all fill first: the worst case adds them.
    const open = this.#open ? this.#open(venue, symbol) : NO_OPEN;
    const pending = dir > 0 ? open.buy : open.sell;
    if (!(pending >= 0)) return reject('MAX_POSITION', `open ${intent.side} quantity for ${venue}:${symbol} is not a number ≥ 0 (${pending})`);
    // Reduce-only: against the position and, with the same-side open orders, no bigger than it (never flips).
    const reducing = (q: number): boolean => pos !== 0 && Math.sign(pos) !== dir && q + pending <= Math.abs(pos);

    const daily = this.#portfolio.dailyPnl;
    if (!(daily > -this.#limits.dailyLossLimit) && !reducing(intent.qty)) {
      return reject('DAILY_LOSS', `daily P&L ${round(daily)} reached the loss limit −${this.#limits.dailyLossLimit}; only position-reducing orders pass`);
    }

    let qty = intent.qty;
    const nav = this.#portfolio.nav;
    const cap = this.#approvedSize * nav;
    if (!(cap > 0)) return reject('APPROVED_SIZE', `approved size is 0 (approvedSize ${this.#approvedSize} × NAV ${round(nav)})`);
    if (qty * price > cap) {
      qty = cap / price;
      const step = this.#limits.qtyStep === undefined ? undefined : lookup(this.#limits.qtyStep, venue, symbol);
      if (step !== undefined && step > 0) qty = Math.floor(qty / step + 1e-9) * step;
      if (!(qty > 0)) return reject('APPROVED_SIZE', `order notional ${round(intent.qty * price)} over approved size ${round(cap)}; the reduced quantity rounds to 0`);
    }

    const after = Math.abs(pos + dir * (pending + qty));
    const maxPos = lookup(this.#limits.maxPosition, venue, symbol);
    if (maxPos === undefined) return reject('MAX_POSITION', `no maxPosition configured for ${venue}:${symbol}`);
    if (!(after <= maxPos) && !reducing(qty)) {
      const openNote = pending > 0 ? ` with ${round(pending)} open on that side` : '';
      return reject('MAX_POSITION', `position ${pos} ${intent.side} ${qty}${openNote} → |${round(pos + dir * (pending + qty))}| over max position ${maxPos}`);
    }
    const maxNot = lookup(this.#limits.maxNotional, venue, symbol);
    if (maxNot === undefined) return reject('MAX_NOTIONAL', `no maxNotional configured for ${venue}:${symbol}`);
    if (!(after * price <= maxNot) && !reducing(qty)) {
      return reject('MAX_NOTIONAL', `position notional ${round(after * price)} over max notional ${maxNot}`);
    }

    if (!this.#takeRate(now)) {
      return reject('ORDER_RATE', `order rate over ${this.#limits.maxOrdersPerSecond}/s`);
    }
    return { approved: true, intent: qty === intent.qty ? intent : { ...intent, qty } };
  }

  #stale(stream: Stream, venue: string, symbol: string, now: number, maxMs: number, required: boolean): string | null {
    if (maxMs === 0) return null;
    const ts = this.#seen.get(`${stream}|${venue}:${symbol}`);
    if (ts === undefined) return required ? 'never received' : null;
    const age = now - ts;
    return !(age <= maxMs) ? `stale: last update ${Math.round(age)} ms ago (limit ${maxMs} ms)` : null;
  }

  #takeRate(now: number): boolean {
    const max = this.#limits.maxOrdersPerSecond;
    if (max === 0) return false;
    const ring = this.#rate;
    // Drop approvals that left the window (at or before now − 1000).
    while (this.#rateCount > 0) {
      const oldest = ring[(this.#rateHead - this.#rateCount + ring.length) % ring.length]!;
      if (now - oldest >= 1000) this.#rateCount--;
      else break;
    }
    if (this.#rateCount >= max) return false;
    ring[this.#rateHead] = now;
    this.#rateHead = (this.#rateHead + 1) % ring.length;
    this.#rateCount++;
    return true;
  }
}

function reject(code: RiskRejectCode, message: string): RiskDecision {
  return { approved: false, code, message };
}

function round(n: number): number {
  return Math.round(n * 100) / 100;
}
