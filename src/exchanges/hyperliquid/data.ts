/**
 * Hyperliquid on one WebSocket: public `l2Book` (a whole book per push), `trades`, `bbo`,
 * `allMids`, and per user address `userFills` and `orderUpdates` (public data: an address needs
 * no signature to be watched).
 *
 * One subscription per message (`{"method":"subscribe","subscription":{…}}`), confirmed by a
 * `subscriptionResponse` echoing it. Keepalive: Hyperliquid closes a connection it has heard
 * nothing from for 60 s, so the adapter sends `{"method":"ping"}` (answered by
 * `{"channel":"pong"}`) every `pingIntervalMs` (default 50 s, as the official SDK). After a
 * reconnect every subscription is sent again; books are discarded on the drop, and the first push
 * on the new connection is emitted with `resynced: true`. Books need no sequence check (each push
 * replaces the book); a push older than the book (`time` lower) is dropped.
 */
import { OrderBook } from '../../book/order-book.js';
import { SequenceSync } from '../../book/sync.js';
import { TickwireError } from '../../native/errors.js';
import type { ConnectOptions } from '../../net/options.js';
import { SyncedBook } from '../common/book-state.js';
import { PendingRequests } from '../common/requests.js';
import { VenueSocket, type VenueSocketSink } from '../common/stream.js';
import type { BookUpdate, Fill, OrderUpdate, Ticker, Trade } from '../common/types.js';
import { asTickwireError, invalidMessage, VenueError } from '../common/venue.js';
import type { HyperliquidSubscription } from './messages.js';
import {
  asArray,
  asObject,
  parseAllMids,
  parseBbo,
  parseFill,
  parseL2Book,
  parseOrderUpdate,
  parseTrade,
  type HyperliquidMids,
} from './parse.js';

export interface HyperliquidStreamSink extends VenueSocketSink {
  trade(trade: Trade): void;
  book(update: BookUpdate): void;
  ticker(ticker: Ticker): void;
  mids(mids: HyperliquidMids): void;
  order(update: OrderUpdate): void;
  fill(fill: Fill): void;
}

export interface HyperliquidStreamOptions {
  url: string;
  connect: ConnectOptions;
  requestTimeoutMs: number;
  /** 0 = no application pings. */
  pingIntervalMs: number;
}

/** One subscribed book. */
class BookState extends SyncedBook {
  readonly book = new OrderBook();
  /** Fed the push `time`: tracks synced / resynced; stale pushes are filtered before it. */
  readonly sync = new SequenceSync({ mode: 'increasing' });

  constructor(readonly coin: string) {
    super();
  }
}

/** The key a subscription is known by: `type|coin|user` (user lower-case). */
export function subscriptionKey(s: { type?: unknown; coin?: unknown; user?: unknown }): string {
  const user = typeof s.user === 'string' ? s.user.toLowerCase() : '';
  return `${String(s.type)}|${typeof s.coin === 'string' ? s.coin : ''}|${user}`;
}

export class HyperliquidStream {
  readonly #o: HyperliquidStreamOptions;
  readonly #sink: HyperliquidStreamSink;
  /** Active subscriptions by key. */
  readonly #subs = new Map<string, HyperliquidSubscription>();
  readonly #books = new Map<string, BookState>();
  readonly #pending: PendingRequests<void>;
  #socket: VenueSocket | null = null;
  #opening: Promise<void> | null = null;
  #pingTimer: NodeJS.Timeout | null = null;
  #closed = false;
  #pongs = 0;

  constructor(options: HyperliquidStreamOptions, sink: HyperliquidStreamSink) {
    this.#o = options;
    this.#sink = sink;
    this.#pending = new PendingRequests(options.requestTimeoutMs);
  }

  book(coin: string): OrderBook | undefined {
    return this.#books.get(coin)?.book;
  }

  /** `{"channel":"pong"}` answers received so far (on every connection). */
  get pongs(): number {
    return this.#pongs;
  }

  /** Subscribes (once per key); resolves on the venue's confirmation, for `l2Book` once the first book is applied. */
  async subscribe(sub: HyperliquidSubscription): Promise<void> {
    if (this.#closed) throw new TickwireError('CONN_CLOSED', 'hyperliquid: the adapter is closed');
    const key = subscriptionKey(sub);
    if (this.#subs.has(key)) {
      await this.#pending.promise(key);
      if (sub.type === 'l2Book') await this.#books.get(sub.coin as string)?.synced;
      return;
    }
    this.#subs.set(key, sub);
    let st: BookState | undefined;
    if (sub.type === 'l2Book') this.#books.set(sub.coin as string, (st = new BookState(sub.coin as string)));
    try {
      await this.#open();
      const socket = this.#socket as VenueSocket;
      await socket.ready();
      const confirmed = this.#pending.add(key, `hyperliquid subscribe ${JSON.stringify(sub)}`);
      this.#send('subscribe', sub);
      await confirmed;
    } catch (e) {
      this.#subs.delete(key);
      if (st && this.#books.get(st.coin) === st) {
        this.#books.delete(st.coin);
        st.rejectSynced(e as TickwireError);
      }
      throw e;
    }
    if (st) await st.synced;
  }

  async unsubscribe(sub: HyperliquidSubscription): Promise<void> {
    const key = subscriptionKey(sub);
    const known = this.#subs.get(key);
    if (!known) return;
    this.#subs.delete(key);
    if (sub.type === 'l2Book') {
      const st = this.#books.get(sub.coin as string);
      this.#books.delete(sub.coin as string);
      st?.rejectSynced(new TickwireError('CONN_CLOSED', `hyperliquid: ${String(sub.coin)} book unsubscribed`));
    }
    if (this.#socket?.isOpen) this.#send('unsubscribe', known);
  }

  #open(): Promise<void> {
    if (!this.#opening) {
      const socket = new VenueSocket(
        'hyperliquid',
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
        () => this.#startPings(),
        (e: unknown) => {
          this.#socket = null;
          this.#opening = null;
          throw e;
        },
      );
    }
    return this.#opening;
  }

  #startPings(): void {
    if (this.#o.pingIntervalMs <= 0 || this.#pingTimer) return;
    this.#pingTimer = setInterval(() => {
      if (!this.#socket?.isOpen) return;
      try {
        this.#socket.send('{"method":"ping"}');
      } catch {
        /* reconnecting: the next tick tries again */
      }
    }, this.#o.pingIntervalMs);
    this.#pingTimer.unref();
  }

  #send(method: 'subscribe' | 'unsubscribe', subscription: HyperliquidSubscription): void {
    const socket = this.#socket;
    if (!socket) throw new TickwireError('WS_NOT_OPEN', 'hyperliquid: not connected');
    socket.send(JSON.stringify({ method, subscription }));
  }

