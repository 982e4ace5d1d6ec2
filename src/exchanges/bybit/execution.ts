/**
 * Bybit v5 order entry on the trade stream (`/v5/trade`) and order/fill events from the private
 * stream (`/v5/private`, topics `order` and `execution`). Each connection authenticates once with
 * `auth` (HMAC-SHA256 over `GET/realtime<expires>`, hex, computed by {@link HmacSigner} with the
 * key state precomputed once) and again after every reconnect.
 *
 * Orders go out on the native ORDER TEMPLATE path by default: one template per order shape
 * (symbol, side, type, time in force, precision), compiled on first use, then one native call per
 * order (price, quantity, sequence number and header timestamp patched in C, framed, masked,
 * encrypted, submitted); `reqId` = `orderLinkId` = the template's prefix + its sequence number.
 * Orders with a caller-chosen `clientOrderId`, or every order with `orderPath: 'reference'`, use
 * the reference builder (JSON.stringify): the same bytes for the same values.
 *
 * Responses: retCode 0 → OrderAck (status 'new' for order.create: Bybit's ack means accepted,
 * state changes come as 'order' / 'fill' events); otherwise a VenueError keeping retCode/retMsg:
 * 10003 (key), 10004 (sign), 10005 (permissions) as VENUE_AUTH_FAILED, the rest as
 * VENUE_ORDER_REJECTED. A refused `auth` rejects the order (and is reported as an 'error' after
 * a reconnect) with VENUE_AUTH_FAILED.
 */
import { randomInt } from 'node:crypto';

import { HmacSigner } from '../../crypto/hmac-signer.js';
import { TickwireError } from '../../native/errors.js';
import type { ConnectOptions } from '../../net/options.js';
import { OrderTemplate } from '../../orders/template.js';
import { PendingRequests } from '../common/requests.js';
import { VenueSocket, type VenueSocketSink } from '../common/stream.js';
import type { CancelRequest, Fill, OrderAck, OrderRequest, OrderUpdate } from '../common/types.js';
import { asTickwireError, invalidMessage, VenueError } from '../common/venue.js';
import type { BybitOpResponse, BybitTradeResponse } from './messages.js';
import { buildBybitAuth, buildBybitOrderCancel, buildBybitOrderCreate, bybitOrderCreateSpec, checkBybitClientOrderId, type BybitPrecision } from './orders.js';
import { asArray, asObject, parseExecution, parseOrder } from './parse.js';

export interface BybitExecutionSink extends VenueSocketSink {
  order(update: OrderUpdate): void;
  fill(fill: Fill): void;
}

export interface BybitExecutionOptions {
  tradeUrl: string;
  privateUrl: string;
  connect: ConnectOptions;
  apiKey: string | undefined;
  secret: string | undefined;
  recvWindow: number;
  /** How far in the future `expires` of an auth request is. */
  authExpiryMs: number;
  requestTimeoutMs: number;
  pingIntervalMs: number;
  orderPath: 'template' | 'reference';
  precision: (symbol: string) => BybitPrecision;
}

const AUTH_CODES = new Set([10003, 10004, 10005, 33004]);
const MAX_TEMPLATES = 10_000;

/** One authenticated connection (trade or private). */
class AuthedSocket<R> {
  readonly socket: VenueSocket;
  readonly pending: PendingRequests<R & { recvTs: number }>;
  #auth: Promise<void> | null = null;
  /** Runs after each successful auth (the private stream subscribes here). */
  afterAuth: (() => Promise<void>) | null = null;
  #ping: NodeJS.Timeout | null = null;
  #n = 1;

  constructor(
    role: 'trading',
    url: string,
    readonly o: BybitExecutionOptions,
    readonly signer: HmacSigner,
    sink: VenueSocketSink,
    onMessage: (m: Record<string, unknown>, text: string, recvTs: number) => void,
    readonly check: (r: R) => void,
  ) {
    this.pending = new PendingRequests(o.requestTimeoutMs);
    this.socket = new VenueSocket(
      'bybit',
      role,
      url,
      o.connect,
      {
        message: (text, recvTs) => onMessage(asObject(JSON.parse(text) as unknown, 'message'), text, recvTs),
        dropped: (cause) => {
          this.#auth = null;
          this.pending.rejectAll(new TickwireError('CONN_CLOSED', `bybit ${url}: connection lost with requests in flight (outcome unknown): ${cause.message}`, { cause }));
        },
        reopened: () => {
          this.#auth = null;
          this.open().catch((e: unknown) => sink.error(asTickwireError(e)));
        },
      },
      sink,
    );
  }

  nextId(prefix: string): string {
    return `${prefix}${this.#n++}`;
  }

