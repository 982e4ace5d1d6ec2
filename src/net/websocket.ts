/**
 * The WebSocket client on the native transport. Messages arrive as views into the connection's
 * pinned receive memory: valid during the 'message' callback only (copy to keep).
 */
import { randomBytes } from 'node:crypto';
import { lookup } from 'node:dns/promises';
import { EventEmitter } from 'node:events';
import { isIP } from 'node:net';

import { binding } from '../native/binding.js';
import { TickwireError } from '../native/errors.js';
import { nativeError } from '../native/status.js';
import { Delivery } from './delivery.js';
import { sockaddr } from './sockaddr.js';
import { EV, NativeEngine, type NativeConnectionSink, type NativeTlsRequest } from './engine.js';
import { engineTransport, packPins, resolveOptions, type ActiveTransport, type ConnectOptions, type ResolvedOptions } from './options.js';
import { trustForAsync } from './trust.js';
import { renderOrder, type TemplateHandle } from '../orders/template.js';

const OP_TEXT = 1;
const OP_BINARY = 2;
const OP_PING = 9;
const statuses = binding.statuses();
const ST_CONN_TIMEOUT = statuses.CONN_TIMEOUT as number;
const ST_TLS_TIMEOUT = statuses.TLS_HANDSHAKE_TIMEOUT as number;
const ST_BACKPRESSURE = statuses.CONN_BACKPRESSURE as number;

export interface WebSocketEvents {
  /** A message: `data` is a view valid only during this callback. */
  message: [data: Uint8Array, isBinary: boolean];
  /** The connection is over for good (closed by you, by the server without reconnect, or attempts ran out). */
  close: [code: number, reason: string];
  /** A failure; the connection reconnects if configured (see 'reconnecting'). Emitted only when listened to. */
  error: [error: TickwireError];
  /** The connection dropped and a new attempt starts after `delayMs`. */
  reconnecting: [attempt: number, delayMs: number, cause: TickwireError];
  /** A new connection is open: resubscribe here. */
  reconnected: [attempt: number];
  ping: [];
  pong: [rttMs: number];
  /** The send queue drained after send() returned false. */
  drain: [];
}

export interface WebSocketStats {
  transport: ActiveTransport;
  bytesIn: number;
  bytesOut: number;
  messagesIn: number;
  messagesOut: number;
  reconnects: number;
  /** Last ping → pong round trip in ms (heartbeat or ping()), or null. */
  rttMs: number | null;
  /** Whether the current TLS session was resumed. */
  tlsResumed: boolean;
}

type Sessions = Map<string, unknown>;
const tlsSessions: Sessions = new Map();

interface AttemptResult {
  resolve(): void;
  reject(err: TickwireError): void;
}

/** One native connection (one attempt); events of a superseded attempt are ignored. */
class Attempt implements NativeConnectionSink {
  id = -1;
  /** The resolved address (TLS sessions are kept per server name + address + port). */
  address = '';
  slab: ArrayBuffer | null = null;
  /** The reassembly buffer, mapped into JS on the first message that needs it. */
  msg: ArrayBuffer | null = null;
  opened = false;
  done = false;
  constructor(
    readonly ws: TickwireWebSocket,
    readonly result: AttemptResult | null,
  ) {}
  onNativeEvent(type: number, a: number, b: number, c: number, d: number): void {
    this.ws._event(this, type, a, b, c, d);
  }
}

export class TickwireWebSocket extends EventEmitter<WebSocketEvents> {
  readonly url: string;
  readonly #o: ResolvedOptions;
  #engine: NativeEngine | null = null;
  #attempt: Attempt | null = null;
  #state: 'connecting' | 'open' | 'closing' | 'closed' = 'connecting';
  #userClosed = false;
  #reconnects = 0;
  #failures = 0;
  /** 'message' delivery: direct to a single listener, held (copied) while there is none. */
  readonly #messages: Delivery;
  #queue: Array<[Uint8Array | string, number]> = [];
  #timers = new Set<NodeJS.Timeout>();
  #hbTimer: NodeJS.Timeout | null = null;
  #pingAt = 0;
  #lastRx = 0;
  #rttMs: number | null = null;
  #resumed = false;
  #statsBase = { bytesIn: 0, bytesOut: 0, messagesIn: 0, messagesOut: 0 };
  /** True from the first open until the next macrotask: listeners attached after `await connect()` are not there yet. */
  #settling = false;

