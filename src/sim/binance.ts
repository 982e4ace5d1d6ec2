/**
 * Binance spot, simulated: the venue's real paths on one port.
 *
 * | path | what |
 * | --- | --- |
 * | `/ws/<stream>[/<stream>…]`, `/ws` | raw streams (payloads as is); `SUBSCRIBE` / `UNSUBSCRIBE` / `LIST_SUBSCRIPTIONS` |
 * | `/stream?streams=<s1>/<s2>…` | combined streams: `{"stream":…,"data":…}` |
 * | `/ws-api/v3` | WebSocket API: `ping`, `time`, `depth`, `order.place`, `order.cancel`, `userDataStream.subscribe.signature`, `userDataStream.unsubscribe` |
 *
 * Streams: `<symbol>@trade`, `<symbol>@depth`, `<symbol>@depth@100ms`, `<symbol>@bookTicker`.
 * A market-stream client that sends more than 5 messages (or pings) in a second is disconnected
 * (close 1008), as Binance does.
 * Depth updates carry `U`/`u` from the market's update ids; `depth` answers with the same
 * book at its `lastUpdateId`, so a client following Binance's sync rule rebuilds the exact book.
 *
 * Signed methods are verified independently here (node:crypto, not the client's code): every
 * param but `signature`, sorted by name, `k=v` joined by `&`, HMAC-SHA256 with the account's
 * secret, hex. Failures answer with Binance's error shape: unknown key -2015 (401), bad signature
 * -1022 (400), stale timestamp -1021 (400), missing params -1102, bad values -1013/-1100/-1111/
 * -1115/-1116/-1117/-1121, duplicate client id and unknown order -2010/-2011.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

import type { MalformedKind } from './faults.js';
import type { SimSymbol, SimUpdate } from './market.js';
import type { SimExecution, SimOrder } from './matching.js';
import { SimReject } from './matching.js';
import { parseRequest } from './request.js';
import type { SimClient, SimContext, SimVenue } from './server.js';

/** Decimals of every price and quantity Binance prints. */
const D = 8;
const STREAM = /^([a-z0-9]+)@(trade|bookTicker|depth|depth@100ms|depth@1000ms)$/;
const CLIENT_ID = /^[.A-Z:/a-z0-9_-]{1,36}$/;
const DECIMAL = /^\d+(\.\d+)?$/;
const FEE_RATE = 0.001;
/** Market-stream connections: messages + pings a client may send per second (pongs to our pings are not counted here). */
const MAX_INCOMING_PER_SECOND = 5;
const RATE_LIMITS = [{ rateLimitType: 'REQUEST_WEIGHT', interval: 'MINUTE', intervalNum: 1, limit: 6000, count: 1 }];

type Params = Record<string, unknown>;

/** A Binance error response to carry out of a handler. */
class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: number,
    msg: string,
  ) {
    super(msg);
  }
}

const mandatory = (name: string): ApiError =>
  new ApiError(400, -1102, `Mandatory parameter '${name}' was not sent, was empty/null, or malformed.`);

interface MarketClientState {
  kind: 'market';
  combined: boolean;
  streams: Set<string>;
}

interface ApiClientState {
  kind: 'api';
  /** subscriptionId → account. */
  subscriptions: Map<number, string>;
  nextSubscription: number;
}

/** The simulated venue's stream name for a symbol key (`BTCUSDT` → `btcusdt`). */
const lower = (key: string): string => key.toLowerCase();

