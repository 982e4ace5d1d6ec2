/**
 * The order journal's records, options and replay result (the issue 6 contract; see docs/journal.md).
 */
import type { Fill, OrderAck, VenueId } from '../../exchanges/common/types.js';
import type { OrderIntent } from '../../strategies/types.js';

export type { OrderIntent };

/** One journal record. Every record is written (durably, per the fsync policy) before it is acted on. */
export type JournalRecord =
  /** Before the order is sent. */
  | { t: 'intent'; id: string; intent: OrderIntent }
  | { t: 'sent'; id: string; clientOrderId: string; venue: VenueId; ts: number }
  /** Before the ack is acted on. */
  | { t: 'ack'; id: string; ack: OrderAck }
  | { t: 'reject'; id: string; code: string; message: string }
  /** Before the fill is acted on. */
  | { t: 'fill'; fill: Fill }
  | { t: 'cancel'; id: string }
  | { t: 'halt'; reason: string; ts: number }
  | { t: 'resume'; ts: number };

/** The record kinds, for validation on replay. */
export const RECORD_KINDS: ReadonlySet<string> = new Set(['intent', 'sent', 'ack', 'reject', 'fill', 'cancel', 'halt', 'resume']);

/**
 * When `append()` resolves:
 * - 'always': after the record's own write and fdatasync (one fsync per record);
 * - 'batch': group commit: records are written together every `batchMs` or `batchRecords`,
 *   whichever comes first, and all of them resolve after the one fdatasync;
 * - 'none': after the write() returned (in the OS page cache: survives a process crash, not a
 *   power loss or kernel crash).
 */
export type FsyncPolicy = 'always' | 'batch' | 'none';

export interface JournalOptions {
  path: string;
  fsync: FsyncPolicy;
  /** 'batch': longest wait from a batch's first record to its write (ms; default 0 = end of the current event-loop turn, and records that arrive during an fsync join the next batch; a few ms trade order latency for fewer fsyncs). */
  batchMs?: number;
  /** 'batch' and 'none': a batch this large is written at once (default 256). */
  batchRecords?: number;
}

export interface JournalStats {
  /** Records appended and durable per the policy. */
  records: number;
  /** fdatasync calls made. */
  fsyncs: number;
  /** Bytes written by this Journal (headers and records), not counting what the file held before. */
  bytes: number;
}

/** An open order rebuilt from the journal. */
export interface OpenOrder {
  intent: OrderIntent;
  clientOrderId?: string;
  ack?: OrderAck;
}

export interface Replayed {
  /** Every good record, in file order. */
  records: JournalRecord[];
  /** A torn last record (crash mid-write) was found and skipped. */
  tornTail: boolean;
  /** Bad records before the end (0 or 1: replay stops at the first one). */
  corrupt: number;
  /** Orders with an intent and no terminal ack / reject / cancel / full fill, by intent id. */
  openOrders: Map<string, OpenOrder>;
  /** Every fill, in journal order (a fill journaled twice, same venue + order + trade id, counts once). */
  fills: Fill[];
  /** Net position per `${venue}:${symbol}` (buys minus sells) from the fills. */
  positions: Map<string, number>;
  /** The last halt/resume record was a halt. */
  halted: boolean;
  /** Added member: byte offset just past the last good record (where `Journal.open` appends). */
  goodBytes?: number;
  /** Added member: why replay stopped early, when `corrupt` or `tornTail` is set. */
  problem?: string;
}
