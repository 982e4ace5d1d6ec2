/**
 * Shared pieces of the network suites (bench/net/): the benchmark server in its own process,
 * certificates, statistics, tables, and targets that are not simple speed ratios (latency "at most
 * 0.6× ws", or a target that cannot be measured as specified).
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { readFileSync, realpathSync } from 'node:fs';
import { get } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

export const ROOT = new URL('../../', import.meta.url).pathname;
const FIXTURES = join(tmpdir(), 'tickwire-tls-fixtures');

/** The test CA (PEM) that signed the server's "localhost" certificate. */
export function testCa(): string {
  execFileSync('sh', [join(ROOT, 'native/test/tls_fixtures.sh'), FIXTURES]);
  return readFileSync(join(FIXTURES, 'ca.pem'), 'utf8');
}

export interface ServerPorts {
  http: number;
  https: number;
  tcpEcho: number;
  tlsEcho: number;
  pid: number;
}

export interface BenchServer {
  ports: ServerPorts;
  /** ws://127.0.0.1:port or wss://127.0.0.1:port (no path). */
  base(secure: boolean): string;
  /** A control endpoint (GET, JSON), e.g. '/stats?reset=1' or '/spin?on=1'. */
  control<T = unknown>(path: string): Promise<T>;
  stop(): Promise<void>;
}

export interface ServerStats {
  connections: number;
  tlsConnections: number;
  tlsResumed: number;
  versions: Record<string, number>;
  ciphers: Record<string, number>;
  floods: number;
  floodMessages: number;
  lastFlood: { messages: number; wallMs: number; cpuMs: number };
}

/** Node with tsx, for child processes that run TypeScript. */
export function tsNode(script: string, args: string[] = [], nodeArgs: string[] = []): { cmd: string; args: string[] } {
  return { cmd: process.execPath, args: [...nodeArgs, '--import', 'tsx', join(ROOT, script), ...args] };
}

/** Starts bench/net/server.ts in a child process and waits for its ports. */
export async function startServer(): Promise<BenchServer> {
  const { cmd, args } = tsNode('bench/net/server.ts');
  const child: ChildProcess = spawn(cmd, args, { cwd: ROOT, stdio: ['pipe', 'pipe', 'inherit'] });
  const ports = await new Promise<ServerPorts>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error('bench server did not start within 30 s')), 30_000);
    child.once('exit', (code) => reject(new Error(`bench server exited (${String(code)})`)));
    createInterface({ input: child.stdout as NodeJS.ReadableStream }).once('line', (line) => {
      clearTimeout(t);
      try {
        resolve(JSON.parse(line) as ServerPorts);
      } catch {
        reject(new Error(`bench server said: ${line}`));
      }
    });
  });
  child.removeAllListeners('exit');
  return {
    ports,
    base: (secure) => (secure ? `wss://127.0.0.1:${ports.https}` : `ws://127.0.0.1:${ports.http}`),
    control: <T>(path: string) =>
      new Promise<T>((resolve, reject) => {
        get({ host: '127.0.0.1', port: ports.http, path, agent: false }, (res) => {
          let body = '';
          res.setEncoding('utf8');
          res.on('data', (d: string) => (body += d));
          res.on('end', () => resolve(JSON.parse(body) as T));
        }).on('error', reject);
      }),
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        const t = setTimeout(() => child.kill('SIGKILL'), 3000);
        child.once('exit', () => {
          clearTimeout(t);
          resolve();
        });
        child.kill('SIGTERM');
      }),
  };
}

/** Rejects after `ms` unless `p` settles first. */
export function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let t: NodeJS.Timeout | undefined;
  return Promise.race([
    p.finally(() => clearTimeout(t)),
    new Promise<T>((_, reject) => {
      t = setTimeout(() => reject(new Error(`${what}: no result within ${ms} ms`)), ms);
    }),
  ]);
}

// ---- statistics -----------------------------------------------------------------------------
export function median(xs: number[]): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}

/** Nearest-rank percentile of sorted values, p in [0, 100]. */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))] as number;
}

export function sortedCopy(xs: ArrayLike<number>): Float64Array {
  return Float64Array.from(xs).sort();
}

