/**
 * The native engine (native/addon/engine.cc), one per transport per thread. It delivers events
 * through a shared Int32Array ring, one call per batch; this class routes them to connections.
 * Transport choice: 'auto' tries io_uring once and falls back to epoll (TICKWIRE_TRANSPORT=epoll
 * forces the fallback); the reason is kept for `tickwire doctor`.
 */
import { binding } from '../native/binding.js';
import { nativeError } from '../native/status.js';
import { TickwireError } from '../native/errors.js';
import type { ActiveTransport, Transport } from './options.js';

export const EV = { OPEN: 1, MESSAGE: 2, PING: 3, PONG: 4, CLOSE: 5, ERROR: 6, FREED: 7, DRAIN: 8 } as const;

/** What a connection receives from the engine, straight from the ring (no objects per event). */
export interface NativeConnectionSink {
  onNativeEvent(type: number, a: number, b: number, c: number, d: number): void;
}

export interface NativeConnectRequest {
  addr: Uint8Array;
  host: string;
  path: string;
  headers: string;
  protocols: string;
  key: Uint8Array;
  seed: Uint8Array;
  maxMessage: number;
  tls: NativeTlsRequest | undefined;
  /** A plain byte stream (TCP or TLS): no upgrade, no frames; MESSAGE events carry received chunks. */
  raw?: boolean;
  /** Busy-poll budget in µs (ConnectOptions.busyPollUs); the engine spins for the largest one among its connections. */
  busyPollUs?: number;
}

export interface NativeTlsRequest {
  trust: unknown;
  pins: Uint8Array;
  pinOnly: boolean;
  servername: string;
  session: unknown;
}

type EngineHandle = { readonly __brand: 'EngineHandle' };

interface EngineBinding {
  /** → [handle, event ring, order args ([price, qty] read by engineSendOrder)]. */
  engineCreate(kind: number, maxConns: number, onEvents: (count: number) => void): [EngineHandle, ArrayBuffer, ArrayBuffer];
  engineConnect(h: EngineHandle, req: NativeConnectRequest): [number, ArrayBuffer];
  engineSend(h: EngineHandle, id: number, payload: Uint8Array | string, opcode: number): number;
  engineSendOrder(h: EngineHandle, id: number, template: unknown): number;
  engineClose(h: EngineHandle, id: number, code: number, reason: string): number;
  engineAbort(h: EngineHandle, id: number, status: number): void;
  engineStats(h: EngineHandle, id: number, out: Float64Array): void;
  engineTlsSession(h: EngineHandle, id: number): unknown;
  engineRelease(h: EngineHandle, id: number): void;
  engineBusyPollUs(h: EngineHandle): number;
  engineMsgBuffer(h: EngineHandle, id: number): ArrayBuffer;
  engineKeepAlive(h: EngineHandle, on: boolean): void;
  IO_URING: number;
  IO_URING_SQPOLL: number;
  IO_EPOLL: number;
  EVENT_INTS: number;
}

const native = binding as unknown as EngineBinding;
const MAX_CONNECTIONS = 1024;

export class NativeEngine {
  readonly transport: ActiveTransport;
  /** Why this transport was chosen. */
  readonly reason: string;
  readonly #handle: EngineHandle;
  readonly #ring: Int32Array;
  readonly #sinks: Array<NativeConnectionSink | undefined> = [];
  #live = 0;
  readonly #statsOut = new Float64Array(4);
  /** Price and quantity for engineSendOrder: a double passed as an argument to a native call is boxed (32 B per order for two). */
  readonly #orderArgs: Float64Array;

  private constructor(transport: ActiveTransport, reason: string) {
    this.transport = transport;
    this.reason = reason;
    const kind = transport === 'io_uring' ? native.IO_URING : transport === 'io_uring_sqpoll' ? native.IO_URING_SQPOLL : native.IO_EPOLL;
    const [handle, ring, orderArgs] = native.engineCreate(kind, MAX_CONNECTIONS, (n) =>
      this.#dispatch(n),
    );
    this.#handle = handle;
    this.#ring = new Int32Array(ring);
    this.#orderArgs = new Float64Array(orderArgs);
  }

  static #engines = new Map<string, NativeEngine>();