  /** Use {@link connect}. */
  constructor(url: string | URL, options: ConnectOptions = {}) {
    super();
    this.#o = resolveOptions(url, options);
    this.url = this.#o.url.href;
    // Messages that arrive before a 'message' listener exists (e.g. in the same read as the
    // upgrade response, before `await connect()` returns) are held, then delivered to the first one.
    this.#messages = new Delivery(this as EventEmitter, 'message', true);
  }

  get readyState(): 'connecting' | 'open' | 'closing' | 'closed' {
    return this.#state;
  }

  /** The first connection; resolves once open, rejects with the typed reason otherwise. */
  _open(): Promise<void> {
    return new Promise<void>((resolve, reject) => this.#start({ resolve, reject }));
  }

  #timer(ms: number, fn: () => void, keepAlive = false): NodeJS.Timeout {
    const t = setTimeout(() => {
      this.#timers.delete(t);
      fn();
    }, ms);
    if (!keepAlive) t.unref();
    this.#timers.add(t);
    return t;
  }

  #clearTimers(): void {
    for (const t of this.#timers) clearTimeout(t);
    this.#timers.clear();
    if (this.#hbTimer) clearInterval(this.#hbTimer);
    this.#hbTimer = null;
  }

  #sessionKey(address: string): string {
    return `${this.#o.tls.servername}|${address}|${this.#o.port}`;
  }

  async #start(result: AttemptResult | null): Promise<void> {
    const attempt = new Attempt(this, result);
    this.#attempt = attempt;
    this.#state = 'connecting';
    const o = this.#o;
    try {
      const address = isIP(o.host) ? o.host : (await lookup(o.host)).address;
      if (attempt !== this.#attempt || this.#userClosed) return;
      const trust = o.secure ? await trustForAsync(o.tls.ca) : undefined;
      if (attempt !== this.#attempt || this.#userClosed) return;
      this.#engine ??= NativeEngine.get(engineTransport(o.transport, o.busyPollUs));
      let tls: NativeTlsRequest | undefined;
      if (o.secure) {
        tls = {
          trust,
          pins: packPins(o.tls.pins),
          pinOnly: o.tls.pinOnly,
          servername: o.tls.servername,
          session: o.tls.resume ? tlsSessions.get(this.#sessionKey(address)) : undefined,
        };
      }
      const { id, slab } = this.#engine.connect(
        {
          addr: sockaddr(address, o.port),
          host: o.hostHeader,
          path: o.path,
          headers: o.headerBlock,
          protocols: o.protocols,
          key: randomBytes(16),
          seed: randomBytes(32),
          maxMessage: o.maxMessageBytes,
          tls,
          busyPollUs: o.busyPollUs,
        },
        attempt,
      );
      attempt.id = id;
      attempt.slab = slab;
      attempt.address = address;
      this.#timer(o.openTimeoutMs, () => {
        if (!attempt.opened && !attempt.done && this.#engine) this.#engine.abort(id, o.secure ? ST_TLS_TIMEOUT : ST_CONN_TIMEOUT);
      });
    } catch (e) {
      const err =
        e instanceof TickwireError
          ? e
          : new TickwireError('CONN_CLOSED', `connect ${o.url.href}: ${(e as Error).message}`, {
              cause: e,
              ...((e as { code?: string }).code ? { reason: (e as { code: string }).code } : {}),
            });
      this.#attemptFailed(attempt, err);
    }
  }

