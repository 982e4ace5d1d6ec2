/**
 * Bybit v5 wire types, field names as on the wire. Prices and quantities are decimal strings.
 */

/** A `[price, size]` level. */
export type BybitLevel = [price: string, size: string];

/** `orderbook.{depth}.{symbol}`. */
export interface BybitOrderbookMessage {
  topic: string;
  ts: number;
  type: 'snapshot' | 'delta';
  data: { s: string; b: BybitLevel[]; a: BybitLevel[]; u: number; seq: number };
  cts: number;
}

/** One item of `publicTrade.{symbol}` (`S`: the taker's side). */
export interface BybitPublicTrade {
  T: number;
  s: string;
  S: 'Buy' | 'Sell';
  v: string;
  p: string;
  i: string;
  BT: boolean;
  seq: number;
}

/** Public/private stream op response (`subscribe`, `ping`, private `auth`). */
export interface BybitOpResponse {
  success?: boolean;
  ret_msg?: string;
  conn_id?: string;
  req_id?: string;
  op: string;
}

/** Trade stream response (`auth`, `order.create`, `order.cancel`). */
export interface BybitTradeResponse {
  reqId?: string;
  retCode: number;
  retMsg: string;
  op: string;
  data?: { orderId?: string; orderLinkId?: string };
  header?: Record<string, string>;
  connId?: string;
}
