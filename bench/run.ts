/**
 * `npm run bench`: every suite, competitors in the same run, a table per suite, the issue targets
 * as measured ratios (met or not), and JSON in bench/results/.
 *   npm run bench -- mask hmac      only suites whose name contains one of the words
 *   npm run bench -- net            only the network suites (bench/net/: receive, echo, connect,
 *                                   syscalls, soak), against a server in its own process
 *   BENCH_ROUNDS=9 npm run bench    more interleaved rounds for the micro suites (default 5)
 *   BENCH_NET_ROUNDS=3              rounds for each network suite (defaults: receive 5, echo 2, connect 4)
 *   BENCH_QUICK=1                   network suites with fewer messages / round trips / connections
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';

import { native } from '../src/index.js';
import { evaluate, measure, table, targetTable, type Case, type Result, type Target, type TargetOutcome } from './lib/harness.js';
import * as crossing from './native/crossing.bench.js';
import * as hmac from './crypto/hmac.bench.js';
import * as sha from './crypto/sha256.bench.js';
import * as maskSuite from './ws/mask.bench.js';
import * as bookSuite from './book/book.bench.js';
import { netTargetTable, ROOT, startServer, testCa, tsNode, type BenchServer, type NetContext, type NetReport, type NetTargetOutcome } from './lib/net.js';
import { closeAgents } from './net/clients.js';
import * as netConnect from './net/connect.bench.js';
import * as netEcho from './net/echo.bench.js';
import * as netReceive from './net/receive.bench.js';
import * as netSyscalls from './net/syscalls.js';
import * as orderPath from './orders/order-path.bench.js';
import * as marketData from './exchanges/market-data.bench.js';
import * as journalSuite from './journal/append.bench.js';
import * as telemetryFanout from './telemetry/fanout.bench.js';

interface Suite {
  name: string;
  cases: () => Case[];
  targets: Target[];
}

const suites: Suite[] = [
  { name: 'native/crossing', ...crossing },
  { name: 'ws/mask', ...maskSuite },
  { name: 'crypto/hmac', ...hmac },
  { name: 'crypto/sha256', ...sha },
  { name: 'book', ...bookSuite },
];

/** Network suites: a server in another process, their own tables and targets. */
interface NetSuite {
  name: string;
  run: (ctx: NetContext) => Promise<NetReport>;
}

/** bench/net/soak.ts in a child process (it needs --expose-gc). */
function soakInChild(): Promise<NetReport> {
  const { cmd, args } = tsNode('bench/net/soak.ts', ['--json', ...(process.env.BENCH_QUICK === '1' ? ['--count', '2000000'] : [])], ['--expose-gc']);
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    const t = setTimeout(() => child.kill('SIGKILL'), 300_000);
    child.once('exit', (code) => {
      clearTimeout(t);
      const last = out.trim().split('\n').pop() ?? '';
      try {
        resolve(JSON.parse(last) as NetReport);
      } catch {
        reject(new Error(`soak exited (${String(code)}): ${out.slice(-500)}`));
      }
    });
  });
}

const netSuites: NetSuite[] = [
  { name: 'net/receive', run: netReceive.run },
  { name: 'net/echo', run: netEcho.run },
  { name: 'net/connect', run: netConnect.run },
  { name: 'net/syscalls', run: (ctx) => netSyscalls.run({ quick: ctx.quick }) },
  { name: 'net/soak', run: () => soakInChild() },
  { name: 'net/orders', run: orderPath.run },
  { name: 'net/market-data', run: marketData.run },
  { name: 'journal/append', run: journalSuite.run },
  { name: 'telemetry/fanout', run: telemetryFanout.run },
];

/** The commit measured (and whether the tree had changes), for the JSON. */
function gitState(): string {
  try {
    const head = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--', 'src', 'native'], { encoding: 'utf8' }).trim() !== '';
    return dirty ? `${head} + local changes in src/ or native/` : head;
  } catch {
    return 'unknown';
  }
}

const filter = process.argv.slice(2);
const rounds = Number(process.env.BENCH_ROUNDS ?? 5);
const info = native.info();
const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
console.log(`tickwire bench — ${cpu}, ${os.cpus().length} cores, Node ${process.version}`);
console.log(`native impls: sha256=${info.impls.sha256}, mask=${info.impls.mask}; ${rounds} interleaved rounds, medians\n`);

const all: Result[] = [];
const outcomes: TargetOutcome[] = [];
for (const s of suites) {
  if (filter.length && !filter.some((f) => s.name.includes(f))) continue;
  const results = await measure(s.cases(), rounds);
  all.push(...results);
  console.log(`## ${s.name}\n\n${table(results)}\n`);
  outcomes.push(...evaluate(results, s.targets));
}
const netOutcomes: NetTargetOutcome[] = [];
const netData: Record<string, unknown> = {};
const selectedNet = netSuites.filter((s) => !filter.length || filter.some((f) => s.name.includes(f)));
if (selectedNet.length) {
  let server: BenchServer | null = null;
  const netRounds = process.env.BENCH_NET_ROUNDS ? Number(process.env.BENCH_NET_ROUNDS) : undefined;
  try {
    server = await startServer();
    const ctx: NetContext = { server, ca: testCa(), rounds: netRounds, quick: process.env.BENCH_QUICK === '1' };
    for (const s of selectedNet) {
      const t0 = performance.now();
      const report = await s.run(ctx);
      console.log(`## ${s.name} (${((performance.now() - t0) / 1000).toFixed(1)} s)\n\n${report.text}\n`);
      netOutcomes.push(...report.targets);
      netData[s.name] = report.data;
    }
  } finally {
    await server?.stop();
    await closeAgents();
  }
}
if (outcomes.length || netOutcomes.length) {
  const parts = [outcomes.length ? targetTable(outcomes) : '', netOutcomes.length ? netTargetTable(netOutcomes) : ''].filter(Boolean);
  console.log(`## targets\n\n${parts.join('\n\n')}\n`);
}

mkdirSync('bench/results', { recursive: true });
const stamp = new Date().toISOString().replace(/[:.]/g, '-');
const file = `bench/results/bench-${stamp}.json`;
writeFileSync(
  file,
  JSON.stringify({ date: new Date().toISOString(), commit: gitState(), cpu, node: process.version, native: info, results: all, targets: outcomes, net: netData, netTargets: netOutcomes }, null, 2),
);
console.log(`results: ${file}`);
