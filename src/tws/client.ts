/**
 * The Interactive Brokers TWS / IB Gateway client on tickwire's native transport.
 *
 *   const ib = await tws.connect({ host: '127.0.0.1', port: 7497 });   // after nextValidId + managedAccounts
 *   const sub = ib.marketData(tws.stock('AAPL'), (tick) => …);  sub.cancel();
 *   const order = ib.placeOrder(tws.stock('AAPL'), tws.limitOrder('BUY', 100, 150));  await order.filled;
 *   await ib.positions();  await ib.disconnect();
 *
 * One TWS connection at a time; after a drop it reconnects with backoff (same client id) and
 * re-requests market data, positions and account updates, and resyncs open orders. Requests made
 * while it is reconnecting wait for the connection (market data, positions) or fail at once with
 * TWS_NOT_CONNECTED (orders: an order is never queued behind a dead connection).
 */
import { EventEmitter } from 'node:events';

import { TickwireError } from '../native/errors.js';
import { checkTransport, DEFAULT_RECONNECT, type ReconnectOptions, type Transport } from '../net/options.js';
import { contractRecord, describeContract, type Contract, type ContractDescription } from './contract.js';
import {
  codeForIbError,
  decodeIbText,
  IB_CODE,
  severityOf,
  TwsError,
} from './errors.js';
import { encodeMessage, FrameDecoder, MAX_MESSAGE_BYTES, type FieldValue } from './framing.js';
import {
  buildHello,
  buildStartApi,
  checkVersionRange,
  connectionRefusedError,
  handshakeTimeoutError,
  parseServerHello,
  type VersionRange,
} from './handshake.js';
import * as codec from './messages/codec.js';
import { IN, OUT, sizeTickFor, tickTypeName } from './messages/ids.js';
import type { ContractRecord } from './messages/records.js';
import {
  orderRecord,
  type Execution,
  type Fill,
  type OpenOrder,
  type Order,
  type OrderStatusName,
  type OrderStatusUpdate,
} from './order.js';
import { dialNative, type ByteStream, type Dialer } from './transport.js';
import { MAX_SUPPORTED_VERSION, MIN_SUPPORTED_VERSION, SV } from './versions.js';
import { TWS_SETTINGS_HINT } from './errors.js';

// ---------------------------------------------------------------------------------------------
// public types

export interface TwsHeartbeatOptions {
  /** Probe with reqCurrentTime when nothing arrived for this long. */
  intervalMs: number;
  /** Drop the connection (and reconnect) when nothing arrives this long after a probe. */
  timeoutMs: number;
}

export type TwsLogger = (level: 'debug' | 'info' | 'warn', message: string) => void;

export interface TwsConnectOptions {
  /** Default '127.0.0.1'. */
  host?: string;
  /** Default 7497 (TWS paper). 7496 TWS live, 4001 / 4002 IB Gateway live / paper. */
  port?: number;
  /** Default: derived from the clock, unique within the process, never 0. */
  clientId?: number;
  /** TCP connect + handshake until nextValidId and managedAccounts have arrived. Default 10 000. */
  timeoutMs?: number;
  transport?: Transport;
  /** Server versions to offer (within 157..193). Default 157..193. */
  minVersion?: number;
  maxVersion?: number;
  /** Appended to the version string (e.g. '+PACEAPI'). Default none. */
  connectOptions?: string;
  /** START_API optional capabilities. Default ''. */
  optionalCapabilities?: string;
  /**
   * Unknown message ids: false (default) logs once per id and skips the message; true reports a
   * TWS_PROTOCOL_ERROR on 'error' (and still skips it: framing keeps the stream in sync).
   */
  strict?: boolean;
  /** Largest message accepted; beyond it TWS_MESSAGE_TOO_BIG and the connection is dropped. Default 0xFFFFFF (IB's). */
  maxMessageBytes?: number;
  /** Reconnect after a drop (not for the first connection). Default: 250 ms doubling to 30 s, unlimited, with jitter. */
  reconnect?: ReconnectOptions | false;
  /** When TWS answers 326 (client id in use) to the first connection: try this many other ids. Default 0 (fail). */
  clientIdRetries?: number;
  /** positions(), reqCurrentTime(), accountUpdates(): give up after this long. Default 10 000. */
  requestTimeoutMs?: number;
  /** Liveness probe (reqCurrentTime, as @stoqey/ib's watchdog does). Default off. */
  heartbeat?: TwsHeartbeatOptions | false;
  /** reqMarketDataType after each connection: 1 live, 2 frozen, 3 delayed, 4 delayed-frozen. Default: not sent. */
  marketDataType?: 1 | 2 | 3 | 4;
  /** Where lenient-mode notes go (unknown message ids, …). Default: console.warn for 'warn'. */
  logger?: TwsLogger;
}

/** Internal knobs (tests): a different dialer. */
export interface TwsInternalOptions {
  dial?: Dialer;
}

export interface TickAttribs {
  canAutoExecute: boolean;
  pastLimit: boolean;
  preOpen: boolean;
}

interface TickBase {
  reqId: number;
  /** IB's tick type number (ticktype.py). */
  tickType: number;
  /** 'BID', 'ASK', 'LAST', 'VOLUME', … or 'TICK_<n>'. */
  name: string;
}
export type Tick =
  | (TickBase & { kind: 'price'; price: number; size: number | undefined; attribs: TickAttribs })
  | (TickBase & { kind: 'size'; size: number })
  | (TickBase & { kind: 'string'; value: string })
  | (TickBase & { kind: 'generic'; value: number });

export interface MarketDataOptions {
  /** IB's genericTickList, e.g. '233' (RT volume). Default ''. */
  genericTicks?: string;
  /** One snapshot instead of a stream. Default false. */
  snapshot?: boolean;
  /** Errors about this subscription (e.g. 200 no security definition); otherwise they go to the client's 'error'. */
  onError?: (err: TwsError) => void;
}

export interface MarketDataSubscription {
  readonly reqId: number;
  readonly contract: Contract;
  /** Stops the stream (cancelMktData). Idempotent. */
  cancel(): void;
}

export interface Position {
  account: string;
  contract: ContractDescription;
  position: number;
  avgCost: number;
}

export interface AccountValue {
  key: string;
  value: string;
  currency: string;
  account: string;
}

export interface PortfolioItem {
  contract: ContractDescription;
  position: number;
  marketPrice: number;
  marketValue: number;
  averageCost: number;
  unrealizedPNL: number;
  realizedPNL: number;
  account: string;
}

export type AccountUpdate =
  | { kind: 'value'; value: AccountValue }
  | { kind: 'portfolio'; item: PortfolioItem }
  | { kind: 'time'; time: string }
  | { kind: 'end'; account: string };

export interface CommissionReport {
  execId: string;
  commission: number;
  currency: string;
  realizedPNL: number | undefined;
}

export interface TwsInfo {
  code: number;
  reqId: number;
  message: string;
}