// ---- formatting -----------------------------------------------------------------------------
export const fmtUs = (us: number): string => (Number.isNaN(us) ? '–' : us >= 1000 ? `${(us / 1000).toFixed(2)} ms` : `${us.toFixed(1)} µs`);
export const fmtMs = (ms: number): string => (Number.isNaN(ms) ? '–' : `${ms.toFixed(3)} ms`);
export const fmtRate = (perSec: number): string => (perSec >= 1e6 ? `${(perSec / 1e6).toFixed(2)} M` : `${(perSec / 1e3).toFixed(1)} k`);
export const fmtX = (x: number): string => (Number.isFinite(x) ? `${x.toFixed(2)}×` : '–');

export function markdown(rows: string[][]): string {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? [];
  const line = (r: string[]) => `| ${r.map((c, i) => c.padEnd(widths[i] ?? 0)).join(' | ')} |`;
  return [line(rows[0] ?? []), `| ${widths.map((w) => '-'.repeat(w)).join(' | ')} |`, ...rows.slice(1).map(line)].join('\n');
}

// ---- targets --------------------------------------------------------------------------------
export interface NetTargetOutcome {
  /** What the issue asks, in words. */
  goal: string;
  /** The measured value in the goal's own terms, e.g. '3.4× ws' or 'p50 0.52× ws'. */
  measured: string;
  required: string;
  /** The number compared with the requirement (a speed-up, or a latency fraction). */
  value: number;
  /** null: could not be measured as specified (see note). */
  met: boolean | null;
  note?: string;
}

/** subject is better by `ratio` (>= min) — e.g. throughput ratio. */
export function atLeast(goal: string, ratio: number, min: number, unit = '', note?: string): NetTargetOutcome {
  return { goal, measured: `${ratio.toFixed(2)}×${unit}`, required: `>= ${min}×`, value: ratio, met: Number.isFinite(ratio) ? ratio >= min : false, ...(note ? { note } : {}) };
}

/** subject / competitor (e.g. latency) must be <= max. */
export function atMost(goal: string, fraction: number, max: number, unit = '', note?: string): NetTargetOutcome {
  return { goal, measured: `${fraction.toFixed(2)}×${unit}`, required: `<= ${max}×`, value: fraction, met: Number.isFinite(fraction) ? fraction <= max : false, ...(note ? { note } : {}) };
}

export function netTargetTable(outcomes: NetTargetOutcome[]): string {
  const rows = [['target', 'measured', 'required', 'status']];
  for (const o of outcomes) rows.push([o.goal, o.measured, o.required, o.met === null ? 'NOT MEASURED as specified' : o.met ? 'met' : 'NOT MET']);
  const notes = outcomes.filter((o) => o.note).map((o) => `- ${o.goal}: ${o.note}`);
  return markdown(rows) + (notes.length ? `\n\n${notes.join('\n')}` : '');
}

/** What a network suite hands back to bench/run.ts. */
export interface NetReport {
  /** Markdown: one or more tables with their captions. */
  text: string;
  targets: NetTargetOutcome[];
  /** Raw numbers for the JSON file. */
  data: unknown;
}

export interface NetContext {
  server: BenchServer;
  ca: string;
  /** Interleaved rounds (each suite has its own default). */
  rounds: number | undefined;
  /** Quick mode: fewer messages / round trips (BENCH_QUICK=1). */
  quick: boolean;
}

/** Lets the event loop turn (so sockets close, timers run) between cases. */
export const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

/** Keeps the event loop busy-polling (setImmediate chain: libuv polls with timeout 0 and never sleeps). */
export function spinLoop(): () => void {
  let on = true;
  const spin = (): void => {
    if (on) setImmediate(spin);
  };
  setImmediate(spin);
  return () => {
    on = false;
  };
}

/**
 * Runs a suite when its file is the entry point (`npx tsx bench/net/receive.bench.ts`): starts the
 * server, prints the report, stops. BENCH_ROUNDS and BENCH_QUICK=1 apply.
 */
export async function standalone(moduleUrl: string, run: (ctx: NetContext) => Promise<NetReport>): Promise<void> {
  const entry = process.argv[1] ? realpathSync(process.argv[1]) : '';
  if (entry !== realpathSync(fileURLToPath(moduleUrl))) return;
  const server = await startServer();
  try {
    const rounds = process.env.BENCH_ROUNDS ? Number(process.env.BENCH_ROUNDS) : undefined;
    const report = await run({ server, ca: testCa(), rounds, quick: process.env.BENCH_QUICK === '1' });
    console.log(`${report.text}\n`);
    if (report.targets.length) console.log(`${netTargetTable(report.targets)}\n`);
  } finally {
    await server.stop();
  }
}
