/**
 * Kraken v2 market data on one connection (`ws.kraken.com/v2`): `book` (every snapshot and update
 * verified against Kraken's CRC32 checksum of the top 10 levels), `trade`, `ticker`
 * (`event_trigger: "bbo"`), and `instrument` for the pairs' price/qty precision the checksum needs.
 *
 * Book rules (docs.kraken.com, book channel; ../../../docs/book.md): apply every level of a
 * message, truncate to the subscribed depth (Kraken sends no qty 0 for levels pushed out), then
 * compare the checksum. A mismatch emits BOOK_CHECKSUM_MISMATCH, discards the book and asks for a
 * fresh snapshot (unsubscribe + subscribe: Kraken refuses a second subscribe with "Already
 * subscribed"); the next book event is that snapshot with `resynced: true`. Kraken books carry no
 * sequence number: `BookUpdate.sequence` counts the book messages applied since the subscription.
 *
 * Keepalive: the application-level `{"method":"ping"}` every `pingIntervalMs` (a missing `pong`
 * is reported as CONN_TIMEOUT); Kraken's `heartbeat` channel messages are accepted and ignored.
 * After a reconnect every subscription is sent again and every book is rebuilt from a snapshot.
 */
import { OrderBook } from '../../book/order-book.js';
import { verifyKrakenChecksum, type KrakenPrecision } from '../../book/kraken-checksum.js';
import { SequenceSync } from '../../book/sync.js';
import { TickwireError } from '../../native/errors.js';
import type { ConnectOptions } from '../../net/options.js';
import { ResubscribedBook } from '../common/book-state.js';
import { PendingRequests } from '../common/requests.js';
import { VenueSocket, type VenueSocketSink } from '../common/stream.js';
import type { BookUpdate, Channel, Ticker, Trade } from '../common/types.js';
import { asTickwireError, invalidMessage, VenueError } from '../common/venue.js';
import type { KrakenResponse } from './messages.js';
import { asArray, asObject, parseBookData, parseInstrumentPairs, parseTicker, parseTrade, type ParsedKrakenBook } from './parse.js';
import { krakenChannel, type KrakenBookDepth } from './urls.js';

export interface KrakenMarketDataSink extends VenueSocketSink {
  trade(trade: Trade): void;
  book(update: BookUpdate): void;
  ticker(ticker: Ticker): void;
}

export interface KrakenMarketDataOptions {
  url: string;
  connect: ConnectOptions;
  depth: KrakenBookDepth;
  requestTimeoutMs: number;
  /** 0 = no application pings. */
  pingIntervalMs: number;
  /** Precision configured by the user, if any (else the `instrument` channel is asked). */
  precision: (symbol: string) => KrakenPrecision | undefined;
}

/** `failures` counts resyncs since the last verified update (a wrong precision fails every snapshot). */
class BookState extends ResubscribedBook {
  readonly book: OrderBook;
  readonly sync = new SequenceSync();
  /** Book messages applied since the subscription. */
  applied = 0;

  constructor(
    readonly symbol: string,
    depth: number,
    readonly precision: KrakenPrecision,
  ) {
    super();
    this.book = new OrderBook({ maxDepth: depth });
  }
}

type Response = KrakenResponse & { recvTs: number };

