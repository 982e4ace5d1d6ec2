/**
 * Bybit v5 trade-stream requests: the REFERENCE builders (JSON.stringify + node:crypto) and the
 * order-template spec built from the same definition, so the native template path and the
 * reference path produce the same bytes (test/exchanges/bybit-orders.test.ts compares them).
 *
 * Auth (wss-authentication.mdx, pybit): `{"req_id":…,"op":"auth","args":[apiKey, expires,
 * signature]}` with `expires` a future time in ms and `signature = hex(HMAC_SHA256(secret,
 * "GET/realtime" + expires))`, once per connection. Orders are then UNSIGNED: a template's slots
 * are the sequence number (in `reqId` and `orderLinkId`), the timestamp (header
 * `X-BAPI-TIMESTAMP`), the quantity and the price.
 *
 * Layout (trade/guideline.mdx):
 *   {"reqId":"…","header":{"X-BAPI-TIMESTAMP":"…","X-BAPI-RECV-WINDOW":"5000"},"op":"order.create",
 *    "args":[{"category":"spot","symbol":"BTCUSDT","side":"Buy","orderType":"Limit","qty":"0.001",
 *    "price":"30000.00","timeInForce":"GTC","orderLinkId":"…"}]}
 * Market orders have no `price` and no `timeInForce`.
 */
import { createHmac } from 'node:crypto';

import { TickwireError } from '../../native/errors.js';
import { Slot, type OrderTemplateSpec } from '../../orders/template.js';
import { formatDecimal } from '../common/decimal.js';
import { checkOrderShape } from '../common/orders.js';
import type { OrderRequest, OrderType, Side, TimeInForce } from '../common/types.js';

/** Price and quantity decimals of a symbol (from its tickSize / basePrecision). */
export interface BybitPrecision {
  priceDecimals: number;
  qtyDecimals: number;
}

export const BYBIT_DEFAULT_PRECISION: BybitPrecision = { priceDecimals: 8, qtyDecimals: 8 };

export type BybitResolvedOrder = OrderRequest & { clientOrderId: string };

export interface BybitOrderShape {
  symbol: string;
  side: Side;
  type: OrderType;
  timeInForce?: TimeInForce;
}

const SYMBOL = /^[A-Z0-9]{2,25}$/;
const LINK_ID = /^[A-Za-z0-9_.:-]{1,36}$/;

/** The auth signature: hex HMAC-SHA256 of `GET/realtime<expires>` (node:crypto). */
export function bybitAuthSignature(secret: string, expires: number): string {
  return createHmac('sha256', secret).update(`GET/realtime${expires}`, 'utf8').digest('hex');
}

/** The `auth` request. */
export function buildBybitAuth(reqId: string, apiKey: string, expires: number, signature: string): string {
  return JSON.stringify({ req_id: reqId, op: 'auth', args: [apiKey, expires, signature] });
}

export function checkBybitClientOrderId(id: string): void {
  if (typeof id !== 'string' || !LINK_ID.test(id)) throw new TickwireError('INVALID_ARGUMENT', `clientOrderId '${String(id)}' must be 1-36 of [A-Za-z0-9_.:-]`);
}

function checkShape(o: BybitOrderShape): void {
  if (typeof o.symbol !== 'string' || !SYMBOL.test(o.symbol)) {
    throw new TickwireError('INVALID_ARGUMENT', `order.symbol must be a Bybit symbol like 'BTCUSDT', got '${String(o.symbol)}'`);
  }
  checkOrderShape(o);
}

function checkRecvWindow(rw: number): void {
  if (!Number.isSafeInteger(rw) || rw <= 0) throw new TickwireError('INVALID_ARGUMENT', `recvWindow must be a positive integer (ms), got ${String(rw)}`);
}

/** The one definition of the order.create layout. */
function orderCreateObject(o: BybitOrderShape, f: { reqId: string; ts: string; recvWindow: number; qty: string; price?: string; linkId: string }): unknown {
  const a: Record<string, string> = {
    category: 'spot',
    symbol: o.symbol,
    side: o.side === 'buy' ? 'Buy' : 'Sell',
    orderType: o.type === 'limit' ? 'Limit' : 'Market',
    qty: f.qty,
  };
  if (o.type === 'limit') {
    a.price = f.price as string;
    a.timeInForce = (o.timeInForce ?? 'gtc').toUpperCase();
  }
  a.orderLinkId = f.linkId;
  return { reqId: f.reqId, header: { 'X-BAPI-TIMESTAMP': f.ts, 'X-BAPI-RECV-WINDOW': String(f.recvWindow) }, op: 'order.create', args: [a] };
}