  /** The engine for a transport choice, created on first use. */
  static get(choice: Transport): NativeEngine {
    const forced = process.env.TICKWIRE_TRANSPORT;
    if (forced !== undefined && forced !== 'epoll' && forced !== 'io_uring' && forced !== 'auto') {
      throw new TickwireError('INVALID_ARGUMENT', `TICKWIRE_TRANSPORT must be 'epoll', 'io_uring' or 'auto', got '${forced}'`);
    }
    const want = choice === 'auto' && forced ? forced : choice;
    const cached = NativeEngine.#engines.get(want);
    if (cached) return cached;
    let engine: NativeEngine;
    if (want === 'epoll') {
      engine = new NativeEngine('epoll', forced === 'epoll' ? 'TICKWIRE_TRANSPORT=epoll' : "transport: 'epoll' requested");
    } else if (want === 'io_uring') {
      engine = NativeEngine.#tryUring(true) as NativeEngine;
    } else if (want === 'io_uring_sqpoll') {
      engine = NativeEngine.#tryUring(true, 'io_uring_sqpoll') as NativeEngine;
    } else {
      engine = NativeEngine.#tryUring(false) ?? new NativeEngine('epoll', NativeEngine.#fallbackReason);
    }
    NativeEngine.#engines.set(want, engine);
    return engine;
  }

  static #fallbackReason = '';

  static #tryUring(required: boolean, kind: 'io_uring' | 'io_uring_sqpoll' = 'io_uring'): NativeEngine | undefined {
    try {
      return new NativeEngine(kind, kind === 'io_uring' ? 'io_uring available (probed at first use)' : "transport: 'io_uring_sqpoll' requested");
    } catch (e) {
      const status = (e as { status?: number }).status ?? 0;
      const why = nativeError(status, 'io_uring setup');
      if (required) throw new TickwireError('UNSUPPORTED', `transport '${kind}' is not available here: ${why.message}`, { cause: e });
      NativeEngine.#fallbackReason = `io_uring unavailable (${why.reason ?? why.message}); using epoll`;
      return undefined;
    }
  }

  connect(req: NativeConnectRequest, sink: NativeConnectionSink): { id: number; slab: ArrayBuffer } {
    const [id, slab] = native.engineConnect(this.#handle, req);
    this.#sinks[id] = sink;
    if (this.#live++ === 0) native.engineKeepAlive(this.#handle, true);
    return { id, slab };
  }

  send(id: number, payload: Uint8Array | string, opcode: number): number {
    return native.engineSend(this.#handle, id, payload, opcode);
  }

  /** Renders, signs and sends an order template (see src/orders/template.ts): one native call. */
  sendOrder(id: number, template: unknown, price: number, qty: number): number {
    if (typeof price !== 'number' || typeof qty !== 'number') throw new TickwireError('INVALID_ARGUMENT', 'price and qty must be numbers');
    const a = this.#orderArgs;
    a[0] = price;
    a[1] = qty;
    return native.engineSendOrder(this.#handle, id, template);
  }

  close(id: number, code: number, reason: string): number {
    return native.engineClose(this.#handle, id, code, reason);
  }

  abort(id: number, status: number): void {
    native.engineAbort(this.#handle, id, status);
  }

  stats(id: number): { bytesIn: number; bytesOut: number; messagesIn: number; messagesOut: number } {
    native.engineStats(this.#handle, id, this.#statsOut);
    const s = this.#statsOut;
    return { bytesIn: s[0] as number, bytesOut: s[1] as number, messagesIn: s[2] as number, messagesOut: s[3] as number };
  }

  /** The connection's reassembly buffer (for MESSAGE events flagged d = 1), mapped on first use. */
  msgBuffer(id: number): ArrayBuffer {
    return native.engineMsgBuffer(this.#handle, id);
  }

  /** The TLS session of an open wss:// connection (opaque), for resumption; undefined for ws://. */
  tlsSession(id: number): unknown {
    return native.engineTlsSession(this.#handle, id);
  }

  /** The busy-poll budget the engine spins for now: the largest of its open connections' (ConnectOptions.busyPollUs). */
  get busyPollUs(): number {
    return native.engineBusyPollUs(this.#handle);
  }

  #dispatch(count: number): void {
    const r = this.#ring;
    const stride = native.EVENT_INTS;
    for (let i = 0, o = 0; i < count; i++, o += stride) {
      const type = r[o] as number;
      const id = r[o + 1] as number;
      const sink = this.#sinks[id];
      sink?.onNativeEvent(type, r[o + 2] as number, r[o + 3] as number, r[o + 4] as number, r[o + 5] as number);
      if (type === EV.FREED) {
        // The sink has read the final stats; the native connection and its id can go.
        this.#sinks[id] = undefined;
        native.engineRelease(this.#handle, id);
        if (--this.#live === 0) native.engineKeepAlive(this.#handle, false);
      }
    }
  }
}
