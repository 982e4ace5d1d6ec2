/**
 * `npm run bench`: every suite, competitors in the same run, a table per suite, the issue targets
 * as measured ratios (met or not), and JSON in bench/results/.
 *   npm run bench -- mask hmac      only suites whose name contains one of the words
 *   BENCH_ROUNDS=9 npm run bench    more interleaved rounds (default 5)
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';

import { native } from '../src/index.js';
import { evaluate, measure, table, targetTable, type Case, type Result, type Target, type TargetOutcome } from './lib/harness.js';
import * as crossing from './native/crossing.bench.js';
import * as hmac from './crypto/hmac.bench.js';
import * as sha from './crypto/sha256.bench.js';
import * as maskSuite from './ws/mask.bench.js';

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
];

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
if (outcomes.length) console.log(`## targets\n\n${targetTable(outcomes)}\n`);

mkdirSync('bench/results', { recursive: true });
const stamp = new Date().toISOString().replace(/[:.]/g, '-');
const file = `bench/results/bench-${stamp}.json`;
writeFileSync(file, JSON.stringify({ date: new Date().toISOString(), cpu, node: process.version, native: info, results: all, targets: outcomes }, null, 2));
console.log(`results: ${file}`);
