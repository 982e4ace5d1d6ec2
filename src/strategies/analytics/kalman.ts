/**
 * Constant-acceleration Kalman filter on a price series with irregular time steps.
 *
 * State x = [p, v, a]: price, velocity (price units per second), acceleration (per second²).
 * Between updates dt seconds apart the state moves as
 *
 *     F = | 1  dt  dt²/2 |      Q = q · | dt⁵/20  dt⁴/8  dt³/6 |
 *         | 0  1   dt    |              | dt⁴/8   dt³/3  dt²/2 |
 *         | 0  0   1     |              | dt³/6   dt²/2  dt    |
 *
 * (Q: continuous white-noise jerk of spectral density q = `processNoise`, price²/s⁵). Each price
 * is a measurement of p with variance r = `measurementNoise` (price²). The covariance update uses
 * the Joseph form, P = (I − KH) P (I − KH)ᵀ + r K Kᵀ, which stays symmetric positive semi-definite
 * under rounding; the 3×3 algebra is written out on scalars in a preallocated Float64Array, so an
 * update allocates nothing.
 *
 * Defaults scale with the first price p0: r = (1e-4 · p0)² (1 bp of noise), q = (1e-5 · p0)²,
 * initial variances [r, (1e-2 · p0)², (1e-2 · p0)²]. A gap longer than `resetAfterMs` (default
 * 60 s) restarts the filter at the new price. Updates with a time at or before the previous one
 * are applied with dt = 0 (measurement only).
 */
import { TickwireError } from '../../native/errors.js';

export interface KalmanOptions {
  /** q, price²/s⁵ (spectral density of the jerk). */
  processNoise?: number;
  /** r, price². */
  measurementNoise?: number;
  /** Initial variances of [p, v, a]. */
  initialVariance?: [number, number, number];
  /** Restart after a gap longer than this (ms). Default 60000. */
  resetAfterMs?: number;
}

export class KalmanCA {
  // x: p, v, a.  P (symmetric): 00 01 02 11 12 22.
  readonly #x = new Float64Array(3);
  readonly #P = new Float64Array(6);
  readonly #opts: KalmanOptions;
  #q = 0;
  #r = 0;
  #t = Number.NaN;
  #n = 0;

  constructor(opts: KalmanOptions = {}) {
    for (const f of ['processNoise', 'measurementNoise', 'resetAfterMs'] as const) {
      const v = opts[f];
      if (v !== undefined && !(v > 0 && Number.isFinite(v))) {
        throw new TickwireError('INVALID_ARGUMENT', `Kalman ${f} must be a finite number > 0, got ${String(v)}`);
      }
    }
    if (opts.initialVariance !== undefined && (opts.initialVariance.length !== 3 || !opts.initialVariance.every((v) => v > 0 && Number.isFinite(v)))) {
      throw new TickwireError('INVALID_ARGUMENT', 'Kalman initialVariance must be three finite numbers > 0');
    }
    this.#opts = { ...opts };
  }

  /** Filtered price (NaN before the first update). */
  get price(): number {
    return this.#n === 0 ? Number.NaN : this.#x[0]!;
  }

  /** Price units per second (0 before the first update). */
  get velocity(): number {
    return this.#x[1]!;
  }

  /** Price units per second² (0 before the first update). */
  get acceleration(): number {
    return this.#x[2]!;
  }

  /** Measurements taken since the (re)start. */
  get updates(): number {
    return this.#n;
  }

  /** Variances of [p, v, a] (the covariance diagonal). */
  variance(i: 0 | 1 | 2): number {
    return this.#P[i === 0 ? 0 : i === 1 ? 3 : 5]!;
  }

