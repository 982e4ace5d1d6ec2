import { describe, expect, it } from 'vitest';
import { Portfolio } from '../../src/strategies/portfolio.js';
import { RiskGovernor, type RiskLimits } from '../../src/strategies/risk.js';
import type { OrderIntent } from '../../src/strategies/types.js';
import { fill } from './fixtures.js';

const V = 'binance' as const;
const S = 'BTCUSDT';

function limits(over: Partial<RiskLimits> = {}): RiskLimits {
  return {
    maxPosition: 10,
    maxNotional: 1_000_000,
    approvedSize: 0.2,
    dailyLossLimit: 1000,
    maxOrdersPerSecond: 1000,
    staleness: { pricesMs: 5000, booksMs: 2000, positionsMs: 30000 },
    ...over,
  };
}

let n = 0;
function intent(side: 'buy' | 'sell', qty: number, over: Partial<OrderIntent> = {}): OrderIntent {
  return { id: `t-${++n}`, strategy: 't', venue: V, symbol: S, side, type: 'market', qty, ts: 0, ...over };
}

/** A governor over a portfolio with NAV 100 000, BTCUSDT marked at 100, fresh prices at t = 0. */
function setup(over: Partial<RiskLimits> = {}, cash = 100_000) {
  let now = 0;
  const clock = { set: (t: number) => (now = t), get: () => now };
  const portfolio = new Portfolio(cash);
  portfolio.mark(V, S, 100);
  const risk = new RiskGovernor(limits(over), portfolio, () => now);
  risk.noteData('prices', V, S, 0);
  return { risk, portfolio, clock };
}

function code(d: ReturnType<RiskGovernor['check']>): string {
  return d.approved ? 'APPROVED' : d.code;
}

