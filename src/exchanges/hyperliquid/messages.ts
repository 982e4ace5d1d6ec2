/**
 * Hyperliquid WebSocket wire types (hyperliquid-python-sdk `utils/types.py`, gitbook). Prices and
 * sizes are decimal strings; times are ms since the Unix epoch.
 */

/** A subscription object, as sent in `{"method":"subscribe","subscription":…}`. */
export interface HyperliquidSubscription {
  type: 'allMids' | 'l2Book' | 'trades' | 'bbo' | 'userFills' | 'userEvents' | 'orderUpdates';
  coin?: string;
  user?: string;
}

/** Client → venue. `ping` is answered by `{"channel":"pong"}`. */
export type HyperliquidRequest = { method: 'subscribe' | 'unsubscribe'; subscription: HyperliquidSubscription } | { method: 'ping' };

/** Every message from the venue (after the plain-text `Websocket connection established.`). */
export interface HyperliquidMessage<T = unknown> {
  channel: string;
  data: T;
}

/** `subscriptionResponse`: the subscription as confirmed. */
export interface HyperliquidSubscriptionResponse {
  method: 'subscribe' | 'unsubscribe';
  subscription: HyperliquidSubscription;
}

/** `allMids`. */
export interface HyperliquidAllMids {
  mids: Record<string, string>;
}

/** One level of `l2Book` / `bbo`: price, size, number of orders. */
export interface HyperliquidLevel {
  px: string;
  sz: string;
  n: number;
}

/** `l2Book`: the whole book (up to 20 levels per side), bids then asks, best first. */
export interface HyperliquidL2Book {
  coin: string;
  time: number;
  levels: [HyperliquidLevel[], HyperliquidLevel[]];
}

/** `trades`: side B = the buyer was the aggressor, A = the seller. `users` = [buyer, seller]. */
export interface HyperliquidTrade {
  coin: string;
  side: 'A' | 'B';
  px: string;
  sz: string;
  hash: string;
  time: number;
  tid: number;
  users: [string, string];
}

/** `bbo`. */
export interface HyperliquidBbo {
  coin: string;
  time: number;
  bbo: [HyperliquidLevel | null, HyperliquidLevel | null];
}

/** A fill of `userFills` / `user` (userEvents). `crossed`: the order took liquidity. */
export interface HyperliquidFill {
  coin: string;
  px: string;
  sz: string;
  side: 'A' | 'B';
  time: number;
  startPosition: string;
  dir: string;
  closedPnl: string;
  hash: string;
  oid: number;
  crossed: boolean;
  fee: string;
  tid: number;
  feeToken: string;
  cloid?: string;
}

/** `userFills`: a first message with `isSnapshot: true` (recent fills), then new fills. */
export interface HyperliquidUserFills {
  user: string;
  isSnapshot?: boolean;
  fills: HyperliquidFill[];
}

/** `orderUpdates`: an array of these. */
export interface HyperliquidOrderUpdate {
  order: {
    coin: string;
    side: 'A' | 'B';
    limitPx: string;
    /** Remaining size. */
    sz: string;
    oid: number;
    timestamp: number;
    origSz: string;
    cloid?: string;
  };
  status: string;
  statusTimestamp: number;
}
