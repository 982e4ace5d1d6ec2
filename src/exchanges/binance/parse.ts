/**
 * Binance wire messages → domain types. Every function checks the fields it reads and throws a
 * VENUE_MESSAGE_INVALID TickwireError naming the first bad one (the adapter reports it and goes
 * on with the next message).
 */
import type { Level } from '../../book/types.js';
import type { Fill, OrderAck, OrderStatus, OrderType, OrderUpdate, Ticker, Trade } from '../common/types.js';
import { fieldReaders } from '../common/fields.js';
import type {
  BinanceBookTicker,
  BinanceDepthSnapshot,
  BinanceDepthUpdate,
  BinanceExecutionReport,
  BinanceOrderResult,
  BinanceOrderStatus,
  BinanceTrade,
} from './messages.js';

const fields = fieldReaders('binance');
const bad = fields.bad;
export const { asObject, integer } = fields;
const { string, boolean } = fields;

/** A decimal string (or JSON number) → number; NaN when it is not one. */
function toDecimal(v: unknown): number {
  const n = typeof v === 'string' && v !== '' ? Number(v) : typeof v === 'number' ? v : NaN;
  return Number.isFinite(n) ? n : NaN;
}

/** A decimal string (or JSON number) → number. */
export function decimal(v: unknown, what: string): number {
  const n = toDecimal(v);
  if (Number.isNaN(n)) throw bad(what, v);
  return n;
}

/** Levels as sent → numeric levels. */
export function levels(v: unknown, what: string): Level[] {
  if (!Array.isArray(v)) throw bad(what, v);
  const out: Level[] = new Array<Level>(v.length);
  for (let i = 0; i < v.length; i++) {
    const l = v[i] as unknown;
    if (!Array.isArray(l) || l.length < 2) throw bad(what, l);
    // Field names are built only for an error: no string per level on the hot path.
    const price = toDecimal(l[0]);
    if (Number.isNaN(price)) throw bad(`${what} price`, l[0]);
    const qty = toDecimal(l[1]);
    if (Number.isNaN(qty)) throw bad(`${what} qty`, l[1]);
    if (price <= 0 || qty < 0) throw bad(what, l);
    out[i] = [price, qty];
  }
  return out;
}

export function parseTrade(v: unknown, recvTs: number): Trade {
  const d = asObject(v, 'trade') as Partial<Record<keyof BinanceTrade, unknown>>;
  if (d.e !== 'trade') throw bad('trade.e', d.e);
  return {
    venue: 'binance',
    symbol: string(d.s, 'trade.s'),
    id: String(integer(d.t, 'trade.t')),
    price: decimal(d.p, 'trade.p'),
    qty: decimal(d.q, 'trade.q'),
    side: boolean(d.m, 'trade.m') ? 'sell' : 'buy',
    venueTs: integer(d.T, 'trade.T'),
    recvTs,
  };
}

/** A checked depthUpdate with its levels parsed. */
export interface ParsedDepthUpdate {
  symbol: string;
  U: number;
  u: number;
  E: number;
  bids: Level[];
  asks: Level[];
}

export function parseDepthUpdate(v: unknown): ParsedDepthUpdate {
  const d = asObject(v, 'depthUpdate') as Partial<Record<keyof BinanceDepthUpdate, unknown>>;
  if (d.e !== 'depthUpdate') throw bad('depthUpdate.e', d.e);
  const U = integer(d.U, 'depthUpdate.U');
  const u = integer(d.u, 'depthUpdate.u');
  if (U > u) throw bad('depthUpdate U..u', [U, u]);
  return {
    symbol: string(d.s, 'depthUpdate.s'),
    U,
    u,
    E: integer(d.E, 'depthUpdate.E'),
    bids: levels(d.b, 'depthUpdate.b'),
    asks: levels(d.a, 'depthUpdate.a'),
  };
}

export function parseDepthSnapshot(v: unknown): { lastUpdateId: number; bids: Level[]; asks: Level[] } {
  const d = asObject(v, 'depth') as Partial<Record<keyof BinanceDepthSnapshot, unknown>>;
  return {
    lastUpdateId: integer(d.lastUpdateId, 'depth.lastUpdateId'),
    bids: levels(d.bids, 'depth.bids'),
    asks: levels(d.asks, 'depth.asks'),
  };
}

