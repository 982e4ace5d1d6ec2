/**
 * Hyperliquid wire messages → domain types. Every function checks the fields it reads and throws
 * a VENUE_MESSAGE_INVALID TickwireError naming the first bad one (the adapter reports it and
 * goes on with the next message).
 */
import type { Level } from '../../book/types.js';
import type { Fill, OrderStatus, OrderUpdate, Side, Stamped, Ticker, Trade } from '../common/types.js';
import { decimalStringValue, fieldReaders, type Obj } from '../common/fields.js';
import type { HyperliquidBbo, HyperliquidFill, HyperliquidL2Book, HyperliquidOrderUpdate, HyperliquidTrade } from './messages.js';

const fields = fieldReaders('hyperliquid');
const bad = fields.bad;
export const { asObject, asArray, string, integer } = fields;
/** A decimal string → number. */
export const decimal = fields.decimalString;

/** `B` (bid: the buyer) → 'buy', `A` (ask: the seller) → 'sell'. */
export function side(v: unknown, what: string): Side {
  if (v === 'B') return 'buy';
  if (v === 'A') return 'sell';
  throw bad(what, v);
}

function level(v: unknown, what: string): Level {
  const l = asObject(v, what);
  // Field names are built only for an error: no string per level on the hot path.
  const price = decimalStringValue(l.px);
  if (Number.isNaN(price)) throw bad(`${what} px`, l.px);
  const qty = decimalStringValue(l.sz);
  if (Number.isNaN(qty)) throw bad(`${what} sz`, l.sz);
  if (price <= 0 || qty < 0) throw bad(what, v);
  return [price, qty];
}

/** Mids of `allMids` (coin → mid price). */
export interface HyperliquidMids extends Stamped {
  venue: 'hyperliquid';
  /** Coin (`BTC`, `@107` for spot pairs) → mid price. */
  mids: Map<string, number>;
}

export function parseAllMids(v: unknown, recvTs: number): HyperliquidMids {
  const d = asObject(v, 'allMids data');
  const raw = asObject(d.mids, 'allMids mids');
  const mids = new Map<string, number>();
  for (const [coin, px] of Object.entries(raw)) mids.set(coin, decimal(px, `allMids ${coin}`));
  return { venue: 'hyperliquid', mids, venueTs: null, recvTs };
}

/** A checked `l2Book` with its levels parsed, best first. */
export interface ParsedL2Book {
  coin: string;
  time: number;
  bids: Level[];
  asks: Level[];
}

export function parseL2Book(v: unknown): ParsedL2Book {
  const d = asObject(v, 'l2Book data') as Partial<Record<keyof HyperliquidL2Book, unknown>>;
  const levels = asArray(d.levels, 'l2Book levels');
  if (levels.length !== 2) throw bad('l2Book levels', levels);
  return {
    coin: string(d.coin, 'l2Book coin'),
    time: integer(d.time, 'l2Book time'),
    bids: asArray(levels[0], 'l2Book bids').map((l) => level(l, 'l2Book bid')),
    asks: asArray(levels[1], 'l2Book asks').map((l) => level(l, 'l2Book ask')),
  };
}

export function parseTrade(v: unknown, recvTs: number): Trade {
  const t = asObject(v, 'trade') as Partial<Record<keyof HyperliquidTrade, unknown>>;
  return {
    venue: 'hyperliquid',
    symbol: string(t.coin, 'trade coin'),
    id: String(integer(t.tid, 'trade tid')),
    price: decimal(t.px, 'trade px'),
    qty: decimal(t.sz, 'trade sz'),
    side: side(t.side, 'trade side'),
    venueTs: integer(t.time, 'trade time'),
    recvTs,
  };
}

/** `bbo` → Ticker; null while a side of the book is empty. */
export function parseBbo(v: unknown, recvTs: number): Ticker | null {
  const d = asObject(v, 'bbo data') as Partial<Record<keyof HyperliquidBbo, unknown>>;
  const coin = string(d.coin, 'bbo coin');
  const time = integer(d.time, 'bbo time');
  const bbo = asArray(d.bbo, 'bbo bbo');
  if (bbo.length !== 2) throw bad('bbo bbo', bbo);
  if (bbo[0] === null || bbo[1] === null) return null;
  const [bidPrice, bidQty] = level(bbo[0], 'bbo bid');
  const [askPrice, askQty] = level(bbo[1], 'bbo ask');
  return { venue: 'hyperliquid', symbol: coin, bidPrice, bidQty, askPrice, askQty, venueTs: time, recvTs };
}

export function parseFill(v: unknown, recvTs: number): Fill {
  const f = asObject(v, 'fill') as Partial<Record<keyof HyperliquidFill, unknown>>;
  const crossed = f.crossed;
  if (typeof crossed !== 'boolean') throw bad('fill crossed', crossed);
  return {
    venue: 'hyperliquid',
    symbol: string(f.coin, 'fill coin'),
    clientOrderId: f.cloid === undefined || f.cloid === null ? '' : string(f.cloid, 'fill cloid'),
    orderId: String(integer(f.oid, 'fill oid')),
    tradeId: String(integer(f.tid, 'fill tid')),
    side: side(f.side, 'fill side'),
    price: decimal(f.px, 'fill px'),
    qty: decimal(f.sz, 'fill sz'),
    fee: decimal(f.fee, 'fill fee'),
    feeAsset: f.feeToken === undefined ? '' : string(f.feeToken, 'fill feeToken'),
    liquidity: crossed ? 'taker' : 'maker',
    venueTs: integer(f.time, 'fill time'),
    recvTs,
  };
}

/** Hyperliquid order statuses → the domain's (`*Canceled` / `*Rejected` variants included). */
export function orderStatus(status: string, remaining: number, original: number): OrderStatus {
  switch (status) {
    case 'open':
    case 'triggered':
      return remaining < original ? 'partially_filled' : 'new';
    case 'filled':
      return 'filled';
    case 'canceled':
      return 'canceled';
    case 'rejected':
      return 'rejected';
    default:
      if (/Canceled$/.test(status)) return 'canceled';
      if (/Rejected$/.test(status)) return 'rejected';
      throw bad('order status', status);
  }
}

export function parseOrderUpdate(v: unknown, recvTs: number): OrderUpdate {
  const u = asObject(v, 'order update') as Partial<Record<keyof HyperliquidOrderUpdate, unknown>>;
  const o = asObject(u.order, 'order update order');
  const qty = decimal(o.origSz, 'order origSz');
  const remaining = decimal(o.sz, 'order sz');
  return {
    venue: 'hyperliquid',
    symbol: string(o.coin, 'order coin'),
    clientOrderId: o.cloid === undefined || o.cloid === null ? '' : string(o.cloid, 'order cloid'),
    orderId: String(integer(o.oid, 'order oid')),
    side: side(o.side, 'order side'),
    // Every Hyperliquid order has a limit price (market orders are aggressive IOC limits).
    type: 'limit',
    status: orderStatus(string(u.status, 'order update status'), remaining, qty),
    price: decimal(o.limitPx, 'order limitPx'),
    qty,
    filledQty: difference(o.origSz as string, o.sz as string),
    avgPrice: null,
    venueTs: integer(u.statusTimestamp, 'order update statusTimestamp'),
    recvTs,
  };
}

/** `a - b` of two decimal strings, rounded to their decimals (no 0.30000000000000004). */
function difference(a: string, b: string): number {
  const decimals = Math.max(a.split('.')[1]?.length ?? 0, b.split('.')[1]?.length ?? 0);
  return Math.max(0, Number((Number(a) - Number(b)).toFixed(Math.min(decimals, 20))));
}
