import { describe, expect, it } from 'vitest';
import { HillEstimator } from '../../src/strategies/analytics/hill.js';
import { KalmanCA } from '../../src/strategies/analytics/kalman.js';
import { classifyRegime } from '../../src/strategies/analytics/regime.js';
import { seeded } from '../helpers/random.js';

const u01 = (rnd: () => number) => () => {
  let u = rnd();
  while (u === 0) u = rnd();
  return u;
};

/** Symmetric Pareto(α, x_m = 1) samples with a random sign. */
function pareto(alpha: number, seed: number): () => number {
  const r = u01(seeded(seed));
  return () => (r() < 0.5 ? -1 : 1) * r() ** (-1 / alpha);
}
function gaussian(seed: number): () => number {
  const r = u01(seeded(seed));
  return () => Math.sqrt(-2 * Math.log(r())) * Math.cos(2 * Math.PI * r());
}
function cauchy(seed: number): () => number {
  const r = u01(seeded(seed));
  return () => Math.tan(Math.PI * (r() - 0.5));
}

function fill(h: HillEstimator, gen: () => number, n: number): void {
  for (let i = 0; i < n; i++) h.push(gen());
}

describe('HillEstimator', () => {
  it.each([
    [0.8, 11],
    [1.5, 12],
    [3, 13],
  ])('recovers α = %s of Pareto samples within 12 %%', (alpha, seed) => {
    const h = new HillEstimator(5000, 0.1);
    fill(h, pareto(alpha, seed), 5000);
    expect(h.alpha).not.toBeNull();
    expect(Math.abs(h.alpha! - alpha) / alpha).toBeLessThan(0.12);
  });

  it('tells Gaussian from Cauchy-like returns (and classifies them)', () => {
    const g = new HillEstimator(4000);
    fill(g, gaussian(21), 4000);
    const c = new HillEstimator(4000);
    fill(c, cauchy(22), 4000);
    expect(g.alpha!).toBeGreaterThan(2.2);
    expect(c.alpha!).toBeGreaterThan(0.8);
    expect(c.alpha!).toBeLessThan(1.2);
    expect(classifyRegime(g.alpha)).toBe('gaussian');
    expect(classifyRegime(c.alpha)).toBe('critical');
    const l = new HillEstimator(4000);
    fill(l, pareto(1.5, 23), 4000);
    expect(classifyRegime(l.alpha)).toBe('levy-stable');
  });

  it('is a rolling window: old returns leave', () => {
    const h = new HillEstimator(2000);
    fill(h, cauchy(31), 2000);
    expect(h.alpha!).toBeLessThan(1.3);
    fill(h, gaussian(32), 2000);
    expect(h.count).toBe(2000);
    expect(h.alpha!).toBeGreaterThan(2.2);
  });

  it('is null until k = ⌊tailFraction · n⌋ reaches its minimum, and with too many zero returns', () => {
    const h = new HillEstimator(1000, 0.1); // min k = 10 → n ≥ 100
    const gen = pareto(2, 41);
    fill(h, gen, 99);
    expect(h.alpha).toBeNull();
    h.push(gen());
    expect(h.alpha).not.toBeNull();
    const z = new HillEstimator(100, 0.1);
    for (let i = 0; i < 95; i++) z.push(0);
    for (let i = 0; i < 5; i++) z.push(0.01 * (i + 1));
    expect(z.alpha).toBeNull(); // X(k+1) = 0
    z.push(Number.NaN); // ignored
    expect(z.count).toBe(100);
    expect(() => new HillEstimator(10)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    expect(() => new HillEstimator(100, 0)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    expect(() => new HillEstimator(100, 0.6)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
  });
});

describe('classifyRegime', () => {
  it('uses α ≥ 2 gaussian, 1.1 < α < 2 levy-stable, α ≤ 1.1 critical; null is gaussian', () => {
    expect(classifyRegime(null)).toBe('gaussian');
    expect(classifyRegime(2)).toBe('gaussian');
    expect(classifyRegime(1.999)).toBe('levy-stable');
    expect(classifyRegime(1.101)).toBe('levy-stable');
    expect(classifyRegime(1.1)).toBe('critical');
    expect(classifyRegime(0.5)).toBe('critical');
    expect(classifyRegime(1.5, { gaussianMin: 1.4, criticalMax: 1 })).toBe('gaussian');
  });
});

describe('KalmanCA', () => {
  it('tracks a constant-acceleration path sampled at irregular times: v and a converge near the truth', () => {
    const rnd = seeded(51);
    const noise = gaussian(52);
    const acc = 0.3; // price/s²
    const truth = (t: number) => 100 + 2 * t + 0.5 * acc * t * t;
    const k = new KalmanCA({ processNoise: 1e-6, measurementNoise: 1e-4 });
    const t0 = 1_700_000_000_000;
    let tMs = t0;
    let t = 0;
    for (let i = 0; i < 1500; i++) {
      t = (tMs - t0) / 1000;
      k.update(truth(t) + 0.01 * noise(), tMs);
      tMs += 20 + Math.floor(rnd() * 280);
    }
    expect(k.updates).toBe(1500);
    expect(t).toBeGreaterThan(200);
    expect(k.price).toBeCloseTo(truth(t), 1);
    expect(Math.abs(k.velocity - (2 + acc * t))).toBeLessThan(0.05);
    expect(Math.abs(k.acceleration - acc)).toBeLessThan(0.01);
    expect(k.variance(1)).toBeGreaterThan(0);
    expect(k.variance(2)).toBeGreaterThan(0);
  });

  it('reports ~0 velocity and acceleration on a flat noisy price; NaN price before data', () => {
    const noise = gaussian(61);
    const k = new KalmanCA();
    expect(k.price).toBeNaN();
    expect(k.velocity).toBe(0);
    for (let i = 0; i < 2000; i++) k.update(50_000 * (1 + 1e-4 * noise()), i * 100);
    expect(Math.abs(k.price - 50_000)).toBeLessThan(5);
    expect(Math.abs(k.velocity)).toBeLessThan(2); // price/s, against 5/sample of noise
    expect(Math.abs(k.acceleration)).toBeLessThan(1);
  });

  it('handles repeated timestamps, time going backwards, gaps and bad input without going non-finite', () => {
    const k = new KalmanCA({ resetAfterMs: 10_000 });
    k.update(100, 1000);
    k.update(101, 1000); // dt = 0: measurement only
    k.update(102, 900); // before the last: treated as dt = 0
    expect(Number.isFinite(k.price) && Number.isFinite(k.velocity) && Number.isFinite(k.acceleration)).toBe(true);
    expect(k.updates).toBe(3);
    k.update(Number.NaN, 2000);
    k.update(100, Number.POSITIVE_INFINITY);
    expect(k.updates).toBe(3);
    k.update(500, 100_000); // gap > resetAfterMs: restart at the new price
    expect(k.updates).toBe(1);
    expect(k.price).toBe(500);
    expect(k.velocity).toBe(0);
    expect(() => new KalmanCA({ processNoise: 0 })).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    expect(() => new KalmanCA({ initialVariance: [1, -1, 1] })).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
  });
});
