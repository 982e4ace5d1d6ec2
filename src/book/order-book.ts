/**
 * L2 order book: aggregated quantity per price level, per side.
 *
 * IMPLEMENTATION NOTES
 * - Level identity is the price as a JS number (IEEE double), compared with `===`. The number must
 *   come from parsing the venue's decimal text (`+"0.0024"`, `parseFloat`, `JSON.parse`), never
 *   from arithmetic: parsing is correctly rounded, so the same decimal always yields the same
 *   double ("25.3519" and "25.35190000" both give one key) and two different decimals of up to 15
 *   significant digits never collapse to one key. `0.1 + 0.2` is not `0.3`; do not compute prices.
 * - Each side is two parallel Float64Arrays (keys, quantities) sorted ascending by key, where the
 *   key is `price` for bids and `-price` for asks (negation is exact). The best level is therefore
 *   the LAST element on both sides: updates near the top of the book, which dominate real feeds,
 *   shift only the few elements above them. Lookup is a binary search (≤ 13 steps for 5000 levels).
 * - No allocation per update; arrays grow by doubling when a new level does not fit.
 * - `maxDepth` truncation keeps the best `maxDepth` levels per side. It runs at the end of each
 *   `applySnapshot`/`applyDelta` (one venue message), not per level, which is what Kraken's book
 *   channel expects: apply every level of the message, then drop the levels that fell out of the
 *   subscribed depth (Kraken sends no qty 0 for those). Callers using `set()` call `truncate()`
 *   at the end of each message.
 */
import { TickwireError } from '../native/errors.js';
import type { BookDelta, BookSide, BookSnapshot, Level } from './types.js';

export interface OrderBookOptions {
  /** Keep only the best `maxDepth` levels per side after each message (Kraken: the subscribed depth). */
  maxDepth?: number;
  /** Throw `BOOK_CROSSED` from `applySnapshot`/`applyDelta` when the book ends crossed. Default false. */
  rejectCrossed?: boolean;
  /** Initial capacity per side, in levels (grows by doubling). Default 64. */
  capacity?: number;
}

/** Below this many elements to move, a JS loop beats `copyWithin`'s call overhead. */
const SHIFT_LOOP_MAX = 16;

/** One side: keys (price for bids, -price for asks) ascending, best last. */
class Ladder {
  keys: Float64Array;
  qtys: Float64Array;
  n = 0;
  /** key = sign * price */
  readonly sign: number;

  constructor(sign: number, capacity: number) {
    this.sign = sign;
    this.keys = new Float64Array(capacity);
    this.qtys = new Float64Array(capacity);
  }

  reserve(capacity: number): void {
    if (capacity <= this.keys.length) return;
    let size = this.keys.length * 2;
    while (size < capacity) size *= 2;
    const keys = new Float64Array(size);
    const qtys = new Float64Array(size);
    keys.set(this.keys.subarray(0, this.n));
    qtys.set(this.qtys.subarray(0, this.n));
    this.keys = keys;
    this.qtys = qtys;
  }

