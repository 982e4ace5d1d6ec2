/**
 * Kraken spot WebSocket v2, simulated: the venue's real path on one port.
 *
 * | path | what |
 * | --- | --- |
 * | `/v2` | public and private methods on one connection (Kraken splits them between `ws.kraken.com/v2` and `ws-auth.kraken.com/v2`; on one port both are served on `/v2`) |
 *
 * Methods: `ping` → `pong`; `subscribe` / `unsubscribe` for the channels `book` (depth 10, 25,
 * 100, 500, 1000), `trade`, `ticker` (`event_trigger` `bbo` or `trades`), `instrument`; private
 * `add_order`, `cancel_order` and the `executions` channel (with `token`; order state changes and
 * fills of the token's account). On connect: a `status` message; while subscribed and
 * idle: `{"channel":"heartbeat"}` once a second.
 *
 * Symbols are `BASE/QUOTE` (the market's `BTCUSDT` is `BTC/USDT`); prices and quantities are JSON
 * numbers. Book messages carry Kraken's CRC32 checksum of the top 10 levels, computed here
 * independently of the client (integer ticks/lots as text, node:zlib crc32). Per subscribed depth
 * the module keeps the book a client sees (the top N levels): updates carry the changed levels of
 * that view; a level pushed out of the view by better ones gets no qty-0 message, as on Kraken
 * (clients truncate to their depth).
 *
 * Tokens: a real token comes from the REST call `POST /0/private/GetWebSocketsToken`; this
 * simulator serves that call on the same port with Kraken's REST authentication (`API-Key`,
 * `API-Sign` = base64 HMAC-SHA512, keyed with the base64-decoded secret, of the URI path followed
 * by SHA-256(nonce + POST data); nonces must increase per key) and answers
 * `{"error":[],"result":{"token":…,"expires":900}}`. The token is {@link krakenSimToken}(apiKey,
 * secret), which WebSocket requests are checked against (node:crypto, constant time). A wrong
 * token is refused with `"success":false,"error":"EAPI:Invalid key"`.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { crc32 } from 'node:zlib';

import { TopOfBookView } from './book-view.js';
import type { MalformedKind } from './faults.js';
import type { SimSymbol, SimUpdate } from './market.js';
import { SimReject, type SimExecution, type SimOrder } from './matching.js';
import { parseRequest } from './request.js';
import type { SimClient, SimContext, SimVenue } from './server.js';

/** The WebSocket token the simulator accepts for `apiKey`/`secret` (base64 of an HMAC-SHA256). */
export function krakenSimToken(apiKey: string, secret: string): string {
  return createHmac('sha256', secret).update(`GetWebSocketsToken:${apiKey}`).digest('base64').replace(/=+$/, '');
}

const BOOK_DEPTHS = new Set([10, 25, 100, 500, 1000]);
const CHECKSUM_LEVELS = 10;

/** Integer ticks/lots → Kraken's JSON number text (`30000.1`, `0.00012`). */
function num(text: string): string {
  return text.includes('.') ? text.replace(/0+$/, '').replace(/\.$/, '') : text;
}

function rfc3339(ms: number): string {
  return new Date(ms).toISOString().replace('Z', '000Z');
}

/** Kraken's checksum of a view, computed from integer ticks/lots: `String(ticks)` is the price text without '.' and leading zeros. */
export function krakenSimChecksum(asks: Array<[number, number]>, bids: Array<[number, number]>): number {
  let s = '';
  for (const side of [asks, bids]) {
    for (let i = 0; i < Math.min(side.length, CHECKSUM_LEVELS); i++) {
      const [p, q] = side[i] as [number, number];
      s += String(p) + String(q);
    }
  }
  return crc32(s) >>> 0;
}

interface BookGroup {
  view: TopOfBookView;
  clients: Set<SimClient>;
}

interface ClientState {
  /** `book:<sym>:<depth>` / `trade:<sym>` / `ticker:<sym>:<trigger>` / `instrument`. */
  subs: Set<string>;
  /** The account of an `executions` subscription (null: none). */
  executions: string | null;
  /** Per-connection sequence of `executions` messages. */
  execSeq: number;
  lastSent: number;
  heartbeat: NodeJS.Timeout;
}

type Params = Record<string, unknown>;

/** An error answer to a request. */
class KrakenError extends Error {}