export function binanceVenue(ctx: SimContext): SimVenue {
  const { market, matching, faults } = ctx;
  const state = new Map<SimClient, MarketClientState | ApiClientState>();
  /** Stream name → subscribed market clients. */
  const subs = new Map<string, Set<SimClient>>();
  /** Last best bid/ask per symbol, for bookTicker. */
  const tops = new Map<string, string>();

  const symbolOf = (name: unknown): SimSymbol | undefined => (typeof name === 'string' ? market.get(name) : undefined);

  // ---- market streams --------------------------------------------------------------------

  function subscribe(client: SimClient, st: MarketClientState, stream: string): void {
    st.streams.add(stream);
    let set = subs.get(stream);
    if (!set) subs.set(stream, (set = new Set()));
    set.add(client);
  }

  function unsubscribe(client: SimClient, st: MarketClientState, stream: string): void {
    st.streams.delete(stream);
    subs.get(stream)?.delete(client);
  }

  function publish(stream: string, payload: string): void {
    const set = subs.get(stream);
    if (!set || set.size === 0) return;
    let wrapped: string | undefined;
    for (const c of set) {
      const st = state.get(c) as MarketClientState;
      c.send(st.combined ? (wrapped ??= `{"stream":"${stream}","data":${payload}}`) : payload);
    }
  }

  const levels = (sym: SimSymbol, ls: Array<[number, number]>): string =>
    `[${ls.map(([p, q]) => `["${sym.price(p, D)}","${sym.qty(q, D)}"]`).join(',')}]`;

  market.on('update', (u: SimUpdate) => {
    const sym = market.get(u.symbol) as SimSymbol;
    const name = lower(u.symbol);
    for (const t of u.trades) {
      publish(
        `${name}@trade`,
        `{"e":"trade","E":${u.time},"s":"${u.symbol}","t":${t.id},"p":"${sym.price(t.price, D)}","q":"${sym.qty(t.qty, D)}","T":${t.time},"m":${t.takerSide === 'sell'},"M":true}`,
      );
    }
    // The skip-sequence fault withholds the depth message: the book changed, clients never hear of it.
    if (!faults.take('skip', u.symbol)) {
      const depth = `{"e":"depthUpdate","E":${u.time},"s":"${u.symbol}","U":${u.firstId},"u":${u.lastId},"b":${levels(sym, u.bids)},"a":${levels(sym, u.asks)}}`;
      publish(`${name}@depth`, depth);
      publish(`${name}@depth@100ms`, depth);
      publish(`${name}@depth@1000ms`, depth);
    }
    const bid = sym.bestBid();
    const ask = sym.bestAsk();
    if (bid !== undefined && ask !== undefined) {
      const top = `"b":"${sym.price(bid, D)}","B":"${sym.qty(sym.bids.get(bid) ?? 0, D)}","a":"${sym.price(ask, D)}","A":"${sym.qty(sym.asks.get(ask) ?? 0, D)}"`;
      if (tops.get(u.symbol) !== top) {
        tops.set(u.symbol, top);
        publish(`${name}@bookTicker`, `{"u":${u.lastId},"s":"${u.symbol}",${top}}`);
      }
    }
  });

  function marketMessage(client: SimClient, st: MarketClientState, text: string): void {
    const req = parseRequest(text);
    if (!req) {
      client.send(JSON.stringify({ code: 3, msg: 'Invalid JSON: expected value at line 1 column 1' }));
      return;
    }
    const id = req.id ?? null;
    const streams = Array.isArray(req.params) ? (req.params as unknown[]) : [];
    switch (req.method) {
      case 'SUBSCRIBE':
      case 'UNSUBSCRIBE': {
        const bad = streams.find((s) => typeof s !== 'string' || !STREAM.test(s));
        if (bad !== undefined || streams.length === 0) {
          client.send(JSON.stringify({ code: 2, msg: `Invalid request: invalid stream name ${JSON.stringify(bad ?? null)}`, id }));
          return;
        }
        for (const s of streams as string[]) (req.method === 'SUBSCRIBE' ? subscribe : unsubscribe)(client, st, s);
        client.send(JSON.stringify({ result: null, id }));
        return;
      }
      case 'LIST_SUBSCRIPTIONS':
        client.send(JSON.stringify({ result: [...st.streams], id }));
        return;
      default:
        client.send(
          JSON.stringify({
            code: 2,
            msg: `Invalid request: unknown variant ${JSON.stringify(req.method)}, expected one of \`SUBSCRIBE\`, \`UNSUBSCRIBE\`, \`LIST_SUBSCRIPTIONS\`, \`SET_PROPERTY\`, \`GET_PROPERTY\``,
            id,
          }),
        );
    }
  }

  // ---- WebSocket API ---------------------------------------------------------------------

  /** Verifies apiKey, signature and timestamp; returns the account (the API key). */
  function verify(params: Params): string {
    const apiKey = params.apiKey;
    if (typeof apiKey !== 'string' || apiKey === '') throw mandatory('apiKey');
    if (typeof params.signature !== 'string' || params.signature === '') throw mandatory('signature');
    if (params.timestamp === undefined || params.timestamp === null || params.timestamp === '') throw mandatory('timestamp');
    const secret = ctx.credentials.get(apiKey);
    if (secret === undefined) throw new ApiError(401, -2015, 'Invalid API-key, IP, or permissions for action.');
    const payload = Object.keys(params)
      .filter((k) => k !== 'signature')
      .sort()
      .map((k) => `${k}=${String(params[k])}`)
      .join('&');
    const expected = createHmac('sha256', secret).update(payload, 'utf8').digest();
    const given = Buffer.from(params.signature.toLowerCase(), 'hex');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      throw new ApiError(400, -1022, 'Signature for this request is not valid.');
    }
    const ts = Number(params.timestamp);
    const recvWindow = params.recvWindow === undefined ? 5000 : Number(params.recvWindow);
    if (!Number.isFinite(recvWindow) || recvWindow <= 0 || recvWindow > 60_000) {
      throw new ApiError(400, -1131, "Param 'recvWindow' must be less than 60000.");
    }
    // Microsecond timestamps (16 digits) are accepted as Binance does.
    const tsMs = ts > 1e14 ? ts / 1000 : ts;
    const now = Date.now();
    if (!Number.isFinite(tsMs) || tsMs >= now + 1000 || now - tsMs > recvWindow) {
      throw new ApiError(400, -1021, 'Timestamp for this request is outside of the recvWindow.');
    }
    return apiKey;
  }

  /** A decimal param as an integer count of `decimals`-digit units; throws the filter failure otherwise. */
  function units(params: Params, name: string, decimals: number, filter: string): number {
    const v = params[name];
    const text = typeof v === 'number' ? String(v) : v;
    if (typeof text !== 'string' || !DECIMAL.test(text)) throw mandatory(name);
    const [int = '', frac = ''] = text.split('.');
    const extra = frac.slice(decimals);
    if (/[1-9]/.test(extra)) throw new ApiError(400, -1013, `Filter failure: ${filter}`);
    const n = Number(int + frac.slice(0, decimals).padEnd(decimals, '0'));
    if (!Number.isSafeInteger(n) || n <= 0) throw new ApiError(400, -1013, `Filter failure: ${filter}`);
    return n;
  }

  /** A quote amount (ticks × lots) as text with 8 decimals (more if the symbol's decimals add up to more). */
  const quoteText = (sym: SimSymbol, quote: number): string => {
    const decimals = sym.spec.priceDecimals + sym.spec.qtyDecimals;
    return decimals <= D ? formatUnits(quote * 10 ** (D - decimals)) : formatUnits(quote, decimals);
  };

  function orderResult(o: SimOrder, type: string): Record<string, unknown> {
    const sym = market.get(o.symbol) as SimSymbol;
    const ack = { symbol: o.symbol, orderId: o.orderId, orderListId: -1, clientOrderId: o.clientOrderId, transactTime: o.updateTime };
    if (type === 'ACK') return ack;
    return {
      ...ack,
      price: sym.price(o.price ?? 0, D),
      origQty: sym.qty(o.qty, D),
      executedQty: sym.qty(o.filled, D),
      origQuoteOrderQty: '0.00000000',
      cummulativeQuoteQty: quoteText(sym, o.quote),
      status: STATUS[o.status],
      timeInForce: o.timeInForce.toUpperCase(),
      type: o.type.toUpperCase(),
      side: o.side.toUpperCase(),
      workingTime: o.type === 'limit' ? o.time : -1,
      selfTradePreventionMode: 'NONE',
    };
  }

  /** Fills of the last order.place, for newOrderRespType FULL. */
  let collecting: Array<Record<string, unknown>> | null = null;

  function placeOrder(params: Params): Record<string, unknown> {
    const account = verify(params);
    const sym = symbolOf(params.symbol);
    if (params.symbol === undefined) throw mandatory('symbol');
    if (!sym) throw new ApiError(400, -1121, 'Invalid symbol.');
    if (params.side === undefined) throw mandatory('side');
    if (params.side !== 'BUY' && params.side !== 'SELL') throw new ApiError(400, -1117, 'Invalid side.');
    if (params.type === undefined) throw mandatory('type');
    if (params.type !== 'LIMIT' && params.type !== 'MARKET') throw new ApiError(400, -1116, 'Invalid orderType.');
    const isLimit = params.type === 'LIMIT';
    let tif: 'gtc' | 'ioc' | 'fok' = 'gtc';
    if (isLimit) {
      if (params.timeInForce === undefined) throw mandatory('timeInForce');
      if (params.timeInForce !== 'GTC' && params.timeInForce !== 'IOC' && params.timeInForce !== 'FOK') {
        throw new ApiError(400, -1115, 'Invalid timeInForce.');
      }
      tif = params.timeInForce.toLowerCase() as typeof tif;
    } else if (params.timeInForce !== undefined) throw new ApiError(400, -1106, "Parameter 'timeInForce' sent when not required.");
    if (!isLimit && params.price !== undefined) throw new ApiError(400, -1106, "Parameter 'price' sent when not required.");
    const price = isLimit ? units(params, 'price', sym.spec.priceDecimals, 'PRICE_FILTER') : null;
    const qty = units(params, 'quantity', sym.spec.qtyDecimals, 'LOT_SIZE');
    const clientOrderId = params.newClientOrderId;
    if (clientOrderId !== undefined && (typeof clientOrderId !== 'string' || !CLIENT_ID.test(clientOrderId))) {
      throw new ApiError(400, -1100, "Illegal characters found in parameter 'newClientOrderId'; legal range is '^[\\.A-Z\\:/a-z0-9_-]{1,36}$'.");
    }
    const respType = params.newOrderRespType ?? 'FULL';
    if (respType !== 'ACK' && respType !== 'RESULT' && respType !== 'FULL') {
      throw new ApiError(400, -1130, "Data sent for parameter 'newOrderRespType' is not valid.");
    }
    const fills: Array<Record<string, unknown>> = [];
    collecting = fills;
    let order: SimOrder;
    try {
      order = matching.place({
        account,
        symbol: sym.key,
        side: params.side === 'BUY' ? 'buy' : 'sell',
        type: isLimit ? 'limit' : 'market',
        timeInForce: tif,
        price,
        qty,
        ...(clientOrderId === undefined ? {} : { clientOrderId }),
      });
    } catch (e) {
      if (e instanceof SimReject) {
        throw new ApiError(400, -2010, e.kind === 'duplicate' ? 'Duplicate order sent.' : e.message);
      }
      throw e;
    } finally {
      collecting = null;
    }
    const result = orderResult(order, respType);
    if (respType === 'FULL') result.fills = fills;
    return result;
  }

  function cancelOrder(params: Params): Record<string, unknown> {
    const account = verify(params);
    if (params.symbol === undefined) throw mandatory('symbol');
    const sym = symbolOf(params.symbol);
    if (!sym) throw new ApiError(400, -1121, 'Invalid symbol.');
    const by: { orderId?: number; clientOrderId?: string } = {};
    if (params.orderId !== undefined) by.orderId = Number(params.orderId);
    else if (typeof params.origClientOrderId === 'string') by.clientOrderId = params.origClientOrderId;
    else throw new ApiError(400, -1102, "Param 'origClientOrderId' or 'orderId' must be sent, but both were empty/null!");
    const cancelId = typeof params.newClientOrderId === 'string' ? params.newClientOrderId : `simcxl${Date.now().toString(36)}`;
    let order: SimOrder;
    try {
      order = matching.cancel(account, sym.key, by, cancelId);
    } catch (e) {
      if (e instanceof SimReject) throw new ApiError(400, -2011, 'Unknown order sent.');
      throw e;
    }
    return { ...orderResult(order, 'RESULT'), origClientOrderId: order.clientOrderId, clientOrderId: cancelId };
  }

  function depth(params: Params): Record<string, unknown> {
    if (params.symbol === undefined) throw mandatory('symbol');
    const sym = symbolOf(params.symbol);
    if (!sym) throw new ApiError(400, -1121, 'Invalid symbol.');
    const limit = params.limit === undefined ? 100 : Number(params.limit);
    if (!Number.isInteger(limit) || limit < 1 || limit > 5000) throw new ApiError(400, -1130, "Data sent for parameter 'limit' is not valid.");
    const snap = sym.snapshot(limit);
    const fmt = (ls: Array<[number, number]>): string[][] => ls.map(([p, q]) => [sym.price(p, D), sym.qty(q, D)]);
    return { lastUpdateId: snap.lastUpdateId, bids: fmt(snap.bids), asks: fmt(snap.asks) };
  }

  function apiMessage(client: SimClient, st: ApiClientState, text: string): void {
    let id: unknown = null;
    try {
      const req = parseRequest(text);
      if (!req) throw new ApiError(400, -1135, 'Invalid JSON Request');
      id = req.id ?? null;
      const params = (req.params ?? {}) as Params;
      if (typeof params !== 'object' || params === null || Array.isArray(params)) throw new ApiError(400, -1135, 'Invalid JSON Request');
      const method = typeof req.method === 'string' ? req.method.replace(/^v3\//, '') : '';
      let result: unknown;
      switch (method) {
        case 'ping':
          result = {};
          break;
        case 'time':
          result = { serverTime: Date.now() };
          break;
        case 'depth':
          result = depth(params);
          break;
        case 'order.place':
          result = placeOrder(params);
          break;
        case 'order.cancel':
          result = cancelOrder(params);
          break;
        case 'userDataStream.subscribe.signature': {
          const account = verify(params);
          const subscriptionId = st.nextSubscription++;
          st.subscriptions.set(subscriptionId, account);
          result = { subscriptionId };
          break;
        }
        case 'userDataStream.unsubscribe': {
          const sid = params.subscriptionId;
          if (sid === undefined) st.subscriptions.clear();
          else st.subscriptions.delete(Number(sid));
          result = {};
          break;
        }
        default:
          throw new ApiError(400, -1020, `This operation is not supported: '${String(req.method)}'.`);
      }
      client.send(JSON.stringify({ id, status: 200, result, rateLimits: RATE_LIMITS }));
    } catch (e) {
      if (!(e instanceof ApiError)) throw e;
      client.send(JSON.stringify({ id, status: e.status, error: { code: e.code, msg: e.message }, rateLimits: RATE_LIMITS }));
    }
  }

  // ---- user data: executionReport --------------------------------------------------------

  matching.on('execution', (x: SimExecution) => {
    const o = x.order;
    const sym = market.get(o.symbol) as SimSymbol;
    const fee = x.fill ? (o.side === 'buy' ? x.fill.qty * FEE_RATE : x.fill.qty * x.fill.price * FEE_RATE) : 0;
    const feeScale = o.side === 'buy' ? 10 ** sym.spec.qtyDecimals : 10 ** (sym.spec.priceDecimals + sym.spec.qtyDecimals);
    const feeText = (fee / feeScale).toFixed(D);
    const feeAsset = o.side === 'buy' ? sym.spec.base : sym.spec.quote;
    if (x.fill && collecting) {
      collecting.push({ price: sym.price(x.fill.price, D), qty: sym.qty(x.fill.qty, D), commission: feeText, commissionAsset: feeAsset, tradeId: x.fill.tradeId });
    }
    const subscribers: Array<[SimClient, number]> = [];
    for (const [c, st] of state) {
      if (st.kind !== 'api') continue;
      for (const [sid, account] of st.subscriptions) if (account === o.account) subscribers.push([c, sid]);
    }
    if (subscribers.length === 0) return;
    const canceled = x.type === 'canceled';
    const event = {
      e: 'executionReport',
      E: x.time,
      s: o.symbol,
      c: canceled ? (x.cancelRequestId ?? o.clientOrderId) : o.clientOrderId,
      S: o.side.toUpperCase(),
      o: o.type.toUpperCase(),
      f: o.timeInForce.toUpperCase(),
      q: sym.qty(o.qty, D),
      p: sym.price(o.price ?? 0, D),
      P: '0.00000000',
      F: '0.00000000',
      g: -1,
      C: canceled ? o.clientOrderId : '',
      x: EXEC_TYPE[x.type],
      X: STATUS[o.status],
      r: 'NONE',
      i: o.orderId,
      l: sym.qty(x.fill?.qty ?? 0, D),
      z: sym.qty(o.filled, D),
      L: sym.price(x.fill?.price ?? 0, D),
      n: x.fill ? feeText : '0',
      N: x.fill ? feeAsset : null,
      T: x.time,
      t: x.fill?.tradeId ?? -1,
      I: 0,
      w: o.status === 'new' || o.status === 'partially_filled',
      m: x.fill?.maker ?? false,
      M: false,
      O: o.time,
      Z: quoteText(sym, o.quote),
      Y: x.fill ? quoteText(sym, x.fill.price * x.fill.qty) : '0.00000000',
      Q: '0.00000000',
      W: o.time,
      V: 'NONE',
    };
    for (const [c, sid] of subscribers) c.send(JSON.stringify({ subscriptionId: sid, event }));
  });

  // ---- the SimVenue interface ------------------------------------------------------------

  return {
    paths: ['/ws/<stream>', '/stream?streams=<s1>/<s2>', '/ws-api/v3'],

    route(url) {
      const p = url.pathname;
      if (p === '/ws-api/v3') return null;
      if (p === '/ws' || p.startsWith('/ws/')) {
        const streams = p.slice(4).split('/').filter(Boolean);
        return streams.every((s) => STREAM.test(s)) ? null : { status: 400, message: 'Bad Request' };
      }
      if (p === '/stream') {
        const streams = (url.searchParams.get('streams') ?? '').split('/').filter(Boolean);
        return streams.every((s) => STREAM.test(s)) ? null : { status: 400, message: 'Bad Request' };
      }
      return { status: 404, message: 'Not Found' };
    },

    connection(client) {
      const p = client.url.pathname;
      if (p === '/ws-api/v3') {
        const st: ApiClientState = { kind: 'api', subscriptions: new Map(), nextSubscription: 0 };
        state.set(client, st);
        client.ws.on('message', (data, isBinary) => {
          if (!isBinary) apiMessage(client, st, String(data));
        });
      } else {
        const combined = p === '/stream';
        const st: MarketClientState = { kind: 'market', combined, streams: new Set() };
        state.set(client, st);
        const initial = combined ? (client.url.searchParams.get('streams') ?? '').split('/') : p.slice(4).split('/');
        for (const s of initial.filter(Boolean)) subscribe(client, st, s);
        // Binance's limit: more than 5 incoming messages in a second and the connection is cut.
        const recent: number[] = [];
        const overLimit = (): boolean => {
          const now = Date.now();
          recent.push(now);
          while ((recent[0] as number) <= now - 1000) recent.shift();
          if (recent.length <= MAX_INCOMING_PER_SECOND) return false;
          ctx.log(`#${client.id}: more than ${MAX_INCOMING_PER_SECOND} messages in a second, disconnected`);
          client.ws.close(1008, 'Too many requests');
          return true;
        };
        client.ws.on('ping', overLimit);
        client.ws.on('message', (data, isBinary) => {
          if (overLimit()) return;
          if (!isBinary) marketMessage(client, st, String(data));
        });
      }
      client.ws.on('close', () => {
        const st = state.get(client);
        if (st?.kind === 'market') for (const s of st.streams) subs.get(s)?.delete(client);
        state.delete(client);
      });
    },

    malformed(kind: MalformedKind) {
      for (const [c, st] of state) {
        if (st.kind !== 'market') continue;
        const stream = [...st.streams].find((s) => s.endsWith('@trade')) ?? [...st.streams][0] ?? 'btcusdt@trade';
        const payload =
          kind === 'json'
            ? '{"e":"trade","E":'
            : `{"e":"trade","E":${Date.now()},"s":"${stream.split('@')[0]?.toUpperCase()}","t":"x","p":"not-a-price","q":null,"T":"later","m":"maybe"}`;
        c.send(st.combined && kind === 'shape' ? `{"stream":"${stream}","data":${payload}}` : payload);
      }
    },

    shutdownNotice(client) {
      const st = state.get(client);
      const event = `{"e":"serverShutdown","E":${Date.now()}}`;
      if (st?.kind === 'market') client.send(st.combined ? `{"stream":"!serverShutdown","data":${event}}` : event);
      else if (st?.kind === 'api') client.send(`{"event":${event}}`);
    },
  };
}

const STATUS: Record<SimOrder['status'], string> = {
  new: 'NEW',
  partially_filled: 'PARTIALLY_FILLED',
  filled: 'FILLED',
  canceled: 'CANCELED',
  expired: 'EXPIRED',
};

const EXEC_TYPE: Record<SimExecution['type'], string> = { new: 'NEW', trade: 'TRADE', canceled: 'CANCELED', expired: 'EXPIRED' };

/** A non-negative integer of 8-decimal units as text. */
function formatUnits(n: number, decimals = D): string {
  const digits = String(Math.round(n)).padStart(decimals + 1, '0');
  return `${digits.slice(0, digits.length - decimals)}.${digits.slice(digits.length - decimals)}`;
}