/** The reference `order.create` request: `reqId` and `orderLinkId` = the client order id. */
export function buildBybitOrderCreate(order: BybitResolvedOrder, precision: BybitPrecision, timestamp: number, recvWindow = 5000): string {
  checkShape(order);
  checkBybitClientOrderId(order.clientOrderId);
  checkRecvWindow(recvWindow);
  let price: string | undefined;
  if (order.type === 'limit') {
    if (order.price === undefined) throw new TickwireError('INVALID_ARGUMENT', 'a limit order needs a price');
    price = formatDecimal(order.price, precision.priceDecimals, 'order.price');
  } else if (order.price !== undefined) throw new TickwireError('INVALID_ARGUMENT', 'a market order takes no price');
  const qty = formatDecimal(order.qty, precision.qtyDecimals, 'order.qty');
  return JSON.stringify(
    orderCreateObject(order, { reqId: order.clientOrderId, ts: String(timestamp), recvWindow, qty, ...(price === undefined ? {} : { price }), linkId: order.clientOrderId }),
  );
}

/**
 * The order-template spec of `shape`: `reqId` = `orderLinkId` = `idPrefix` + sequence number,
 * the header timestamp taken by C at send time. Renders byte-identical to
 * {@link buildBybitOrderCreate} with `clientOrderId = idPrefix + seq` and that timestamp.
 */
export function bybitOrderCreateSpec(shape: BybitOrderShape, precision: BybitPrecision, idPrefix: string, recvWindow = 5000): OrderTemplateSpec {
  checkShape(shape);
  checkRecvWindow(recvWindow);
  if (!/^[A-Za-z0-9_.:-]{1,20}$/.test(idPrefix)) throw new TickwireError('INVALID_ARGUMENT', `idPrefix must be 1-20 of [A-Za-z0-9_.:-], got '${idPrefix}'`);
  const id = `${idPrefix}${Slot.SEQ}`;
  const obj = orderCreateObject(shape, {
    reqId: id,
    ts: Slot.TIMESTAMP,
    recvWindow,
    qty: Slot.QTY,
    ...(shape.type === 'limit' ? { price: Slot.PRICE } : {}),
    linkId: id,
  });
  // JSON.stringify escapes the control-character markers; put them back raw.
  const message = JSON.stringify(obj).replace(/\\u000([1-4])/g, (_, d: string) => String.fromCharCode(Number(d)));
  return { message, priceDecimals: precision.priceDecimals, qtyDecimals: precision.qtyDecimals };
}

/** The reference `order.cancel` request (by venue order id or client order id). */
export function buildBybitOrderCancel(reqId: string, cancel: { symbol: string; orderId?: string; clientOrderId?: string }, timestamp: number, recvWindow = 5000): string {
  checkRecvWindow(recvWindow);
  if (typeof cancel.symbol !== 'string' || !SYMBOL.test(cancel.symbol)) throw new TickwireError('INVALID_ARGUMENT', `cancel.symbol must be a Bybit symbol like 'BTCUSDT'`);
  const a: Record<string, string> = { category: 'spot', symbol: cancel.symbol };
  if (cancel.orderId !== undefined) {
    if (typeof cancel.orderId !== 'string' || cancel.orderId === '') throw new TickwireError('INVALID_ARGUMENT', 'orderId must be a non-empty string');
    a.orderId = cancel.orderId;
  } else if (cancel.clientOrderId !== undefined) {
    checkBybitClientOrderId(cancel.clientOrderId);
    a.orderLinkId = cancel.clientOrderId;
  } else throw new TickwireError('INVALID_ARGUMENT', 'cancelOrder needs clientOrderId or orderId');
  return JSON.stringify({ reqId, header: { 'X-BAPI-TIMESTAMP': String(timestamp), 'X-BAPI-RECV-WINDOW': String(recvWindow) }, op: 'order.cancel', args: [a] });
}
