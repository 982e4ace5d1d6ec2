/**
 * Kraken WebSocket v2 wire types, field names as on the wire. Prices and quantities are JSON
 * numbers; timestamps RFC 3339 strings.
 */

/** A request: `{"method":…,"params":{…},"req_id":…}`. */
export interface KrakenRequest {
  method: string;
  params?: Record<string, unknown>;
  req_id?: number;
}

/** A response to a request (one per symbol for subscribe/unsubscribe). */
export interface KrakenResponse {
  method: string;
  req_id?: number;
  success?: boolean;
  result?: Record<string, unknown>;
  error?: string;
  time_in?: string;
  time_out?: string;
}

/** A channel message: `{"channel":…,"type":"snapshot"|"update","data":[…]}`. */
export interface KrakenChannelMessage<T> {
  channel: string;
  type: 'snapshot' | 'update';
  data: T;
}

export interface KrakenBookLevel {
  price: number;
  qty: number;
}

export interface KrakenBookData {
  symbol: string;
  bids: KrakenBookLevel[];
  asks: KrakenBookLevel[];
  checksum: number;
  timestamp?: string;
}

export interface KrakenTradeData {
  symbol: string;
  side: 'buy' | 'sell';
  price: number;
  qty: number;
  ord_type: 'limit' | 'market';
  trade_id: number;
  timestamp: string;
}

export interface KrakenTickerData {
  symbol: string;
  bid: number;
  bid_qty: number;
  ask: number;
  ask_qty: number;
  last: number;
  volume: number;
  vwap: number;
  low: number;
  high: number;
  change: number;
  change_pct: number;
  timestamp?: string;
}

/** One pair of the `instrument` channel snapshot. */
export interface KrakenInstrumentPair {
  symbol: string;
  base: string;
  quote: string;
  price_precision: number;
  qty_precision: number;
}

/** `add_order` result. */
export interface KrakenAddOrderResult {
  order_id: string;
  cl_ord_id?: string;
}
