/**
 * What the adapters' per-book state shares: the `synced` promise a book subscription waits on,
 * and the unsubscribe + subscribe resync (with backoff) of the venues that resend a snapshot only
 * on a new subscription (Bybit, Kraken).
 */
import type { TickwireError } from '../../native/errors.js';

/**
 * A subscribed book's `synced`: resolved by the first snapshot applied, rejected when the book is
 * dropped (unsubscribed, the adapter closed, the connection gone for good). Nobody need wait on it.
 */
export class SyncedBook {
  readonly synced: Promise<void>;
  resolveSynced!: () => void;
  rejectSynced!: (e: TickwireError) => void;

  constructor() {
    this.synced = new Promise<void>((resolve, reject) => {
      this.resolveSynced = resolve;
      this.rejectSynced = reject;
    });
    this.synced.catch(() => undefined);
  }
}

/** The wait before retry `n` of something that keeps failing: none for the first, then 100 ms doubling up to 10 s. */
export function retryDelayMs(n: number): number {
  return n === 0 ? 0 : Math.min(10_000, 100 * 2 ** Math.min(n - 1, 7));
}

/** Resolves after `ms` (at once for 0) without keeping the process alive. */
export function delay(ms: number): Promise<void> {
  return ms === 0 ? Promise.resolve() : new Promise((r) => setTimeout(r, ms).unref());
}

/** A book resynced by unsubscribing and subscribing again: one resync at a time, each waiting longer than the last. */
export class ResubscribedBook extends SyncedBook {
  resyncing = false;
  /** Resyncs since the adapter last reset it (an update applied): each one waits longer. */
  failures = 0;

  /**
   * After {@link retryDelayMs}(failures): `unsubscribe()` (its failure ignored), then `subscribe()`,
   * each only while `current()` (the book is still the subscribed one); a failure goes to `report`.
   * Does nothing while a resync is under way.
   */
  resubscribe(current: () => boolean, unsubscribe: () => Promise<unknown>, subscribe: () => Promise<unknown>, report: (e: unknown) => void): void {
    if (this.resyncing) return;
    this.resyncing = true;
    const wait = retryDelayMs(this.failures);
    this.failures++;
    delay(wait)
      .then(() => (current() ? unsubscribe().catch(() => undefined) : undefined))
      .then(() => (current() ? subscribe() : undefined))
      .catch(report)
      .finally(() => (this.resyncing = false));
  }
}