export interface TwsClientEvents {
  /** IB errors (severity 'error'), protocol errors, transport failures. Emitted only when listened to. */
  error: [err: TickwireError];
  /** IB warnings (2100–2169, 202, 399, 10167, …). */
  warning: [err: TwsError];
  /** IB notices such as 2104 / 2106 / 2158 "farm connection is OK". */
  info: [info: TwsInfo];
  /** The connection was lost (`cause`), or closed by disconnect() (null). */
  disconnected: [cause: TickwireError | null];
  /** A reconnect attempt starts after `delayMs`. */
  reconnecting: [attempt: number, delayMs: number];
  /** Connected again (nextValidId + managedAccounts received); subscriptions were re-requested. */
  reconnected: [attempt: number];
  /** The client is finished: disconnect() was called, or reconnecting gave up (RECONNECT_FAILED on 'error' first). */
  close: [];
  nextValidId: [orderId: number];
  managedAccounts: [accounts: string[]];
  tickPrice: [reqId: number, tickType: number, price: number, attribs: TickAttribs];
  tickSize: [reqId: number, tickType: number, size: number];
  tickString: [reqId: number, tickType: number, value: string];
  tickGeneric: [reqId: number, tickType: number, value: number];
  marketDataType: [reqId: number, marketDataType: number];
  orderStatus: [status: OrderStatusUpdate];
  openOrder: [order: OpenOrder];
  openOrderEnd: [];
  execDetails: [execution: Execution, reqId: number];
  execDetailsEnd: [reqId: number];
  commissionReport: [report: CommissionReport];
  position: [position: Position];
  positionEnd: [];
  updateAccountValue: [value: AccountValue];
  updatePortfolio: [item: PortfolioItem];
  updateAccountTime: [time: string];
  accountDownloadEnd: [account: string];
  currentTime: [epochSeconds: number];
  /** A message with an id this client does not decode (skipped). */
  unknownMessage: [id: number, fields: string[]];
}

export interface OrderHandleEvents {
  status: [status: OrderStatusUpdate];
  execution: [execution: Execution];
  openOrder: [order: OpenOrder];
  /** TWS errors and warnings about this order. Emitted only when listened to. */
  error: [err: TwsError];
}

/** A placed order: its id, its fill as a promise, and its lifecycle as events. */
export class OrderHandle extends EventEmitter<OrderHandleEvents> {
  readonly orderId: number;
  readonly contract: Contract;
  readonly order: Order;
  /** Resolves when the order is completely filled; rejects when it is cancelled or rejected. */
  readonly filled: Promise<Fill>;
  /** Latest status TWS reported ('' before the first). */
  status: OrderStatusName = '';
  readonly executions: Execution[] = [];
  /** Internal. */
  _settle: { resolve(f: Fill): void; reject(e: TickwireError): void };
  /** Internal: 'done' once filled / cancelled / rejected. */
  _done = false;
  /** Internal. */
  _last: OrderStatusUpdate | undefined;
  readonly #client: TwsClient;

  /** Use {@link TwsClient.placeOrder}. */
  constructor(client: TwsClient, orderId: number, contract: Contract, order: Order) {
    super();
    this.#client = client;
    this.orderId = orderId;
    this.contract = contract;
    this.order = order;
    let settle!: OrderHandle['_settle'];
    this.filled = new Promise<Fill>((resolve, reject) => (settle = { resolve, reject }));
    // A rejection nobody awaits must not crash the process: callers observe it through `filled`.
    this.filled.catch(() => undefined);
    this._settle = settle;
  }

  get done(): boolean {
    return this._done;
  }

  /** cancelOrder for this order. */
  cancel(): void {
    this.#client.cancelOrder(this.orderId);
  }
}

// ---------------------------------------------------------------------------------------------
// client ids

let idSeq = 0;
const idBase = Date.now() % 1_000_000_000;

/** A client id from the clock: unique within this process, in 1..999 999 999 (never 0, TWS's "master" id). */
export function defaultClientId(): number {
  return ((idBase + idSeq++) % 999_999_999) + 1;
}

// ---------------------------------------------------------------------------------------------
// internals

const REQ_ID_BASE = 1_000_000_000; // ticker / request ids, far from order ids (both share IB's error id field)

interface MarketDataEntry {
  reqId: number;
  contract: Contract;
  record: ContractRecord;
  options: MarketDataOptions;
  onTick: (tick: Tick) => void;
  /** Sent on the current connection. */
  sent: boolean;
}

interface Waiter<T> {
  resolve(v: T): void;
  reject(e: TickwireError): void;
  timer: NodeJS.Timeout;
}

interface PositionsRequest extends Waiter<Position[]> {
  collected: Position[];
}

interface AccountSub {
  account: string;
  listener: (u: AccountUpdate) => void;
}

/** One TCP connection and its handshake. */
class Session {
  stage: 'hello' | 'starting' | 'ready' | 'closed' = 'hello';
  serverVersion = 0;
  connectionTime = '';
  gotNextId = false;
  gotAccounts = false;
  readonly decoder: FrameDecoder;
  timer: NodeJS.Timeout | null = null;
  get closed(): boolean {
    return this.stage === 'closed';
  }
  constructor(
    readonly stream: ByteStream,
    maxMessageBytes: number,
    readonly clientId: number,
  ) {
    this.decoder = new FrameDecoder({ maxMessageBytes });
  }
}

interface AttemptResult {
  resolve(): void;
  reject(e: TickwireError): void;
}

interface Resolved {
  host: string;
  port: number;
  timeoutMs: number;
  transport: Transport;
  range: VersionRange;
  connectOptions: string;
  optionalCapabilities: string;
  strict: boolean;
  maxMessageBytes: number;
  reconnect: ReconnectOptions | false;
  clientIdRetries: number;
  requestTimeoutMs: number;
  heartbeat: TwsHeartbeatOptions | false;
  marketDataType: number | undefined;
  logger: TwsLogger;
  dial: Dialer;
}

function invalid(message: string): never {
  throw new TickwireError('INVALID_ARGUMENT', `tws.connect: ${message}`);
}

function intOption(v: unknown, name: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min || v > max) invalid(`${name} must be an integer in ${min}..${max}, got ${String(v)}`);
  return v;
}

const defaultLogger: TwsLogger = (level, message) => {
  if (level === 'warn') console.warn(`[tickwire tws] ${message}`);
};

function resolveOptions(o: TwsConnectOptions & TwsInternalOptions): Resolved & { clientId: number; userClientId: boolean } {
  if (o === null || typeof o !== 'object') invalid('options must be an object');
  const host = o.host ?? '127.0.0.1';
  if (typeof host !== 'string' || host === '') invalid('host must be a non-empty string');
  const port = intOption(o.port ?? 7497, 'port', 1, 65535);
  const userClientId = o.clientId !== undefined;
  const clientId = userClientId ? intOption(o.clientId, 'clientId', 0, 2_147_483_647) : defaultClientId();
  const range = checkVersionRange(o.minVersion ?? MIN_SUPPORTED_VERSION, o.maxVersion ?? MAX_SUPPORTED_VERSION);
  const transport = checkTransport(o.transport, 'tws.connect: ');
  const rc = o.reconnect === undefined ? DEFAULT_RECONNECT : o.reconnect;
  if (rc) {
    intOption(rc.initialDelayMs, 'reconnect.initialDelayMs', 0);
    intOption(rc.maxDelayMs, 'reconnect.maxDelayMs', 0);
    intOption(rc.maxAttempts, 'reconnect.maxAttempts', 0);
    if (typeof rc.jitter !== 'boolean') invalid('reconnect.jitter must be a boolean');
  }
  const hb = o.heartbeat ?? false;
  if (hb) {
    intOption(hb.intervalMs, 'heartbeat.intervalMs', 1);
    intOption(hb.timeoutMs, 'heartbeat.timeoutMs', 1);
  }
  if (o.marketDataType !== undefined) intOption(o.marketDataType, 'marketDataType', 1, 4);
  for (const [name, v] of [
    ['connectOptions', o.connectOptions],
    ['optionalCapabilities', o.optionalCapabilities],
  ] as const) {
    if (v !== undefined && (typeof v !== 'string' || v.includes('\0'))) invalid(`${name} must be a string without NUL`);
  }
  return {
    host,
    port,
    clientId,
    userClientId,
    timeoutMs: intOption(o.timeoutMs ?? 10_000, 'timeoutMs', 1),
    transport,
    range,
    connectOptions: o.connectOptions ?? '',
    optionalCapabilities: o.optionalCapabilities ?? '',
    strict: o.strict ?? false,
    maxMessageBytes: intOption(o.maxMessageBytes ?? MAX_MESSAGE_BYTES, 'maxMessageBytes', 16),
    reconnect: rc,
    clientIdRetries: intOption(o.clientIdRetries ?? 0, 'clientIdRetries', 0),
    requestTimeoutMs: intOption(o.requestTimeoutMs ?? 10_000, 'requestTimeoutMs', 1),
    heartbeat: hb,
    marketDataType: o.marketDataType,
    logger: o.logger ?? defaultLogger,
    dial: o.dial ?? dialNative,
  };
}

