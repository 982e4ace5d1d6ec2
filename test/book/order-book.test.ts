import { describe, expect, it } from 'vitest';

import { OrderBook } from '../../src/book/order-book.js';
import type { BookSide, Level } from '../../src/book/types.js';
import { TickwireError } from '../../src/native/errors.js';
import { Rng } from '../helpers/random.js';

/** The naive reference: one Map per side, sorted on demand. */
class RefBook {
  bids = new Map<number, number>();
  asks = new Map<number, number>();
  side(s: BookSide): Map<number, number> {
    return s === 'bid' ? this.bids : this.asks;
  }
  set(s: BookSide, price: number, qty: number): void {
    if (qty === 0) this.side(s).delete(price);
    else this.side(s).set(price, qty);
  }
  /** Best first. */
  levels(s: BookSide): Level[] {
    const out = [...this.side(s).entries()];
    out.sort((a, b) => (s === 'bid' ? b[0] - a[0] : a[0] - b[0]));
    return out;
  }
  truncate(depth: number): void {
    for (const s of ['bid', 'ask'] as const) {
      const keep = this.levels(s).slice(0, depth);
      this.side(s).clear();
      for (const [p, q] of keep) this.side(s).set(p, q);
    }
  }
  best(s: BookSide): number | undefined {
    return this.levels(s)[0]?.[0];
  }
}

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    return e instanceof TickwireError ? e.code : `not a TickwireError: ${String(e)}`;
  }
  return undefined;
}

/** A price as a venue sends it: a decimal string on a 0.01 grid, parsed. */
function price(cents: number): number {
  return Number((cents / 100).toFixed(2));
}

function fullCompare(book: OrderBook, ref: RefBook, rng: Rng): void {
  for (const s of ['bid', 'ask'] as const) {
    const want = ref.levels(s);
    expect(book.size(s)).toBe(want.length);
    expect(book.depth(s)).toEqual(want);
    expect([...book.levels(s)]).toEqual(want);
    const n = rng.int(12);
    expect(book.depth(s, n)).toEqual(want.slice(0, n));
    if (want.length > 0) {
      // volumeBetween over a random band, against a filter over the reference
      const a = (want[rng.int(want.length)] as Level)[0];
      const b = (want[rng.int(want.length)] as Level)[0];
      const lo = Math.min(a, b);
      const hi = Math.max(a, b);
      const expected = want.filter(([p]) => p >= lo && p <= hi).reduce((acc, [, q]) => acc + q, 0);
      expect(book.volumeBetween(s, lo, hi)).toBeCloseTo(expected, 9);
      const i = rng.int(want.length);
      expect(book.priceAt(s, i)).toBe((want[i] as Level)[0]);
      expect(book.qtyAt(s, i)).toBe((want[i] as Level)[1]);
    }
  }
}

describe('OrderBook vs a Map+sort reference', () => {
  it('100k random single-level updates (inserts, overwrites, removals, removals of missing levels)', () => {
    const rng = new Rng(0x1234_5678_9abc_def1n);
    const book = new OrderBook({ capacity: 8 }); // small start: growth is exercised too
    const ref = new RefBook();
    const mid = 500_000; // 5000.00
    let target = 200;
    for (let op = 0; op < 100_000; op++) {
      if (op % 10_000 === 0) target = [10, 200, 2500, 5000][rng.int(4)] as number; // sizes 10..5000
      const side: BookSide = rng.int(2) === 0 ? 'bid' : 'ask';
      const size = ref.side(side).size;
      // Bids below mid, asks above; closer to the top more often, as on real feeds.
      const dist = 1 + (rng.int(4) === 0 ? rng.int(6000) : rng.int(60));
      const p = price(side === 'bid' ? mid - dist : mid + dist);
      const remove = size > target ? rng.int(3) !== 0 : rng.int(5) === 0;
      const qty = remove ? 0 : (1 + rng.int(1_000_000)) / 1e4;
      book.set(side, p, qty);
      ref.set(side, p, qty);
      expect(book.qty(side, p)).toBe(qty);
      expect(book.size(side)).toBe(ref.side(side).size);
      if (op % 64 === 0) {
        expect(book.bestBid).toBe(ref.best('bid'));
        expect(book.bestAsk).toBe(ref.best('ask'));
      }
      if (op % 4999 === 0) fullCompare(book, ref, rng);
    }
    fullCompare(book, ref, rng);
    expect(book.crossed).toBe(false);
  });

  it('20k random deltas and snapshots with maxDepth 25 (truncated at the end of each message)', () => {
    const rng = new Rng(0xfeed_beef_cafe_0001n);
    const depth = 25;
    const book = new OrderBook({ maxDepth: depth });
    const ref = new RefBook();
    const mid = 100_000;
    for (let msg = 0; msg < 20_000; msg++) {
      if (msg % 2500 === 0) {
        const bids: Level[] = [];
        const asks: Level[] = [];
        for (let i = 0; i < 40; i++) {
          bids.push([price(mid - 1 - rng.int(200)), (1 + rng.int(1000)) / 100]);
          asks.push([price(mid + 1 + rng.int(200)), (1 + rng.int(1000)) / 100]);
        }
        book.applySnapshot({ bids, asks });
        ref.bids.clear();
        ref.asks.clear();
        for (const [p, q] of bids) ref.set('bid', p, q);
        for (const [p, q] of asks) ref.set('ask', p, q);
        ref.truncate(depth);
      } else {
        const bids: Level[] = [];
        const asks: Level[] = [];
        for (let i = rng.int(6); i > 0; i--) {
          const side = rng.int(2) === 0 ? bids : asks;
          const p = side === bids ? price(mid - 1 - rng.int(60)) : price(mid + 1 + rng.int(60));
          side.push([p, rng.int(3) === 0 ? 0 : (1 + rng.int(1000)) / 100]);
        }
        book.applyDelta({ bids, asks });
        for (const [p, q] of bids) ref.set('bid', p, q);
        for (const [p, q] of asks) ref.set('ask', p, q);
        ref.truncate(depth);
      }
      expect(book.size('bid')).toBe(ref.bids.size);
      expect(book.size('ask')).toBe(ref.asks.size);
      if (msg % 97 === 0) fullCompare(book, ref, rng);
    }
  });
});