  /** Opens and authenticates (once per connection). */
  async open(): Promise<void> {
    await this.socket.open();
    if (this.#ping === null && this.o.pingIntervalMs > 0) {
      this.#ping = setInterval(() => {
        if (this.socket.isOpen && !this.pending.has('ping')) this.request('ping', '{"req_id":"ping","op":"ping"}', 'ping').catch(() => undefined);
      }, this.o.pingIntervalMs);
      this.#ping.unref();
    }
    if (!this.#auth) {
      const p = this.#authenticate().then(() => this.afterAuth?.());
      this.#auth = p;
      p.catch(() => {
        if (this.#auth === p) this.#auth = null;
      });
    }
    await this.#auth;
  }

  async #authenticate(): Promise<void> {
    const expires = Date.now() + this.o.authExpiryMs;
    const signature = this.signer.hex(`GET/realtime${expires}`);
    const r = await this.request('auth', buildBybitAuth(this.nextId('auth'), this.o.apiKey as string, expires, signature), 'auth');
    this.check(r);
  }

  request(key: string, text: string, what: string): Promise<R & { recvTs: number }> {
    const p = this.pending.add(key, `bybit ${what}`);
    try {
      this.socket.send(text);
    } catch (e) {
      this.pending.reject(key, e as TickwireError);
    }
    return p;
  }

  close(): Promise<void> {
    if (this.#ping) clearInterval(this.#ping);
    this.pending.rejectAll(new TickwireError('CONN_CLOSED', 'bybit: the adapter was closed'));
    return this.socket.close();
  }
}

interface Compiled {
  template: OrderTemplate;
  prefix: string;
}

export class BybitExecution {
  readonly #o: BybitExecutionOptions;
  readonly #sink: BybitExecutionSink;
  readonly #trade: AuthedSocket<BybitTradeResponse> | null = null;
  readonly #private: AuthedSocket<BybitOpResponse> | null = null;
  readonly #templates = new Map<string, Compiled>();
  /** A per-adapter tag in client order ids: `tw` + 6 random base-36 chars. */
  readonly #tag = `tw${randomInt(36 ** 6).toString(36).padStart(6, '0')}`;
  #refSeq = 0;

