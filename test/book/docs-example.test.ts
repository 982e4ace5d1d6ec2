/** The example at the top of docs/book.md, with its printed values asserted. */
import { expect, it } from 'vitest';

import { BinanceDepthSync, OrderBook, sequenceGapError } from '../../src/index.js';

it('docs/book.md example', () => {
  const sync = new BinanceDepthSync({
    book: new OrderBook(),
    apply: (book, e: { U: number; u: number; b: [string, string][]; a: [string, string][] }) => {
      for (const [p, q] of e.b) book.set('bid', +p, +q);
      for (const [p, q] of e.a) book.set('ask', +p, +q);
    },
  });
  expect(sync.delta({ U: 157, u: 160, b: [['0.0024', '10']], a: [['0.0026', '100']] })).toEqual({ kind: 'buffered' });
  const r = sync.snapshot(158, { bids: [[0.0024, 5]], asks: [[0.0026, 80], [0.0027, 1]] });
  expect(r).toEqual({ kind: 'applied', resynced: false });
  expect([sync.book.bestBid, sync.book.bestAsk, sync.book.depth('ask', 2)]).toEqual([0.0024, 0.0026, [[0.0026, 100], [0.0027, 1]]]);
  const g = sync.delta({ U: 170, u: 171, b: [], a: [] });
  expect(g.kind).toBe('gap');
  if (g.kind === 'gap') expect(sequenceGapError(g, 'binance BNBBTC').code).toBe('BOOK_SEQUENCE_GAP');
});
