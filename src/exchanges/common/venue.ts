/**
 * The adapter interface every venue implements, its typed events, and the error type for venue
 * rejections.
 */
import type { EventEmitter } from 'node:events';

import { TickwireError, type TickwireErrorCode } from '../../native/errors.js';
import type {
  BookUpdate,
  CancelRequest,
  Channel,
  Fill,
  OrderAck,
  OrderRequest,
  OrderUpdate,
  Ticker,
  Trade,
  VenueId,
} from './types.js';

/** Which of an adapter's connections came back. */
export interface ReconnectInfo {
  /** 'market' (public data) or 'trading' (order entry / private events). */
  connection: 'market' | 'trading';
  /** The transport's reconnect counter. */
  attempt: number;
}

export interface VenueEvents {
  trade: [trade: Trade];
  book: [update: BookUpdate];
  ticker: [ticker: Ticker];
  /** One of your orders changed state. */
  order: [update: OrderUpdate];
  /** One of your orders (partly) executed. */
  fill: [fill: Fill];
  /**
   * A problem that does not end the adapter: a malformed venue message (VENUE_MESSAGE_INVALID),
   * a book gap or checksum mismatch being resynced (BOOK_SEQUENCE_GAP, BOOK_CHECKSUM_MISMATCH),
   * a dropped connection that is reconnecting (CONN_CLOSED, …). The streams continue.
   * Emitted only when listened to.
   */
  error: [error: TickwireError];
  /** A connection came back and its subscriptions were sent again. */
  reconnected: [info: ReconnectInfo];
}

/**
 * A venue adapter. Market data: `subscribe()` then listen to 'trade' / 'book' / 'ticker'. Order
 * entry (needs credentials): `placeOrder()` / `cancelOrder()` resolve with the venue's ack or
 * reject with a {@link VenueError} (VENUE_ORDER_REJECTED, VENUE_AUTH_FAILED) or a connection
 * error; executions arrive as 'order' and 'fill' events.
 */
export interface Venue extends EventEmitter<VenueEvents> {
  readonly id: VenueId;
  /** Opens the connections the adapter needs now (more open lazily). Rejects with the transport's typed error. */
  connect(): Promise<void>;
  /** Closes every connection; pending requests reject with CONN_CLOSED. */
  close(): Promise<void>;
  /** Starts a stream; resolves once the venue confirmed it (for 'book': once the first snapshot is applied). */
  subscribe(channel: Channel, symbol: string): Promise<void>;
  unsubscribe(channel: Channel, symbol: string): Promise<void>;
  placeOrder(order: OrderRequest): Promise<OrderAck>;
  cancelOrder(cancel: CancelRequest): Promise<OrderAck>;
}

export interface VenueErrorOptions {
  /** The venue's own error code (Binance: -1022), as sent. */
  venueCode?: number | string;
  /** The venue's message. */
  venueMessage?: string;
  /** The HTTP-like status of the response, where the venue has one (Binance WS API: 400, 401, 429 …). */
  httpStatus?: number;
  cause?: unknown;
}

/** A TickwireError that keeps what the venue said: its code, message and status. */
export class VenueError extends TickwireError {
  readonly venue: VenueId;
  readonly venueCode: number | string | undefined;
  readonly venueMessage: string | undefined;
  readonly httpStatus: number | undefined;

  constructor(code: TickwireErrorCode, venue: VenueId, message: string, options: VenueErrorOptions = {}) {
    super(code, message, {
      ...(options.venueCode === undefined ? {} : { reason: String(options.venueCode) }),
      ...(options.cause === undefined ? {} : { cause: options.cause }),
    });
    this.name = 'VenueError';
    this.venue = venue;
    this.venueCode = options.venueCode;
    this.venueMessage = options.venueMessage;
    this.httpStatus = options.httpStatus;
  }
}

/**
 * The callbacks an adapter's connections report through, emitting the adapter's events ('error'
 * only when listened to: an EventEmitter throws an unlistened 'error').
 */
export interface VenueEventSink {
  error(error: TickwireError): void;
  reconnected(info: ReconnectInfo): void;
  trade(trade: Trade): void;
  book(update: BookUpdate): void;
  ticker(ticker: Ticker): void;
  order(update: OrderUpdate): void;
  fill(fill: Fill): void;
}

export function venueEventSink(venue: EventEmitter<VenueEvents>): VenueEventSink {
  return {
    error: (e) => {
      if (venue.listenerCount('error') > 0) venue.emit('error', e);
    },
    reconnected: (info) => venue.emit('reconnected', info),
    trade: (t) => venue.emit('trade', t),
    book: (u) => venue.emit('book', u),
    ticker: (t) => venue.emit('ticker', t),
    order: (u) => venue.emit('order', u),
    fill: (f) => venue.emit('fill', f),
  };
}

/** Throws INVALID_ARGUMENT unless `channel` is 'trades', 'book' or 'ticker'. */
export function checkChannel(channel: Channel): void {
  if (channel !== 'trades' && channel !== 'book' && channel !== 'ticker') {
    throw new TickwireError('INVALID_ARGUMENT', `channel must be 'trades', 'book' or 'ticker', got '${String(channel)}'`);
  }
}

/** `e` if it is a TickwireError, else an INTERNAL one carrying its text (for errors caught from anywhere). */
export function asTickwireError(e: unknown): TickwireError {
  return e instanceof TickwireError ? e : new TickwireError('INTERNAL', String(e));
}

/** A VENUE_MESSAGE_INVALID error for a message that does not have the expected shape. */
export function invalidMessage(venue: VenueId, detail: string, raw?: string): TickwireError {
  const excerpt = raw === undefined ? '' : `: ${raw.length > 200 ? `${raw.slice(0, 200)}…` : raw}`;
  return new TickwireError('VENUE_MESSAGE_INVALID', `${venue}: ${detail}${excerpt}`);
}
