/**
 * Echo round trip of a 100 B binary message over ws:// and wss://: p50 / p99 / p99.9 of sequential
 * round trips (each sent when the previous reply arrived), after a warm-up, against the `ws` echo
 * server of bench/net/server.ts in its own process.
 *
 * Two settings, because the normal event loop measures mostly the VM's wake-up (~40 µs per sleep,
 * see ../../../shared/baselines.md):
 * - "event loop": every process sleeps in epoll_wait between messages (what users get by default);
 * - "busy-poll": the server spins its event loop (setImmediate chain: libuv polls with timeout 0 and
 *   never sleeps; a Node server cannot busy-poll otherwise), and the client either uses tickwire's
 *   `busyPollUs` (after each batch the engine keeps polling until that long passes idle), or spins its own event loop
 *   the same way (ws, undici, tickwire without busyPollUs), or does nothing ("ws, as is").
 * Floors: node:net and node:tls echo of 100 B without WebSocket, in both settings.
 *
 * Samples of all rounds are pooled for the percentiles (rounds are interleaved: every case once per
 * round). Times are taken with performance.now() just before send() and first thing in the
 * message handler.
 */
import type { Socket } from 'node:net';

import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import type { ConnectOptions } from '../../src/index.js';

import {
  ROOT,
  atMost,
  fmtUs,
  fmtX,
  markdown,
  percentile,
  sortedCopy,
  spinLoop,
  standalone,
  within,
  type NetContext,
  type NetReport,
  type NetTargetOutcome,
} from '../lib/net.js';
import {
  closeTickwire,
  closeUndici,
  closeWs,
  openRaw,
  openTickwire,
  openUndici,
  openWs,
  type TlsInfo,
  type UndiciMessageEvent,
} from './clients.js';

const SIZE = 100;
/** The C client floor's row name in the native-peer setting. */
const C_FLOOR = 'floor: C client (native/bench/echo_client.c)';
const TIMEOUT_MS = 120_000;

interface Case {
  name: string;
  /** Server event loop spins during this case. */
  serverSpin: boolean;
  run: (secure: boolean, n: number, warm: number) => Promise<Float64Array>;
}

function payload(): Uint8Array {
  const p = new Uint8Array(SIZE);
  for (let i = 0; i < SIZE; i++) p[i] = (i * 31 + 7) & 0xff;
  return p;
}

/** Runs `body` with the client's event loop spinning (or not). */
async function withSpin<T>(spin: boolean, body: () => Promise<T>): Promise<T> {
  const stop = spin ? spinLoop() : null;
  try {
    return await body();
  } finally {
    stop?.();
  }
}

function check(len: number, who: string): void {
  if (len !== SIZE) throw new Error(`${who}: echo of ${len} B, expected ${SIZE}`);
}

/**
 * tickwire; the next send is made from the message handler. busyPollUs is engine-wide and lasts for
 * the life of the process (the largest value any connection asked for), so busy-poll cases run on
 * an engine of their own: `transport` names one explicitly ('io_uring' is a different engine from
 * 'auto' even where 'auto' picks io_uring), and the event-loop cases keep the default engine.
 */
/**
 * The timed loop every client shares: send, wait for the echo, record the round trip, send the
 * next from the message handler. `listen` installs the client's message handler (it is given the
 * echoed length); `send` sends one payload.
 */
function timeEcho(who: string, n: number, warm: number, listen: (onEcho: (len: number) => void) => void, send: () => void): Promise<Float64Array> {
  const out = new Float64Array(n);
  let i = -warm;
  let t0 = 0;
  return within(
    new Promise<Float64Array>((resolve) => {
      listen((len) => {
        const t1 = performance.now();
        check(len, who);
        if (i >= 0) out[i] = (t1 - t0) * 1000;
        if (++i < n) {
          t0 = performance.now();
          send();
        } else resolve(out);
      });
      t0 = performance.now();
      send();
    }),
    TIMEOUT_MS,
    `${who} echo`,
  );
}

async function tickwireEcho(url: string, tls: TlsInfo, n: number, warm: number, extra: ConnectOptions = {}): Promise<Float64Array> {
  const ws = await openTickwire(url, tls, extra);
  const p = payload();
  const out = await timeEcho('tickwire', n, warm, (on) => ws.on('message', (data) => on(data.length)), () => ws.send(p));
  await closeTickwire(ws);
  return out;
}