function notConnected(what: string): TickwireError {
  return new TickwireError('TWS_NOT_CONNECTED', `${what}: not connected to TWS`);
}

function attribsOf(mask: number): TickAttribs {
  return { canAutoExecute: (mask & 1) !== 0, pastLimit: (mask & 2) !== 0, preOpen: (mask & 4) !== 0 };
}

const FINAL_CANCELLED = new Set(['Cancelled', 'ApiCancelled']);
const CANCEL_REQUEST_ERRORS = new Set([161, 10147, 10148]);

// ---------------------------------------------------------------------------------------------
// the client

export class TwsClient extends EventEmitter<TwsClientEvents> {
  readonly host: string;
  readonly port: number;
  readonly #o: Resolved;
  #clientId: number;
  readonly #userClientId: boolean;
  #session: Session | null = null;
  #state: 'connecting' | 'ready' | 'reconnecting' | 'closed' = 'connecting';
  #userClosed = false;
  #failures = 0;
  #reconnects = 0;
  #accounts: string[] = [];
  #nextOrderId = 0;
  #serverVersion = 0;
  #connectionTime = '';
  #reqIdSeq = REQ_ID_BASE;
  readonly #marketData = new Map<number, MarketDataEntry>();
  readonly #orders = new Map<number, OrderHandle>();
  readonly #execOrder = new Map<string, number>();
  #positionsSubscribed = false;
  readonly #positionRequests = new Set<PositionsRequest>();
  #accountSub: AccountSub | null = null;
  readonly #timeWaiters: Array<Waiter<number>> = [];
  readonly #timers = new Set<NodeJS.Timeout>();
  readonly #unknownLogged = new Set<number>();
  #hbTimer: NodeJS.Timeout | null = null;
  #lastRx = 0;
  #probeAt = 0;
  #closedPromise: Promise<void> | null = null;
  /** The first connection's settle functions while connect() is pending. */
  #pending: AttemptResult | null = null;
  #opened = false;

  /** Use {@link connect}. */
  constructor(options: TwsConnectOptions & TwsInternalOptions = {}) {
    super();
    const r = resolveOptions(options);
    this.#o = r;
    this.host = r.host;
    this.port = r.port;
    this.#clientId = r.clientId;
    this.#userClientId = r.userClientId;
  }

  // ------------------------------------------------------------------ state

  /** Accounts from managedAccounts. */
  get accounts(): string[] {
    return [...this.#accounts];
  }
  /** The next order id placeOrder() will use (from nextValidId, then counting up). */
  get nextOrderId(): number {
    return this.#nextOrderId;
  }
  /** The negotiated server version (157..193). */
  get serverVersion(): number {
    return this.#serverVersion;
  }
  /** TWS's connection time string from the handshake. */
  get connectionTime(): string {
    return this.#connectionTime;
  }
  get clientId(): number {
    return this.#clientId;
  }
  get connected(): boolean {
    return this.#state === 'ready';
  }
  get state(): 'connecting' | 'ready' | 'reconnecting' | 'closed' {
    return this.#state;
  }

  // ------------------------------------------------------------------ connection lifecycle

  /**
   * Makes the first connection (with client id retries on 326). {@link connect} does
   * `new TwsClient(options)` + `open()`; call it yourself to attach listeners (e.g. 'info' for the
   * farm notices that follow the handshake) before anything arrives. Once only.
   */
  async open(): Promise<void> {
    if (this.#opened) throw new TickwireError('INVALID_ARGUMENT', 'open(): this client was already opened; create a new one');
    this.#opened = true;
    let retries = this.#o.clientIdRetries;
    for (;;) {
      try {
        await new Promise<void>((resolve, reject) => {
          this.#pending = { resolve, reject };
          void this.#attempt(this.#pending);
        });
        return;
      } catch (e) {
        const err = e as TickwireError;
        if (err.code === 'TWS_CLIENT_ID_IN_USE' && retries > 0 && !this.#userClosed) {
          retries--;
          const previous = this.#clientId;
          this.#clientId = this.#userClientId ? (this.#clientId % 2_147_483_646) + 1 : defaultClientId();
          this.#o.logger('info', `client id ${previous} is in use; retrying with ${this.#clientId}`);
          continue;
        }
        this.#state = 'closed';
        this.#clearTimers();
        throw err;
      }
    }
  }

  #timer(ms: number, fn: () => void): NodeJS.Timeout {
    const t = setTimeout(() => {
      this.#timers.delete(t);
      fn();
    }, ms);
    t.unref();
    this.#timers.add(t);
    return t;
  }

  #clearTimers(): void {
    for (const t of this.#timers) clearTimeout(t);
    this.#timers.clear();
    this.#stopHeartbeat();
  }

  async #attempt(result: AttemptResult | null): Promise<void> {
    const o = this.#o;
    const started = Date.now();
    let stream: ByteStream;
    try {
      stream = await o.dial(o.host, o.port, { transport: o.transport, timeoutMs: o.timeoutMs });
    } catch (e) {
      const err = e as TickwireError;
      let mapped: TickwireError = err;
      if (err.code === 'CONN_REFUSED') mapped = connectionRefusedError(o.host, o.port, err);
      else if (err.code === 'CONN_TIMEOUT')
        mapped = new TickwireError('CONN_TIMEOUT', `TCP connect to ${o.host}:${o.port} timed out after ${o.timeoutMs} ms. ${TWS_SETTINGS_HINT}`, {
          reason: 'CONN_TIMEOUT',
          cause: err,
        });
      this.#attemptFailed(result, mapped);
      return;
    }
    if (this.#userClosed) {
      stream.destroy();
      result?.reject(notConnected('connect'));
      return;
    }
    const s = new Session(stream, o.maxMessageBytes, this.#clientId);
    this.#session = s;
    stream.on('data', (chunk) => this.#onData(s, result, chunk));
    stream.on('error', (err) => this.#sessionFailed(s, result, err));
    stream.on('close', () =>
      this.#sessionFailed(
        s,
        result,
        s.stage === 'hello'
          ? new TickwireError('CONN_CLOSED', `TWS at ${o.host}:${o.port} closed the connection during the handshake. ${TWS_SETTINGS_HINT}`, { reason: 'CLOSED_IN_HANDSHAKE' })
          : new TickwireError('CONN_CLOSED', `TWS at ${o.host}:${o.port} closed the connection`, { reason: 'PEER_CLOSED' }),
      ),
    );
    const remaining = Math.max(1, o.timeoutMs - (Date.now() - started));
    s.timer = this.#timer(remaining, () => {
      s.timer = null;
      if (s.stage === 'ready' || s.stage === 'closed') return;
      this.#sessionFailed(s, result, handshakeTimeoutError(o.host, o.port, o.timeoutMs, s.stage === 'hello' ? 'server-version' : 'api-ready'));
    });
    try {
      stream.write(buildHello(o.range, o.connectOptions));
    } catch (e) {
      this.#sessionFailed(s, result, e as TickwireError);
    }
  }

