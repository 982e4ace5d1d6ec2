/**
 * Kraken v2 order requests: the REFERENCE builders (JSON.stringify) and the order-template spec
 * built from the same definition, so the native template path and the reference path produce the
 * same bytes (test/exchanges/kraken-orders.test.ts compares them over thousands of orders).
 *
 * Kraken authenticates with a session token in every private request (`token`, from the REST call
 * `GetWebSocketsToken`), not with a per-request signature: a template is UNSIGNED, the token is a
 * literal baked into it, and its slots are price, quantity and the sequence number (in `req_id`
 * and `cl_ord_id`).
 *
 * Layout (fixed):
 *   {"method":"add_order","params":{"order_type":"limit","side":"buy","symbol":"BTC/USD",
 *    "limit_price":25000.10,"order_qty":0.01000000,"time_in_force":"gtc","cl_ord_id":"…",
 *    "token":"…"},"req_id":10011}
 * `limit_price` and `order_qty` are JSON numbers (Kraken v2 takes numbers) written with the
 * pair's fixed decimals by {@link formatDecimal}; JSON.stringify would print 25000.1 for
 * 25000.10 and 1e-7 for 0.0000001, so the builder writes those two number texts itself into the
 * JSON.stringify output. Market orders have no `limit_price` and no `time_in_force`.
 */
import type { KrakenPrecision } from '../../book/kraken-checksum.js';
import { TickwireError } from '../../native/errors.js';
import { Slot, type OrderTemplateSpec } from '../../orders/template.js';
import { formatDecimal } from '../common/decimal.js';
import { checkOrderShape } from '../common/orders.js';
import type { OrderRequest, OrderType, Side, TimeInForce } from '../common/types.js';

/** An order whose client id is decided. */
export type KrakenResolvedOrder = OrderRequest & { clientOrderId: string };

/** What a template fixes: everything but price, quantity and the sequence number. */
export interface KrakenOrderShape {
  symbol: string;
  side: Side;
  type: OrderType;
  /** Limit orders; default 'gtc'. */
  timeInForce?: TimeInForce;
}

const SYMBOL = /^[A-Z0-9.]{1,16}\/[A-Z0-9.]{1,16}$/;
const CL_ORD_ID = /^([A-Za-z0-9_.:-]{1,18}|[0-9a-fA-F]{32}|[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})$/;

/** Kraken's cl_ord_id forms: free text up to 18 characters, a 32-hex short UUID, or a UUID. */
export function checkKrakenClientOrderId(id: string): void {
  if (typeof id !== 'string' || !CL_ORD_ID.test(id)) {
    throw new TickwireError('INVALID_ARGUMENT', `clientOrderId '${String(id)}' must be up to 18 of [A-Za-z0-9_.:-], or a UUID`);
  }
}

function checkShape(o: KrakenOrderShape): void {
  if (typeof o.symbol !== 'string' || !SYMBOL.test(o.symbol)) {
    throw new TickwireError('INVALID_ARGUMENT', `order.symbol must be a Kraken v2 symbol like 'BTC/USD', got '${String(o.symbol)}'`);
  }
  checkOrderShape(o);
}

function checkToken(token: string): void {
  if (typeof token !== 'string' || token === '') throw new TickwireError('VENUE_AUTH_FAILED', 'kraken: order entry needs a WebSocket token (option `token`)');
}

// Placeholders for the texts written raw into the JSON.stringify output. JSON.stringify escapes
// U+0000, so they can collide with nothing a caller passes.
const P_PRICE = '\u0000price';
const P_QTY = '\u0000qty';
const P_CL = '\u0000cl';
const P_REQ = '\u0000req';
const quoted = (p: string): string => JSON.stringify(p);

