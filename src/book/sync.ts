/**
 * Sequencing helpers: small state machines that decide, per venue message, whether a book update
 * applies, is stale, or reveals a gap. None of them touches a socket; the venue adapter feeds them
 * ids from parsed messages and acts on the typed result:
 *
 *   applied  → the update was (or must now be) applied; `resynced: true` on the first applied
 *              result after a gap / invalidate(), so the emitted BookUpdate can carry the flag
 *   buffered → kept until a snapshot arrives (Binance, before the REST snapshot)
 *   ignored  → 'stale' (already covered by the book: duplicate or old) or 'not-synced' (no valid
 *              snapshot yet, e.g. after a gap until the fresh snapshot arrives)
 *   gap      → updates were lost: emit BOOK_SEQUENCE_GAP (see sequenceGapError) and get a fresh
 *              snapshot; the helper already discarded its state (and the book, where it owns one)
 *   retry    → Binance only: the REST snapshot is older than the buffered stream, fetch another
 *
 * Results without data are shared frozen objects: no allocation per message except on gaps.
 * Rules and their sources: docs/book.md.
 */
import { TickwireError } from '../native/errors.js';
import type { OrderBook } from './order-book.js';
import type { BookSnapshot } from './types.js';

export interface SyncApplied {
  readonly kind: 'applied';
  /** True on the first applied result after a gap, invalidate() or a venue restart. */
  readonly resynced: boolean;
}
export interface SyncBuffered {
  readonly kind: 'buffered';
}
export interface SyncIgnored {
  readonly kind: 'ignored';
  readonly reason: 'stale' | 'not-synced';
}
export interface SyncGap {
  readonly kind: 'gap';
  /** The sequence / update id that should have come next. */
  readonly expected: number;
  /** The one that came instead. */
  readonly got: number;
}
export interface SyncRetry {
  readonly kind: 'retry';
  /** The snapshot's lastUpdateId. */
  readonly lastUpdateId: number;
  /** `U` of the oldest buffered event: the snapshot must reach at least this - 1. */
  readonly firstBuffered: number;
}
export type SyncResult = SyncApplied | SyncBuffered | SyncIgnored | SyncGap | SyncRetry;

export const APPLIED: SyncApplied = Object.freeze({ kind: 'applied', resynced: false });
export const APPLIED_RESYNCED: SyncApplied = Object.freeze({ kind: 'applied', resynced: true });
export const BUFFERED: SyncBuffered = Object.freeze({ kind: 'buffered' });
export const STALE: SyncIgnored = Object.freeze({ kind: 'ignored', reason: 'stale' });
export const NOT_SYNCED: SyncIgnored = Object.freeze({ kind: 'ignored', reason: 'not-synced' });

function gap(expected: number, got: number): SyncGap {
  return { kind: 'gap', expected, got };
}

/** The error an adapter emits for a gap result: TickwireError('BOOK_SEQUENCE_GAP'). */
export function sequenceGapError(result: SyncGap, context = 'order book'): TickwireError {
  return new TickwireError(
    'BOOK_SEQUENCE_GAP',
    `${context}: sequence gap, expected ${String(result.expected)}, got ${String(result.got)}; resyncing from a fresh snapshot`,
  );
}

function checkId(value: number, what: string): void {
  if (!Number.isSafeInteger(value)) {
    throw new TickwireError('VENUE_MESSAGE_INVALID', `${what} must be an integer, got ${String(value)}`);
  }
}

// ---- Binance spot diff depth --------------------------------------------------------------------

/** The ids of a Binance `depthUpdate` event: first (`U`) and final (`u`) update id. */
export interface BinanceDepthIds {
  readonly U: number;
  readonly u: number;
}

export interface BinanceDepthSyncOptions<E extends BinanceDepthIds> {
  /** The book this sync owns: set from the snapshot, cleared on gaps. */
  book: OrderBook;
  /**
   * Applies one event's levels to the book (called for buffered and live events in order). If it
   * throws (a malformed level), the sync invalidates itself (book cleared, awaiting a snapshot)
   * and rethrows.
   */
  apply: (book: OrderBook, event: E) => void;
  /** Events kept while awaiting a snapshot; the oldest are dropped beyond this. Default 10000. */
  maxBuffered?: number;
}

export type BinanceSyncState = 'awaiting-snapshot' | 'synced';

