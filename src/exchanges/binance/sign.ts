/**
 * Binance WebSocket API signing and the REFERENCE request builders: pure functions from
 * parameters to the exact bytes sent (JSON.stringify + node:crypto createHmac). The native order
 * templates must produce byte-identical requests; tests compare the two.
 *
 * Signing (web-socket-api.md, "SIGNED request security"): every param except `signature`, sorted
 * by name (ASCII), joined as `name=value` with `&`, no URL-encoding; HMAC-SHA256 with the secret
 * over the UTF-8 bytes; lowercase hex.
 *
 * Request layout (fixed, so templates can pre-serialize it):
 *   {"id":"<id>","method":"<method>","params":{<params sorted by name>,"signature":"<64 hex>"}}
 * Strings are JSON strings, numbers JSON numbers (`timestamp`, `recvWindow`), exactly as
 * JSON.stringify writes them; the signed payload uses the same value texts.
 */
import { createHmac } from 'node:crypto';

import { TickwireError } from '../../native/errors.js';
import { formatDecimal } from '../common/decimal.js';
import { checkOrderShape } from '../common/orders.js';
import type { OrderRequest } from '../common/types.js';

export type BinanceParamValue = string | number | boolean;
export type BinanceParams = Readonly<Record<string, BinanceParamValue>>;

/** Price and quantity decimals of a symbol (from its PRICE_FILTER tickSize / LOT_SIZE stepSize). */
export interface BinancePrecision {
  priceDecimals: number;
  qtyDecimals: number;
}

/** Binance's own text: 8 decimals for both (the sim and most symbols accept them). */
export const BINANCE_DEFAULT_PRECISION: BinancePrecision = { priceDecimals: 8, qtyDecimals: 8 };

/** An order whose client id is decided. */
export type ResolvedOrder = OrderRequest & { clientOrderId: string };

/** What the builders need besides the order. */
export interface BinanceSigningContext {
  apiKey: string;
  secret: string;
  /** ms since the epoch (Binance also takes µs). */
  timestamp: number;
  /** Sent only when set (Binance default 5000 ms). */
  recvWindow?: number;
}

const CLIENT_ID = /^[.A-Z:/a-z0-9_-]{1,36}$/;

/** `a=1&b=2…` of every param but `signature`, sorted by name. */
export function binanceSigningPayload(params: BinanceParams): string {
  const keys = Object.keys(params)
    .filter((k) => k !== 'signature')
    .sort();
  let out = '';
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i] as string;
    out += `${i === 0 ? '' : '&'}${k}=${String(params[k])}`;
  }
  return out;
}

/** HMAC-SHA256 hex signature of `params` (node:crypto). */
export function binanceSign(params: BinanceParams, secret: string): string {
  return createHmac('sha256', secret).update(binanceSigningPayload(params), 'utf8').digest('hex');
}

/** The exact text of a signed WebSocket API request (layout above). */
export function buildBinanceSignedRequest(id: string, method: string, params: BinanceParams, secret: string): string {
  const sorted: Record<string, BinanceParamValue> = {};
  for (const k of Object.keys(params)
    .filter((k) => k !== 'signature')
    .sort()) {
    sorted[k] = params[k] as BinanceParamValue;
  }
  sorted.signature = binanceSign(sorted, secret);
  return JSON.stringify({ id, method, params: sorted });
}

/** An unsigned WebSocket API request (`depth`, `ping`, …). */
export function buildBinanceRequest(id: string, method: string, params: BinanceParams = {}): string {
  return JSON.stringify({ id, method, params });
}

/** Checks a client order id against Binance's rule `^[.A-Z:/a-z0-9_-]{1,36}$`. */
export function checkBinanceClientOrderId(id: string): void {
  if (typeof id !== 'string' || !CLIENT_ID.test(id)) {
    throw new TickwireError('INVALID_ARGUMENT', `clientOrderId '${String(id)}' must match ^[.A-Z:/a-z0-9_-]{1,36}$`);
  }
}

