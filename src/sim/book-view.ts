/** A subscriber's view of a simulated book at one depth, shared by the venue modules that publish book deltas. */
import type { SimLevel, SimSymbol } from './market.js';

/**
 * What a client subscribed at one depth sees: the top N levels per side. `advance()` computes the
 * new view and the levels that changed in it (qty 0 only for levels that left the book; with
 * `deleteOutOfView`, also for levels pushed out of the view).
 */
export class TopOfBookView {
  bids: SimLevel[];
  asks: SimLevel[];

  constructor(
    readonly sym: SimSymbol,
    readonly depth: number,
    readonly deleteOutOfView = false,
  ) {
    ({ bids: this.bids, asks: this.asks } = sym.snapshot(depth));
  }

  advance(): { bids: SimLevel[]; asks: SimLevel[] } {
    const { bids, asks } = this.sym.snapshot(this.depth);
    const out = { bids: this.#diff(this.bids, bids, this.sym.bids), asks: this.#diff(this.asks, asks, this.sym.asks) };
    this.bids = bids;
    this.asks = asks;
    return out;
  }

  #diff(old: SimLevel[], now: SimLevel[], full: Map<number, number>): SimLevel[] {
    const changes: SimLevel[] = [];
    const nowMap = new Map(now);
    for (const [p] of old) if (!nowMap.has(p) && (this.deleteOutOfView || !full.has(p))) changes.push([p, 0]);
    const oldMap = new Map(old);
    for (const [p, q] of now) if (oldMap.get(p) !== q) changes.push([p, q]);
    return changes;
  }
}
