import { describe, expect, it } from 'vitest';
import { RollingMedian } from '../../src/strategies/rolling-median.js';
import { WhaleStrategy, whaleConfidence, type WhaleOptions } from '../../src/strategies/whale.js';
import { seeded } from '../helpers/random.js';
import { ctx, trade } from './fixtures.js';

function whale(over: Partial<WhaleOptions> = {}): WhaleStrategy {
  return new WhaleStrategy({ mode: 'follow', k: 10, windowMs: 60_000, minTrades: 5, orderNotional: 1000, ...over });
}

/** Five 1-unit trades at 100 (notional 100 each), at t = 0..4 ms. */
function warm(s: WhaleStrategy, c = ctx(), symbol = 'BTCUSDT'): void {
  for (let i = 0; i < 5; i++) expect(s.onTrade(trade(i, 100, 1, 'buy', 'binance', symbol), c)).toBeUndefined();
}

describe('RollingMedian', () => {
  it('matches a sorted brute force under random inserts and removals (duplicates included)', () => {
    const rnd = seeded(7);
    const m = new RollingMedian();
    const live: number[] = [];
    for (let step = 0; step < 6000; step++) {
      if (live.length > 0 && rnd() < 0.45) {
        const i = Math.floor(rnd() * live.length);
        m.remove(live[i]!);
        live.splice(i, 1);
      } else {
        const v = rnd() < 0.3 ? Math.floor(rnd() * 5) : Math.floor(rnd() * 1000) / 7;
        m.insert(v);
        live.push(v);
      }
      const s = [...live].sort((a, b) => a - b);
      const n = s.length;
      const want = n === 0 ? Number.NaN : n % 2 ? s[(n - 1) >> 1]! : (s[n / 2 - 1]! + s[n / 2]!) / 2;
      expect(m.size).toBe(n);
      if (n === 0) expect(m.median).toBeNaN();
      else expect(m.median).toBe(want);
    }
  });

  it('compacts lazily deleted values: a trending window stays bounded and correct', () => {
    for (const dir of [1, -1]) {
      const m = new RollingMedian();
      const q: number[] = [];
      for (let i = 0; i < 30_000; i++) {
        const v = 500 + (dir * i) / 100 + (i % 7);
        m.insert(v);
        q.push(v);
        if (q.length > 101) m.remove(q.shift()!);
        expect(m.heldSize).toBeLessThanOrEqual(2 * m.size + 64 + 1);
      }
      const sorted = [...q].sort((x, y) => x - y);
      expect(m.median).toBe(sorted[50]);
    }
  });

  it('rebuild() replaces the contents', () => {
    const m = new RollingMedian();
    for (let i = 0; i < 1000; i++) m.insert(i);
    m.rebuild([1, 2, 3, 4]);
    expect(m.size).toBe(4);
    expect(m.heldSize).toBe(4);
    expect(m.median).toBe(2.5);
  });
});

