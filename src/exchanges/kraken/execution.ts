/**
 * Kraken v2 order entry on the authenticated connection (`ws-auth.kraken.com/v2`): `add_order` and
 * `cancel_order`, each carrying the session token.
 *
 * Orders go out on the native ORDER TEMPLATE path by default: one template per order shape
 * (symbol, side, type, time in force), compiled on first use with the token baked in, then one
 * native call per order (price, quantity and sequence number patched in C, framed, masked,
 * encrypted, submitted). Its `req_id` is the template's 4-digit prefix followed by the sequence
 * number and its `cl_ord_id` = a random 4-character adapter tag + the template's index (base 36)
 * + `-` + the sequence number (reference-path ids: tag + `.` + a counter). Orders with a
 * caller-chosen `clientOrderId`, or every order with `orderPath: 'reference'`, use the reference
 * builder (JSON.stringify) instead: the same bytes for the same values.
 *
 * Responses: `success: true` → OrderAck (status 'new': Kraken's ack means accepted; state changes
 * and fills come on the `executions` channel, subscribed with the token by `open()` and after every
 * reconnect, as 'order' and 'fill' events). `success: false` →
 * VenueError keeping Kraken's error string: token errors (`EAPI:Invalid key`, `EGeneral:Permission
 * denied`, `EAccount:…`, `ESession:…`) as VENUE_AUTH_FAILED, the rest as VENUE_ORDER_REJECTED.
 */
import { randomInt } from 'node:crypto';

import type { KrakenPrecision } from '../../book/kraken-checksum.js';
import { TickwireError } from '../../native/errors.js';
import type { ConnectOptions } from '../../net/options.js';
import { OrderTemplate } from '../../orders/template.js';
import { PendingRequests } from '../common/requests.js';
import { VenueSocket, type VenueSocketSink } from '../common/stream.js';
import type { CancelRequest, Fill, OrderAck, OrderRequest, OrderUpdate } from '../common/types.js';
import { asTickwireError, invalidMessage, VenueError } from '../common/venue.js';
import type { KrakenResponse } from './messages.js';
import { buildKrakenAddOrder, buildKrakenCancelOrder, checkKrakenClientOrderId, krakenAddOrderSpec } from './orders.js';
import { asArray, asObject, parseExecution, str, time, type KrakenOrderMemo } from './parse.js';

export interface KrakenExecutionSink extends VenueSocketSink {
  order(update: OrderUpdate): void;
  fill(fill: Fill): void;
}

/** The session token, or a function that fetches one (called per connection, e.g. REST GetWebSocketsToken). */
export type KrakenTokenSource = string | (() => string | Promise<string>);

export interface KrakenExecutionOptions {
  url: string;
  connect: ConnectOptions;
  token: KrakenTokenSource | undefined;
  requestTimeoutMs: number;
  orderPath: 'template' | 'reference';
  precision: (symbol: string) => Promise<KrakenPrecision>;
}

type Response = KrakenResponse & { recvTs: number };

interface Compiled {
  template: OrderTemplate;
  clPrefix: string;
  reqPrefix: string;
}

/** Templates get req_id prefixes 1000-1999; reference requests use 2000 + a counter. */
const MAX_TEMPLATES = 1000;
const AUTH_ERRORS = /^(EAPI:Invalid key|EAPI:Invalid signature|EGeneral:Permission denied|EAccount:|ESession:)|token/i;

export class KrakenExecution {
  readonly socket: VenueSocket;
  readonly #o: KrakenExecutionOptions;
  readonly #pending: PendingRequests<Response>;
  readonly #templates = new Map<string, Compiled>();
  /** A per-adapter tag in client order ids (4 random base-36 chars). */
  readonly #tag = randomInt(36 ** 4).toString(36).padStart(4, '0');
  /** Templates compiled over the adapter's life (not reset when a new token clears the cache: ids stay unique). */
  #compiled = 0;
  #token: Promise<string> | null = null;
  #tokenText: string | null = null;
  #refSeq = 0;
  #cancelSeq = 0;
  #subSeq = 0;
  readonly #sink: KrakenExecutionSink;
  /** Order fields later `executions` items may omit, by order id (dropped once the order is done). */
  readonly #orders = new Map<string, KrakenOrderMemo>();
  /** The `executions` subscription of the current connection. */
  #executions: Promise<void> | null = null;

