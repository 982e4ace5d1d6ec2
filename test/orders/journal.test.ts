import fs from 'node:fs';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';

import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';

import type { Fill, OrderAck } from '../../src/exchanges/common/types.js';
import { TickwireError } from '../../src/native/errors.js';
import {
  checkHeader,
  crc32,
  crc32Portable,
  decodePayload,
  encodeHeader,
  encodeRecord,
  HEADER_BYTES,
  MAX_RECORD_BYTES,
  RECORD_HEADER_BYTES,
  scanRecords,
} from '../../src/orders/journal/format.js';
import { Journal, rebuildState, replayBuffer, replayJournal, type JournalRecord } from '../../src/orders/journal/index.js';
import type { OrderIntent } from '../../src/strategies/types.js';

const dir = mkdtempSync(join(os.tmpdir(), 'tw-journal-'));
let n = 0;
const tmp = (): string => join(dir, `j${n++}.journal`);
afterAll(() => rmSync(dir, { recursive: true, force: true }));
afterEach(() => vi.restoreAllMocks());

function intent(id: string, qty = 0.5, side: 'buy' | 'sell' = 'buy', symbol = 'BTCUSDT'): OrderIntent {
  return { id, strategy: 'whale', venue: 'binance', symbol, side, type: 'limit', price: 65000.5, qty, ts: 1_764_000_000_000 };
}
function ack(id: string, status: OrderAck['status'], filledQty = 0): OrderAck {
  return { venue: 'binance', symbol: 'BTCUSDT', clientOrderId: `c-${id}`, orderId: `o-${id}`, status, filledQty, venueTs: 1, recvTs: 2.5 };
}
function fill(id: string, tradeId: string, qty: number, side: 'buy' | 'sell' = 'buy', symbol = 'BTCUSDT'): Fill {
  return {
    venue: 'binance', symbol, clientOrderId: `c-${id}`, orderId: `o-${id}`, tradeId, side, price: 65000, qty, fee: 0.01, feeAsset: 'USDT',
    liquidity: 'taker', venueTs: 3, recvTs: 4,
  };
}
const rec = (i: number): JournalRecord => ({ t: 'intent', id: `whale-${i}`, intent: intent(`whale-${i}`) });

async function writeJournal(path: string, records: JournalRecord[]): Promise<void> {
  const j = await Journal.open({ path, fsync: 'none' });
  await Promise.all(records.map((r) => j.append(r)));
  await j.close();
}

/** Writes `records` as a journal at a fresh path: the path, its bytes and the record offsets. */
async function journalFile(records: JournalRecord[]): Promise<{ p: string; whole: Buffer; offs: number[] }> {
  const p = tmp();
  await writeJournal(p, records);
  const whole = readFileSync(p);
  return { p, whole, offs: offsets(whole) };
}

/** Byte offsets where each record starts (and the end), from a clean file. */
function offsets(buf: Buffer): number[] {
  const out: number[] = [];
  let off = HEADER_BYTES;
  while (off < buf.length) {
    out.push(off);
    off += RECORD_HEADER_BYTES + buf.readUInt32LE(off);
  }
  out.push(off);
  return out;
}

