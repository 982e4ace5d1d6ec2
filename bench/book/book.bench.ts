/**
 * Order book hot paths, ns per update: OrderBook.set on books of 10 / 1000 / 5000 levels per side
 * (a plain JS-array + splice book alongside for scale), a Binance diff-depth event through
 * BinanceDepthSync, and the Kraken checksum (digits fed into the CRC vs toFixed strings + zlib).
 *
 * Update streams are cyclic (every insert is later deleted), so the book keeps its size however
 * many times the harness loops over them. Prices are on a 0.01 grid, updates cluster near the
 * top of the book as on real feeds; inserts land between grid prices (x.xx5).
 */
import { crc32 as zlibCrc32 } from 'node:zlib';

import { OrderBook } from '../../src/book/order-book.js';
import { krakenChecksum, krakenFormat } from '../../src/book/kraken-checksum.js';
import { BinanceDepthSync } from '../../src/book/sync.js';
import type { BookSide, Level } from '../../src/book/types.js';
import type { Case, Target } from '../lib/harness.js';

interface Update {
  side: BookSide;
  price: number;
  qty: number;
}

/** xorshift32, seeded: the same streams every run. */
function prng(seed: number): () => number {
  let x = seed | 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 4294967296;
  };
}

const cents = (c: number) => Number((c / 100).toFixed(3));

function baseLevels(n: number): { bids: Level[]; asks: Level[] } {
  const bids: Level[] = [];
  const asks: Level[] = [];
  for (let i = 0; i < n; i++) {
    bids.push([cents(1_000_000 - 1 - i), 1 + (i % 7)]);
    asks.push([cents(1_000_000 + 1 + i), 1 + (i % 5)]);
  }
  return { bids, asks };
}

/** insert p, overwrite, delete p, overwrite, ... near the top (within 50 levels). */
function cyclicUpdates(n: number, count: number, seed: number): Update[] {
  const r = prng(seed);
  const out: Update[] = [];
  const near = Math.min(n, 50);
  for (let k = 0; k < count; k++) {
    const side: BookSide = r() < 0.5 ? 'bid' : 'ask';
    const d = Math.floor(r() * near);
    const p = side === 'bid' ? cents(1_000_000 - 1 - d - 0.5) : cents(1_000_000 + 1 + d + 0.5);
    const e = Math.floor(r() * near);
    const existing = side === 'bid' ? cents(1_000_000 - 1 - e) : cents(1_000_000 + 1 + e);
    out.push({ side, price: p, qty: 1 + Math.floor(r() * 100) / 10 });
    out.push({ side, price: existing, qty: 1 + Math.floor(r() * 100) / 10 });
    out.push({ side, price: p, qty: 0 });
    out.push({ side, price: existing, qty: 1 + Math.floor(r() * 100) / 10 });
  }
  return out;
}

/** The obvious alternative: arrays of [price, qty] pairs, best first, binary search + splice. */
class ArrayBook {
  bids: [number, number][] = [];
  asks: [number, number][] = [];
  set(side: BookSide, price: number, qty: number): void {
    const a = side === 'bid' ? this.bids : this.asks;
    const better = side === 'bid' ? (x: number) => x > price : (x: number) => x < price;
    let lo = 0;
    let hi = a.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (better((a[mid] as [number, number])[0])) lo = mid + 1;
      else hi = mid;
    }
    const hit = a[lo];
    if (hit && hit[0] === price) {
      if (qty === 0) a.splice(lo, 1);
      else hit[1] = qty;
    } else if (qty !== 0) a.splice(lo, 0, [price, qty]);
  }
}

export function cases(): Case[] {
  const cs: Case[] = [];
  for (const n of [10, 1000, 5000]) {
    const group = `book set, ${String(n)} levels/side`;
    const ups = cyclicUpdates(n, 2048, 0x5eed + n);
    const count = ups.length;
    const book = new OrderBook({ capacity: 2 * n });
    book.applySnapshot(baseLevels(n));
    const arr = new ArrayBook();
    const base = baseLevels(n);
    arr.bids = base.bids.map(([p, q]) => [p, q]);
    arr.asks = base.asks.map(([p, q]) => [p, q]);
    cs.push(
      {
        name: 'OrderBook.set',
        group,
        bytes: 0,
        batch: count,
        run: (i) => {
          const u = ups[i % count] as Update;
          book.set(u.side, u.price, u.qty);
        },
      },
      {
        name: 'JS arrays + splice',
        group,
        bytes: 0,
        batch: count,
        run: (i) => {
          const u = ups[i % count] as Update;
          arr.set(u.side, u.price, u.qty);
        },
      },
    );
  }

  // A Binance depthUpdate with 10 changed levels (strings, as JSON.parse gives them) through the sync.
  {
    interface Ev {
      U: number;
      u: number;
      b: [string, string][];
      a: [string, string][];
    }
    const ups = cyclicUpdates(1000, 256, 0xb1);
    const events: Ev[] = [];
    for (let k = 0; k + 10 <= ups.length; k += 10) {
      const e: Ev = { U: 0, u: 0, b: [], a: [] };
      for (const u of ups.slice(k, k + 10)) (u.side === 'bid' ? e.b : e.a).push([String(u.price), String(u.qty)]);
      events.push(e);
    }
    const sync = new BinanceDepthSync<Ev>({
      book: new OrderBook({ capacity: 2048 }),
      apply: (book, e) => {
        for (const [p, q] of e.b) book.set('bid', +p, +q);
        for (const [p, q] of e.a) book.set('ask', +p, +q);
      },
    });
    sync.snapshot(0, baseLevels(1000));
    let id = 0;
    cs.push({
      name: 'BinanceDepthSync.delta + set x10',
      group: 'Binance depthUpdate, 10 levels, 1000-level book',
      bytes: 0,
      batch: 2000,
      run: (i) => {
        const e = events[i % events.length] as Ev;
        e.U = e.u = ++id;
        sync.delta(e);
      },
    });
  }

  // Kraken checksum over a depth-25 book, after each of a stream of updates.
  {
    const book = new OrderBook({ maxDepth: 25 });
    book.applySnapshot(baseLevels(25));
    const precision = { price: 2, qty: 8 };
    const group = 'Kraken checksum (top 10 + 10)';
    cs.push(
      { name: 'krakenChecksum', group, bytes: 0, batch: 2000, run: () => krakenChecksum(book, precision) },
      {
        name: 'toFixed strings + zlib.crc32',
        group,
        bytes: 0,
        batch: 2000,
        run: () => {
          let s = '';
          for (const side of ['ask', 'bid'] as const) {
            for (const [p, q] of book.depth(side, 10)) s += krakenFormat(p, precision.price) + krakenFormat(q, precision.qty);
          }
          return zlibCrc32(s);
        },
      },
    );
  }
  return cs;
}

/** No issue target for the book; the suite reports ns per update. */
export const targets: Target[] = [];
