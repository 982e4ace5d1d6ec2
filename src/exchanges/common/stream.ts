/**
 * VenueSocket: the one WebSocket connection an adapter keeps per role (market data, trading),
 * on the native transport ({@link connect}). It
 * - decodes each message to text and hands it to the adapter's handler with its receive time;
 *   a handler that throws is reported as a typed VENUE_MESSAGE_INVALID error and the stream
 *   goes on with the next message;
 * - calls the adapter back when the connection drops (to fail pending requests, mark books
 *   stale) and when it is open again (to resubscribe), then reports 'reconnected';
 * - answers the venue's ping frames (the transport does that by itself) and rides out the
 *   venues' forced disconnects (Binance: every 24 h) with the transport's reconnect policy.
 */
import { TickwireError } from '../../native/errors.js';
import type { ConnectOptions } from '../../net/options.js';
import { connect, type TickwireWebSocket } from '../../net/websocket.js';
import { receiveTime, type VenueId } from './types.js';
import type { ReconnectInfo } from './venue.js';

export interface VenueSocketHandlers {
  /**
   * One message from the venue. Throw for a message that is not what the venue documents: it is
   * reported as VENUE_MESSAGE_INVALID (a TickwireError thrown with a VENUE_* or BOOK_* code is
   * reported as is) and the next message is processed normally.
   */
  message(text: string, recvTs: number): void;
  /**
   * Optional fast path, tried first with the raw bytes (a view valid during the call only):
   * return true when the message was handled, false to have it decoded and passed to `message`.
   */
  bytes?(data: Uint8Array, recvTs: number): boolean;
  /** The connection is open again after a drop: send the subscriptions again here. */
  reopened?(): void;
  /** The connection dropped (a reconnect follows if configured) or closed for good. */
  dropped?(cause: TickwireError, final: boolean): void;
}

export interface VenueSocketSink {
  error(error: TickwireError): void;
  reconnected(info: ReconnectInfo): void;
}

const decoder = new TextDecoder('utf-8');

export class VenueSocket {
  readonly venue: VenueId;
  readonly role: ReconnectInfo['connection'];
  readonly url: string;
  readonly #options: ConnectOptions;
  readonly #handlers: VenueSocketHandlers;
  readonly #sink: VenueSocketSink;
  #ws: TickwireWebSocket | null = null;
  #opening: Promise<void> | null = null;
  #closed = false;
  #closedPromise: Promise<void> | null = null;

  constructor(
    venue: VenueId,
    role: ReconnectInfo['connection'],
    url: string,
    options: ConnectOptions,
    handlers: VenueSocketHandlers,
    sink: VenueSocketSink,
  ) {
    this.venue = venue;
    this.role = role;
    this.url = url;
    this.#options = options;
    this.#handlers = handlers;
    this.#sink = sink;
  }

  /** The underlying transport connection while open (the native order path sends on it). */
  get ws(): TickwireWebSocket | null {
    return this.#ws;
  }

  get isOpen(): boolean {
    return this.#ws !== null && this.#ws.readyState === 'open';
  }

  /** Closed by close(), or by the transport for good (reconnect off or exhausted). */
  get isClosed(): boolean {
    return this.#closed || this.#ws?.readyState === 'closed';
  }

  /**
   * Opens the connection (once; later calls return the same promise). A first connect that fails
   * is forgotten: the next call tries again (the transport reconnects only once it was open).
   */
  open(): Promise<void> {
    if (this.#closed) return Promise.reject(new TickwireError('CONN_CLOSED', `${this.venue} ${this.role}: the adapter is closed`));
    this.#opening ??= this.#connect().catch((e: unknown) => {
      this.#opening = null;
      throw e;
    });
    return this.#opening;
  }

  async #connect(): Promise<void> {
    const ws = await connect(this.url, this.#options);
    if (this.#closed) {
      ws.close();
      throw new TickwireError('CONN_CLOSED', `${this.venue} ${this.role}: the adapter was closed while connecting`);
    }
    this.#ws = ws;
    this.#closedPromise = new Promise<void>((resolve) => ws.once('close', () => resolve()));
    ws.on('message', (data) => this.#message(data));
    ws.on('error', (err) => this.#sink.error(err));
    ws.on('reconnecting', (_attempt, _delay, cause) => this.#handlers.dropped?.(cause, false));
    ws.on('reconnected', (attempt) => {
      this.#handlers.reopened?.();
      this.#sink.reconnected({ connection: this.role, attempt });
    });
    ws.on('close', (code, reason) => {
      const cause = new TickwireError('CONN_CLOSED', `${this.venue} ${this.role}: connection closed (${code}${reason ? ` ${reason}` : ''})`, {
        closeCode: code,
      });
      this.#handlers.dropped?.(cause, true);
      if (!this.#closed) this.#sink.error(cause);
    });
  }

  #message(data: Uint8Array): void {
    const recvTs = receiveTime();
    let text = '';
    try {
      if (this.#handlers.bytes?.(data, recvTs)) return;
      text = decoder.decode(data);
      this.#handlers.message(text, recvTs);
    } catch (e) {
      this.#sink.error(asVenueError(this.venue, e, text));
    }
  }

  /**
   * Resolves once the connection is open: now, or when the reconnect under way succeeds (opening
   * it first if it never was). Rejects with CONN_CLOSED once it is closed for good.
   */
  ready(): Promise<void> {
    const ws = this.#ws;
    if (!ws) return this.open();
    if (ws.readyState === 'open') return Promise.resolve();
    if (ws.readyState === 'closed' || this.#closed) {
      return Promise.reject(new TickwireError('CONN_CLOSED', `${this.venue} ${this.role}: the connection is closed`));
    }
    return new Promise<void>((resolve, reject) => {
      const opened = (): void => {
        ws.off('close', closed);
        resolve();
      };
      const closed = (): void => {
        ws.off('reconnected', opened);
        reject(new TickwireError('CONN_CLOSED', `${this.venue} ${this.role}: the connection closed while waiting for it`));
      };
      ws.once('reconnected', opened);
      ws.once('close', closed);
    });
  }

  /** Sends a text message; throws WS_NOT_OPEN when the connection is down (e.g. reconnecting). */
  send(text: string): void {
    const ws = this.#ws;
    if (!ws) throw new TickwireError('WS_NOT_OPEN', `${this.venue} ${this.role}: not connected`);
    ws.send(text);
  }

  /** Closes for good; resolves once the transport reported 'close'. */
  async close(): Promise<void> {
    this.#closed = true;
    const ws = this.#ws;
    if (!ws) {
      await this.#opening?.catch(() => undefined);
      return;
    }
    if (ws.readyState !== 'closed') ws.close();
    await this.#closedPromise;
  }
}

/** What a throwing message handler reports: its TickwireError, or VENUE_MESSAGE_INVALID. */
export function asVenueError(venue: VenueId, e: unknown, text: string): TickwireError {
  if (e instanceof TickwireError) return e;
  const excerpt = text.length > 200 ? `${text.slice(0, 200)}…` : text;
  return new TickwireError('VENUE_MESSAGE_INVALID', `${venue}: malformed message (${(e as Error).message}): ${excerpt}`, { cause: e });
}
