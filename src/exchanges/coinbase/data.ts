/**
 * Coinbase Advanced Trade market data on one connection: `level2` books (snapshot, then updates
 * with absolute sizes), `market_trades`, `ticker`, and `heartbeats`, which Coinbase advises
 * subscribing to so the server does not close quiet channels (and which lets a sequence gap show
 * within a second even when the market is quiet).
 *
 * Integrity: every message envelope carries `sequence_num`, one counter per connection across
 * all channels ({@link SequenceTracker}). A gap means some message was lost, and it may have been
 * a book update: the adapter emits BOOK_SEQUENCE_GAP, discards every book on the connection and
 * resubscribes `level2` (unsubscribe + subscribe) for fresh snapshots; the next book event of
 * each is a snapshot with `resynced: true`. A malformed `l2_data` message does the same after its
 * VENUE_MESSAGE_INVALID error (its update is lost too). After a reconnect the counter restarts,
 * heartbeats and every channel are subscribed again, and books resync the same way.
 */
import { OrderBook } from '../../book/order-book.js';
import { SequenceSync, SequenceTracker, sequenceGapError } from '../../book/sync.js';
import { TickwireError } from '../../native/errors.js';
import type { ConnectOptions } from '../../net/options.js';
import { SyncedBook } from '../common/book-state.js';
import { PendingRequests } from '../common/requests.js';
import { VenueSocket, type VenueSocketSink } from '../common/stream.js';
import type { BookUpdate, Channel, Ticker, Trade } from '../common/types.js';
import { asTickwireError, invalidMessage, VenueError } from '../common/venue.js';
import { asArray, asObject, parseEnvelope, parseL2Event, parseTicker, parseTrade, type ParsedEnvelope, type ParsedL2Event } from './parse.js';
import { coinbaseChannel, type CoinbaseSubscribeChannel } from './urls.js';

export interface CoinbaseMarketDataSink extends VenueSocketSink {
  trade(trade: Trade): void;
  book(update: BookUpdate): void;
  ticker(ticker: Ticker): void;
}

export interface CoinbaseMarketDataOptions {
  url: string;
  connect: ConnectOptions;
  requestTimeoutMs: number;
}

type DataChannel = Exclude<CoinbaseSubscribeChannel, 'heartbeats'>;

/** One subscribed book. */
class BookState extends SyncedBook {
  readonly book = new OrderBook();
  readonly sync = new SequenceSync();

  constructor(readonly productId: string) {
    super();
  }

  /** The book is no longer trustworthy: empty it and await a snapshot. */
  discard(): void {
    this.sync.invalidate();
    this.book.clear();
  }
}