/**
 * Binance spot `<symbol>@depth` synchronisation (web-socket-streams.md, "How to manage a local
 * order book correctly"):
 * - before a snapshot, events are buffered ('buffered');
 * - snapshot(lastUpdateId, levels): if the oldest buffered event starts after lastUpdateId + 1,
 *   the snapshot is too old ('retry', fetch again); otherwise the book is set to the snapshot,
 *   buffered events with u <= lastUpdateId are dropped and the rest replayed with the live rule;
 * - live rule, with `id` the book's update id: u <= id → 'ignored' stale; U > id + 1 → 'gap'
 *   (book cleared, the event kept as the first of a new buffer, await a new snapshot); otherwise
 *   apply and set id = u. Hence the first applied event satisfies U <= lastUpdateId + 1 <= u and
 *   each later one normally has U == previous u + 1.
 */
export class BinanceDepthSync<E extends BinanceDepthIds> {
  readonly book: OrderBook;
  readonly #apply: (book: OrderBook, event: E) => void;
  readonly #maxBuffered: number;
  #buffer: E[] = [];
  #state: BinanceSyncState = 'awaiting-snapshot';
  #updateId = -1;
  /** Synced at least once since construction / reset(): the next snapshot is then a resync. */
  #everSynced = false;

  constructor(options: BinanceDepthSyncOptions<E>) {
    const { book, apply, maxBuffered = 10_000 } = options;
    if (!(Number.isInteger(maxBuffered) && maxBuffered >= 1)) {
      throw new TickwireError('INVALID_ARGUMENT', `maxBuffered must be a positive integer, got ${String(maxBuffered)}`);
    }
    this.book = book;
    this.#apply = apply;
    this.#maxBuffered = maxBuffered;
  }

  get state(): BinanceSyncState {
    return this.#state;
  }

  /** The book's update id (the last applied `u`, or the snapshot's lastUpdateId); -1 before sync. */
  get updateId(): number {
    return this.#updateId;
  }

  /** Events waiting for a snapshot. */
  get buffered(): number {
    return this.#buffer.length;
  }

  /** Feeds one diff-depth event. */
  delta(event: E): SyncResult {
    const { U, u } = event;
    checkId(U, 'depthUpdate U');
    checkId(u, 'depthUpdate u');
    if (U > u) throw new TickwireError('VENUE_MESSAGE_INVALID', `depthUpdate has U ${String(U)} > u ${String(u)}`);
    if (this.#state !== 'synced') {
      this.#buffer.push(event);
      if (this.#buffer.length > this.#maxBuffered) this.#buffer.shift();
      return BUFFERED;
    }
    return this.#live(event);
  }

  /**
   * Feeds a depth snapshot (REST `GET /api/v3/depth` or WS `depth`): `lastUpdateId` and its levels.
   * Returns 'applied' (book set, buffered events replayed), 'retry' (snapshot too old: nothing
   * changed, fetch another) or 'gap' (a gap inside the buffered events: book cleared, fetch
   * another).
   */
  snapshot(lastUpdateId: number, levels: BookSnapshot): SyncResult {
    checkId(lastUpdateId, 'snapshot lastUpdateId');
    const buffer = this.#buffer;
    const first = buffer[0];
    if (first !== undefined && lastUpdateId + 1 < first.U) {
      return { kind: 'retry', lastUpdateId, firstBuffered: first.U };
    }
    // Every snapshot after the first (since reset()) replaces a book that was live: a resync.
    const resynced = this.#everSynced;
    this.book.applySnapshot(levels);
    this.#state = 'synced';
    this.#updateId = lastUpdateId;
    this.#everSynced = true;
    this.#buffer = [];
    for (let i = 0; i < buffer.length; i++) {
      const r = this.#live(buffer[i] as E);
      if (r.kind === 'gap') {
        // #live started a new buffer with the gapping event; keep the ones after it too.
        for (let j = i + 1; j < buffer.length; j++) this.#buffer.push(buffer[j] as E);
        return r;
      }
    }
    return resynced ? APPLIED_RESYNCED : APPLIED;
  }

  /**
   * Declares the book unusable (reconnect, checksum or crossed-book trouble found elsewhere):
   * clears book and buffer, awaits a snapshot; the next applied result has `resynced: true`.
   */
  invalidate(): void {
    this.book.clear();
    this.#buffer = [];
    this.#state = 'awaiting-snapshot';
    this.#updateId = -1;
  }

  /** Back to the initial state (a fresh subscription): like invalidate() but forgets the history. */
  reset(): void {
    this.invalidate();
    this.#everSynced = false;
  }

  #live(event: E): SyncResult {
    const id = this.#updateId;
    if (event.u <= id) return STALE;
    if (event.U > id + 1) {
      this.book.clear();
      this.#state = 'awaiting-snapshot';
      this.#updateId = -1;
      this.#buffer = [event];
      return gap(id + 1, event.U);
    }
    try {
      this.#apply(this.book, event);
    } catch (err) {
      // Part of the event may be in the book: it is no longer trustworthy.
      this.invalidate();
      throw err;
    }
    this.#updateId = event.u;
    return APPLIED;
  }
}