async function rejection(p: Promise<unknown>): Promise<TickwireError> {
  const e = await p.then(
    () => null,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(TickwireError);
  return e as TickwireError;
}

describe('format', () => {
  it('CRC-32 matches the standard check value and the portable implementation', () => {
    expect(crc32(Buffer.from('123456789'))).toBe(0xcbf43926);
    expect(crc32Portable(Buffer.from('123456789'))).toBe(0xcbf43926);
    for (let len = 0; len < 300; len += 7) {
      const b = Buffer.from(Array.from({ length: len }, (_, i) => (i * 131 + len) & 0xff));
      expect(crc32Portable(b)).toBe(crc32(b));
    }
  });

  it('encodes a record as [u32 length][u32 CRC][compact JSON] and decodes it back', () => {
    const r: JournalRecord = { t: 'ack', id: 'whale-1', ack: ack('whale-1', 'new') };
    const b = encodeRecord(r);
    const len = b.readUInt32LE(0);
    expect(len).toBe(b.length - RECORD_HEADER_BYTES);
    const payload = b.subarray(RECORD_HEADER_BYTES);
    expect(b.readUInt32LE(4)).toBe(crc32(payload));
    expect(payload.toString()).toBe(JSON.stringify(r));
    expect(decodePayload(payload)).toEqual(r);
    // Non-ASCII survives (length is in bytes, not UTF-16 units).
    const u: JournalRecord = { t: 'halt', reason: 'opérateur — ручной стоп 🛑', ts: 5 };
    const ub = encodeRecord(u);
    expect(ub.readUInt32LE(0)).toBe(Buffer.byteLength(JSON.stringify(u)));
    expect(decodePayload(ub.subarray(RECORD_HEADER_BYTES))).toEqual(u);
  });

  it('rejects payloads that are not journal records', () => {
    expect(decodePayload(Buffer.from('{"t":"nope"}'))).toBeNull();
    expect(decodePayload(Buffer.from('[1,2]'))).toBeNull();
    expect(decodePayload(Buffer.from('{"t":"cancel"'))).toBeNull();
    expect(decodePayload(Buffer.from('null'))).toBeNull();
  });

  it('checks the header: magic, version, a partial header', () => {
    const h = encodeHeader();
    expect(h.length).toBe(HEADER_BYTES);
    expect(checkHeader(h)).toEqual({ ok: true });
    expect(checkHeader(h.subarray(0, 5))).toEqual({ ok: false, partial: true });
    const v2 = Buffer.from(h);
    v2.writeUInt32LE(2, 8);
    expect(checkHeader(v2)).toMatchObject({ ok: false, partial: false, message: expect.stringContaining('version 2') as unknown });
    expect(checkHeader(Buffer.from('GARBAGE!GARBAGE!'))).toMatchObject({ ok: false, partial: false });
    expect(checkHeader(Buffer.from('XY'))).toMatchObject({ ok: false, partial: false });
  });
});

describe('replay: header and empty files', () => {
  it('a missing or empty file replays as an empty journal', async () => {
    for (const p of [join(dir, 'missing.journal'), tmp()]) {
      if (!p.endsWith('missing.journal')) writeFileSync(p, '');
      const r = await replayJournal(p);
      expect(r).toMatchObject({ records: [], tornTail: false, corrupt: 0, halted: false });
      expect(r.openOrders.size).toBe(0);
    }
  });

  it('a file that is not a journal throws INVALID_ARGUMENT (it is never silently treated as empty)', async () => {
    const p = tmp();
    writeFileSync(p, 'this is not a journal at all');
    const e = await rejection(replayJournal(p));
    expect(e.code).toBe('INVALID_ARGUMENT');
    expect(e.message).toContain('bad magic');
    const v = Buffer.from(encodeHeader());
    v.writeUInt32LE(9, 8);
    writeFileSync(p, v);
    expect((await rejection(replayJournal(p))).message).toContain('version 9');
    // Opening it for append is refused too, and the file is left alone.
    expect((await rejection(Journal.open({ path: p, fsync: 'batch' }))).code).toBe('INVALID_ARGUMENT');
    expect(readFileSync(p).equals(v)).toBe(true);
  });

  it('a header torn by a crash during creation: replay reports it, open starts the file again', async () => {
    const p = tmp();
    writeFileSync(p, encodeHeader().subarray(0, 11));
    const r = await replayJournal(p);
    expect(r).toMatchObject({ records: [], tornTail: true, corrupt: 0 });
    const j = await Journal.open({ path: p, fsync: 'batch' });
    expect(j.recovered).toEqual({ records: 0, tornTail: true, truncatedBytes: 11 });
    await j.append(rec(1));
    await j.close();
    expect((await replayJournal(p)).records).toEqual([rec(1)]);
  });
});

describe('fsync policies: when append() resolves', () => {
  /** Records write / fdatasync calls on the journal's fd, and the resolutions, in order. */
  function trace(): { events: string[]; release?: () => void } {
    const events: string[] = [];
    const t: { events: string[] } = { events };
    const realWrite = fs.write.bind(fs) as (...a: unknown[]) => void;
    vi.spyOn(fs, 'write').mockImplementation(((...args: unknown[]) => {
      const len = args[3] as number;
      events.push(`write ${len}`);
      realWrite(...args);
    }) as unknown as typeof fs.write);
    const realSync = fs.fdatasync.bind(fs);
    vi.spyOn(fs, 'fdatasync').mockImplementation(((fd: number, cb: (e: NodeJS.ErrnoException | null) => void) => {
      events.push('fdatasync');
      realSync(fd, (err) => {
        events.push('synced');
        cb(err);
      });
    }) as typeof fs.fdatasync);
    return t;
  }

  it("'always': each record gets its own write and fdatasync, and resolves after it, in append order", async () => {
    const p = tmp();
    const j = await Journal.open({ path: p, fsync: 'always' });
    const { events } = trace();
    const ps = [0, 1, 2, 3].map((i) => j.append(rec(i)).then(() => events.push(`resolve ${i}`)));
    await Promise.all(ps);
    const sizes = [0, 1, 2, 3].map((i) => encodeRecord(rec(i)).length);
    // Strictly one write, one fdatasync, per record, in order (never two writes before a sync)...
    expect(events.filter((e) => !e.startsWith('resolve'))).toEqual(sizes.flatMap((s) => [`write ${s}`, 'fdatasync', 'synced']));
    // ...and record i resolves after its own sync completed, in append order.
    expect(events.filter((e) => e.startsWith('resolve'))).toEqual(['resolve 0', 'resolve 1', 'resolve 2', 'resolve 3']);
    const syncedAt = events.flatMap((e, k) => (e === 'synced' ? [k] : []));
    for (let i = 0; i < 4; i++) expect(events.indexOf(`resolve ${i}`)).toBeGreaterThan(syncedAt[i] as number);
    expect(j.stats.records).toBe(4);
    await j.close();
    expect((await replayJournal(p)).records).toEqual([0, 1, 2, 3].map(rec));
  });

  it("'batch': a batch is one write and one fdatasync, and every append in it resolves after that fdatasync", async () => {
    const p = tmp();
    const j = await Journal.open({ path: p, fsync: 'batch', batchMs: 60_000, batchRecords: 5 });
    const before = j.stats;
    const { events } = trace();
    const done: number[] = [];
    const ps = [0, 1, 2, 3].map((i) => j.append(rec(i)).then(() => done.push(i)));
    // Below batchRecords and long before batchMs: nothing is written, nothing resolves.
    for (let k = 0; k < 20; k++) await new Promise((r) => setImmediate(r));
    expect(events).toEqual([]);
    expect(done).toEqual([]);
    // The fifth record fills the batch: one write of all five, one fdatasync, then all resolve.
    const last = j.append(rec(4)).then(() => {
      done.push(4);
      events.push('resolved');
    });
    await Promise.all([...ps, last]);
    const bytes = [0, 1, 2, 3, 4].reduce((s, i) => s + encodeRecord(rec(i)).length, 0);
    expect(events).toEqual([`write ${bytes}`, 'fdatasync', 'synced', 'resolved']);
    expect(done).toEqual([0, 1, 2, 3, 4]);
    expect(j.stats).toEqual({ records: 5, fsyncs: before.fsyncs + 1, bytes: before.bytes + bytes });
    await j.close();
  });

  it("'batch': a partial batch is written when batchMs expires", async () => {
    const p = tmp();
    const j = await Journal.open({ path: p, fsync: 'batch', batchMs: 5, batchRecords: 1000 });
    const { events } = trace();
    await Promise.all([j.append(rec(0)), j.append(rec(1))]);
    expect(events).toEqual([`write ${encodeRecord(rec(0)).length + encodeRecord(rec(1)).length}`, 'fdatasync', 'synced']);
    // Durable on resolution: the bytes are in the file.
    expect((await replayJournal(p)).records).toEqual([rec(0), rec(1)]);
    await j.close();
  });

  it("'batch': records appended while a batch is being synced go into the next batch, which resolves after its own fdatasync", async () => {
    const p = tmp();
    const j = await Journal.open({ path: p, fsync: 'batch', batchMs: 0, batchRecords: 2 });
    const events: string[] = [];
    let hold: (() => void) | undefined;
    const realSync = fs.fdatasync.bind(fs);
    vi.spyOn(fs, 'fdatasync').mockImplementation(((fd: number, cb: (e: NodeJS.ErrnoException | null) => void) => {
      events.push('fdatasync');
      // The first sync is held until the test releases it.
      if (!hold && events.filter((e) => e === 'fdatasync').length === 1) hold = () => realSync(fd, cb);
      else realSync(fd, cb);
    }) as typeof fs.fdatasync);
    const a = [0, 1].map((i) => j.append(rec(i)).then(() => events.push(`resolve ${i}`)));
    while (!hold) await new Promise((r) => setImmediate(r));
    const b = [2, 3, 4].map((i) => j.append(rec(i)).then(() => events.push(`resolve ${i}`)));
    for (let k = 0; k < 10; k++) await new Promise((r) => setImmediate(r));
    expect(events).toEqual(['fdatasync']); // nothing resolves while the sync is pending
    hold();
    await Promise.all([...a, ...b]);
    expect(events).toEqual(['fdatasync', 'resolve 0', 'resolve 1', 'fdatasync', 'resolve 2', 'resolve 3', 'resolve 4']);
    await j.close();
    expect((await replayJournal(p)).records).toEqual([0, 1, 2, 3, 4].map(rec));
  });

  it("'none': resolves after the write, with no fdatasync; close() syncs once", async () => {
    const p = tmp();
    const j = await Journal.open({ path: p, fsync: 'none' });
    const { events } = trace();
    await Promise.all([j.append(rec(0)), j.append(rec(1)), j.append(rec(2))]);
    expect(events).toEqual([`write ${[0, 1, 2].reduce((s, i) => s + encodeRecord(rec(i)).length, 0)}`]);
    expect((await replayJournal(p)).records).toHaveLength(3); // in the file (page cache) on resolution
    await j.close();
    expect(events.slice(1)).toEqual(['fdatasync', 'synced']);
  });

  it('close() writes what is pending before it resolves; later appends reject with CONN_CLOSED', async () => {
    const p = tmp();
    const j = await Journal.open({ path: p, fsync: 'batch', batchMs: 60_000, batchRecords: 1000 });
    const pending = j.append(rec(7));
    await j.close();
    await pending;
    expect((await replayJournal(p)).records).toEqual([rec(7)]);
    expect((await rejection(j.append(rec(8)))).code).toBe('CONN_CLOSED');
    await j.close(); // idempotent
  });
});

describe('append errors', () => {
  it('bad options, and a second writer on the same path in one process, are INVALID_ARGUMENT', async () => {
    const p = tmp();
    const bad: unknown[] = [
      { path: p, fsync: 'sometimes' },
      { path: '', fsync: 'batch' },
      { path: p, fsync: 'batch', batchMs: -1 },
      { path: p, fsync: 'batch', batchRecords: 0 },
      { path: p, fsync: 'batch', batchRecords: 1.5 },
    ];
    for (const o of bad) expect((await rejection(Journal.open(o as Parameters<typeof Journal.open>[0]))).code).toBe('INVALID_ARGUMENT');
    const j = await Journal.open({ path: p, fsync: 'batch' });
    const e = await rejection(Journal.open({ path: join(dir, '.', `j${n - 1}.journal`), fsync: 'none' }));
    expect(e.message).toContain('already open');
    await j.close();
    await (await Journal.open({ path: p, fsync: 'none' })).close(); // free again after close
  });

  it('an unencodable or oversized record is rejected alone; the journal goes on', async () => {
    for (const fsync of ['batch', 'always'] as const) {
      const p = tmp();
      const j = await Journal.open({ path: p, fsync });
      const big: JournalRecord = { t: 'halt', reason: 'x'.repeat(MAX_RECORD_BYTES + 1), ts: 1 };
      expect((await rejection(j.append(big))).code).toBe('INVALID_ARGUMENT');
      const cyclic = { t: 'cancel', id: 'x' } as Record<string, unknown>;
      cyclic.self = cyclic;
      expect((await rejection(j.append(cyclic as unknown as JournalRecord))).code).toBe('INVALID_ARGUMENT');
      expect((await rejection(j.append({ t: 'halt', reason: 'r', ts: 10n } as unknown as JournalRecord))).code).toBe('INVALID_ARGUMENT');
      await j.append(rec(1));
      await j.close();
      expect((await replayJournal(p)).records).toEqual([rec(1)]);
    }
  });

  it('a failed write is sticky: that batch and every later append reject with SYSTEM_ERROR', async () => {
    const p = tmp();
    const j = await Journal.open({ path: p, fsync: 'batch', batchMs: 0 });
    await j.append(rec(0));
    vi.spyOn(fs, 'write').mockImplementation(((...args: unknown[]) => {
      const cb = args[args.length - 1] as (e: NodeJS.ErrnoException | null, n: number) => void;
      const err = Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' });
      setImmediate(() => cb(err, 0));
    }) as unknown as typeof fs.write);
    const e = await rejection(j.append(rec(1)));
    expect(e).toMatchObject({ code: 'SYSTEM_ERROR', reason: 'ENOSPC' });
    vi.restoreAllMocks();
    expect((await rejection(j.append(rec(2)))).code).toBe('SYSTEM_ERROR');
    expect((await rejection(j.close())).code).toBe('SYSTEM_ERROR');
    expect((await replayJournal(p)).records).toEqual([rec(0)]);
  });

  it('a journal that cannot be created is SYSTEM_ERROR', async () => {
    const e = await rejection(Journal.open({ path: join(dir, 'no-such-dir', 'x.journal'), fsync: 'batch' }));
    expect(e).toMatchObject({ code: 'SYSTEM_ERROR', reason: 'ENOENT' });
  });
});

describe('torn tail', () => {
  const records = Array.from({ length: 6 }, (_, i) => rec(i));

  it('truncated at every byte offset of the last record: replay never throws and keeps every earlier record; open truncates and appends after them', async () => {
    const { whole, offs } = await journalFile(records);
    const lastStart = offs[offs.length - 2] as number;
    expect(offs[offs.length - 1]).toBe(whole.length);
    const q = tmp();
    for (let cut = lastStart; cut < whole.length; cut++) {
      writeFileSync(q, whole.subarray(0, cut));
      const r = await replayJournal(q);
      expect(r.records).toEqual(records.slice(0, -1));
      expect(r.corrupt).toBe(0);
      expect(r.tornTail).toBe(cut > lastStart);
      expect(r.goodBytes).toBe(lastStart);
      expect(r.openOrders.size).toBe(records.length - 1);
      const j = await Journal.open({ path: q, fsync: 'none' });
      expect(j.recovered).toEqual({ records: records.length - 1, tornTail: cut > lastStart, truncatedBytes: cut - lastStart });
      await j.append(rec(99));
      await j.close();
      const again = await replayJournal(q);
      expect(again).toMatchObject({ tornTail: false, corrupt: 0 });
      expect(again.records).toEqual([...records.slice(0, -1), rec(99)]);
    }
  });

  it('a checksum mismatch in the last record, or a zero-filled tail, is a torn tail', async () => {
    const { whole, offs } = await journalFile(records);
    const lastStart = offs[offs.length - 2] as number;
    for (const at of [lastStart + 4, lastStart + RECORD_HEADER_BYTES + 3, whole.length - 1]) {
      const b = Buffer.from(whole);
      b[at] = (b[at] as number) ^ 0x40;
      const r = replayBuffer(b);
      expect(r).toMatchObject({ tornTail: true, corrupt: 0 });
      expect(r.records).toEqual(records.slice(0, -1));
    }
    const zeros = Buffer.concat([whole, Buffer.alloc(4096)]);
    expect(replayBuffer(zeros)).toMatchObject({ tornTail: true, corrupt: 0, records });
    // A torn record followed by zeros (the file size got ahead of the data).
    const tornThenZeros = Buffer.concat([whole.subarray(0, lastStart + 20), Buffer.alloc(300)]);
    expect(replayBuffer(tornThenZeros)).toMatchObject({ tornTail: true, corrupt: 0, records: records.slice(0, -1) });
  });
});

describe('corruption before the end', () => {
  const records = Array.from({ length: 8 }, (_, i) => rec(i));

  it('a bad checksum in the middle counts in `corrupt` and replay stops there, keeping the records before it', async () => {
    const { whole, offs } = await journalFile(records);
    for (const k of [0, 3, 6]) {
      const b = Buffer.from(whole);
      const at = (offs[k] as number) + RECORD_HEADER_BYTES + 10;
      b[at] = (b[at] as number) ^ 0x01;
      const r = replayBuffer(b);
      expect(r).toMatchObject({ corrupt: 1, tornTail: false, goodBytes: offs[k] });
      expect(r.records).toEqual(records.slice(0, k));
      expect(r.problem).toContain('checksum mismatch');
    }
  });

  it('a bad length, or a well-checksummed payload that is not a record, is corrupt too', async () => {
    const { whole, offs } = await journalFile(records);
    const k = 2;
    const zeroLen = Buffer.from(whole);
    zeroLen.writeUInt32LE(0, offs[k] as number);
    expect(replayBuffer(zeroLen)).toMatchObject({ corrupt: 1, tornTail: false, records: records.slice(0, k) });
    const huge = Buffer.from(whole);
    huge.writeUInt32LE(MAX_RECORD_BYTES + 1, offs[k] as number);
    // Runs past EOF: indistinguishable from a torn write of the length, so reported as a torn tail.
    expect(replayBuffer(huge)).toMatchObject({ tornTail: true, records: records.slice(0, k) });
    const longer = Buffer.from(whole);
    longer.writeUInt32LE(longer.readUInt32LE(offs[k] as number) + 1, offs[k] as number);
    expect(replayBuffer(longer)).toMatchObject({ corrupt: 1, records: records.slice(0, k) });
    const payload = Buffer.from('{"t":"unknown-kind"}');
    const frame = Buffer.alloc(RECORD_HEADER_BYTES);
    frame.writeUInt32LE(payload.length, 0);
    frame.writeUInt32LE(crc32(payload), 4);
    const foreign = Buffer.concat([whole.subarray(0, offs[k]), frame, payload, whole.subarray(offs[k])]);
    expect(replayBuffer(foreign)).toMatchObject({ corrupt: 1, records: records.slice(0, k) });
    expect(scanRecords(foreign).problem).toContain('not a journal record');
  });

  it('Journal.open refuses a journal with a corrupt record before its end and leaves the file alone', async () => {
    const { p, whole: b, offs } = await journalFile(records);
    const at = (offs[4] as number) + RECORD_HEADER_BYTES + 2;
    b[at] = (b[at] as number) ^ 0x20;
    writeFileSync(p, b);
    const e = await rejection(Journal.open({ path: p, fsync: 'batch' }));
    expect(e).toMatchObject({ code: 'INVALID_ARGUMENT', reason: 'JOURNAL_CORRUPT' });
    expect(readFileSync(p).equals(b)).toBe(true);
    // And the path is not left marked as open.
    await expect(Journal.open({ path: p, fsync: 'batch' })).rejects.toMatchObject({ reason: 'JOURNAL_CORRUPT' });
  });
});

describe('rebuilt state', () => {
  it('open orders, fills, positions and halted', async () => {
    const log: JournalRecord[] = [
      { t: 'intent', id: 'a', intent: intent('a', 1) }, // acked new, partly filled: open
      { t: 'sent', id: 'a', clientOrderId: 'c-a', venue: 'binance', ts: 1 },
      { t: 'ack', id: 'a', ack: ack('a', 'new') },
      { t: 'fill', fill: fill('a', 't1', 0.4) },
      { t: 'intent', id: 'b', intent: intent('b', 1) }, // filled in two fills: closed
      { t: 'sent', id: 'b', clientOrderId: 'c-b', venue: 'binance', ts: 1 },
      { t: 'fill', fill: fill('b', 't2', 0.3) },
      { t: 'fill', fill: fill('b', 't2', 0.3) }, // journaled twice: counted once
      { t: 'fill', fill: fill('b', 't3', 0.7) },
      { t: 'intent', id: 'c', intent: intent('c') }, // rejected
      { t: 'reject', id: 'c', code: 'VENUE_ORDER_REJECTED', message: 'insufficient balance' },
      { t: 'intent', id: 'd', intent: intent('d') }, // canceled
      { t: 'cancel', id: 'd' },
      { t: 'intent', id: 'e', intent: intent('e') }, // terminal ack
      { t: 'ack', id: 'e', ack: ack('e', 'expired') },
      { t: 'intent', id: 'f', intent: intent('f', 2, 'sell', 'ETHUSDT') }, // sent, no ack yet: open
      { t: 'sent', id: 'f', clientOrderId: 'c-f', venue: 'binance', ts: 1 },
      { t: 'fill', fill: fill('f', 't4', 0.5, 'sell', 'ETHUSDT') },
      { t: 'intent', id: 'c-g', intent: intent('c-g', 0.2) }, // no 'sent': the intent id is the client order id
      { t: 'fill', fill: fill('g', 't5', 0.2) },
      { t: 'fill', fill: { ...fill('x', 't6', 0.1), clientOrderId: 'unknown' } }, // not ours: position only
      { t: 'halt', reason: 'operator', ts: 9 },
    ];
    const s = rebuildState(log);
    expect([...s.openOrders.keys()]).toEqual(['a', 'f']);
    expect(s.openOrders.get('a')).toEqual({ intent: intent('a', 1), clientOrderId: 'c-a', ack: ack('a', 'new') });
    expect(s.openOrders.get('f')).toEqual({ intent: intent('f', 2, 'sell', 'ETHUSDT'), clientOrderId: 'c-f' });
    expect(s.fills.map((f) => f.tradeId)).toEqual(['t1', 't2', 't3', 't4', 't5', 't6']);
    expect(s.positions.get('binance:BTCUSDT')).toBeCloseTo(1.7, 12);
    expect(s.positions.get('binance:ETHUSDT')).toBeCloseTo(-0.5, 12);
    expect(s.halted).toBe(true);
    expect(rebuildState([...log, { t: 'resume', ts: 10 }]).halted).toBe(false);
    // Through the file, the same.
    const p = tmp();
    await writeJournal(p, log);
    const r = await replayJournal(p);
    expect(r.records).toEqual(log);
    expect([...r.openOrders.keys()]).toEqual(['a', 'f']);
    expect(r.halted).toBe(true);
  });
});
