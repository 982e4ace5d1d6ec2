/**
 * `tickwire demo` as a user runs it (a child process): prints the dashboard URL, which serves
 * the dashboard and /api/state; orders get filled; SIGINT stops it with exit code 0.
 * Also `tickwire run <config>` with a copy of examples/demo.yaml, stopped by SIGTERM.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { afterEach, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));
const children: ChildProcess[] = [];
afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null) c.kill('SIGKILL');
});

interface Run {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  line: (re: RegExp) => Promise<RegExpMatchArray>;
  exit: Promise<number | null>;
}

function tickwire(args: string[]): Run {
  const child = spawn(process.execPath, ['--import', 'tsx', join(root, 'src/cli/main.ts'), ...args], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let out = '';
  let err = '';
  const waiters: Array<() => void> = [];
  child.stdout!.on('data', (d: Buffer) => {
    out += d.toString();
    for (const w of waiters.splice(0)) w();
  });
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const line = (re: RegExp): Promise<RegExpMatchArray> =>
    new Promise((resolve, reject) => {
      const check = (): void => {
        const m = out.match(re);
        if (m) return resolve(m);
        if (child.exitCode !== null) return reject(new Error(`exited ${child.exitCode} before ${re}:\n${out}\n${err}`));
        waiters.push(check);
      };
      check();
      void exit.then(() => setImmediate(check));
    });
  return { child, stdout: () => out, stderr: () => err, line, exit };
}

async function until<T>(fn: () => Promise<T | undefined>): Promise<T> {
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, 200));
  }
}

it('tickwire demo: dashboard URL serves the page and /api/state, orders fill, SIGINT exits 0', async () => {
  const journal = join(mkdtempSync(join(tmpdir(), 'tickwire-demo-test-')), 'journal.log');
  const run = tickwire(['demo', '--port', '0', '--interval', '1', '--journal', journal]);
  const [, url] = (await run.line(/dashboard (http:\/\/127\.0\.0\.1:\d+)\//)) as unknown as [string, string];
  expect(run.stdout()).toMatch(/simulated Binance on wss:\/\/127\.0\.0\.1:\d+ \(pinned TLS sha256\//);

  const page = await fetch(`${url}/`);
  expect(page.status).toBe(200);
  expect(page.headers.get('content-type')).toMatch(/text\/html/);
  expect(await page.text()).toContain('tickwire dashboard');

  // Orders were filled: /api/state lists fills and a position (polled until the first whale traded).
  const state = await until(async () => {
    const res = await fetch(`${url}/api/state`);
    expect(res.status).toBe(200);
    const s = (await res.json()) as { status: string; fills: unknown[]; positions: Array<{ qty: number }>; config: { venues: string[] } };
    return s.fills.length > 0 ? s : undefined;
  });
  expect(state.status).toBe('ACTIVE');
  expect(state.config.venues).toEqual(['binance']);
  expect(state.positions.some((p) => p.qty !== 0)).toBe(true);
  // And the progress line says so, with the order latency.
  await run.line(/tickwire demo: \d+ messages, \d+ signals, [1-9]\d* orders .*, [1-9]\d* fills, order latency p50 [\d.]+ ms p99 [\d.]+ ms/);

  run.child.kill('SIGINT');
  expect(await run.exit).toBe(0);
  expect(run.stdout()).toMatch(/SIGINT, stopping/);
  expect(run.stdout()).toMatch(/stopped\./);
  expect(run.stderr()).not.toMatch(/error/i);
  // The port is closed after the stop.
  await expect(fetch(`${url}/api/state`)).rejects.toThrow();
});

it('tickwire run <config>: a copy of examples/demo.yaml runs, SIGTERM exits 0; a bad config exits 2 naming the field', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tickwire-run-test-'));
  const yaml = readFileSync(join(root, 'examples/demo.yaml'), 'utf8')
    .replace(/path: \/tmp\/tickwire-demo\.journal/, 'path: journal.log')
    .replace(/port: 8000/, 'port: 0');
  const file = join(dir, 'demo.yaml');
  writeFileSync(file, yaml);
  const run = tickwire(['run', file, '--interval', '1']);
  await run.line(/tickwire run: dashboard http:\/\/127\.0\.0\.1:\d+\//);
  await run.line(/tickwire run: [1-9]\d* messages/);
  run.child.kill('SIGTERM');
  expect(await run.exit).toBe(0);
  expect(readFileSync(join(dir, 'journal.log')).length).toBeGreaterThan(0);

  const bad = join(dir, 'bad.yaml');
  writeFileSync(bad, yaml.replace('approvedSize: 0.05', 'approvedSize: 0.5').replace('fsync: batch', 'fsync: often'));
  const r2 = tickwire(['run', bad]);
  expect(await r2.exit).toBe(2);
  expect(r2.stderr()).toMatch(/CONFIG_INVALID/);
  expect(r2.stderr()).toMatch(/risk\.approvedSize: expected a value <= 0\.2, got 0\.5/);
  expect(r2.stderr()).toMatch(/journal\.fsync: expected one of "always", "batch", "none", got "often"/);

  const r3 = tickwire(['run', join(root, 'examples/binance.yaml'), '--check']);
  expect(await r3.exit).toBe(2);
  expect(r3.stderr()).toMatch(/venues\.binance\.credentials\.apiKey: expected the environment variable BINANCE_API_KEY to be set/);
});

it('tickwire demo --help and a bad flag', async () => {
  const help = tickwire(['demo', '--help']);
  expect(await help.exit).toBe(0);
  expect(help.stdout()).toContain('usage: tickwire demo');
  const bad = tickwire(['demo', '--bogus']);
  expect(await bad.exit).toBe(2);
  expect(bad.stderr()).toContain("Unknown option '--bogus'");
});
