import { describe, expect, it } from 'vitest';

import { OrderBook } from '../../src/book/order-book.js';
import { BinanceDepthSync, SequenceSync, SequenceTracker, sequenceGapError, type SyncResult } from '../../src/book/sync.js';
import type { BookSnapshot, Level } from '../../src/book/types.js';
import { TickwireError } from '../../src/native/errors.js';
import { Rng } from '../helpers/random.js';

/** A Binance depthUpdate as JSON.parse gives it (strings for levels). */
interface DepthEvent {
  U: number;
  u: number;
  b: [string, string][];
  a: [string, string][];
}

function applyDepth(book: OrderBook, e: DepthEvent): void {
  for (const [p, q] of e.b) book.set('bid', Number(p), Number(q));
  for (const [p, q] of e.a) book.set('ask', Number(p), Number(q));
}

function ev(U: number, u: number, b: [string, string][] = [], a: [string, string][] = []): DepthEvent {
  return { U, u, b, a };
}

function binance(maxBuffered?: number): BinanceDepthSync<DepthEvent> {
  return new BinanceDepthSync<DepthEvent>({ book: new OrderBook(), apply: applyDepth, ...(maxBuffered ? { maxBuffered } : {}) });
}

const SNAP: BookSnapshot = { bids: [[10, 1]], asks: [[11, 1]] };

