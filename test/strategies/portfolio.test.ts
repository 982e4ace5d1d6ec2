import { describe, expect, it } from 'vitest';
import { Portfolio } from '../../src/strategies/portfolio.js';
import { fill } from './fixtures.js';

describe('Portfolio', () => {
  it('books buy, add, partial sell and a flip against hand-computed numbers', () => {
    const p = new Portfolio(10_000);
    // buy 2 @ 100: cash 9800, pos 2 @ 100
    p.applyFill(fill('buy', 2, 100));
    expect(p.position('binance', 'BTCUSDT')).toBe(2);
    expect(p.avgPrice('binance', 'BTCUSDT')).toBe(100);
    expect(p.cash).toBe(9800);
    expect(p.nav).toBe(10_000);
    // buy 1 @ 130: avg (200 + 130) / 3 = 110, cash 9670
    p.applyFill(fill('buy', 1, 130));
    expect(p.avgPrice('binance', 'BTCUSDT')).toBeCloseTo(110, 12);
    expect(p.cash).toBe(9670);
    // mark 120: unrealized 3 × (120 − 110) = 30, NAV 9670 + 360 = 10030
    p.mark('binance', 'BTCUSDT', 120);
    expect(p.unrealizedPnl).toBeCloseTo(30, 9);
    expect(p.nav).toBeCloseTo(10_030, 9);
    // partial sell 1 @ 125: realized 15, avg stays 110, pos 2, cash 9795
    p.applyFill(fill('sell', 1, 125));
    expect(p.realizedPnl).toBeCloseTo(15, 9);
    expect(p.avgPrice('binance', 'BTCUSDT')).toBeCloseTo(110, 12);
    expect(p.position('binance', 'BTCUSDT')).toBe(2);
    expect(p.cash).toBe(9795);
    // NAV with mark 120 (a fill does not move the mark once marked): 9795 + 240 = 10035
    expect(p.nav).toBeCloseTo(10_035, 9);
    // flip: sell 5 @ 90 → closes 2 (realized 2 × (90 − 110) = −40, total −25), opens short 3 @ 90
    p.applyFill(fill('sell', 5, 90));
    expect(p.position('binance', 'BTCUSDT')).toBe(-3);
    expect(p.avgPrice('binance', 'BTCUSDT')).toBe(90);
    expect(p.realizedPnl).toBeCloseTo(-25, 9);
    expect(p.cash).toBe(10_245);
    // mark 80: short 3 from 90 gains 30; NAV 10245 − 240 = 10005 = 10000 − 25 + 30
    p.mark('binance', 'BTCUSDT', 80);
    expect(p.unrealizedPnl).toBeCloseTo(30, 9);
    expect(p.nav).toBeCloseTo(10_005, 9);
    const [pos] = p.positions();
    expect(pos).toMatchObject({ venue: 'binance', symbol: 'BTCUSDT', qty: -3, avgPrice: 90, lastPrice: 80 });
    expect(pos!.unrealizedPnl).toBeCloseTo(30, 9);
    // buy back 3 @ 85: realized 3 × 5 = 15 → total −10; flat; NAV = cash = 9990
    p.applyFill(fill('buy', 3, 85));
    expect(p.position('binance', 'BTCUSDT')).toBe(0);
    expect(p.realizedPnl).toBeCloseTo(-10, 9);
    expect(p.nav).toBeCloseTo(9990, 9);
    expect(p.cash).toBeCloseTo(9990, 9);
    expect(p.positions()).toEqual([]);
  });

  it('daily P&L counts from startDay(); max drawdown is the worst fall from the NAV peak', () => {
    const p = new Portfolio(1000);
    p.applyFill(fill('buy', 10, 100)); // all in
    p.mark('binance', 'BTCUSDT', 110); // NAV 1100 (peak)
    expect(p.dailyPnl).toBeCloseTo(100, 9);
    p.startDay();
    expect(p.dailyPnl).toBe(0);
    p.mark('binance', 'BTCUSDT', 88); // NAV 880: drawdown 220/1100 = 0.2
    expect(p.dailyPnl).toBeCloseTo(-220, 9);
    expect(p.maxDrawdown).toBeCloseTo(0.2, 12);
    p.mark('binance', 'BTCUSDT', 120); // new peak 1200, drawdown stays the worst seen
    expect(p.maxDrawdown).toBeCloseTo(0.2, 12);
    expect(p.peakNav).toBeCloseTo(1200, 9);
    p.mark('binance', 'BTCUSDT', 90); // 900: 300/1200 = 0.25
    expect(p.maxDrawdown).toBeCloseTo(0.25, 12);
  });

  it('pays fees from cash: quote fees as is, base-asset fees at the fill price', () => {
    const p = new Portfolio(1000);
    p.applyFill(fill('buy', 1, 100, { fee: 0.01, feeAsset: 'BTC' })); // 0.01 BTC = 1 USDT
    expect(p.cash).toBeCloseTo(899, 12);
    p.applyFill(fill('sell', 1, 100, { fee: 0.5, feeAsset: 'USDT' }));
    expect(p.cash).toBeCloseTo(998.5, 12);
    expect(p.fees).toBeCloseTo(1.5, 12);
    expect(p.realizedPnl).toBe(0);
    expect(p.nav).toBeCloseTo(998.5, 12);
  });

  it('keeps venues and symbols apart and snaps float dust to flat', () => {
    const p = new Portfolio(0);
    p.applyFill(fill('buy', 0.3, 10));
    p.applyFill(fill('buy', 1, 10, { venue: 'kraken', symbol: 'BTC/USD' }));
    p.applyFill(fill('sell', 0.1, 10));
    p.applyFill(fill('sell', 0.2, 10));
    expect(p.position('binance', 'BTCUSDT')).toBe(0);
    expect(p.position('kraken', 'BTC/USD')).toBe(1);
    expect(p.positions().map((x) => x.symbol)).toEqual(['BTC/USD']);
  });

  it('realized P&L adds up over symbols, flat positions included', () => {
    const p = new Portfolio(0);
    p.applyFill(fill('buy', 1, 100));
    p.applyFill(fill('sell', 1, 110)); // +10, flat
    p.applyFill(fill('sell', 2, 50, { venue: 'kraken', symbol: 'ETH/USD' }));
    p.applyFill(fill('buy', 1, 45, { venue: 'kraken', symbol: 'ETH/USD' })); // +5, short 1 left
    expect(p.positions().map((x) => [x.symbol, x.realizedPnl])).toEqual([['ETH/USD', 5]]);
    expect(p.realizedPnl).toBeCloseTo(15, 9);
  });

  it('rejects invalid fills and starting cash', () => {
    expect(() => new Portfolio(Number.NaN)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    const p = new Portfolio(0);
    expect(() => p.applyFill(fill('buy', 0, 10))).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    expect(() => p.applyFill(fill('buy', 1, Number.NaN))).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    expect(p.cash).toBe(0);
  });
});