  constructor(options: KrakenExecutionOptions, sink: KrakenExecutionSink) {
    this.#o = options;
    this.#sink = sink;
    this.#pending = new PendingRequests(options.requestTimeoutMs);
    this.socket = new VenueSocket(
      'kraken',
      'trading',
      options.url,
      options.connect,
      {
        message: (text, recvTs) => this.#message(text, recvTs),
        dropped: (cause) =>
          this.#pending.rejectAll(new TickwireError('CONN_CLOSED', `kraken trading: connection lost with requests in flight (outcome unknown): ${cause.message}`, { cause })),
        reopened: () => {
          // A token source that is a function is asked again for the new connection.
          if (typeof this.#o.token === 'function') this.#token = null;
          this.#executions = null;
          if (this.hasToken) this.#subscribeExecutions().catch((e: unknown) => sink.error(asTickwireError(e)));
        },
      },
      sink,
    );
  }

  get hasToken(): boolean {
    return this.#o.token !== undefined;
  }

  /** Opens the connection and subscribes to `executions` (order updates and fills). */
  async open(): Promise<void> {
    await this.socket.open();
    await (this.#executions ?? this.#subscribeExecutions());
  }

  /**
   * Orders do not wait for the `executions` subscription (open() does): it is started if it is not
   * running, and its failure is an 'error' event while the order gets its own answer.
   */
  async #openForOrders(): Promise<void> {
    await this.socket.open();
    if (this.#executions === null) this.#subscribeExecutions().catch((e: unknown) => this.#sink.error(asTickwireError(e)));
  }

  #subscribeExecutions(): Promise<void> {
    const p = (async () => {
      const token = await this.#currentToken();
      const reqId = Number(`4000${++this.#subSeq}`);
      const key = `subscribe:${reqId}`;
      const pending = this.#pending.add(key, 'kraken subscribe executions');
      try {
        this.socket.send(JSON.stringify({ method: 'subscribe', params: { channel: 'executions', token, snap_orders: false, snap_trades: false }, req_id: reqId }));
      } catch (e) {
        this.#pending.reject(key, e as TickwireError);
      }
      const r = await pending;
      if (r.success !== true) {
        const err = r.error ?? 'no reason given';
        throw new VenueError(AUTH_ERRORS.test(err) ? 'VENUE_AUTH_FAILED' : 'VENUE_MESSAGE_INVALID', 'kraken', `kraken executions subscription refused: ${err}`, {
          venueCode: err,
          venueMessage: err,
        });
      }
    })();
    this.#executions = p;
    p.catch(() => {
      if (this.#executions === p) this.#executions = null;
    });
    return p;
  }

  async #currentToken(): Promise<string> {
    const src = this.#o.token;
    if (src === undefined) throw new TickwireError('VENUE_AUTH_FAILED', 'kraken: order entry needs a WebSocket token (option `token`; REST GetWebSocketsToken)');
    this.#token ??= Promise.resolve(typeof src === 'function' ? src() : src);
    const token = await this.#token.catch((e: unknown) => {
      this.#token = null;
      throw new TickwireError('VENUE_AUTH_FAILED', `kraken: getting the WebSocket token failed: ${(e as Error).message}`, { cause: e });
    });
    if (typeof token !== 'string' || token === '') throw new TickwireError('VENUE_AUTH_FAILED', 'kraken: the token source returned no token');
    if (token !== this.#tokenText) {
      // Templates carry the token: a new token means new templates.
      this.#templates.clear();
      this.#tokenText = token;
    }
    return token;
  }

  #template(order: OrderRequest, precision: KrakenPrecision, token: string): Compiled | null {
    const key = `${order.symbol}|${order.side}|${order.type}|${order.timeInForce ?? ''}|${precision.price}|${precision.qty}`;
    let c = this.#templates.get(key);
    if (c) return c;
    const idx = this.#compiled;
    if (idx >= MAX_TEMPLATES) return null;
    const ws = this.socket.ws;
    if (!ws) return null;
    const shape = { symbol: order.symbol, side: order.side, type: order.type, ...(order.timeInForce === undefined ? {} : { timeInForce: order.timeInForce }) };
    this.#compiled++;
    const clPrefix = `${this.#tag}${idx.toString(36)}-`;
    const reqPrefix = String(1000 + idx);
    c = { template: OrderTemplate.compile(krakenAddOrderSpec(shape, precision, token, clPrefix, reqPrefix), ws), clPrefix, reqPrefix };
    this.#templates.set(key, c);
    return c;
  }

  async placeOrder(order: OrderRequest): Promise<OrderAck> {
    if (order.clientOrderId !== undefined) checkKrakenClientOrderId(order.clientOrderId);
    const token = await this.#currentToken();
    const precision = await this.#o.precision(order.symbol);
    await this.#openForOrders();
    let reqId: string;
    let clientOrderId: string;
    const c = order.clientOrderId === undefined && this.#o.orderPath === 'template' ? this.#template(order, precision, token) : null;
    if (c) {
      if (order.type === 'limit' && order.price === undefined) throw new TickwireError('INVALID_ARGUMENT', 'a limit order needs a price');
      if (order.type === 'market' && order.price !== undefined) throw new TickwireError('INVALID_ARGUMENT', 'a market order takes no price');
      c.template.send({ price: order.price ?? 0, qty: order.qty });
      const seq = c.template.seq;
      reqId = `${c.reqPrefix}${seq}`;
      clientOrderId = `${c.clPrefix}${seq}`;
    } else {
      const n = ++this.#refSeq;
      reqId = `2000${n}`;
      clientOrderId = order.clientOrderId ?? `${this.#tag}.${n}`;
      this.socket.send(buildKrakenAddOrder({ ...order, clientOrderId }, precision, token, Number(reqId)));
    }
    const r = await this.#pending.add(`add_order:${reqId}`, `kraken add_order ${clientOrderId}`);
    return this.#ack(r, 'add_order', order.symbol, clientOrderId, 'new');
  }

  async cancelOrder(cancel: CancelRequest): Promise<OrderAck> {
    const token = await this.#currentToken();
    await this.#openForOrders();
    const reqId = Number(`3000${++this.#cancelSeq}`);
    const text = buildKrakenCancelOrder(cancel, token, reqId);
    const p = this.#pending.add(`cancel_order:${reqId}`, `kraken cancel_order ${cancel.orderId ?? cancel.clientOrderId ?? ''}`);
    try {
      this.socket.send(text);
    } catch (e) {
      this.#pending.reject(`cancel_order:${reqId}`, e as TickwireError);
    }
    return this.#ack(await p, 'cancel_order', cancel.symbol, cancel.clientOrderId ?? '', 'canceled');
  }

  #ack(r: Response, what: string, symbol: string, clientOrderId: string, status: 'new' | 'canceled'): OrderAck {
    if (r.success !== true) {
      const err = r.error ?? 'no reason given';
      throw new VenueError(AUTH_ERRORS.test(err) ? 'VENUE_AUTH_FAILED' : 'VENUE_ORDER_REJECTED', 'kraken', `kraken ${what} ${clientOrderId} rejected: ${err}`, {
        venueCode: err,
        venueMessage: err,
      });
    }
    const result = asObject(r.result, `${what} result`);
    return {
      venue: 'kraken',
      symbol,
      clientOrderId: typeof result.cl_ord_id === 'string' ? result.cl_ord_id : clientOrderId,
      orderId: str(result.order_id, `${what} result.order_id`),
      status,
      filledQty: 0,
      venueTs: r.time_out === undefined ? null : time(r.time_out, `${what} time_out`),
      recvTs: r.recvTs,
    };
  }

  #message(text: string, recvTs: number): void {
    const m = asObject(JSON.parse(text) as unknown, 'message');
    if (typeof m.method === 'string') {
      const key = `${m.method}:${typeof m.req_id === 'number' ? m.req_id : ''}`;
      if (!this.#pending.resolve(key, { ...(m as unknown as KrakenResponse), recvTs }) && m.success === false) {
        throw invalidMessage('kraken', 'unsolicited error response', text);
      }
      return;
    }
    if (m.channel === 'heartbeat' || m.channel === 'status') return;
    if (m.channel === 'executions') {
      for (const item of asArray(m.data, 'executions data')) {
        const id = typeof (item as { order_id?: unknown }).order_id === 'string' ? (item as { order_id: string }).order_id : '';
        const { update, fill, memo } = parseExecution(item, recvTs, this.#orders.get(id));
        this.#orders.set(id, memo);
        if (update) {
          this.#sink.order(update);
          if (update.status !== 'new' && update.status !== 'partially_filled') this.#orders.delete(id);
        }
        if (fill) this.#sink.fill(fill);
      }
      return;
    }
    throw invalidMessage('kraken', 'unexpected message on the trading connection', text);
  }

  close(): Promise<void> {
    this.#pending.rejectAll(new TickwireError('CONN_CLOSED', 'kraken trading: the adapter was closed'));
    return this.socket.close();
  }
}
