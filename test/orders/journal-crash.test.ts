/**
 * The crash test: a child process appends intents, acks and fills in a burst with fsync
 * 'batch' and prints each record once its append() resolved (= acknowledged); the parent kills it
 * with SIGKILL mid-burst, replays the journal and checks that every acknowledged record is there
 * exactly once (no loss, no duplicates) and in order, then reopens the journal and appends more.
 * Several runs with different kill points share one journal file, so each run also starts from
 * a journal that was killed before.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

import { afterAll, describe, expect, it } from 'vitest';

import { Journal, replayJournal, type JournalRecord } from '../../src/orders/journal/index.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const CHILD = fileURLToPath(new URL('./fixtures/journal-crash-child.ts', import.meta.url));
const dir = mkdtempSync(join(os.tmpdir(), 'tw-journal-crash-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A record's identity: what the child prints for it. */
function key(r: JournalRecord): string {
  switch (r.t) {
    case 'intent':
    case 'ack':
    case 'cancel':
    case 'sent':
    case 'reject':
      return `${r.t} ${r.id}`;
    case 'fill':
      return `fill ${r.fill.clientOrderId.slice(2)}`;
    case 'halt':
      return `halt ${r.reason}`;
    case 'resume':
      return `resume ${r.ts}`;
  }
}

interface Run {
  acked: string[];
  signal: NodeJS.Signals | null;
  code: number | null;
  readyRecords: number;
  stderr: string;
}

/** Starts the child, waits for its first acknowledged record, waits `delayMs` more (or `acks` lines), kills it with SIGKILL. */
function crashRun(path: string, tag: string, kill: { delayMs: number } | { acks: number }): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CHILD, path, tag], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    const acked: string[] = [];
    let readyRecords = -1;
    let stderr = '';
    let armed = false;
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const lines = createInterface({ input: child.stdout });
    const killNow = (): void => {
      child.kill('SIGKILL');
    };
    lines.on('line', (line) => {
      if (line.startsWith('ready ')) {
        readyRecords = Number(line.slice(6));
        return;
      }
      acked.push(line);
      if (armed) return;
      if ('delayMs' in kill) {
        armed = true;
        setTimeout(killNow, kill.delayMs);
      } else if (acked.length >= kill.acks) {
        armed = true;
        killNow();
      }
    });
    child.once('error', reject);
    child.once('close', (code, signal) => resolve({ acked, signal, code, readyRecords, stderr }));
  });
}

describe('journal crash safety (kill -9 mid-burst)', () => {
  it('every acknowledged record survives exactly once, in order, and the journal reopens and takes more appends', async () => {
    const path = join(dir, 'crash.journal');
    const kills: Array<{ delayMs: number } | { acks: number }> = [{ delayMs: 0 }, { acks: 2000 }, { delayMs: 5 }, { delayMs: 40 }, { delayMs: 150 }];
    let expected: JournalRecord[] = []; // what the journal held before the current run
    let tornTails = 0;
    for (const [i, kill] of kills.entries()) {
      const tag = `r${i}`;
      const run = await crashRun(path, tag, kill);
      expect(run.stderr).toBe('');
      expect(run.signal).toBe('SIGKILL'); // killed mid-burst, not exited
      expect(run.readyRecords).toBe(expected.length);
      expect(run.acked.length).toBeGreaterThan(0);

      const r = await replayJournal(path);
      expect(r.corrupt).toBe(0);
      if (r.tornTail) tornTails++;
      // What was there before this run is untouched, in the same order.
      expect(r.records.slice(0, expected.length)).toEqual(expected);
      const added = r.records.slice(expected.length);
      const keys = added.map(key);
      // No duplicates: every record is in the journal at most once.
      expect(new Set(keys).size).toBe(keys.length);
      // No loss: every acknowledged record is there.
      const present = new Set(keys);
      const lost = run.acked.filter((k) => !present.has(k));
      expect(lost).toEqual([]);
      expect(new Set(run.acked).size).toBe(run.acked.length);
      // Everything belongs to this run, and every order's records are in causal order (intent, ack, fill).
      const pos = new Map(keys.map((k, j) => [k, j]));
      for (const k of keys) {
        const [kind, id] = k.split(' ') as [string, string];
        expect(id.startsWith(`${tag}-`)).toBe(true);
        if (kind === 'ack') expect(pos.get(`intent ${id}`)).toBeLessThan(pos.get(k) as number);
        if (kind === 'fill') expect(pos.get(`ack ${id}`)).toBeLessThan(pos.get(k) as number);
      }
      // The rebuilt state agrees with the records: every order of this run with an intent and no full fill is open.
      const filled = new Set(keys.filter((k) => k.startsWith('fill ')).map((k) => k.slice(5)));
      const intents = keys.filter((k) => k.startsWith('intent ')).map((k) => k.slice(7));
      for (const id of intents) expect(r.openOrders.has(id)).toBe(!filled.has(id));

      // Reopen (truncating a torn tail, if any) and append more: nothing is corrupted.
      const j = await Journal.open({ path, fsync: 'batch' });
      expect(j.recovered).toMatchObject({ records: r.records.length, tornTail: r.tornTail });
      const more: JournalRecord[] = Array.from({ length: 50 }, (_, k) => ({ t: 'cancel', id: `${tag}-after-${k}` }));
      await Promise.all(more.map((m) => j.append(m)));
      await j.close();
      const after = await replayJournal(path);
      expect(after).toMatchObject({ corrupt: 0, tornTail: false });
      expect(after.records).toEqual([...r.records, ...more]);
      expected = after.records;
    }
    // How many of the kills landed mid-write (informative; a torn tail is legal, never required).
    console.log(`journal crash test: ${kills.length} kills, ${expected.length} records in the journal, ${tornTails} torn tails`);
  }, 180_000);
});
