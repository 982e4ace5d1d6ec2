/**
 * Receive throughput: messages per second for a flood of 100 B and 1 KiB messages over ws:// and
 * wss://, for tickwire (connect(), io_uring and epoll), the `ws` client (with bufferutil) and
 * undici's WebSocket, against bench/net/server.ts in its own process (its own core).
 *
 * Each run opens a connection to /ctl, then asks for N messages and times from the request to the
 * final "done" message; the handler counts messages and adds data.length (so nothing is optimised
 * away). CPU is the client process's user + system time over the same interval. Runs are
 * interleaved (every client once per round, after a shorter warm-up run each) and the median is
 * reported.
 *
 * "raw node socket" reads the same flood with a node:net / node:tls socket and only counts bytes (no
 * WebSocket parsing, no per-message JS): Node's socket floor. Whether the server kept up is read
 * from its own CPU time over each flood (GET /stats: lastFlood), shown as "server CPU busy".
 */
import type { Socket } from 'node:net';

import {
  atLeast,
  fmtRate,
  fmtX,
  markdown,
  median,
  standalone,
  within,
  type NetContext,
  type NetReport,
  type NetTargetOutcome,
  type ServerStats,
} from '../lib/net.js';
import {
  clientTextFrame,
  closeTickwire,
  closeUndici,
  closeWs,
  openRawUpgraded,
  openTickwire,
  openUndici,
  openWs,
  serverFrameLen,
  type TlsInfo,
  type UndiciMessageEvent,
} from './clients.js';

interface Run {
  ms: number;
  userUs: number;
  sysUs: number;
  /** Server CPU time / wall time over its side of the flood. */
  serverBusy?: number;
}

interface Group {
  secure: boolean;
  size: number;
  count: number;
  binary: boolean;
  label: string;
  clients: ClientName[];
}

type ClientName = 'tickwire' | 'tickwire epoll' | 'ws' | 'undici' | 'raw node socket (bytes only)';

const TIMEOUT_MS = 120_000;

function floodCmd(size: number, count: number, binary: boolean): string {
  return `flood ${size} ${count}${binary ? ' binary' : ''}`;
}

function check(client: string, n: number, bytes: number, g: Group): void {
  const want = g.count * g.size + 4;
  if (n !== g.count + 1 || bytes !== want) throw new Error(`${client}: got ${n} messages / ${bytes} B, expected ${g.count + 1} / ${want}`);
}

async function timed(start: () => void, done: Promise<void>, what: string): Promise<Run> {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  start();
  await within(done, TIMEOUT_MS, what);
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(c0);
  return { ms, userUs: cpu.user, sysUs: cpu.system };
}

async function runTickwire(base: string, tls: TlsInfo, g: Group, transport: 'auto' | 'epoll'): Promise<Run> {
  const ws = await openTickwire(`${base}/ctl`, tls, { transport });
  let n = 0;
  let bytes = 0;
  const done = new Promise<void>((resolve) => {
    ws.on('message', (data) => {
      n++;
      bytes += data.length;
      if (data.length === 4) resolve();
    });
  });
  const r = await timed(() => ws.send(floodCmd(g.size, g.count, g.binary)), done, `tickwire ${g.label}`);
  await closeTickwire(ws);
  check('tickwire', n, bytes, g);
  return r;
}

async function runWs(base: string, tls: TlsInfo, g: Group): Promise<Run> {
  const ws = await openWs(`${base}/ctl`, tls);
  let n = 0;
  let bytes = 0;
  const done = new Promise<void>((resolve) => {
    ws.on('message', (data: Buffer) => {
      n++;
      bytes += data.length;
      if (data.length === 4) resolve();
    });
  });
  const r = await timed(() => ws.send(floodCmd(g.size, g.count, g.binary)), done, `ws ${g.label}`);
  await closeWs(ws);
  check('ws', n, bytes, g);
  return r;
}

