/**
 * Market regime from the tail index α (see {@link HillEstimator}):
 *
 * - 'gaussian'    α ≥ 2    — finite variance: returns aggregate towards a normal law (CLT);
 *                            volatility-based sizing and stops behave as expected. Also returned
 *                            while α is unknown (null): no evidence of a heavy tail yet.
 * - 'levy-stable' 1 < α < 2 — infinite variance, finite mean: sums of returns converge to a Lévy
 *                            stable law; rare moves dominate, the sample variance never settles.
 * - 'critical'    α ≤ 1.1  — (near-)infinite mean (α ≤ 1 is Cauchy-like or heavier): a single
 *                            print can outweigh the rest of the window; the Hill estimate is noisy
 *                            by ~α/√k, so the boundary is widened a little above 1.
 *
 * The thresholds can be changed per call.
 */
export type Regime = 'gaussian' | 'levy-stable' | 'critical';

export interface RegimeThresholds {
  /** α at or above which the regime is 'gaussian'. Default 2. */
  gaussianMin: number;
  /** α at or below which the regime is 'critical'. Default 1.1. */
  criticalMax: number;
}

export const DEFAULT_REGIME_THRESHOLDS: Readonly<RegimeThresholds> = Object.freeze({ gaussianMin: 2, criticalMax: 1.1 });

export function classifyRegime(alpha: number | null, thresholds: RegimeThresholds = DEFAULT_REGIME_THRESHOLDS): Regime {
  if (alpha === null || Number.isNaN(alpha)) return 'gaussian';
  if (alpha >= thresholds.gaussianMin) return 'gaussian';
  if (alpha <= thresholds.criticalMax) return 'critical';
  return 'levy-stable';
}
