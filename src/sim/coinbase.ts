/**
 * Coinbase Advanced Trade market data, simulated: the venue's WebSocket on `/` of one port
 * (wss://advanced-trade-ws.coinbase.com has no path).
 *
 * Client → server: `{"type":"subscribe"|"unsubscribe","product_ids":[…],"channel":…}`, one
 * channel per message: `level2`, `market_trades`, `ticker`, `heartbeats` (a `jwt` field is
 * accepted and ignored: none of these channels needs one). Products are `<base>-<quote>` of the
 * market's symbols (`BTC-USDT`, `ETH-USDT` by default). A connection that subscribes to nothing
 * within 5 s is closed, as Coinbase does. Unknown channels, unknown products and unreadable
 * requests are answered with `{"type":"error","message":…}`.
 *
 * Server → client: envelopes `{"channel","client_id":"","timestamp","sequence_num","events"}`,
 * `sequence_num` counting from 0 per connection, +1 per message across all channels. Each
 * subscribe/unsubscribe is answered by a `subscriptions` message listing what the connection is
 * subscribed to now; a `level2` subscribe then sends the full book (`l2_data` snapshot), every
 * market update that changed levels sends an `l2_data` update with the new absolute sizes (a
 * subscribe to a product already subscribed sends a fresh snapshot); `market_trades` sends the
 * last 50 trades as a snapshot, then each trade; `ticker` sends the current ticker, then one
 * each time the top of book changes; `heartbeats` one message per second with a counter.
 *
 * Faults: skipSequence(symbol) withholds the next l2 update of the symbol but consumes its
 * `sequence_num` on every connection subscribed to it (the client sees the gap, and its book
 * really is stale); malformed('json') sends an unreadable message (no sequence number used),
 * malformed('shape') a `market_trades` envelope with a valid `sequence_num` and a broken trade;
 * drop and silence act in the server core.
 */
import type { MalformedKind } from './faults.js';
import type { SimSymbol, SimTrade, SimUpdate } from './market.js';
import { parseRequest } from './request.js';
import type { SimClient, SimContext, SimVenue, SimVenueFactory } from './server.js';

export interface CoinbaseSimOptions {
  /** Close a connection that has not subscribed after this long; 0 = never. Default 5000 (Coinbase). */
  subscribeTimeoutMs?: number;
  /** Heartbeats period. Default 1000 (Coinbase). */
  heartbeatIntervalMs?: number;
}

const CHANNELS = new Set(['level2', 'market_trades', 'ticker', 'heartbeats']);
const RECENT_TRADES = 50;

interface ClientState {
  /** The next sequence_num. */
  seq: number;
  /** Channel → products. */
  subs: Map<string, Set<string>>;
  heartbeats: number;
  subscribeTimer: NodeJS.Timeout | null;
}

interface Stats {
  last: number | null;
  volume: number;
  low: number | null;
  high: number | null;
  open: number | null;
  recent: string[];
  top: string;
}

/** RFC 3339 with nanoseconds, as Coinbase prints it. */
const iso = (ms: number): string => `${new Date(ms).toISOString().slice(0, -1)}000000Z`;

/** A SimVenueFactory with non-default options (e.g. for tests). */
export function coinbaseSimVenue(options: CoinbaseSimOptions = {}): SimVenueFactory {
  return (ctx) => createCoinbaseSim(ctx, options);
}

/** The registered factory (`--venue coinbase`). */
export const coinbaseVenue: SimVenueFactory = (ctx) => createCoinbaseSim(ctx, {});

