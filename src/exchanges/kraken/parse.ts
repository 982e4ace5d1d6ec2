/**
 * Kraken v2 wire messages → domain types. Every function checks the fields it reads and throws a
 * VENUE_MESSAGE_INVALID TickwireError naming the first bad one (the adapter reports it and goes
 * on with the next message).
 */
import type { Level } from '../../book/types.js';
import type { Fill, OrderStatus, OrderType, OrderUpdate, Side, Ticker, Trade } from '../common/types.js';
import { fieldReaders, type Obj } from '../common/fields.js';
import type { KrakenPrecision } from '../../book/kraken-checksum.js';

export type { Obj };
const fields = fieldReaders('kraken');
const bad = fields.bad;
export const { asObject, asArray } = fields;
export const str = fields.nonEmptyString;

function isQuantity(v: unknown): v is number {
  return typeof v === 'number' && v >= 0 && v !== Infinity;
}

/** A JSON number ≥ 0. */
export function number(v: unknown, what: string): number {
  if (!isQuantity(v)) throw bad(what, v);
  return v;
}

/** RFC 3339 → ms since the epoch (sub-ms digits kept as a fraction). */
export function time(v: unknown, what: string): number {
  if (typeof v !== 'string') throw bad(what, v);
  const ms = Date.parse(v);
  if (!Number.isFinite(ms)) throw bad(what, v);
  const frac = /\.\d{3}(\d+)Z$/.exec(v);
  return frac ? ms + Number(`0.${frac[1]}`) : ms;
}

function side(v: unknown, what: string): Side {
  if (v !== 'buy' && v !== 'sell') throw bad(what, v);
  return v;
}

/** `bids`/`asks` of a book message → levels (best first as sent). */
export function parseLevels(v: unknown, what: string): Level[] {
  const arr = asArray(v, what);
  const out: Level[] = new Array(arr.length);
  for (let i = 0; i < arr.length; i++) {
    // Field names are built only for an error: no string per level on the hot path.
    const item = arr[i];
    if (typeof item !== 'object' || item === null || Array.isArray(item)) throw bad(`${what}[${i}]`, item);
    const { price, qty } = item as Obj;
    if (!isQuantity(price)) throw bad(`${what}[${i}].price`, price);
    if (!isQuantity(qty)) throw bad(`${what}[${i}].qty`, qty);
    out[i] = [price, qty];
  }
  return out;
}

export interface ParsedKrakenBook {
  symbol: string;
  bids: Level[];
  asks: Level[];
  checksum: number;
  venueTs: number | null;
}

export function parseBookData(v: unknown): ParsedKrakenBook {
  const d = asObject(v, 'book data');
  const checksum = d.checksum;
  if (typeof checksum !== 'number' || !Number.isInteger(checksum) || checksum < 0 || checksum > 0xffffffff) throw bad('book checksum', checksum);
  return {
    symbol: str(d.symbol, 'book symbol'),
    bids: parseLevels(d.bids, 'book bids'),
    asks: parseLevels(d.asks, 'book asks'),
    checksum,
    venueTs: d.timestamp === undefined ? null : time(d.timestamp, 'book timestamp'),
  };
}

export function parseTrade(v: unknown, recvTs: number): Trade {
  const d = asObject(v, 'trade');
  const id = d.trade_id;
  if (typeof id !== 'number' || !Number.isInteger(id)) throw bad('trade trade_id', id);
  return {
    venue: 'kraken',
    symbol: str(d.symbol, 'trade symbol'),
    id: String(id),
    price: number(d.price, 'trade price'),
    qty: number(d.qty, 'trade qty'),
    side: side(d.side, 'trade side'),
    venueTs: time(d.timestamp, 'trade timestamp'),
    recvTs,
  };
}

export function parseTicker(v: unknown, recvTs: number): Ticker {
  const d = asObject(v, 'ticker');
  return {
    venue: 'kraken',
    symbol: str(d.symbol, 'ticker symbol'),
    bidPrice: number(d.bid, 'ticker bid'),
    bidQty: number(d.bid_qty, 'ticker bid_qty'),
    askPrice: number(d.ask, 'ticker ask'),
    askQty: number(d.ask_qty, 'ticker ask_qty'),
    venueTs: d.timestamp === undefined ? null : time(d.timestamp, 'ticker timestamp'),
    recvTs,
  };
}

