/**
 * Binance market data on one combined-stream connection (`/stream?streams=…`): trades
 * (`@trade`), the diff-depth book (`@depth@100ms`, kept in sync by Binance's snapshot/U/u rule
 * through {@link BinanceDepthSync}, snapshots from the WebSocket API `depth` method) and best
 * bid/offer (`@bookTicker`).
 *
 * The connection opens with the streams subscribed so far in its URL; later subscriptions are
 * sent as `SUBSCRIBE` and confirmed by `{"result":null,"id":…}`. After a reconnect (the transport
 * reconnects with the same URL, e.g. after Binance's 24 h disconnect) the streams added since are
 * subscribed again, every book is discarded and rebuilt from a fresh snapshot, and its next book
 * event is a snapshot with `resynced: true`. A sequence gap does the same for one book, after a
 * BOOK_SEQUENCE_GAP 'error'.
 */
import { OrderBook } from '../../book/order-book.js';
import { BinanceDepthSync, sequenceGapError } from '../../book/sync.js';
import { TickwireError } from '../../native/errors.js';
import type { ConnectOptions } from '../../net/options.js';
import { delay, retryDelayMs, SyncedBook } from '../common/book-state.js';
import { PendingRequests } from '../common/requests.js';
import { VenueSocket, type VenueSocketSink } from '../common/stream.js';
import { receiveTime, type BookUpdate, type Channel, type Ticker, type Trade } from '../common/types.js';
import { asTickwireError, invalidMessage, VenueError } from '../common/venue.js';
import type { BinanceExecution } from './execution.js';
import type { BinanceStreamResponse } from './messages.js';
import { fastParse, isFastTrade } from './fast-parse.js';
import { asObject, parseBookTicker, parseDepthUpdate, parseTrade, type ParsedDepthUpdate } from './parse.js';
import { binanceCombinedUrl, binanceStreamName, type BinanceDepthSpeed } from './urls.js';

export interface BinanceMarketDataSink extends VenueSocketSink {
  trade(trade: Trade): void;
  book(update: BookUpdate): void;
  ticker(ticker: Ticker): void;
}

export interface BinanceMarketDataOptions {
  url: string;
  connect: ConnectOptions;
  depthSpeed: BinanceDepthSpeed;
  /** Levels per side asked of `depth` (1-5000). */
  depthLimit: number;
  /** Parse trades and depth updates straight from the bytes (fast-parse.ts), falling back to JSON.parse. */
  fastParse: boolean;
  requestTimeoutMs: number;
}

/** One subscribed book. */
class BookState extends SyncedBook {
  readonly book = new OrderBook();
  readonly sync: BinanceDepthSync<ParsedDepthUpdate>;
  fetching = false;

  constructor(readonly symbol: string) {
    super();
    this.sync = new BinanceDepthSync<ParsedDepthUpdate>({ book: this.book, apply: (book, e) => book.applyDelta(e) });
  }
}

/** At most this often a SUBSCRIBE / UNSUBSCRIBE (Binance allows 5 incoming messages a second, pings and pongs included). */
const CONTROL_INTERVAL_MS = 250;

interface ControlBatch {
  method: 'SUBSCRIBE' | 'UNSUBSCRIBE';
  params: string[];
  waiters: Array<{ resolve(): void; reject(e: TickwireError): void }>;
  sent: boolean;
}


export class BinanceMarketData {
  readonly #o: BinanceMarketDataOptions;
  readonly #sink: BinanceMarketDataSink;
  readonly #exec: BinanceExecution;
  /** Stream name → what it is. */
  readonly #streams = new Map<string, { channel: Channel; symbol: string }>();
  readonly #books = new Map<string, BookState>();
  /** Symbols with a trade stream (for the fast path, which knows the symbol, not the stream). */
  readonly #tradeSymbols = new Set<string>();
  readonly #control: PendingRequests<BinanceStreamResponse>;
  #socket: VenueSocket | null = null;
  /** Streams named in the connection URL (subscribed by every reconnect without asking). */
  #urlStreams: string[] = [];
  #nextId = 1;
  /** SUBSCRIBE / UNSUBSCRIBE batches, in order. */
  readonly #queue: ControlBatch[] = [];
  #pumpTimer: NodeJS.Timeout | null = null;
  #lastControlAt = 0;
  #closed = false;