function createCoinbaseSim(ctx: SimContext, options: CoinbaseSimOptions): SimVenue {
  const { market, faults } = ctx;
  const subscribeTimeoutMs = options.subscribeTimeoutMs ?? 5000;
  const heartbeatIntervalMs = options.heartbeatIntervalMs ?? 1000;
  const state = new Map<SimClient, ClientState>();
  /** Product id → symbol. */
  const products = new Map<string, SimSymbol>();
  for (const sym of market.symbols.values()) products.set(`${sym.spec.base}-${sym.spec.quote}`, sym);
  const productOf = (sym: SimSymbol): string => `${sym.spec.base}-${sym.spec.quote}`;
  const stats = new Map<string, Stats>();
  for (const sym of market.symbols.values()) stats.set(sym.key, { last: null, volume: 0, low: null, high: null, open: null, recent: [], top: '' });
  let heartbeatTimer: NodeJS.Timeout | null = null;

  function send(client: SimClient, st: ClientState, channel: string, events: string): void {
    const seq = st.seq++;
    client.send(`{"channel":"${channel}","client_id":"","timestamp":"${iso(Date.now())}","sequence_num":${seq},"events":${events}}`);
  }

  /** Clients subscribed to `channel` for `product`. */
  function subscribers(channel: string, product: string): Array<[SimClient, ClientState]> {
    const out: Array<[SimClient, ClientState]> = [];
    for (const [c, st] of state) if (st.subs.get(channel)?.has(product)) out.push([c, st]);
    return out;
  }

  // ---- payloads ------------------------------------------------------------------------------

  const level = (sym: SimSymbol, side: 'bid' | 'offer', price: number, qty: number, time: string): string =>
    `{"side":"${side}","event_time":"${time}","price_level":"${sym.price(price)}","new_quantity":"${sym.qty(qty)}"}`;

  function snapshotEvent(sym: SimSymbol): string {
    const snap = sym.snapshot();
    const time = iso(Date.now());
    const updates = [...snap.bids.map(([p, q]) => level(sym, 'bid', p, q, time)), ...snap.asks.map(([p, q]) => level(sym, 'offer', p, q, time))];
    return `[{"type":"snapshot","product_id":"${productOf(sym)}","updates":[${updates.join(',')}]}]`;
  }

  const tradeJson = (sym: SimSymbol, t: SimTrade): string =>
    `{"trade_id":"${t.id}","product_id":"${productOf(sym)}","price":"${sym.price(t.price)}","size":"${sym.qty(t.qty)}","side":"${t.takerSide === 'buy' ? 'BUY' : 'SELL'}","time":"${iso(t.time)}"}`;

  function tickerEvent(sym: SimSymbol, type: 'snapshot' | 'update'): string {
    const s = stats.get(sym.key) as Stats;
    const bid = sym.bestBid() ?? 0;
    const ask = sym.bestAsk() ?? 0;
    const last = s.last ?? sym.mid;
    const open = s.open ?? last;
    const chg = open > 0 ? (((last - open) / open) * 100).toFixed(8) : '0';
    const p = (ticks: number | null): string => sym.price(ticks ?? last);
    return (
      `[{"type":"${type}","tickers":[{"type":"ticker","product_id":"${productOf(sym)}","price":"${p(last)}",` +
      `"volume_24_h":"${sym.qty(s.volume)}","low_24_h":"${p(s.low)}","high_24_h":"${p(s.high)}","low_52_w":"${p(s.low)}",` +
      `"high_52_w":"${p(s.high)}","price_percent_chg_24_h":"${chg}","best_bid":"${sym.price(bid)}",` +
      `"best_bid_quantity":"${sym.qty(sym.bids.get(bid) ?? 0)}","best_ask":"${sym.price(ask)}","best_ask_quantity":"${sym.qty(sym.asks.get(ask) ?? 0)}"}]}]`
    );
  }

  function subscriptionsEvent(st: ClientState): string {
    const subs: Record<string, string[]> = {};
    for (const [channel, set] of st.subs) if (set.size || channel === 'heartbeats') subs[channel] = [...set];
    return JSON.stringify([{ subscriptions: subs }]);
  }

  // ---- market → clients ----------------------------------------------------------------------

  market.on('update', (u: SimUpdate) => {
    const sym = market.get(u.symbol) as SimSymbol;
    const product = productOf(sym);
    const s = stats.get(u.symbol) as Stats;
    if (u.trades.length) {
      for (const t of u.trades) {
        s.last = t.price;
        s.open ??= t.price;
        s.volume += t.qty;
        s.low = s.low === null ? t.price : Math.min(s.low, t.price);
        s.high = s.high === null ? t.price : Math.max(s.high, t.price);
        s.recent.unshift(tradeJson(sym, t));
      }
      if (s.recent.length > RECENT_TRADES) s.recent.length = RECENT_TRADES;
      const subs = subscribers('market_trades', product);
      if (subs.length) {
        const events = `[{"type":"update","trades":[${u.trades.map((t) => tradeJson(sym, t)).join(',')}]}]`;
        for (const [c, st] of subs) send(c, st, 'market_trades', events);
      }
    }
    if (u.bids.length || u.asks.length) {
      // The skip-sequence fault: the update is not sent, its sequence number is used up anyway.
      const skip = faults.take('skip', u.symbol);
      const subs = subscribers('level2', product);
      if (subs.length) {
        const time = iso(u.time);
        const updates = [...u.bids.map(([p, q]) => level(sym, 'bid', p, q, time)), ...u.asks.map(([p, q]) => level(sym, 'offer', p, q, time))];
        const events = `[{"type":"update","product_id":"${product}","updates":[${updates.join(',')}]}]`;
        for (const [c, st] of subs) {
          if (skip) st.seq++;
          else send(c, st, 'l2_data', events);
        }
      }
    }
    const bid = sym.bestBid();
    const ask = sym.bestAsk();
    const top = `${bid}:${sym.bids.get(bid ?? 0)}:${ask}:${sym.asks.get(ask ?? 0)}`;
    if (top !== s.top) {
      s.top = top;
      const subs = subscribers('ticker', product);
      if (subs.length) {
        const events = tickerEvent(sym, 'update');
        for (const [c, st] of subs) send(c, st, 'ticker', events);
      }
    }
  });

  function heartbeats(): void {
    let any = false;
    for (const [c, st] of state) {
      if (!st.subs.has('heartbeats')) continue;
      any = true;
      const now = Date.now();
      const current = `${new Date(now).toISOString().replace('T', ' ').slice(0, -1)}000000 +0000 UTC`;
      send(c, st, 'heartbeats', `[{"current_time":"${current}","heartbeat_counter":${st.heartbeats++}}]`);
    }
    if (!any && heartbeatTimer) {
      clearInterval(heartbeatTimer);
      heartbeatTimer = null;
    }
  }

  // ---- client → server -----------------------------------------------------------------------

  const error = (client: SimClient, message: string): void => void client.send(JSON.stringify({ type: 'error', message }));

  function request(client: SimClient, st: ClientState, text: string): void {
    const req = parseRequest(text);
    if (!req) return error(client, 'failure to parse json');
    if (req.type !== 'subscribe' && req.type !== 'unsubscribe') return error(client, `unknown message type ${JSON.stringify(req.type)}`);
    const channel = req.channel;
    if (typeof channel !== 'string' || !CHANNELS.has(channel)) return error(client, `Failed to subscribe: unknown channel ${JSON.stringify(channel)}`);
    const ids = req.product_ids ?? [];
    if (!Array.isArray(ids) || ids.some((p) => typeof p !== 'string')) return error(client, 'Failed to subscribe: product_ids must be a list of strings');
    if (channel !== 'heartbeats') {
      if (ids.length === 0) return error(client, `Failed to subscribe: ${channel} needs product_ids`);
      const unknown = (ids as string[]).find((p) => !products.has(p));
      if (unknown !== undefined) return error(client, `Failed to subscribe: unknown product id ${unknown}`);
    }
    if (st.subscribeTimer) clearTimeout(st.subscribeTimer);
    st.subscribeTimer = null;
    let set = st.subs.get(channel);
    if (req.type === 'unsubscribe') {
      if (channel === 'heartbeats') st.subs.delete(channel);
      else for (const p of ids as string[]) set?.delete(p);
      send(client, st, 'subscriptions', subscriptionsEvent(st));
      return;
    }
    if (!set) st.subs.set(channel, (set = new Set()));
    for (const p of ids as string[]) set.add(p);
    send(client, st, 'subscriptions', subscriptionsEvent(st));
    for (const p of ids as string[]) {
      const sym = products.get(p);
      if (!sym) continue;
      if (channel === 'level2') send(client, st, 'l2_data', snapshotEvent(sym));
      else if (channel === 'market_trades') send(client, st, 'market_trades', `[{"type":"snapshot","trades":[${(stats.get(sym.key) as Stats).recent.join(',')}]}]`);
      else if (channel === 'ticker') send(client, st, 'ticker', tickerEvent(sym, 'snapshot'));
    }
    if (channel === 'heartbeats' && !heartbeatTimer) {
      heartbeatTimer = setInterval(heartbeats, heartbeatIntervalMs);
      heartbeatTimer.unref();
    }
  }

  // ---- the SimVenue interface ----------------------------------------------------------------

  return {
    paths: ['/  (channels level2, market_trades, ticker, heartbeats)'],

    route(url) {
      return url.pathname === '/' ? null : { status: 404, message: 'Not Found' };
    },

    connection(client) {
      const st: ClientState = { seq: 0, subs: new Map(), heartbeats: 0, subscribeTimer: null };
      if (subscribeTimeoutMs > 0) {
        st.subscribeTimer = setTimeout(() => {
          if (st.subs.size === 0) client.ws.close(1008, 'no subscribe within 5 s');
        }, subscribeTimeoutMs);
        st.subscribeTimer.unref();
      }
      state.set(client, st);
      client.ws.on('message', (data, isBinary) => {
        if (!isBinary) request(client, st, String(data));
      });
      client.ws.on('close', () => {
        if (st.subscribeTimer) clearTimeout(st.subscribeTimer);
        state.delete(client);
      });
    },

    malformed(kind: MalformedKind) {
      for (const [c, st] of state) {
        if (st.subs.size === 0) continue;
        if (kind === 'json') {
          c.send(`{"channel":"market_trades","client_id":"","timestamp":"${iso(Date.now())}","sequence_num":`);
          continue;
        }
        const product = [...(st.subs.get('market_trades') ?? st.subs.get('level2') ?? [])][0] ?? 'BTC-USDT';
        send(c, st, 'market_trades', `[{"type":"update","trades":[{"trade_id":7,"product_id":"${product}","price":"not-a-price","size":null,"side":"MAYBE","time":"later"}]}]`);
      }
    },
  };
}