async function wsEcho(url: string, tls: TlsInfo, n: number, warm: number): Promise<Float64Array> {
  const ws = await openWs(url, tls);
  const p = Buffer.from(payload());
  const out = await timeEcho('ws', n, warm, (on) => ws.on('message', (data: Buffer) => on(data.length)), () => ws.send(p));
  await closeWs(ws);
  return out;
}

async function undiciEcho(url: string, tls: TlsInfo, n: number, warm: number): Promise<Float64Array> {
  const ws = await openUndici(url, tls);
  const p = payload();
  const out = await timeEcho(
    'undici',
    n,
    warm,
    (on) => (ws.onmessage = (ev: UndiciMessageEvent) => on((ev.data as ArrayBuffer).byteLength)),
    () => ws.send(p),
  );
  await closeUndici(ws);
  return out;
}

async function rawEcho(port: number, secure: boolean, tls: TlsInfo, n: number, warm: number): Promise<Float64Array> {
  const s: Socket = await openRaw(port, secure, tls);
  const out = new Float64Array(n);
  const p = Buffer.from(payload());
  let i = -warm;
  let t0 = 0;
  let have = 0;
  await within(
    new Promise<void>((resolve) => {
      s.on('data', (d: Buffer) => {
        have += d.length;
        if (have < SIZE) return;
        const t1 = performance.now();
        have -= SIZE;
        if (i >= 0) out[i] = (t1 - t0) * 1000;
        if (++i < n) {
          t0 = performance.now();
          s.write(p);
        } else resolve();
      });
      t0 = performance.now();
      s.write(p);
    }),
    TIMEOUT_MS,
    'raw echo',
  );
  s.destroy();
  return out;
}

/**
 * The native busy-polling wss:// echo peer (native/bench/echo_server.c), built with CMake on first
 * use: the "both ends busy-polling" setting the issue asks for, which a Node server cannot give.
 * Returns null (and the suite says why) where it cannot be built.
 */