describe('WhaleStrategy', () => {
  it('fires on a trade of k × the median notional and not just below it', () => {
    const s = whale();
    warm(s);
    expect(s.onTrade(trade(10, 100, 9.999), ctx())).toBeUndefined();
    const s2 = whale();
    warm(s2);
    const out = s2.onTrade(trade(10, 100, 10, 'buy'), ctx(() => 1234));
    expect(out).toBeDefined();
    const [sig] = out!.signals!;
    const [int] = out!.intents!;
    expect(sig).toMatchObject({ strategy: 'whale', venue: 'binance', symbol: 'BTCUSDT', side: 'buy', kind: 'follow', ts: 1234 });
    expect(sig!.confidence).toBeCloseTo(0.5, 12); // at the threshold
    expect(sig!.trade?.qty).toBe(10);
    expect(sig!.reasoning).toMatch(/whale buy 10 @ 100 = 1000 notional, 10\.0× the 100 median of 5 trades/);
    expect(int).toMatchObject({ id: 'whale-1', strategy: 'whale', venue: 'binance', symbol: 'BTCUSDT', side: 'buy', type: 'market', qty: 10, ts: 1234 });
    expect(int!.price).toBeUndefined();
    expect(int!.signal).toBe(sig);
  });

  it('fade trades against the whale; limit orders are priced at the whale trade', () => {
    const s = whale({ mode: 'fade', orderType: 'limit', orderNotional: 500, name: 'w2' });
    warm(s);
    const out = s.onTrade(trade(10, 125, 40, 'buy'), ctx())!; // 5000 vs median 100 (the 125 trade is not in yet)
    expect(out.signals![0]).toMatchObject({ side: 'sell', kind: 'fade', strategy: 'w2' });
    expect(out.intents![0]).toMatchObject({ id: 'w2-1', side: 'sell', type: 'limit', price: 125, qty: 4 });
    const sell = s.onTrade(trade(11, 100, 1000, 'sell'), ctx())!;
    expect(sell.signals![0]!.side).toBe('buy');
    expect(sell.intents![0]!.id).toBe('w2-2');
    const f = whale();
    warm(f);
    expect(f.onTrade(trade(10, 100, 50, 'sell'), ctx())!.intents![0]!.side).toBe('sell');
  });

  it('needs minTrades trades in the window before firing', () => {
    const s = whale({ minTrades: 5 });
    for (let i = 0; i < 4; i++) s.onTrade(trade(i, 100, 1), ctx());
    expect(s.onTrade(trade(5, 100, 100), ctx())).toBeUndefined(); // 4 trades in window
    expect(s.windowSize('binance', 'BTCUSDT')).toBe(5); // the big one joined the window
    // window now: 100 ×4, 10 000 → median 100; a 6th trade of 1000 (10×) fires
    expect(s.onTrade(trade(6, 100, 10), ctx())).toBeDefined();
  });

  it('forgets trades older than windowMs (by trade time): window (t − windowMs, t]', () => {
    const a = whale({ windowMs: 1000, minTrades: 4 });
    warm(a); // t = 0..4
    expect(a.onTrade(trade(1000, 100, 100), ctx())).toBeDefined(); // t = 0 left: 4 remain
    expect(a.windowSize('binance', 'BTCUSDT')).toBe(5);
    const b = whale({ windowMs: 1000, minTrades: 4 });
    warm(b);
    expect(b.onTrade(trade(1001, 100, 100), ctx())).toBeUndefined(); // t = 0, 1 left: 3 remain
    expect(b.windowSize('binance', 'BTCUSDT')).toBe(4);
    expect(b.onTrade(trade(5000, 100, 100), ctx())).toBeUndefined(); // everything expired
    expect(b.windowSize('binance', 'BTCUSDT')).toBe(1);
  });

  it('the median follows the window: a regime of bigger trades raises the bar', () => {
    const s = whale({ windowMs: 1000, minTrades: 5 });
    warm(s);
    for (let i = 0; i < 5; i++) s.onTrade(trade(2000 + i, 100, 50), ctx()); // old ones expired, median 5000
    expect(s.medianNotional('binance', 'BTCUSDT')).toBe(5000);
    expect(s.onTrade(trade(2010, 100, 400), ctx())).toBeUndefined(); // 8×
    expect(s.onTrade(trade(2011, 100, 500), ctx())).toBeDefined(); // 10× of median 5000
  });

  it('keeps venues and symbols apart and honours the symbols filter', () => {
    const s = whale({ symbols: ['BTCUSDT'] });
    warm(s);
    expect(s.onTrade(trade(10, 100, 10, 'buy', 'kraken', 'BTCUSDT'), ctx())).toBeUndefined(); // kraken window empty
    warm(s, ctx(), 'ETHUSDT');
    expect(s.onTrade(trade(10, 100, 100, 'buy', 'binance', 'ETHUSDT'), ctx())).toBeUndefined(); // filtered out
    expect(s.windowSize('binance', 'ETHUSDT')).toBe(0);
    expect(s.onTrade(trade(10, 100, 100), ctx())).toBeDefined();
  });

  it('cooldown suppresses repeat whales on the same symbol until it elapses', () => {
    const s = whale({ cooldownMs: 100, minTrades: 5 });
    warm(s);
    expect(s.onTrade(trade(10, 100, 100), ctx())).toBeDefined();
    expect(s.onTrade(trade(50, 100, 100), ctx())).toBeUndefined();
    expect(s.onTrade(trade(110, 100, 100), ctx())).toBeDefined();
  });

  it('confidence is 0.5 at k, monotone in the ratio and capped at 1 from k²', () => {
    expect(whaleConfidence(10, 10)).toBeCloseTo(0.5, 12);
    expect(whaleConfidence(100, 10)).toBeCloseTo(1, 12);
    expect(whaleConfidence(1e6, 10)).toBe(1);
    let prev = 0;
    for (let r = 10; r <= 100; r += 5) {
      const c = whaleConfidence(r, 10);
      expect(c).toBeGreaterThan(prev);
      prev = c;
    }
    expect(whaleConfidence(0, 10)).toBe(0);
  });

  it('rejects invalid options', () => {
    const bad: Array<Partial<WhaleOptions>> = [{ k: 1 }, { k: Number.NaN }, { windowMs: 0 }, { minTrades: 1.5 }, { minTrades: 0 }, { orderNotional: -1 }, { mode: 'x' as 'follow' }, { orderType: 'stop' as 'limit' }, { cooldownMs: -1 }];
    for (const b of bad) expect(() => whale(b), JSON.stringify(b)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
  });

  it('stays bounded and correct over a long stream with a trending size (lazy deletions compacted)', () => {
    const s = whale({ windowMs: 100, minTrades: 5, k: 1000 });
    for (let i = 0; i < 50_000; i++) s.onTrade(trade(i, 100, 1 + i / 1000), ctx());
    expect(s.windowSize('binance', 'BTCUSDT')).toBe(100);
    // window (49 899, 49 999]: qty 1 + i/1000 for i = 49 900..49 999 → median at i = 49 949.5
    expect(s.medianNotional('binance', 'BTCUSDT')).toBeCloseTo(100 * (1 + 49_949.5 / 1000), 6);
  });
});
