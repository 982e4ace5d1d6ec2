/**
 * Bybit v5 public spot market data on one connection (`/v5/public/spot`): `orderbook.{depth}`
 * (snapshot + deltas kept in sync by `u` through {@link SequenceSync}), `publicTrade`, and the
 * level-1 book `orderbook.1` for the 'ticker' channel (spot `tickers` carry no best bid/ask).
 *
 * Book rules (public/orderbook.mdx): a `snapshot` replaces the book; in a `delta` size "0"
 * deletes, an unknown price inserts, a known one is overwritten; `u` is the update id and
 * `u = 1` means the service restarted and this is a fresh snapshot (applied, `resynced: true`).
 * Deltas must carry `u` = previous + 1 (Bybit does not document the rule, see protocols.md §4.3 and
 * docs/book.md; the simulator follows it): a jump emits BOOK_SEQUENCE_GAP, discards the book and
 * asks for a fresh snapshot (unsubscribe + subscribe); the next book event is that snapshot with
 * `resynced: true`.
 *
 * Keepalive: `{"op":"ping"}` every `pingIntervalMs` (Bybit recommends 20 s; the server cuts a
 * connection that sent nothing for 10 min). After a reconnect every topic is subscribed again and
 * every book is rebuilt from its snapshot.
 */
import { OrderBook } from '../../book/order-book.js';
import { sequenceGapError, SequenceSync } from '../../book/sync.js';
import { TickwireError } from '../../native/errors.js';
import type { ConnectOptions } from '../../net/options.js';
import { ResubscribedBook } from '../common/book-state.js';
import { PendingRequests } from '../common/requests.js';
import { VenueSocket, type VenueSocketSink } from '../common/stream.js';
import type { BookUpdate, Channel, Ticker, Trade } from '../common/types.js';
import { asTickwireError, invalidMessage, VenueError } from '../common/venue.js';
import type { BybitOpResponse } from './messages.js';
import { asArray, asObject, parseOrderbook, parsePublicTrade, tickerFromLevel1, type ParsedBybitBook } from './parse.js';
import { bybitTopic, type BybitBookDepth } from './urls.js';

export interface BybitMarketDataSink extends VenueSocketSink {
  trade(trade: Trade): void;
  book(update: BookUpdate): void;
  ticker(ticker: Ticker): void;
}

export interface BybitMarketDataOptions {
  url: string;
  connect: ConnectOptions;
  depth: BybitBookDepth;
  requestTimeoutMs: number;
  pingIntervalMs: number;
}

/** `failures` counts resyncs since the last applied delta. */
class BookState extends ResubscribedBook {
  readonly book: OrderBook;
  readonly sync = new SequenceSync({ mode: 'contiguous' });

  constructor(
    readonly symbol: string,
    readonly topic: string,
    depth: number,
  ) {
    super();
    this.book = new OrderBook({ maxDepth: depth });
  }
}

type Response = BybitOpResponse & { recvTs: number };

export class BybitMarketData {
  readonly #o: BybitMarketDataOptions;
  readonly #sink: BybitMarketDataSink;
  readonly #socket: VenueSocket;
  readonly #pending: PendingRequests<Response>;
  /** topic → the channels using it (`orderbook.1` can serve 'book' at depth 1 and 'ticker'). */
  readonly #topics = new Map<string, { symbol: string; channels: Set<Channel> }>();
  /** topic → book. */
  readonly #books = new Map<string, BookState>();
  #nextId = 1;
  #pingTimer: NodeJS.Timeout | null = null;
  #closed = false;

  constructor(options: BybitMarketDataOptions, sink: BybitMarketDataSink) {
    this.#o = options;
    this.#sink = sink;
    this.#pending = new PendingRequests(options.requestTimeoutMs);
    this.#socket = new VenueSocket(
      'bybit',
      'market',
      options.url,
      options.connect,
      {
        message: (text, recvTs) => this.#message(text, recvTs),
        dropped: (cause, final) => {
          this.#pending.rejectAll(new TickwireError('CONN_CLOSED', `bybit market: connection lost: ${cause.message}`, { cause }));
          for (const st of this.#books.values()) {
            st.sync.invalidate();
            st.resyncing = false;
            if (final) st.rejectSynced(cause);
          }
        },
        reopened: () => {
          for (const topic of this.#topics.keys()) this.#op('subscribe', [topic]).catch((e: unknown) => this.#report(e));
        },
      },
      sink,
    );
  }

  book(symbol: string): OrderBook | undefined {
    return this.#books.get(bybitTopic('book', symbol, this.#o.depth))?.book;
  }

