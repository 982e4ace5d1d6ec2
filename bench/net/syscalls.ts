/**
 * System calls per 10,000 received messages (100 B text), counted by `strace -c -f` attached to a
 * client process for the duration of one flood only (connection set up before, closed after):
 * tickwire on io_uring, tickwire on epoll (TICKWIRE_TRANSPORT=epoll) and the `ws` client, over
 * ws:// and wss://.
 *
 *   npx tsx bench/net/syscalls.ts [count]      (default 100,000 messages per run)
 *
 * Each client runs in a child process (this file with --client): it connects to the server's /ctl
 * endpoint, says "ready", and starts the flood when told "go" on stdin, after strace has attached to
 * all its threads. Under ptrace every system call is much slower, so a client reads bigger batches
 * than it would untraced: the counts are an upper bound on what the kernel boundary costs, and the
 * ratio between clients is what to read. io_uring's submissions and completions are not system
 * calls (only io_uring_enter is); its kernel-side work shows as none here.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

import { markdown, ROOT, startServer, testCa, tsNode, within, type NetReport, type NetTargetOutcome } from '../lib/net.js';
import { closeTickwire, closeWs, openTickwire, openWs } from './clients.js';

type Kind = 'tickwire io_uring' | 'tickwire epoll' | 'ws';
const KINDS: Kind[] = ['tickwire io_uring', 'tickwire epoll', 'ws'];

// ---- client (child process) -----------------------------------------------------------------
async function client(kind: Kind, url: string, count: number): Promise<void> {
  const tls = { ca: testCa(), servername: 'localhost' };
  const lines = createInterface({ input: process.stdin });
  const go = new Promise<void>((resolve) => lines.once('line', () => resolve()));
  let n = 0;
  let finish: () => void = () => {};
  const done = new Promise<void>((r) => (finish = r));
  const cmd = `flood 100 ${count}`;
  if (kind === 'ws') {
    const ws = await openWs(url, tls);
    ws.on('message', (d: Buffer) => {
      n++;
      if (d.length === 4) finish();
    });
    process.stdout.write(`ready ${process.pid}\n`);
    await go;
    ws.send(cmd);
    await within(done, 120_000, 'flood');
    process.stdout.write(`done ${n}\n`);
    await new Promise<void>((r) => lines.once('line', () => r()));
    await closeWs(ws);
  } else {
    const ws = await openTickwire(url, tls);
    const transport = ws.stats().transport;
    if (`tickwire ${transport}` !== kind) throw new Error(`${kind}: got transport ${transport}`);
    ws.on('message', (d) => {
      n++;
      if (d.length === 4) finish();
    });
    process.stdout.write(`ready ${process.pid}\n`);
    await go;
    ws.send(cmd);
    await within(done, 120_000, 'flood');
    process.stdout.write(`done ${n}\n`);
    await new Promise<void>((r) => lines.once('line', () => r()));
    await closeTickwire(ws);
  }
  lines.close();
  process.exit(0);
}

// ---- orchestrator ---------------------------------------------------------------------------
interface Counted {
  total: number;
  bySyscall: Record<string, number>;
}

function parseStrace(text: string): Counted {
  const bySyscall: Record<string, number> = {};
  let total = 0;
  for (const line of text.split('\n')) {
    const m = /^\s*[\d.]+\s+[\d.]+\s+(?:\d+\s+)?(\d+)\s+(?:(\d+)\s+)?(\S+)\s*$/.exec(line);
    if (!m) continue;
    const calls = Number(m[1]);
    const name = m[3] as string;
    if (name === 'total') total = calls;
    else bySyscall[name] = calls;
  }
  return { total, bySyscall };
}

async function traceOne(kind: Kind, url: string, count: number, dir: string): Promise<Counted & { received: number }> {
  const { cmd, args } = tsNode('bench/net/syscalls.ts', ['--client', kind, url, String(count)]);
  const env = { ...process.env };
  if (kind === 'tickwire epoll') env.TICKWIRE_TRANSPORT = 'epoll';
  else delete env.TICKWIRE_TRANSPORT;
  const child = spawn(cmd, args, { cwd: ROOT, env, stdio: ['pipe', 'pipe', 'inherit'] });
  const out = createInterface({ input: child.stdout });
  const nextLine = () => within(new Promise<string>((r) => out.once('line', r)), 60_000, `${kind} client`);
  try {
    const ready = await nextLine();
    const pid = Number(/^ready (\d+)$/.exec(ready)?.[1]);
    if (!pid) throw new Error(`${kind}: client said '${ready}'`);
    const file = join(dir, `${kind.replace(/\W+/g, '-')}.txt`);
    const strace = spawn('strace', ['-c', '-f', '-o', file, '-p', String(pid)], { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    strace.stderr.on('data', (d: Buffer) => (err += d.toString()));
    // Attached to every thread, then a moment for the tracer to settle.
    await within(
      new Promise<void>((resolve, reject) => {
        const t = setInterval(() => {
          if (/attached/.test(err)) {
            clearInterval(t);
            resolve();
          }
        }, 20);
        strace.once('exit', (code) => {
          clearInterval(t);
          reject(new Error(`strace exited (${String(code)}): ${err.trim()}`));
        });
      }),
      10_000,
      'strace attach',
    );
    await new Promise((r) => setTimeout(r, 300));
    child.stdin.write('go\n');
    const done = await within(nextLine(), 120_000, `${kind} flood`);
    const received = Number(/^done (\d+)$/.exec(done)?.[1]);
    const exited = new Promise<void>((r) => strace.once('exit', () => r()));
    strace.kill('SIGINT');
    await within(exited, 10_000, 'strace detach');
    child.stdin.write('close\n');
    await within(new Promise<void>((r) => child.once('exit', () => r())), 15_000, `${kind} exit`).catch(() => child.kill('SIGKILL'));
    return { ...parseStrace(readFileSync(file, 'utf8')), received };
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
  }
}

function straceAvailable(): Promise<boolean> {
  return new Promise((resolve) => {
    const p = spawn('strace', ['-V'], { stdio: 'ignore' });
    p.once('error', () => resolve(false));
    p.once('exit', (code) => resolve(code === 0));
  });
}

export async function run(opts: { count?: number | undefined; quick?: boolean } = {}): Promise<NetReport> {
  if (!(await straceAvailable())) {
    return { text: 'strace not found (apt-get install -y strace): syscall counts skipped.', targets: [], data: null };
  }
  const count = opts.count ?? (opts.quick ? 20_000 : 100_000);
  const server = await startServer();
  const dir = mkdtempSync(join(tmpdir(), 'tickwire-strace-'));
  const results: Array<{ scheme: string; kind: Kind } & Counted & { received: number }> = [];
  try {
    for (const secure of [false, true]) {
      for (const kind of KINDS) {
        const r = await traceOne(kind, `${server.base(secure)}/ctl`, count, dir);
        results.push({ scheme: secure ? 'wss://' : 'ws://', kind, ...r });
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await server.stop();
  }
  const per10k = (x: number) => ((x * 10_000) / count).toFixed(1);
  const names = new Set<string>();
  for (const r of results) for (const [k, v] of Object.entries(r.bySyscall)) if ((v * 10_000) / count >= 0.5) names.add(k);
  const cols = [...names].sort();
  const rows = [['scheme', 'client', 'messages', 'syscalls / 10k msgs', ...cols.map((c) => `${c}`)]];
  for (const r of results) {
    rows.push([r.scheme, r.kind, String(r.received - 1), per10k(r.total), ...cols.map((c) => (r.bySyscall[c] ? per10k(r.bySyscall[c] as number) : '0'))]);
  }
  const text =
    `strace -c -f attached to the client during one flood of ${count.toLocaleString('en')} × 100 B text messages (counts scaled to 10,000 messages; ` +
    'columns: syscalls seen at ≥ 0.5 per 10k in any run). Under ptrace every call is slow, so clients read bigger batches than untraced.\n\n' +
    markdown(rows);
  const targets: NetTargetOutcome[] = [];
  return { text, targets, data: { count, results } };
}

if (process.argv[2] === '--client') {
  await client(process.argv[3] as Kind, process.argv[4] as string, Number(process.argv[5]));
} else if (process.argv[1] && process.argv[1].endsWith('syscalls.ts')) {
  const report = await run({ count: process.argv[2] ? Number(process.argv[2]) : undefined, quick: process.env.BENCH_QUICK === '1' });
  console.log(report.text);
}
