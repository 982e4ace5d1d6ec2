/**
 * The Coinbase Advanced Trade adapter: {@link Venue} over the public market-data WebSocket
 * (data.ts). Market data needs no credentials.
 *
 * ```ts
 * const coinbase = new CoinbaseVenue();                         // wss://advanced-trade-ws.coinbase.com
 * coinbase.on('book', (u) => …); coinbase.on('error', (e) => …);
 * await coinbase.subscribe('book', 'BTC-USD');                   // resolves once the snapshot is applied
 * ```
 *
 * Order entry on Coinbase Advanced Trade is REST (`POST /api/v3/brokerage/orders`, each request
 * authenticated by a fresh ES256 or EdDSA JWT that names the request's method and path); there is
 * no order placement over its WebSocket. It is not part of this adapter: `placeOrder` and
 * `cancelOrder` reject with VENUE_UNSUPPORTED.
 *
 * Keepalive: the adapter subscribes `heartbeats` on every connection (Coinbase closes channels that
 * see no updates for 60-90 s otherwise) and, unless `connect.heartbeat` says otherwise, turns on
 * the transport's ping/pong check so a connection that goes silent is detected and reconnected.
 */
import { EventEmitter } from 'node:events';

import type { OrderBook } from '../../book/order-book.js';
import { TickwireError } from '../../native/errors.js';
import { DEFAULT_HEARTBEAT, type ConnectOptions } from '../../net/options.js';
import type { CancelRequest, Channel, OrderAck, OrderRequest } from '../common/types.js';
import { checkChannel, venueEventSink, VenueError, type Venue, type VenueEvents } from '../common/venue.js';
import { CoinbaseMarketData } from './data.js';
import { COINBASE_MARKET_URL } from './urls.js';

export interface CoinbaseOptions {
  /** Market-data endpoint, default `wss://advanced-trade-ws.coinbase.com` (the simulator: its `url`). */
  url?: string;
  /**
   * Transport options (TLS pins, reconnect, …). `heartbeat` defaults to the transport's
   * { intervalMs: 15 000, timeoutMs: 10 000 } here; pass `false` to turn it off.
   */
  connect?: ConnectOptions;
  /** A subscribe without the venue's confirmation after this long rejects with CONN_TIMEOUT. Default 10 000. */
  requestTimeoutMs?: number;
}

/** Why order entry rejects (the VENUE_UNSUPPORTED message). */
export const COINBASE_ORDER_ENTRY_UNSUPPORTED =
  'coinbase: order entry is not supported by this adapter: Coinbase Advanced Trade takes orders over REST ' +
  '(POST /api/v3/brokerage/orders, each request signed with its own ES256/EdDSA JWT), not over the WebSocket';

export class CoinbaseVenue extends EventEmitter<VenueEvents> implements Venue {
  readonly id = 'coinbase' as const;
  readonly #data: CoinbaseMarketData;

  constructor(options: CoinbaseOptions = {}) {
    super();
    const requestTimeoutMs = options.requestTimeoutMs ?? 10_000;
    if (!Number.isInteger(requestTimeoutMs) || requestTimeoutMs < 1) {
      throw new TickwireError('INVALID_ARGUMENT', `requestTimeoutMs must be a positive integer, got ${String(requestTimeoutMs)}`);
    }
    const connect: ConnectOptions = { ...options.connect, heartbeat: options.connect?.heartbeat ?? DEFAULT_HEARTBEAT };
    this.#data = new CoinbaseMarketData(
      { url: options.url ?? COINBASE_MARKET_URL, connect, requestTimeoutMs },
      venueEventSink(this),
    );
  }

  /** Nothing to open ahead: the connection opens at the first subscribe. */
  async connect(): Promise<void> {}

  close(): Promise<void> {
    return this.#data.close();
  }

  /** 'book' → `level2`, 'trades' → `market_trades`, 'ticker' → `ticker`, for a product id like `BTC-USD`. */
  async subscribe(channel: Channel, productId: string): Promise<void> {
    checkProduct(productId);
    checkChannel(channel);
    return this.#data.subscribe(channel, productId);
  }

  unsubscribe(channel: Channel, productId: string): Promise<void> {
    return this.#data.unsubscribe(channel, productId);
  }

  /** The live book of a subscribed product (undefined before `subscribe('book', productId)`). */
  book(productId: string): OrderBook | undefined {
    return this.#data.book(productId);
  }

  /** The last `heartbeats` message (counter, local receive time), null before the first. */
  get lastHeartbeat(): { counter: number; recvTs: number } | null {
    return this.#data.lastHeartbeat;
  }

  /** Always rejects with VENUE_UNSUPPORTED: Coinbase order entry is REST with a JWT per request. */
  placeOrder(_order: OrderRequest): Promise<OrderAck> {
    return Promise.reject(new VenueError('VENUE_UNSUPPORTED', 'coinbase', COINBASE_ORDER_ENTRY_UNSUPPORTED));
  }

  /** Always rejects with VENUE_UNSUPPORTED (see placeOrder). */
  cancelOrder(_cancel: CancelRequest): Promise<OrderAck> {
    return Promise.reject(new VenueError('VENUE_UNSUPPORTED', 'coinbase', COINBASE_ORDER_ENTRY_UNSUPPORTED));
  }
}

function checkProduct(productId: string): void {
  if (typeof productId !== 'string' || !/^[A-Z0-9]{1,12}-[A-Z0-9]{1,12}$/.test(productId)) {
    throw new TickwireError('INVALID_ARGUMENT', `product id must be a Coinbase product like 'BTC-USD', got '${String(productId)}'`);
  }
}