export class CoinbaseMarketData {
  readonly #o: CoinbaseMarketDataOptions;
  readonly #sink: CoinbaseMarketDataSink;
  /** Subscribed products per channel. */
  readonly #subs = new Map<DataChannel, Set<string>>([
    ['level2', new Set()],
    ['market_trades', new Set()],
    ['ticker', new Set()],
  ]);
  readonly #books = new Map<string, BookState>();
  readonly #tracker = new SequenceTracker();
  /** Subscriptions awaiting the venue's `subscriptions` message, by `channel:product`. */
  readonly #pending: PendingRequests<void>;
  #socket: VenueSocket | null = null;
  #opening: Promise<void> | null = null;
  #closed = false;
  #lastHeartbeat: { counter: number; recvTs: number } | null = null;

  constructor(options: CoinbaseMarketDataOptions, sink: CoinbaseMarketDataSink) {
    this.#o = options;
    this.#sink = sink;
    this.#pending = new PendingRequests(options.requestTimeoutMs);
  }

  /** The live book of a subscribed product. */
  book(productId: string): OrderBook | undefined {
    return this.#books.get(productId)?.book;
  }

  /** The last `heartbeats` message: its counter and local receive time (null before the first). */
  get lastHeartbeat(): { counter: number; recvTs: number } | null {
    return this.#lastHeartbeat;
  }

  /** The last `sequence_num` seen on the connection (NaN before the first message). */
  get sequence(): number {
    return this.#tracker.last;
  }

  async subscribe(channel: Channel, productId: string): Promise<void> {
    if (this.#closed) throw new TickwireError('CONN_CLOSED', 'coinbase: the adapter is closed');
    const wire = coinbaseChannel(channel);
    const key = `${wire}:${productId}`;
    const set = this.#subs.get(wire) as Set<string>;
    if (set.has(productId)) {
      await this.#pending.promise(key);
      if (wire === 'level2') await this.#books.get(productId)?.synced;
      return;
    }
    set.add(productId);
    let st: BookState | undefined;
    if (wire === 'level2') this.#books.set(productId, (st = new BookState(productId)));
    try {
      await this.#open(productId);
      const socket = this.#socket as VenueSocket;
      await socket.ready();
      const confirmed = this.#pending.add(key, `coinbase subscribe ${wire} ${productId}`);
      this.#send('subscribe', wire, [productId]);
      await confirmed;
    } catch (e) {
      set.delete(productId);
      if (st && this.#books.get(productId) === st) {
        this.#books.delete(productId);
        st.rejectSynced(e as TickwireError);
      }
      throw e;
    }
    if (st) await st.synced;
  }

  async unsubscribe(channel: Channel, productId: string): Promise<void> {
    const wire = coinbaseChannel(channel);
    const set = this.#subs.get(wire) as Set<string>;
    if (!set.delete(productId)) return;
    if (wire === 'level2') {
      const st = this.#books.get(productId);
      this.#books.delete(productId);
      st?.rejectSynced(new TickwireError('CONN_CLOSED', `coinbase: ${productId} book unsubscribed`));
    }
    if (this.#socket?.isOpen) this.#send('unsubscribe', wire, [productId]);
  }

  /** Opens the connection once and subscribes `heartbeats` right away (Coinbase wants a subscribe within 5 s). */
  #open(productId: string): Promise<void> {
    if (!this.#opening) {
      const socket = new VenueSocket(
        'coinbase',
        'market',
        this.#o.url,
        this.#o.connect,
        {
          message: (text, recvTs) => this.#message(text, recvTs),
          dropped: (cause, final) => this.#dropped(cause, final),
          reopened: () => this.#reopened(),
        },
        this.#sink,
      );
      this.#socket = socket;
      this.#opening = socket.open().then(
        () => this.#send('subscribe', 'heartbeats', [productId]),
        (e: unknown) => {
          // The first connection failed: the next subscribe starts over.
          this.#socket = null;
          this.#opening = null;
          throw e;
        },
      );
    }
    return this.#opening;
  }

  #send(type: 'subscribe' | 'unsubscribe', channel: CoinbaseSubscribeChannel, productIds: string[]): void {
    const socket = this.#socket;
    if (!socket) throw new TickwireError('WS_NOT_OPEN', 'coinbase market: not connected');
    socket.send(JSON.stringify({ type, product_ids: productIds, channel }));
  }

  #products(): string[] {
    const all = new Set<string>();
    for (const set of this.#subs.values()) for (const p of set) all.add(p);
    return [...all];
  }

  #dropped(cause: TickwireError, final: boolean): void {
    for (const st of this.#books.values()) {
      st.discard();
      if (final) st.rejectSynced(cause);
    }
    if (final) this.#pending.rejectAll(new TickwireError('CONN_CLOSED', `coinbase market: connection closed: ${cause.message}`, { cause }));
  }

  /** A new connection: a new sequence, heartbeats and every subscription again (books get fresh snapshots). */
  #reopened(): void {
    this.#tracker.reset();
    const products = this.#products();
    try {
      this.#send('subscribe', 'heartbeats', products.slice(0, 1));
      for (const [channel, set] of this.#subs) if (set.size) this.#send('subscribe', channel, [...set]);
    } catch (e) {
      this.#sink.error(asTickwireError(e));
    }
  }

  /** Discards the books of `productIds` and asks for fresh snapshots (unsubscribe + subscribe). */
  #resync(productIds: readonly string[]): void {
    const ids = productIds.filter((p) => this.#books.has(p));
    if (ids.length === 0) return;
    for (const p of ids) (this.#books.get(p) as BookState).discard();
    if (!this.#socket?.isOpen) return; // the reconnect resubscribes
    try {
      this.#send('unsubscribe', 'level2', ids);
      this.#send('subscribe', 'level2', ids);
    } catch (e) {
      this.#sink.error(asTickwireError(e));
    }
  }

  #message(text: string, recvTs: number): void {
    const m = asObject(JSON.parse(text) as unknown, 'message');
    if (m.type === 'error') {
      const msg = typeof m.message === 'string' ? m.message : text;
      const err = new VenueError('VENUE_MESSAGE_INVALID', 'coinbase', `coinbase: the venue answered with an error: ${msg}`, { venueMessage: msg });
      if (this.#pending.size > 0) this.#pending.rejectAll(err);
      else throw err;
      return;
    }
    const env = parseEnvelope(m);
    const r = this.#tracker.next(env.sequence);
    if (r.kind === 'ignored') return; // a duplicate or an old message
    if (r.kind === 'gap') {
      this.#sink.error(sequenceGapError(r, 'coinbase connection'));
      this.#resync([...this.#books.keys()]);
    }
    switch (env.channel) {
      case 'l2_data':
        this.#l2(env, recvTs);
        return;
      case 'market_trades':
        this.#trades(env, recvTs);
        return;
      case 'ticker':
        this.#tickers(env, recvTs);
        return;
      case 'heartbeats': {
        const e = asObject(env.events[0], 'heartbeats event');
        const counter = Number(e.heartbeat_counter);
        this.#lastHeartbeat = { counter: Number.isSafeInteger(counter) ? counter : NaN, recvTs };
        return;
      }
      case 'subscriptions':
        this.#subscriptions(env);
        return;
      default:
        return; // Coinbase: clients must ignore unknown message types
    }
  }

  #subscriptions(env: ParsedEnvelope): void {
    for (const raw of env.events) {
      const subs = asObject(asObject(raw, 'subscriptions event').subscriptions, 'subscriptions');
      for (const key of this.#pending.ids()) {
        const i = key.indexOf(':');
        const list = subs[key.slice(0, i)];
        if (Array.isArray(list) && list.includes(key.slice(i + 1))) this.#pending.resolve(key, undefined);
      }
    }
  }

  #l2(env: ParsedEnvelope, recvTs: number): void {
    let events: ParsedL2Event[];
    try {
      events = env.events.map(parseL2Event);
    } catch (e) {
      // An update we cannot read is an update lost: resync the books it may have touched.
      const named = env.events.map((ev) => (ev as { product_id?: unknown } | null)?.product_id).filter((p): p is string => typeof p === 'string');
      this.#resync(named.length === env.events.length ? named : [...this.#books.keys()]);
      throw e;
    }
    for (const e of events) {
      const st = this.#books.get(e.productId);
      if (!st) continue; // just unsubscribed
      if (e.type === 'snapshot') {
        const r = st.sync.snapshot();
        st.book.applySnapshot(e);
        this.#sink.book({
          venue: 'coinbase',
          symbol: e.productId,
          snapshot: true,
          resynced: r.resynced,
          bids: st.book.depth('bid'),
          asks: st.book.depth('ask'),
          sequence: env.sequence,
          book: st.book,
          venueTs: env.time,
          recvTs,
        });
        st.resolveSynced();
        continue;
      }
      const r = st.sync.delta();
      if (r.kind !== 'applied') continue; // awaiting the fresh snapshot
      try {
        st.book.applyDelta(e);
      } catch (err) {
        this.#resync([e.productId]);
        throw err;
      }
      this.#sink.book({
        venue: 'coinbase',
        symbol: e.productId,
        snapshot: false,
        resynced: r.resynced,
        bids: e.bids,
        asks: e.asks,
        sequence: env.sequence,
        book: st.book,
        venueTs: e.eventTime ?? env.time,
        recvTs,
      });
    }
  }

  #trades(env: ParsedEnvelope, recvTs: number): void {
    const subscribed = this.#subs.get('market_trades') as Set<string>;
    for (const raw of env.events) {
      const ev = asObject(raw, 'market_trades event');
      // The snapshot on subscribe holds past trades: not emitted as new ones.
      if (ev.type === 'snapshot') continue;
      if (ev.type !== 'update') throw invalidMessage('coinbase', `market_trades event type ${JSON.stringify(ev.type) ?? 'undefined'} is not valid`);
      for (const t of asArray(ev.trades, 'market_trades trades')) {
        const trade = parseTrade(t, recvTs);
        if (subscribed.has(trade.symbol)) this.#sink.trade(trade);
      }
    }
  }

  #tickers(env: ParsedEnvelope, recvTs: number): void {
    const subscribed = this.#subs.get('ticker') as Set<string>;
    for (const raw of env.events) {
      const ev = asObject(raw, 'ticker event');
      for (const t of asArray(ev.tickers, 'ticker tickers')) {
        const ticker = parseTicker(t, env.time, recvTs);
        if (subscribed.has(ticker.symbol)) this.#sink.ticker(ticker);
      }
    }
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#pending.rejectAll(new TickwireError('CONN_CLOSED', 'coinbase market: the adapter was closed'));
    for (const st of this.#books.values()) st.rejectSynced(new TickwireError('CONN_CLOSED', 'coinbase: the adapter was closed'));
    await this.#socket?.close();
  }
}
