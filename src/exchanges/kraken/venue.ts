/**
 * The Kraken spot adapter (WebSocket v2): {@link Venue} over two connections, market data
 * (data.ts, `ws.kraken.com/v2`) and order entry (execution.ts, `ws-auth.kraken.com/v2`).
 *
 * ```ts
 * const kraken = new KrakenVenue({ token: () => fetchWsToken() });   // real endpoints by default
 * kraken.on('book', (u) => …); kraken.on('error', (e) => …);
 * await kraken.subscribe('book', 'BTC/USD');                          // resolves once the snapshot is applied
 * const ack = await kraken.placeOrder({ symbol: 'BTC/USD', side: 'buy', type: 'limit', price: 30000, qty: 0.001 });
 * ```
 *
 * The token: Kraken authenticates WebSocket requests with a token from the REST call
 * `POST /0/private/GetWebSocketsToken` (API key with the "WebSocket interface" and trading
 * permissions; REST signing is out of scope here). Pass it as `token`, or pass a function that
 * fetches one: it is called again for each new connection. The simulator accepts
 * `sim.krakenSimToken(apiKey, secret)` for its demo credentials.
 */
import { EventEmitter } from 'node:events';

import type { KrakenPrecision } from '../../book/kraken-checksum.js';
import type { OrderBook } from '../../book/order-book.js';
import { TickwireError } from '../../native/errors.js';
import { DEFAULT_HEARTBEAT, type ConnectOptions } from '../../net/options.js';
import type { CancelRequest, Channel, OrderAck, OrderRequest } from '../common/types.js';
import { checkChannel, venueEventSink, type Venue, type VenueEvents } from '../common/venue.js';
import { KrakenMarketData } from './data.js';
import { KrakenExecution, type KrakenTokenSource } from './execution.js';
import { KRAKEN_BOOK_DEPTHS, KRAKEN_WS_AUTH_URL, KRAKEN_WS_URL, type KrakenBookDepth } from './urls.js';

export interface KrakenOptions {
  /** Public endpoint, default `wss://ws.kraken.com/v2` (the simulator: `${url}/v2`). */
  url?: string;
  /** Authenticated endpoint, default `wss://ws-auth.kraken.com/v2` (the simulator: `${url}/v2`). */
  authUrl?: string;
  /** WebSocket token (or a function fetching one per connection): needed for orders. */
  token?: KrakenTokenSource;
  /**
   * Transport options for both connections (TLS pins, reconnect, heartbeat, …). Default heartbeat:
   * a WebSocket ping every 15 s, the connection is dropped (and reconnects) after 10 s without an answer.
   */
  connect?: ConnectOptions;
  /** Book depth to subscribe: 10 (default), 25, 100, 500, 1000. */
  depth?: KrakenBookDepth;
  /** Price/qty decimals per pair; pairs not listed are looked up on the `instrument` channel. */
  precision?: Readonly<Record<string, KrakenPrecision>> | ((symbol: string) => KrakenPrecision | undefined);
  /** Application-level `ping` interval; 0 = off. Default 30 000. */
  pingIntervalMs?: number;
  /** Requests without a response after this long reject with CONN_TIMEOUT. Default 10 000. */
  requestTimeoutMs?: number;
  /** 'template' (default): native order templates; 'reference': JSON.stringify per order. */
  orderPath?: 'template' | 'reference';
}

export class KrakenVenue extends EventEmitter<VenueEvents> implements Venue {
  readonly id = 'kraken' as const;
  readonly #data: KrakenMarketData;
  readonly #exec: KrakenExecution;

  constructor(options: KrakenOptions = {}) {
    super();
    const depth = options.depth ?? 10;
    if (!(KRAKEN_BOOK_DEPTHS as readonly number[]).includes(depth)) {
      throw new TickwireError('INVALID_ARGUMENT', `depth must be one of ${KRAKEN_BOOK_DEPTHS.join(', ')}, got ${String(depth)}`);
    }
    const orderPath = options.orderPath ?? 'template';
    if (orderPath !== 'template' && orderPath !== 'reference') throw new TickwireError('INVALID_ARGUMENT', `orderPath must be 'template' or 'reference'`);
    const p = options.precision;
    const precision = typeof p === 'function' ? p : (symbol: string): KrakenPrecision | undefined => p?.[symbol];
    const connect: ConnectOptions = { heartbeat: DEFAULT_HEARTBEAT, ...options.connect };
    const requestTimeoutMs = options.requestTimeoutMs ?? 10_000;
    const sink = venueEventSink(this);
    this.#data = new KrakenMarketData(
      { url: options.url ?? KRAKEN_WS_URL, connect, depth, requestTimeoutMs, pingIntervalMs: options.pingIntervalMs ?? 30_000, precision },
      sink,
    );
    this.#exec = new KrakenExecution(
      { url: options.authUrl ?? KRAKEN_WS_AUTH_URL, connect, token: options.token, requestTimeoutMs, orderPath, precision: (s) => this.#data.precision(s) },
      sink,
    );
  }

  /** Opens the authenticated connection and subscribes to `executions` ('order' / 'fill' events) when a token is configured; market data opens at the first subscribe. */
  async connect(): Promise<void> {
    if (this.#exec.hasToken) await this.#exec.open();
  }

  async close(): Promise<void> {
    await Promise.all([this.#data.close(), this.#exec.close()]);
  }

  async subscribe(channel: Channel, symbol: string): Promise<void> {
    checkSymbol(symbol);
    checkChannel(channel);
    return this.#data.subscribe(channel, symbol);
  }

  unsubscribe(channel: Channel, symbol: string): Promise<void> {
    return this.#data.unsubscribe(channel, symbol);
  }

  /** The live book of a subscribed pair (undefined before `subscribe('book', symbol)`). */
  book(symbol: string): OrderBook | undefined {
    return this.#data.book(symbol);
  }

  placeOrder(order: OrderRequest): Promise<OrderAck> {
    return this.#exec.placeOrder(order);
  }

  cancelOrder(cancel: CancelRequest): Promise<OrderAck> {
    return this.#exec.cancelOrder(cancel);
  }
}

function checkSymbol(symbol: string): void {
  if (typeof symbol !== 'string' || !/^[A-Z0-9.]{1,16}\/[A-Z0-9.]{1,16}$/.test(symbol)) {
    throw new TickwireError('INVALID_ARGUMENT', `symbol must be a Kraken v2 pair like 'BTC/USD', got '${String(symbol)}'`);
  }
}