  constructor(options: BybitExecutionOptions, sink: BybitExecutionSink) {
    this.#o = options;
    this.#sink = sink;
    if (options.apiKey === undefined || options.secret === undefined) return;
    const signer = new HmacSigner(options.secret);
    this.#trade = new AuthedSocket<BybitTradeResponse>('trading', options.tradeUrl, options, signer, sink, (m, t, r) => this.#tradeMessage(m, t, r), (r) => {
      if (r.retCode !== 0) {
        throw new VenueError('VENUE_AUTH_FAILED', 'bybit', `bybit trade auth refused: ${r.retCode} ${r.retMsg}`, { venueCode: r.retCode, venueMessage: r.retMsg });
      }
    });
    this.#private = new AuthedSocket<BybitOpResponse>('trading', options.privateUrl, options, signer, sink, (m, t, r) => this.#privateMessage(m, t, r), (r) => {
      if (r.success !== true) {
        throw new VenueError('VENUE_AUTH_FAILED', 'bybit', `bybit private ${r.op} refused: ${r.ret_msg ?? ''}`, { ...(r.ret_msg === undefined ? {} : { venueMessage: r.ret_msg }) });
      }
    });
    const priv = this.#private;
    priv.afterAuth = async () => {
      const key = priv.nextId('sub');
      priv.check(await priv.request(key, JSON.stringify({ req_id: key, op: 'subscribe', args: ['order', 'execution'] }), 'subscribe order,execution'));
    };
  }

  get hasCredentials(): boolean {
    return this.#trade !== null;
  }

  /** Opens and authenticates the trade stream and the private stream (subscribed to order + execution). */
  async open(): Promise<void> {
    const trade = this.#need();
    await Promise.all([trade.open(), (this.#private as AuthedSocket<BybitOpResponse>).open()]);
  }

  #need(): AuthedSocket<BybitTradeResponse> {
    if (!this.#trade) throw new TickwireError('VENUE_AUTH_FAILED', 'bybit: order entry needs apiKey and secret in the adapter options');
    return this.#trade;
  }

  #template(order: OrderRequest, precision: BybitPrecision, trade: AuthedSocket<BybitTradeResponse>): Compiled | null {
    const key = `${order.symbol}|${order.side}|${order.type}|${order.timeInForce ?? ''}|${precision.priceDecimals}|${precision.qtyDecimals}`;
    let c = this.#templates.get(key);
    if (c) return c;
    const ws = trade.socket.ws;
    if (!ws || this.#templates.size >= MAX_TEMPLATES) return null;
    const shape = { symbol: order.symbol, side: order.side, type: order.type, ...(order.timeInForce === undefined ? {} : { timeInForce: order.timeInForce }) };
    const prefix = `${this.#tag}-${this.#templates.size.toString(36)}-`;
    c = { template: OrderTemplate.compile(bybitOrderCreateSpec(shape, precision, prefix, this.#o.recvWindow), ws), prefix };
    this.#templates.set(key, c);
    return c;
  }

  async placeOrder(order: OrderRequest): Promise<OrderAck> {
    const trade = this.#need();
    if (order.clientOrderId !== undefined) checkBybitClientOrderId(order.clientOrderId);
    await trade.open();
    const precision = this.#o.precision(order.symbol);
    const c = order.clientOrderId === undefined && this.#o.orderPath === 'template' ? this.#template(order, precision, trade) : null;
    let id: string;
    if (c) {
      if (order.type === 'limit' && order.price === undefined) throw new TickwireError('INVALID_ARGUMENT', 'a limit order needs a price');
      if (order.type === 'market' && order.price !== undefined) throw new TickwireError('INVALID_ARGUMENT', 'a market order takes no price');
      c.template.send({ price: order.price ?? 0, qty: order.qty });
      id = `${c.prefix}${c.template.seq}`;
    } else {
      id = order.clientOrderId ?? `${this.#tag}.r${++this.#refSeq}`;
      trade.socket.send(buildBybitOrderCreate({ ...order, clientOrderId: id }, precision, Date.now(), this.#o.recvWindow));
    }
    const r = await trade.pending.add(id, `bybit order.create ${id}`);
    return this.#ack(r, 'order.create', order.symbol, id, 'new');
  }

  async cancelOrder(cancel: CancelRequest): Promise<OrderAck> {
    const trade = this.#need();
    await trade.open();
    const id = `${this.#tag}.c${++this.#refSeq}`;
    const r = await trade.request(id, buildBybitOrderCancel(id, cancel, Date.now(), this.#o.recvWindow), `order.cancel ${id}`);
    return this.#ack(r, 'order.cancel', cancel.symbol, cancel.clientOrderId ?? '', 'canceled');
  }

  #ack(r: BybitTradeResponse & { recvTs: number }, what: string, symbol: string, clientOrderId: string, status: 'new' | 'canceled'): OrderAck {
    if (r.retCode !== 0) {
      throw new VenueError(AUTH_CODES.has(r.retCode) ? 'VENUE_AUTH_FAILED' : 'VENUE_ORDER_REJECTED', 'bybit', `bybit ${what} ${clientOrderId} rejected: ${r.retCode} ${r.retMsg}`, {
        venueCode: r.retCode,
        venueMessage: r.retMsg,
      });
    }
    const data = asObject(r.data, `${what} data`);
    if (typeof data.orderId !== 'string' || data.orderId === '') throw invalidMessage('bybit', `${what} response without orderId`);
    const now = r.header?.Timenow;
    return {
      venue: 'bybit',
      symbol,
      clientOrderId: typeof data.orderLinkId === 'string' && data.orderLinkId !== '' ? data.orderLinkId : clientOrderId,
      orderId: data.orderId,
      status,
      filledQty: 0,
      venueTs: now !== undefined && /^\d+$/.test(now) ? Number(now) : null,
      recvTs: r.recvTs,
    };
  }

  #tradeMessage(m: Record<string, unknown>, text: string, recvTs: number): void {
    const op = m.op;
    if (op === 'pong') {
      this.#trade?.pending.resolve('ping', { retCode: 0, retMsg: 'pong', op: 'pong', recvTs });
      return;
    }
    if (typeof op !== 'string' || typeof m.retCode !== 'number') throw invalidMessage('bybit', 'unexpected trade stream message', text);
    const key = op === 'auth' ? 'auth' : typeof m.reqId === 'string' ? m.reqId : '';
    if (!this.#trade?.pending.resolve(key, { ...(m as unknown as BybitTradeResponse), recvTs }) && m.retCode !== 0) {
      throw invalidMessage('bybit', 'unsolicited error response', text);
    }
  }

  #privateMessage(m: Record<string, unknown>, text: string, recvTs: number): void {
    if (m.topic === 'order') {
      for (const d of asArray(m.data, 'order data')) this.#sink.order(parseOrder(d, recvTs));
      return;
    }
    if (m.topic === 'execution') {
      for (const d of asArray(m.data, 'execution data')) this.#sink.fill(parseExecution(d, recvTs));
      return;
    }
    const op = m.op;
    if (op === 'pong') {
      this.#private?.pending.resolve('ping', { op: 'pong', recvTs });
      return;
    }
    if (typeof op !== 'string') throw invalidMessage('bybit', 'unexpected private stream message', text);
    const key = op === 'auth' ? 'auth' : typeof m.req_id === 'string' ? m.req_id : '';
    if (!this.#private?.pending.resolve(key, { ...(m as unknown as BybitOpResponse), recvTs }) && m.success === false) {
      throw invalidMessage('bybit', 'unsolicited error response', text);
    }
  }

  async close(): Promise<void> {
    await Promise.all([this.#trade?.close(), this.#private?.close()]);
  }
}
