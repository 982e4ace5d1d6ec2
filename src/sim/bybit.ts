/**
 * Bybit v5, simulated: the venue's real paths on one port.
 *
 * | path | what |
 * | --- | --- |
 * | `/v5/public/spot` | `subscribe` / `unsubscribe` / `ping`; topics `orderbook.{1,50,200,1000}.{symbol}`, `publicTrade.{symbol}`, `tickers.{symbol}` |
 * | `/v5/trade` | `auth`, then `order.create` / `order.cancel` (spot), `ping` |
 * | `/v5/private` | `auth`, then `subscribe` to `order` / `execution`, `ping` |
 *
 * Books: per topic (symbol + depth) the module keeps the book a subscriber sees (the top N
 * levels) and publishes `delta`s of that view (qty "0" for every level that leaves it) with
 * `u` +1 per message and `seq` = the market's update id; a new subscriber gets a `snapshot` at the
 * topic's current `u` (a new topic starts at the market's update id, so `u` never goes back). Depth 1 is snapshot-only, as on Bybit. `restart()` simulates a service
 * restart: every topic starts again at `u = 1` with a fresh snapshot. The skip fault consumes a
 * `u` without sending the message (subscribers see a gap).
 *
 * Auth (`{"op":"auth","args":[apiKey, expires, signature]}`) is verified here with node:crypto:
 * `hex(HMAC_SHA256(secret, "GET/realtime" + expires))`, `expires` in ms and in the future.
 * Failures answer with Bybit's shape: trade stream `{"retCode":10004,"retMsg":"Invalid sign",
 * "op":"auth",…}` (10003 unknown key, 10002 expired), private stream `{"success":false,
 * "ret_msg":…,"op":"auth",…}`. Orders need an authenticated connection (else retCode 10003), the
 * header's `X-BAPI-TIMESTAMP` inside `[now - recvWindow, now + 1000)` (else 10002), a unique `reqId`
 * (else 20006), values on the symbol's grid (else 10001).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

import { TopOfBookView } from './book-view.js';
import type { MalformedKind } from './faults.js';
import type { SimSymbol, SimUpdate } from './market.js';
import { SimReject, type SimExecution, type SimOrder } from './matching.js';
import { parseRequest } from './request.js';
import type { SimClient, SimContext, SimVenue } from './server.js';

const BOOK_DEPTHS = new Set([1, 50, 200, 1000]);
const TOPIC = /^(orderbook)\.(\d+)\.([A-Z0-9]+)$|^(publicTrade|tickers)\.([A-Z0-9]+)$/;
const DECIMAL = /^\d+(\.\d+)?$/;

/** The Bybit simulator module, with its restart hook. */
export interface BybitSimVenue extends SimVenue {
  /** Simulates a service restart: every book topic starts again at u = 1 with a snapshot. */
  restart(): void;
}

interface BookTopic {
  view: TopOfBookView;
  u: number;
  clients: Set<SimClient>;
}

interface PublicState {
  kind: 'public';
  topics: Set<string>;
}

interface AuthState {
  kind: 'trade' | 'private';
  account: string | null;
  reqIds: Set<string>;
  topics: Set<string>;
}

class BybitError extends Error {
  constructor(
    readonly code: number,
    msg: string,
  ) {
    super(msg);
  }
}

type Obj = Record<string, unknown>;

