/**
 * Coinbase Advanced Trade wire messages → domain types. Every function checks the fields it reads
 * and throws a VENUE_MESSAGE_INVALID TickwireError naming the first bad one (the adapter reports
 * it and goes on with the next message).
 */
import type { Level } from '../../book/types.js';
import type { Ticker, Trade } from '../common/types.js';
import { fieldReaders, type Obj } from '../common/fields.js';
import type { CoinbaseL2Update, CoinbaseMarketTrade, CoinbaseTicker } from './messages.js';

const fields = fieldReaders('coinbase');
const bad = fields.bad;
export const { asObject, asArray, string, integer } = fields;
/** A decimal string → number. */
export const decimal = fields.decimalString;

const RFC3339 = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d{1,9}))?(Z|[+-]\d\d:\d\d)$/;

/**
 * An RFC 3339 time with up to nanoseconds (`2023-02-09T20:32:50.714964855Z`) → ms since the Unix
 * epoch, keeping the sub-ms digits as a fraction.
 */
export function parseTime(v: unknown, what: string): number {
  const m = typeof v === 'string' ? RFC3339.exec(v) : null;
  if (!m) throw bad(what, v);
  const base = Date.parse(`${m[1] as string}${m[3] as string}`);
  if (!Number.isFinite(base)) throw bad(what, v);
  const frac = m[2];
  return frac === undefined ? base : base + Number(`0.${frac}`) * 1000;
}

/** The checked envelope of a data message. */
export interface ParsedEnvelope {
  channel: string;
  sequence: number;
  /** The envelope `timestamp`, ms. */
  time: number;
  events: unknown[];
}

export function parseEnvelope(m: Obj): ParsedEnvelope {
  return {
    channel: string(m.channel, 'channel'),
    sequence: integer(m.sequence_num, 'sequence_num'),
    time: parseTime(m.timestamp, 'timestamp'),
    events: asArray(m.events, 'events'),
  };
}

/** One `l2_data` event with its levels parsed: bids and asks in message order. */
export interface ParsedL2Event {
  type: 'snapshot' | 'update';
  productId: string;
  bids: Level[];
  asks: Level[];
  /** The latest `event_time` of its updates (ms), or null when it has none. */
  eventTime: number | null;
}

export function parseL2Event(v: unknown): ParsedL2Event {
  const e = asObject(v, 'l2_data event');
  const type = e.type;
  if (type !== 'snapshot' && type !== 'update') throw bad('l2_data event type', type);
  const productId = string(e.product_id, 'l2_data product_id');
  const updates = asArray(e.updates, 'l2_data updates');
  const bids: Level[] = [];
  const asks: Level[] = [];
  let eventTime: number | null = null;
  for (const raw of updates) {
    const u = asObject(raw, 'l2_data update') as Partial<Record<keyof CoinbaseL2Update, unknown>>;
    const price = decimal(u.price_level, 'l2_data price_level');
    const qty = decimal(u.new_quantity, 'l2_data new_quantity');
    if (price <= 0 || qty < 0) throw bad('l2_data level', raw);
    if (u.side === 'bid') bids.push([price, qty]);
    else if (u.side === 'offer' || u.side === 'ask') asks.push([price, qty]);
    else throw bad('l2_data side', u.side);
    if (type === 'update' && u.event_time !== undefined) {
      const t = parseTime(u.event_time, 'l2_data event_time');
      if (eventTime === null || t > eventTime) eventTime = t;
    }
  }
  return { type, productId, bids, asks, eventTime };
}

/** A `market_trades` trade → Trade. `side` is taken as the taker's side (see docs/venues.md). */
export function parseTrade(v: unknown, recvTs: number): Trade {
  const t = asObject(v, 'market_trades trade') as Partial<Record<keyof CoinbaseMarketTrade, unknown>>;
  const side = t.side === 'BUY' ? 'buy' : t.side === 'SELL' ? 'sell' : null;
  if (side === null) throw bad('market_trades side', t.side);
  const id = typeof t.trade_id === 'number' ? String(t.trade_id) : string(t.trade_id, 'market_trades trade_id');
  return {
    venue: 'coinbase',
    symbol: string(t.product_id, 'market_trades product_id'),
    id,
    price: decimal(t.price, 'market_trades price'),
    qty: decimal(t.size, 'market_trades size'),
    side,
    venueTs: parseTime(t.time, 'market_trades time'),
    recvTs,
  };
}

/** A `ticker` entry → Ticker; `venueTs` is the envelope time (tickers carry none of their own). */
export function parseTicker(v: unknown, venueTs: number, recvTs: number): Ticker {
  const t = asObject(v, 'ticker') as Partial<Record<keyof CoinbaseTicker, unknown>>;
  return {
    venue: 'coinbase',
    symbol: string(t.product_id, 'ticker product_id'),
    bidPrice: decimal(t.best_bid, 'ticker best_bid'),
    bidQty: decimal(t.best_bid_quantity, 'ticker best_bid_quantity'),
    askPrice: decimal(t.best_ask, 'ticker best_ask'),
    askQty: decimal(t.best_ask_quantity, 'ticker best_ask_quantity'),
    venueTs,
    recvTs,
  };
}
