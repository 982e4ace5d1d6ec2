/**
 * The normalized (domain) types every venue adapter emits and accepts. Venue wire types live in
 * each venue's `messages.ts`; its `parse.ts` turns them into these.
 *
 * Numbers: prices and quantities are JS numbers parsed from the venue's decimal strings (the
 * nearest double). Orders go the other way through {@link formatDecimal} with the symbol's
 * decimals, so a computed 0.1 + 0.2 is sent as `0.30000000`, never `0.30000000000000004`.
 *
 * Timestamps: `venueTs` is the venue's event time in ms since the Unix epoch (null when the venue
 * message carries none, e.g. Binance bookTicker); `recvTs` is when the message reached JS, in ms
 * since the Unix epoch with sub-ms resolution, from {@link receiveTime}
 * (`performance.timeOrigin + performance.now()`: monotonic within the process, comparable with
 * `Date.now()`).
 */
import type { OrderBook } from '../../book/order-book.js';
import type { Level } from '../../book/types.js';

/** The venues tickwire speaks to. */
export type VenueId = 'binance' | 'coinbase' | 'kraken' | 'bybit' | 'hyperliquid';

export type Side = 'buy' | 'sell';
export type OrderType = 'limit' | 'market';
/** Good till canceled, immediate or cancel, fill or kill. */
export type TimeInForce = 'gtc' | 'ioc' | 'fok';
/** What {@link Venue.subscribe} can ask for. */
export type Channel = 'trades' | 'book' | 'ticker';

/** The two timestamps every event carries. */
export interface Stamped {
  /** The venue's event time, ms since the Unix epoch; null when the venue sends none. */
  venueTs: number | null;
  /** Local receive time, ms since the Unix epoch, sub-ms resolution (see {@link receiveTime}). */
  recvTs: number;
}

/** A public trade. */
export interface Trade extends Stamped {
  venue: VenueId;
  /** The venue's own symbol (`BTCUSDT` on Binance). */
  symbol: string;
  /** The venue's trade id, as a string. */
  id: string;
  price: number;
  qty: number;
  /** The taker's side: 'buy' lifted an ask, 'sell' hit a bid. */
  side: Side;
}

/** One price level: `[price, qty]`; in a delta, qty 0 removes the level (the book's own type). */
export type { Level } from '../../book/types.js';

/** An order book change. */
export interface BookUpdate extends Stamped {
  venue: VenueId;
  symbol: string;
  /** true: `bids`/`asks` are the whole book (replace what you have); false: changed levels only. */
  snapshot: boolean;
  /**
   * true on the snapshot that replaces a book the adapter discarded (a sequence gap, a checksum
   * mismatch, or a reconnect): anything derived from the old book is stale.
   */
  resynced: boolean;
  /** Changed (or, for a snapshot, all) bid levels, best first. */
  bids: Level[];
  /** Changed (or, for a snapshot, all) ask levels, best first. */
  asks: Level[];
  /** The venue's sequence / update id of the book after this update (Binance: `u`, or `lastUpdateId`). */
  sequence: number;
  /**
   * The adapter's book for this symbol after this update (best bid/ask, depth queries). It is the
   * live book: read it during the callback, copy (`toSnapshot()`) to keep.
   */
  book: OrderBook;
}

/** Best bid and offer. */
export interface Ticker extends Stamped {
  venue: VenueId;
  symbol: string;
  bidPrice: number;
  bidQty: number;
  askPrice: number;
  askQty: number;
}

export type OrderStatus = 'new' | 'partially_filled' | 'filled' | 'canceled' | 'rejected' | 'expired';

/** What to trade. */
export interface OrderRequest {
  symbol: string;
  side: Side;
  type: OrderType;
  /** Required for limit orders. */
  price?: number;
  qty: number;
  /** Your id for the order; generated when absent (returned in the ack). */
  clientOrderId?: string;
  /** Limit orders only; default 'gtc'. */
  timeInForce?: TimeInForce;
}

/** Which order to cancel: by your id or the venue's. */
export interface CancelRequest {
  symbol: string;
  clientOrderId?: string;
  orderId?: string;
}

/** The venue accepted a placement or cancel request. Rejections reject the promise instead. */
export interface OrderAck extends Stamped {
  venue: VenueId;
  symbol: string;
  clientOrderId: string;
  orderId: string;
  status: OrderStatus;
  /** Quantity filled at the time of the ack. */
  filledQty: number;
}

/** An order's state changed (from the venue's private stream). */
export interface OrderUpdate extends Stamped {
  venue: VenueId;
  symbol: string;
  clientOrderId: string;
  orderId: string;
  side: Side;
  type: OrderType;
  status: OrderStatus;
  /** Limit price; null for market orders. */
  price: number | null;
  qty: number;
  filledQty: number;
  /** Average fill price; null before the first fill. */
  avgPrice: number | null;
}

/** One execution of one of your orders. */
export interface Fill extends Stamped {
  venue: VenueId;
  symbol: string;
  clientOrderId: string;
  orderId: string;
  tradeId: string;
  side: Side;
  price: number;
  qty: number;
  fee: number;
  feeAsset: string;
  liquidity: 'maker' | 'taker';
}

/**
 * Local receive time in ms since the Unix epoch with sub-ms resolution:
 * `performance.timeOrigin + performance.now()`. Monotonic for the life of the process (it does not
 * follow wall-clock steps after start), comparable with venue timestamps and `Date.now()`.
 */
export function receiveTime(): number {
  return performance.timeOrigin + performance.now();
}