export function parseBookTicker(v: unknown, recvTs: number): Ticker {
  const d = asObject(v, 'bookTicker') as Partial<Record<keyof BinanceBookTicker, unknown>>;
  integer(d.u, 'bookTicker.u');
  return {
    venue: 'binance',
    symbol: string(d.s, 'bookTicker.s'),
    bidPrice: decimal(d.b, 'bookTicker.b'),
    bidQty: decimal(d.B, 'bookTicker.B'),
    askPrice: decimal(d.a, 'bookTicker.a'),
    askQty: decimal(d.A, 'bookTicker.A'),
    venueTs: null,
    recvTs,
  };
}

const STATUS: Record<BinanceOrderStatus, OrderStatus> = {
  NEW: 'new',
  PARTIALLY_FILLED: 'partially_filled',
  FILLED: 'filled',
  CANCELED: 'canceled',
  PENDING_CANCEL: 'canceled',
  REJECTED: 'rejected',
  EXPIRED: 'expired',
  EXPIRED_IN_MATCH: 'expired',
};

export function orderStatus(v: unknown, what: string): OrderStatus {
  const s = typeof v === 'string' ? STATUS[v as BinanceOrderStatus] : undefined;
  if (s === undefined) throw bad(what, v);
  return s;
}

function orderType(v: unknown, what: string): OrderType {
  if (v === 'MARKET') return 'market';
  if (typeof v === 'string' && v.includes('LIMIT')) return 'limit';
  throw bad(what, v);
}

/** `order.place` / `order.cancel` result → ack. */
export function parseOrderResult(v: unknown, recvTs: number): OrderAck {
  const r = asObject(v, 'order result') as Partial<Record<keyof BinanceOrderResult, unknown>>;
  const clientOrderId = string(r.origClientOrderId ?? r.clientOrderId, 'order result clientOrderId');
  return {
    venue: 'binance',
    symbol: string(r.symbol, 'order result symbol'),
    clientOrderId,
    orderId: String(integer(r.orderId, 'order result orderId')),
    status: r.status === undefined ? 'new' : orderStatus(r.status, 'order result status'),
    filledQty: r.executedQty === undefined ? 0 : decimal(r.executedQty, 'order result executedQty'),
    venueTs: r.transactTime === undefined ? null : integer(r.transactTime, 'order result transactTime'),
    recvTs,
  };
}

/** `executionReport` → the order's new state, and the fill when it traded. */
export function parseExecutionReport(v: unknown, recvTs: number): { update: OrderUpdate; fill: Fill | null } {
  const d = asObject(v, 'executionReport') as Partial<Record<keyof BinanceExecutionReport, unknown>>;
  const x = string(d.x, 'executionReport.x');
  const status = orderStatus(d.X, 'executionReport.X');
  // On a cancel, `c` is the cancel request's id and `C` the order's.
  const c = string(d.c, 'executionReport.c');
  const C = d.C === undefined || d.C === null ? '' : string(d.C, 'executionReport.C');
  const clientOrderId = x === 'CANCELED' && C !== '' ? C : c;
  const side = d.S === 'BUY' ? 'buy' : d.S === 'SELL' ? 'sell' : null;
  if (side === null) throw bad('executionReport.S', d.S);
  const type = orderType(d.o, 'executionReport.o');
  const symbol = string(d.s, 'executionReport.s');
  const orderId = String(integer(d.i, 'executionReport.i'));
  const filledQty = decimal(d.z, 'executionReport.z');
  const quote = decimal(d.Z, 'executionReport.Z');
  const venueTs = integer(d.E, 'executionReport.E');
  const price = decimal(d.p, 'executionReport.p');
  const update: OrderUpdate = {
    venue: 'binance',
    symbol,
    clientOrderId,
    orderId,
    side,
    type,
    status,
    price: type === 'market' || price === 0 ? null : price,
    qty: decimal(d.q, 'executionReport.q'),
    filledQty,
    avgPrice: filledQty > 0 ? quote / filledQty : null,
    venueTs,
    recvTs,
  };
  let fill: Fill | null = null;
  if (x === 'TRADE') {
    fill = {
      venue: 'binance',
      symbol,
      clientOrderId,
      orderId,
      tradeId: String(integer(d.t, 'executionReport.t')),
      side,
      price: decimal(d.L, 'executionReport.L'),
      qty: decimal(d.l, 'executionReport.l'),
      fee: decimal(d.n, 'executionReport.n'),
      feeAsset: d.N === null || d.N === undefined ? '' : string(d.N, 'executionReport.N'),
      liquidity: boolean(d.m, 'executionReport.m') ? 'maker' : 'taker',
      venueTs: d.T === undefined ? venueTs : integer(d.T, 'executionReport.T'),
      recvTs,
    };
  }
  return { update, fill };
}

