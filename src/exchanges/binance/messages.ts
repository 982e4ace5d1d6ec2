/**
 * Binance spot wire types: what the venue sends and accepts, field names as on the wire.
 * Prices and quantities are decimal strings.
 */

/** A `[price, qty]` level as sent. */
export type BinanceLevel = [price: string, qty: string];

/** Combined-stream envelope. */
export interface BinanceCombined<T> {
  stream: string;
  data: T;
}

/** `<symbol>@trade`. `m`: the buyer is the maker (so the taker sold). */
export interface BinanceTrade {
  e: 'trade';
  E: number;
  s: string;
  t: number;
  p: string;
  q: string;
  T: number;
  m: boolean;
  M: boolean;
}

/** `<symbol>@depth[@100ms]`: absolute quantities of changed levels; `U`..`u` the update ids covered. */
export interface BinanceDepthUpdate {
  e: 'depthUpdate';
  E: number;
  s: string;
  U: number;
  u: number;
  b: BinanceLevel[];
  a: BinanceLevel[];
}

/** `<symbol>@bookTicker` (no event type, no event time). */
export interface BinanceBookTicker {
  u: number;
  s: string;
  b: string;
  B: string;
  a: string;
  A: string;
}

/** Answer to SUBSCRIBE / UNSUBSCRIBE on a market-stream connection. */
export interface BinanceStreamResponse {
  result?: unknown;
  id: number | string | null;
  code?: number;
  msg?: string;
  error?: BinanceError;
}

/** Binance's error shape. */
export interface BinanceError {
  code: number;
  msg: string;
}

/** WebSocket API request. */
export interface BinanceApiRequest {
  id: string | number | null;
  method: string;
  params?: Record<string, string | number | boolean>;
}

/** WebSocket API response: `result` on status 200, `error` otherwise. */
export interface BinanceApiResponse<R = unknown> {
  id: string | number | null;
  status: number;
  result?: R;
  error?: BinanceError;
  rateLimits?: unknown[];
}

/** `depth` result (also REST `GET /api/v3/depth`). */
export interface BinanceDepthSnapshot {
  lastUpdateId: number;
  bids: BinanceLevel[];
  asks: BinanceLevel[];
}

export type BinanceOrderStatus = 'NEW' | 'PARTIALLY_FILLED' | 'FILLED' | 'CANCELED' | 'PENDING_CANCEL' | 'REJECTED' | 'EXPIRED' | 'EXPIRED_IN_MATCH';

/** `order.place` (newOrderRespType RESULT) and `order.cancel` result. */
export interface BinanceOrderResult {
  symbol: string;
  orderId: number;
  orderListId: number;
  clientOrderId: string;
  origClientOrderId?: string;
  transactTime?: number;
  price?: string;
  origQty?: string;
  executedQty?: string;
  cummulativeQuoteQty?: string;
  status?: BinanceOrderStatus;
  timeInForce?: string;
  type?: string;
  side?: 'BUY' | 'SELL';
}

/** User data stream event, delivered as `{"subscriptionId":n,"event":…}` on the WebSocket API. */
export interface BinanceUserEvent<E = unknown> {
  subscriptionId: number;
  event: E;
}

/** `executionReport` (the fields tickwire reads). */
export interface BinanceExecutionReport {
  e: 'executionReport';
  E: number;
  s: string;
  /** Client order id (for a cancel: the cancel request's id; the order's is in `C`). */
  c: string;
  S: 'BUY' | 'SELL';
  o: string;
  f: string;
  q: string;
  p: string;
  C: string;
  /** Execution type: NEW, CANCELED, REPLACED, REJECTED, TRADE, EXPIRED, TRADE_PREVENTION. */
  x: string;
  X: BinanceOrderStatus;
  i: number;
  /** Last executed quantity and price. */
  l: string;
  L: string;
  /** Cumulative filled quantity and quote quantity. */
  z: string;
  Z: string;
  n: string;
  N: string | null;
  T: number;
  t: number;
  m: boolean;
}
