import { crc32 as zlibCrc32 } from 'node:zlib';

import { describe, expect, it } from 'vitest';

import { crc32 } from '../../src/book/crc32.js';
import { krakenChecksum, krakenChecksumInput, krakenChecksumOfLevels, krakenFormat, verifyKrakenChecksum } from '../../src/book/kraken-checksum.js';
import { OrderBook } from '../../src/book/order-book.js';
import type { Level } from '../../src/book/types.js';
import { TickwireError } from '../../src/native/errors.js';
import { Rng } from '../helpers/random.js';

/**
 * Kraken's worked example for the v2 book checksum (docs.kraken.com/api/docs/guides/spot-ws-book-v2,
 * "Example"): BTC/USD, price precision 1, qty precision 8. The guide publishes the concatenated
 * asks + bids string and its CRC32, 3310070434. The stored search excerpt of the guide cuts off
 * before the example's levels, so the levels below are read back from that published string
 * (6 price digits, then the qty digits, per level); the string itself and the checksum are
 * Kraken's, quoted identically by several independent client test suites.
 */
const V2_STRING =
  '45285210000045286415457195345286615457110945289615456091145290215890660452918154553491452947445474945296135380000452975994554245299518772827' +
  '452835100000004528341545820154528211000000045281010000000452803154592586452790799000045277633101034527753000000045277315460273745276615445238';
const V2_CHECKSUM = 3310070434;
const V2_ASKS: Level[] = [
  [45285.2, 0.001],
  [45286.4, 1.54571953],
  [45286.6, 1.54571109],
  [45289.6, 1.54560911],
  [45290.2, 0.1589066],
  [45291.8, 1.54553491],
  [45294.7, 0.04454749],
  [45296.1, 0.3538],
  [45297.5, 0.09945542],
  [45299.5, 0.18772827],
];
const V2_BIDS: Level[] = [
  [45283.5, 0.1],
  [45283.4, 1.54582015],
  [45282.1, 0.1],
  [45281.0, 0.1],
  [45280.3, 1.54592586],
  [45279.0, 0.0799],
  [45277.6, 0.03310103],
  [45277.5, 0.3],
  [45277.3, 1.54602737],
  [45276.6, 0.15445238],
];
const BTC = { price: 1, qty: 8 };

/**
 * Kraken's v1 guide example (docs.kraken.com/api/docs/guides/spot-ws-book-v1): same formatting
 * rule, checksum 974947235; price precision 5, qty precision 8.
 */
const V1_ASKS: Level[] = [0.05005, 0.0501, 0.05015, 0.0502, 0.05025, 0.0503, 0.05035, 0.0504, 0.05045, 0.0505].map((p) => [p, 0.000005]);
const V1_BIDS: Level[] = [0.05, 0.04995, 0.0499, 0.0498, 0.04975, 0.0497, 0.04965, 0.0496, 0.04955, 0.0495].map((p) => [p, 0.000005]);
const V1_CHECKSUM = 974947235;

describe('crc32', () => {
  it('matches zlib.crc32 (independent reference) on strings and bytes', () => {
    for (const s of ['', '0', 'a', '123456789', V2_STRING, 'é€😀 unicode', 'x'.repeat(5000)]) {
      expect(crc32(s)).toBe(zlibCrc32(s));
      expect(crc32(Buffer.from(s))).toBe(zlibCrc32(Buffer.from(s)));
    }
    expect(crc32('123456789')).toBe(0xcbf43926); // the standard check value
  });

  it('continues a running CRC like zlib', () => {
    expect(crc32('6789', crc32('12345'))).toBe(crc32('123456789'));
  });
});

