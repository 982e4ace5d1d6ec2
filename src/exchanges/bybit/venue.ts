/**
 * The Bybit v5 spot adapter: {@link Venue} over three connections, public market data (data.ts,
 * `/v5/public/spot`), order entry (execution.ts, `/v5/trade`) and order/fill events
 * (`/v5/private`).
 *
 * ```ts
 * const bybit = new BybitVenue({ apiKey, secret });                 // real endpoints by default
 * bybit.on('book', (u) => …); bybit.on('fill', (f) => …); bybit.on('error', (e) => …);
 * await bybit.subscribe('book', 'BTCUSDT');                          // resolves once the snapshot is applied
 * await bybit.connect();                                             // trade + private streams, authenticated
 * const ack = await bybit.placeOrder({ symbol: 'BTCUSDT', side: 'buy', type: 'limit', price: 30000, qty: 0.001 });
 * ```
 */
import { EventEmitter } from 'node:events';

import type { OrderBook } from '../../book/order-book.js';
import { TickwireError } from '../../native/errors.js';
import { DEFAULT_HEARTBEAT, type ConnectOptions } from '../../net/options.js';
import type { CancelRequest, Channel, OrderAck, OrderRequest } from '../common/types.js';
import { checkChannel, venueEventSink, type Venue, type VenueEvents } from '../common/venue.js';
import { BybitMarketData } from './data.js';
import { BybitExecution } from './execution.js';
import { BYBIT_DEFAULT_PRECISION, type BybitPrecision } from './orders.js';
import { BYBIT_BOOK_DEPTHS, BYBIT_PRIVATE_URL, BYBIT_PUBLIC_SPOT_URL, BYBIT_TRADE_URL, type BybitBookDepth } from './urls.js';

export interface BybitOptions {
  /** Public spot stream, default `wss://stream.bybit.com/v5/public/spot` (the simulator: `${url}/v5/public/spot`). */
  publicUrl?: string;
  /** Trade stream, default `wss://stream.bybit.com/v5/trade`. */
  tradeUrl?: string;
  /** Private stream, default `wss://stream.bybit.com/v5/private`. */
  privateUrl?: string;
  apiKey?: string;
  secret?: string;
  /**
   * Transport options for every connection (TLS pins, reconnect, heartbeat, …). Default heartbeat:
   * a WebSocket ping every 15 s, the connection is dropped (and reconnects) after 10 s without an answer.
   */
  connect?: ConnectOptions;
  /** Book depth: 1, 50 (default), 200, 1000. */
  depth?: BybitBookDepth;
  /** Price / quantity decimals per symbol for orders; default 8 / 8. */
  precision?: Readonly<Record<string, BybitPrecision>> | ((symbol: string) => BybitPrecision);
  /** `X-BAPI-RECV-WINDOW` of order requests, ms. Default 5000. */
  recvWindow?: number;
  /** `{"op":"ping"}` interval on every connection; 0 = off. Default 20 000 (Bybit's recommendation). */
  pingIntervalMs?: number;
  requestTimeoutMs?: number;
  /** 'template' (default): native order templates; 'reference': JSON.stringify per order. */
  orderPath?: 'template' | 'reference';
}

export class BybitVenue extends EventEmitter<VenueEvents> implements Venue {
  readonly id = 'bybit' as const;
  readonly #data: BybitMarketData;
  readonly #exec: BybitExecution;

  constructor(options: BybitOptions = {}) {
    super();
    const depth = options.depth ?? 50;
    if (!(BYBIT_BOOK_DEPTHS as readonly number[]).includes(depth)) {
      throw new TickwireError('INVALID_ARGUMENT', `depth must be one of ${BYBIT_BOOK_DEPTHS.join(', ')}, got ${String(depth)}`);
    }
    if ((options.apiKey === undefined) !== (options.secret === undefined)) throw new TickwireError('INVALID_ARGUMENT', 'apiKey and secret go together');
    const orderPath = options.orderPath ?? 'template';
    if (orderPath !== 'template' && orderPath !== 'reference') throw new TickwireError('INVALID_ARGUMENT', `orderPath must be 'template' or 'reference'`);
    const p = options.precision;
    const precision = typeof p === 'function' ? p : (symbol: string): BybitPrecision => p?.[symbol] ?? BYBIT_DEFAULT_PRECISION;
    const connect: ConnectOptions = { heartbeat: DEFAULT_HEARTBEAT, ...options.connect };
    const requestTimeoutMs = options.requestTimeoutMs ?? 10_000;
    const pingIntervalMs = options.pingIntervalMs ?? 20_000;
    const sink = venueEventSink(this);
    this.#data = new BybitMarketData(
      { url: options.publicUrl ?? BYBIT_PUBLIC_SPOT_URL, connect, depth, requestTimeoutMs, pingIntervalMs },
      sink,
    );
    this.#exec = new BybitExecution(
      {
        tradeUrl: options.tradeUrl ?? BYBIT_TRADE_URL,
        privateUrl: options.privateUrl ?? BYBIT_PRIVATE_URL,
        connect,
        apiKey: options.apiKey,
        secret: options.secret,
        recvWindow: options.recvWindow ?? 5000,
        authExpiryMs: 10_000,
        requestTimeoutMs,
        pingIntervalMs,
        orderPath,
        precision,
      },
      sink,
    );
  }

  /** Opens and authenticates the trade and private streams (with credentials); market data opens at the first subscribe. */
  async connect(): Promise<void> {
    if (this.#exec.hasCredentials) await this.#exec.open();
  }

  async close(): Promise<void> {
    await Promise.all([this.#data.close(), this.#exec.close()]);
  }

  async subscribe(channel: Channel, symbol: string): Promise<void> {
    if (typeof symbol !== 'string' || !/^[A-Z0-9]{2,25}$/.test(symbol)) {
      throw new TickwireError('INVALID_ARGUMENT', `symbol must be a Bybit symbol like 'BTCUSDT', got '${String(symbol)}'`);
    }
    checkChannel(channel);
    return this.#data.subscribe(channel, symbol);
  }

  unsubscribe(channel: Channel, symbol: string): Promise<void> {
    return this.#data.unsubscribe(channel, symbol);
  }

  book(symbol: string): OrderBook | undefined {
    return this.#data.book(symbol);
  }

  placeOrder(order: OrderRequest): Promise<OrderAck> {
    try {
      return this.#exec.placeOrder(order);
    } catch (e) {
      return Promise.reject(e as Error);
    }
  }

  cancelOrder(cancel: CancelRequest): Promise<OrderAck> {
    try {
      return this.#exec.cancelOrder(cancel);
    } catch (e) {
      return Promise.reject(e as Error);
    }
  }
}