describe('BinanceDepthSync', () => {
  it('buffers before the snapshot, drops u <= lastUpdateId, replays from the event that spans lastUpdateId + 1', () => {
    const s = binance();
    expect(s.delta(ev(95, 98, [['10', '5']]))).toEqual({ kind: 'buffered' }); // fully covered by the snapshot
    expect(s.delta(ev(99, 101, [['10', '2']]))).toEqual({ kind: 'buffered' }); // spans 100 + 1
    expect(s.delta(ev(102, 102, [], [['11', '0'], ['12', '3']]))).toEqual({ kind: 'buffered' });
    expect(s.state).toBe('awaiting-snapshot');
    expect(s.buffered).toBe(3);
    expect(s.snapshot(100, SNAP)).toEqual({ kind: 'applied', resynced: false });
    expect(s.state).toBe('synced');
    expect(s.updateId).toBe(102);
    expect(s.buffered).toBe(0);
    expect(s.book.depth('bid')).toEqual([[10, 2]]); // the u=98 event (qty 5) was dropped
    expect(s.book.depth('ask')).toEqual([[12, 3]]);
    // live: next U == previous u + 1
    expect(s.delta(ev(103, 105, [['9', '1']]))).toEqual({ kind: 'applied', resynced: false });
    expect(s.updateId).toBe(105);
  });

  it('accepts a first event with U == lastUpdateId + 1 and a snapshot with nothing buffered', () => {
    const s = binance();
    s.delta(ev(101, 103, [['10', '7']]));
    expect(s.snapshot(100, SNAP).kind).toBe('applied');
    expect(s.book.qty('bid', 10)).toBe(7);
    const t = binance();
    expect(t.snapshot(500, SNAP).kind).toBe('applied');
    expect(t.delta(ev(480, 500)).kind).toBe('ignored'); // u <= lastUpdateId
    expect(t.delta(ev(501, 501)).kind).toBe('applied');
  });

  it("asks for another snapshot ('retry') when the snapshot ends before the buffered stream starts", () => {
    const s = binance();
    s.delta(ev(110, 112, [['10', '3']]));
    expect(s.snapshot(100, SNAP)).toEqual({ kind: 'retry', lastUpdateId: 100, firstBuffered: 110 });
    expect(s.state).toBe('awaiting-snapshot');
    expect(s.book.size()).toBe(0);
    expect(s.buffered).toBe(1);
    s.delta(ev(113, 113));
    expect(s.snapshot(111, SNAP)).toEqual({ kind: 'applied', resynced: false });
    expect(s.updateId).toBe(113);
    expect(s.book.qty('bid', 10)).toBe(3); // the 110..112 event spans 112 and was applied
  });

  it('ignores stale events after sync and reports a gap (expected, got) when U > id + 1', () => {
    const s = binance();
    s.snapshot(100, SNAP);
    expect(s.delta(ev(101, 104)).kind).toBe('applied');
    expect(s.delta(ev(101, 104))).toEqual({ kind: 'ignored', reason: 'stale' }); // duplicate
    expect(s.delta(ev(90, 95))).toEqual({ kind: 'ignored', reason: 'stale' });
    const r = s.delta(ev(107, 109, [['10', '4']]));
    expect(r).toEqual({ kind: 'gap', expected: 105, got: 107 });
    expect(s.state).toBe('awaiting-snapshot');
    expect(s.book.size()).toBe(0); // discarded, not left corrupt
    expect(s.buffered).toBe(1); // the gapping event starts the new buffer
    expect(s.delta(ev(110, 110)).kind).toBe('buffered');
    // the fresh snapshot: the first applied result carries resynced, later ones do not
    expect(s.snapshot(108, SNAP)).toEqual({ kind: 'applied', resynced: true });
    expect(s.book.qty('bid', 10)).toBe(4);
    expect(s.delta(ev(111, 111))).toEqual({ kind: 'applied', resynced: false });
    const err = sequenceGapError(r as Extract<SyncResult, { kind: 'gap' }>, 'binance BTCUSDT');
    expect(err).toBeInstanceOf(TickwireError);
    expect(err.code).toBe('BOOK_SEQUENCE_GAP');
    expect(err.message).toContain('expected 105, got 107');
  });

  it('finds a gap inside the buffered events at snapshot time and keeps the events from the gap on', () => {
    const s = binance();
    s.delta(ev(101, 102));
    s.delta(ev(105, 106)); // 103..104 lost
    s.delta(ev(107, 107));
    expect(s.snapshot(100, SNAP)).toEqual({ kind: 'gap', expected: 103, got: 105 });
    expect(s.state).toBe('awaiting-snapshot');
    expect(s.book.size()).toBe(0);
    expect(s.buffered).toBe(2);
    expect(s.snapshot(105, SNAP)).toEqual({ kind: 'applied', resynced: true });
    expect(s.updateId).toBe(107);
  });

  it('invalidate() → next applied has resynced: true; reset() forgets; a snapshot while synced is a resync', () => {
    const s = binance();
    expect(s.snapshot(1, SNAP).kind).toBe('applied');
    s.invalidate();
    expect(s.book.size()).toBe(0);
    expect(s.delta(ev(2, 2)).kind).toBe('buffered');
    expect(s.snapshot(1, SNAP)).toEqual({ kind: 'applied', resynced: true });
    expect(s.snapshot(5, SNAP)).toEqual({ kind: 'applied', resynced: true });
    s.reset();
    expect(s.snapshot(1, SNAP)).toEqual({ kind: 'applied', resynced: false });
  });

  it('drops the oldest buffered events beyond maxBuffered (a later too-old snapshot then asks to retry)', () => {
    const s = binance(3);
    for (let i = 1; i <= 5; i++) s.delta(ev(i, i));
    expect(s.buffered).toBe(3);
    expect(s.snapshot(1, SNAP)).toEqual({ kind: 'retry', lastUpdateId: 1, firstBuffered: 3 });
    expect(s.snapshot(2, SNAP).kind).toBe('applied');
    expect(s.updateId).toBe(5);
  });

  it('invalidates itself when apply throws on a malformed level (the half-applied book is discarded)', () => {
    const s = binance();
    s.snapshot(10, SNAP);
    expect(s.delta(ev(11, 11, [['9', '1']])).kind).toBe('applied');
    expect(() => s.delta(ev(12, 12, [['8', '1'], ['oops', '1']]))).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    expect(s.state).toBe('awaiting-snapshot');
    expect(s.book.size()).toBe(0);
    expect(s.delta(ev(13, 13)).kind).toBe('buffered');
    expect(s.snapshot(12, SNAP)).toEqual({ kind: 'applied', resynced: true });
    expect(s.updateId).toBe(13);
  });

  it('rejects malformed ids with VENUE_MESSAGE_INVALID', () => {
    const s = binance();
    expect(() => s.delta(ev(5, 4))).toThrow(expect.objectContaining({ code: 'VENUE_MESSAGE_INVALID' }));
    expect(() => s.delta(ev(Number.NaN, 4))).toThrow(expect.objectContaining({ code: 'VENUE_MESSAGE_INVALID' }));
    expect(() => s.snapshot(1.5, SNAP)).toThrow(expect.objectContaining({ code: 'VENUE_MESSAGE_INVALID' }));
    expect(s.buffered).toBe(0);
  });

  it('randomized: with lost events and late snapshots, a synced book always equals the venue book', () => {
    const rng = new Rng(0x0bad_5eed_0000_0042n);
    // The venue: a true book and its update id.
    const venue = new Map<string, number>(); // 'b:price' / 'a:price' → qty
    let id = 1000;
    const venueSnapshot = (): { id: number; snap: BookSnapshot } => {
      const bids: Level[] = [];
      const asks: Level[] = [];
      for (const [k, q] of venue) (k[0] === 'b' ? bids : asks).push([Number(k.slice(2)), q]);
      return { id, snap: { bids, asks } };
    };
    const s = binance();
    let pending: { id: number; snap: BookSnapshot } | null = venueSnapshot();
    let deliverIn = 3;
    let gaps = 0;
    let retries = 0;
    let resyncs = 0;
    let checks = 0;
    // Venue snapshots of the last few steps: a REST replica that lags gives an old one.
    const history: { id: number; snap: BookSnapshot }[] = [];
    const request = () => {
      pending = rng.int(3) === 0 && history.length > 0 ? (history[0] as { id: number; snap: BookSnapshot }) : venueSnapshot();
      deliverIn = rng.int(5);
    };
    for (let step = 0; step < 20_000; step++) {
      // The venue makes 1..3 updates and publishes them as one event.
      const U = id + 1;
      const e = ev(U, U);
      for (let k = 1 + rng.int(3); k > 0; k--) {
        id++;
        const bid = rng.int(2) === 0;
        const p = bid ? 100 - 1 - rng.int(30) : 100 + rng.int(30);
        const q = rng.int(4) === 0 ? 0 : 1 + rng.int(9);
        const key = `${bid ? 'b' : 'a'}:${String(p)}`;
        if (q === 0) venue.delete(key);
        else venue.set(key, q);
        (bid ? e.b : e.a).push([String(p), String(q)]);
      }
      e.u = id;
      // The network loses ~1 in 300 events.
      if (rng.int(300) !== 0) {
        const r = s.delta(e);
        if (r.kind === 'gap') {
          gaps++;
          request(); // arrives a few events later
        }
        if (r.kind === 'applied') {
          if (r.resynced) resyncs++;
          expect(s.updateId).toBe(id);
          const b = venueSnapshot().snap;
          const want = new OrderBook();
          want.applySnapshot(b);
          expect(s.book.toSnapshot()).toEqual(want.toSnapshot());
          checks++;
        }
      }
      history.push(venueSnapshot());
      if (history.length > 8) history.shift();
      if (pending && deliverIn-- <= 0) {
        const snap = pending;
        pending = null;
        const r = s.snapshot(snap.id, snap.snap);
        if (r.kind === 'retry') {
          retries++;
          request();
        } else if (r.kind === 'gap') {
          gaps++;
          request();
        } else if (r.kind === 'applied') {
          if (r.resynced) resyncs++;
          if (s.updateId === id) {
            const want = new OrderBook();
            want.applySnapshot(venueSnapshot().snap);
            expect(s.book.toSnapshot()).toEqual(want.toSnapshot());
          }
        }
      }
    }
    // The run exercised every path.
    expect(gaps).toBeGreaterThan(10);
    expect(resyncs).toBeGreaterThan(10);
    expect(checks).toBeGreaterThan(15_000);
    expect(retries).toBeGreaterThan(5);
  });
});

