/**
 * The Binance spot adapter: {@link Venue} over two connections, market streams (data.ts) and the
 * WebSocket API (execution.ts).
 *
 * ```ts
 * const binance = new BinanceVenue({ apiKey, secret });          // real endpoints by default
 * binance.on('trade', (t) => …); binance.on('book', (u) => …); binance.on('error', (e) => …);
 * await binance.subscribe('book', 'BTCUSDT');                     // resolves once the book is synced
 * const ack = await binance.placeOrder({ symbol: 'BTCUSDT', side: 'buy', type: 'limit', price: 30000, qty: 0.001 });
 * ```
 *
 * Keepalive and forced disconnects are the transport's job: Binance pings every 20 s and the
 * transport answers every ping with its payload by itself; Binance closes every connection after
 * 24 h (after a `serverShutdown` event), and the transport reconnects with backoff
 * (`connect.reconnect`), after which this adapter resubscribes and resyncs its books.
 */
import { EventEmitter } from 'node:events';

import type { OrderBook } from '../../book/order-book.js';
import { TickwireError } from '../../native/errors.js';
import { DEFAULT_HEARTBEAT, type ConnectOptions } from '../../net/options.js';
import type { CancelRequest, Channel, OrderAck, OrderRequest } from '../common/types.js';
import { checkChannel, venueEventSink, type Venue, type VenueEvents } from '../common/venue.js';
import { BinanceMarketData } from './data.js';
import { BinanceExecution, type BinanceOrderSender } from './execution.js';
import { TemplateOrderSender } from './template-sender.js';
import { BINANCE_DEFAULT_PRECISION, checkBinanceClientOrderId, type BinancePrecision, type ResolvedOrder } from './sign.js';
import { BINANCE_STREAM_URL, BINANCE_WS_API_URL, type BinanceDepthSpeed } from './urls.js';

export interface BinanceOptions {
  /** Market streams base, default `wss://stream.binance.com:9443` (the simulator: its `url`). */
  streamUrl?: string;
  /** WebSocket API, default `wss://ws-api.binance.com:443/ws-api/v3` (the simulator: `${url}/ws-api/v3`). */
  wsApiUrl?: string;
  /** HMAC key and secret: needed for orders and the 'order' / 'fill' events. */
  apiKey?: string;
  secret?: string;
  /**
   * Transport options for both connections (TLS pins, reconnect, heartbeat, …). Default heartbeat:
   * a ping every 15 s, the connection is dropped (and reconnects) after 10 s without an answer.
   */
  connect?: ConnectOptions;
  /** Price / quantity decimals per symbol for order requests; default 8 / 8. */
  precision?: Readonly<Record<string, BinancePrecision>> | ((symbol: string) => BinancePrecision);
  /** Diff-depth speed, default '100ms'. */
  depthSpeed?: BinanceDepthSpeed;
  /** Levels per side of the depth snapshot, 1-5000, default 1000. */
  depthLimit?: number;
  /** `recvWindow` sent with signed requests (Binance's default 5000 ms when absent). */
  recvWindow?: number;
  /** Requests without a response after this long reject with CONN_TIMEOUT. Default 10 000. */
  requestTimeoutMs?: number;
  /**
   * How orders are built and sent: 'template' (default) — the native order template path, one
   * native call per order; 'reference' — JSON.stringify + node:crypto createHmac. Or a sender of
   * your own.
   */
  orderSender?: BinanceOrderSender | 'template' | 'reference';
  /**
   * Parse trades and depth updates straight from the received bytes (no string, no JSON.parse;
   * anything unusual takes the general path). Default true.
   */
  fastParse?: boolean;
}

export class BinanceVenue extends EventEmitter<VenueEvents> implements Venue {
  readonly id = 'binance' as const;
  readonly #data: BinanceMarketData;
  readonly #exec: BinanceExecution;
  #orderSeq = 0;
  readonly #orderPrefix = `tw${Date.now().toString(36)}`;

  constructor(options: BinanceOptions = {}) {
    super();
    const requestTimeoutMs = options.requestTimeoutMs ?? 10_000;
    const depthLimit = options.depthLimit ?? 1000;
    if (!Number.isInteger(depthLimit) || depthLimit < 1 || depthLimit > 5000) {
      throw new TickwireError('INVALID_ARGUMENT', `depthLimit must be an integer 1-5000, got ${String(depthLimit)}`);
    }
    if ((options.apiKey === undefined) !== (options.secret === undefined)) {
      throw new TickwireError('INVALID_ARGUMENT', 'apiKey and secret go together');
    }
    const p = options.precision;
    const precision = typeof p === 'function' ? p : (symbol: string): BinancePrecision => p?.[symbol] ?? BINANCE_DEFAULT_PRECISION;
    // A dead TCP connection is found by our own pings unless the caller chose otherwise.
    const connect: ConnectOptions = { heartbeat: DEFAULT_HEARTBEAT, ...options.connect };
    const sink = venueEventSink(this);
    this.#exec = new BinanceExecution(
      {
        url: options.wsApiUrl ?? BINANCE_WS_API_URL,
        connect,
        apiKey: options.apiKey,
        secret: options.secret,
        recvWindow: options.recvWindow,
        requestTimeoutMs,
        sender:
          options.orderSender === 'reference'
            ? undefined
            : options.orderSender === undefined || options.orderSender === 'template'
              ? options.apiKey !== undefined && options.secret !== undefined
                ? new TemplateOrderSender(options.apiKey, options.secret, precision, options.recvWindow)
                : undefined
              : options.orderSender,
        precision,
      },
      sink,
    );
    this.#data = new BinanceMarketData(
      { url: options.streamUrl ?? BINANCE_STREAM_URL, connect, depthSpeed: options.depthSpeed ?? '100ms', depthLimit, requestTimeoutMs, fastParse: options.fastParse ?? true },
      sink,
      this.#exec,
    );
  }

  /** Opens the WebSocket API connection when credentials are set (user data stream included). Market streams open at the first subscribe. */
  async connect(): Promise<void> {
    if (this.#exec.hasCredentials) await this.#exec.open();
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

  /** The live book of a subscribed symbol (undefined before `subscribe('book', symbol)`). */
  book(symbol: string): OrderBook | undefined {
    return this.#data.book(symbol);
  }

  /** A new client order id: `tw<start time><sequence>`, base 36, unique per adapter. */
  nextClientOrderId(): string {
    return `${this.#orderPrefix}${(this.#orderSeq++).toString(36).padStart(6, '0')}`;
  }

  placeOrder(order: OrderRequest): Promise<OrderAck> {
    try {
      if (order.clientOrderId !== undefined) checkBinanceClientOrderId(order.clientOrderId);
      return this.#exec.placeOrder(order, () => this.nextClientOrderId());
    } catch (e) {
      return Promise.reject(e as Error);
    }
  }

  cancelOrder(cancel: CancelRequest): Promise<OrderAck> {
    return this.#exec.cancelOrder(cancel);
  }
}

function checkSymbol(symbol: string): void {
  if (typeof symbol !== 'string' || !/^[A-Z0-9]{2,20}$/.test(symbol)) {
    throw new TickwireError('INVALID_ARGUMENT', `symbol must be a Binance symbol like 'BTCUSDT', got '${String(symbol)}'`);
  }
}