  /** Feeds one price observed at tMs (ms). Non-finite inputs are ignored. */
  update(price: number, tMs: number): void {
    if (!Number.isFinite(price) || !Number.isFinite(tMs)) return;
    if (this.#n === 0 || tMs - this.#t > (this.#opts.resetAfterMs ?? 60000)) {
      this.#init(price, tMs);
      return;
    }
    const dt = tMs > this.#t ? (tMs - this.#t) / 1000 : 0;
    if (tMs > this.#t) this.#t = tMs;
    const x = this.#x;
    const P = this.#P;
    if (dt > 0) {
      const h = (dt * dt) / 2;
      x[0] = x[0]! + dt * x[1]! + h * x[2]!;
      x[1] = x[1]! + dt * x[2]!;
      const p00 = P[0]!, p01 = P[1]!, p02 = P[2]!, p11 = P[3]!, p12 = P[4]!, p22 = P[5]!;
      // A = F P (the entries the upper triangle of A Fᵀ needs; P symmetric)
      const a00 = p00 + dt * p01 + h * p02, a01 = p01 + dt * p11 + h * p12, a02 = p02 + dt * p12 + h * p22;
      const a11 = p11 + dt * p12, a12 = p12 + dt * p22;
      const a22 = p22;
      // N = A Fᵀ, upper triangle, + Q
      const q = this.#q;
      const dt2 = dt * dt, dt3 = dt2 * dt, dt4 = dt3 * dt, dt5 = dt4 * dt;
      P[0] = a00 + dt * a01 + h * a02 + (q * dt5) / 20;
      P[1] = a01 + dt * a02 + (q * dt4) / 8;
      P[2] = a02 + (q * dt3) / 6;
      P[3] = a11 + dt * a12 + (q * dt3) / 3;
      P[4] = a12 + (q * dt2) / 2;
      P[5] = a22 + q * dt;
    }
    // Measurement update, H = [1 0 0], Joseph form.
    const r = this.#r;
    const p00 = P[0]!, p01 = P[1]!, p02 = P[2]!, p11 = P[3]!, p12 = P[4]!, p22 = P[5]!;
    const s = p00 + r;
    if (!(s > 0) || !Number.isFinite(s)) {
      this.#init(price, tMs);
      return;
    }
    const k0 = p00 / s, k1 = p01 / s, k2 = p02 / s;
    const y = price - x[0]!;
    x[0] = x[0]! + k0 * y;
    x[1] = x[1]! + k1 * y;
    x[2] = x[2]! + k2 * y;
    // B = (I − KH) P
    const c = 1 - k0;
    const b00 = c * p00, b01 = c * p01, b02 = c * p02;
    const b11 = p11 - k1 * p01, b12 = p12 - k1 * p02;
    const b22 = p22 - k2 * p02;
    const b10 = p01 - k1 * p00, b20 = p02 - k2 * p00;
    // P' = B (I − KH)ᵀ + r K Kᵀ
    P[0] = b00 * c + r * k0 * k0;
    P[1] = -k1 * b00 + b01 + r * k0 * k1;
    P[2] = -k2 * b00 + b02 + r * k0 * k2;
    P[3] = -k1 * b10 + b11 + r * k1 * k1;
    P[4] = -k2 * b10 + b12 + r * k1 * k2;
    P[5] = -k2 * b20 + b22 + r * k2 * k2;
    this.#n++;
  }

  #init(price: number, tMs: number): void {
    const o = this.#opts;
    const scale = Math.abs(price) > 0 ? Math.abs(price) : 1;
    this.#r = o.measurementNoise ?? (1e-4 * scale) ** 2;
    this.#q = o.processNoise ?? (1e-5 * scale) ** 2;
    const iv = o.initialVariance ?? [this.#r, (1e-2 * scale) ** 2, (1e-2 * scale) ** 2];
    this.#x[0] = price;
    this.#x[1] = 0;
    this.#x[2] = 0;
    this.#P.fill(0);
    this.#P[0] = iv[0];
    this.#P[3] = iv[1];
    this.#P[5] = iv[2];
    this.#t = tMs;
    this.#n = 1;
  }
}