async function runUndici(base: string, tls: TlsInfo, g: Group): Promise<Run> {
  const ws = await openUndici(`${base}/ctl`, tls);
  let n = 0;
  let bytes = 0;
  const done = new Promise<void>((resolve) => {
    ws.onmessage = (ev: UndiciMessageEvent) => {
      const data = ev.data as string | ArrayBuffer;
      const len = typeof data === 'string' ? data.length : data.byteLength;
      n++;
      bytes += len;
      if (len === 4) resolve();
    };
  });
  const r = await timed(() => ws.send(floodCmd(g.size, g.count, g.binary)), done, `undici ${g.label}`);
  await closeUndici(ws);
  check('undici', n, bytes, g);
  return r;
}

async function runRaw(port: number, secure: boolean, tls: TlsInfo, g: Group): Promise<Run> {
  const s: Socket = await openRawUpgraded(port, secure, tls, '/ctl');
  const total = g.count * serverFrameLen(g.size) + serverFrameLen(4);
  let got = 0;
  const done = new Promise<void>((resolve) => {
    s.on('data', (d: Buffer) => {
      got += d.length;
      if (got >= total) resolve();
    });
  });
  const r = await timed(() => s.write(clientTextFrame(floodCmd(g.size, g.count, g.binary))), done, `raw ${g.label}`);
  s.destroy();
  if (got !== total) throw new Error(`raw: got ${got} B, expected ${total}`);
  return r;
}