async function startNativePeer(): Promise<{ port: number; stop(): void } | { error: string }> {
  const dir = join(ROOT, 'build/cmake-bench');
  const bin = join(dir, 'echo_server');
  try {
    // Configured once; built every run (make is incremental), so edits to the peer are picked up.
    if (!existsSync(join(dir, 'CMakeCache.txt'))) {
      execFileSync('cmake', ['-S', ROOT, '-B', dir, '-DCMAKE_BUILD_TYPE=Release', '-DTW_BUILD_BENCH=ON'], { stdio: 'ignore' });
    }
    execFileSync('cmake', ['--build', dir, '--target', 'echo_server', 'echo_client', '-j', '2'], { stdio: 'ignore' });
  } catch (e) {
    return { error: `could not build native/bench/echo_server.c: ${(e as Error).message.split('\n')[0]}` };
  }
  const fx = join(tmpdir(), 'tickwire-tls-fixtures'); // made by testCa() (the suite's TLS fixtures)
  const child: ChildProcess = spawn(bin, [join(fx, 'leaf_ec.der'), join(fx, 'leaf_ec.key'), '0'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await within(
    new Promise<number>((resolve, reject) => {
      let out = '';
      child.stdout?.on('data', (d: Buffer) => {
        out += d.toString();
        const m = /port (\d+)/.exec(out);
        if (m) resolve(Number(m[1]));
      });
      child.once('exit', (code) => reject(new Error(`echo_server exited (${String(code)})`)));
    }),
    10_000,
    'native echo peer',
  );
  return { port, stop: () => child.kill('SIGKILL') };
}

/**
 * The floor against the native peer: native/bench/echo_client.c (tickwire's TLS core over a
 * spinning socket, no event loop, no JS), built next to the peer. Its round trips in µs.
 */
async function cClientEcho(port: number, n: number, warm: number): Promise<Float64Array> {
  const bin = join(ROOT, 'build/cmake-bench/echo_client');
  const ca = join(tmpdir(), 'tickwire-tls-fixtures', 'ca.pem');
  const out = await within(
    new Promise<string>((resolve, reject) => {
      const child = spawn(bin, [ca, String(port), String(n), String(warm)], { stdio: ['ignore', 'pipe', 'pipe'] });
      let text = '';
      let err = '';
      child.stdout.on('data', (d: Buffer) => (text += d.toString()));
      child.stderr.on('data', (d: Buffer) => (err += d.toString()));
      child.once('exit', (code) => (code === 0 ? resolve(text) : reject(new Error(`echo_client exited ${String(code)}: ${err.trim()}`))));
    }),
    TIMEOUT_MS,
    'C client echo',
  );
  const v = Float64Array.from(out.trim().split(' ').map(Number));
  if (v.length !== n || v.some((x) => !(x > 0))) throw new Error(`echo_client: expected ${n} round-trip times`);
  return v;
}

export async function run(ctx: NetContext): Promise<NetReport> {
  const rounds = ctx.rounds ?? 2;
  const n = ctx.quick ? 2_000 : 10_000;
  const warm = ctx.quick ? 300 : 1_000;
  const busyPollUs = Number(process.env.BENCH_BUSY_POLL_US ?? 50);
  const tls: TlsInfo = { ca: ctx.ca, servername: 'localhost' };
  const url = (secure: boolean) => `${ctx.server.base(secure)}/echo`;
  const floorPort = (secure: boolean) => (secure ? ctx.server.ports.tlsEcho : ctx.server.ports.tcpEcho);
  // The default engine's transport, named explicitly: a separate engine for the busy-poll case.
  const probe = await openTickwire(url(false), tls);
  const busyTransport = probe.stats().transport;
  await closeTickwire(probe);
  const floorName = (secure: boolean) => (secure ? 'floor: node:tls echo' : 'floor: node:net echo');

  const cases: Case[] = [
    // Event loop, nobody spins.
    { name: 'tickwire', serverSpin: false, run: (s, k, w) => tickwireEcho(url(s), tls, k, w) },
    { name: 'ws', serverSpin: false, run: (s, k, w) => wsEcho(url(s), tls, k, w) },
    { name: 'undici', serverSpin: false, run: (s, k, w) => undiciEcho(url(s), tls, k, w) },
    { name: 'floor', serverSpin: false, run: (s, k, w) => rawEcho(floorPort(s), s, tls, k, w) },
    // Busy-poll: the server spins.
    { name: `tickwire busyPollUs=${busyPollUs}`, serverSpin: true, run: (s, k, w) => tickwireEcho(url(s), tls, k, w, { busyPollUs, transport: busyTransport }) },
    // The other transport, busy-polling too (its engine is separate from the default one).
    ...(busyTransport === 'io_uring'
      ? [{ name: `tickwire epoll busyPollUs=${busyPollUs}`, serverSpin: true, run: (s: boolean, k: number, w: number) => tickwireEcho(url(s), tls, k, w, { busyPollUs, transport: 'epoll' }) }]
      : []),
    { name: 'tickwire + client loop spin', serverSpin: true, run: (s, k, w) => withSpin(true, () => tickwireEcho(url(s), tls, k, w)) },
    { name: 'ws + client loop spin', serverSpin: true, run: (s, k, w) => withSpin(true, () => wsEcho(url(s), tls, k, w)) },
    { name: 'ws, as is (client sleeps)', serverSpin: true, run: (s, k, w) => wsEcho(url(s), tls, k, w) },
    { name: 'undici + client loop spin', serverSpin: true, run: (s, k, w) => withSpin(true, () => undiciEcho(url(s), tls, k, w)) },
    { name: 'floor + client loop spin', serverSpin: true, run: (s, k, w) => withSpin(true, () => rawEcho(floorPort(s), s, tls, k, w)) },
  ];

  const samples = new Map<string, number[][]>();
  const key = (secure: boolean, c: Case) => `${secure ? 'wss' : 'ws'}|${c.name}`;
  try {
    for (let r = 0; r < rounds; r++) {
      for (const secure of [false, true]) {
        for (const spin of [false, true]) {
          await ctx.server.control(`/spin?on=${spin ? 1 : 0}`);
          for (const c of cases.filter((x) => x.serverSpin === spin)) {
            const s = await c.run(secure, n, warm);
            const list = samples.get(key(secure, c)) ?? [];
            list.push(Array.from(s));
            samples.set(key(secure, c), list);
          }
        }
      }
    }
  } finally {
    await ctx.server.control('/spin?on=0');
  }

  // Both ends busy-polling, as specified: the native peer spins on its socket; tickwire spins in
  // its engine (busyPollUs), ws spins its event loop (the most a Node client can do).
  const nativeCases: Array<{ name: string; run: (url: string) => Promise<Float64Array> }> = [
    { name: `tickwire busyPollUs=${busyPollUs}`, run: (u) => tickwireEcho(u, tls, n, warm, { busyPollUs, transport: busyTransport }) },
    ...(busyTransport === 'io_uring' ? [{ name: `tickwire epoll busyPollUs=${busyPollUs}`, run: (u: string) => tickwireEcho(u, tls, n, warm, { busyPollUs, transport: 'epoll' }) }] : []),
    { name: 'ws + client loop spin', run: (u) => withSpin(true, () => wsEcho(u, tls, n, warm)) },
    { name: C_FLOOR, run: (u) => cClientEcho(Number(new URL(u).port), n, warm) },
  ];
  const nativeSamples = new Map<string, number[]>();
  const peer = await startNativePeer();
  if ('port' in peer) {
    try {
      for (let r = 0; r < rounds; r++) {
        for (const c of r % 2 ? [...nativeCases].reverse() : nativeCases) {
          const s = await c.run(`wss://127.0.0.1:${peer.port}/`);
          nativeSamples.set(c.name, [...(nativeSamples.get(c.name) ?? []), ...s]);
        }
      }
    } finally {
      peer.stop();
    }
  }

  interface Row {
    scheme: string;
    setting: string;
    client: string;
    n: number;
    p50: number;
    p99: number;
    p999: number;
    max: number;
    mean: number;
  }
  const rows: Row[] = [];
  for (const secure of [false, true]) {
    for (const c of cases) {
      const pooled = sortedCopy((samples.get(key(secure, c)) ?? []).flat());
      const mean = pooled.reduce((a, b) => a + b, 0) / pooled.length;
      rows.push({
        scheme: secure ? 'wss://' : 'ws://',
        setting: c.serverSpin ? 'busy-poll (server spins)' : 'event loop',
        client: c.name === 'floor' || c.name === 'floor + client loop spin' ? c.name.replace('floor', floorName(secure)) : c.name,
        n: pooled.length,
        p50: percentile(pooled, 50),
        p99: percentile(pooled, 99),
        p999: percentile(pooled, 99.9),
        max: pooled[pooled.length - 1] ?? NaN,
        mean,
      });
    }
  }
  for (const c of nativeCases) {
    const pooled = sortedCopy(nativeSamples.get(c.name) ?? []);
    if (pooled.length === 0) continue;
    rows.push({
      scheme: 'wss://',
      setting: 'both busy-poll (native peer)',
      client: c.name,
      n: pooled.length,
      p50: percentile(pooled, 50),
      p99: percentile(pooled, 99),
      p999: percentile(pooled, 99.9),
      max: pooled[pooled.length - 1] ?? NaN,
      mean: pooled.reduce((a, b) => a + b, 0) / pooled.length,
    });
  }
  const find = (scheme: string, client: string, setting?: string) =>
    rows.find((r) => r.scheme === scheme && r.client === client && (setting === undefined || r.setting === setting));
  const table = [['scheme', 'setting', 'client', 'samples', 'p50', 'p99', 'p99.9', 'max', 'p50 vs ws', 'p99 vs ws']];
  for (const r of rows) {
    const ref = r.setting === 'event loop' ? find(r.scheme, 'ws') : find(r.scheme, 'ws + client loop spin', r.setting);
    table.push([
      r.scheme,
      r.setting,
      r.client,
      String(r.n),
      fmtUs(r.p50),
      fmtUs(r.p99),
      fmtUs(r.p999),
      fmtUs(r.max),
      ref ? fmtX(r.p50 / ref.p50) : '',
      ref ? fmtX(r.p99 / ref.p99) : '',
    ]);
  }

  const NODE = 'busy-poll (server spins)';
  const NATIVE = 'both busy-poll (native peer)';
  const tw = find('wss://', `tickwire busyPollUs=${busyPollUs}`, NODE);
  const wsSpin = find('wss://', 'ws + client loop spin', NODE);
  const twNative = find('wss://', `tickwire busyPollUs=${busyPollUs}`, NATIVE);
  const twNativeEpoll = find('wss://', `tickwire epoll busyPollUs=${busyPollUs}`, NATIVE);
  const wsNative = find('wss://', 'ws + client loop spin', NATIVE);
  const cNative = find('wss://', C_FLOOR, NATIVE);
  const wsAsIs = find('wss://', 'ws, as is (client sleeps)');
  const floor = find('wss://', 'floor: node:tls echo + client loop spin');
  const note =
    'a ws server in Node cannot busy-poll natively; here its event loop spins (setImmediate), the ws client ' +
    'spins its event loop the same way, and tickwire uses busyPollUs — the closest setting a ws server allows. ' +
    (floor && wsSpin
      ? `Even TLS without WebSocket on either side (node:tls echo, both spinning) takes p50 ${fmtUs(floor.p50)} / p99 ${fmtUs(floor.p99)} = ` +
        `${(floor.p50 / wsSpin.p50).toFixed(2)}× / ${(floor.p99 / wsSpin.p99).toFixed(2)}× ws: against this server, no client can reach 0.6×.`
      : '');
  const targets: NetTargetOutcome[] = [];
  if (twNative && wsNative) {
    const best = twNativeEpoll && twNativeEpoll.p50 < twNative.p50 ? twNativeEpoll : twNative;
    const which = best === twNative ? busyTransport : 'epoll';
    const nativeNote =
      `native busy-polling peer (native/bench/echo_server.c: BearSSL, spins on its socket); tickwire ${which} busyPollUs=${busyPollUs} ` +
      `p50 ${fmtUs(best.p50)} / p99 ${fmtUs(best.p99)}, ws + client loop spin p50 ${fmtUs(wsNative.p50)} / p99 ${fmtUs(wsNative.p99)}.` +
      (cNative
        ? ` Floor: a C client (echo_client.c, no event loop, no JS) p50 ${fmtUs(cNative.p50)} / p99 ${fmtUs(cNative.p99)} = ` +
          `${(cNative.p50 / wsNative.p50).toFixed(2)}× / ${(cNative.p99 / wsNative.p99).toFixed(2)}× ws; tickwire is ` +
          `${fmtUs(best.p50 - cNative.p50)} above it at p50.`
        : '');
    targets.push(atMost('wss:// echo p50 ≤ 0.6× ws, both ends busy-polling (native peer)', best.p50 / wsNative.p50, 0.6, ' ws', nativeNote));
    targets.push(atMost('wss:// echo p99 ≤ 0.6× ws, both ends busy-polling (native peer)', best.p99 / wsNative.p99, 0.6, ' ws'));
  } else {
    targets.push({ goal: 'wss:// echo ≤ 0.6× ws, both ends busy-polling (native peer)', measured: '–', required: '<= 0.6×', value: NaN, met: null, note: 'error' in peer ? peer.error : 'no samples' });
  }
  if (tw && wsSpin && wsAsIs) {
    targets.push(atMost('(info) wss:// echo p50 ≤ 0.6× ws, Node server spinning (approximation, see note)', tw.p50 / wsSpin.p50, 0.6, ' ws', note));
    targets.push(atMost('(info) wss:// echo p99 ≤ 0.6× ws, Node server spinning (approximation, see note)', tw.p99 / wsSpin.p99, 0.6, ' ws'));
    targets.push(atMost('(info) wss:// echo p50 ≤ 0.6× ws as is (ws client sleeps, server spins)', tw.p50 / wsAsIs.p50, 0.6, ' ws'));
    targets.push(atMost('(info) wss:// echo p99 ≤ 0.6× ws as is (ws client sleeps, server spins)', tw.p99 / wsAsIs.p99, 0.6, ' ws'));
  }
  const text =
    `${rounds} interleaved rounds × ${n.toLocaleString('en')} sequential round trips of ${SIZE} B (after ${warm} warm-up) per case, samples pooled; ` +
    `"vs ws" compares with ws in the same setting (busy-poll rows: with "ws + client loop spin").\n\n${markdown(table)}`;
  return { text, targets, data: { rounds, n, warm, busyPollUs, rows, nativePeer: 'port' in peer ? 'ran' : peer.error } };
}

await standalone(import.meta.url, run);
