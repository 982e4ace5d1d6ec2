/**
 * Book-level types shared by the order book, the sequence helpers, the venue adapters and the
 * simulator. Event payloads (`BookUpdate` with symbol, timestamps, `resynced`) live with the venue
 * domain types in src/exchanges/common; these are only the levels and messages a book consumes.
 */

/** Which side of the book: bids (buy interest, best = highest) or asks (best = lowest). */
export type BookSide = 'bid' | 'ask';

/**
 * One price level: `[price, qty]`. Both are JS numbers parsed from the venue's decimal text (or
 * JSON number); `qty` is the absolute resting quantity at that price, `0` removes the level.
 */
export type Level = readonly [price: number, qty: number];

/** A full book: replaces everything. Levels may come in any order; qty 0 levels are skipped. */
export interface BookSnapshot {
  readonly bids: readonly Level[];
  readonly asks: readonly Level[];
}

/** Absolute quantities for changed levels (qty 0 = remove), applied in array order per side. */
export interface BookDelta {
  readonly bids: readonly Level[];
  readonly asks: readonly Level[];
}