// ---- snapshot + delta with a per-book sequence ---------------------------------------------------

export type SequenceSyncState = 'awaiting-snapshot' | 'synced';

export interface SequenceSyncOptions {
  /**
   * How delta sequence numbers must follow each other:
   * 'contiguous' (default): each delta carries previous + 1 (Bybit `u`);
   * 'increasing': any larger number is accepted (only stale/duplicate detection).
   */
  mode?: 'contiguous' | 'increasing';
}

/**
 * Per-book snapshot/delta state with an optional per-message sequence number.
 * - snapshot(seq?): always applies (the venue replaced the book) and sets the baseline. A
 *   snapshot whose seq is below the previous one is a venue restart (Bybit sends u = 1 after a
 *   service restart) and reports `resynced: true`, as does the first snapshot after a gap or
 *   invalidate().
 * - delta(seq?): 'ignored' not-synced before a snapshot (or after a gap until the next one);
 *   seq <= last → 'ignored' stale; in 'contiguous' mode seq > last + 1 → 'gap' (state drops to
 *   awaiting-snapshot); otherwise 'applied'. Without seq only the synced state is checked: that
 *   is how Kraken (checksums, no sequence) and Coinbase books (the sequence is per connection,
 *   see SequenceTracker) use it, calling invalidate() when their own check fails.
 */
export class SequenceSync {
  readonly #contiguous: boolean;
  #state: SequenceSyncState = 'awaiting-snapshot';
  #last = NaN;
  /** Synced at least once since construction / reset(): the next snapshot is then a resync. */
  #everSynced = false;

  constructor(options: SequenceSyncOptions = {}) {
    const { mode = 'contiguous' } = options;
    if (mode !== 'contiguous' && mode !== 'increasing') {
      throw new TickwireError('INVALID_ARGUMENT', `mode must be 'contiguous' or 'increasing', got ${String(mode)}`);
    }
    this.#contiguous = mode === 'contiguous';
  }

  get state(): SequenceSyncState {
    return this.#state;
  }

  /** The last accepted sequence number (NaN when none / not synced or messages carry none). */
  get last(): number {
    return this.#last;
  }

  snapshot(seq?: number): SyncApplied {
    if (seq !== undefined) checkId(seq, 'snapshot sequence');
    // A resync: after the sync was lost, or a snapshot behind the live state (a restarted sequence).
    const resynced = this.#state === 'synced' ? seq !== undefined && seq < this.#last : this.#everSynced;
    this.#state = 'synced';
    this.#last = seq ?? NaN;
    this.#everSynced = true;
    return resynced ? APPLIED_RESYNCED : APPLIED;
  }

  delta(seq?: number): SyncResult {
    if (this.#state !== 'synced') return NOT_SYNCED;
    if (seq === undefined) return APPLIED;
    checkId(seq, 'delta sequence');
    const last = this.#last;
    if (last !== last) {
      // The snapshot carried no sequence: this delta sets the baseline.
      this.#last = seq;
      return APPLIED;
    }
    if (seq <= last) return STALE;
    if (this.#contiguous && seq !== last + 1) {
      this.invalidate();
      return gap(last + 1, seq);
    }
    this.#last = seq;
    return APPLIED;
  }

  /** The book is unusable (gap seen elsewhere, checksum mismatch, reconnect): await a snapshot. */
  invalidate(): void {
    this.#state = 'awaiting-snapshot';
    this.#last = NaN;
  }

  /** Back to the initial state (fresh subscription): like invalidate() but forgets the history. */
  reset(): void {
    this.invalidate();
    this.#everSynced = false;
  }
}

// ---- per-connection counter ----------------------------------------------------------------------

/**
 * A counter every message on a connection carries, +1 per message across all channels (Coinbase
 * Advanced Trade `sequence_num`). next(seq): the first value after construction / reset() is the
 * baseline ('applied'); then seq == last + 1 → 'applied'; seq <= last → 'ignored' stale;
 * seq > last + 1 → 'gap', and counting continues from seq (the connection goes on; the books on
 * it must be invalidated and resubscribed by the adapter). Call reset() on reconnect.
 */
export class SequenceTracker {
  #last = NaN;

  /** The last sequence number seen (NaN before the first). */
  get last(): number {
    return this.#last;
  }

  next(seq: number): SyncResult {
    checkId(seq, 'sequence number');
    const last = this.#last;
    if (last !== last) {
      this.#last = seq;
      return APPLIED;
    }
    if (seq <= last) return STALE;
    this.#last = seq;
    return seq === last + 1 ? APPLIED : gap(last + 1, seq);
  }

  reset(): void {
    this.#last = NaN;
  }
}
