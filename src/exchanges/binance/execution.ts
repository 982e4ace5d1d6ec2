/**
 * Binance WebSocket API connection (`/ws-api/v3`): order entry (`order.place`, `order.cancel`),
 * the user data stream (`userDataStream.subscribe.signature` → executionReport → 'order' and
 * 'fill' events, subscribed again after every reconnect) and depth snapshots (`depth`) for the
 * book sync.
 *
 * Order entry goes through a {@link BinanceOrderSender}. The default is the REFERENCE sender
 * (JSON.stringify + node:crypto, see sign.ts); the native order template path plugs in here with
 * the same contract: send `order.place` with request id = the client order id on
 * `socket.ws`, and the response resolves the order's promise.
 *
 * Responses map as: status 200 → OrderAck; any error response → VenueError
 * VENUE_ORDER_REJECTED keeping Binance's `{code, msg}` (venueCode -1022 for a bad signature,
 * -2015 for an unknown key, …) and the HTTP-like status. A connection that drops with requests in
 * flight rejects them with CONN_CLOSED: their outcome is unknown (watch the 'order' events after
 * the reconnect). A failed user-data subscription is reported as a VENUE_AUTH_FAILED 'error'.
 */
import { TickwireError } from '../../native/errors.js';
import type { ConnectOptions } from '../../net/options.js';
import { PendingRequests } from '../common/requests.js';
import { VenueSocket, type VenueSocketSink } from '../common/stream.js';
import type { Fill, OrderAck, OrderRequest, OrderUpdate } from '../common/types.js';
import { asTickwireError, invalidMessage, VenueError } from '../common/venue.js';
import type { BinanceApiResponse } from './messages.js';
import { asObject, parseDepthSnapshot, parseExecutionReport, parseOrderResult } from './parse.js';
import {
  buildBinanceOrderCancel,
  buildBinanceOrderPlace,
  buildBinanceRequest,
  buildBinanceUserDataSubscribe,
  checkBinanceClientOrderId,
  type BinancePrecision,
  type BinanceSigningContext,
  type ResolvedOrder,
} from './sign.js';

/** Sends one `order.place` (request id = `order.clientOrderId`) on the trading connection. */
export interface BinanceOrderSender {
  place(socket: VenueSocket, order: ResolvedOrder, timestamp: number): void;
  /** The client order id this sender will use for `order` (templates number their own), or null for the adapter's. */
  clientOrderId?(socket: VenueSocket, order: OrderRequest): string | null;
}

/** The reference sender: {@link buildBinanceOrderPlace} (JSON.stringify + createHmac), then `send`. */
export class ReferenceOrderSender implements BinanceOrderSender {
  readonly #apiKey: string;
  readonly #secret: string;
  readonly #precision: (symbol: string) => BinancePrecision;
  readonly #recvWindow: number | undefined;

  constructor(apiKey: string, secret: string, precision: (symbol: string) => BinancePrecision, recvWindow?: number) {
    this.#apiKey = apiKey;
    this.#secret = secret;
    this.#precision = precision;
    this.#recvWindow = recvWindow;
  }

