/**
 * Positions, cash and P&L, built from fills and marked to the last price.
 *
 * - Position: signed base quantity per venue+symbol (long > 0) with its average entry price.
 *   Adding to a position moves the average; reducing realizes `closedQty × (price − avg)` (sign
 *   flipped for shorts) and keeps the average; a fill that goes through zero realizes the closed
 *   part and opens the rest at the fill price.
 * - Cash: a buy pays `qty × price`, a sell receives it; fees are paid from cash. A fee in the base
 *   asset (the symbol starts with `feeAsset`, e.g. `BTC` on `BTCUSDT`) is valued at the fill price;
 *   any other fee (quote asset, empty, or another asset) is taken as quote currency.
 * - NAV = cash + Σ qty × mark, where mark is the last price given to {@link Portfolio.mark} (or the
 *   last fill price before any mark).
 * - Daily P&L = NAV − NAV at the last {@link Portfolio.startDay} (at construction: starting cash).
 * - Max drawdown: the largest fall of NAV from its running peak, as a fraction of that peak (0..1;
 *   0.05 = 5 %). NAV is sampled at every fill and every mark.
 */
import type { Fill, VenueId } from '../exchanges/common/types.js';
import { TickwireError } from '../native/errors.js';

/** One position as {@link Portfolio.positions} reports it. */
export interface PositionView {
  venue: VenueId;
  symbol: string;
  /** Signed base quantity (long > 0). */
  qty: number;
  /** Average entry price of the open quantity (0 when flat). */
  avgPrice: number;
  /** The mark: last price seen (NaN before any price). */
  lastPrice: number;
  /** qty × (lastPrice − avgPrice). */
  unrealizedPnl: number;
  /** P&L realized on this venue+symbol so far (before fees). */
  realizedPnl: number;
}

interface Position {
  venue: VenueId;
  symbol: string;
  qty: number;
  avgPrice: number;
  realizedPnl: number;
}

/** Relative size under which a quantity left after a fill is float dust (treated as flat). */
const DUST = 1e-9;

function key(venue: string, symbol: string): string {
  return `${venue}:${symbol}`;
}

function baseAssetFee(symbol: string, feeAsset: string): boolean {
  if (feeAsset === '') return false;
  const s = symbol.toUpperCase().replace(/[-/_:]/g, '');
  const a = feeAsset.toUpperCase();
  return s.startsWith(a) && !s.endsWith(a);
}

export class Portfolio {
  readonly #positions = new Map<string, Position>();
  readonly #marks = new Map<string, number>();
  #cash: number;
  #fees = 0;
  #dayStartNav: number;
  #peakNav: number;
  #maxDrawdown = 0;

  constructor(startingCash: number) {
    if (!Number.isFinite(startingCash)) {
      throw new TickwireError('INVALID_ARGUMENT', `startingCash must be a finite number, got ${startingCash}`);
    }
    this.#cash = startingCash;
    this.#dayStartNav = startingCash;
    this.#peakNav = startingCash;
  }