describe('SequenceSync (snapshot + contiguous deltas: Bybit u)', () => {
  it('ignores deltas before the first snapshot; applies contiguous ones; stale duplicates are ignored', () => {
    const s = new SequenceSync();
    expect(s.delta(5)).toEqual({ kind: 'ignored', reason: 'not-synced' });
    expect(s.snapshot(10)).toEqual({ kind: 'applied', resynced: false });
    expect(s.delta(11)).toEqual({ kind: 'applied', resynced: false });
    expect(s.delta(11)).toEqual({ kind: 'ignored', reason: 'stale' });
    expect(s.delta(3)).toEqual({ kind: 'ignored', reason: 'stale' });
    expect(s.delta(12).kind).toBe('applied');
    expect(s.last).toBe(12);
  });

  it('a gap drops to awaiting-snapshot; the next snapshot resets the baseline and carries resynced', () => {
    const s = new SequenceSync();
    s.snapshot(100);
    s.delta(101);
    expect(s.delta(103)).toEqual({ kind: 'gap', expected: 102, got: 103 });
    expect(s.state).toBe('awaiting-snapshot');
    expect(s.delta(104)).toEqual({ kind: 'ignored', reason: 'not-synced' });
    expect(s.snapshot(200)).toEqual({ kind: 'applied', resynced: true });
    expect(s.delta(201)).toEqual({ kind: 'applied', resynced: false });
  });

  it('a snapshot with a lower u (Bybit u = 1 after a service restart) is a resync; a repeated one is not', () => {
    const s = new SequenceSync();
    s.snapshot(500);
    s.delta(501);
    expect(s.snapshot(501)).toEqual({ kind: 'applied', resynced: false }); // level-1 style resend, same u
    expect(s.snapshot(1)).toEqual({ kind: 'applied', resynced: true });
    expect(s.delta(2).kind).toBe('applied');
    expect(s.delta(4).kind).toBe('gap');
  });

  it("'increasing' mode accepts jumps but still drops stale updates", () => {
    const s = new SequenceSync({ mode: 'increasing' });
    s.snapshot(1);
    expect(s.delta(50).kind).toBe('applied');
    expect(s.delta(50).kind).toBe('ignored');
    expect(s.delta(49).kind).toBe('ignored');
    expect(() => new SequenceSync({ mode: 'sometimes' as 'increasing' })).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
  });

  it('without sequence numbers (Kraken, Coinbase books): only the synced state; invalidate() after a checksum mismatch', () => {
    const s = new SequenceSync();
    expect(s.delta()).toEqual({ kind: 'ignored', reason: 'not-synced' });
    expect(s.snapshot()).toEqual({ kind: 'applied', resynced: false });
    expect(s.delta()).toEqual({ kind: 'applied', resynced: false });
    s.invalidate();
    expect(s.delta()).toEqual({ kind: 'ignored', reason: 'not-synced' });
    expect(s.snapshot()).toEqual({ kind: 'applied', resynced: true });
    // a snapshot without sequence, then sequenced deltas: the first one sets the baseline
    expect(s.delta(7).kind).toBe('applied');
    expect(s.delta(9).kind).toBe('gap');
    s.reset();
    expect(s.snapshot(1)).toEqual({ kind: 'applied', resynced: false });
    expect(() => s.delta(1.5)).toThrow(expect.objectContaining({ code: 'VENUE_MESSAGE_INVALID' }));
  });
});

describe('SequenceTracker (per-connection counter: Coinbase sequence_num)', () => {
  it('baseline, +1, stale, gap, then counting continues from the new value; reset() for a new connection', () => {
    const t = new SequenceTracker();
    expect(t.next(0)).toEqual({ kind: 'applied', resynced: false });
    expect(t.next(1).kind).toBe('applied');
    expect(t.next(1)).toEqual({ kind: 'ignored', reason: 'stale' });
    expect(t.next(4)).toEqual({ kind: 'gap', expected: 2, got: 4 });
    expect(t.next(5).kind).toBe('applied');
    expect(t.last).toBe(5);
    t.reset();
    expect(Number.isNaN(t.last)).toBe(true);
    expect(t.next(0).kind).toBe('applied');
    expect(() => t.next(Number.POSITIVE_INFINITY)).toThrow(expect.objectContaining({ code: 'VENUE_MESSAGE_INVALID' }));
  });
});