  #dropped(cause: TickwireError, final: boolean): void {
    for (const st of this.#books.values()) {
      st.sync.invalidate();
      st.book.clear();
      if (final) st.rejectSynced(cause);
    }
    if (final) {
      this.#pending.rejectAll(new TickwireError('CONN_CLOSED', `hyperliquid: connection closed: ${cause.message}`, { cause }));
      if (this.#pingTimer) clearInterval(this.#pingTimer);
      this.#pingTimer = null;
    }
  }

  #reopened(): void {
    try {
      for (const sub of this.#subs.values()) this.#send('subscribe', sub);
    } catch (e) {
      this.#sink.error(asTickwireError(e));
    }
  }

  #message(text: string, recvTs: number): void {
    if (text.startsWith('Websocket connection established')) return;
    const m = asObject(JSON.parse(text) as unknown, 'message');
    const channel = m.channel;
    switch (channel) {
      case 'l2Book':
        this.#l2Book(m.data, recvTs);
        return;
      case 'trades':
        for (const raw of asArray(m.data, 'trades data')) {
          const t = parseTrade(raw, recvTs);
          if (this.#subs.has(`trades|${t.symbol}|`)) this.#sink.trade(t);
        }
        return;
      case 'bbo': {
        const t = parseBbo(m.data, recvTs);
        if (t && this.#subs.has(`bbo|${t.symbol}|`)) this.#sink.ticker(t);
        return;
      }
      case 'allMids':
        if (this.#subs.has('allMids||')) this.#sink.mids(parseAllMids(m.data, recvTs));
        return;
      case 'userFills': {
        const d = asObject(m.data, 'userFills data');
        const user = typeof d.user === 'string' ? d.user.toLowerCase() : '';
        const fills = asArray(d.fills, 'userFills fills').map((f) => parseFill(f, recvTs));
        // The first message of a subscription holds past fills: not emitted as new ones.
        if (d.isSnapshot === true || !this.#subs.has(`userFills||${user}`)) return;
        for (const f of fills) this.#sink.fill(f);
        return;
      }
      case 'orderUpdates':
        for (const raw of asArray(m.data, 'orderUpdates data')) this.#sink.order(parseOrderUpdate(raw, recvTs));
        return;
      case 'subscriptionResponse': {
        const d = asObject(m.data, 'subscriptionResponse data');
        if (d.method === 'subscribe') this.#pending.resolve(subscriptionKey(asObject(d.subscription, 'subscriptionResponse subscription')), undefined);
        return;
      }
      case 'pong':
        this.#pongs++;
        return;
      case 'error': {
        const msg = typeof m.data === 'string' ? m.data : JSON.stringify(m.data);
        const err = new VenueError('VENUE_MESSAGE_INVALID', 'hyperliquid', `hyperliquid: the venue answered with an error: ${msg}`, { venueMessage: msg });
        // Errors carry no request id: one names the subscription it refuses, if any is pending.
        for (const key of this.#pending.ids()) {
          const [type = '', coin = '', user = ''] = key.split('|');
          if (msg.includes(type) && msg.includes(coin) && msg.toLowerCase().includes(user)) {
            this.#pending.reject(key, err);
            return;
          }
        }
        throw err;
      }
      default:
        if (typeof channel !== 'string') throw invalidMessage('hyperliquid', 'message without a channel', text);
        return; // channels this adapter does not subscribe (post answers, notifications …)
    }
  }

  #l2Book(data: unknown, recvTs: number): void {
    const b = parseL2Book(data);
    const st = this.#books.get(b.coin);
    if (!st) return; // just unsubscribed
    if (st.sync.state === 'synced' && b.time < st.sync.last) return; // an older push than the book
    const r = st.sync.snapshot(b.time);
    st.book.applySnapshot(b);
    this.#sink.book({
      venue: 'hyperliquid',
      symbol: b.coin,
      snapshot: true,
      resynced: r.resynced,
      bids: b.bids,
      asks: b.asks,
      sequence: b.time,
      book: st.book,
      venueTs: b.time,
      recvTs,
    });
    st.resolveSynced();
  }

  async close(): Promise<void> {
    this.#closed = true;
    if (this.#pingTimer) clearInterval(this.#pingTimer);
    this.#pingTimer = null;
    this.#pending.rejectAll(new TickwireError('CONN_CLOSED', 'hyperliquid: the adapter was closed'));
    for (const st of this.#books.values()) st.rejectSynced(new TickwireError('CONN_CLOSED', 'hyperliquid: the adapter was closed'));
    await this.#socket?.close();
  }
}