  place(socket: VenueSocket, order: ResolvedOrder, timestamp: number): void {
    const ctx: BinanceSigningContext = { apiKey: this.#apiKey, secret: this.#secret, timestamp };
    if (this.#recvWindow !== undefined) ctx.recvWindow = this.#recvWindow;
    socket.send(buildBinanceOrderPlace(order, this.#precision(order.symbol), ctx));
  }
}

export interface BinanceExecutionSink extends VenueSocketSink {
  order(update: OrderUpdate): void;
  fill(fill: Fill): void;
}

export interface BinanceExecutionOptions {
  url: string;
  connect: ConnectOptions;
  apiKey: string | undefined;
  secret: string | undefined;
  recvWindow: number | undefined;
  requestTimeoutMs: number;
  sender: BinanceOrderSender | undefined;
  precision: (symbol: string) => BinancePrecision;
}

type Response = BinanceApiResponse & { recvTs: number };

export class BinanceExecution {
  readonly socket: VenueSocket;
  readonly #o: BinanceExecutionOptions;
  readonly #sink: BinanceExecutionSink;
  readonly #pending: PendingRequests<Response>;
  readonly #sender: BinanceOrderSender | null;
  #nextId = 1;
  /** The user data subscription of the current connection, once confirmed. */
  #userData: Promise<void> | null = null;

  constructor(options: BinanceExecutionOptions, sink: BinanceExecutionSink) {
    this.#o = options;
    this.#sink = sink;
    this.#pending = new PendingRequests(options.requestTimeoutMs);
    const { apiKey, secret } = options;
    this.#sender = options.sender ?? (apiKey !== undefined && secret !== undefined ? new ReferenceOrderSender(apiKey, secret, options.precision, options.recvWindow) : null);
    this.socket = new VenueSocket(
      'binance',
      'trading',
      options.url,
      options.connect,
      {
        message: (text, recvTs) => this.#message(text, recvTs),
        reopened: () => {
          this.#userData = null;
          if (this.hasCredentials) this.#subscribeUserData().catch((e: unknown) => sink.error(asTickwireError(e)));
        },
        dropped: (cause) => this.#pending.rejectAll(new TickwireError('CONN_CLOSED', `binance trading: connection lost with requests in flight (outcome unknown): ${cause.message}`, { cause })),
      },
      sink,
    );
  }

  get hasCredentials(): boolean {
    return this.#o.apiKey !== undefined && this.#o.secret !== undefined;
  }

  /** Opens the connection and, with credentials, subscribes to the user data stream. */
  async open(): Promise<void> {
    await this.socket.open();
    if (this.hasCredentials) await (this.#userData ??= this.#subscribeUserData());
  }

  /**
   * Orders do not wait for the user data subscription (connect() does): it is started if it is
   * not running, and its failure is an 'error' event while the order gets its own answer.
   */
  async #openForOrders(): Promise<void> {
    await this.socket.open();
    if (this.#userData === null) this.#subscribeUserData().catch((e: unknown) => this.#sink.error(asTickwireError(e)));
  }

  #id(prefix: string): string {
    return `${prefix}${(this.#nextId++).toString(36)}`;
  }

  #subscribeUserData(): Promise<void> {
    const id = this.#id('uds');
    const ctx = this.#ctx();
    const p: Promise<void> = this.#request(id, buildBinanceUserDataSubscribe(id, ctx), 'userDataStream.subscribe.signature').then(
      (r) => {
        if (r.status === 200) return;
        throw new VenueError('VENUE_AUTH_FAILED', 'binance', `binance: user data subscription refused: ${r.error?.code ?? r.status} ${r.error?.msg ?? ''}`.trim(), {
          ...(r.error ? { venueCode: r.error.code, venueMessage: r.error.msg } : {}),
          httpStatus: r.status,
        });
      },
    );
    // A failed subscription is tried again by the next open() / order.
    p.catch(() => {
      if (this.#userData === p) this.#userData = null;
    });
    this.#userData = p;
    return p;
  }

  #ctx(): BinanceSigningContext {
    const { apiKey, secret, recvWindow } = this.#o;
    if (apiKey === undefined || secret === undefined) {
      throw new TickwireError('VENUE_AUTH_FAILED', 'binance: order entry needs apiKey and secret in the adapter options');
    }
    const ctx: BinanceSigningContext = { apiKey, secret, timestamp: Date.now() };
    if (recvWindow !== undefined) ctx.recvWindow = recvWindow;
    return ctx;
  }

  #request(id: string, text: string, what: string): Promise<Response> {
    const p = this.#pending.add(id, `binance ${what}`);
    try {
      this.socket.send(text);
    } catch (e) {
      this.#pending.reject(id, e as TickwireError);
    }
    return p;
  }

  /** A depth snapshot over the WebSocket API (`depth`, unsigned). */
  async depth(symbol: string, limit: number): Promise<ReturnType<typeof parseDepthSnapshot>> {
    await this.socket.ready();
    const id = this.#id('d');
    const r = await this.#request(id, buildBinanceRequest(id, 'depth', { symbol, limit }), 'depth');
    if (r.status !== 200) {
      throw new VenueError('VENUE_MESSAGE_INVALID', 'binance', `binance depth ${symbol}: ${r.error?.code ?? r.status} ${r.error?.msg ?? ''}`, {
        ...(r.error ? { venueCode: r.error.code, venueMessage: r.error.msg } : {}),
        httpStatus: r.status,
      });
    }
    return parseDepthSnapshot(r.result);
  }

  /** Places `order`; its client order id is the caller's, else the sender's, else `newId()`. */
  async placeOrder(request: OrderRequest, newId: () => string): Promise<OrderAck> {
    const sender = this.#sender;
    if (!sender) throw new TickwireError('VENUE_AUTH_FAILED', 'binance: order entry needs apiKey and secret in the adapter options');
    await this.#openForOrders();
    const id = request.clientOrderId ?? sender.clientOrderId?.(this.socket, request) ?? newId();
    checkBinanceClientOrderId(id);
    const order: ResolvedOrder = { ...request, clientOrderId: id };
    const p = this.#pending.add(id, `binance order.place ${id}`);
    try {
      sender.place(this.socket, order, Date.now());
    } catch (e) {
      this.#pending.reject(id, e instanceof TickwireError ? e : new TickwireError('INTERNAL', String(e), { cause: e }));
    }
    return this.#ack(await p, 'order.place', id);
  }

  async cancelOrder(cancel: { symbol: string; clientOrderId?: string; orderId?: string }): Promise<OrderAck> {
    await this.#openForOrders();
    const id = this.#id('cx');
    return this.#ack(await this.#request(id, buildBinanceOrderCancel(id, cancel, this.#ctx()), `order.cancel ${id}`), 'order.cancel', id);
  }

  #ack(r: Response, what: string, id: string): OrderAck {
    if (r.status === 200) return parseOrderResult(r.result, r.recvTs);
    const code = r.error?.code;
    throw new VenueError('VENUE_ORDER_REJECTED', 'binance', `binance ${what} ${id} rejected: ${code ?? r.status} ${r.error?.msg ?? ''}`.trim(), {
      ...(code === undefined ? {} : { venueCode: code }),
      ...(r.error?.msg === undefined ? {} : { venueMessage: r.error.msg }),
      httpStatus: r.status,
    });
  }