  /** A connection attempt or live session ended with `err`. */
  #sessionFailed(s: Session, result: AttemptResult | null, err: TickwireError): void {
    if (s.stage === 'closed') return;
    const wasReady = s.stage === 'ready';
    s.stage = 'closed';
    if (s.timer) {
      clearTimeout(s.timer);
      this.#timers.delete(s.timer);
      s.timer = null;
    }
    s.stream.removeAllListeners();
    s.stream.on('error', () => undefined);
    s.stream.destroy();
    if (this.#session === s) this.#session = null;
    this.#stopHeartbeat();
    for (const e of this.#marketData.values()) e.sent = false;
    if (wasReady) {
      this.#connectionLost(err);
      return;
    }
    this.#attemptFailed(result, err);
  }

  #attemptFailed(result: AttemptResult | null, err: TickwireError): void {
    if (result) {
      // The first connection: connect() rejects (no reconnect).
      if (this.#pending === result) this.#pending = null;
      result.reject(err);
      return;
    }
    // A reconnect attempt failed: try again.
    this.#scheduleReconnect(err);
  }

  #connectionLost(cause: TickwireError): void {
    if (this.#userClosed) return;
    this.#state = 'reconnecting';
    this.emit('disconnected', cause);
    if (!this.#o.reconnect) {
      this.#finish();
      return;
    }
    this.#scheduleReconnect(cause);
  }

  #scheduleReconnect(cause: TickwireError): void {
    const rc = this.#o.reconnect;
    if (this.#userClosed) return;
    if (!rc) {
      this.#finish();
      return;
    }
    this.#failures++;
    if (rc.maxAttempts > 0 && this.#failures > rc.maxAttempts) {
      this.#emitError(new TickwireError('RECONNECT_FAILED', `TWS ${this.host}:${this.port}: gave up after ${rc.maxAttempts} reconnect attempts`, { cause }));
      this.#finish();
      return;
    }
    const backoff = Math.min(rc.maxDelayMs, rc.initialDelayMs * 2 ** (this.#failures - 1));
    const delay = rc.jitter ? Math.floor(Math.random() * backoff) : backoff;
    this.#state = 'reconnecting';
    this.emit('reconnecting', this.#failures, delay);
    this.#timer(delay, () => {
      if (!this.#userClosed) void this.#attempt(null);
    });
  }

  /** The client is over for good: fail everything pending. */
  #finish(): void {
    if (this.#state === 'closed') return;
    this.#state = 'closed';
    this.#clearTimers();
    const err = notConnected('request');
    for (const h of this.#orders.values()) {
      if (!h._done) {
        h._done = true;
        h._settle.reject(new TickwireError('TWS_NOT_CONNECTED', `order ${h.orderId}: the connection to TWS is closed; its outcome is unknown to this client`));
      }
    }
    this.#orders.clear();
    for (const r of this.#positionRequests) {
      clearTimeout(r.timer);
      r.reject(err);
    }
    this.#positionRequests.clear();
    for (const w of this.#timeWaiters.splice(0)) {
      clearTimeout(w.timer);
      w.reject(err);
    }
    this.#marketData.clear();
    this.#accountSub = null;
    this.#positionsSubscribed = false;
    this.emit('close');
  }

  /** Closes the connection; pending requests fail with TWS_NOT_CONNECTED. Resolves once closed. */
  disconnect(): Promise<void> {
    if (this.#closedPromise) return this.#closedPromise;
    this.#userClosed = true;
    const s = this.#session;
    this.#closedPromise = new Promise<void>((resolve) => {
      const done = (): void => {
        if (this.#state === 'ready') this.emit('disconnected', null);
        const pending = this.#pending;
        this.#pending = null;
        pending?.reject(new TickwireError('TWS_NOT_CONNECTED', 'connect: disconnect() was called before the connection was ready'));
        this.#finish();
        resolve();
      };
      if (!s || s.stage === 'closed') {
        done();
        return;
      }
      s.stage = 'closed';
      this.#session = null;
      s.stream.removeAllListeners();
      s.stream.on('error', () => undefined);
      s.stream.on('close', () => done());
      try {
        s.stream.end();
      } catch {
        s.stream.destroy();
        done();
      }
    });
    return this.#closedPromise;
  }

  // ------------------------------------------------------------------ receive path

  #onData(s: Session, result: AttemptResult | null, chunk: Uint8Array): void {
    if (s.stage === 'closed') return;
    if (this.#o.heartbeat) this.#lastRx = Date.now();
    let messages: string[][];
    try {
      messages = s.decoder.push(chunk);
    } catch (e) {
      // Oversize length prefix: the stream cannot be resynced.
      const err = e as TickwireError;
      if (s.stage === 'ready') this.#emitError(err);
      this.#sessionFailed(s, result, err);
      return;
    }
    for (const fields of messages) {
      if (s.closed) return;
      this.#onMessage(s, result, fields);
    }
  }

  #onMessage(s: Session, result: AttemptResult | null, fields: string[]): void {
    if (s.stage === 'hello') {
      try {
        const hello = parseServerHello(fields, this.#o.range);
        s.serverVersion = hello.serverVersion;
        s.connectionTime = hello.connectionTime;
        s.stage = 'starting';
        s.stream.write(buildStartApi(hello.serverVersion, s.clientId, this.#o.optionalCapabilities));
      } catch (e) {
        this.#sessionFailed(s, result, e as TickwireError);
      }
      return;
    }
    let id: number;
    try {
      id = codec.messageId(fields);
    } catch (e) {
      this.#emitError(e as TickwireError);
      return;
    }
    // Before the API is ready, a 326 ends the attempt (TWS closes the socket after it).
    if (s.stage === 'starting' && id === IN.ERR_MSG) {
      try {
        const r = codec.decodeFields(fields, codec.errMsg, s.serverVersion, codec.newErrorRecord());
        if (r.code === IB_CODE.CLIENT_ID_IN_USE) {
          const err = new TwsError(
            'TWS_CLIENT_ID_IN_USE',
            `TWS refused client id ${s.clientId}: ${decodeIbText(r.message)} (IB error 326; pick another clientId or set clientIdRetries)`,
            { ibCode: r.code, reqId: r.reqId, severity: 'error' },
          );
          this.#sessionFailed(s, result, err);
          return;
        }
      } catch {
        // fall through: dispatched (and reported) below
      }
    }
    try {
      this.#dispatch(s, id, fields);
    } catch (e) {
      if (e instanceof TickwireError && e.code === 'TWS_PROTOCOL_ERROR') {
        this.#emitError(e);
      } else {
        // An exception from user code (a listener or onTick): report it the way Node does, without
        // breaking the decoder for the messages that follow.
        process.nextTick(() => {
          throw e;
        });
      }
    }
    if (s.stage === 'starting' && s.gotNextId && s.gotAccounts) this.#ready(s, result);
  }

  #ready(s: Session, result: AttemptResult | null): void {
    s.stage = 'ready';
    if (s.timer) {
      clearTimeout(s.timer);
      this.#timers.delete(s.timer);
      s.timer = null;
    }
    this.#serverVersion = s.serverVersion;
    this.#connectionTime = s.connectionTime;
    const reconnected = this.#state === 'reconnecting';
    this.#state = 'ready';
    this.#failures = 0;
    this.#startHeartbeat();
    try {
      if (this.#o.marketDataType !== undefined) this.#send(OUT.REQ_MARKET_DATA_TYPE, codec.reqMarketDataType, { marketDataType: this.#o.marketDataType });
      this.#resubscribe(reconnected);
    } catch (e) {
      // The stream failed under us; its 'close' will follow.
      this.#o.logger('debug', `re-subscribing failed: ${(e as Error).message}`);
    }
    this.#pending = null;
    if (result) result.resolve();
    else {
      this.#reconnects++;
      this.emit('reconnected', this.#reconnects);
    }
  }

  /** (Re-)sends what the client is subscribed to / waiting for. */
  #resubscribe(reconnected: boolean): void {
    for (const e of this.#marketData.values()) this.#sendMarketData(e);
    if (this.#positionsSubscribed || this.#positionRequests.size > 0) {
      for (const r of this.#positionRequests) r.collected = [];
      this.#send(OUT.REQ_POSITIONS, codec.versionOnly, {});
    }
    if (this.#accountSub) this.#send(OUT.REQ_ACCT_DATA, codec.reqAccountUpdates, { subscribe: true, account: this.#accountSub.account });
    for (let i = 0; i < this.#timeWaiters.length; i++) this.#send(OUT.REQ_CURRENT_TIME, codec.versionOnly, {});
    if (reconnected && [...this.#orders.values()].some((h) => !h._done)) {
      // Resync orders placed before the drop: open ones come back as openOrder/orderStatus, fills as execDetails.
      this.#send(OUT.REQ_OPEN_ORDERS, codec.versionOnly, {});
      this.#send(OUT.REQ_EXECUTIONS, codec.reqExecutions, codec.newExecutionFilter(this.#nextReqId()));
    }
  }

  #emitError(err: TickwireError): void {
    if (this.listenerCount('error') > 0) this.emit('error', err);
    else this.#o.logger('warn', `${err.code}: ${err.message}`);
  }

  #dispatch(s: Session, id: number, fields: string[]): void {
    const sv = s.serverVersion;
    switch (id) {
      case IN.NEXT_VALID_ID: {
        const r = codec.decodeFields(fields, codec.nextValidId, sv, { value: 0 });
        this.#nextOrderId = Math.max(this.#nextOrderId, r.value);
        s.gotNextId = true;
        this.emit('nextValidId', r.value);
        return;
      }
      case IN.MANAGED_ACCTS: {
        const r = codec.decodeFields(fields, codec.managedAccounts, sv, { value: '' });
        this.#accounts = r.value
          .split(',')
          .map((a) => a.trim())
          .filter((a) => a !== '');
        s.gotAccounts = true;
        this.emit('managedAccounts', this.accounts);
        return;
      }
      case IN.ERR_MSG:
        this.#onError(codec.decodeFields(fields, codec.errMsg, sv, codec.newErrorRecord()));
        return;
      case IN.TICK_PRICE: {
        const r = codec.decodeFields(fields, codec.tickPrice, sv, { reqId: 0, tickType: 0, price: 0, size: undefined, attrMask: 0 });
        const attribs = attribsOf(r.attrMask);
        this.emit('tickPrice', r.reqId, r.tickType, r.price, attribs);
        const e = this.#marketData.get(r.reqId);
        e?.onTick({ kind: 'price', reqId: r.reqId, tickType: r.tickType, name: tickTypeName(r.tickType), price: r.price, size: r.size, attribs });
        // The official decoder derives the size tick that goes with BID / ASK / LAST.
        const sizeType = sizeTickFor(r.tickType);
        if (sizeType !== undefined && r.size !== undefined) {
          this.emit('tickSize', r.reqId, sizeType, r.size);
          e?.onTick({ kind: 'size', reqId: r.reqId, tickType: sizeType, name: tickTypeName(sizeType), size: r.size });
        }
        return;
      }
      case IN.TICK_SIZE: {
        const r = codec.decodeFields(fields, codec.tickSize, sv, { reqId: 0, tickType: 0, size: undefined });
        if (r.size === undefined) return;
        this.emit('tickSize', r.reqId, r.tickType, r.size);
        this.#marketData.get(r.reqId)?.onTick({ kind: 'size', reqId: r.reqId, tickType: r.tickType, name: tickTypeName(r.tickType), size: r.size });
        return;
      }
      case IN.TICK_STRING: {
        const r = codec.decodeFields(fields, codec.tickString, sv, { reqId: 0, tickType: 0, value: '' });
        this.emit('tickString', r.reqId, r.tickType, r.value);
        this.#marketData.get(r.reqId)?.onTick({ kind: 'string', reqId: r.reqId, tickType: r.tickType, name: tickTypeName(r.tickType), value: r.value });
        return;
      }
      case IN.TICK_GENERIC: {
        const r = codec.decodeFields(fields, codec.tickGeneric, sv, { reqId: 0, tickType: 0, value: 0 });
        this.emit('tickGeneric', r.reqId, r.tickType, r.value);
        this.#marketData.get(r.reqId)?.onTick({ kind: 'generic', reqId: r.reqId, tickType: r.tickType, name: tickTypeName(r.tickType), value: r.value });
        return;
      }
      case IN.TICK_REQ_PARAMS:
        codec.decodeFields(fields, codec.tickReqParams, sv, { reqId: 0, minTick: 0, bboExchange: '', snapshotPermissions: 0 });
        return;
      case IN.TICK_SNAPSHOT_END: {
        const r = codec.decodeFields(fields, codec.reqIdOnly, sv, { reqId: 0 });
        const e = this.#marketData.get(r.reqId);
        if (e?.options.snapshot) this.#marketData.delete(r.reqId);
        return;
      }
      case IN.MARKET_DATA_TYPE: {
        const r = codec.decodeFields(fields, codec.marketDataType, sv, { reqId: 0, marketDataType: 0 });
        this.emit('marketDataType', r.reqId, r.marketDataType);
        return;
      }
      case IN.ORDER_STATUS:
        this.#onOrderStatus(codec.decodeFields(fields, codec.orderStatus, sv, codec.newOrderStatus()));
        return;
      case IN.OPEN_ORDER:
        this.#onOpenOrder(codec.decodeFields(fields, codec.openOrder, sv, codec.newOpenOrder()));
        return;
      case IN.OPEN_ORDER_END:
        codec.decodeFields(fields, codec.versionOnly, sv, {});
        this.emit('openOrderEnd');
        return;
      case IN.EXECUTION_DATA:
        this.#onExecution(codec.decodeFields(fields, codec.executionData, sv, codec.newExecution()));
        return;
      case IN.EXECUTION_DATA_END: {
        const r = codec.decodeFields(fields, codec.reqIdOnly, sv, { reqId: 0 });
        this.emit('execDetailsEnd', r.reqId);
        return;
      }
      case IN.COMMISSION_REPORT: {
        const r = codec.decodeFields(fields, codec.commissionReport, sv, {
          execId: '',
          commission: 0,
          currency: '',
          realizedPNL: undefined,
          yield: undefined,
          yieldRedemptionDate: 0,
        });
        const report: CommissionReport = { execId: r.execId, commission: r.commission, currency: r.currency, realizedPNL: r.realizedPNL };
        const orderId = this.#execOrder.get(r.execId);
        const h = orderId === undefined ? undefined : this.#orders.get(orderId);
        const ex = h?.executions.find((x) => x.execId === r.execId);
        if (ex) {
          ex.commission = r.commission;
          ex.commissionCurrency = r.currency;
          if (r.realizedPNL !== undefined) ex.realizedPNL = r.realizedPNL;
        }
        this.emit('commissionReport', report);
        return;
      }
      case IN.POSITION_DATA: {
        const r = codec.decodeFields(fields, codec.positionData, sv, codec.newPosition());
        const p: Position = { account: r.account, contract: describeContract(r.contract), position: r.position ?? 0, avgCost: r.avgCost };
        for (const req of this.#positionRequests) req.collected.push(p);
        this.emit('position', p);
        return;
      }
      case IN.POSITION_END: {
        codec.decodeFields(fields, codec.versionOnly, sv, {});
        const done = [...this.#positionRequests];
        this.#positionRequests.clear();
        if (!this.#positionsSubscribed && done.length > 0) this.#send(OUT.CANCEL_POSITIONS, codec.versionOnly, {});
        for (const req of done) {
          clearTimeout(req.timer);
          this.#timers.delete(req.timer);
          req.resolve(req.collected);
        }
        this.emit('positionEnd');
        return;
      }
      case IN.ACCT_VALUE: {
        const r = codec.decodeFields(fields, codec.acctValue, sv, { key: '', value: '', currency: '', account: '' });
        const v: AccountValue = { ...r };
        this.emit('updateAccountValue', v);
        this.#accountSub?.listener({ kind: 'value', value: v });
        return;
      }
      case IN.PORTFOLIO_VALUE: {
        const r = codec.decodeFields(fields, codec.portfolioValue, sv, codec.newPortfolio());
        const item: PortfolioItem = {
          contract: describeContract(r.contract),
          position: r.position ?? 0,
          marketPrice: r.marketPrice,
          marketValue: r.marketValue,
          averageCost: r.averageCost,
          unrealizedPNL: r.unrealizedPNL,
          realizedPNL: r.realizedPNL,
          account: r.account,
        };
        this.emit('updatePortfolio', item);
        this.#accountSub?.listener({ kind: 'portfolio', item });
        return;
      }
      case IN.ACCT_UPDATE_TIME: {
        const r = codec.decodeFields(fields, codec.acctUpdateTime, sv, { value: '' });
        this.emit('updateAccountTime', r.value);
        this.#accountSub?.listener({ kind: 'time', time: r.value });
        return;
      }
      case IN.ACCT_DOWNLOAD_END: {
        const r = codec.decodeFields(fields, codec.acctDownloadEnd, sv, { value: '' });
        this.emit('accountDownloadEnd', r.value);
        this.#accountSub?.listener({ kind: 'end', account: r.value });
        return;
      }
      case IN.CURRENT_TIME: {
        const r = codec.decodeFields(fields, codec.currentTime, sv, { value: 0 });
        this.#probeAt = 0;
        const w = this.#timeWaiters.shift();
        if (w) {
          clearTimeout(w.timer);
          this.#timers.delete(w.timer);
          w.resolve(r.value);
        }
        this.emit('currentTime', r.value);
        return;
      }
      default:
        this.#onUnknown(id, fields);
        return;
    }
  }

  #onUnknown(id: number, fields: string[]): void {
    this.emit('unknownMessage', id, fields);
    if (this.#o.strict) {
      this.#emitError(new TickwireError('TWS_PROTOCOL_ERROR', `TWS sent message id ${id}, which this client does not decode (strict mode); skipped`, { reason: 'UNKNOWN_MESSAGE_ID' }));
      return;
    }
    if (!this.#unknownLogged.has(id)) {
      this.#unknownLogged.add(id);
      this.#o.logger('warn', `skipping TWS message id ${id} (${fields.length} fields): not decoded by this client`);
    }
  }

  #onError(r: codec.ErrorRecord): void {
    const message = decodeIbText(r.message);
    const severity = severityOf(r.code);
    if (severity === 'info') {
      this.emit('info', { code: r.code, reqId: r.reqId, message });
      return;
    }
    const order = this.#orders.get(r.reqId);
    const md = this.#marketData.get(r.reqId);
    const err = new TwsError(codeForIbError(r.code, order !== undefined), `TWS error ${r.code}${r.reqId >= 0 ? ` (id ${r.reqId})` : ''}: ${message}`, {
      ibCode: r.code,
      reqId: r.reqId,
      severity,
      advancedOrderRejectJson: r.advancedOrderRejectJson,
    });
    if (r.code === IB_CODE.RESTORED_DATA_LOST) {
      // TWS ↔ IB connectivity is back but market data subscriptions were lost: re-request them.
      for (const e of this.#marketData.values()) {
        this.#send(OUT.CANCEL_MKT_DATA, codec.cancelMktData, { reqId: e.reqId });
        this.#sendMarketData(e);
      }
    }
    if (order) {
      if (order.listenerCount('error') > 0) order.emit('error', err);
      // Errors about a cancel request (161 not cancellable now, 10147/10148 not found / cannot be
      // cancelled) leave the order as it is; other errors end it.
      if ((severity === 'error' && !CANCEL_REQUEST_ERRORS.has(r.code)) || r.code === IB_CODE.ORDER_CANCELLED) this.#settleOrder(order, err);
    } else if (md) {
      // TWS ends a market data request that failed (warnings such as 10167 keep it).
      if (severity === 'error') this.#marketData.delete(r.reqId);
      if (md.options.onError) {
        md.options.onError(err);
        return;
      }
    }
    if (severity === 'warning') {
      if (this.listenerCount('warning') > 0) this.emit('warning', err);
      return;
    }
    this.#emitError(err);
  }

  #onOrderStatus(r: codec.OrderStatusRecord): void {
    const u: OrderStatusUpdate = {
      orderId: r.orderId,
      status: r.status,
      filled: r.filled ?? 0,
      remaining: r.remaining ?? 0,
      avgFillPrice: r.avgFillPrice,
      permId: r.permId,
      parentId: r.parentId,
      lastFillPrice: r.lastFillPrice,
      clientId: r.clientId,
      whyHeld: r.whyHeld,
      mktCapPrice: r.mktCapPrice,
    };
    this.emit('orderStatus', u);
    const h = this.#orders.get(r.orderId);
    if (!h) return;
    h.status = u.status;
    h._last = u;
    h.emit('status', u);
    if (u.status === 'Filled' && u.remaining === 0) {
      this.#resolveOrder(h, { filled: u.filled, avgFillPrice: u.avgFillPrice, lastFillPrice: u.lastFillPrice, permId: u.permId });
    } else if (FINAL_CANCELLED.has(u.status)) {
      this.#settleOrder(h, new TickwireError('VENUE_ORDER_REJECTED', `order ${h.orderId} was cancelled (status ${u.status}, filled ${u.filled})`, { reason: u.status.toUpperCase() }));
    }
  }

  #onOpenOrder(r: codec.OpenOrderRecord): void {
    const o = r.order;
    const view: OpenOrder = {
      orderId: o.orderId,
      contract: describeContract(r.contract),
      order: {
        action: o.action,
        totalQuantity: o.totalQuantity ?? 0,
        orderType: o.orderType,
        lmtPrice: o.lmtPrice,
        auxPrice: o.auxPrice,
        tif: o.tif,
        account: o.account,
        orderRef: o.orderRef,
        clientId: o.clientId,
        permId: o.permId,
        parentId: o.parentId,
        outsideRth: o.outsideRth,
        transmit: o.transmit,
        algoStrategy: o.algoStrategy,
      },
      orderState: {
        status: r.state.status,
        commission: r.state.commission,
        commissionCurrency: r.state.commissionCurrency,
        warningText: r.state.warningText,
        initMarginAfter: r.state.initMarginAfter,
        maintMarginAfter: r.state.maintMarginAfter,
        equityWithLoanAfter: r.state.equityWithLoanAfter,
      },
    };
    this.emit('openOrder', view);
    const h = this.#orders.get(o.orderId);
    if (h) h.emit('openOrder', view);
  }

  #onExecution(r: codec.ExecutionRecord): void {
    const ex: Execution = {
      orderId: r.orderId,
      execId: r.execId,
      time: r.time,
      account: r.account,
      exchange: r.exchange,
      side: r.side,
      shares: r.shares ?? 0,
      price: r.price,
      permId: r.permId,
      clientId: r.clientId,
      cumQty: r.cumQty ?? 0,
      avgPrice: r.avgPrice,
      orderRef: r.orderRef,
      contract: describeContract(r.contract),
    };
    this.emit('execDetails', ex, r.reqId);
    const h = this.#orders.get(r.orderId);
    if (!h || h.executions.some((x) => x.execId === ex.execId)) return;
    this.#execOrder.set(ex.execId, h.orderId);
    h.executions.push(ex);
    h.emit('execution', ex);
    // Executions can complete an order before (or instead of, after a reconnect) its Filled status.
    if (ex.cumQty >= h.order.totalQuantity && h.order.totalQuantity > 0) {
      this.#resolveOrder(h, { filled: ex.cumQty, avgFillPrice: ex.avgPrice, lastFillPrice: ex.price, permId: ex.permId });
    }
  }

  #resolveOrder(h: OrderHandle, f: Omit<Fill, 'orderId' | 'executions'>): void {
    if (h._done) return;
    h._done = true;
    h._settle.resolve({ orderId: h.orderId, ...f, executions: [...h.executions] });
  }

  #settleOrder(h: OrderHandle, err: TickwireError): void {
    if (h._done) return;
    h._done = true;
    h._settle.reject(err);
  }

  // ------------------------------------------------------------------ send path

  #send<R>(id: number, walk: codec.Walk<R>, rec: R): void {
    const s = this.#session;
    if (!s || s.stage !== 'ready') throw notConnected(`message ${id}`);
    s.stream.write(encodeMessage(codec.encodeFields(id, walk, s.serverVersion, rec)));
  }

  #nextReqId(): number {
    this.#reqIdSeq = this.#reqIdSeq >= 2_147_000_000 ? REQ_ID_BASE : this.#reqIdSeq + 1;
    return this.#reqIdSeq;
  }

  #isReady(): boolean {
    return this.#session !== null && this.#session.stage === 'ready';
  }

  #checkOpen(what: string): void {
    if (this.#state === 'closed') throw new TickwireError('TWS_NOT_CONNECTED', `${what}: the client is closed`);
  }

  #sendMarketData(e: MarketDataEntry): void {
    if (!this.#isReady()) return;
    const rec = codec.newReqMktData();
    rec.reqId = e.reqId;
    rec.contract = e.record;
    rec.genericTickList = e.options.genericTicks ?? '';
    rec.snapshot = e.options.snapshot ?? false;
    this.#send(OUT.REQ_MKT_DATA, codec.reqMktData, rec);
    e.sent = true;
  }

  // ------------------------------------------------------------------ API

  /**
   * Streams market data for `contract` (reqMktData). Ticks reach `onTick` (and the tickPrice /
   * tickSize / … events). While reconnecting, the request is sent once connected; after a
   * reconnect it is re-sent.
   */
  marketData(contract: Contract, onTick: (tick: Tick) => void, options: MarketDataOptions = {}): MarketDataSubscription {
    this.#checkOpen('marketData');
    if (typeof onTick !== 'function') throw new TickwireError('INVALID_ARGUMENT', 'marketData: onTick must be a function');
    const genericTicks = options.genericTicks ?? '';
    if (typeof genericTicks !== 'string' || !/^[0-9,]*$/.test(genericTicks)) {
      throw new TickwireError('INVALID_ARGUMENT', `marketData: genericTicks must be a comma-separated list of numbers, got '${String(genericTicks)}'`);
    }
    const record = contractRecord(contract);
    const reqId = this.#nextReqId();
    const entry: MarketDataEntry = { reqId, contract, record, options, onTick, sent: false };
    this.#marketData.set(reqId, entry);
    this.#sendMarketData(entry);
    return { reqId, contract, cancel: () => this.cancelMktData(reqId) };
  }

  /** Low-level reqMktData: the tick events carry `reqId`. Returns the request id. */
  reqMktData(contract: Contract, genericTicks = '', snapshot = false): number {
    return this.marketData(contract, () => undefined, { genericTicks, snapshot }).reqId;
  }

  /** Low-level cancelMktData (what a subscription's cancel() does). Idempotent. */
  cancelMktData(reqId: number): void {
    const e = this.#marketData.get(reqId);
    this.#marketData.delete(reqId);
    if (e?.sent && this.#isReady()) this.#send(OUT.CANCEL_MKT_DATA, codec.cancelMktData, { reqId });
  }

  /**
   * Places an order with the next order id. Throws TWS_NOT_CONNECTED while disconnected (orders
   * are never queued), INVALID_ARGUMENT for a bad contract / order, TWS_REQUEST_FAILED when the
   * negotiated server version lacks a field the order uses.
   */
  placeOrder(contract: Contract, order: Order): OrderHandle {
    this.#checkOpen('placeOrder');
    const s = this.#session;
    if (!s || s.stage !== 'ready') throw notConnected('placeOrder');
    const c = contractRecord(contract);
    const orderId = this.#nextOrderId;
    const rec = orderRecord(orderId, order);
    this.#checkOrderFields(s.serverVersion, order);
    this.#nextOrderId++;
    const h = new OrderHandle(this, orderId, contract, order);
    this.#orders.set(orderId, h);
    this.#send(OUT.PLACE_ORDER, codec.placeOrder, { contract: c, order: rec });
    // Forget settled orders after a while so a long-running client does not grow.
    void h.filled.then(
      () => this.#forget(h),
      () => this.#forget(h),
    );
    return h;
  }

  #forget(h: OrderHandle): void {
    this.#timer(60_000, () => {
      if (this.#orders.get(h.orderId) === h) this.#orders.delete(h.orderId);
      for (const ex of h.executions) this.#execOrder.delete(ex.execId);
    });
  }

