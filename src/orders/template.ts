/**
 * Order templates: a venue's order request serialized once, with slots filled by C at send time.
 * `send()` is one native call: format price and quantity with the venue's precision, take the next
 * sequence number and the clock, HMAC-sign with the precomputed key state, frame, mask, encrypt and
 * submit. No JSON, no string building, no allocation (reuse one `OrderValues` object).
 *
 * A spec is the request text with {@link Slot} markers where values go. Venue adapters build specs
 * from their reference request builders (the slower JSON.stringify + node:crypto path), so both
 * paths produce the same bytes; see docs/orders.md.
 */
import { binding } from '../native/binding.js';
import { TickwireError } from '../native/errors.js';
import { nativeError } from '../native/status.js';
import type { TickwireWebSocket } from '../net/websocket.js';

/** Slot markers: control characters that JSON and query strings never carry raw. */
export const Slot = {
  /** The price, `priceDecimals` digits after the point. */
  PRICE: '\x01',
  /** The quantity, `qtyDecimals` digits after the point. */
  QTY: '\x02',
  /** The template's sequence number (1, 2, ...): request ids and client order ids. */
  SEQ: '\x03',
  /** Milliseconds since the epoch, taken by C at send time. */
  TIMESTAMP: '\x04',
  /** HMAC-SHA256 of the signing payload, 64 lowercase hex characters (message only). */
  SIGNATURE: '\x05',
} as const;

export interface OrderTemplateSpec {
  /** The request as sent (a WebSocket text message), with Slot markers. */
  message: string;
  /** The text that is signed, with Slot markers (no SIGNATURE); omit for venues that do not sign each request. */
  sign?: string;
  /** HMAC secret; turned into key state at compile time and not kept in JS by the template. */
  secret?: string | Uint8Array;
  /** Digits after the point for prices (the venue's tick size), 0-18. */
  priceDecimals: number;
  /** Digits after the point for quantities (the venue's lot size), 0-18. */
  qtyDecimals: number;
}

/** What changes per order. Reuse one object to send without allocating. */
export interface OrderValues {
  price: number;
  qty: number;
}

export type TemplateHandle = { readonly __brand: 'OrderTemplate' };
const native = binding as unknown as {
  orderTemplateCreate(msg: Uint8Array, sign: Uint8Array | null, secret: Uint8Array | null, pd: number, qd: number): TemplateHandle;
  orderRender(t: TemplateHandle, price: number, qty: number, tsMs: number, out: Uint8Array): number;
  orderState(t: TemplateHandle, out: Float64Array): void;
  ORDER_MAX_MESSAGE: number;
};

/** The connection side of a template send (implemented by TickwireWebSocket). */
export interface OrderSink {
  _sendOrder(template: TemplateHandle, price: number, qty: number): boolean;
}

/**
 * Renders one request of `t` into a new Buffer of at most `maxBytes` (advances the sequence number
 * like a send): OrderTemplate.render, and the copy a connection queues under backpressure.
 */
export function renderOrder(t: TemplateHandle, price: number, qty: number, timestampMs = 0, maxBytes: number = native.ORDER_MAX_MESSAGE): Buffer {
  const out = Buffer.allocUnsafe(maxBytes);
  const n = native.orderRender(t, price, qty, timestampMs, out);
  if (n < 0) throw nativeError(n, 'order template');
  return out.subarray(0, n);
}

function decimals(v: unknown, name: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > 18) {
    throw new TickwireError('ORDER_TEMPLATE_INVALID', `${name} must be an integer 0-18, got ${String(v)}`);
  }
  return v;
}

export class OrderTemplate {
  readonly #handle: TemplateHandle;
  readonly #state = new Float64Array(3);
  readonly #sink: OrderSink | null;

  private constructor(handle: TemplateHandle, sink: OrderSink | null) {
    this.#handle = handle;
    this.#sink = sink;
  }

  /**
   * Compiles a template; with `ws`, `send()` sends on that connection (across its reconnects).
   * Throws ORDER_TEMPLATE_INVALID for a bad spec.
   */
  static compile(spec: OrderTemplateSpec, ws?: TickwireWebSocket): OrderTemplate {
    if (typeof spec !== 'object' || spec === null || typeof spec.message !== 'string' || spec.message === '') {
      throw new TickwireError('ORDER_TEMPLATE_INVALID', 'spec.message must be a non-empty string');
    }
    const pd = decimals(spec.priceDecimals, 'priceDecimals');
    const qd = decimals(spec.qtyDecimals, 'qtyDecimals');
    if (spec.sign !== undefined && typeof spec.sign !== 'string') throw new TickwireError('ORDER_TEMPLATE_INVALID', 'spec.sign must be a string');
    const signs = spec.sign !== undefined;
    if (signs !== spec.message.includes(Slot.SIGNATURE)) {
      throw new TickwireError(
        'ORDER_TEMPLATE_INVALID',
        signs ? 'spec.sign is given but spec.message has no Slot.SIGNATURE' : 'spec.message has a Slot.SIGNATURE but no spec.sign',
      );
    }
    if (signs && (spec.secret === undefined || spec.secret.length === 0)) {
      throw new TickwireError('ORDER_TEMPLATE_INVALID', 'a signed template needs spec.secret');
    }
    const secret = spec.secret === undefined ? null : typeof spec.secret === 'string' ? Buffer.from(spec.secret, 'utf8') : spec.secret;
    let handle: TemplateHandle;
    try {
      handle = native.orderTemplateCreate(
        Buffer.from(spec.message, 'utf8'),
        signs ? Buffer.from(spec.sign as string, 'utf8') : null,
        secret,
        pd,
        qd,
      );
    } catch (cause) {
      throw new TickwireError('ORDER_TEMPLATE_INVALID', (cause as Error).message, { cause });
    } finally {
      if (secret && typeof spec.secret === 'string') secret.fill(0);
    }
    return new OrderTemplate(handle, (ws as unknown as OrderSink | undefined) ?? null);
  }

  /**
   * Sends one order on the bound connection: one native call. Returns false when the request was
   * queued behind backpressure (it still goes out, in order). Throws ORDER_VALUE_OUT_OF_RANGE for
   * a negative, non-finite or too precise-for-doubles value, WS_NOT_OPEN when the connection is not open.
   */
  send(order: OrderValues): boolean {
    const sink = this.#sink;
    if (sink === null) throw new TickwireError('INVALID_ARGUMENT', 'send: this template is not bound to a connection (OrderTemplate.compile(spec, ws))');
    return sink._sendOrder(this.#handle, order.price, order.qty);
  }

  /** Renders one request into `out` (advances the sequence number like send). Returns its length. */
  renderInto(out: Uint8Array, price: number, qty: number, timestampMs = 0): number {
    const n = native.orderRender(this.#handle, price, qty, timestampMs, out);
    if (n < 0) throw nativeError(n, 'order template');
    return n;
  }

  /** Renders one request into a new Buffer (tests, journals, the reference comparison). */
  render(price: number, qty: number, timestampMs = 0): Buffer {
    return renderOrder(this.#handle, price, qty, timestampMs, this.maxMessageBytes);
  }

  /** The sequence number used by the last send/render (0 before the first). */
  get seq(): number {
    native.orderState(this.#handle, this.#state);
    return this.#state[0] as number;
  }

  /** The timestamp (ms) used by the last send/render. */
  get lastTimestamp(): number {
    native.orderState(this.#handle, this.#state);
    return this.#state[1] as number;
  }

  /** Upper bound of a rendered request. */
  get maxMessageBytes(): number {
    native.orderState(this.#handle, this.#state);
    return this.#state[2] as number;
  }
}