export class KrakenMarketData {
  readonly #o: KrakenMarketDataOptions;
  readonly #sink: KrakenMarketDataSink;
  readonly #socket: VenueSocket;
  readonly #pending: PendingRequests<Response>;
  /** Subscribed symbols per channel (looked up per message without building a key). */
  readonly #subs = new Map<Channel, Set<string>>([
    ['trades', new Set()],
    ['book', new Set()],
    ['ticker', new Set()],
  ]);
  readonly #books = new Map<string, BookState>();
  #instruments: Promise<Map<string, KrakenPrecision>> | null = null;
  #resolveInstruments: ((m: Map<string, KrakenPrecision>) => void) | null = null;
  #rejectInstruments: ((e: TickwireError) => void) | null = null;
  readonly #known = new Map<string, KrakenPrecision>();
  #nextId = 1;
  #pingTimer: NodeJS.Timeout | null = null;
  #closed = false;

  constructor(options: KrakenMarketDataOptions, sink: KrakenMarketDataSink) {
    this.#o = options;
    this.#sink = sink;
    this.#pending = new PendingRequests(options.requestTimeoutMs);
    this.#socket = new VenueSocket(
      'kraken',
      'market',
      options.url,
      options.connect,
      {
        message: (text, recvTs) => this.#message(text, recvTs),
        dropped: (cause, final) => {
          this.#pending.rejectAll(new TickwireError('CONN_CLOSED', `kraken market: connection lost: ${cause.message}`, { cause }));
          if (this.#rejectInstruments) {
            // The instrument snapshot never came on that connection: the next precision() asks again.
            this.#rejectInstruments(new TickwireError('CONN_CLOSED', `kraken market: connection lost before the instrument snapshot: ${cause.message}`, { cause }));
            this.#instruments = null;
            this.#resolveInstruments = this.#rejectInstruments = null;
          }
          for (const st of this.#books.values()) {
            st.sync.invalidate();
            st.resyncing = false;
            if (final) st.rejectSynced(cause);
          }
        },
        reopened: () => this.#resubscribe(),
      },
      sink,
    );
  }

  /** The live book of a subscribed symbol. */
  book(symbol: string): OrderBook | undefined {
    return this.#books.get(symbol)?.book;
  }

  async #open(): Promise<void> {
    await this.#socket.open();
    if (this.#pingTimer === null && this.#o.pingIntervalMs > 0 && !this.#closed) {
      this.#pingTimer = setInterval(() => this.#ping(), this.#o.pingIntervalMs);
      this.#pingTimer.unref();
    }
  }

  #ping(): void {
    if (!this.#socket.isOpen) return;
    this.#request('ping', undefined).catch((e: unknown) => this.#report(e));
  }

  /** Price/qty precision of `symbol`: configured, or from the `instrument` channel (asked once). */
  async precision(symbol: string): Promise<KrakenPrecision> {
    const configured = this.#o.precision(symbol) ?? this.#known.get(symbol);
    if (configured) return configured;
    if (!this.#instruments) {
      this.#instruments = new Promise((resolve, reject) => {
        this.#resolveInstruments = resolve;
        this.#rejectInstruments = reject;
      });
      const p = this.#instruments;
      try {
        await this.#open();
        await this.#request('subscribe', { channel: 'instrument', snapshot: true });
      } catch (e) {
        if (this.#instruments === p) this.#instruments = null;
        throw e;
      }
    }
    const pairs = await this.#instruments;
    const p = pairs.get(symbol);
    if (!p) throw new TickwireError('INVALID_ARGUMENT', `kraken: unknown pair '${symbol}' (not in the instrument channel)`);
    return p;
  }

  async subscribe(channel: Channel, symbol: string): Promise<void> {
    if (this.#closed) throw new TickwireError('CONN_CLOSED', 'kraken: the adapter is closed');
    const subs = this.#subs.get(channel) as Set<string>;
    if (subs.has(symbol)) {
      await this.#open();
      if (channel === 'book') await this.#books.get(symbol)?.synced;
      return;
    }
    let st: BookState | undefined;
    if (channel === 'book') {
      const precision = await this.precision(symbol);
      if (subs.has(symbol)) return this.subscribe(channel, symbol);
      this.#books.set(symbol, (st = new BookState(symbol, this.#o.depth, precision)));
    }
    subs.add(symbol);
    try {
      await this.#open();
      await this.#request('subscribe', this.#params(channel, symbol, true));
    } catch (e) {
      subs.delete(symbol);
      if (st) this.#books.delete(symbol);
      throw e;
    }
    if (st) await st.synced;
  }

  async unsubscribe(channel: Channel, symbol: string): Promise<void> {
    if (!this.#subs.get(channel)?.delete(symbol)) return;
    if (channel === 'book') {
      const st = this.#books.get(symbol);
      this.#books.delete(symbol);
      st?.rejectSynced(new TickwireError('CONN_CLOSED', `kraken: ${symbol} book unsubscribed`));
    }
    if (this.#socket.isOpen) await this.#request('unsubscribe', this.#params(channel, symbol, false));
  }

  #params(channel: Channel, symbol: string, subscribe: boolean): Record<string, unknown> {
    const p: Record<string, unknown> = { channel: krakenChannel(channel), symbol: [symbol] };
    if (channel === 'book') p.depth = this.#o.depth;
    if (channel === 'ticker') p.event_trigger = 'bbo';
    if (subscribe) p.snapshot = channel !== 'trades';
    return p;
  }

  /** Sends a request and waits for its response; a `success: false` answer throws. */
  async #request(method: string, params: Record<string, unknown> | undefined): Promise<Response> {
    const id = this.#nextId++;
    const key = `${method === 'ping' ? 'pong' : method}:${id}`;
    const p = this.#pending.add(key, `kraken ${method}`);
    try {
      this.#socket.send(JSON.stringify(params === undefined ? { method, req_id: id } : { method, params, req_id: id }));
    } catch (e) {
      this.#pending.reject(key, e as TickwireError);
    }
    const r = await p;
    if (r.success === false) {
      const what = params ? `${String(params.channel)} ${JSON.stringify(params.symbol ?? '')}` : '';
      throw new VenueError('VENUE_MESSAGE_INVALID', 'kraken', `kraken ${method} ${what} refused: ${r.error ?? 'no reason given'}`, {
        ...(r.error === undefined ? {} : { venueMessage: r.error, venueCode: r.error }),
      });
    }
    return r;
  }

  #resubscribe(): void {
    for (const [channel, symbols] of this.#subs) {
      for (const symbol of symbols) this.#request('subscribe', this.#params(channel, symbol, true)).catch((e: unknown) => this.#report(e));
    }
  }

  #report(e: unknown): void {
    if (!this.#closed) this.#sink.error(asTickwireError(e));
  }

  /** Discards the book and asks for a fresh snapshot (unsubscribe + subscribe). */
  #resync(st: BookState): void {
    st.sync.invalidate();
    if (!this.#socket.isOpen) return;
    st.resubscribe(
      () => this.#books.get(st.symbol) === st,
      () => this.#request('unsubscribe', this.#params('book', st.symbol, false)),
      () => this.#request('subscribe', this.#params('book', st.symbol, true)),
      (e) => this.#report(e),
    );
  }

  #message(text: string, recvTs: number): void {
    const m = asObject(JSON.parse(text) as unknown, 'message');
    const channel = m.channel;
    if (typeof channel === 'string') {
      switch (channel) {
        case 'heartbeat':
        case 'status':
          return;
        case 'book': {
          const type = m.type;
          if (type !== 'snapshot' && type !== 'update') throw invalidMessage('kraken', 'book message type', text);
          for (const item of asArray(m.data, 'book data')) this.#book(type, parseBookData(item), recvTs);
          return;
        }
        case 'trade': {
          const subscribed = this.#subs.get('trades') as Set<string>;
          for (const item of asArray(m.data, 'trade data')) {
            const t = parseTrade(item, recvTs);
            if (m.type === 'update' && subscribed.has(t.symbol)) this.#sink.trade(t);
          }
          return;
        }
        case 'ticker': {
          const subscribed = this.#subs.get('ticker') as Set<string>;
          for (const item of asArray(m.data, 'ticker data')) {
            const t = parseTicker(item, recvTs);
            if (subscribed.has(t.symbol)) this.#sink.ticker(t);
          }
          return;
        }
        case 'instrument': {
          const pairs = parseInstrumentPairs(m.data);
          for (const [s, p] of pairs) this.#known.set(s, p);
          this.#resolveInstruments?.(new Map(this.#known));
          this.#resolveInstruments = this.#rejectInstruments = null;
          if (this.#instruments) this.#instruments = Promise.resolve(new Map(this.#known));
          return;
        }
        default:
          throw invalidMessage('kraken', `message of unknown channel '${channel}'`, text);
      }
    }
    if (typeof m.method === 'string') {
      const id = m.req_id;
      const key = `${m.method}:${typeof id === 'number' ? id : ''}`;
      if (!this.#pending.resolve(key, { ...(m as unknown as KrakenResponse), recvTs }) && m.success === false) {
        throw invalidMessage('kraken', 'unsolicited error response', text);
      }
      return;
    }
    throw invalidMessage('kraken', 'unexpected message', text);
  }

  #book(type: 'snapshot' | 'update', d: ParsedKrakenBook, recvTs: number): void {
    const st = this.#books.get(d.symbol);
    if (!st) return;
    let resynced = false;
    if (type === 'snapshot') {
      st.book.applySnapshot(d);
      resynced = st.sync.snapshot().resynced;
    } else {
      if (st.sync.delta().kind !== 'applied') return;
      st.book.applyDelta(d);
    }
    try {
      verifyKrakenChecksum(st.book, d.checksum, st.precision, `kraken ${d.symbol} book`);
    } catch (e) {
      const err = e as TickwireError;
      this.#sink.error(
        type === 'snapshot'
          ? new TickwireError(err.code, `${err.message} (on a snapshot: is the precision right? price ${st.precision.price}, qty ${st.precision.qty} decimals)`)
          : err,
      );
      this.#resync(st);
      return;
    }
    if (type === 'update') st.failures = 0;
    st.applied++;
    this.#sink.book({
      venue: 'kraken',
      symbol: d.symbol,
      snapshot: type === 'snapshot',
      resynced,
      bids: type === 'snapshot' ? st.book.depth('bid') : d.bids,
      asks: type === 'snapshot' ? st.book.depth('ask') : d.asks,
      sequence: st.applied,
      book: st.book,
      venueTs: d.venueTs,
      recvTs,
    });
    if (type === 'snapshot') st.resolveSynced();
  }

  async close(): Promise<void> {
    this.#closed = true;
    if (this.#pingTimer) clearInterval(this.#pingTimer);
    this.#pending.rejectAll(new TickwireError('CONN_CLOSED', 'kraken market: the adapter was closed'));
    for (const st of this.#books.values()) st.rejectSynced(new TickwireError('CONN_CLOSED', 'kraken: the adapter was closed'));
    await this.#socket.close();
  }
}