  constructor(options: BinanceMarketDataOptions, sink: BinanceMarketDataSink, exec: BinanceExecution) {
    this.#o = options;
    this.#sink = sink;
    this.#exec = exec;
    this.#control = new PendingRequests(options.requestTimeoutMs);
  }

  /** The live book of a subscribed symbol. */
  book(symbol: string): OrderBook | undefined {
    return this.#books.get(symbol)?.book;
  }

  async subscribe(channel: Channel, symbol: string): Promise<void> {
    if (this.#closed) throw new TickwireError('CONN_CLOSED', 'binance: the adapter is closed');
    const name = binanceStreamName(channel, symbol, this.#o.depthSpeed);
    const known = this.#streams.get(name);
    if (known) {
      await this.#socket?.open();
      if (channel === 'book') await this.#books.get(symbol)?.synced;
      return;
    }
    this.#streams.set(name, { channel, symbol });
    if (channel === 'trades') this.#tradeSymbols.add(symbol);
    let st: BookState | undefined;
    if (channel === 'book') this.#books.set(symbol, (st = new BookState(symbol)));
    try {
      if (!this.#socket) {
        this.#urlStreams = [name];
        this.#socket = this.#newSocket(binanceCombinedUrl(this.#o.url, [name]));
        await this.#socket.open();
      } else {
        await this.#socket.open();
        await this.#send('SUBSCRIBE', [name]);
      }
    } catch (e) {
      this.#streams.delete(name);
      if (channel === 'trades') this.#tradeSymbols.delete(symbol);
      if (st) this.#books.delete(symbol);
      if (this.#socket && this.#urlStreams.includes(name) && !this.#socket.isOpen) {
        // The first connection failed: the next subscribe starts over.
        this.#socket = null;
        this.#urlStreams = [];
      }
      throw e;
    }
    if (st) {
      void this.#fetch(st);
      await st.synced;
    }
  }

  async unsubscribe(channel: Channel, symbol: string): Promise<void> {
    const name = binanceStreamName(channel, symbol, this.#o.depthSpeed);
    if (!this.#streams.delete(name)) return;
    if (channel === 'trades') this.#tradeSymbols.delete(symbol);
    if (channel === 'book') {
      const st = this.#books.get(symbol);
      this.#books.delete(symbol);
      st?.rejectSynced(new TickwireError('CONN_CLOSED', `binance: ${symbol} book unsubscribed`));
    }
    if (this.#socket?.isOpen) await this.#send('UNSUBSCRIBE', [name]);
  }

  #newSocket(url: string): VenueSocket {
    return new VenueSocket(
      'binance',
      'market',
      url,
      this.#o.connect,
      {
        message: (text, recvTs) => this.#message(text, recvTs),
        ...(this.#o.fastParse ? { bytes: (data: Uint8Array, recvTs: number) => this.#bytes(data, recvTs) } : {}),
        dropped: (cause, final) => {
          this.#control.rejectAll(new TickwireError('CONN_CLOSED', `binance market: connection lost: ${cause.message}`, { cause }));
          for (const st of this.#books.values()) {
            st.sync.invalidate();
            if (final) st.rejectSynced(cause);
          }
        },
        reopened: () => this.#resubscribe(),
      },
      this.#sink,
    );
  }

  #resubscribe(): void {
    const stale = this.#urlStreams.filter((s) => !this.#streams.has(s));
    const missing = [...this.#streams.keys()].filter((s) => !this.#urlStreams.includes(s));
    const report = (e: unknown): void => this.#sink.error(asTickwireError(e));
    if (stale.length) this.#send('UNSUBSCRIBE', stale).catch(report);
    const ready = missing.length ? this.#send('SUBSCRIBE', missing) : Promise.resolve();
    ready.then(() => {
      for (const st of this.#books.values()) void this.#fetch(st);
    }, report);
  }

  /**
   * Sends a SUBSCRIBE / UNSUBSCRIBE and waits for its confirmation. Requests of the same method
   * queued together go out as one message, and control messages are spaced
   * CONTROL_INTERVAL_MS apart: Binance disconnects a client that sends more than 5 messages a
   * second (pings and pongs included).
   */
  #send(method: 'SUBSCRIBE' | 'UNSUBSCRIBE', params: string[]): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const last = this.#queue.at(-1);
      if (last && last.method === method && !last.sent) {
        last.params.push(...params);
        last.waiters.push({ resolve, reject });
      } else {
        this.#queue.push({ method, params: [...params], waiters: [{ resolve, reject }], sent: false });
      }
      this.#pump();
    });
  }

  #pump(): void {
    if (this.#pumpTimer) return;
    const batch = this.#queue.find((b) => !b.sent);
    if (!batch) return;
    const wait = this.#lastControlAt + CONTROL_INTERVAL_MS - Date.now();
    if (wait > 0) {
      this.#pumpTimer = setTimeout(() => {
        this.#pumpTimer = null;
        this.#pump();
      }, wait);
      this.#pumpTimer.unref();
      return;
    }
    batch.sent = true;
    this.#lastControlAt = Date.now();
    void this.#sendBatch(batch).finally(() => {
      this.#queue.splice(this.#queue.indexOf(batch), 1);
    });
    this.#pump();
  }

  async #sendBatch(batch: ControlBatch): Promise<void> {
    const { method, params } = batch;
    const what = `binance ${method} ${params.join(',')}`;
    let err: TickwireError | null = null;
    try {
      const socket = this.#socket;
      if (!socket) throw new TickwireError('WS_NOT_OPEN', 'binance market: not connected');
      const id = this.#nextId++;
      const p = this.#control.add(String(id), what);
      try {
        socket.send(JSON.stringify({ method, params, id }));
      } catch (e) {
        this.#control.reject(String(id), e as TickwireError);
      }
      const r = await p;
      const refused = r.error ?? (r.code !== undefined ? { code: r.code, msg: r.msg ?? '' } : undefined);
      if (refused) {
        err = new VenueError('VENUE_MESSAGE_INVALID', 'binance', `${what} refused: ${refused.code} ${refused.msg}`, {
          venueCode: refused.code,
          venueMessage: refused.msg,
        });
      }
    } catch (e) {
      err = asTickwireError(e);
    }
    for (const w of batch.waiters) {
      if (err) w.reject(err);
      else w.resolve();
    }
  }

  /** Nothing more to fetch for `st`: the adapter closed, the book was unsubscribed, or it is in sync. */
  #settled(st: BookState): boolean {
    return this.#closed || this.#books.get(st.symbol) !== st || st.sync.state === 'synced';
  }

  /** Fetches snapshots until the book is in sync (one loop per book at a time). */
  async #fetch(st: BookState): Promise<void> {
    if (st.fetching) return;
    st.fetching = true;
    try {
      for (let attempt = 0; ; attempt++) {
        if (this.#settled(st)) return;
        let snap: Awaited<ReturnType<BinanceExecution['depth']>>;
        try {
          snap = await this.#exec.depth(st.symbol, this.#o.depthLimit);
        } catch (e) {
          if (this.#closed) return;
          const err = asTickwireError(e);
          this.#sink.error(err);
          if (this.#exec.socket.isClosed) {
            // The WebSocket API connection is gone for good: no snapshot will come.
            st.rejectSynced(err);
            return;
          }
          await delay(retryDelayMs(attempt + 1));
          continue;
        }
        if (this.#settled(st)) return;
        const r = st.sync.snapshot(snap.lastUpdateId, snap);
        if (r.kind === 'applied') {
          this.#sink.book({
            venue: 'binance',
            symbol: st.symbol,
            snapshot: true,
            resynced: r.resynced,
            bids: st.book.depth('bid'),
            asks: st.book.depth('ask'),
            sequence: st.sync.updateId,
            book: st.book,
            venueTs: null,
            recvTs: receiveTime(),
          });
          st.resolveSynced();
          return;
        }
        if (r.kind === 'gap') this.#sink.error(sequenceGapError(r, `binance ${st.symbol} book`));
        // 'retry': the snapshot is older than the buffered stream; ask again shortly.
        else await delay(Math.min(1000, 20 * (attempt + 1)));
      }
    } finally {
      st.fetching = false;
    }
  }

  #message(text: string, recvTs: number): void {
    const m = asObject(JSON.parse(text) as unknown, 'stream message');
    const stream = m.stream;
    if (typeof stream === 'string') {
      const sub = this.#streams.get(stream);
      if (!sub) {
        if (stream === '!serverShutdown') return; // the transport reconnects when the server closes
        if (/@(trade|depth|bookTicker)/.test(stream)) return; // just unsubscribed
        throw invalidMessage('binance', `message of unknown stream '${stream}'`, text);
      }
      switch (sub.channel) {
        case 'trades':
          this.#sink.trade(parseTrade(m.data, recvTs));
          return;
        case 'ticker':
          this.#sink.ticker(parseBookTicker(m.data, recvTs));
          return;
        case 'book':
          this.#depth(parseDepthUpdate(m.data), recvTs);
          return;
      }
    }
    if (m.id !== undefined && ('result' in m || 'code' in m || 'error' in m)) {
      if (!this.#control.resolve(String(m.id as string | number), m as unknown as BinanceStreamResponse) && m.result === undefined) {
        throw invalidMessage('binance', 'unsolicited error', text);
      }
      return;
    }
    throw invalidMessage('binance', 'unexpected stream message', text);
  }

  /** The fast path: trades and depth updates from the bytes; false sends the message down the general path. */
  #bytes(data: Uint8Array, recvTs: number): boolean {
    const ev = fastParse(data, recvTs);
    if (ev === null) return false;
    if (isFastTrade(ev)) {
      if (this.#tradeSymbols.has(ev.symbol)) this.#sink.trade(ev);
    } else this.#depth(ev, recvTs);
    return true;
  }

  #depth(e: ParsedDepthUpdate, recvTs: number): void {
    const st = this.#books.get(e.symbol);
    if (!st) return;
    const r = st.sync.delta(e);
    switch (r.kind) {
      case 'applied':
        this.#sink.book({
          venue: 'binance',
          symbol: e.symbol,
          snapshot: false,
          resynced: r.resynced,
          bids: e.bids,
          asks: e.asks,
          sequence: e.u,
          book: st.book,
          venueTs: e.E,
          recvTs,
        });
        return;
      case 'gap':
        this.#sink.error(sequenceGapError(r, `binance ${e.symbol} book`));
        void this.#fetch(st);
        return;
      case 'buffered':
        void this.#fetch(st);
        return;
      default:
        return;
    }
  }

  async close(): Promise<void> {
    this.#closed = true;
    if (this.#pumpTimer) clearTimeout(this.#pumpTimer);
    this.#pumpTimer = null;
    const closed = new TickwireError('CONN_CLOSED', 'binance market: the adapter was closed');
    for (const b of this.#queue.splice(0)) if (!b.sent) for (const w of b.waiters) w.reject(closed);
    this.#control.rejectAll(new TickwireError('CONN_CLOSED', 'binance market: the adapter was closed'));
    for (const st of this.#books.values()) st.rejectSynced(new TickwireError('CONN_CLOSED', 'binance: the adapter was closed'));
    await this.#socket?.close();
  }
}