export function krakenVenue(ctx: SimContext): SimVenue {
  const { market, matching, faults } = ctx;
  const clients = new Map<SimClient, ClientState>();
  const books = new Map<string, BookGroup>();
  const channelSubs = new Map<string, Set<SimClient>>();
  /** Per symbol key: last trade price, traded volume, last top-of-book text for bbo tickers. */
  const stats = new Map<string, { last: number; volume: number; top: string }>();
  /** Kraken symbol ↔ market key. */
  const byName = new Map<string, SimSymbol>();
  for (const sym of market.symbols.values()) byName.set(`${sym.spec.base}/${sym.spec.quote}`, sym);
  const nameOf = (sym: SimSymbol): string => `${sym.spec.base}/${sym.spec.quote}`;
  /** Order accounts by token. */
  const tokens = [...ctx.credentials].map(([apiKey, secret]) => ({ apiKey, token: Buffer.from(krakenSimToken(apiKey, secret)) }));

  const send = (c: SimClient, text: string): void => {
    const st = clients.get(c);
    if (c.send(text) && st) st.lastSent = Date.now();
  };

  const px = (sym: SimSymbol, ticks: number): string => num(sym.price(ticks));
  const qx = (sym: SimSymbol, lots: number): string => num(sym.qty(lots));
  const levels = (sym: SimSymbol, ls: Array<[number, number]>): string => `[${ls.map(([p, q]) => `{"price":${px(sym, p)},"qty":${qx(sym, q)}}`).join(',')}]`;

  function bookMessage(sym: SimSymbol, type: 'snapshot' | 'update', bids: Array<[number, number]>, asks: Array<[number, number]>, checksum: number, time: number): string {
    const ts = type === 'update' ? `,"timestamp":"${rfc3339(time)}"` : '';
    return `{"channel":"book","type":"${type}","data":[{"symbol":"${nameOf(sym)}","bids":${levels(sym, bids)},"asks":${levels(sym, asks)},"checksum":${checksum}${ts}}]}`;
  }

  function tickerData(sym: SimSymbol): string {
    const bid = sym.bestBid() ?? 0;
    const ask = sym.bestAsk() ?? 0;
    const s = stats.get(sym.key) ?? { last: sym.mid, volume: 0, top: '' };
    return `{"symbol":"${nameOf(sym)}","bid":${px(sym, bid)},"bid_qty":${qx(sym, sym.bids.get(bid) ?? 0)},"ask":${px(sym, ask)},"ask_qty":${qx(
      sym,
      sym.asks.get(ask) ?? 0,
    )},"last":${px(sym, s.last)},"volume":${qx(sym, s.volume)},"vwap":${px(sym, s.last)},"low":${px(sym, s.last)},"high":${px(sym, s.last)},"change":0,"change_pct":0,"timestamp":"${rfc3339(Date.now())}"}`;
  }

  const publish = (key: string, text: string): void => {
    const set = channelSubs.get(key);
    if (set) for (const c of set) send(c, text);
  };

  market.on('update', (u: SimUpdate) => {
    const sym = market.get(u.symbol) as SimSymbol;
    const name = nameOf(sym);
    let s = stats.get(u.symbol);
    if (!s) stats.set(u.symbol, (s = { last: sym.mid, volume: 0, top: '' }));
    for (const t of u.trades) {
      s.last = t.price;
      s.volume += t.qty;
      publish(
        `trade:${u.symbol}`,
        `{"channel":"trade","type":"update","data":[{"symbol":"${name}","side":"${t.takerSide}","price":${px(sym, t.price)},"qty":${qx(sym, t.qty)},"ord_type":"${
          t.taker === null ? 'limit' : 'market'
        }","trade_id":${t.id},"timestamp":"${rfc3339(t.time)}"}]}`,
      );
    }
    if (u.trades.length) publish(`ticker:${u.symbol}:trades`, `{"channel":"ticker","type":"update","data":[${tickerData(sym)}]}`);
    const top = `${sym.bestBid()}:${sym.bids.get(sym.bestBid() ?? 0)}:${sym.bestAsk()}:${sym.asks.get(sym.bestAsk() ?? 0)}`;
    if (top !== s.top) {
      s.top = top;
      publish(`ticker:${u.symbol}:bbo`, `{"channel":"ticker","type":"update","data":[${tickerData(sym)}]}`);
    }
    // Book: the skip fault withholds this update from every depth (the views still move on).
    let groups = 0;
    for (const g of books.values()) if (g.view.sym === sym) groups++;
    if (groups === 0) return;
    const skip = faults.take('skip', u.symbol);
    const corrupt = !skip && faults.take('checksum', u.symbol);
    for (const g of books.values()) {
      if (g.view.sym !== sym) continue;
      const ch = g.view.advance();
      if (skip || (ch.bids.length === 0 && ch.asks.length === 0)) continue;
      const checksum = (krakenSimChecksum(g.view.asks, g.view.bids) ^ (corrupt ? 0x5a5a5a5a : 0)) >>> 0;
      const text = bookMessage(sym, 'update', ch.bids, ch.asks, checksum, u.time);
      for (const c of g.clients) send(c, text);
    }
  });

  // ---- requests ----------------------------------------------------------------------------

  const now = (): string => rfc3339(Date.now());

  function answer(c: SimClient, method: string, reqId: unknown, body: { result?: unknown; error?: string }, timeIn: string): void {
    const msg: Record<string, unknown> = { method };
    if (reqId !== undefined) msg.req_id = reqId;
    if (body.error !== undefined) {
      msg.success = false;
      msg.error = body.error;
    } else {
      msg.result = body.result;
      msg.success = true;
    }
    msg.time_in = timeIn;
    msg.time_out = now();
    send(c, JSON.stringify(msg));
  }

  function symbolsOf(p: Params): SimSymbol[] {
    const list = p.symbol;
    if (!Array.isArray(list) || list.length === 0) throw new KrakenError('EGeneral:Invalid arguments:symbol');
    return list.map((s) => {
      const sym = typeof s === 'string' ? byName.get(s) : undefined;
      if (!sym) throw new KrakenError(`EGeneral:Invalid arguments:symbol ${String(s)} not found`);
      return sym;
    });
  }

  function subscribe(c: SimClient, st: ClientState, p: Params, reqId: unknown, timeIn: string, on: boolean): void {
    const channel = p.channel;
    const method = on ? 'subscribe' : 'unsubscribe';
    if (channel === 'executions') {
      try {
        const acct = account(p);
        st.executions = on ? acct : null;
        answer(c, method, reqId, { result: { channel: 'executions', ...(on ? { snapshot: false } : {}) } }, timeIn);
      } catch (e) {
        if (!(e instanceof KrakenError)) throw e;
        answer(c, method, reqId, { error: e.message }, timeIn);
      }
      return;
    }
    if (channel === 'instrument') {
      if (on) st.subs.add('instrument');
      else st.subs.delete('instrument');
      answer(c, method, reqId, { result: { channel: 'instrument', snapshot: true } }, timeIn);
      if (on && p.snapshot !== false) send(c, instrumentSnapshot());
      return;
    }
    if (channel !== 'book' && channel !== 'trade' && channel !== 'ticker') {
      answer(c, method, reqId, { error: 'Channel not found' }, timeIn);
      return;
    }
    let syms: SimSymbol[];
    try {
      syms = symbolsOf(p);
    } catch (e) {
      answer(c, method, reqId, { error: (e as Error).message }, timeIn);
      return;
    }
    const depth = p.depth === undefined ? 10 : p.depth;
    if (channel === 'book' && (typeof depth !== 'number' || !BOOK_DEPTHS.has(depth))) {
      answer(c, method, reqId, { error: 'EGeneral:Invalid arguments:depth' }, timeIn);
      return;
    }
    const trigger = p.event_trigger === undefined ? 'trades' : p.event_trigger;
    if (channel === 'ticker' && trigger !== 'bbo' && trigger !== 'trades') {
      answer(c, method, reqId, { error: 'EGeneral:Invalid arguments:event_trigger' }, timeIn);
      return;
    }
    for (const sym of syms) {
      const key = channel === 'book' ? `book:${sym.key}:${String(depth)}` : channel === 'trade' ? `trade:${sym.key}` : `ticker:${sym.key}:${String(trigger)}`;
      const name = nameOf(sym);
      // One ack per symbol, as Kraken sends.
      if (on && st.subs.has(key)) {
        answer(c, method, reqId, { error: 'Already subscribed' }, timeIn);
        continue;
      }
      if (!on && !st.subs.has(key)) {
        answer(c, method, reqId, { error: 'Subscription Not Found' }, timeIn);
        continue;
      }
      const result: Record<string, unknown> = { channel, symbol: name };
      if (channel === 'book') result.depth = depth;
      if (channel === 'ticker') result.event_trigger = trigger;
      if (on) result.snapshot = p.snapshot !== false;
      answer(c, method, reqId, { result }, timeIn);
      if (on) {
        st.subs.add(key);
        if (channel === 'book') {
          let g = books.get(key);
          if (!g) books.set(key, (g = { view: new TopOfBookView(sym, depth as number), clients: new Set() }));
          g.clients.add(c);
          if (p.snapshot !== false) send(c, bookMessage(sym, 'snapshot', g.view.bids, g.view.asks, krakenSimChecksum(g.view.asks, g.view.bids), Date.now()));
        } else {
          let set = channelSubs.get(key);
          if (!set) channelSubs.set(key, (set = new Set()));
          set.add(c);
          if (channel === 'ticker' && p.snapshot !== false) send(c, `{"channel":"ticker","type":"snapshot","data":[${tickerData(sym)}]}`);
          if (channel === 'trade' && p.snapshot === true) send(c, `{"channel":"trade","type":"snapshot","data":[]}`);
        }
      } else {
        leave(c, st, key);
      }
    }
  }

  function leave(c: SimClient, st: ClientState, key: string): void {
    st.subs.delete(key);
    const g = books.get(key);
    if (g) {
      g.clients.delete(c);
      if (g.clients.size === 0) books.delete(key);
    }
    channelSubs.get(key)?.delete(c);
  }

  function instrumentSnapshot(): string {
    const pairs = [...market.symbols.values()].map((sym) => ({
      symbol: nameOf(sym),
      base: sym.spec.base,
      quote: sym.spec.quote,
      status: 'online',
      qty_precision: sym.spec.qtyDecimals,
      qty_increment: 10 ** -sym.spec.qtyDecimals,
      price_precision: sym.spec.priceDecimals,
      price_increment: 10 ** -sym.spec.priceDecimals,
      qty_min: 10 ** -sym.spec.qtyDecimals,
      marginable: false,
    }));
    const assets = [...new Set([...market.symbols.values()].flatMap((s) => [s.spec.base, s.spec.quote]))].map((id) => ({ id, status: 'enabled', precision: 10 }));
    return JSON.stringify({ channel: 'instrument', type: 'snapshot', data: { assets, pairs } });
  }

  /** The account whose token this is (compared in constant time); throws EAPI:Invalid key. */
  function account(p: Params): string {
    const token = p.token;
    if (typeof token !== 'string' || token === '') throw new KrakenError('EGeneral:Invalid arguments:token');
    const given = Buffer.from(token);
    for (const t of tokens) if (t.token.length === given.length && timingSafeEqual(t.token, given)) return t.apiKey;
    throw new KrakenError('EAPI:Invalid key');
  }

  /** A JSON number → integer units of `decimals` digits; throws unless exactly on the grid. */
  function units(v: unknown, decimals: number, name: string): number {
    if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) throw new KrakenError(`EGeneral:Invalid arguments:${name}`);
    const x = v * 10 ** decimals;
    const n = Math.round(x);
    if (Math.abs(x - n) > 1e-9 * Math.max(1, Math.abs(x)) || !Number.isSafeInteger(n) || n <= 0) {
      throw new KrakenError(`EGeneral:Invalid arguments:${name} precision`);
    }
    return n;
  }

  const orderIdText = (id: number): string => {
    const s = id.toString(36).toUpperCase().padStart(16, '0');
    return `O${s.slice(0, 5)}-${s.slice(5, 10)}-${s.slice(10)}`;
  };
  const orderIdOf = (text: string): number | undefined => {
    const m = /^O([0-9A-Z]{5})-([0-9A-Z]{5})-([0-9A-Z]{6})$/.exec(text);
    return m ? parseInt(`${m[1]}${m[2]}${m[3]}`, 36) : undefined;
  };

  function addOrder(p: Params): Record<string, unknown> {
    const acct = account(p);
    const sym = typeof p.symbol === 'string' ? byName.get(p.symbol) : undefined;
    if (!sym) throw new KrakenError('EQuery:Unknown asset pair');
    if (p.side !== 'buy' && p.side !== 'sell') throw new KrakenError('EGeneral:Invalid arguments:side');
    if (p.order_type !== 'limit' && p.order_type !== 'market') throw new KrakenError('EGeneral:Invalid arguments:order_type');
    const limit = p.order_type === 'limit';
    const tif = p.time_in_force === undefined ? 'gtc' : p.time_in_force;
    if (tif !== 'gtc' && tif !== 'ioc' && tif !== 'fok') throw new KrakenError('EGeneral:Invalid arguments:time_in_force');
    if (!limit && p.limit_price !== undefined) throw new KrakenError('EGeneral:Invalid arguments:limit_price');
    const price = limit ? units(p.limit_price, sym.spec.priceDecimals, 'limit_price') : null;
    const qty = units(p.order_qty, sym.spec.qtyDecimals, 'order_qty');
    const clOrdId = p.cl_ord_id;
    if (clOrdId !== undefined && (typeof clOrdId !== 'string' || clOrdId.length === 0 || clOrdId.length > 36)) throw new KrakenError('EGeneral:Invalid arguments:cl_ord_id');
    let order: SimOrder;
    try {
      order = matching.place({ account: acct, symbol: sym.key, side: p.side, type: limit ? 'limit' : 'market', timeInForce: tif, price, qty, ...(clOrdId === undefined ? {} : { clientOrderId: clOrdId }) });
    } catch (e) {
      if (e instanceof SimReject) throw new KrakenError(e.kind === 'duplicate' ? 'EOrder:Duplicate cl_ord_id' : `EOrder:${e.message}`);
      throw e;
    }
    const result: Record<string, unknown> = { order_id: orderIdText(order.orderId) };
    if (p.cl_ord_id !== undefined) result.cl_ord_id = clOrdId;
    return result;
  }

  function cancelOrder(p: Params): Record<string, unknown> {
    const acct = account(p);
    const byId = Array.isArray(p.order_id) ? (p.order_id as unknown[]) : [];
    const byCl = Array.isArray(p.cl_ord_id) ? (p.cl_ord_id as unknown[]) : [];
    if (byId.length + byCl.length !== 1) throw new KrakenError('EGeneral:Invalid arguments:order_id');
    const open = matching.openOrders(acct);
    let target: SimOrder | undefined;
    if (byId.length) {
      const id = typeof byId[0] === 'string' ? orderIdOf(byId[0]) : undefined;
      target = open.find((o) => o.orderId === id);
    } else target = open.find((o) => o.clientOrderId === byCl[0]);
    if (!target) throw new KrakenError('EOrder:Unknown order');
    const o = matching.cancel(acct, target.symbol, { orderId: target.orderId });
    const result: Record<string, unknown> = { order_id: orderIdText(o.orderId) };
    if (byCl.length) result.cl_ord_id = o.clientOrderId;
    return result;
  }

  const EXEC_TYPE: Record<SimExecution['type'], string> = { new: 'new', trade: 'trade', canceled: 'canceled', expired: 'expired' };

  matching.on('execution', (x: SimExecution) => {
    const o = x.order;
    const sym = market.get(o.symbol) as SimSymbol;
    const item: Record<string, unknown> = {
      exec_type: EXEC_TYPE[x.type],
      order_id: orderIdText(o.orderId),
      cl_ord_id: o.clientOrderId,
      symbol: nameOf(sym),
      side: o.side,
      order_type: o.type,
      order_qty: Number(sym.qty(o.qty)),
      order_status: o.status,
      time_in_force: o.timeInForce.toUpperCase(),
      cum_qty: Number(sym.qty(o.filled)),
      cum_cost: o.quote / 10 ** (sym.spec.priceDecimals + sym.spec.qtyDecimals),
      avg_price: o.filled > 0 ? Number((o.quote / o.filled / 10 ** sym.spec.priceDecimals).toFixed(sym.spec.priceDecimals)) : 0,
      timestamp: rfc3339(x.time),
    };
    if (o.price !== null) item.limit_price = Number(sym.price(o.price));
    const f = x.fill;
    if (f) {
      const cost = (f.price * f.qty) / 10 ** (sym.spec.priceDecimals + sym.spec.qtyDecimals);
      Object.assign(item, {
        exec_id: `T${o.orderId.toString(36).toUpperCase()}-${f.tradeId}`,
        trade_id: f.tradeId,
        last_qty: Number(sym.qty(f.qty)),
        last_price: Number(sym.price(f.price)),
        cost,
        liquidity_ind: f.maker ? 'm' : 't',
        fees: [{ asset: sym.spec.quote, qty: Number((cost * (f.maker ? 0.0016 : 0.0026)).toFixed(8)) }],
      });
    }
    for (const [c, st] of clients) {
      if (st.executions !== o.account) continue;
      send(c, JSON.stringify({ channel: 'executions', type: 'update', data: [item], sequence: ++st.execSeq }));
    }
  });

  function message(c: SimClient, st: ClientState, text: string): void {
    const timeIn = now();
    const req = parseRequest(text);
    if (!req) {
      send(c, JSON.stringify({ error: 'EGeneral:Invalid arguments', method: null, success: false, time_in: timeIn, time_out: now() }));
      return;
    }
    const reqId = req.req_id;
    const method = typeof req.method === 'string' ? req.method : '';
    const p = (typeof req.params === 'object' && req.params !== null ? req.params : {}) as Params;
    switch (method) {
      case 'ping':
        send(c, JSON.stringify({ method: 'pong', ...(reqId === undefined ? {} : { req_id: reqId }), time_in: timeIn, time_out: now() }));
        return;
      case 'subscribe':
      case 'unsubscribe':
        subscribe(c, st, p, reqId, timeIn, method === 'subscribe');
        return;
      case 'add_order':
      case 'cancel_order':
        try {
          answer(c, method, reqId, { result: method === 'add_order' ? addOrder(p) : cancelOrder(p) }, timeIn);
        } catch (e) {
          if (!(e instanceof KrakenError)) throw e;
          answer(c, method, reqId, { error: e.message }, timeIn);
        }
        return;
      default:
        answer(c, method, reqId, { error: 'Method not found' }, timeIn);
    }
  }

  let connectionId = 1_000_000;

  /** Last nonce per API key (REST). */
  const nonces = new Map<string, bigint>();

  /** `POST /0/private/GetWebSocketsToken` with Kraken's REST signature. */
  function tokenEndpoint(req: IncomingMessage, res: ServerResponse, path: string): void {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const reply = (status: number, body: unknown): void => {
        res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
      };
      const post = Buffer.concat(chunks).toString('utf8');
      const nonceText = new URLSearchParams(post).get('nonce') ?? '';
      const apiKey = req.headers['api-key'];
      const sign = req.headers['api-sign'];
      const secret = typeof apiKey === 'string' ? ctx.credentials.get(apiKey) : undefined;
      if (typeof apiKey !== 'string' || secret === undefined) return reply(200, { error: ['EAPI:Invalid key'] });
      if (!/^\d{1,20}$/.test(nonceText)) return reply(200, { error: ['EAPI:Invalid nonce'] });
      const expected = createHmac('sha512', Buffer.from(secret, 'base64'))
        .update(path)
        .update(createHash('sha256').update(nonceText + post).digest())
        .digest();
      const given = typeof sign === 'string' ? Buffer.from(sign, 'base64') : Buffer.alloc(0);
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) return reply(200, { error: ['EAPI:Invalid signature'] });
      const nonce = BigInt(nonceText);
      if (nonce <= (nonces.get(apiKey) ?? -1n)) return reply(200, { error: ['EAPI:Invalid nonce'] });
      nonces.set(apiKey, nonce);
      return reply(200, { error: [], result: { token: krakenSimToken(apiKey, secret), expires: 900 } });
    });
  }

  return {
    paths: ['/v2', 'POST /0/private/GetWebSocketsToken'],

    route(url) {
      return url.pathname === '/v2' ? null : { status: 404, message: 'Not Found' };
    },

    http(req, res, url) {
      if (url.pathname !== '/0/private/GetWebSocketsToken' || req.method !== 'POST') return false;
      tokenEndpoint(req, res, url.pathname);
      return true;
    },

    connection(client) {
      const st: ClientState = {
        subs: new Set(),
        executions: null,
        execSeq: 0,
        lastSent: Date.now(),
        heartbeat: setInterval(() => {
          if (st.subs.size > 0 && Date.now() - st.lastSent >= 1000) send(client, '{"channel":"heartbeat"}');
        }, 1000),
      };
      st.heartbeat.unref();
      clients.set(client, st);
      send(client, `{"channel":"status","type":"update","data":[{"version":"2.0.10","system":"online","api_version":"v2","connection_id":${connectionId++}}]}`);
      client.ws.on('message', (data, isBinary) => {
        if (!isBinary) message(client, st, String(data));
      });
      client.ws.on('close', () => {
        clearInterval(st.heartbeat);
        for (const key of [...st.subs]) leave(client, st, key);
        clients.delete(client);
      });
    },

    malformed(kind: MalformedKind) {
      for (const [c, st] of clients) {
        if (st.subs.size === 0) continue;
        send(c, kind === 'json' ? '{"channel":"trade","type":"upd' : '{"channel":"trade","type":"update","data":[{"symbol":7,"side":"sideways","price":"x","qty":null}]}');
      }
    },
  };
}
