/**
 * Coinbase Advanced Trade WebSocket wire types (coinbase-advanced-py `coinbase/websocket/types/*`,
 * CDP channel pages). Prices and quantities are decimal strings; times RFC 3339 with nanoseconds.
 */

/** Client → venue: one message per channel; `product_ids` may list several products. */
export interface CoinbaseSubscribe {
  type: 'subscribe' | 'unsubscribe';
  product_ids: string[];
  channel: string;
  /** ES256 / EdDSA JWT, only for authenticated channels (not sent by this adapter). */
  jwt?: string;
}

/** Every data message: the channel, the send time and the per-connection `sequence_num`. */
export interface CoinbaseEnvelope<E = unknown> {
  channel: string;
  client_id?: string;
  timestamp: string;
  sequence_num: number;
  events: E[];
}

/** `{"type":"error","message":"…"}` (no envelope, no sequence_num). */
export interface CoinbaseErrorMessage {
  type: 'error';
  message: string;
}

/** Channel `subscriptions`: what the connection is subscribed to now (channel → product ids). */
export interface CoinbaseSubscriptionsEvent {
  subscriptions: Record<string, string[]>;
}

/** Channel `heartbeats`: one per second once subscribed. */
export interface CoinbaseHeartbeatEvent {
  current_time: string;
  heartbeat_counter: number | string;
}

/** Channel `l2_data` (subscribed as `level2`): `new_quantity` is absolute, "0" removes the level. */
export interface CoinbaseL2Event {
  type: 'snapshot' | 'update';
  product_id: string;
  updates: CoinbaseL2Update[];
}

export interface CoinbaseL2Update {
  side: 'bid' | 'offer';
  event_time: string;
  price_level: string;
  new_quantity: string;
}

/** Channel `market_trades`: a snapshot of recent trades on subscribe, then updates. */
export interface CoinbaseTradesEvent {
  type: 'snapshot' | 'update';
  trades: CoinbaseMarketTrade[];
}

export interface CoinbaseMarketTrade {
  trade_id: string;
  product_id: string;
  price: string;
  size: string;
  side: 'BUY' | 'SELL';
  time: string;
}

/** Channel `ticker`. */
export interface CoinbaseTickerEvent {
  type: 'snapshot' | 'update';
  tickers: CoinbaseTicker[];
}

export interface CoinbaseTicker {
  type: 'ticker';
  product_id: string;
  price: string;
  volume_24_h: string;
  low_24_h: string;
  high_24_h: string;
  low_52_w: string;
  high_52_w: string;
  price_percent_chg_24_h: string;
  best_bid: string;
  best_bid_quantity: string;
  best_ask: string;
  best_ask_quantity: string;
}