  /** Routes one native event of `attempt`. Internal. */
  _event(attempt: Attempt, type: number, a: number, b: number, c: number, d = 0): void {
    if (type === EV.FREED) {
      this.#accumulateStats(attempt);
      attempt.done = true;
      return;
    }
    if (attempt !== this.#attempt) return;
    // Liveness for the heartbeat only: a clock read per message costs ~50 ns on this VM.
    if (this.#o.heartbeat) this.#lastRx = performance.now();
    switch (type) {
      case EV.OPEN:
        this.#opened(attempt, a !== 0);
        return;
      case EV.MESSAGE: {
        const buffer = d === 1 ? (attempt.msg ??= (this.#engine as NativeEngine).msgBuffer(attempt.id)) : (attempt.slab as ArrayBuffer);
        this.#messages.deliver(new Uint8Array(buffer, b, c), a === OP_BINARY);
        return;
      }
      case EV.PING:
        this.emit('ping');
        return;
      case EV.PONG:
        if (this.#pingAt) {
          this.#rttMs = performance.now() - this.#pingAt;
          this.#pingAt = 0;
        }
        this.emit('pong', this.#rttMs ?? 0);
        return;
      case EV.DRAIN:
        this.#flushQueue();
        return;
      case EV.CLOSE: {
        const reason = c > 0 ? Buffer.from(attempt.slab as ArrayBuffer, b, c).toString('utf8') : '';
        this.#closed(attempt, a, reason);
        return;
      }
      case EV.ERROR: {
        const err = nativeError(a, this.#o.url.href);
        this.#attemptFailed(attempt, err);
        return;
      }
    }
  }

  #opened(attempt: Attempt, resumed: boolean): void {
    attempt.opened = true;
    this.#state = 'open';
    this.#resumed = resumed;
    this.#failures = 0;
    this.#startHeartbeat();
    if (this.#o.secure && this.#o.tls.resume) this.#saveSession(attempt);
    if (attempt.result) {
      this.#settling = true;
      setImmediate(() => (this.#settling = false));
      attempt.result.resolve();
    } else {
      this.emit('reconnected', this.#reconnects);
    }
    this.#flushQueue();
  }

  #saveSession(attempt: Attempt): void {
    const session = this.#engine ? this.#engine.tlsSession(attempt.id) : undefined;
    if (session !== undefined) tlsSessions.set(this.#sessionKey(attempt.address), session);
  }

  /** Emits a lifecycle event now, or after the current tick while `await connect()` is still settling. */
  #lifecycle(fn: () => void): void {
    if (this.#settling) setImmediate(fn);
    else fn();
  }

  #attemptFailed(attempt: Attempt, err: TickwireError): void {
    if (attempt !== this.#attempt) return;
    this.#attempt = null;
    this.#stopHeartbeat();
    if (attempt.result && !attempt.opened) {
      // The first connection never opened: connect() rejects, no reconnect.
      this.#state = 'closed';
      this.#clearTimers();
      attempt.result.reject(err);
      return;
    }
    this.#lifecycle(() => {
      if (this.listenerCount('error') > 0) this.emit('error', err);
      this.#retryOrClose(1006, err.message, err);
    });
  }

  #closed(attempt: Attempt, code: number, reason: string): void {
    if (attempt !== this.#attempt) return;
    this.#attempt = null;
    this.#stopHeartbeat();
    if (!attempt.opened && attempt.result) {
      this.#state = 'closed';
      this.#clearTimers();
      attempt.result.reject(new TickwireError('CONN_CLOSED', `${this.#o.url.href}: closed during the handshake (${code})`));
      return;
    }
    const cause = new TickwireError('CONN_CLOSED', `${this.#o.url.href}: connection closed (${code}${reason ? ` ${reason}` : ''})`, {
      closeCode: code,
    });
    this.#lifecycle(() => this.#retryOrClose(code, reason, cause));
  }

  #retryOrClose(code: number, reason: string, cause: TickwireError): void {
    const rc = this.#o.reconnect;
    if (this.#userClosed || !rc) {
      this.#finish(code, reason);
      return;
    }
    this.#failures++;
    if (rc.maxAttempts > 0 && this.#failures > rc.maxAttempts) {
      const err = new TickwireError('RECONNECT_FAILED', `${this.#o.url.href}: gave up after ${rc.maxAttempts} reconnect attempts`, {
        cause,
      });
      if (this.listenerCount('error') > 0) this.emit('error', err);
      this.#finish(code, reason || err.message);
      return;
    }
    const backoff = Math.min(rc.maxDelayMs, rc.initialDelayMs * 2 ** (this.#failures - 1));
    const delay = rc.jitter ? Math.floor(Math.random() * backoff) : backoff;
    this.#state = 'connecting';
    this.emit('reconnecting', this.#failures, delay, cause);
    this.#timer(
      delay,
      () => {
        this.#reconnects++;
        void this.#start(null);
      },
      true,
    );
  }

  #finish(code: number, reason: string): void {
    if (this.#state === 'closed') return;
    this.#state = 'closed';
    this.#clearTimers();
    this.emit('close', code, reason);
  }

  /** Folds a finished attempt's counters into the totals (its native state goes at FREED). */
  #accumulateStats(a: Attempt): void {
    if (!this.#engine || a.id < 0 || a.done) return;
    a.done = true;
    const s = this.#engine.stats(a.id);
    this.#statsBase.bytesIn += s.bytesIn;
    this.#statsBase.bytesOut += s.bytesOut;
    this.#statsBase.messagesIn += s.messagesIn;
    this.#statsBase.messagesOut += s.messagesOut;
  }

  #startHeartbeat(): void {
    const hb = this.#o.heartbeat;
    if (!hb) return;
    this.#hbTimer = setInterval(() => {
      const a = this.#attempt;
      if (!a || !this.#engine || this.#state !== 'open') return;
      const now = performance.now();
      if (this.#pingAt && now - this.#pingAt > hb.timeoutMs && now - this.#lastRx > hb.timeoutMs) {
        this.#engine.abort(a.id, ST_CONN_TIMEOUT);
        return;
      }
      if (!this.#pingAt) this.ping();
    }, Math.min(hb.intervalMs, hb.timeoutMs));
    this.#hbTimer.unref();
  }

  #stopHeartbeat(): void {
    if (this.#hbTimer) clearInterval(this.#hbTimer);
    this.#hbTimer = null;
    this.#pingAt = 0;
  }

  #flushQueue(): void {
    while (this.#queue.length && this.#state === 'open') {
      const [payload, opcode] = this.#queue[0] as [Uint8Array | string, number];
      const r = this.#rawSend(payload, opcode);
      if (r === ST_BACKPRESSURE) return;
      this.#queue.shift();
    }
    if (this.#queue.length === 0) this.emit('drain');
  }

  #rawSend(payload: Uint8Array | string, opcode: number): number {
    const a = this.#attempt;
    if (!a || !this.#engine) return ST_BACKPRESSURE;
    const r = this.#engine.send(a.id, payload, opcode);
    if (r < 0 && r !== ST_BACKPRESSURE) throw nativeError(r, 'send');
    return r;
  }

  /**
   * Sends a text (string) or binary (bytes) message. Returns false when the data was queued
   * behind backpressure: wait for 'drain' before sending much more.
   */
  send(data: string | Uint8Array): boolean {
    if (typeof data !== 'string' && !(data instanceof Uint8Array)) {
      throw new TickwireError('INVALID_ARGUMENT', 'send(data): data must be a string or a Uint8Array');
    }
    if (this.#state !== 'open') throw new TickwireError('WS_NOT_OPEN', `send: the connection is ${this.#state}`);
    const opcode = typeof data === 'string' ? OP_TEXT : OP_BINARY;
    if (this.#queue.length) {
      this.#queue.push([typeof data === 'string' ? data : Uint8Array.from(data), opcode]);
      return false;
    }
    const r = this.#rawSend(data, opcode);
    if (r === ST_BACKPRESSURE) {
      this.#queue.push([typeof data === 'string' ? data : Uint8Array.from(data), opcode]);
      return false;
    }
    return r === 0;
  }

  /**
   * Internal, for OrderTemplate.send: renders, signs and sends an order in one native call. When
   * the send queue is backed up the request is rendered into a copy and queued in order.
   */
  _sendOrder(template: TemplateHandle, price: number, qty: number): boolean {
    if (this.#state !== 'open') throw new TickwireError('WS_NOT_OPEN', `send order: the connection is ${this.#state}`);
    const a = this.#attempt;
    let r = ST_BACKPRESSURE;
    if (this.#queue.length === 0 && a && this.#engine) r = this.#engine.sendOrder(a.id, template, price, qty);
    if (r === ST_BACKPRESSURE) {
      this.#queue.push([renderOrder(template, price, qty), OP_TEXT]);
      return false;
    }
    if (r < 0) throw nativeError(r, 'send order');
    return r === 0;
  }

  /** Sends a ping; the 'pong' event reports the round trip. */
  ping(): void {
    if (this.#state !== 'open') throw new TickwireError('WS_NOT_OPEN', `ping: the connection is ${this.#state}`);
    this.#pingAt = performance.now();
    this.#rawSend(new Uint8Array(0), OP_PING);
  }

  /** Starts the close handshake (no reconnect afterwards). */
  close(code = 1000, reason = ''): void {
    if (!Number.isInteger(code) || !(code === 1000 || (code >= 3000 && code <= 4999))) {
      throw new TickwireError('INVALID_ARGUMENT', `close: code must be 1000 or 3000-4999, got ${String(code)}`);
    }
    if (Buffer.byteLength(reason) > 123) throw new TickwireError('INVALID_ARGUMENT', 'close: reason longer than 123 bytes');
    this.#userClosed = true;
    this.#stopHeartbeat();
    const a = this.#attempt;
    if (this.#state === 'closed' || this.#state === 'closing') return;
    if (a && a.id >= 0 && this.#engine && this.#state === 'open') {
      this.#state = 'closing';
      this.#engine.close(a.id, code, reason);
      // A server that never answers the close is cut off after 5 s.
      this.#timer(5000, () => this.#engine && !a.done && this.#engine.abort(a.id, ST_CONN_TIMEOUT));
      return;
    }
    if (a && a.id >= 0 && this.#engine) this.#engine.abort(a.id, ST_CONN_TIMEOUT);
    this.#attempt = null;
    this.#finish(code, reason);
  }

  stats(): WebSocketStats {
    const a = this.#attempt;
    const live = this.#engine && a && a.id >= 0 && !a.done ? this.#engine.stats(a.id) : { bytesIn: 0, bytesOut: 0, messagesIn: 0, messagesOut: 0 };
    return {
      transport: this.#engine?.transport ?? 'epoll',
      bytesIn: this.#statsBase.bytesIn + live.bytesIn,
      bytesOut: this.#statsBase.bytesOut + live.bytesOut,
      messagesIn: this.#statsBase.messagesIn + live.messagesIn,
      messagesOut: this.#statsBase.messagesOut + live.messagesOut,
      reconnects: this.#reconnects,
      rttMs: this.#rttMs,
      tlsResumed: this.#resumed,
    };
  }
}

/**
 * Opens a WebSocket to `url` (ws:// or wss://) on the native transport. Resolves once the
 * connection is open; rejects with a TickwireError (TLS_*, HTTP_*, CONN_REFUSED, CONN_TIMEOUT,
 * SYSTEM_ERROR with the errno as reason, ...) otherwise.
 */
export async function connect(url: string | URL, options: ConnectOptions = {}): Promise<TickwireWebSocket> {
  const ws = new TickwireWebSocket(url, options);
  await ws._open();
  return ws;
}
