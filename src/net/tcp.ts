/**
 * A plain byte stream over the native transport (TCP, optionally TLS): for binary venue protocols
 * such as IB TWS. Same engine, same io_uring/epoll backends and pinned receive memory as the
 * WebSocket client, without the upgrade and the frames. Received chunks are views into pinned
 * memory, valid during the 'data' callback only (copy what you keep).
 */
import { randomBytes } from 'node:crypto';
import { lookup } from 'node:dns/promises';
import { EventEmitter } from 'node:events';
import { isIP } from 'node:net';

import { binding } from '../native/binding.js';
import { TickwireError, invalidArgument } from '../native/errors.js';
import { nativeError } from '../native/status.js';
import { Delivery } from './delivery.js';
import { EV, NativeEngine, type NativeConnectionSink, type NativeTlsRequest } from './engine.js';
import { checkTransport, engineTransport, packPins, positiveInt, resolvePins, type ActiveTransport, type TlsOptions, type Transport } from './options.js';
import { trustForAsync } from './trust.js';
import { sockaddr } from './sockaddr.js';

const statuses = binding.statuses();
const ST_CONN_TIMEOUT = statuses.CONN_TIMEOUT as number;
const ST_TLS_TIMEOUT = statuses.TLS_HANDSHAKE_TIMEOUT as number;
const ST_BACKPRESSURE = statuses.CONN_BACKPRESSURE as number;
/** Writes are handed to C in pieces of at most this size (the native send queue holds 4 of them). */
const WRITE_PIECE = 64 * 1024;
const SEND_QUEUE = 4 * WRITE_PIECE;

export interface TcpConnectOptions {
  transport?: Transport;
  /** Give up on the TCP connect (and TLS handshake) after this long. Default 10 000. */
  timeoutMs?: number;
  /** TLS over the stream, with the same checks as wss:// (system bundle by default, pins, pinOnly, servername). */
  tls?: Omit<TlsOptions, 'resume' | 'handshakeTimeoutMs'> | true;
  /** Busy-poll budget in µs (see ConnectOptions.busyPollUs). Default 0. */
  busyPollUs?: number;
}

export interface TcpEvents {
  /** Received bytes: a view valid only during this callback. */
  data: [chunk: Uint8Array];
  /** The stream is over (peer closed, end()/destroy(), or a failure reported by 'error' first). */
  close: [hadError: boolean];
  /** A failure after the connection opened; 'close' (true) follows. Emitted only when listened to. */
  error: [err: TickwireError];
  /** The send queue drained after write() returned false. */
  drain: [];
}

export interface TcpStats {
  transport: ActiveTransport;
  bytesIn: number;
  bytesOut: number;
  /** Receive completions delivered as 'data' events. */
  chunksIn: number;
  writes: number;
}

export class TcpConnection extends EventEmitter<TcpEvents> implements NativeConnectionSink {
  readonly remoteAddress: string;
  readonly remotePort: number;
  readonly #engine: NativeEngine;
  #id = -1;
  #slab: ArrayBuffer | null = null;
  #state: 'connecting' | 'open' | 'closing' | 'closed' = 'connecting';
  #settle: { resolve(c: TcpConnection): void; reject(e: TickwireError): void } | null;
  /** 'data' delivery: direct to a single listener, held (copied) while there is none. */
  readonly #data: Delivery;
  #queue: Uint8Array[] = [];
  #timer: NodeJS.Timeout | null = null;
  #final = { bytesIn: 0, bytesOut: 0, messagesIn: 0, messagesOut: 0 };
  #freed = false;
  readonly #label: string;

  /** Use {@link connectTcp}. */
  constructor(
    engine: NativeEngine,
    address: string,
    port: number,
    settle: { resolve(c: TcpConnection): void; reject(e: TickwireError): void },
  ) {
    super();
    this.#engine = engine;
    this.remoteAddress = address;
    this.remotePort = port;
    this.#settle = settle;
    this.#label = `tcp ${address}:${port}`;
    this.#data = new Delivery(this as EventEmitter, 'data', false);
  }

