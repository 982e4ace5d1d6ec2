#!/usr/bin/env node
// Builds and runs the C core's tests with CMake/ctest.
//   node scripts/ctest.mjs               release build, ctest
//   node scripts/ctest.mjs --sanitize    ASan + UBSan build, ctest
//   node scripts/ctest.mjs --fuzz=SECS   clang libFuzzer build, each target for SECS seconds
//   node scripts/ctest.mjs --bench       build and run native/bench programs
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const args = process.argv.slice(2);
const fuzzArg = args.find((a) => a.startsWith('--fuzz'));
const mode = args.includes('--sanitize') ? 'asan' : fuzzArg ? 'fuzz' : args.includes('--bench') ? 'bench' : 'release';
const dir = join(root, 'build', `cmake-${mode}`);

function run(cmd, argv, env = {}) {
  console.log(`$ ${cmd} ${argv.join(' ')}`);
  const r = spawnSync(cmd, argv, { stdio: 'inherit', cwd: root, env: { ...process.env, ...env } });
  if (r.status !== 0) {
    console.error(`ctest.mjs: '${cmd}' failed (${r.status ?? r.signal})`);
    process.exit(r.status ?? 1);
  }
}

const defs = {
  release: ['-DCMAKE_BUILD_TYPE=Release'],
  asan: ['-DCMAKE_BUILD_TYPE=Debug', '-DTW_SANITIZE=ON'],
  fuzz: ['-DCMAKE_BUILD_TYPE=RelWithDebInfo', '-DTW_BUILD_FUZZ=ON'],
  bench: ['-DCMAKE_BUILD_TYPE=Release', '-DTW_BUILD_BENCH=ON'],
}[mode];
const env = mode === 'fuzz' ? { CC: 'clang', CXX: 'clang++' } : {};

run('cmake', ['-S', '.', '-B', dir, ...defs], env);
run('cmake', ['--build', dir, '-j', '2'], env);

if (mode === 'fuzz') {
  const secs = Number(fuzzArg.split('=')[1] ?? 60);
  for (const target of ['fuzz_ws_parse', 'fuzz_utf8', 'fuzz_client', 'fuzz_x509_pin', 'fuzz_order_template']) {
    const corpus = join(dir, 'corpus', target);
    mkdirSync(corpus, { recursive: true });
    run(join(dir, target), [`-max_total_time=${secs}`, '-print_final_stats=1', '-timeout=10', '-rss_limit_mb=2048', corpus]);
  }
  console.log('fuzz: no findings');
} else if (mode === 'bench') {
  for (const b of readdirSync(dir).filter((f) => f.startsWith('bench_'))) run(join(dir, b), []);
} else {
  run('ctest', ['--test-dir', dir, '--output-on-failure', '-j', '2', '--output-junit', join(dir, 'ctest.xml')], mode === 'asan' ? { ASAN_OPTIONS: 'detect_leaks=1' } : {});
}
