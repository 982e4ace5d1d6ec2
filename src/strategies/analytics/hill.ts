/**
 * Hill estimator of the tail index α of a return distribution, over a rolling window.
 *
 * The window holds the absolute values of the last `window` returns pushed (log returns,
 * `ln(p_t / p_{t−1})`; zeros are kept, they just never reach the tail). With the window sorted
 * descending, X(1) ≥ X(2) ≥ … ≥ X(n), and k = ⌊tailFraction · n⌋:
 *
 *     α̂ = k / Σ_{i=1..k} ln( X(i) / X(k+1) )
 *
 * For a Pareto-type tail P(|X| > x) ~ C·x^−α, α̂ → α. Finite variance needs α > 2; Gaussian
 * returns have no power tail at all and give large α̂ (≈ 3–5 at the usual sample sizes, growing
 * with n); Cauchy-like returns give α̂ ≈ 1.
 *
 * `alpha` is null until k ≥ max(2, min(10, ⌊tailFraction · window⌋)) and X(k+1) > 0 (fewer
 * non-zero returns than that: too many unchanged prices to see a tail). It is computed when read
 * (one copy + sort of the window, O(n log n)) and cached until the next push.
 */
import { TickwireError } from '../../native/errors.js';

export class HillEstimator {
  readonly window: number;
  readonly tailFraction: number;
  readonly #ring: Float64Array;
  readonly #scratch: Float64Array;
  readonly #minK: number;
  #head = 0;
  #n = 0;
  #cached: number | null = null;
  #dirty = true;

  constructor(window: number, tailFraction = 0.1) {
    if (!Number.isInteger(window) || window < 20) {
      throw new TickwireError('INVALID_ARGUMENT', `Hill window must be an integer ≥ 20, got ${window}`);
    }
    if (!(tailFraction > 0 && tailFraction <= 0.5)) {
      throw new TickwireError('INVALID_ARGUMENT', `Hill tailFraction must be in (0, 0.5], got ${tailFraction}`);
    }
    this.window = window;
    this.tailFraction = tailFraction;
    this.#minK = Math.max(2, Math.min(10, Math.floor(tailFraction * window)));
    this.#ring = new Float64Array(window);
    this.#scratch = new Float64Array(window);
  }

  /** Adds one return (its absolute value is used); non-finite values are ignored. */
  push(ret: number): void {
    if (!Number.isFinite(ret)) return;
    this.#ring[this.#head] = Math.abs(ret);
    this.#head = (this.#head + 1) % this.window;
    if (this.#n < this.window) this.#n++;
    this.#dirty = true;
  }

  /** Returns in the window. */
  get count(): number {
    return this.#n;
  }

  /** The tail index estimate, or null while there is not enough (non-zero) data. */
  get alpha(): number | null {
    if (this.#dirty) {
      this.#cached = this.#compute();
      this.#dirty = false;
    }
    return this.#cached;
  }

  #compute(): number | null {
    const n = this.#n;
    const k = Math.floor(this.tailFraction * n);
    if (k < this.#minK) return null;
    const s = this.#scratch.subarray(0, n);
    s.set(this.#ring.subarray(0, n));
    s.sort(); // ascending: X(i) = s[n − i]
    const threshold = s[n - k - 1]!;
    if (!(threshold > 0)) return null;
    const lt = Math.log(threshold);
    let sum = 0;
    for (let i = n - k; i < n; i++) sum += Math.log(s[i]!) - lt;
    return sum > 0 ? k / sum : null;
  }
}
