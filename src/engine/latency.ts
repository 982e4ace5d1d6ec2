/**
 * Per-component latency: the last `capacity` samples in a ring (percentiles over them), plus
 * lifetime invocation and success counts. Recording is O(1); percentiles sort a copy when read
 * (telemetry rate, not the hot path).
 */
import type { ComponentStats } from '../telemetry/protocol.js';

export class LatencyHistogram {
  readonly #ring: Float64Array;
  #head = 0;
  #n = 0;
  invocations = 0;
  successes = 0;

  constructor(capacity = 2048) {
    this.#ring = new Float64Array(capacity);
  }

  /** One invocation that took `ms`; `ok` false counts against the success rate. */
  record(ms: number, ok = true): void {
    this.invocations++;
    if (ok) this.successes++;
    if (!Number.isFinite(ms)) return;
    this.#ring[this.#head] = ms;
    this.#head = (this.#head + 1) % this.#ring.length;
    if (this.#n < this.#ring.length) this.#n++;
  }

  /** The p-th percentile (0..100) of the recent samples, nearest rank; 0 without samples. */
  percentile(p: number): number {
    if (this.#n === 0) return 0;
    const s = this.#ring.slice(0, this.#n).sort();
    const i = Math.min(this.#n - 1, Math.max(0, Math.ceil((p / 100) * this.#n) - 1));
    return s[i] ?? 0;
  }

  stats(): ComponentStats {
    if (this.#n === 0) return { latency_ms: { p50: 0, p99: 0 }, invocations: this.invocations, success_rate: this.invocations ? this.successes / this.invocations : 1 };
    const s = this.#ring.slice(0, this.#n).sort();
    const at = (p: number): number => s[Math.min(this.#n - 1, Math.max(0, Math.ceil((p / 100) * this.#n) - 1))] ?? 0;
    return {
      latency_ms: { p50: round3(at(50)), p99: round3(at(99)) },
      invocations: this.invocations,
      success_rate: this.invocations ? this.successes / this.invocations : 1,
    };
  }
}

function round3(n: number): number {
  return Math.round(n * 1000) / 1000;
}