/** `instrument` snapshot/update data → precision per symbol. */
export function parseInstrumentPairs(v: unknown): Map<string, KrakenPrecision> {
  const d = asObject(v, 'instrument data');
  const out = new Map<string, KrakenPrecision>();
  for (const [i, p] of asArray(d.pairs ?? [], 'instrument pairs').entries()) {
    const pair = asObject(p, `instrument pairs[${i}]`);
    const price = pair.price_precision;
    const qty = pair.qty_precision;
    if (typeof price !== 'number' || !Number.isInteger(price) || typeof qty !== 'number' || !Number.isInteger(qty)) throw bad(`instrument pairs[${i}] precision`, pair);
    out.set(str(pair.symbol, `instrument pairs[${i}].symbol`), { price, qty });
  }
  return out;
}

const ORDER_STATUS: Record<string, OrderStatus> = {
  pending_new: 'new',
  new: 'new',
  partially_filled: 'partially_filled',
  filled: 'filled',
  canceled: 'canceled',
  expired: 'expired',
};

/** What an `executions` item may omit and a previous item of the same order told. */
export interface KrakenOrderMemo {
  clientOrderId: string;
  symbol: string;
  side: Side;
  type: OrderType;
  price: number | null;
  qty: number;
}

/**
 * One `executions` item → an OrderUpdate and, for `exec_type: "trade"`, a Fill. Fields an item
 * does not repeat (Kraken sends the full order on `new`, less on later events) come from `memo`.
 */
export function parseExecution(v: unknown, recvTs: number, memo: KrakenOrderMemo | undefined): { update: OrderUpdate | null; fill: Fill | null; memo: KrakenOrderMemo } {
  const d = asObject(v, 'executions item');
  const orderId = str(d.order_id, 'executions order_id');
  const symbol = d.symbol === undefined && memo ? memo.symbol : str(d.symbol, 'executions symbol');
  const sideV = d.side === undefined && memo ? memo.side : side(d.side, 'executions side');
  const typeV = d.order_type === undefined && memo ? memo.type : d.order_type;
  if (typeV !== 'limit' && typeV !== 'market') throw bad('executions order_type', typeV);
  const next: KrakenOrderMemo = {
    clientOrderId: typeof d.cl_ord_id === 'string' ? d.cl_ord_id : (memo?.clientOrderId ?? ''),
    symbol,
    side: sideV,
    type: typeV,
    price: d.limit_price === undefined ? (memo?.price ?? null) : number(d.limit_price, 'executions limit_price'),
    qty: d.order_qty === undefined && memo ? memo.qty : number(d.order_qty, 'executions order_qty'),
  };
  const venueTs = time(d.timestamp, 'executions timestamp');
  const statusRaw = d.order_status;
  const status = statusRaw === undefined ? undefined : ORDER_STATUS[String(statusRaw)];
  if (statusRaw !== undefined && !status) throw bad('executions order_status', statusRaw);
  const filledQty = d.cum_qty === undefined ? 0 : number(d.cum_qty, 'executions cum_qty');
  const avg = d.avg_price === undefined ? 0 : number(d.avg_price, 'executions avg_price');
  const update: OrderUpdate | null = status
    ? {
        venue: 'kraken',
        symbol,
        clientOrderId: next.clientOrderId,
        orderId,
        side: next.side,
        type: next.type,
        status,
        price: next.type === 'limit' ? next.price : null,
        qty: next.qty,
        filledQty,
        avgPrice: filledQty > 0 && avg > 0 ? avg : null,
        venueTs,
        recvTs,
      }
    : null;
  let fill: Fill | null = null;
  if (d.exec_type === 'trade') {
    const fees = d.fees === undefined ? [] : asArray(d.fees, 'executions fees');
    const fee0 = fees.length ? asObject(fees[0], 'executions fees[0]') : null;
    fill = {
      venue: 'kraken',
      symbol,
      clientOrderId: next.clientOrderId,
      orderId,
      tradeId: d.trade_id === undefined ? str(d.exec_id, 'executions exec_id') : String(d.trade_id as number),
      side: next.side,
      price: number(d.last_price, 'executions last_price'),
      qty: number(d.last_qty, 'executions last_qty'),
      fee: fee0 ? number(fee0.qty, 'executions fees[0].qty') : 0,
      feeAsset: fee0 && typeof fee0.asset === 'string' ? fee0.asset : '',
      liquidity: d.liquidity_ind === 'm' ? 'maker' : 'taker',
      venueTs,
      recvTs,
    };
  }
  return { update, fill, memo: next };
}
