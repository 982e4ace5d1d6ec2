/**
 * Bybit v5 wire messages → domain types. Every function checks the fields it reads and throws a
 * VENUE_MESSAGE_INVALID TickwireError naming the first bad one (the adapter reports it and goes
 * on with the next message).
 */
import type { Level } from '../../book/types.js';
import type { Fill, OrderStatus, OrderUpdate, Ticker, Trade } from '../common/types.js';
import { fieldReaders, type Obj } from '../common/fields.js';

export type { Obj };
const fields = fieldReaders('bybit');
const bad = fields.bad;
export const { asObject, asArray } = fields;
export const str = fields.nonEmptyString;

/** A decimal string → number (≥ 0); NaN when it is not one. */
function toDecimal(v: unknown): number {
  const n = typeof v === 'string' && v !== '' ? Number(v) : NaN;
  return n >= 0 && n !== Infinity ? n : NaN;
}

/** A decimal string → number (≥ 0). */
export function decimal(v: unknown, what: string): number {
  const n = toDecimal(v);
  if (Number.isNaN(n)) throw bad(what, v);
  return n;
}

/** An integer (ms timestamps, update ids), as a number or a numeric string. */
export function int(v: unknown, what: string): number {
  const n = typeof v === 'number' ? v : typeof v === 'string' && v !== '' ? Number(v) : NaN;
  if (!Number.isSafeInteger(n)) throw bad(what, v);
  return n;
}

export function parseLevels(v: unknown, what: string): Level[] {
  const arr = asArray(v, what);
  const out: Level[] = new Array(arr.length);
  for (let i = 0; i < arr.length; i++) {
    const l = arr[i];
    if (!Array.isArray(l) || l.length < 2) throw bad(`${what}[${i}]`, l);
    // Field names are built only for an error: no string per level on the hot path.
    const price = toDecimal(l[0]);
    if (Number.isNaN(price)) throw bad(`${what}[${i}] price`, l[0]);
    const size = toDecimal(l[1]);
    if (Number.isNaN(size)) throw bad(`${what}[${i}] size`, l[1]);
    out[i] = [price, size];
  }
  return out;
}

export interface ParsedBybitBook {
  topic: string;
  type: 'snapshot' | 'delta';
  symbol: string;
  bids: Level[];
  asks: Level[];
  u: number;
  seq: number;
  /** `cts` (matching engine time) when present, else `ts`. */
  venueTs: number;
}

export function parseOrderbook(m: Obj): ParsedBybitBook {
  const type = m.type;
  if (type !== 'snapshot' && type !== 'delta') throw bad('orderbook type', type);
  const d = asObject(m.data, 'orderbook data');
  return {
    topic: str(m.topic, 'orderbook topic'),
    type,
    symbol: str(d.s, 'orderbook data.s'),
    bids: parseLevels(d.b, 'orderbook bids'),
    asks: parseLevels(d.a, 'orderbook asks'),
    u: int(d.u, 'orderbook u'),
    seq: int(d.seq, 'orderbook seq'),
    venueTs: m.cts === undefined ? int(m.ts, 'orderbook ts') : int(m.cts, 'orderbook cts'),
  };
}

export function parsePublicTrade(v: unknown, recvTs: number): Trade {
  const d = asObject(v, 'publicTrade item');
  const side = d.S;
  if (side !== 'Buy' && side !== 'Sell') throw bad('publicTrade S', side);
  return {
    venue: 'bybit',
    symbol: str(d.s, 'publicTrade s'),
    id: str(d.i, 'publicTrade i'),
    price: decimal(d.p, 'publicTrade p'),
    qty: decimal(d.v, 'publicTrade v'),
    side: side === 'Buy' ? 'buy' : 'sell',
    venueTs: int(d.T, 'publicTrade T'),
    recvTs,
  };
}

/** A level-1 book message → best bid/offer (a side may be empty: 0 / 0). */
export function tickerFromLevel1(b: ParsedBybitBook, recvTs: number): Ticker {
  const bid = b.bids[0];
  const ask = b.asks[0];
  return {
    venue: 'bybit',
    symbol: b.symbol,
    bidPrice: bid?.[0] ?? 0,
    bidQty: bid?.[1] ?? 0,
    askPrice: ask?.[0] ?? 0,
    askQty: ask?.[1] ?? 0,
    venueTs: b.venueTs,
    recvTs,
  };
}

const STATUS: Record<string, OrderStatus> = {
  New: 'new',
  Created: 'new',
  Untriggered: 'new',
  PartiallyFilled: 'partially_filled',
  Filled: 'filled',
  Cancelled: 'canceled',
  PartiallyFilledCanceled: 'canceled',
  Rejected: 'rejected',
  Deactivated: 'expired',
};

/** One item of the private `order` topic. */
export function parseOrder(v: unknown, recvTs: number): OrderUpdate {
  const d = asObject(v, 'order item');
  const status = STATUS[String(d.orderStatus)];
  if (!status) throw bad('order orderStatus', d.orderStatus);
  const type = d.orderType === 'Limit' ? 'limit' : d.orderType === 'Market' ? 'market' : null;
  if (!type) throw bad('order orderType', d.orderType);
  if (d.side !== 'Buy' && d.side !== 'Sell') throw bad('order side', d.side);
  const filled = decimal(d.cumExecQty, 'order cumExecQty');
  const avg = d.avgPrice === '' || d.avgPrice === undefined ? null : decimal(d.avgPrice, 'order avgPrice');
  return {
    venue: 'bybit',
    symbol: str(d.symbol, 'order symbol'),
    clientOrderId: typeof d.orderLinkId === 'string' ? d.orderLinkId : '',
    orderId: str(d.orderId, 'order orderId'),
    side: d.side === 'Buy' ? 'buy' : 'sell',
    type,
    status,
    price: type === 'limit' ? decimal(d.price, 'order price') : null,
    qty: decimal(d.qty, 'order qty'),
    filledQty: filled,
    avgPrice: filled > 0 ? avg : null,
    venueTs: int(d.updatedTime, 'order updatedTime'),
    recvTs,
  };
}

/** One item of the private `execution` topic. */
export function parseExecution(v: unknown, recvTs: number): Fill {
  const d = asObject(v, 'execution item');
  if (d.side !== 'Buy' && d.side !== 'Sell') throw bad('execution side', d.side);
  return {
    venue: 'bybit',
    symbol: str(d.symbol, 'execution symbol'),
    clientOrderId: typeof d.orderLinkId === 'string' ? d.orderLinkId : '',
    orderId: str(d.orderId, 'execution orderId'),
    tradeId: str(d.execId, 'execution execId'),
    side: d.side === 'Buy' ? 'buy' : 'sell',
    price: decimal(d.execPrice, 'execution execPrice'),
    qty: decimal(d.execQty, 'execution execQty'),
    fee: decimal(d.execFee, 'execution execFee'),
    feeAsset: typeof d.feeCurrency === 'string' ? d.feeCurrency : '',
    liquidity: d.isMaker === true ? 'maker' : 'taker',
    venueTs: int(d.execTime, 'execution execTime'),
    recvTs,
  };
}