describe('RiskGovernor', () => {
  it('max position: up to the limit passes, one lot over is blocked, reducing passes', () => {
    const { risk, portfolio } = setup({ maxPosition: 10 });
    expect(code(risk.check(intent('buy', 10)))).toBe('APPROVED');
    expect(code(risk.check(intent('buy', 10.001)))).toBe('MAX_POSITION');
    expect(code(risk.check(intent('sell', 10.001)))).toBe('MAX_POSITION');
    portfolio.applyFill(fill('buy', 8, 100));
    expect(code(risk.check(intent('buy', 2)))).toBe('APPROVED');
    expect(code(risk.check(intent('buy', 2.5)))).toBe('MAX_POSITION');
    expect(code(risk.check(intent('sell', 18)))).toBe('APPROVED'); // ends at −10
    expect(code(risk.check(intent('sell', 18.5)))).toBe('MAX_POSITION');
  });

  it('max position counts open orders: same-side orders in flight are assumed to fill first', () => {
    let open = { buy: 0, sell: 0 };
    const portfolio = new Portfolio(100_000);
    portfolio.mark(V, S, 100);
    const risk = new RiskGovernor(limits({ maxPosition: 10, approvedSize: 0.2 }), portfolio, () => 0, () => open);
    risk.noteData('prices', V, S, 0);
    open = { buy: 6, sell: 0 };
    expect(code(risk.check(intent('buy', 4)))).toBe('APPROVED'); // 6 open + 4 = 10
    const d = risk.check(intent('buy', 4.5));
    expect(d).toMatchObject({ approved: false, code: 'MAX_POSITION' });
    expect(!d.approved && d.message).toMatch(/with 6 open on that side/);
    // Open buys do not count against a sell: only the side that grows the position matters.
    expect(code(risk.check(intent('sell', 10)))).toBe('APPROVED');
    open = { buy: 0, sell: 9 };
    expect(code(risk.check(intent('sell', 1)))).toBe('APPROVED');
    expect(code(risk.check(intent('sell', 1.5)))).toBe('MAX_POSITION');
    // Reduce-only accounts for open same-side orders: long 8 with 5 open sells, a sell of 3 still reduces (8 ≥ 5 + 3), 4 would flip.
    portfolio.applyFill(fill('buy', 8, 100));
    open = { buy: 0, sell: 5 };
    const lossy = new RiskGovernor(limits({ maxPosition: 1, dailyLossLimit: 0 }), portfolio, () => 0, () => open);
    lossy.noteData('prices', V, S, 0);
    expect(code(lossy.check(intent('sell', 3)))).toBe('APPROVED');
    expect(code(lossy.check(intent('sell', 4)))).toBe('DAILY_LOSS');
    // A broken provider fails closed.
    open = { buy: Number.NaN, sell: 0 };
    expect(code(risk.check(intent('buy', 0.1)))).toBe('MAX_POSITION');
  });

  it('max position per symbol: venue:symbol, then symbol, then *; an unlisted symbol is refused', () => {
    const { risk, portfolio } = setup({ maxPosition: { 'binance:BTCUSDT': 1, ETHUSDT: 5 } });
    expect(code(risk.check(intent('buy', 1)))).toBe('APPROVED');
    expect(code(risk.check(intent('buy', 1.5)))).toBe('MAX_POSITION');
    portfolio.mark(V, 'ETHUSDT', 10);
    risk.noteData('prices', V, 'ETHUSDT', 0);
    expect(code(risk.check(intent('buy', 5, { symbol: 'ETHUSDT' })))).toBe('APPROVED');
    expect(code(risk.check(intent('buy', 6, { symbol: 'ETHUSDT' })))).toBe('MAX_POSITION');
    portfolio.mark(V, 'SOLUSDT', 10);
    risk.noteData('prices', V, 'SOLUSDT', 0);
    const d = risk.check(intent('buy', 1, { symbol: 'SOLUSDT' }));
    expect(d).toMatchObject({ approved: false, code: 'MAX_POSITION' });
    expect(!d.approved && d.message).toMatch(/no maxPosition configured/);
    const withStar = setup({ maxPosition: { '*': 3 } });
    expect(code(withStar.risk.check(intent('buy', 3)))).toBe('APPROVED');
    expect(code(withStar.risk.check(intent('buy', 4)))).toBe('MAX_POSITION');
  });

  it('max notional: |position after| × price at the limit passes, above is blocked', () => {
    const { risk, portfolio } = setup({ maxNotional: 500 });
    expect(code(risk.check(intent('buy', 5)))).toBe('APPROVED'); // 500
    expect(code(risk.check(intent('buy', 5.01)))).toBe('MAX_NOTIONAL');
    expect(code(risk.check(intent('buy', 4, { type: 'limit', price: 125 })))).toBe('APPROVED'); // valued at the limit price
    expect(code(risk.check(intent('buy', 4, { type: 'limit', price: 126 })))).toBe('MAX_NOTIONAL');
    portfolio.applyFill(fill('buy', 4, 100));
    expect(code(risk.check(intent('buy', 1)))).toBe('APPROVED');
    expect(code(risk.check(intent('buy', 1.1)))).toBe('MAX_NOTIONAL');
  });

  it('approved size: an order over approvedSize × NAV is reduced to it, with qtyStep floored; 0 blocks', () => {
    const { risk } = setup({ approvedSize: 0.1, maxPosition: 1000, qtyStep: 0.3 }); // cap 10 000 = 100 units
    const ok = risk.check(intent('buy', 100));
    expect(ok).toMatchObject({ approved: true, intent: { qty: 100 } });
    const reduced = risk.check(intent('buy', 250));
    expect(reduced.approved).toBe(true);
    if (reduced.approved) {
      expect(reduced.intent.qty).toBeCloseTo(99.9, 9); // floor(100 / 0.3) × 0.3
      expect(reduced.intent.qty * 100).toBeLessThanOrEqual(10_000);
      expect(reduced.intent.id).toMatch(/^t-/);
    }
    risk.setApprovedSize(0);
    expect(risk.approvedSize).toBe(0);
    expect(code(risk.check(intent('buy', 0.001)))).toBe('APPROVED_SIZE');
    expect(() => risk.setApprovedSize(0.2000001)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    expect(() => risk.setApprovedSize(-0.01)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    risk.setApprovedSize(0.2);
    expect(risk.approvedSize).toBe(0.2);
  });

  it('approved size: the reduced quantity rounding to 0 and a NAV ≤ 0 are blocked', () => {
    const a = setup({ approvedSize: 0.01, qtyStep: 100 }, 1000); // cap 10 = 0.1 unit, step 100
    expect(code(a.risk.check(intent('buy', 1)))).toBe('APPROVED_SIZE');
    const b = setup({}, 0);
    expect(code(b.risk.check(intent('buy', 1)))).toBe('APPROVED_SIZE');
  });

  it('validates approvedSize (0..0.20) and the other limits at construction', () => {
    const p = new Portfolio(1);
    expect(() => new RiskGovernor(limits({ approvedSize: 0.21 }), p)).toThrow(/approvedSize/);
    expect(() => new RiskGovernor(limits({ approvedSize: -0.1 }), p)).toThrow(/approvedSize/);
    expect(() => new RiskGovernor(limits({ approvedSize: Number.NaN }), p)).toThrow(/approvedSize/);
    expect(() => new RiskGovernor(limits({ approvedSize: 0.2 }), p)).not.toThrow();
    expect(() => new RiskGovernor(limits({ approvedSize: 0 }), p)).not.toThrow();
    expect(() => new RiskGovernor(limits({ maxPosition: -1 }), p)).toThrow(/maxPosition/);
    expect(() => new RiskGovernor(limits({ maxNotional: { BTCUSDT: Number.NaN } }), p)).toThrow(/maxNotional\["BTCUSDT"\]/);
    expect(() => new RiskGovernor(limits({ maxOrdersPerSecond: 1.5 }), p)).toThrow(/maxOrdersPerSecond/);
    expect(() => new RiskGovernor(limits({ dailyLossLimit: -5 }), p)).toThrow(/dailyLossLimit/);
    expect(() => new RiskGovernor(limits({ staleness: { pricesMs: -1, booksMs: 1, positionsMs: 1 } }), p)).toThrow(/staleness.pricesMs/);
  });

  it('daily loss: at the limit new risk is blocked, reduce-only passes; startDay() resets', () => {
    const { risk, portfolio } = setup({ dailyLossLimit: 999, maxPosition: 100 });
    portfolio.applyFill(fill('buy', 10, 100));
    portfolio.mark(V, S, 0.2); // daily P&L = 10 × (0.2 − 100) = −998: under the limit
    expect(portfolio.dailyPnl).toBeCloseTo(-998, 9);
    expect(code(risk.check(intent('buy', 0.1)))).toBe('APPROVED');
    portfolio.mark(V, S, 0.1); // −999: at the limit
    expect(portfolio.dailyPnl).toBeCloseTo(-999, 9);
    const blocked = risk.check(intent('buy', 0.1));
    expect(blocked).toMatchObject({ approved: false, code: 'DAILY_LOSS' });
    expect(!blocked.approved && blocked.message).toMatch(/−999/);
    expect(code(risk.check(intent('sell', 10.5)))).toBe('DAILY_LOSS'); // would flip short
    expect(code(risk.check(intent('sell', 5)))).toBe('APPROVED'); // reduce-only
    expect(code(risk.check(intent('sell', 10)))).toBe('APPROVED'); // to flat
    portfolio.startDay();
    expect(code(risk.check(intent('buy', 0.1)))).toBe('APPROVED');
  });

  it('order rate: N per sliding second pass, N+1 is blocked until the oldest is 1000 ms old', () => {
    const { risk, clock } = setup({ maxOrdersPerSecond: 3 });
    clock.set(0);
    expect(code(risk.check(intent('buy', 0.1)))).toBe('APPROVED');
    clock.set(400);
    expect(code(risk.check(intent('buy', 0.1)))).toBe('APPROVED');
    expect(code(risk.check(intent('buy', 0.1)))).toBe('APPROVED');
    expect(code(risk.check(intent('buy', 0.1)))).toBe('ORDER_RATE');
    clock.set(999);
    expect(code(risk.check(intent('buy', 0.1)))).toBe('ORDER_RATE');
    clock.set(1000); // the order at 0 left the window
    expect(code(risk.check(intent('buy', 0.1)))).toBe('APPROVED');
    expect(code(risk.check(intent('buy', 0.1)))).toBe('ORDER_RATE');
    clock.set(1400); // both at 400 left
    expect(code(risk.check(intent('buy', 0.1)))).toBe('APPROVED');
    expect(code(risk.check(intent('buy', 0.1)))).toBe('APPROVED');
    expect(code(risk.check(intent('buy', 0.1)))).toBe('ORDER_RATE');
  });

  it('order rate: rejected intents do not use up the budget; 0 blocks everything', () => {
    const { risk } = setup({ maxOrdersPerSecond: 1, maxPosition: 1 });
    expect(code(risk.check(intent('buy', 5)))).toBe('MAX_POSITION');
    expect(code(risk.check(intent('buy', 1)))).toBe('APPROVED');
    expect(code(risk.check(intent('buy', 1)))).toBe('ORDER_RATE');
    const zero = setup({ maxOrdersPerSecond: 0 });
    expect(code(zero.risk.check(intent('buy', 1)))).toBe('ORDER_RATE');
  });

  it('staleness: prices older than 5 s, never-priced symbols and no price at all are blocked', () => {
    const { risk, clock, portfolio } = setup();
    clock.set(5000);
    expect(code(risk.check(intent('buy', 1)))).toBe('APPROVED'); // age exactly 5000
    clock.set(5001);
    const d = risk.check(intent('buy', 1));
    expect(d).toMatchObject({ approved: false, code: 'STALE_PRICES' });
    expect(!d.approved && d.message).toMatch(/5001 ms ago \(limit 5000 ms\)/);
    risk.noteData('prices', V, S, 5001);
    expect(code(risk.check(intent('buy', 1)))).toBe('APPROVED');
    risk.noteData('prices', V, S, 10); // an older timestamp does not move the clock back
    expect(code(risk.check(intent('buy', 1)))).toBe('APPROVED');
    risk.noteData('prices', V, 'XRPUSDT', Number.NaN); // a NaN time is no data, never fresh data
    portfolio.mark(V, 'XRPUSDT', 1);
    expect(code(risk.check(intent('buy', 1, { symbol: 'XRPUSDT' })))).toBe('STALE_PRICES');
    // another venue with the same symbol is tracked apart
    portfolio.mark('bybit', S, 100);
    expect(code(risk.check(intent('buy', 1, { venue: 'bybit' })))).toBe('STALE_PRICES');
    // fresh but never priced: NO_PRICE
    risk.noteData('prices', V, 'ETHUSDT', 5001);
    expect(code(risk.check(intent('buy', 1, { symbol: 'ETHUSDT' })))).toBe('NO_PRICE');
  });

  it('staleness: books 2 s and positions 30 s once seen (or required), per venue+symbol; 0 disables', () => {
    const { risk, clock } = setup();
    risk.noteData('books', V, S, 0);
    risk.noteData('positions', V, S, 0);
    clock.set(2000);
    risk.noteData('prices', V, S, 2000);
    expect(code(risk.check(intent('buy', 1)))).toBe('APPROVED');
    clock.set(2001);
    expect(code(risk.check(intent('buy', 1)))).toBe('STALE_BOOK');
    risk.noteData('books', V, S, 29_000);
    risk.noteData('prices', V, S, 29_000);
    clock.set(30_000);
    expect(code(risk.check(intent('buy', 1)))).toBe('APPROVED');
    clock.set(30_001);
    risk.noteData('books', V, S, 30_001);
    risk.noteData('prices', V, S, 30_001);
    expect(code(risk.check(intent('buy', 1)))).toBe('STALE_POSITIONS');

    const req = setup({ staleness: { pricesMs: 5000, booksMs: 2000, positionsMs: 30000, require: ['books', 'positions'] } });
    expect(code(req.risk.check(intent('buy', 1)))).toBe('STALE_BOOK');
    req.risk.noteData('books', V, S, 0);
    expect(code(req.risk.check(intent('buy', 1)))).toBe('STALE_POSITIONS');
    req.risk.noteData('positions', V, S, 0);
    expect(code(req.risk.check(intent('buy', 1)))).toBe('APPROVED');

    const off = setup({ staleness: { pricesMs: 0, booksMs: 0, positionsMs: 0, require: ['books'] } });
    off.clock.set(1e9);
    expect(code(off.risk.check(intent('buy', 1)))).toBe('APPROVED');
  });

  it('fails closed on a broken clock (NaN time reads as stale)', () => {
    const { risk, clock } = setup();
    clock.set(Number.NaN);
    expect(code(risk.check(intent('buy', 1)))).toBe('STALE_PRICES');
  });

  it('HALT blocks every intent and emits once; resume restores and emits', () => {
    const { risk } = setup();
    const events: string[] = [];
    risk.on('halt', (r) => events.push(`halt:${r}`));
    risk.on('resume', () => events.push('resume'));
    expect(risk.halted).toBe(false);
    risk.halt('operator');
    risk.halt('again');
    expect(risk.halted).toBe(true);
    expect(risk.haltReason).toBe('again');
    const d = risk.check(intent('sell', 0.1));
    expect(d).toMatchObject({ approved: false, code: 'HALTED' });
    expect(!d.approved && d.message).toMatch(/again/);
    expect(code(risk.check(intent('buy', 0.1, { type: 'limit', price: 99 })))).toBe('HALTED');
    expect(events).toEqual(['halt:operator']);
    risk.resume();
    risk.resume();
    expect(events).toEqual(['halt:operator', 'resume']);
    expect(risk.halted).toBe(false);
    expect(code(risk.check(intent('buy', 0.1)))).toBe('APPROVED');
  });

  it('HALT takes precedence over every other check', () => {
    const { risk, clock } = setup({ maxOrdersPerSecond: 0 });
    clock.set(1e9);
    risk.halt('x');
    expect(code(risk.check(intent('buy', 1e9)))).toBe('HALTED');
  });

  it('throws INVALID_ARGUMENT on a malformed intent', () => {
    const { risk } = setup();
    expect(() => risk.check(intent('buy', 0))).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    expect(() => risk.check(intent('buy', Number.NaN))).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    expect(() => risk.check(intent('buy', 1, { type: 'limit' }))).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
  });
});