export async function run(ctx: NetContext): Promise<NetReport> {
  const rounds = ctx.rounds ?? 5;
  const scale = ctx.quick ? 0.2 : 1;
  const all: ClientName[] = ['tickwire', 'tickwire epoll', 'ws', 'undici', 'raw node socket (bytes only)'];
  const groups: Group[] = [];
  for (const secure of [false, true]) {
    const s = secure ? 'wss' : 'ws';
    groups.push({ secure, size: 100, count: Math.round(1_000_000 * scale), binary: false, label: `${s}:// 100 B text`, clients: all });
    groups.push({ secure, size: 1024, count: Math.round(200_000 * scale), binary: false, label: `${s}:// 1 KiB text`, clients: ['tickwire', 'ws', 'undici', 'raw node socket (bytes only)'] });
  }
  groups.push({ secure: true, size: 100, count: Math.round(1_000_000 * scale), binary: true, label: 'wss:// 100 B binary', clients: ['tickwire', 'ws', 'undici'] });

  const tls: TlsInfo = { ca: ctx.ca, servername: 'localhost' };
  await ctx.server.control('/stats?reset=1');
  const runs = new Map<string, Run[]>();
  const key = (g: Group, c: ClientName) => `${g.label}|${c}`;
  const once = (g: Group, c: ClientName): Promise<Run> => {
    const base = ctx.server.base(g.secure);
    if (c === 'tickwire') return runTickwire(base, tls, g, 'auto');
    if (c === 'tickwire epoll') return runTickwire(base, tls, g, 'epoll');
    if (c === 'ws') return runWs(base, tls, g);
    if (c === 'undici') return runUndici(base, tls, g);
    return runRaw(g.secure ? ctx.server.ports.https : ctx.server.ports.http, g.secure, tls, g);
  };
  // Warm-up, not recorded: a tenth of a run for every case (JIT, TLS contexts, server buffers).
  for (const g of groups) for (const c of g.clients) await once({ ...g, count: Math.max(1000, Math.round(g.count / 10)) }, c);
  for (let r = 0; r < rounds; r++) {
    for (const g of groups) {
      for (const c of g.clients) {
        const res = await once(g, c);
        const st = await ctx.server.control<ServerStats>('/stats');
        if (st.lastFlood.messages === g.count && st.lastFlood.wallMs > 0) res.serverBusy = st.lastFlood.cpuMs / st.lastFlood.wallMs;
        const list = runs.get(key(g, c)) ?? [];
        list.push(res);
        runs.set(key(g, c), list);
      }
    }
  }

  const rows = [['group', 'client', 'msg/s', 'MB/s', 'client CPU/msg (user+sys)', 'server CPU busy', 'vs ws', 'rounds min–max msg/s']];
  const data: Array<Record<string, unknown>> = [];
  const rate = new Map<string, number>();
  for (const g of groups) {
    for (const c of g.clients) {
      const rs = runs.get(key(g, c)) ?? [];
      const rates = rs.map((x) => g.count / (x.ms / 1000));
      const m = median(rates);
      rate.set(key(g, c), m);
      const cpuNs = median(rs.map((x) => ((x.userUs + x.sysUs) * 1000) / g.count));
      const userNs = median(rs.map((x) => (x.userUs * 1000) / g.count));
      const sysNs = median(rs.map((x) => (x.sysUs * 1000) / g.count));
      const busy = median(rs.flatMap((x) => (x.serverBusy === undefined ? [] : [x.serverBusy])));
      data.push({ group: g.label, client: c, count: g.count, msgPerSec: m, cpuNsPerMsg: cpuNs, userNsPerMsg: userNs, sysNsPerMsg: sysNs, serverBusy: busy, rounds: rates });
    }
    const wsRate = rate.get(key(g, 'ws')) ?? NaN;
    for (const c of g.clients) {
      const m = rate.get(key(g, c)) ?? NaN;
      const d = data.find((x) => x.group === g.label && x.client === c) as {
        cpuNsPerMsg: number;
        userNsPerMsg: number;
        sysNsPerMsg: number;
        serverBusy: number;
        rounds: number[];
      };
      rows.push([
        g.label,
        c,
        fmtRate(m),
        ((m * g.size) / 1e6).toFixed(0),
        `${d.cpuNsPerMsg.toFixed(0)} ns (${d.userNsPerMsg.toFixed(0)} + ${d.sysNsPerMsg.toFixed(0)})`,
        Number.isNaN(d.serverBusy) ? '–' : `${(d.serverBusy * 100).toFixed(0)}%`,
        fmtX(m / wsRate),
        `${fmtRate(Math.min(...d.rounds))}–${fmtRate(Math.max(...d.rounds))}`,
      ]);
    }
  }
  const stats = await ctx.server.control<{ versions: Record<string, number>; ciphers: Record<string, number> }>('/stats');
  const tlsNote = `TLS seen by the server: ${Object.entries(stats.versions).map(([v, n]) => `${v} ×${n}`).join(', ')}; ${Object.entries(stats.ciphers).map(([v, n]) => `${v} ×${n}`).join(', ')} (tickwire/BearSSL speaks TLS 1.2; ws and undici negotiate TLS 1.3).`;

  const ratio = (label: string) => (rate.get(`${label}|tickwire`) ?? NaN) / (rate.get(`${label}|ws`) ?? NaN);
  const targets: NetTargetOutcome[] = [atLeast('wss:// 100 B receive ≥ 3× ws (text messages)', ratio('wss:// 100 B text'), 3, ' ws')];
  const text =
    `${rounds} interleaved rounds, medians; ${groups.map((g) => `${g.label}: ${g.count.toLocaleString('en')} messages`).join('; ')} per run.\n` +
    'client CPU/msg: the client process (user + system) over the run. server CPU busy: the server process\'s CPU time over its side of the\n' +
    'flood (request → last frame handed to the kernel) / that wall time: near 100% means the server, not the client, set the pace.\n' +
    '"raw node socket" counts bytes with a node:net / node:tls socket (no WebSocket parsing): Node\'s own socket read path, not a ceiling for a native client.\n\n' +
    `${markdown(rows)}\n\n${tlsNote}\nundici hands text messages over as strings (decoded), ws and tickwire as bytes.`;
  return { text, targets, data: { rounds, results: data, serverTls: stats } };
}

await standalone(import.meta.url, run);
