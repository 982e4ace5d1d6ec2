/**
 * Order journal append throughput and latency (issue 6 target: >= 200k records/s with fsync
 * batching; the fsync-every-record figure reported too).
 *
 * Records are a realistic mix of what the engine journals (order intent, sent, venue ack, fill),
 * ~200 B of JSON each. Throughput: appends are issued as fast as the process can frame them, in
 * chunks of 1,024, with up to two chunks in flight (like an engine with many orders in flight,
 * each awaiting its own append); records/s = records durable / wall time including the final
 * drain. Latency: one append at a time, awaited (what a single order waits before it is sent).
 * The journal file lives in BENCH_JOURNAL_DIR (default: the OS temp dir); its filesystem is
 * reported, since fdatasync on tmpfs costs nothing.
 *
 * Shape: the network-suite shape of bench/run.ts (`run(ctx) => NetReport`); it uses only
 * `ctx.rounds` and `ctx.quick`. Standalone: `npx tsx bench/journal/append.bench.ts`.
 */
import { mkdtempSync, realpathSync, rmSync, statfsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { Journal, type FsyncPolicy, type JournalOptions, type JournalRecord } from '../../src/orders/journal/index.js';
import { fmtRate, fmtUs, markdown, median, netTargetTable, percentile, sortedCopy, type NetContext, type NetReport, type NetTargetOutcome } from '../lib/net.js';

const TARGET = 200_000;

/** The four record kinds an order produces, ~200 B each. */
function records(n: number): JournalRecord[] {
  const out: JournalRecord[] = [];
  const now = 1_764_000_000_000;
  for (let i = 0; i < n; i++) {
    const id = `whale-${100000 + i}`;
    const cid = `tw-7f3a9c-${100000 + i}`;
    switch (i % 4) {
      case 0:
        out.push({ t: 'intent', id, intent: { id, strategy: 'whale', venue: 'binance', symbol: 'BTCUSDT', side: 'buy', type: 'limit', price: 65012.5, qty: 0.00154, ts: now + i } });
        break;
      case 1:
        out.push({ t: 'sent', id, clientOrderId: cid, venue: 'binance', ts: now + i });
        break;
      case 2:
        out.push({ t: 'ack', id, ack: { venue: 'binance', symbol: 'BTCUSDT', clientOrderId: cid, orderId: `${8_812_345_678 + i}`, status: 'new', filledQty: 0, venueTs: now + i, recvTs: now + i + 0.731 } });
        break;
      default:
        out.push({
          t: 'fill',
          fill: {
            venue: 'binance', symbol: 'BTCUSDT', clientOrderId: cid, orderId: `${8_812_345_678 + i}`, tradeId: `${3_999_000_000 + i}`, side: 'buy', price: 65012.5,
            qty: 0.00154, fee: 0.1001, feeAsset: 'USDT', liquidity: 'maker', venueTs: now + i, recvTs: now + i + 0.52,
          },
        });
    }
  }
  return out;
}

const FS_NAMES: Record<string, string> = { ef53: 'ext4', '1021994': 'tmpfs', '9123683e': 'btrfs', '58465342': 'xfs', '794c7630': 'overlayfs', '2fc12fc1': 'zfs' };

interface Throughput {
  policy: FsyncPolicy;
  records: number;
  seconds: number;
  perSec: number;
  fsyncs: number;
  /** Records per fdatasync. */
  perSync: number;
}

async function throughput(dir: string, policy: FsyncPolicy, seconds: number, pool: JournalRecord[], opts: Partial<JournalOptions> = {}): Promise<Throughput> {
  const path = join(dir, `tp-${policy}-${Date.now()}.journal`);
  const j = await Journal.open({ path, fsync: policy, ...opts });
  const before = j.stats;
  const chunk = 1024;
  let i = 0;
  let prev: Promise<void> | null = null;
  const t0 = performance.now();
  const end = t0 + seconds * 1000;
  while (performance.now() < end) {
    let last: Promise<void> | null = null;
    for (let k = 0; k < chunk; k++) last = j.append(pool[i++ % pool.length] as JournalRecord);
    if (prev) await prev;
    prev = last;
  }
  await prev;
  const dt = (performance.now() - t0) / 1000;
  const s = j.stats;
  await j.close();
  rmSync(path, { force: true });
  const n = s.records - before.records;
  const fsyncs = s.fsyncs - before.fsyncs;
  return { policy, records: n, seconds: dt, perSec: n / dt, fsyncs, perSync: fsyncs ? n / fsyncs : NaN };
}

/** One append at a time, awaited: µs per append. */
async function latency(dir: string, policy: FsyncPolicy, count: number, pool: JournalRecord[], opts: Partial<JournalOptions> = {}): Promise<Float64Array> {
  const path = join(dir, `lat-${policy}-${Date.now()}.journal`);
  const j = await Journal.open({ path, fsync: policy, ...opts });
  const us = new Float64Array(count);
  for (let i = 0; i < count; i++) {
    const t0 = performance.now();
    await j.append(pool[i % pool.length] as JournalRecord);
    us[i] = (performance.now() - t0) * 1000;
  }
  await j.close();
  rmSync(path, { force: true });
  return sortedCopy(us);
}

export async function run(ctx: Pick<NetContext, 'rounds' | 'quick'>): Promise<NetReport> {
  const base = process.env.BENCH_JOURNAL_DIR ?? tmpdir();
  const dir = mkdtempSync(join(base, 'tw-journal-bench-'));
  const fsType = (() => {
    try {
      const t = statfsSync(dir).type.toString(16);
      return FS_NAMES[t] ?? `fs 0x${t}`;
    } catch {
      return 'unknown fs';
    }
  })();
  const pool = records(4096);
  const avgBytes = pool.reduce((s, r) => s + Buffer.byteLength(JSON.stringify(r)) + 8, 0) / pool.length;
  const rounds = ctx.rounds ?? 3;
  const secs = ctx.quick ? 0.4 : 1;
  try {
    // Warm-up (JIT, page cache, file allocation).
    await throughput(dir, 'batch', 0.2, pool);
    const batch: Throughput[] = [];
    for (let r = 0; r < rounds; r++) batch.push(await throughput(dir, 'batch', secs, pool, { batchMs: 2 }));
    const batch0 = await throughput(dir, 'batch', secs, pool, { batchMs: 0 });
    const always = await throughput(dir, 'always', secs, pool);
    const none = await throughput(dir, 'none', secs, pool);
    const n = ctx.quick ? 100 : 300;
    const lat = {
      'batch (batchMs 2)': await latency(dir, 'batch', n, pool, { batchMs: 2 }),
      'batch (batchMs 0, the default)': await latency(dir, 'batch', n, pool, { batchMs: 0 }),
      always: await latency(dir, 'always', n, pool),
      none: await latency(dir, 'none', n, pool),
    };

    const batchMedian = median(batch.map((b) => b.perSec));
    const bestBatch = batch.find((b) => b.perSec === batchMedian) ?? batch[0];
    const rows = [['fsync policy', 'records/s', 'fdatasync/s', 'records per fdatasync', 'records', 'seconds']];
    const row = (label: string, t: Throughput, perSec = t.perSec): string[] => [
      label,
      fmtRate(perSec),
      fmtRate(t.fsyncs / t.seconds),
      Number.isNaN(t.perSync) ? '–' : t.perSync.toFixed(1),
      String(t.records),
      t.seconds.toFixed(2),
    ];
    if (bestBatch) rows.push(row(`batch (2 ms / 256; median of ${rounds})`, bestBatch, batchMedian));
    rows.push(row('batch (batchMs 0, the default: next fdatasync as soon as the last one ends)', batch0));
    rows.push(row('always (fdatasync per record)', always));
    rows.push(row('none (write only)', none));
    const latRows = [['policy, one append awaited at a time', 'p50', 'p99', 'max']];
    for (const [label, us] of Object.entries(lat)) latRows.push([label, fmtUs(percentile(us, 50)), fmtUs(percentile(us, 99)), fmtUs(us[us.length - 1] as number)]);

    const targets: NetTargetOutcome[] = [
      {
        goal: "journal append >= 200k records/s, fsync 'batch'",
        measured: `${fmtRate(batchMedian)} records/s`,
        required: `>= ${fmtRate(TARGET)} records/s`,
        value: batchMedian / TARGET,
        met: batchMedian >= TARGET,
        note: `fsync 'always' (one fdatasync per record): ${fmtRate(always.perSec)} records/s; ${fsType}, ~${avgBytes.toFixed(0)} B per record`,
      },
    ];
    const text = [
      `Journal file on ${fsType} (${base}); records ~${avgBytes.toFixed(0)} B framed (intent / sent / ack / fill JSON).`,
      '',
      markdown(rows),
      '',
      markdown(latRows),
    ].join('\n');
    return {
      text,
      targets,
      data: {
        fs: fsType,
        avgRecordBytes: avgBytes,
        batch,
        batchMs0: batch0,
        always,
        none,
        latencyUs: Object.fromEntries(Object.entries(lat).map(([k, us]) => [k, { p50: percentile(us, 50), p99: percentile(us, 99), max: us[us.length - 1] }])),
      },
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// Standalone: npx tsx bench/journal/append.bench.ts (BENCH_ROUNDS, BENCH_QUICK=1 apply).
if (process.argv[1] && realpathSync(process.argv[1]) === realpathSync(fileURLToPath(import.meta.url))) {
  const report = await run({ rounds: process.env.BENCH_ROUNDS ? Number(process.env.BENCH_ROUNDS) : undefined, quick: process.env.BENCH_QUICK === '1' });
  console.log(`${report.text}\n\n${netTargetTable(report.targets)}`);
}