/**
 * `order.place` params for a domain order: apiKey, newClientOrderId, newOrderRespType RESULT,
 * price (limit), quantity, recvWindow (if set), side, symbol, timeInForce (limit), timestamp, type.
 */
export function binanceOrderParams(order: ResolvedOrder, precision: BinancePrecision, ctx: Omit<BinanceSigningContext, 'secret'>): Record<string, BinanceParamValue> {
  if (typeof order.symbol !== 'string' || !/^[A-Z0-9]{2,20}$/.test(order.symbol)) {
    throw new TickwireError('INVALID_ARGUMENT', `order.symbol must be a Binance symbol like 'BTCUSDT', got '${String(order.symbol)}'`);
  }
  checkOrderShape(order);
  checkBinanceClientOrderId(order.clientOrderId);
  const p: Record<string, BinanceParamValue> = {
    apiKey: ctx.apiKey,
    newClientOrderId: order.clientOrderId,
    newOrderRespType: 'RESULT',
  };
  if (order.type === 'limit') {
    if (order.price === undefined) throw new TickwireError('INVALID_ARGUMENT', 'a limit order needs a price');
    p.price = formatDecimal(order.price, precision.priceDecimals, 'order.price');
  } else if (order.price !== undefined) {
    throw new TickwireError('INVALID_ARGUMENT', 'a market order takes no price');
  }
  p.quantity = formatDecimal(order.qty, precision.qtyDecimals, 'order.qty');
  if (ctx.recvWindow !== undefined) p.recvWindow = ctx.recvWindow;
  p.side = order.side === 'buy' ? 'BUY' : 'SELL';
  p.symbol = order.symbol;
  if (order.type === 'limit') p.timeInForce = (order.timeInForce ?? 'gtc').toUpperCase();
  p.timestamp = ctx.timestamp;
  p.type = order.type === 'limit' ? 'LIMIT' : 'MARKET';
  return p;
}

/**
 * The reference `order.place` request for `order`: request id = the client order id. Same input,
 * same bytes.
 */
export function buildBinanceOrderPlace(order: ResolvedOrder, precision: BinancePrecision, ctx: BinanceSigningContext): string {
  return buildBinanceSignedRequest(order.clientOrderId, 'order.place', binanceOrderParams(order, precision, ctx), ctx.secret);
}

/** The reference `order.cancel` request (by client order id or venue order id). */
export function buildBinanceOrderCancel(
  requestId: string,
  cancel: { symbol: string; clientOrderId?: string; orderId?: string },
  ctx: BinanceSigningContext,
): string {
  const p: Record<string, BinanceParamValue> = { apiKey: ctx.apiKey, symbol: cancel.symbol, timestamp: ctx.timestamp };
  if (cancel.orderId !== undefined) {
    if (!/^\d{1,19}$/.test(cancel.orderId)) throw new TickwireError('INVALID_ARGUMENT', `orderId '${cancel.orderId}' is not a Binance order id`);
    p.orderId = Number(cancel.orderId);
  } else if (cancel.clientOrderId !== undefined) {
    checkBinanceClientOrderId(cancel.clientOrderId);
    p.origClientOrderId = cancel.clientOrderId;
  } else {
    throw new TickwireError('INVALID_ARGUMENT', 'cancelOrder needs clientOrderId or orderId');
  }
  if (ctx.recvWindow !== undefined) p.recvWindow = ctx.recvWindow;
  return buildBinanceSignedRequest(requestId, 'order.cancel', p, ctx.secret);
}

/** The `userDataStream.subscribe.signature` request (executionReport events on this connection). */
export function buildBinanceUserDataSubscribe(requestId: string, ctx: BinanceSigningContext): string {
  const p: Record<string, BinanceParamValue> = { apiKey: ctx.apiKey, timestamp: ctx.timestamp };
  if (ctx.recvWindow !== undefined) p.recvWindow = ctx.recvWindow;
  return buildBinanceSignedRequest(requestId, 'userDataStream.subscribe.signature', p, ctx.secret);
}