  #message(text: string, recvTs: number): void {
    const m = asObject(JSON.parse(text) as unknown, 'WebSocket API message');
    if (m.event !== undefined) {
      const event = asObject(m.event, 'user data event');
      if (event.e === 'executionReport') {
        const { update, fill } = parseExecutionReport(event, recvTs);
        this.#sink.order(update);
        if (fill) this.#sink.fill(fill);
      }
      // serverShutdown, outboundAccountPosition, balanceUpdate, …: nothing to do (the transport
      // reconnects after a shutdown).
      return;
    }
    if (m.status !== undefined) {
      if (typeof m.status !== 'number') throw invalidMessage('binance', 'response status is not a number', text);
      const id = m.id === null || m.id === undefined ? '' : String(m.id as string | number);
      if (!this.#pending.has(id)) {
        // A response nobody waits for (timed out); an error without id (e.g. a revoked key) is reported.
        if (m.status !== 200) this.#sink.error(invalidMessage('binance', `unsolicited error response`, text));
        return;
      }
      this.#pending.resolve(id, { ...(m as unknown as BinanceApiResponse), recvTs });
      return;
    }
    throw invalidMessage('binance', 'unexpected WebSocket API message', text);
  }

  close(): Promise<void> {
    this.#pending.rejectAll(new TickwireError('CONN_CLOSED', 'binance trading: the adapter was closed'));
    return this.socket.close();
  }
}