describe('OrderBook', () => {
  it('a snapshot replaces everything; any input order; qty 0 skipped; a repeated price keeps the later qty', () => {
    const book = new OrderBook();
    book.applySnapshot({ bids: [[10, 1], [9, 2]], asks: [[11, 1], [12, 2]] });
    book.applySnapshot({
      bids: [[5, 1], [7, 3], [6, 0], [7, 4], [4, 2]],
      asks: [[20, 1], [21, 2]], // worst first? no: ascending = best first for asks
    });
    expect(book.depth('bid')).toEqual([[7, 4], [5, 1], [4, 2]]);
    expect(book.depth('ask')).toEqual([[20, 1], [21, 2]]);
    expect(book.qty('bid', 10)).toBe(0);
    book.applySnapshot({ bids: [[1, 1], [2, 1], [3, 1]], asks: [[9, 1], [8, 1], [7, 1]] }); // worst first
    expect(book.depth('bid')).toEqual([[3, 1], [2, 1], [1, 1]]);
    expect(book.depth('ask')).toEqual([[7, 1], [8, 1], [9, 1]]);
    book.applySnapshot({ bids: [], asks: [] });
    expect(book.size()).toBe(0);
    expect(book.bestBid).toBeUndefined();
    expect(book.bestAsk).toBeUndefined();
    expect(book.spread).toBeUndefined();
    expect(book.mid).toBeUndefined();
  });

  it('qty 0 removes a level; removing a missing level is harmless', () => {
    const book = new OrderBook();
    book.applyDelta({ bids: [[100, 1], [99, 2]], asks: [[101, 3]] });
    book.applyDelta({ bids: [[100, 0], [50, 0]], asks: [[200, 0]] });
    expect(book.depth('bid')).toEqual([[99, 2]]);
    expect(book.depth('ask')).toEqual([[101, 3]]);
    book.remove('ask', 101);
    book.remove('ask', 101);
    expect(book.size('ask')).toBe(0);
  });

  it('levels are keyed by the parsed number: equal decimals are one level, arithmetic results are not', () => {
    const book = new OrderBook();
    book.set('ask', Number('25.3519'), 1);
    book.set('ask', Number('25.35190000'), 2);
    expect(book.size('ask')).toBe(1);
    expect(book.qty('ask', 25.3519)).toBe(2);
    book.set('bid', Number('0.3'), 1);
    book.set('bid', 0.1 + 0.2, 1); // 0.30000000000000004: a different price
    expect(book.size('bid')).toBe(2);
  });

  it('top of book: best, quantities, spread, mid', () => {
    const book = new OrderBook();
    book.applySnapshot({ bids: [[99.5, 2], [99, 1]], asks: [[100.5, 3], [101, 4]] });
    expect(book.bestBid).toBe(99.5);
    expect(book.bestAsk).toBe(100.5);
    expect(book.bestBidQty).toBe(2);
    expect(book.bestAskQty).toBe(3);
    expect(book.spread).toBe(1);
    expect(book.mid).toBe(100);
    expect(book.volumeWithin('bid', 0.5)).toBe(3);
    expect(book.volumeWithin('ask', 0.4)).toBe(3);
    expect(book.volumeWithin('ask', 0.5)).toBe(7);
    expect(book.volumeBetween('ask', 200, 100)).toBe(0);
    expect(book.priceAt('bid', 2)).toBeUndefined();
    expect(book.qtyAt('bid', -1)).toBeUndefined();
    const prices = new Float64Array(3);
    const qtys = new Float64Array(3);
    expect(book.depthInto('ask', prices, qtys)).toBe(2);
    expect([...prices.subarray(0, 2)]).toEqual([100.5, 101]);
    expect([...qtys.subarray(0, 2)]).toEqual([3, 4]);
    expect(book.toSnapshot(1)).toEqual({ bids: [[99.5, 2]], asks: [[100.5, 3]] });
  });

  it('maxDepth drops the worst levels at the end of each message, not per level', () => {
    const book = new OrderBook({ maxDepth: 3 });
    book.applySnapshot({ bids: [[10, 1], [9, 1], [8, 1], [7, 1]], asks: [[11, 1]] });
    expect(book.depth('bid')).toEqual([[10, 1], [9, 1], [8, 1]]);
    // Insert above the top and delete the old top in one message: 8 stays in scope
    // (a per-level truncation would have dropped it after the insert).
    book.applyDelta({ bids: [[10.5, 2], [10, 0]], asks: [] });
    expect(book.depth('bid')).toEqual([[10.5, 2], [9, 1], [8, 1]]);
    // A level that fell out is gone for good: deleting the ones above does not bring it back.
    book.applyDelta({ bids: [[12, 1]], asks: [] });
    expect(book.depth('bid')).toEqual([[12, 1], [10.5, 2], [9, 1]]);
    book.applyDelta({ bids: [[12, 0]], asks: [] });
    expect(book.depth('bid')).toEqual([[10.5, 2], [9, 1]]);
    // set() does not truncate; truncate() does.
    book.set('bid', 13, 1);
    book.set('bid', 14, 1);
    expect(book.size('bid')).toBe(4);
    book.truncate();
    expect(book.depth('bid')).toEqual([[14, 1], [13, 1], [10.5, 2]]);
    book.truncate(1);
    expect(book.depth('bid')).toEqual([[14, 1]]);
  });

  it('detects a crossed book (bid >= ask) and throws BOOK_CROSSED when asked to', () => {
    const book = new OrderBook();
    book.applySnapshot({ bids: [[100, 1]], asks: [[101, 1]] });
    expect(book.crossed).toBe(false);
    expect(codeOf(() => book.assertUncrossed())).toBeUndefined();
    book.set('bid', 101, 1); // locked: bid == ask counts as crossed
    expect(book.crossed).toBe(true);
    expect(codeOf(() => book.assertUncrossed('BTCUSDT'))).toBe('BOOK_CROSSED');
    book.set('bid', 101, 0);
    book.set('bid', 102, 1);
    expect(book.crossed).toBe(true);
    expect(book.spread).toBe(-1);

    const strict = new OrderBook({ rejectCrossed: true });
    strict.applySnapshot({ bids: [[100, 1]], asks: [[101, 1]] });
    expect(codeOf(() => strict.applyDelta({ bids: [[101.5, 1]], asks: [] }))).toBe('BOOK_CROSSED');
    expect(codeOf(() => strict.applySnapshot({ bids: [[5, 1]], asks: [[5, 1]] }))).toBe('BOOK_CROSSED');
    expect(codeOf(() => strict.applySnapshot({ bids: [[5, 1]], asks: [] }))).toBeUndefined();
  });

  it('rejects non-finite prices and negative / NaN quantities with INVALID_ARGUMENT, leaving the book untouched', () => {
    const book = new OrderBook();
    book.applySnapshot({ bids: [[1, 1]], asks: [[2, 1]] });
    expect(codeOf(() => book.applyDelta({ bids: [[1, 0], [NaN, 1]], asks: [] }))).toBe('INVALID_ARGUMENT');
    expect(codeOf(() => book.applyDelta({ bids: [], asks: [[2, 0], [3, -1]] }))).toBe('INVALID_ARGUMENT');
    expect(codeOf(() => book.applySnapshot({ bids: [[Infinity, 1]], asks: [] }))).toBe('INVALID_ARGUMENT');
    expect(codeOf(() => book.set('ask', 3, Number('abc')))).toBe('INVALID_ARGUMENT');
    expect(codeOf(() => book.set('middle' as BookSide, 3, 1))).toBe('INVALID_ARGUMENT');
    expect(book.depth('bid')).toEqual([[1, 1]]);
    expect(book.depth('ask')).toEqual([[2, 1]]);
    expect(codeOf(() => new OrderBook({ maxDepth: 0 }))).toBe('INVALID_ARGUMENT');
    expect(codeOf(() => new OrderBook({ capacity: 1.5 }))).toBe('INVALID_ARGUMENT');
  });

  it('clear() empties both sides', () => {
    const book = new OrderBook();
    book.applySnapshot({ bids: [[1, 1]], asks: [[2, 1]] });
    book.clear();
    expect(book.size()).toBe(0);
    book.set('bid', 1, 5);
    expect(book.depth('bid')).toEqual([[1, 5]]);
  });
});