  #checkOrderFields(sv: number, o: Order): void {
    const need: Array<[boolean, number, string]> = [
      [o.manualOrderTime !== undefined && o.manualOrderTime !== '', SV.MANUAL_ORDER_TIME, 'manualOrderTime'],
      [o.customerAccount !== undefined && o.customerAccount !== '', SV.CUSTOMER_ACCOUNT, 'customerAccount'],
      [o.professionalCustomer === true, SV.PROFESSIONAL_CUSTOMER, 'professionalCustomer'],
      [o.includeOvernight === true, SV.INCLUDE_OVERNIGHT, 'includeOvernight'],
      [o.manualOrderIndicator !== undefined, SV.CME_TAGGING_FIELDS, 'manualOrderIndicator'],
    ];
    for (const [used, min, name] of need) {
      if (used && sv < min) {
        throw new TwsError('TWS_REQUEST_FAILED', `placeOrder: ${name} needs TWS server version ${min}, connected at ${sv} (update TWS)`, {
          ibCode: IB_CODE.UPDATE_TWS,
          reqId: -1,
          severity: 'error',
        });
      }
    }
  }

  /** cancelOrder. The order's `filled` rejects once TWS confirms the cancel. */
  cancelOrder(orderId: number): void {
    if (!Number.isSafeInteger(orderId)) throw new TickwireError('INVALID_ARGUMENT', `cancelOrder: orderId must be an integer, got ${String(orderId)}`);
    this.#checkOpen('cancelOrder');
    this.#send(OUT.CANCEL_ORDER, codec.cancelOrder, codec.newCancelOrder(orderId));
  }

  /** reqOpenOrders: openOrder / orderStatus for this client's open orders, then openOrderEnd. */
  reqOpenOrders(): void {
    this.#checkOpen('reqOpenOrders');
    this.#send(OUT.REQ_OPEN_ORDERS, codec.versionOnly, {});
  }

  /** reqIds: asks TWS for the next valid order id (answered with nextValidId). */
  reqIds(): void {
    this.#checkOpen('reqIds');
    this.#send(OUT.REQ_IDS, codec.reqIds, { numIds: 1 });
  }

  /** reqExecutions (today's executions of this client): execDetails …, execDetailsEnd. Returns the request id. */
  reqExecutions(): number {
    this.#checkOpen('reqExecutions');
    const reqId = this.#nextReqId();
    this.#send(OUT.REQ_EXECUTIONS, codec.reqExecutions, codec.newExecutionFilter(reqId));
    return reqId;
  }

  /** All positions of the managed accounts (reqPositions … positionEnd). Re-requested after a reconnect. */
  positions(): Promise<Position[]> {
    this.#checkOpen('positions');
    return new Promise<Position[]>((resolve, reject) => {
      const req: PositionsRequest = {
        resolve,
        reject,
        collected: [],
        timer: this.#timer(this.#o.requestTimeoutMs, () => {
          this.#positionRequests.delete(req);
          reject(new TickwireError('TWS_REQUEST_FAILED', `positions: no positionEnd within ${this.#o.requestTimeoutMs} ms`, { reason: 'TIMEOUT' }));
        }),
      };
      const first = this.#positionRequests.size === 0;
      this.#positionRequests.add(req);
      if (first && this.#isReady()) this.#send(OUT.REQ_POSITIONS, codec.versionOnly, {});
    });
  }

  /** Low-level reqPositions: a subscription (position / positionEnd events) kept across reconnects. */
  reqPositions(): void {
    this.#checkOpen('reqPositions');
    this.#positionsSubscribed = true;
    if (this.#isReady()) this.#send(OUT.REQ_POSITIONS, codec.versionOnly, {});
  }

  /** Low-level cancelPositions. */
  cancelPositions(): void {
    this.#positionsSubscribed = false;
    if (this.#isReady() && this.#positionRequests.size === 0) this.#send(OUT.CANCEL_POSITIONS, codec.versionOnly, {});
  }

  /**
   * Account updates (reqAccountUpdates) for `account` ('' = the only / first account): values,
   * portfolio, update time, then 'end' after the first full download. IB allows one account
   * subscription per client: a new call replaces the previous one. Kept across reconnects.
   */
  accountUpdates(account: string, listener: (u: AccountUpdate) => void): { cancel(): void } {
    this.#checkOpen('accountUpdates');
    if (typeof account !== 'string' || account.includes('\0')) throw new TickwireError('INVALID_ARGUMENT', 'accountUpdates: account must be a string');
    const sub: AccountSub = { account, listener };
    this.#accountSub = sub;
    if (this.#isReady()) this.#send(OUT.REQ_ACCT_DATA, codec.reqAccountUpdates, { subscribe: true, account });
    return {
      cancel: () => {
        if (this.#accountSub !== sub) return;
        this.#accountSub = null;
        if (this.#isReady()) this.#send(OUT.REQ_ACCT_DATA, codec.reqAccountUpdates, { subscribe: false, account });
      },
    };
  }

  /** Low-level reqAccountUpdates (events updateAccountValue / updatePortfolio / updateAccountTime / accountDownloadEnd). */
  reqAccountUpdates(subscribe: boolean, account = ''): void {
    if (subscribe) this.accountUpdates(account, () => undefined);
    else {
      this.#accountSub = null;
      if (this.#isReady()) this.#send(OUT.REQ_ACCT_DATA, codec.reqAccountUpdates, { subscribe: false, account });
    }
  }

  /** TWS's clock, in seconds since the epoch (reqCurrentTime). */
  reqCurrentTime(): Promise<number> {
    this.#checkOpen('reqCurrentTime');
    return new Promise<number>((resolve, reject) => {
      const w: Waiter<number> = {
        resolve,
        reject,
        timer: this.#timer(this.#o.requestTimeoutMs, () => {
          const i = this.#timeWaiters.indexOf(w);
          if (i >= 0) this.#timeWaiters.splice(i, 1);
          reject(new TickwireError('TWS_REQUEST_FAILED', `reqCurrentTime: no answer within ${this.#o.requestTimeoutMs} ms`, { reason: 'TIMEOUT' }));
        }),
      };
      this.#timeWaiters.push(w);
      if (this.#isReady()) this.#send(OUT.REQ_CURRENT_TIME, codec.versionOnly, {});
    });
  }

  /** reqMarketDataType: 1 live, 2 frozen, 3 delayed, 4 delayed-frozen. */
  reqMarketDataType(marketDataType: 1 | 2 | 3 | 4): void {
    this.#checkOpen('reqMarketDataType');
    if (![1, 2, 3, 4].includes(marketDataType)) throw new TickwireError('INVALID_ARGUMENT', `reqMarketDataType: 1..4, got ${String(marketDataType)}`);
    this.#send(OUT.REQ_MARKET_DATA_TYPE, codec.reqMarketDataType, { marketDataType });
  }

  /** Sends a raw message (fields after framing); for messages this client has no method for. */
  sendRaw(fields: readonly FieldValue[]): void {
    const s = this.#session;
    if (!s || s.stage !== 'ready') throw notConnected('sendRaw');
    s.stream.write(encodeMessage(fields));
  }

  // ------------------------------------------------------------------ heartbeat

  #startHeartbeat(): void {
    const hb = this.#o.heartbeat;
    if (!hb) return;
    this.#stopHeartbeat();
    this.#lastRx = Date.now();
    this.#probeAt = 0;
    const tick = Math.max(1, Math.min(hb.intervalMs, hb.timeoutMs) >> 1);
    this.#hbTimer = setInterval(() => {
      const s = this.#session;
      if (!s || s.stage !== 'ready') return;
      const now = Date.now();
      if (this.#probeAt && now - Math.max(this.#probeAt, this.#lastRx) >= hb.timeoutMs && this.#lastRx < this.#probeAt) {
        this.#sessionFailed(
          s,
          null,
          new TickwireError('CONN_TIMEOUT', `TWS at ${this.host}:${this.port}: no answer to a reqCurrentTime probe within ${hb.timeoutMs} ms`, { reason: 'HEARTBEAT' }),
        );
        return;
      }
      if (!this.#probeAt && now - this.#lastRx >= hb.intervalMs) {
        this.#probeAt = now;
        this.#send(OUT.REQ_CURRENT_TIME, codec.versionOnly, {});
      } else if (this.#probeAt && this.#lastRx >= this.#probeAt) {
        this.#probeAt = 0;
      }
    }, tick);
    this.#hbTimer.unref();
  }

  #stopHeartbeat(): void {
    if (this.#hbTimer) clearInterval(this.#hbTimer);
    this.#hbTimer = null;
  }
}

/**
 * Connects to TWS / IB Gateway and resolves once the API is ready (nextValidId and managedAccounts
 * received). Rejects with TWS_CONNECTION_REFUSED (nothing listens), TWS_HANDSHAKE_TIMEOUT (TWS
 * silent: API disabled, untrusted IP waiting for a click, …), TWS_CLIENT_ID_IN_USE (326),
 * TWS_PROTOCOL_ERROR (unsupported server version), CONN_TIMEOUT, INVALID_ARGUMENT.
 */
export async function connect(options: TwsConnectOptions = {}): Promise<TwsClient> {
  const client = new TwsClient(options);
  await client.open();
  return client;
}