describe('Kraken checksum', () => {
  it("reproduces Kraken's v2 example: string and checksum", () => {
    expect(zlibCrc32(V2_STRING)).toBe(V2_CHECKSUM);
    const book = new OrderBook({ maxDepth: 10 });
    book.applySnapshot({ bids: V2_BIDS, asks: V2_ASKS });
    expect(krakenChecksumInput(book, BTC)).toBe(V2_STRING);
    expect(krakenChecksum(book, BTC)).toBe(V2_CHECKSUM);
    expect(krakenChecksumOfLevels(V2_ASKS, V2_BIDS, BTC)).toBe(V2_CHECKSUM);
    expect(() => verifyKrakenChecksum(book, V2_CHECKSUM, BTC)).not.toThrow();
  });

  it("reproduces Kraken's v1 example (974947235)", () => {
    const book = new OrderBook();
    book.applySnapshot({ bids: V1_BIDS, asks: V1_ASKS });
    expect(krakenChecksum(book, { price: 5, qty: 8 })).toBe(V1_CHECKSUM);
  });

  it('formats like the guide: precision padding, dot removed, leading zeros stripped', () => {
    expect(krakenFormat(45285.2, 1)).toBe('452852');
    expect(krakenFormat(0.001, 8)).toBe('100000');
    expect(krakenFormat(0.05, 5)).toBe('5000');
    expect(krakenFormat(0, 8)).toBe('');
  });

  it('a wrong precision or a changed level gives a different checksum, and verify throws BOOK_CHECKSUM_MISMATCH', () => {
    const book = new OrderBook();
    book.applySnapshot({ bids: V2_BIDS, asks: V2_ASKS });
    expect(krakenChecksum(book, { price: 1, qty: 7 })).not.toBe(V2_CHECKSUM);
    book.set('bid', 45276.6, 0.15445239);
    expect(krakenChecksum(book, BTC)).not.toBe(V2_CHECKSUM);
    let err: unknown;
    try {
      verifyKrakenChecksum(book, V2_CHECKSUM, BTC);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(TickwireError);
    expect((err as TickwireError).code).toBe('BOOK_CHECKSUM_MISMATCH');
  });
});

/** Kraken's formatting, written out again here (not via krakenFormat) for the reference. */
function ref(v: number, d: number): string {
  const s = v.toFixed(d).split('.').join('');
  let i = 0;
  while (i < s.length && s[i] === '0') i++;
  return s.slice(i);
}

function referenceChecksum(asks: readonly Level[], bids: readonly Level[], pd: number, qd: number): number {
  let s = '';
  for (const [p, q] of asks.slice(0, 10)) s += ref(p, pd) + ref(q, qd);
  for (const [p, q] of bids.slice(0, 10)) s += ref(p, pd) + ref(q, qd);
  return zlibCrc32(s);
}

describe('Kraken checksum vs toFixed + zlib.crc32', () => {
  it('agrees on 5000 random books across precisions, including huge and over-precise values', () => {
    const rng = new Rng(0x4b52_414b_454e_0001n);
    for (let t = 0; t < 5000; t++) {
      const pd = rng.int(9);
      const qd = rng.int(11);
      const book = new OrderBook();
      const n = rng.int(25);
      const val = (d: number): number => {
        switch (rng.int(6)) {
          case 0: // huge: past the integer fast path
            return Number(`${String(1 + rng.int(9_000_000))}${String(rng.int(1e9))}.${String(rng.int(10 ** d || 1)).padStart(d, '0')}`.replace(/\.$/, ''));
          case 1: // more decimals than the precision: rounding goes through toFixed
            return Number(`${String(rng.int(1000))}.${String(rng.int(1e9)).padStart(9, '0')}${String(rng.int(10))}`);
          default: {
            const frac = d === 0 ? '' : `.${String(rng.int(10 ** Math.min(d, 9))).padStart(d, '0')}`;
            return Number(`${String(rng.int(rng.int(2) === 0 ? 10 : 100_000))}${frac}`);
          }
        }
      };
      for (let i = 0; i < n; i++) {
        const p = val(pd);
        const q = val(qd);
        if (p > 0 && q > 0) book.set(rng.int(2) === 0 ? 'bid' : 'ask', p, q);
      }
      const want = referenceChecksum(book.depth('ask', 10), book.depth('bid', 10), pd, qd);
      expect(krakenChecksum(book, { price: pd, qty: qd })).toBe(want);
    }
  });

  it("stays equal to a Kraken-style venue's checksum when levels leave the subscribed depth without a qty 0", () => {
    // The venue keeps the full book and publishes changes to its top-`depth` view: changed or
    // newly visible levels with their qty, qty 0 only for levels deleted from the book, nothing
    // for levels pushed out by inserts above them. The client truncates after each message.
    const rng = new Rng(0x4b52_414b_454e_0002n);
    const precision = { price: 1, qty: 8 };
    for (const depth of [10, 25]) {
      const venue = new OrderBook();
      const client = new OrderBook({ maxDepth: depth });
      const view = (side: 'bid' | 'ask') => new Map(venue.depth(side, depth));
      for (let i = 0; i < 60; i++) {
        venue.set('bid', Number((30000 - 0.1 * (1 + rng.int(300))).toFixed(1)), (1 + rng.int(1e6)) / 1e8);
        venue.set('ask', Number((30000 + 0.1 * (1 + rng.int(300))).toFixed(1)), (1 + rng.int(1e6)) / 1e8);
      }
      client.applySnapshot({ bids: venue.depth('bid', depth), asks: venue.depth('ask', depth) });
      let pushedOut = 0;
      for (let msg = 0; msg < 3000; msg++) {
        const before = { bid: view('bid'), ask: view('ask') };
        const deleted = new Set<string>();
        for (let k = 1 + rng.int(4); k > 0; k--) {
          const side = rng.int(2) === 0 ? 'bid' : 'ask';
          const top = venue.depth(side, depth + 5);
          const p =
            rng.int(3) === 0 && top.length > 0
              ? (top[rng.int(top.length)] as Level)[0]
              : Number((side === 'bid' ? 30000 - 0.1 * (1 + rng.int(40)) : 30000 + 0.1 * (1 + rng.int(40))).toFixed(1));
          const q = rng.int(3) === 0 ? 0 : (1 + rng.int(1e6)) / 1e8;
          venue.set(side, p, q);
          if (q === 0) deleted.add(`${side}${String(p)}`);
          else deleted.delete(`${side}${String(p)}`);
        }
        const delta = { bids: [] as Level[], asks: [] as Level[] };
        for (const side of ['bid', 'ask'] as const) {
          const after = view(side);
          const out = side === 'bid' ? delta.bids : delta.asks;
          for (const [p, q] of after) if (before[side].get(p) !== q) out.push([p, q]);
          for (const p of before[side].keys()) {
            if (after.has(p)) continue;
            if (deleted.has(`${side}${String(p)}`)) out.push([p, 0]);
            else pushedOut++;
          }
        }
        client.applyDelta(delta);
        const expected = krakenChecksumOfLevels(venue.depth('ask', 10), venue.depth('bid', 10), precision);
        expect(krakenChecksum(client, precision)).toBe(expected);
        expect(client.toSnapshot()).toEqual({ bids: venue.depth('bid', depth), asks: venue.depth('ask', depth) });
      }
      expect(pushedOut).toBeGreaterThan(50); // the silent drop-out path really ran
    }
  });
});