  /** First index whose key is >= key (n when none). */
  lowerBound(key: number): number {
    const keys = this.keys;
    let lo = 0;
    let hi = this.n;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((keys[mid] as number) < key) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** First index whose key is > key (n when none). */
  upperBound(key: number): number {
    const keys = this.keys;
    let lo = 0;
    let hi = this.n;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((keys[mid] as number) <= key) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  set(price: number, qty: number): void {
    const key = this.sign * price;
    const n = this.n;
    const keys = this.keys;
    const i = this.lowerBound(key);
    if (i < n && keys[i] === key) {
      if (qty !== 0) {
        this.qtys[i] = qty;
        return;
      }
      // Remove i: move (i, n) down by one.
      const qtys = this.qtys;
      if (n - i - 1 <= SHIFT_LOOP_MAX) {
        for (let j = i + 1; j < n; j++) {
          keys[j - 1] = keys[j] as number;
          qtys[j - 1] = qtys[j] as number;
        }
      } else {
        keys.copyWithin(i, i + 1, n);
        qtys.copyWithin(i, i + 1, n);
      }
      this.n = n - 1;
      return;
    }
    if (qty === 0) return; // removing a level we do not have is harmless
    if (n === keys.length) this.reserve(n + 1);
    const k = this.keys;
    const q = this.qtys;
    if (n - i <= SHIFT_LOOP_MAX) {
      for (let j = n; j > i; j--) {
        k[j] = k[j - 1] as number;
        q[j] = q[j - 1] as number;
      }
    } else {
      k.copyWithin(i + 1, i, n);
      q.copyWithin(i + 1, i, n);
    }
    k[i] = key;
    q[i] = qty;
    this.n = n + 1;
  }

  get(price: number): number {
    const key = this.sign * price;
    const i = this.lowerBound(key);
    return i < this.n && this.keys[i] === key ? (this.qtys[i] as number) : 0;
  }

  truncate(depth: number): void {
    const excess = this.n - depth;
    if (excess <= 0) return;
    this.keys.copyWithin(0, excess, this.n);
    this.qtys.copyWithin(0, excess, this.n);
    this.n = depth;
  }

  /** Replace the contents with `levels` (any order; qty 0 skipped; a repeated price: last wins). */
  load(levels: readonly Level[]): void {
    const m = levels.length;
    this.n = 0;
    this.reserve(m);
    const sign = this.sign;
    // Fast path: strictly monotonic input with no qty 0 (what venues send: best first or worst first).
    let ascending = true;
    let descending = true;
    let prev = NaN;
    for (let i = 0; i < m; i++) {
      const l = levels[i] as Level;
      if (l[1] === 0) {
        ascending = descending = false;
        break;
      }
      const key = sign * l[0];
      if (i > 0) {
        if (key <= prev) ascending = false;
        if (key >= prev) descending = false;
        if (!ascending && !descending) break;
      }
      prev = key;
    }
    const keys = this.keys;
    const qtys = this.qtys;
    if (ascending || descending) {
      for (let i = 0; i < m; i++) {
        const l = levels[i] as Level;
        const j = ascending ? i : m - 1 - i;
        keys[j] = sign * l[0];
        qtys[j] = l[1];
      }
      this.n = m;
      return;
    }
    // General case: stable sort of indices by key, keep the last of equal keys, skip qty 0.
    const order = Array.from({ length: m }, (_, i) => i);
    const keyOf = (i: number) => sign * (levels[i] as Level)[0];
    order.sort((a, b) => keyOf(a) - keyOf(b));
    let n = 0;
    for (let j = 0; j < m; j++) {
      const idx = order[j] as number;
      const key = keyOf(idx);
      if (j + 1 < m && keyOf(order[j + 1] as number) === key) continue; // a later duplicate wins
      const qty = (levels[idx] as Level)[1];
      if (qty === 0) continue;
      keys[n] = key;
      qtys[n] = qty;
      n++;
    }
    this.n = n;
  }
}

function checkLevel(price: number, qty: number, where: string): void {
  // Written so NaN fails every test.
  if (!(price > -Infinity && price < Infinity)) {
    throw new TickwireError('INVALID_ARGUMENT', `${where}: price must be a finite number, got ${String(price)}`);
  }
  if (!(qty >= 0 && qty < Infinity)) {
    throw new TickwireError('INVALID_ARGUMENT', `${where}: qty must be a finite number >= 0, got ${String(qty)}`);
  }
}

function checkLevels(levels: readonly Level[], where: string): void {
  for (let i = 0; i < levels.length; i++) {
    const l = levels[i] as Level;
    checkLevel(l[0], l[1], where);
  }
}

function checkSide(side: BookSide): void {
  if (side !== 'bid' && side !== 'ask') {
    throw new TickwireError('INVALID_ARGUMENT', `side must be 'bid' or 'ask', got ${String(side)}`);
  }
}

export class OrderBook {
  readonly #bids: Ladder;
  readonly #asks: Ladder;
  readonly #maxDepth: number;
  readonly #rejectCrossed: boolean;

  constructor(options: OrderBookOptions = {}) {
    const { maxDepth = Infinity, rejectCrossed = false, capacity = 64 } = options;
    if (maxDepth !== Infinity && !(Number.isInteger(maxDepth) && maxDepth >= 1)) {
      throw new TickwireError('INVALID_ARGUMENT', `maxDepth must be a positive integer, got ${String(maxDepth)}`);
    }
    if (!(Number.isInteger(capacity) && capacity >= 1 && capacity <= 1 << 24)) {
      throw new TickwireError('INVALID_ARGUMENT', `capacity must be an integer in [1, 2^24], got ${String(capacity)}`);
    }
    const cap = Math.max(capacity, 4);
    this.#bids = new Ladder(1, cap);
    this.#asks = new Ladder(-1, cap);
    this.#maxDepth = maxDepth;
    this.#rejectCrossed = rejectCrossed;
  }

  /** The per-side depth limit (Infinity when unlimited). */
  get maxDepth(): number {
    return this.#maxDepth;
  }

  #ladder(side: BookSide): Ladder {
    if (side === 'bid') return this.#bids;
    if (side === 'ask') return this.#asks;
    checkSide(side);
    throw new Error('unreachable');
  }

  // ---- updates -------------------------------------------------------------------------------

  /**
   * Replaces the whole book. Levels may be in any order; qty 0 levels are skipped; a price given
   * twice keeps the later quantity. Validates every level before touching the book (a bad level
   * throws INVALID_ARGUMENT and leaves the book as it was). Truncates to `maxDepth`.
   */
  applySnapshot(snapshot: BookSnapshot): void {
    checkLevels(snapshot.bids, 'snapshot bid');
    checkLevels(snapshot.asks, 'snapshot ask');
    this.#bids.load(snapshot.bids);
    this.#asks.load(snapshot.asks);
    this.#afterMessage();
  }

  /**
   * Applies one venue message: each level sets the absolute quantity at its price (qty 0 removes
   * it; removing a missing level is a no-op), in array order per side. Validates every level
   * first, so a bad level throws INVALID_ARGUMENT with the book untouched. Then truncates to
   * `maxDepth` and, with `rejectCrossed`, throws BOOK_CROSSED if the book is crossed.
   */
  applyDelta(delta: BookDelta): void {
    const { bids, asks } = delta;
    checkLevels(bids, 'delta bid');
    checkLevels(asks, 'delta ask');
    const b = this.#bids;
    for (let i = 0; i < bids.length; i++) {
      const l = bids[i] as Level;
      b.set(l[0], l[1]);
    }
    const a = this.#asks;
    for (let i = 0; i < asks.length; i++) {
      const l = asks[i] as Level;
      a.set(l[0], l[1]);
    }
    this.#afterMessage();
  }

  /**
   * Sets one level (qty 0 removes it) with no allocation: the hot path for adapters that parse a
   * message straight into the book. Does not truncate or check crossing; call `truncate()` (and
   * `assertUncrossed()` if wanted) at the end of the message.
   */
  set(side: BookSide, price: number, qty: number): void {
    checkLevel(price, qty, side);
    this.#ladder(side).set(price, qty);
  }

  /** Removes the level at `price` if present. */
  remove(side: BookSide, price: number): void {
    this.set(side, price, 0);
  }

  /** Drops levels beyond `depth` (default: the book's `maxDepth`) on both sides. */
  truncate(depth: number = this.#maxDepth): void {
    if (depth === Infinity) return;
    if (!(Number.isInteger(depth) && depth >= 0)) {
      throw new TickwireError('INVALID_ARGUMENT', `depth must be a non-negative integer, got ${String(depth)}`);
    }
    this.#bids.truncate(depth);
    this.#asks.truncate(depth);
  }

  /** Empties both sides (e.g. on a sequence gap, before the fresh snapshot). */
  clear(): void {
    this.#bids.n = 0;
    this.#asks.n = 0;
  }

  #afterMessage(): void {
    if (this.#maxDepth !== Infinity) {
      this.#bids.truncate(this.#maxDepth);
      this.#asks.truncate(this.#maxDepth);
    }
    if (this.#rejectCrossed) this.assertUncrossed();
  }

  // ---- top of book ---------------------------------------------------------------------------

  /** Highest bid price, or undefined when there are no bids. */
  get bestBid(): number | undefined {
    const l = this.#bids;
    return l.n === 0 ? undefined : (l.keys[l.n - 1] as number);
  }

  /** Lowest ask price, or undefined when there are no asks. */
  get bestAsk(): number | undefined {
    const l = this.#asks;
    return l.n === 0 ? undefined : -(l.keys[l.n - 1] as number);
  }

  /** Quantity at the best bid (0 when empty). */
  get bestBidQty(): number {
    const l = this.#bids;
    return l.n === 0 ? 0 : (l.qtys[l.n - 1] as number);
  }

  /** Quantity at the best ask (0 when empty). */
  get bestAskQty(): number {
    const l = this.#asks;
    return l.n === 0 ? 0 : (l.qtys[l.n - 1] as number);
  }

  /** bestAsk - bestBid, or undefined when a side is empty (negative when crossed). */
  get spread(): number | undefined {
    const b = this.bestBid;
    const a = this.bestAsk;
    return b === undefined || a === undefined ? undefined : a - b;
  }

  /** (bestBid + bestAsk) / 2, or undefined when a side is empty. */
  get mid(): number | undefined {
    const b = this.bestBid;
    const a = this.bestAsk;
    return b === undefined || a === undefined ? undefined : (a + b) / 2;
  }

  /** True when both sides are non-empty and bestBid >= bestAsk. */
  get crossed(): boolean {
    const b = this.#bids;
    const a = this.#asks;
    return b.n > 0 && a.n > 0 && (b.keys[b.n - 1] as number) >= -(a.keys[a.n - 1] as number);
  }

  /** Throws TickwireError('BOOK_CROSSED') when the book is crossed. */
  assertUncrossed(context = 'order book'): void {
    if (this.crossed) {
      throw new TickwireError('BOOK_CROSSED', `${context}: crossed book, best bid ${String(this.bestBid)} >= best ask ${String(this.bestAsk)}`);
    }
  }

  // ---- levels --------------------------------------------------------------------------------

  /** Number of levels on `side`, or on both sides when omitted. */
  size(side?: BookSide): number {
    if (side === undefined) return this.#bids.n + this.#asks.n;
    return this.#ladder(side).n;
  }

  /** Quantity resting at `price` on `side` (0 when there is no such level). */
  qty(side: BookSide, price: number): number {
    return this.#ladder(side).get(price);
  }

  /** Price of the i-th level from the best (0 = best), or undefined past the end. No allocation. */
  priceAt(side: BookSide, i: number): number | undefined {
    const l = this.#ladder(side);
    const j = l.n - 1 - i;
    if (!(i >= 0 && j >= 0) || !Number.isInteger(i)) return undefined;
    return l.sign * (l.keys[j] as number);
  }

  /** Quantity of the i-th level from the best (0 = best), or undefined past the end. */
  qtyAt(side: BookSide, i: number): number | undefined {
    const l = this.#ladder(side);
    const j = l.n - 1 - i;
    if (!(i >= 0 && j >= 0) || !Number.isInteger(i)) return undefined;
    return l.qtys[j] as number;
  }

  /** The best `n` levels of `side`, best first (all levels when `n` is omitted). */
  depth(side: BookSide, n = Infinity): Level[] {
    const l = this.#ladder(side);
    const count = Math.min(l.n, Math.max(0, Math.floor(n)));
    const out: Level[] = new Array<Level>(count);
    for (let i = 0; i < count; i++) {
      const j = l.n - 1 - i;
      out[i] = [l.sign * (l.keys[j] as number), l.qtys[j] as number];
    }
    return out;
  }

  /**
   * Copies the best levels of `side` into caller arrays (best first) with no allocation; returns
   * how many were written (min of the book size, both arrays' lengths and `n`).
   */
  depthInto(side: BookSide, prices: Float64Array, qtys: Float64Array, n = Infinity): number {
    const l = this.#ladder(side);
    const count = Math.min(l.n, prices.length, qtys.length, Math.max(0, Math.floor(n)));
    for (let i = 0; i < count; i++) {
      const j = l.n - 1 - i;
      prices[i] = l.sign * (l.keys[j] as number);
      qtys[i] = l.qtys[j] as number;
    }
    return count;
  }

  /** Iterates the levels of `side`, best first. Do not modify the book while iterating. */
  *levels(side: BookSide): IterableIterator<Level> {
    const l = this.#ladder(side);
    for (let j = l.n - 1; j >= 0; j--) yield [l.sign * (l.keys[j] as number), l.qtys[j] as number];
  }

  /** Total quantity on `side` at prices in [low, high] (inclusive). */
  volumeBetween(side: BookSide, low: number, high: number): number {
    const l = this.#ladder(side);
    if (!(low <= high)) return 0;
    // In key space the interval is [low, high] for bids and [-high, -low] for asks.
    const kLow = l.sign > 0 ? low : -high;
    const kHigh = l.sign > 0 ? high : -low;
    const end = l.upperBound(kHigh);
    let sum = 0;
    for (let i = l.lowerBound(kLow); i < end; i++) sum += l.qtys[i] as number;
    return sum;
  }

  /**
   * Total quantity on `side` within `distance` of that side's best price: bids in
   * [bestBid - distance, bestBid], asks in [bestAsk, bestAsk + distance]. The far edge is
   * computed in double arithmetic, so a level exactly on it may fall either way: pass
   * `distance + tick / 2` to include it for sure.
   */
  volumeWithin(side: BookSide, distance: number): number {
    const l = this.#ladder(side);
    if (l.n === 0 || !(distance >= 0)) return 0;
    const best = l.sign * (l.keys[l.n - 1] as number);
    return l.sign > 0 ? this.volumeBetween(side, best - distance, best) : this.volumeBetween(side, best, best + distance);
  }

  /** A copy of the book (best first per side), limited to `n` levels per side when given. */
  toSnapshot(n = Infinity): BookSnapshot {
    return { bids: this.depth('bid', n), asks: this.depth('ask', n) };
  }
}
