/**
 * Hyperliquid, simulated: the venue's WebSocket on `/ws` of one port.
 *
 * On open the server sends the plain text `Websocket connection established.`, as Hyperliquid
 * does. Client → server: `{"method":"subscribe"|"unsubscribe","subscription":{…}}` with `type`
 * `l2Book` / `trades` / `bbo` (+ `coin`), `allMids`, or `userFills` / `userEvents` /
 * `orderUpdates` (+ `user`, a 0x address); each is confirmed by
 * `{"channel":"subscriptionResponse","data":{"method":…,"subscription":{…}}}`.
 * `{"method":"ping"}` → `{"channel":"pong"}`. `{"method":"post",…}` is answered with an error
 * response: the simulator does not verify EIP-712 signatures, so it takes no orders over the
 * wire. Bad requests get `{"channel":"error","data":"…"}`. A connection the server has heard
 * nothing from for 60 s is closed (Hyperliquid's idle rule).
 *
 * Coins are the market symbols' base assets (`BTC`, `ETH`). Data (`{"channel":…,"data":…}`):
 * `l2Book` the top 20 levels per side of the market book, sent on subscribe and then at most once
 * per `bookIntervalMs` (Hyperliquid: once per block, ≥ 0.5 s) while the book changes; `allMids`
 * with the same cadence; `trades` and `bbo` as they happen.
 *
 * User data: the matching engine's executions for an account are that address's `userFills`
 * (a snapshot of recent fills on subscribe, `isSnapshot: true`, then each new fill), `user`
 * (`{"fills":[…]}`) and `orderUpdates`. The demo address ({@link HYPERLIQUID_SIM_DEMO_ADDRESS})
 * quotes one small bid and ask at the touch of every coin (a demo market maker), so its fills
 * flow without order entry; tests can also call `server.matching.place({ account: address, … })`.
 *
 * Faults: skipSequence(symbol) withholds the next l2Book push of the coin (the one after heals
 * it: every push is a whole book); malformed('json'|'shape'); drop and silence act in the core.
 */
import { formatScaled } from '../exchanges/common/decimal.js';
import type { MalformedKind } from './faults.js';
import type { SimSymbol, SimTrade, SimUpdate } from './market.js';
import type { SimExecution } from './matching.js';
import { parseRequest } from './request.js';
import type { SimClient, SimContext, SimVenue, SimVenueFactory } from './server.js';

/** The address whose fills the simulator produces by itself. */
export const HYPERLIQUID_SIM_DEMO_ADDRESS = '0x5151000000000000000000000000000000005151';

export interface HyperliquidSimOptions {
  /** Close a connection the server heard nothing from for this long; 0 = never. Default 60 000. */
  idleTimeoutMs?: number;
  /** At most one l2Book / allMids push per coin this often; 0 = once per event-loop turn. Default 500. */
  bookIntervalMs?: number;
  /** The demo address quotes at the touch (its orders fill against the crowd's trades). Default true. */
  demoMaker?: boolean;
}

const LEVELS = 20;
const RECENT_FILLS = 100;
const CROWD = '0x0000000000000000000000000000000000000000';
const ADDRESS = /^0x[0-9a-fA-F]{40}$/;
const TAKER_FEE = 0.00045;
const MAKER_FEE = 0.00015;

interface ClientState {
  /** Subscription key → the subscription as confirmed. */
  subs: Map<string, Record<string, unknown>>;
  lastRx: number;
}

/** Hyperliquid prints numbers without trailing zeros ("30000", "0.5"). */
const strip = (text: string): string => (text.includes('.') ? text.replace(/\.?0+$/, '') : text);

const keyOf = (s: { type?: unknown; coin?: unknown; user?: unknown }): string =>
  `${String(s.type)}|${typeof s.coin === 'string' ? s.coin : ''}|${typeof s.user === 'string' ? s.user.toLowerCase() : ''}`;

/** A SimVenueFactory with non-default options (e.g. for tests). */
export function hyperliquidSimVenue(options: HyperliquidSimOptions = {}): SimVenueFactory {
  return (ctx) => createHyperliquidSim(ctx, options);
}

/** The registered factory (`--venue hyperliquid`). */
export const hyperliquidVenue: SimVenueFactory = (ctx) => createHyperliquidSim(ctx, {});

