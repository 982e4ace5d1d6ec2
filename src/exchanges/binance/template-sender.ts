/**
 * Binance `order.place` on the native order template path: one template per (connection, symbol,
 * side, type, time in force), compiled from the reference builder's own parameters (sign.ts), so
 * both paths share one definition of the request; each order is then one native call (format,
 * HMAC-sign, frame, mask, encrypt, submit).
 *
 * Client order ids come from the template: `<prefix><sequence>`, where the prefix is unique per
 * adapter and template, so the execution layer knows the id before the send (`clientOrderId`).
 * An order that brings its own client order id takes the reference path. The template reads the
 * clock in C, so the `timestamp` argument of `place` is not used on this path.
 */
import { TickwireError } from '../../native/errors.js';
import type { TickwireWebSocket } from '../../net/websocket.js';
import { OrderTemplate, Slot } from '../../orders/template.js';
import type { VenueSocket } from '../common/stream.js';
import type { OrderRequest } from '../common/types.js';
import type { BinanceOrderSender } from './execution.js';
import { ReferenceOrderSender } from './execution.js';
import { binanceOrderParams, binanceSigningPayload, type BinanceParamValue, type BinancePrecision, type ResolvedOrder } from './sign.js';

// Stand-in values whose texts cannot occur elsewhere in a request; each must appear exactly once.
const DUMMY_PRICE = 987654.123456789;
const DUMMY_QTY = 876543.987654321;
const DUMMY_TS = 4102444800123;
const DUMMY_ID = 'tWsEqSLOTxq';

interface Compiled {
  template: OrderTemplate;
  prefix: string;
}

function replaceOnce(text: string, find: string, by: string, what: string): string {
  const at = text.indexOf(find);
  if (at < 0 || text.indexOf(find, at + 1) >= 0) {
    throw new TickwireError('ORDER_TEMPLATE_INVALID', `binance template: the ${what} stand-in is not unique in the request`);
  }
  return text.slice(0, at) + by + text.slice(at + find.length);
}

export class TemplateOrderSender implements BinanceOrderSender {
  readonly #apiKey: string;
  readonly #secret: string;
  readonly #precision: (symbol: string) => BinancePrecision;
  readonly #recvWindow: number | undefined;
  readonly #reference: ReferenceOrderSender;
  readonly #session = `tw${Date.now().toString(36)}`;
  #count = 0;
  readonly #templates = new WeakMap<TickwireWebSocket, Map<string, Compiled>>();
  readonly #values = { price: 0, qty: 0 };

  constructor(apiKey: string, secret: string, precision: (symbol: string) => BinancePrecision, recvWindow?: number) {
    this.#apiKey = apiKey;
    this.#secret = secret;
    this.#precision = precision;
    this.#recvWindow = recvWindow;
    this.#reference = new ReferenceOrderSender(apiKey, secret, precision, recvWindow);
  }

  #key(order: OrderRequest): string {
    return `${order.symbol}|${order.side}|${order.type}|${order.timeInForce ?? ''}`;
  }

  /** The template for this order's shape on this connection, compiled on first use. */
  #compiled(ws: TickwireWebSocket, order: OrderRequest): Compiled {
    let byKey = this.#templates.get(ws);
    if (!byKey) {
      byKey = new Map();
      this.#templates.set(ws, byKey);
    }
    const key = this.#key(order);
    let c = byKey.get(key);
    if (!c) {
      const prefix = `${this.#session}-${(this.#count++).toString(36)}-`;
      c = { template: OrderTemplate.compile(this.spec(order, prefix), ws), prefix };
      byKey.set(key, c);
    }
    return c;
  }

  /** The template spec for an order's shape: the reference parameters with slots for the values. */
  spec(order: OrderRequest, idPrefix: string): Parameters<typeof OrderTemplate.compile>[0] {
    const precision = this.#precision(order.symbol);
    const shape: ResolvedOrder = { ...order, clientOrderId: DUMMY_ID, qty: DUMMY_QTY };
    if (order.type === 'limit') shape.price = DUMMY_PRICE;
    const ctx = { apiKey: this.#apiKey, timestamp: DUMMY_TS, ...(this.#recvWindow === undefined ? {} : { recvWindow: this.#recvWindow }) };
    const params = binanceOrderParams(shape, precision, ctx);
    const sorted: Record<string, BinanceParamValue> = {};
    for (const k of Object.keys(params).sort()) sorted[k] = params[k] as BinanceParamValue;
    const priceText = order.type === 'limit' ? String(sorted.price) : null;
    const qtyText = String(sorted.quantity);
    const fill = (text: string): string => {
      let t = replaceOnce(text, String(DUMMY_TS), Slot.TIMESTAMP, 'timestamp');
      t = replaceOnce(t, qtyText, Slot.QTY, 'quantity');
      if (priceText !== null) t = replaceOnce(t, priceText, Slot.PRICE, 'price');
      return t;
    };
    const id = `${idPrefix}${Slot.SEQ}`;
    const sign = fill(binanceSigningPayload(sorted)).replace(DUMMY_ID, id);
    // The message: JSON.stringify of the same object, request id = client order id, signature last.
    const message = fill(JSON.stringify({ id: DUMMY_ID, method: 'order.place', params: { ...sorted, signature: 'SIGNATURE_SLOT' } }))
      .split(DUMMY_ID)
      .join(id)
      .replace('SIGNATURE_SLOT', Slot.SIGNATURE);
    return { message, sign, secret: this.#secret, priceDecimals: precision.priceDecimals, qtyDecimals: precision.qtyDecimals };
  }

  /** The client order id the next template send of this order's shape will carry (null: no connection yet). */
  clientOrderId(socket: VenueSocket, order: OrderRequest): string | null {
    const ws = socket.ws;
    if (!ws || ws.readyState !== 'open') return null;
    const c = this.#compiled(ws, order);
    return `${c.prefix}${c.template.seq + 1}`;
  }

  place(socket: VenueSocket, order: ResolvedOrder, timestamp: number): void {
    const ws = socket.ws;
    const c = ws ? this.#compiled(ws, order) : null;
    if (!ws || !c || order.clientOrderId !== `${c.prefix}${c.template.seq + 1}`) {
      this.#reference.place(socket, order, timestamp); // the caller chose its own id
      return;
    }
    const v = this.#values;
    v.price = order.type === 'limit' ? (order.price as number) : 0;
    v.qty = order.qty;
    c.template.send(v);
  }
}