/** The one definition of the add_order layout; `raw` texts are inserted verbatim. */
function addOrderText(o: KrakenOrderShape, token: string, raw: { price?: string; qty: string; clOrdId: string; reqId: string }): string {
  const limit = o.type === 'limit';
  const params: Record<string, string> = { order_type: o.type, side: o.side, symbol: o.symbol };
  if (limit) params.limit_price = P_PRICE;
  params.order_qty = P_QTY;
  if (limit) params.time_in_force = o.timeInForce ?? 'gtc';
  params.cl_ord_id = P_CL;
  params.token = token;
  let text = JSON.stringify({ method: 'add_order', params, req_id: P_REQ });
  if (limit) text = text.replace(quoted(P_PRICE), () => raw.price as string);
  return text
    .replace(quoted(P_QTY), () => raw.qty)
    .replace(quoted(P_CL), () => raw.clOrdId)
    .replace(quoted(P_REQ), () => raw.reqId);
}

/** The reference `add_order` request. Same input, same bytes. */
export function buildKrakenAddOrder(order: KrakenResolvedOrder, precision: KrakenPrecision, token: string, reqId: number): string {
  checkShape(order);
  checkToken(token);
  checkKrakenClientOrderId(order.clientOrderId);
  if (!Number.isSafeInteger(reqId) || reqId < 0) throw new TickwireError('INVALID_ARGUMENT', `req_id must be a safe integer >= 0, got ${String(reqId)}`);
  let price: string | undefined;
  if (order.type === 'limit') {
    if (order.price === undefined) throw new TickwireError('INVALID_ARGUMENT', 'a limit order needs a price');
    price = formatDecimal(order.price, precision.price, 'order.price');
  } else if (order.price !== undefined) throw new TickwireError('INVALID_ARGUMENT', 'a market order takes no price');
  const qty = formatDecimal(order.qty, precision.qty, 'order.qty');
  return addOrderText(order, token, { ...(price === undefined ? {} : { price }), qty, clOrdId: JSON.stringify(order.clientOrderId), reqId: String(reqId) });
}

/**
 * The order-template spec of `shape`: `cl_ord_id` = `clOrdPrefix` + sequence number, `req_id` =
 * the digits of `reqIdPrefix` followed by the sequence number. Renders byte-identical to
 * {@link buildKrakenAddOrder} with `clientOrderId = clOrdPrefix + seq` and
 * `reqId = Number(reqIdPrefix + seq)`.
 */
export function krakenAddOrderSpec(shape: KrakenOrderShape, precision: KrakenPrecision, token: string, clOrdPrefix: string, reqIdPrefix: string): OrderTemplateSpec {
  checkShape(shape);
  checkToken(token);
  if (!/^[A-Za-z0-9_.:-]{1,8}$/.test(clOrdPrefix)) throw new TickwireError('INVALID_ARGUMENT', `clOrdPrefix must be 1-8 of [A-Za-z0-9_.:-], got '${clOrdPrefix}'`);
  if (!/^[1-9]\d{0,5}$/.test(reqIdPrefix)) throw new TickwireError('INVALID_ARGUMENT', `reqIdPrefix must be 1-6 digits not starting with 0, got '${reqIdPrefix}'`);
  const message = addOrderText(shape, token, {
    ...(shape.type === 'limit' ? { price: Slot.PRICE } : {}),
    qty: Slot.QTY,
    clOrdId: `"${clOrdPrefix}${Slot.SEQ}"`,
    reqId: `${reqIdPrefix}${Slot.SEQ}`,
  });
  return { message, priceDecimals: precision.price, qtyDecimals: precision.qty };
}

/** The reference `cancel_order` request (by venue order id or client order id). */
export function buildKrakenCancelOrder(cancel: { orderId?: string; clientOrderId?: string }, token: string, reqId: number): string {
  checkToken(token);
  const params: Record<string, unknown> = {};
  if (cancel.orderId !== undefined) {
    if (typeof cancel.orderId !== 'string' || cancel.orderId === '') throw new TickwireError('INVALID_ARGUMENT', 'orderId must be a non-empty string');
    params.order_id = [cancel.orderId];
  } else if (cancel.clientOrderId !== undefined) {
    checkKrakenClientOrderId(cancel.clientOrderId);
    params.cl_ord_id = [cancel.clientOrderId];
  } else {
    throw new TickwireError('INVALID_ARGUMENT', 'cancelOrder needs clientOrderId or orderId');
  }
  params.token = token;
  return JSON.stringify({ method: 'cancel_order', params, req_id: reqId });
}
