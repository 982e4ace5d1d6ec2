/**
 * The fake TWS's market: known instruments and a seeded random walk per instrument (the
 * simulator's Prng). Deterministic for a given seed and sequence of steps.
 */
import type { ContractRecord } from '../../tws/messages/records.js';
import { Prng } from '../random.js';

export interface InstrumentSpec {
  secType: 'STK' | 'FUT' | 'OPT' | 'CASH' | 'IND' | 'CRYPTO';
  conId: number;
  /** Starting mid price. */
  price: number;
  /** Price increment. */
  tick: number;
  currency?: string;
  exchange?: string;
  primaryExchange?: string;
  multiplier?: string;
  /** Futures: the contract month it trades ('202612'). */
  lastTradeDateOrContractMonth?: string;
  localSymbol?: string;
  tradingClass?: string;
}

/** Instruments the fake knows by default (conIds are IB's real ones where known; prices made up). */
export const DEFAULT_INSTRUMENTS: Record<string, InstrumentSpec> = {
  AAPL: { secType: 'STK', conId: 265598, price: 190, tick: 0.01, currency: 'USD', exchange: 'SMART', primaryExchange: 'NASDAQ', localSymbol: 'AAPL', tradingClass: 'NMS' },
  MSFT: { secType: 'STK', conId: 272093, price: 420, tick: 0.01, currency: 'USD', exchange: 'SMART', primaryExchange: 'NASDAQ', localSymbol: 'MSFT', tradingClass: 'NMS' },
  SPY: { secType: 'STK', conId: 756733, price: 500, tick: 0.01, currency: 'USD', exchange: 'SMART', primaryExchange: 'ARCA', localSymbol: 'SPY', tradingClass: 'SPY' },
  ES: {
    secType: 'FUT',
    conId: 637533641,
    price: 5000,
    tick: 0.25,
    currency: 'USD',
    exchange: 'CME',
    multiplier: '50',
    lastTradeDateOrContractMonth: '20261218',
    localSymbol: 'ESZ6',
    tradingClass: 'ES',
  },
  'EUR.USD': { secType: 'CASH', conId: 12087792, price: 1.08, tick: 0.00005, currency: 'USD', exchange: 'IDEALPRO', localSymbol: 'EUR.USD', tradingClass: 'EUR.USD' },
};

export interface Quote {
  bid: number;
  ask: number;
  last: number;
  bidSize: number;
  askSize: number;
  lastSize: number;
  volume: number;
  high: number;
  low: number;
  close: number;
  open: number;
}

export class Instrument {
  readonly key: string;
  readonly spec: InstrumentSpec;
  readonly contract: ContractRecord;
  quote: Quote;
  readonly #prng: Prng;

  constructor(key: string, spec: InstrumentSpec, contract: ContractRecord, seed: number) {
    this.key = key;
    this.spec = spec;
    this.contract = contract;
    this.#prng = new Prng(seed);
    const p = this.#round(spec.price);
    this.quote = {
      bid: this.#round(p - spec.tick),
      ask: this.#round(p + spec.tick),
      last: p,
      bidSize: 100,
      askSize: 100,
      lastSize: 1,
      volume: 0,
      high: p,
      low: p,
      close: p,
      open: p,
    };
  }

  #round(x: number): number {
    const t = this.spec.tick;
    return Number((Math.round(x / t) * t).toFixed(8));
  }

  /** One random step: which side moved ('bid' | 'ask' | 'last'). */
  step(): 'bid' | 'ask' | 'last' {
    const q = this.quote;
    const r = this.#prng.next();
    const moves = this.#prng.int(3) - 1; // -1, 0, +1 ticks
    const mid = this.#round((q.bid + q.ask) / 2 + moves * this.spec.tick);
    const spread = this.spec.tick * (1 + this.#prng.int(2));
    q.bid = this.#round(mid - spread / 2 <= 0 ? this.spec.tick : mid - spread / 2);
    q.ask = this.#round(Math.max(q.bid + this.spec.tick, mid + spread / 2));
    q.bidSize = 100 * (1 + this.#prng.int(20));
    q.askSize = 100 * (1 + this.#prng.int(20));
    if (r < 0.34) return 'bid';
    if (r < 0.67) return 'ask';
    q.last = this.#prng.chance(0.5) ? q.bid : q.ask;
    q.lastSize = 1 + this.#prng.int(10) * 100;
    q.volume += q.lastSize;
    q.high = Math.max(q.high, q.last);
    q.low = Math.min(q.low, q.last);
    return 'last';
  }

  /** A trade of `qty` by us: moves last and volume. */
  trade(price: number, qty: number): void {
    const q = this.quote;
    q.last = price;
    q.lastSize = qty;
    q.volume += qty;
    q.high = Math.max(q.high, price);
    q.low = Math.min(q.low, price);
  }
}