function createHyperliquidSim(ctx: SimContext, options: HyperliquidSimOptions): SimVenue {
  const { market, matching, faults } = ctx;
  const idleTimeoutMs = options.idleTimeoutMs ?? 60_000;
  const bookIntervalMs = options.bookIntervalMs ?? 500;
  const demoMaker = options.demoMaker ?? true;
  const state = new Map<SimClient, ClientState>();
  const coins = new Map<string, SimSymbol>();
  for (const sym of market.symbols.values()) coins.set(sym.spec.base, sym);
  const coinOf = (sym: SimSymbol): string => sym.spec.base;
  /** Recent fills per address (newest last), for the userFills snapshot. */
  const recentFills = new Map<string, string[]>();
  const tops = new Map<string, string>();
  const dirty = new Set<string>();
  let flushTimer: NodeJS.Timeout | NodeJS.Immediate | null = null;
  let lastFlush = 0;
  let idleTimer: NodeJS.Timeout | null = null;
  let nextCloid = 1;

  function publish(key: string, text: string): void {
    for (const [c, st] of state) if (st.subs.has(key)) c.send(text);
  }

  const subscribed = (key: string): boolean => {
    for (const st of state.values()) if (st.subs.has(key)) return true;
    return false;
  };

  // ---- payloads ------------------------------------------------------------------------------

  const px = (sym: SimSymbol, ticks: number): string => strip(sym.price(ticks));
  const sz = (sym: SimSymbol, lots: number): string => strip(sym.qty(lots));
  const lvl = (sym: SimSymbol, [p, q]: [number, number]): string => `{"px":"${px(sym, p)}","sz":"${sz(sym, q)}","n":${1 + (q % 5)}}`;

  function l2Book(sym: SimSymbol): string {
    const snap = sym.snapshot(LEVELS);
    return `{"channel":"l2Book","data":{"coin":"${coinOf(sym)}","time":${Date.now()},"levels":[[${snap.bids.map((l) => lvl(sym, l)).join(',')}],[${snap.asks.map((l) => lvl(sym, l)).join(',')}]]}}`;
  }

  function allMids(): string {
    const mids: Record<string, string> = {};
    for (const [coin, sym] of coins) {
      const bid = sym.bestBid();
      const ask = sym.bestAsk();
      if (bid === undefined || ask === undefined) continue;
      // (bid + ask) / 2 in half ticks: one more decimal than the price.
      mids[coin] = strip(formatScaled((bid + ask) * 5, sym.spec.priceDecimals + 1));
    }
    return JSON.stringify({ channel: 'allMids', data: { mids } });
  }

  const tradeJson = (sym: SimSymbol, t: SimTrade): string => {
    const taker = t.taker ?? CROWD;
    const [buyer, seller] = t.takerSide === 'buy' ? [taker, CROWD] : [CROWD, taker];
    return `{"coin":"${coinOf(sym)}","side":"${t.takerSide === 'buy' ? 'B' : 'A'}","px":"${px(sym, t.price)}","sz":"${sz(sym, t.qty)}","hash":"0x${t.id.toString(16).padStart(64, '0')}","time":${t.time},"tid":${t.id},"users":["${buyer}","${seller}"]}`;
  };

  // ---- market → clients ----------------------------------------------------------------------

  function flush(): void {
    flushTimer = null;
    lastFlush = Date.now();
    const syms = [...dirty];
    dirty.clear();
    for (const key of syms) {
      const sym = market.get(key) as SimSymbol;
      // The skip fault withholds one push; the next one is a whole book again.
      if (faults.take('skip', key)) continue;
      const sub = `l2Book|${coinOf(sym)}|`;
      if (subscribed(sub)) publish(sub, l2Book(sym));
    }
    if (syms.length && subscribed('allMids||')) publish('allMids||', allMids());
  }

  function schedule(): void {
    if (flushTimer) return;
    if (bookIntervalMs <= 0) flushTimer = setImmediate(flush);
    else {
      flushTimer = setTimeout(flush, Math.max(0, lastFlush + bookIntervalMs - Date.now()));
      flushTimer.unref();
    }
  }

  market.on('update', (u: SimUpdate) => {
    const sym = market.get(u.symbol) as SimSymbol;
    const coin = coinOf(sym);
    if (u.trades.length && subscribed(`trades|${coin}|`)) {
      publish(`trades|${coin}|`, `{"channel":"trades","data":[${u.trades.map((t) => tradeJson(sym, t)).join(',')}]}`);
    }
    if (u.bids.length || u.asks.length) {
      dirty.add(u.symbol);
      schedule();
    }
    const bid = sym.bestBid();
    const ask = sym.bestAsk();
    const bl = bid === undefined ? 'null' : lvl(sym, [bid, sym.bids.get(bid) ?? 0]);
    const al = ask === undefined ? 'null' : lvl(sym, [ask, sym.asks.get(ask) ?? 0]);
    const top = `${bl},${al}`;
    if (tops.get(coin) !== top) {
      tops.set(coin, top);
      if (subscribed(`bbo|${coin}|`)) publish(`bbo|${coin}|`, `{"channel":"bbo","data":{"coin":"${coin}","time":${u.time},"bbo":[${top}]}}`);
    }
    if (demoMaker) quote(sym);
  });

  /** The demo address keeps one small bid at the best bid and one ask at the best ask. */
  function quote(sym: SimSymbol): void {
    const open = matching.openOrders(HYPERLIQUID_SIM_DEMO_ADDRESS).filter((o) => o.symbol === sym.key);
    const bid = sym.bestBid();
    const ask = sym.bestAsk();
    for (const o of open) {
      const touch = o.side === 'buy' ? bid : ask;
      if (touch === undefined || o.price === null || Math.abs(o.price - touch) > 5) {
        matching.cancel(HYPERLIQUID_SIM_DEMO_ADDRESS, sym.key, { orderId: o.orderId });
      }
    }
    const left = matching.openOrders(HYPERLIQUID_SIM_DEMO_ADDRESS).filter((o) => o.symbol === sym.key);
    const qty = Math.max(1, Math.round(sym.levelLots / 10));
    for (const [side, price] of [
      ['buy', bid],
      ['sell', ask],
    ] as const) {
      if (price === undefined || left.some((o) => o.side === side)) continue;
      matching.place({
        account: HYPERLIQUID_SIM_DEMO_ADDRESS,
        symbol: sym.key,
        side,
        type: 'limit',
        timeInForce: 'gtc',
        price,
        qty,
        clientOrderId: `0x${(nextCloid++).toString(16).padStart(32, '0')}`,
      });
    }
  }

  // ---- user data -----------------------------------------------------------------------------

  matching.on('execution', (x: SimExecution) => {
    const o = x.order;
    const user = o.account.toLowerCase();
    if (!ADDRESS.test(user)) return;
    const sym = market.get(o.symbol) as SimSymbol;
    const coin = coinOf(sym);
    const side = o.side === 'buy' ? 'B' : 'A';
    const cloid = /^0x[0-9a-f]{32}$/.test(o.clientOrderId) ? `,"cloid":"${o.clientOrderId}"` : '';
    if (x.fill) {
      const f = x.fill;
      const notional = Number(sym.price(f.price)) * Number(sym.qty(f.qty));
      const fee = (notional * (f.maker ? MAKER_FEE : TAKER_FEE)).toFixed(6);
      const fill =
        `{"coin":"${coin}","px":"${px(sym, f.price)}","sz":"${sz(sym, f.qty)}","side":"${side}","time":${x.time},"startPosition":"0.0",` +
        `"dir":"${o.side === 'buy' ? 'Open Long' : 'Open Short'}","closedPnl":"0.0","hash":"0x${f.tradeId.toString(16).padStart(64, '0')}",` +
        `"oid":${o.orderId},"crossed":${!f.maker},"fee":"${strip(fee)}","tid":${f.tradeId},"feeToken":"USDC"${cloid}}`;
      let recent = recentFills.get(user);
      if (!recent) recentFills.set(user, (recent = []));
      recent.push(fill);
      if (recent.length > RECENT_FILLS) recent.shift();
      publish(`userFills||${user}`, `{"channel":"userFills","data":{"user":"${user}","isSnapshot":false,"fills":[${fill}]}}`);
      publish(`userEvents||${user}`, `{"channel":"user","data":{"fills":[${fill}]}}`);
    }
    const status = o.status === 'filled' ? 'filled' : o.status === 'canceled' || o.status === 'expired' ? 'canceled' : 'open';
    publish(
      `orderUpdates||${user}`,
      `{"channel":"orderUpdates","data":[{"order":{"coin":"${coin}","side":"${side}","limitPx":"${px(sym, o.price ?? 0)}","sz":"${sz(sym, o.qty - o.filled)}",` +
        `"oid":${o.orderId},"timestamp":${o.time},"origSz":"${sz(sym, o.qty)}"${cloid}},"status":"${status}","statusTimestamp":${x.time}}]}`,
    );
  });

  // ---- client → server -----------------------------------------------------------------------

  const error = (client: SimClient, data: string): void => void client.send(JSON.stringify({ channel: 'error', data }));

  function request(client: SimClient, st: ClientState, text: string): void {
    const req = parseRequest(text);
    if (!req) return error(client, `Error parsing JSON into valid websocket request: ${text.slice(0, 100)}`);
    switch (req.method) {
      case 'ping':
        client.send('{"channel":"pong"}');
        return;
      case 'post':
        client.send(
          JSON.stringify({
            channel: 'post',
            data: { id: req.id ?? null, response: { type: 'error', payload: 'the simulator does not verify EIP-712 signed actions: post is not supported' } },
          }),
        );
        return;
      case 'subscribe':
      case 'unsubscribe':
        break;
      default:
        return error(client, `Error parsing JSON into valid websocket request: ${text.slice(0, 100)}`);
    }
    const sub = req.subscription as Record<string, unknown> | undefined;
    const shown = JSON.stringify(sub ?? null);
    if (typeof sub !== 'object' || sub === null) return error(client, `Invalid subscription ${shown}`);
    switch (sub.type) {
      case 'allMids':
        break;
      case 'l2Book':
      case 'trades':
      case 'bbo':
        if (typeof sub.coin !== 'string' || !coins.has(sub.coin)) return error(client, `Invalid subscription ${shown}`);
        break;
      case 'userFills':
      case 'userEvents':
      case 'orderUpdates':
        if (typeof sub.user !== 'string' || !ADDRESS.test(sub.user)) return error(client, `Invalid subscription ${shown}`);
        break;
      default:
        return error(client, `Invalid subscription ${shown}`);
    }
    const key = keyOf(sub);
    if (req.method === 'unsubscribe') {
      if (!st.subs.delete(key)) return error(client, `Already unsubscribed: ${shown}`);
      client.send(JSON.stringify({ channel: 'subscriptionResponse', data: { method: 'unsubscribe', subscription: sub } }));
      return;
    }
    if (st.subs.has(key)) return error(client, `Already subscribed: ${shown}`);
    st.subs.set(key, sub);
    client.send(JSON.stringify({ channel: 'subscriptionResponse', data: { method: 'subscribe', subscription: sub } }));
    if (sub.type === 'l2Book') client.send(l2Book(coins.get(sub.coin as string) as SimSymbol));
    else if (sub.type === 'allMids') client.send(allMids());
    else if (sub.type === 'userFills') {
      const user = (sub.user as string).toLowerCase();
      client.send(`{"channel":"userFills","data":{"user":"${user}","isSnapshot":true,"fills":[${(recentFills.get(user) ?? []).join(',')}]}}`);
    }
  }

  function checkIdle(): void {
    if (faults.silent) return;
    const now = Date.now();
    for (const [c, st] of state) if (now - st.lastRx > idleTimeoutMs) c.ws.close(1000, 'idle');
    if (state.size === 0 && idleTimer) {
      clearInterval(idleTimer);
      idleTimer = null;
    }
  }

  // Nothing was read while silenced: the idle clock restarts when the server listens again.
  faults.on('silence', (on) => {
    if (!on) for (const st of state.values()) st.lastRx = Date.now();
  });

  // ---- the SimVenue interface ----------------------------------------------------------------

  return {
    paths: [`/ws  (user data of any address; demo address ${HYPERLIQUID_SIM_DEMO_ADDRESS} trades by itself)`],

    route(url) {
      return url.pathname === '/ws' ? null : { status: 404, message: 'Not Found' };
    },

    connection(client) {
      const st: ClientState = { subs: new Map(), lastRx: Date.now() };
      state.set(client, st);
      client.send('Websocket connection established.');
      if (idleTimeoutMs > 0 && !idleTimer) {
        idleTimer = setInterval(checkIdle, Math.max(10, Math.min(1000, Math.floor(idleTimeoutMs / 4))));
        idleTimer.unref();
      }
      client.ws.on('message', (data, isBinary) => {
        st.lastRx = Date.now();
        if (!isBinary) request(client, st, String(data));
      });
      client.ws.on('close', () => state.delete(client));
    },

    malformed(kind: MalformedKind) {
      for (const [c, st] of state) {
        if (st.subs.size === 0) continue;
        if (kind === 'json') c.send('{"channel":"trades","data":[{"coin":');
        else c.send('{"channel":"trades","data":[{"coin":"BTC","side":"X","px":"not-a-price","sz":null,"time":"later","tid":"x"}]}');
      }
    },
  };
}