  async #open(): Promise<void> {
    await this.#socket.open();
    if (this.#pingTimer === null && this.#o.pingIntervalMs > 0 && !this.#closed) {
      this.#pingTimer = setInterval(() => {
        if (this.#socket.isOpen) this.#op('ping', undefined).catch((e: unknown) => this.#report(e));
      }, this.#o.pingIntervalMs);
      this.#pingTimer.unref();
    }
  }

  #report(e: unknown): void {
    if (!this.#closed) this.#sink.error(asTickwireError(e));
  }

  async subscribe(channel: Channel, symbol: string): Promise<void> {
    if (this.#closed) throw new TickwireError('CONN_CLOSED', 'bybit: the adapter is closed');
    const topic = bybitTopic(channel, symbol, this.#o.depth);
    const known = this.#topics.get(topic);
    if (known) {
      known.channels.add(channel);
      await this.#open();
      if (channel === 'book') await this.#bookFor(topic, symbol).synced;
      return;
    }
    this.#topics.set(topic, { symbol, channels: new Set([channel]) });
    const st = channel === 'book' ? this.#bookFor(topic, symbol) : undefined;
    try {
      await this.#open();
      await this.#op('subscribe', [topic]);
    } catch (e) {
      this.#topics.delete(topic);
      this.#books.delete(topic);
      throw e;
    }
    if (st) await st.synced;
  }

  #bookFor(topic: string, symbol: string): BookState {
    let st = this.#books.get(topic);
    if (!st) this.#books.set(topic, (st = new BookState(symbol, topic, this.#o.depth)));
    return st;
  }

  async unsubscribe(channel: Channel, symbol: string): Promise<void> {
    const topic = bybitTopic(channel, symbol, this.#o.depth);
    const t = this.#topics.get(topic);
    if (!t || !t.channels.delete(channel)) return;
    if (channel === 'book') {
      this.#books.get(topic)?.rejectSynced(new TickwireError('CONN_CLOSED', `bybit: ${symbol} book unsubscribed`));
      this.#books.delete(topic);
    }
    if (t.channels.size > 0) return;
    this.#topics.delete(topic);
    if (this.#socket.isOpen) await this.#op('unsubscribe', [topic]);
  }

  async #op(op: 'subscribe' | 'unsubscribe' | 'ping', args: string[] | undefined): Promise<Response> {
    const reqId = `${op[0]}${this.#nextId++}`;
    const p = this.#pending.add(reqId, `bybit ${op}`);
    try {
      this.#socket.send(JSON.stringify(args === undefined ? { req_id: reqId, op } : { req_id: reqId, op, args }));
    } catch (e) {
      this.#pending.reject(reqId, e as TickwireError);
    }
    const r = await p;
    if (r.success === false) {
      throw new VenueError('VENUE_MESSAGE_INVALID', 'bybit', `bybit ${op} ${args?.join(',') ?? ''} refused: ${r.ret_msg ?? 'no reason given'}`, {
        ...(r.ret_msg === undefined ? {} : { venueMessage: r.ret_msg }),
      });
    }
    return r;
  }

  /** Discards the book and asks for a fresh snapshot (unsubscribe + subscribe). */
  #resync(st: BookState): void {
    st.sync.invalidate();
    if (!this.#socket.isOpen) return;
    st.resubscribe(
      () => this.#books.get(st.topic) === st,
      () => this.#op('unsubscribe', [st.topic]),
      () => this.#op('subscribe', [st.topic]),
      (e) => this.#report(e),
    );
  }

  #message(text: string, recvTs: number): void {
    const m = asObject(JSON.parse(text) as unknown, 'message');
    const topic = m.topic;
    if (typeof topic === 'string') {
      const sub = this.#topics.get(topic);
      if (topic.startsWith('orderbook.')) {
        const b = parseOrderbook(m);
        if (!sub) return; // just unsubscribed
        if (sub.channels.has('ticker')) this.#sink.ticker(tickerFromLevel1(b, recvTs));
        if (sub.channels.has('book')) this.#book(b, recvTs);
        return;
      }
      if (topic.startsWith('publicTrade.')) {
        const items = asArray(m.data, 'publicTrade data');
        const trades = items.map((d) => parsePublicTrade(d, recvTs));
        if (sub) for (const t of trades) this.#sink.trade(t);
        return;
      }
      throw invalidMessage('bybit', `message of unknown topic '${topic}'`, text);
    }
    if (typeof m.op === 'string') {
      const id = typeof m.req_id === 'string' ? m.req_id : '';
      if (!this.#pending.resolve(id, { ...(m as unknown as BybitOpResponse), recvTs }) && m.success === false) {
        throw invalidMessage('bybit', 'unsolicited error response', text);
      }
      return;
    }
    throw invalidMessage('bybit', 'unexpected message', text);
  }

  #book(b: ParsedBybitBook, recvTs: number): void {
    const st = this.#books.get(b.topic);
    if (!st) return;
    let resynced: boolean;
    if (b.type === 'snapshot') {
      st.book.applySnapshot(b);
      resynced = st.sync.snapshot(b.u).resynced;
    } else {
      const r = st.sync.delta(b.u);
      if (r.kind === 'gap') {
        this.#sink.error(sequenceGapError(r, `bybit ${b.symbol} book`));
        this.#resync(st);
        return;
      }
      if (r.kind !== 'applied') return;
      resynced = r.resynced;
      st.book.applyDelta(b);
      st.failures = 0;
    }
    this.#sink.book({
      venue: 'bybit',
      symbol: b.symbol,
      snapshot: b.type === 'snapshot',
      resynced,
      bids: b.type === 'snapshot' ? st.book.depth('bid') : b.bids,
      asks: b.type === 'snapshot' ? st.book.depth('ask') : b.asks,
      sequence: b.u,
      book: st.book,
      venueTs: b.venueTs,
      recvTs,
    });
    if (b.type === 'snapshot') st.resolveSynced();
  }

  async close(): Promise<void> {
    this.#closed = true;
    if (this.#pingTimer) clearInterval(this.#pingTimer);
    this.#pending.rejectAll(new TickwireError('CONN_CLOSED', 'bybit market: the adapter was closed'));
    for (const st of this.#books.values()) st.rejectSynced(new TickwireError('CONN_CLOSED', 'bybit: the adapter was closed'));
    await this.#socket.close();
  }
}