  get readyState(): 'connecting' | 'open' | 'closing' | 'closed' {
    return this.#state;
  }

  /** Starts the native connection. Internal. */
  _start(tls: NativeTlsRequest | undefined, timeoutMs: number, busyPollUs: number): void {
    const { id, slab } = this.#engine.connect(
      {
        addr: sockaddr(this.remoteAddress, this.remotePort),
        host: '',
        path: '',
        headers: '',
        protocols: '',
        key: randomBytes(16),
        seed: randomBytes(32),
        maxMessage: SEND_QUEUE,
        tls,
        raw: true,
        busyPollUs,
      },
      this,
    );
    this.#id = id;
    this.#slab = slab;
    this.#timer = setTimeout(() => {
      if (this.#state === 'connecting') this.#engine.abort(id, tls ? ST_TLS_TIMEOUT : ST_CONN_TIMEOUT);
    }, timeoutMs);
    this.#timer.unref();
  }

  onNativeEvent(type: number, a: number, b: number, c: number): void {
    switch (type) {
      case EV.MESSAGE: {
        this.#data.deliver(new Uint8Array(this.#slab as ArrayBuffer, b, c), false);
        return;
      }
      case EV.OPEN:
        this.#clearTimer();
        this.#state = 'open';
        this.#flushQueue();
        this.#settle?.resolve(this);
        this.#settle = null;
        return;
      case EV.DRAIN:
        this.#flushQueue();
        return;
      case EV.CLOSE:
        this.#finish(false);
        return;
      case EV.ERROR:
        this.#failed(this.#error(a));
        return;
      case EV.FREED:
        this.#final = this.#engine.stats(this.#id);
        this.#freed = true;
        this.#finish(false);
        return;
    }
  }

  #error(status: number): TickwireError {
    return nativeError(status, this.#label);
  }

  #failed(err: TickwireError): void {
    if (this.#settle) {
      this.#clearTimer();
      this.#state = 'closed';
      this.#settle.reject(err);
      this.#settle = null;
      return;
    }
    if (this.#state === 'closed') return;
    if (this.listenerCount('error') > 0) this.emit('error', err);
    this.#finish(true);
  }

  #finish(hadError: boolean): void {
    if (this.#settle) {
      this.#failed(new TickwireError('CONN_CLOSED', `${this.#label}: closed before it opened`));
      return;
    }
    if (this.#state === 'closed') return;
    this.#state = 'closed';
    this.#clearTimer();
    this.#queue = [];
    this.emit('close', hadError);
  }

  #clearTimer(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
  }

  #flushQueue(): void {
    while (this.#queue.length && this.#state === 'open') {
      const r = this.#engine.send(this.#id, this.#queue[0] as Uint8Array, 2);
      if (r === ST_BACKPRESSURE) return;
      if (r < 0) {
        this.#failed(this.#error(r));
        return;
      }
      this.#queue.shift();
    }
    if (this.#queue.length === 0 && this.#state === 'open') this.emit('drain');
  }

  /**
   * Writes bytes (a string is sent as UTF-8). Returns false when they were queued behind
   * backpressure: wait for 'drain' before writing much more.
   */
  write(data: Uint8Array | string): boolean {
    if (typeof data !== 'string' && !(data instanceof Uint8Array)) invalidArgument('write(data): data must be a string or a Uint8Array');
    if (this.#state !== 'open') throw new TickwireError('CONN_CLOSED', `write: the connection is ${this.#state}`);
    // One piece (the common case) goes to C as it is: no Buffer for a string (C encodes it), no
    // subarray view. At most 3 UTF-8 bytes per UTF-16 unit keeps a string within WRITE_PIECE.
    if (this.#queue.length === 0 && data.length > 0 && data.length <= (typeof data === 'string' ? WRITE_PIECE / 3 : WRITE_PIECE)) {
      const r = this.#engine.send(this.#id, data, 2);
      if (r === ST_BACKPRESSURE) {
        this.#queue.push(typeof data === 'string' ? Buffer.from(data, 'utf8') : Uint8Array.from(data));
        return false;
      }
      if (r < 0) throw this.#error(r);
      return true;
    }
    const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    let sent = 0;
    if (this.#queue.length === 0) {
      while (sent < bytes.length) {
        const piece = bytes.subarray(sent, Math.min(bytes.length, sent + WRITE_PIECE));
        const r = this.#engine.send(this.#id, piece, 2);
        if (r === ST_BACKPRESSURE) break;
        if (r < 0) throw this.#error(r);
        sent += piece.length;
        if (r === 1) break; // queued past the high-water mark: a DRAIN event follows
      }
      if (sent === bytes.length) return true;
    }
    // Keep a copy of the rest: the caller may reuse its buffer once write() returns.
    for (let at = sent; at < bytes.length; at += WRITE_PIECE) this.#queue.push(Uint8Array.from(bytes.subarray(at, at + WRITE_PIECE)));
    return false;
  }

  /** Sends what is queued, then closes (TLS: close_notify). 'close' follows. */
  end(): void {
    if (this.#state !== 'open') {
      this.destroy();
      return;
    }
    if (this.#queue.length) {
      // The native queue takes the rest as it drains; close once it is all handed over.
      this.once('drain', () => this.end());
      return;
    }
    this.#state = 'closing';
    this.#engine.close(this.#id, 0, '');
  }

  /** Closes now, dropping anything not yet sent. */
  destroy(): void {
    if (this.#state === 'closed') return;
    if (this.#id >= 0 && !this.#freed) this.#engine.abort(this.#id, ST_CONN_TIMEOUT);
    this.#failedQuietly();
  }

  #failedQuietly(): void {
    if (this.#settle) {
      this.#failed(new TickwireError('CONN_CLOSED', `${this.#label}: destroyed before it opened`));
      return;
    }
    this.#finish(false);
  }

  stats(): TcpStats {
    const s = this.#freed || this.#id < 0 ? this.#final : this.#engine.stats(this.#id);
    return { transport: this.#engine.transport, bytesIn: s.bytesIn, bytesOut: s.bytesOut, chunksIn: s.messagesIn, writes: s.messagesOut };
  }
}

/**
 * Opens a TCP connection (TLS with `tls`) on the native transport. Resolves once connected;
 * rejects with a TickwireError: CONN_REFUSED (nothing listens), CONN_TIMEOUT (or
 * TLS_HANDSHAKE_TIMEOUT), TLS_* for failed TLS, SYSTEM_ERROR with the errno name otherwise.
 */
export async function connectTcp(host: string, port: number, options: TcpConnectOptions = {}): Promise<TcpConnection> {
  if (typeof host !== 'string' || host === '') invalidArgument('connectTcp: host must be a non-empty string');
  if (!Number.isInteger(port) || port < 1 || port > 65535) invalidArgument(`connectTcp: port must be 1-65535, got ${String(port)}`);
  const timeoutMs = positiveInt(options.timeoutMs ?? 10_000, 'timeoutMs');
  const transport = checkTransport(options.transport);
  const busy = positiveInt(options.busyPollUs ?? 0, 'busyPollUs', 0);

  let tls: NativeTlsRequest | undefined;
  if (options.tls !== undefined) {
    const t = options.tls === true ? {} : options.tls;
    const packed = packPins(resolvePins(t));
    tls = { trust: await trustForAsync(t.ca), pins: packed, pinOnly: t.pinOnly ?? false, servername: t.servername ?? host, session: undefined };
  }

  let address: string;
  try {
    address = isIP(host) ? host : (await lookup(host)).address;
  } catch (cause) {
    const reason = (cause as { code?: string }).code;
    throw new TickwireError('SYSTEM_ERROR', `tcp ${host}:${port}: cannot resolve ${host}`, { cause, ...(reason ? { reason } : {}) });
  }
  const engine = NativeEngine.get(engineTransport(transport, busy));
  return new Promise<TcpConnection>((resolve, reject) => {
    const conn = new TcpConnection(engine, address, port, { resolve, reject });
    conn._start(tls, timeoutMs, busy);
  });
}
