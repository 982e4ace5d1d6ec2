/**
 * Benchmark harness over tinybench. Micro-operations take nanoseconds, below the timer's
 * resolution, so each sample runs a batch of calls and reports ns per call. Inputs rotate through
 * an array per call (a constant argument lets V8 specialise the loop and flatters JS ~3x).
 * Competitors run in the same process, in interleaved rounds (A B C, A B C, ...), and the median
 * across rounds is reported, so drift hits every contender alike.
 */
import { Bench } from 'tinybench';

export interface Case {
  /** Row label, e.g. 'tickwire mask'. */
  name: string;
  /** Cases in one group are compared with each other, e.g. 'mask 1 KiB'. */
  group: string;
  /** Bytes processed per call, for GB/s; 0 when not meaningful. */
  bytes: number;
  /** Calls per sample; aim for a sample of ~10-100 µs. */
  batch: number;
  /** One call; `i` rotates inputs. */
  run: (i: number) => void;
}

export interface Result {
  name: string;
  group: string;
  bytes: number;
  nsPerOp: number;
  opsPerSec: number;
  gbPerSec: number | null;
  rounds: number[];
}

export interface Target {
  /** What the issue asks, in words. */
  goal: string;
  group: string;
  subject: string;
  competitor: string;
  /** subject speed / competitor speed must be >= min (speed = 1 / ns per op). */
  min: number;
}

export interface TargetOutcome extends Target {
  ratio: number;
  met: boolean;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}

/**
 * A batch loop compiled separately for each case. One shared loop calling every case's `run` would
 * be a megamorphic call site that costs every contender ~10-15 ns per call and squeezes ratios
 * towards 1; a function made by `new Function` has its own feedback, so each call site sees one
 * target.
 */
function batchLoop(run: (i: number) => void, batch: number): () => void {
  const make = new Function(
    'run',
    'batch',
    'let i = 0; return function batchLoop() { for (let k = 0; k < batch; k++) run(i++); };',
  ) as (r: (i: number) => void, b: number) => () => void;
  return make(run, batch);
}

export async function measure(cases: Case[], rounds = 5, timeMs = 150): Promise<Result[]> {
  const perCase = new Map<Case, number[]>(cases.map((c) => [c, []]));
  const loops = new Map<Case, () => void>(cases.map((c) => [c, batchLoop(c.run, c.batch)]));
  for (let r = 0; r < rounds; r++) {
    for (const c of cases) {
      const bench = new Bench({ time: timeMs, warmupTime: r === 0 ? 100 : 20, warmupIterations: 5 });
      bench.add(c.name, loops.get(c) as () => void);
      await bench.run();
      const task = bench.tasks[0];
      const result = task?.result as { latency?: { p50: number } } | undefined;
      if (!result?.latency) throw new Error(`benchmark '${c.name}' produced no result`);
      perCase.get(c)?.push((result.latency.p50 * 1e6) / c.batch);
    }
  }
  return cases.map((c) => {
    const samples = perCase.get(c) ?? [];
    const ns = median(samples);
    return {
      name: c.name,
      group: c.group,
      bytes: c.bytes,
      nsPerOp: ns,
      opsPerSec: 1e9 / ns,
      gbPerSec: c.bytes ? c.bytes / ns : null,
      rounds: samples,
    };
  });
}

export function evaluate(results: Result[], targets: Target[]): TargetOutcome[] {
  return targets.map((t) => {
    const find = (name: string) => results.find((r) => r.group === t.group && r.name === name);
    const s = find(t.subject);
    const c = find(t.competitor);
    if (!s || !c) throw new Error(`target '${t.goal}': missing ${!s ? t.subject : t.competitor} in ${t.group}`);
    const ratio = c.nsPerOp / s.nsPerOp;
    return { ...t, ratio, met: ratio >= t.min };
  });
}

const fmtNs = (ns: number) => (ns >= 1e6 ? `${(ns / 1e6).toFixed(2)} ms` : ns >= 1e3 ? `${(ns / 1e3).toFixed(2)} µs` : `${ns.toFixed(1)} ns`);

export function table(results: Result[]): string {
  const rows: string[][] = [['group', 'case', 'time/op', 'ops/s', 'GB/s', 'vs first in group']];
  let first: Result | undefined;
  for (const r of results) {
    if (!first || first.group !== r.group) first = r;
    rows.push([
      r.group,
      r.name,
      fmtNs(r.nsPerOp),
      r.opsPerSec >= 1e6 ? `${(r.opsPerSec / 1e6).toFixed(2)} M` : `${(r.opsPerSec / 1e3).toFixed(1)} k`,
      r.gbPerSec === null ? '' : r.gbPerSec.toFixed(2),
      r === first ? '1.00x' : `${(first.nsPerOp / r.nsPerOp).toFixed(2)}x`,
    ]);
  }
  return markdown(rows);
}

export function targetTable(outcomes: TargetOutcome[]): string {
  const rows = [['target', 'measured', 'required', 'status']];
  for (const o of outcomes) rows.push([o.goal, `${o.ratio.toFixed(2)}x`, `>= ${o.min}x`, o.met ? 'met' : 'NOT MET']);
  return markdown(rows);
}

function markdown(rows: string[][]): string {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? [];
  const line = (r: string[]) => `| ${r.map((c, i) => c.padEnd(widths[i] ?? 0)).join(' | ')} |`;
  return [line(rows[0] ?? []), `| ${widths.map((w) => '-'.repeat(w)).join(' | ')} |`, ...rows.slice(1).map(line)].join('\n');
}

/** `count` buffers of `size` random bytes, to rotate through. */
export function inputs(count: number, size: number): Buffer[] {
  return Array.from({ length: count }, () => {
    const b = Buffer.allocUnsafe(size);
    for (let i = 0; i < size; i++) b[i] = (Math.random() * 256) | 0;
    return b;
  });
}
