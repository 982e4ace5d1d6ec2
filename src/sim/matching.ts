/**
 * The simulator's matching engine, venue-neutral. Client orders (already authenticated by the
 * venue module) match against the simulated book:
 * - the marketable part of a market or limit order takes liquidity from the book (the levels
 *   change and the fills print as public trades: {@link Market.take});
 * - a market order's or an IOC order's remainder expires; an FOK order fills entirely or expires
 *   untouched; a GTC limit order's remainder rests;
 * - resting orders are kept apart from the public book (they are not shown in it) and fill, at
 *   their limit price, when the simulated crowd trades at or through that price (a sell print at
 *   or below a resting bid, a buy print at or above a resting ask), up to the printed quantity.
 * Every change of an order is reported as a {@link SimExecution}; venue modules turn them into
 * their private-stream messages (Binance executionReport, …).
 */
import { EventEmitter } from 'node:events';

import type { Side, TimeInForce } from '../exchanges/common/types.js';
import type { Market, SimUpdate } from './market.js';

export interface SimOrderRequest {
  account: string;
  /** The market's symbol key (`BTCUSDT`). */
  symbol: string;
  side: Side;
  type: 'limit' | 'market';
  timeInForce: TimeInForce;
  /** Limit price in ticks; null for market orders. */
  price: number | null;
  /** Quantity in lots. */
  qty: number;
  /** Unique among the account's open orders; absent: the engine assigns `sim-<orderId>`. */
  clientOrderId?: string;
}

export type SimOrderStatus = 'new' | 'partially_filled' | 'filled' | 'canceled' | 'expired';

export interface SimOrder extends SimOrderRequest {
  clientOrderId: string;
  orderId: number;
  /** Filled lots. */
  filled: number;
  /** Σ price × qty of the fills, in ticks × lots. */
  quote: number;
  status: SimOrderStatus;
  time: number;
  updateTime: number;
}

export interface SimFill {
  tradeId: number;
  price: number;
  qty: number;
  maker: boolean;
}

export interface SimExecution {
  /** A copy of the order after this execution. */
  order: SimOrder;
  type: 'new' | 'trade' | 'canceled' | 'expired';
  fill: SimFill | null;
  time: number;
  /** For 'canceled': the id the client gave its cancel request (venues that have one), else null. */
  cancelRequestId: string | null;
}

export type SimRejectKind = 'unknown_symbol' | 'duplicate' | 'unknown_order' | 'invalid';

/** A request the engine refuses; venue modules map `kind` to their error shape. */
export class SimReject extends Error {
  constructor(
    readonly kind: SimRejectKind,
    message: string,
  ) {
    super(message);
    this.name = 'SimReject';
  }
}

export interface MatchingEvents {
  execution: [execution: SimExecution];
}

export class Matching extends EventEmitter<MatchingEvents> {
  readonly #market: Market;
  /** Open orders by order id. */
  readonly #open = new Map<number, SimOrder>();
  /** Client order ids in use, per account (open orders only, as venues do). */
  readonly #byClientId = new Map<string, SimOrder>();
  #nextId = 1;

  constructor(market: Market) {
    super();
    this.#market = market;
    market.on('update', (u) => this.#onUpdate(u));
  }

  /** The open orders of `account`. */
  openOrders(account: string): SimOrder[] {
    return [...this.#open.values()].filter((o) => o.account === account).map((o) => ({ ...o }));
  }

  /** Places an order; returns it as it stands after matching. Throws {@link SimReject}. */
  place(req: SimOrderRequest): SimOrder {
    if (!this.#market.get(req.symbol)) throw new SimReject('unknown_symbol', `unknown symbol ${req.symbol}`);
    if (!Number.isSafeInteger(req.qty) || req.qty <= 0) throw new SimReject('invalid', 'quantity must be > 0 in lot units');
    if (req.type === 'limit' && (req.price === null || !Number.isSafeInteger(req.price) || req.price <= 0)) {
      throw new SimReject('invalid', 'limit orders need a price > 0 in tick units');
    }
    const clientOrderId = req.clientOrderId ?? `sim-${this.#nextId}`;
    const cidKey = `${req.account}\u0000${clientOrderId}`;
    if (this.#byClientId.has(cidKey)) throw new SimReject('duplicate', `client order id ${clientOrderId} is in use`);
    const now = Date.now();
    const order: SimOrder = { ...req, clientOrderId, orderId: this.#nextId++, filled: 0, quote: 0, status: 'new', time: now, updateTime: now };
    this.#report(order, 'new', null);

    const limit = req.type === 'market' ? null : req.price;
    const fok = req.timeInForce === 'fok';
    if (!fok || this.#market.available(req.symbol, req.side, limit) >= req.qty) {
      const fills = this.#market.take(req.symbol, req.side, req.qty, limit, req.account);
      for (const f of fills) this.#fill(order, { tradeId: f.tradeId, price: f.price, qty: f.qty, maker: false });
    }
    if (order.filled < order.qty) {
      if (req.type === 'market' || req.timeInForce !== 'gtc') {
        order.status = 'expired';
        this.#report(order, 'expired', null);
      } else {
        this.#open.set(order.orderId, order);
        this.#byClientId.set(cidKey, order);
      }
    }
    return { ...order };
  }

  /** Cancels an open order by venue id or client id. Throws {@link SimReject} ('unknown_order'). */
  cancel(account: string, symbol: string, by: { orderId?: number; clientOrderId?: string }, cancelRequestId: string | null = null): SimOrder {
    let order: SimOrder | undefined;
    if (by.orderId !== undefined) order = this.#open.get(by.orderId);
    else if (by.clientOrderId !== undefined) order = this.#byClientId.get(`${account}\u0000${by.clientOrderId}`);
    if (!order || order.account !== account || order.symbol !== symbol) throw new SimReject('unknown_order', 'Unknown order sent.');
    this.#close(order);
    order.status = 'canceled';
    this.#report(order, 'canceled', null, cancelRequestId);
    return { ...order };
  }

  #close(order: SimOrder): void {
    this.#open.delete(order.orderId);
    this.#byClientId.delete(`${order.account}\u0000${order.clientOrderId}`);
  }

  #fill(order: SimOrder, fill: SimFill): void {
    order.filled += fill.qty;
    order.quote += fill.price * fill.qty;
    order.status = order.filled >= order.qty ? 'filled' : 'partially_filled';
    this.#report(order, 'trade', fill);
    if (order.status === 'filled') this.#close(order);
  }

  #report(order: SimOrder, type: SimExecution['type'], fill: SimFill | null, cancelRequestId: string | null = null): void {
    order.updateTime = Date.now();
    this.emit('execution', { order: { ...order }, type, fill, time: order.updateTime, cancelRequestId });
  }

  /** Crowd prints fill resting orders at their limit price. */
  #onUpdate(u: SimUpdate): void {
    if (this.#open.size === 0) return;
    for (const t of u.trades) {
      if (t.taker !== null) continue;
      let left = t.qty;
      for (const order of [...this.#open.values()]) {
        if (left === 0) break;
        if (order.symbol !== u.symbol || order.price === null) continue;
        const crosses = order.side === 'buy' ? t.takerSide === 'sell' && t.price <= order.price : t.takerSide === 'buy' && t.price >= order.price;
        if (!crosses) continue;
        const q = Math.min(left, order.qty - order.filled);
        left -= q;
        this.#fill(order, { tradeId: t.id, price: order.price, qty: q, maker: true });
      }
    }
  }
}