  /** Books one execution: position, average price, realized P&L, cash, fees. */
  applyFill(f: Fill): void {
    if (!(f.qty > 0) || !Number.isFinite(f.qty) || !(f.price > 0) || !Number.isFinite(f.price)) {
      throw new TickwireError('INVALID_ARGUMENT', `fill ${f.tradeId} has an invalid price/qty (${f.price} × ${f.qty})`);
    }
    const k = key(f.venue, f.symbol);
    let p = this.#positions.get(k);
    if (p === undefined) {
      p = { venue: f.venue, symbol: f.symbol, qty: 0, avgPrice: 0, realizedPnl: 0 };
      this.#positions.set(k, p);
    }
    const dir = f.side === 'buy' ? 1 : -1;
    const q = p.qty;
    if (q === 0 || Math.sign(q) === dir) {
      const abs = Math.abs(q);
      p.avgPrice = (abs * p.avgPrice + f.qty * f.price) / (abs + f.qty);
      p.qty = q + dir * f.qty;
    } else {
      const closed = Math.min(Math.abs(q), f.qty);
      const pnl = closed * (f.price - p.avgPrice) * Math.sign(q);
      p.realizedPnl += pnl;
      let next = q + dir * f.qty;
      if (Math.abs(next) <= DUST * Math.max(Math.abs(q), f.qty)) next = 0;
      p.qty = next;
      if (next === 0) p.avgPrice = 0;
      else if (Math.sign(next) !== Math.sign(q)) p.avgPrice = f.price; // flipped: the rest opens at the fill price
    }
    this.#cash -= dir * f.qty * f.price;
    const fee = Number.isFinite(f.fee) ? f.fee : 0;
    const feeQuote = baseAssetFee(f.symbol, f.feeAsset) ? fee * f.price : fee;
    this.#cash -= feeQuote;
    this.#fees += feeQuote;
    if (!this.#marks.has(k)) this.#marks.set(k, f.price);
    this.#sample();
  }

  /** Marks venue+symbol at `price` (the last trade price); updates NAV, peak and drawdown. */
  mark(venue: VenueId, symbol: string, price: number): void {
    if (!(price > 0) || !Number.isFinite(price)) return;
    const k = key(venue, symbol);
    this.#marks.set(k, price);
    if (this.#positions.has(k)) this.#sample();
  }

  /** Signed position in base units (0 when none). */
  position(venue: VenueId, symbol: string): number {
    return this.#positions.get(key(venue, symbol))?.qty ?? 0;
  }

  /** The last mark (or fill price) for venue+symbol; undefined before any. */
  lastPrice(venue: VenueId, symbol: string): number | undefined {
    return this.#marks.get(key(venue, symbol));
  }

  /** Average entry price of the open position (0 when flat or unknown). */
  avgPrice(venue: VenueId, symbol: string): number {
    return this.#positions.get(key(venue, symbol))?.avgPrice ?? 0;
  }

  /** Open (non-flat) positions. */
  positions(): PositionView[] {
    const out: PositionView[] = [];
    for (const [k, p] of this.#positions) {
      if (p.qty === 0) continue;
      const last = this.#marks.get(k) ?? Number.NaN;
      out.push({
        venue: p.venue,
        symbol: p.symbol,
        qty: p.qty,
        avgPrice: p.avgPrice,
        lastPrice: last,
        unrealizedPnl: p.qty * (last - p.avgPrice),
        realizedPnl: p.realizedPnl,
      });
    }
    return out;
  }

  /** cash + Σ qty × mark. */
  get nav(): number {
    let v = this.#cash;
    for (const [k, p] of this.#positions) {
      if (p.qty !== 0) v += p.qty * (this.#marks.get(k) ?? p.avgPrice);
    }
    return v;
  }

  get cash(): number {
    return this.#cash;
  }

  /** Realized P&L over all positions (flat ones included), before fees. */
  get realizedPnl(): number {
    let r = 0;
    for (const p of this.#positions.values()) r += p.realizedPnl;
    return r;
  }

  /** Σ qty × (mark − avg) over open positions. */
  get unrealizedPnl(): number {
    let u = 0;
    for (const [k, p] of this.#positions) {
      if (p.qty !== 0) u += p.qty * ((this.#marks.get(k) ?? p.avgPrice) - p.avgPrice);
    }
    return u;
  }

  /** Fees paid so far, in quote currency. */
  get fees(): number {
    return this.#fees;
  }

  /** NAV − NAV at the last {@link startDay} (or at construction). */
  get dailyPnl(): number {
    return this.nav - this.#dayStartNav;
  }

  /** Largest peak-to-trough fall of NAV seen, as a fraction of the peak (0..1). */
  get maxDrawdown(): number {
    return this.#maxDrawdown;
  }

  /** The highest NAV seen. */
  get peakNav(): number {
    return this.#peakNav;
  }

  /** Starts a new trading day: daily P&L counts from the current NAV. */
  startDay(): void {
    this.#dayStartNav = this.nav;
  }

  #sample(): void {
    const nav = this.nav;
    if (nav > this.#peakNav) this.#peakNav = nav;
    else if (this.#peakNav > 0) {
      const dd = (this.#peakNav - nav) / this.#peakNav;
      if (dd > this.#maxDrawdown) this.#maxDrawdown = dd;
    }
  }
}