export function bybitVenue(ctx: SimContext): BybitSimVenue {
  const { market, matching, faults } = ctx;
  const state = new Map<SimClient, PublicState | AuthState>();
  const books = new Map<string, BookTopic>();
  const topicSubs = new Map<string, Set<SimClient>>();
  const connIds = new Map<SimClient, string>();
  const volume = new Map<string, { last: number; volume: number; turnover: number }>();

  const connId = (c: SimClient): string => {
    let id = connIds.get(c);
    if (!id) connIds.set(c, (id = `sim-${c.id.toString(16).padStart(8, '0')}-${Date.now().toString(16)}`));
    return id;
  };

  const levels = (sym: SimSymbol, ls: Array<[number, number]>): string => `[${ls.map(([p, q]) => `["${sym.price(p)}","${sym.qty(q)}"]`).join(',')}]`;

  function bookMessage(topic: string, t: BookTopic, type: 'snapshot' | 'delta', bids: Array<[number, number]>, asks: Array<[number, number]>, time: number): string {
    const sym = t.view.sym;
    return `{"topic":"${topic}","ts":${Date.now()},"type":"${type}","data":{"s":"${sym.key}","b":${levels(sym, bids)},"a":${levels(sym, asks)},"u":${t.u},"seq":${sym.updateId}},"cts":${time}}`;
  }

  function publish(topic: string, text: string): void {
    const set = topicSubs.get(topic);
    if (set) for (const c of set) c.send(text);
  }

  function tickerText(sym: SimSymbol): string {
    const v = volume.get(sym.key) ?? { last: sym.mid, volume: 0, turnover: 0 };
    const last = sym.price(v.last);
    return `{"topic":"tickers.${sym.key}","ts":${Date.now()},"type":"snapshot","cs":${sym.updateId},"data":{"symbol":"${sym.key}","lastPrice":"${last}","highPrice24h":"${last}","lowPrice24h":"${last}","prevPrice24h":"${last}","volume24h":"${sym.qty(
      v.volume,
    )}","turnover24h":"${(v.turnover / 10 ** (sym.spec.priceDecimals + sym.spec.qtyDecimals)).toFixed(8)}","price24hPcnt":"0","usdIndexPrice":"${last}"}}`;
  }

  market.on('update', (u: SimUpdate) => {
    const sym = market.get(u.symbol) as SimSymbol;
    if (u.trades.length) {
      let v = volume.get(u.symbol);
      if (!v) volume.set(u.symbol, (v = { last: sym.mid, volume: 0, turnover: 0 }));
      const items = u.trades.map((t) => {
        v.last = t.price;
        v.volume += t.qty;
        v.turnover += t.price * t.qty;
        return `{"T":${t.time},"s":"${u.symbol}","S":"${t.takerSide === 'buy' ? 'Buy' : 'Sell'}","v":"${sym.qty(t.qty)}","p":"${sym.price(t.price)}","i":"${t.id}","BT":false,"RPI":false,"seq":${u.lastId}}`;
      });
      publish(`publicTrade.${u.symbol}`, `{"topic":"publicTrade.${u.symbol}","type":"snapshot","ts":${u.time},"data":[${items.join(',')}]}`);
      publish(`tickers.${u.symbol}`, tickerText(sym));
    }
    let any = false;
    for (const t of books.values()) if (t.view.sym === sym) any = true;
    if (!any) return;
    const skip = faults.take('skip', u.symbol);
    for (const [topic, t] of books) {
      if (t.view.sym !== sym) continue;
      const ch = t.view.advance();
      if (ch.bids.length === 0 && ch.asks.length === 0) continue;
      t.u++;
      if (skip) continue;
      const text =
        t.view.depth === 1 ? bookMessage(topic, t, 'snapshot', t.view.bids, t.view.asks, u.time) : bookMessage(topic, t, 'delta', ch.bids, ch.asks, u.time);
      for (const c of t.clients) c.send(text);
    }
  });

  // ---- public ------------------------------------------------------------------------------

  function join(c: SimClient, st: PublicState, topic: string): void {
    st.topics.add(topic);
    const m = TOPIC.exec(topic) as RegExpExecArray;
    if (m[1]) {
      const sym = market.get(m[3] as string) as SimSymbol;
      let t = books.get(topic);
      if (!t) books.set(topic, (t = { view: new TopOfBookView(sym, Number(m[2]), true), u: sym.updateId, clients: new Set() }));
      t.clients.add(c);
      c.send(bookMessage(topic, t, 'snapshot', t.view.bids, t.view.asks, Date.now()));
    } else {
      let set = topicSubs.get(topic);
      if (!set) topicSubs.set(topic, (set = new Set()));
      set.add(c);
      if (m[4] === 'tickers') c.send(tickerText(market.get(m[5] as string) as SimSymbol));
    }
  }

  function leave(c: SimClient, st: PublicState | AuthState, topic: string): void {
    st.topics.delete(topic);
    const t = books.get(topic);
    if (t) {
      t.clients.delete(c);
      if (t.clients.size === 0) books.delete(topic);
    }
    topicSubs.get(topic)?.delete(c);
  }

  function validTopic(topic: unknown): topic is string {
    if (typeof topic !== 'string') return false;
    const m = TOPIC.exec(topic);
    if (!m) return false;
    if (m[1]) return BOOK_DEPTHS.has(Number(m[2])) && market.get(m[3] as string) !== undefined;
    return market.get(m[5] as string) !== undefined;
  }

  function publicMessage(c: SimClient, st: PublicState, text: string): void {
    const req = parseRequest(text);
    if (!req) {
      c.send(JSON.stringify({ success: false, ret_msg: 'error:request not json', conn_id: connId(c), op: '' }));
      return;
    }
    const reqId = typeof req.req_id === 'string' ? { req_id: req.req_id } : {};
    const op = req.op;
    if (op === 'ping') {
      c.send(JSON.stringify({ success: true, ret_msg: 'pong', conn_id: connId(c), ...reqId, op: 'ping' }));
      return;
    }
    if (op === 'subscribe' || op === 'unsubscribe') {
      const args = Array.isArray(req.args) ? (req.args as unknown[]) : [];
      const bad = args.find((a) => !validTopic(a));
      if (args.length === 0 || args.length > 10 || bad !== undefined) {
        c.send(JSON.stringify({ success: false, ret_msg: `error:handler not found,topic:${String(bad ?? '')}`, conn_id: connId(c), ...reqId, op }));
        return;
      }
      const dup = op === 'subscribe' ? args.find((a) => st.topics.has(a as string)) : undefined;
      if (dup !== undefined) {
        c.send(JSON.stringify({ success: false, ret_msg: `error:already subscribed,topic:${String(dup)}`, conn_id: connId(c), ...reqId, op }));
        return;
      }
      c.send(JSON.stringify({ success: true, ret_msg: op, conn_id: connId(c), ...reqId, op }));
      for (const t of args as string[]) {
        if (op === 'subscribe') join(c, st, t);
        else leave(c, st, t);
      }
      return;
    }
    c.send(JSON.stringify({ success: false, ret_msg: `error:invalid op ${String(op)}`, conn_id: connId(c), ...reqId, op: typeof op === 'string' ? op : '' }));
  }

  // ---- auth, trade, private --------------------------------------------------------------------

  /** Verifies `args: [apiKey, expires, signature]`; returns the account or throws BybitError. */
  function verifyAuth(args: unknown): string {
    if (!Array.isArray(args) || args.length !== 3) throw new BybitError(10001, 'Params Error');
    const [apiKey, expires, signature] = args as unknown[];
    if (typeof apiKey !== 'string' || typeof signature !== 'string' || (typeof expires !== 'number' && typeof expires !== 'string')) {
      throw new BybitError(10001, 'Params Error');
    }
    const secret = ctx.credentials.get(apiKey);
    if (secret === undefined) throw new BybitError(10003, 'Invalid apikey');
    const exp = Number(expires);
    if (!Number.isSafeInteger(exp) || exp <= Date.now()) throw new BybitError(10002, 'Params Error: request expired');
    const expected = createHmac('sha256', secret).update(`GET/realtime${String(expires)}`).digest();
    const given = Buffer.from(signature, 'hex');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw new BybitError(10004, 'Invalid sign');
    return apiKey;
  }

  /** A decimal string → integer units; throws 10001 when off the symbol's grid. */
  function units(v: unknown, decimals: number, name: string): number {
    if (typeof v !== 'string' || !DECIMAL.test(v)) throw new BybitError(10001, `params error: ${name} invalid`);
    const [int = '', frac = ''] = v.split('.');
    if (/[1-9]/.test(frac.slice(decimals))) throw new BybitError(10001, `params error: ${name} has too many decimals`);
    const n = Number(int + frac.slice(0, decimals).padEnd(decimals, '0'));
    if (!Number.isSafeInteger(n) || n <= 0) throw new BybitError(10001, `params error: ${name} invalid`);
    return n;
  }

  const orderIdText = (id: number): string => `5c1d0000-0000-4000-8000-${id.toString(16).padStart(12, '0')}`;
  const orderIdOf = (text: unknown): number | undefined => {
    const m = typeof text === 'string' ? /^5c1d0000-0000-4000-8000-([0-9a-f]{12})$/.exec(text) : null;
    return m ? parseInt(m[1] as string, 16) : undefined;
  };

  function orderCreate(account: string, a: Obj): Obj {
    if (a.category !== 'spot') throw new BybitError(10001, 'params error: category only support spot');
    const sym = typeof a.symbol === 'string' ? market.get(a.symbol) : undefined;
    if (!sym) throw new BybitError(10001, 'params error: symbol invalid');
    if (a.side !== 'Buy' && a.side !== 'Sell') throw new BybitError(10001, 'params error: side invalid');
    if (a.orderType !== 'Limit' && a.orderType !== 'Market') throw new BybitError(10001, 'params error: orderType invalid');
    const limit = a.orderType === 'Limit';
    const tifs: Record<string, 'gtc' | 'ioc' | 'fok'> = { GTC: 'gtc', IOC: 'ioc', FOK: 'fok', PostOnly: 'gtc' };
    const tif = a.timeInForce === undefined ? (limit ? 'gtc' : 'ioc') : tifs[String(a.timeInForce)];
    if (!tif) throw new BybitError(10001, 'params error: timeInForce invalid');
    if (!limit && a.price !== undefined) throw new BybitError(10001, 'params error: price is not allowed for market orders');
    const price = limit ? units(a.price, sym.spec.priceDecimals, 'price') : null;
    const qty = units(a.qty, sym.spec.qtyDecimals, 'qty');
    const link = a.orderLinkId === undefined ? '' : a.orderLinkId;
    if (typeof link !== 'string' || link.length > 36) throw new BybitError(10001, 'params error: orderLinkId invalid');
    let order: SimOrder;
    try {
      order = matching.place({
        account,
        symbol: sym.key,
        side: a.side === 'Buy' ? 'buy' : 'sell',
        type: limit ? 'limit' : 'market',
        timeInForce: tif,
        price,
        qty,
        ...(link === '' ? {} : { clientOrderId: link }),
      });
    } catch (e) {
      if (e instanceof SimReject) throw new BybitError(e.kind === 'duplicate' ? 170141 : 10001, e.kind === 'duplicate' ? 'Duplicate clientOrderId.' : e.message);
      throw e;
    }
    return { orderId: orderIdText(order.orderId), orderLinkId: link };
  }

  function orderCancel(account: string, a: Obj): Obj {
    const sym = typeof a.symbol === 'string' ? market.get(a.symbol) : undefined;
    if (a.category !== 'spot' || !sym) throw new BybitError(10001, 'params error: category/symbol invalid');
    const by: { orderId?: number; clientOrderId?: string } = {};
    if (a.orderId !== undefined) {
      const id = orderIdOf(a.orderId);
      if (id === undefined) throw new BybitError(170213, 'Order does not exist.');
      by.orderId = id;
    } else if (typeof a.orderLinkId === 'string') by.clientOrderId = a.orderLinkId;
    else throw new BybitError(10001, 'params error: orderId or orderLinkId is required');
    try {
      const o = matching.cancel(account, sym.key, by);
      return { orderId: orderIdText(o.orderId), orderLinkId: o.clientOrderId };
    } catch (e) {
      if (e instanceof SimReject) throw new BybitError(170213, 'Order does not exist.');
      throw e;
    }
  }

  function tradeMessage(c: SimClient, st: AuthState, text: string): void {
    const req = parseRequest(text);
    if (!req) {
      c.send(JSON.stringify({ retCode: 10001, retMsg: 'Params Error: request not json', op: '', connId: connId(c) }));
      return;
    }
    const op = typeof req.op === 'string' ? req.op : '';
    const reqIdField = typeof req.reqId === 'string' ? { reqId: req.reqId } : typeof req.req_id === 'string' ? { reqId: req.req_id } : {};
    if (op === 'ping') {
      c.send(JSON.stringify({ ...(typeof req.req_id === 'string' ? { req_id: req.req_id } : {}), op: 'pong', args: [String(Date.now())], conn_id: connId(c) }));
      return;
    }
    if (op === 'auth') {
      try {
        if (st.account !== null) throw new BybitError(20001, 'Repeat auth');
        st.account = verifyAuth(req.args);
        c.send(JSON.stringify({ ...reqIdField, retCode: 0, retMsg: 'OK', op: 'auth', connId: connId(c) }));
      } catch (e) {
        if (!(e instanceof BybitError)) throw e;
        c.send(JSON.stringify({ ...reqIdField, retCode: e.code, retMsg: e.message, op: 'auth', connId: connId(c) }));
      }
      return;
    }
    try {
      if (op !== 'order.create' && op !== 'order.cancel') throw new BybitError(10404, `invalid op ${op}`);
      if (st.account === null) throw new BybitError(10003, 'Invalid apikey: the connection is not authenticated');
      const reqId = req.reqId;
      if (reqId !== undefined) {
        if (typeof reqId !== 'string' || reqId.length > 36) throw new BybitError(10001, 'params error: reqId invalid');
        if (st.reqIds.has(reqId)) throw new BybitError(20006, 'reqId is duplicate');
        st.reqIds.add(reqId);
      }
      const header = (typeof req.header === 'object' && req.header !== null ? req.header : {}) as Obj;
      const ts = Number(header['X-BAPI-TIMESTAMP']);
      const window = header['X-BAPI-RECV-WINDOW'] === undefined ? 5000 : Number(header['X-BAPI-RECV-WINDOW']);
      const now = Date.now();
      if (!Number.isFinite(ts) || !Number.isFinite(window) || !(now - window <= ts && ts < now + 1000)) {
        throw new BybitError(10002, 'invalid request, please check your server timestamp or recv_window param');
      }
      const args = Array.isArray(req.args) ? (req.args as unknown[]) : [];
      const a = args[0];
      if (args.length !== 1 || typeof a !== 'object' || a === null) throw new BybitError(10001, 'params error: args');
      const data = op === 'order.create' ? orderCreate(st.account, a as Obj) : orderCancel(st.account, a as Obj);
      c.send(
        JSON.stringify({
          ...reqIdField,
          retCode: 0,
          retMsg: 'OK',
          op,
          data,
          retExtInfo: {},
          header: { 'X-Bapi-Limit': '20', 'X-Bapi-Limit-Status': '19', 'X-Bapi-Limit-Reset-Timestamp': String(now), Traceid: `sim${now.toString(16)}`, Timenow: String(now) },
          connId: connId(c),
        }),
      );
    } catch (e) {
      if (!(e instanceof BybitError)) throw e;
      c.send(JSON.stringify({ ...reqIdField, retCode: e.code, retMsg: e.message, op, data: {}, retExtInfo: {}, header: {}, connId: connId(c) }));
    }
  }

  function privateMessage(c: SimClient, st: AuthState, text: string): void {
    const req = parseRequest(text);
    if (!req) {
      c.send(JSON.stringify({ success: false, ret_msg: 'error:request not json', conn_id: connId(c), op: '' }));
      return;
    }
    const op = typeof req.op === 'string' ? req.op : '';
    const reqId = typeof req.req_id === 'string' ? { req_id: req.req_id } : {};
    if (op === 'ping') {
      c.send(JSON.stringify({ ...reqId, op: 'pong', args: [String(Date.now())], conn_id: connId(c) }));
      return;
    }
    if (op === 'auth') {
      try {
        st.account = verifyAuth(req.args);
        c.send(JSON.stringify({ success: true, ret_msg: '', op: 'auth', conn_id: connId(c), ...reqId }));
      } catch (e) {
        if (!(e instanceof BybitError)) throw e;
        c.send(JSON.stringify({ success: false, ret_msg: `${e.message} (${e.code})`, op: 'auth', conn_id: connId(c), ...reqId }));
      }
      return;
    }
    if (op === 'subscribe' || op === 'unsubscribe') {
      const args = Array.isArray(req.args) ? (req.args as unknown[]) : [];
      const ok = st.account !== null && args.length > 0 && args.every((a) => a === 'order' || a === 'execution');
      c.send(JSON.stringify({ success: ok, ret_msg: ok ? '' : st.account === null ? 'Request not authorized' : 'error:handler not found', op, conn_id: connId(c), ...reqId }));
      if (ok) {
        for (const a of args as string[]) {
          if (op === 'subscribe') st.topics.add(a);
          else st.topics.delete(a);
        }
      }
      return;
    }
    c.send(JSON.stringify({ success: false, ret_msg: `error:invalid op ${op}`, op, conn_id: connId(c), ...reqId }));
  }

  const STATUS: Record<SimOrder['status'], string> = { new: 'New', partially_filled: 'PartiallyFilled', filled: 'Filled', canceled: 'Cancelled', expired: 'Cancelled' };

  matching.on('execution', (x: SimExecution) => {
    const o = x.order;
    const sym = market.get(o.symbol) as SimSymbol;
    const avg = o.filled > 0 ? (o.quote / o.filled / 10 ** sym.spec.priceDecimals).toFixed(sym.spec.priceDecimals) : '';
    const order = {
      category: 'spot',
      symbol: o.symbol,
      orderId: orderIdText(o.orderId),
      orderLinkId: o.clientOrderId,
      side: o.side === 'buy' ? 'Buy' : 'Sell',
      orderType: o.type === 'limit' ? 'Limit' : 'Market',
      price: o.price === null ? '0' : sym.price(o.price),
      qty: sym.qty(o.qty),
      timeInForce: o.timeInForce.toUpperCase(),
      orderStatus: STATUS[o.status],
      cumExecQty: sym.qty(o.filled),
      avgPrice: avg,
      createdTime: String(o.time),
      updatedTime: String(x.time),
    };
    const fill = x.fill;
    const execution = fill
      ? {
          category: 'spot',
          symbol: o.symbol,
          orderId: order.orderId,
          orderLinkId: o.clientOrderId,
          side: order.side,
          execId: `${o.symbol}-${fill.tradeId}-${o.orderId}`,
          execPrice: sym.price(fill.price),
          execQty: sym.qty(fill.qty),
          execFee: ((fill.price * fill.qty * 0.001) / 10 ** (sym.spec.priceDecimals + sym.spec.qtyDecimals)).toFixed(8),
          feeCurrency: sym.spec.quote,
          isMaker: fill.maker,
          execTime: String(x.time),
        }
      : null;
    for (const [c, st] of state) {
      if (st.kind !== 'private' || st.account !== o.account) continue;
      if (st.topics.has('order')) c.send(JSON.stringify({ id: `${o.orderId}-${x.time}`, topic: 'order', creationTime: x.time, data: [order] }));
      if (execution && st.topics.has('execution')) c.send(JSON.stringify({ id: `${execution.execId}`, topic: 'execution', creationTime: x.time, data: [execution] }));
    }
  });

  return {
    paths: ['/v5/public/spot', '/v5/trade', '/v5/private'],

    route(url) {
      return ['/v5/public/spot', '/v5/trade', '/v5/private'].includes(url.pathname) ? null : { status: 404, message: 'Not Found' };
    },

    connection(client) {
      const p = client.url.pathname;
      const st: PublicState | AuthState =
        p === '/v5/public/spot' ? { kind: 'public', topics: new Set() } : { kind: p === '/v5/trade' ? 'trade' : 'private', account: null, reqIds: new Set(), topics: new Set() };
      state.set(client, st);
      client.ws.on('message', (data, isBinary) => {
        if (isBinary) return;
        if (st.kind === 'public') publicMessage(client, st, String(data));
        else if (st.kind === 'trade') tradeMessage(client, st, String(data));
        else privateMessage(client, st, String(data));
      });
      client.ws.on('close', () => {
        if (st.kind === 'public') for (const t of [...st.topics]) leave(client, st, t);
        state.delete(client);
        connIds.delete(client);
      });
    },

    malformed(kind: MalformedKind) {
      for (const [c, st] of state) {
        if (st.kind !== 'public' || st.topics.size === 0) continue;
        c.send(kind === 'json' ? '{"topic":"publicTrade.BTCUSDT","type":"snap' : '{"topic":"publicTrade.BTCUSDT","type":"snapshot","ts":"soon","data":[{"T":null,"S":"Up","v":"x"}]}');
      }
    },

    restart() {
      for (const [topic, t] of books) {
        t.u = 1;
        const text = bookMessage(topic, t, 'snapshot', t.view.bids, t.view.asks, Date.now());
        for (const c of t.clients) c.send(text);
      }
    },
  };
}
