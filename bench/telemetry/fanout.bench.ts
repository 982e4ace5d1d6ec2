/**
 * Telemetry fan-out (issue 6 target): 1,000 WebSocket clients at 10 Hz on one server process,
 * p99 delivery lag (packet `timestamp` at publish → client receive) < 50 ms.
 *
 * The server (TelemetryServer + the scripted source of the tests, also emitting market trades at
 * 100/s so the loop has event traffic besides TELEMETRY) runs in this process; the 1,000 clients
 * run in a child process (bench/telemetry/clients.ts) so their parsing does not share the server's
 * event loop. Each TELEMETRY packet is serialized once and written to every client.
 *   npx tsx bench/telemetry/fanout.bench.ts        (BENCH_QUICK=1: 5 s instead of 10 s)
 */
import { spawn } from 'node:child_process';
import { monitorEventLoopDelay } from 'node:perf_hooks';

import { TelemetryServer } from '../../src/telemetry/server.js';
import type { TelemetrySample } from '../../src/telemetry/protocol.js';
import { ScriptedSource } from '../../test/telemetry/scripted-source.js';
import { fmtMs, markdown, ROOT, standalone, tsNode, type NetContext, type NetReport, type NetTargetOutcome } from '../lib/net.js';

const CLIENTS = 1000;
const RATE_HZ = 10;
const TARGET_P99_MS = 50;
const TRADE_EVERY_MS = Number(process.env.TW_FANOUT_TRADE_MS ?? 1_000_000);

interface ClientReport {
  clients: number;
  failures: number;
  closedEarly: number;
  connectMs: number;
  elapsedMs: number;
  received: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

/** The scripted source with a high-resolution publish timestamp. */
class BenchSource extends ScriptedSource {
  override telemetry(symbol?: string): TelemetrySample {
    return { ...super.telemetry(symbol), timestamp: performance.timeOrigin + performance.now() };
  }
}

function runClients(url: string, warmupMs: number, measureMs: number): Promise<ClientReport> {
  const { cmd, args } = tsNode('bench/telemetry/clients.ts', [url, String(CLIENTS), String(warmupMs), String(measureMs)]);
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    const t = setTimeout(() => child.kill('SIGKILL'), warmupMs + measureMs + 120_000);
    child.once('exit', (code) => {
      clearTimeout(t);
      try {
        resolve(JSON.parse(out.trim().split('\n').pop() ?? '') as ClientReport);
      } catch {
        reject(new Error(`telemetry bench clients exited (${String(code)}): ${out.slice(-500)}`));
      }
    });
  });
}

export async function run(ctx: NetContext): Promise<NetReport> {
  const measureMs = ctx.quick ? 5_000 : 10_000;
  const source = new BenchSource();
  source.start();
  const server = await TelemetryServer.start({ port: 0, rateHz: RATE_HZ, maxConnectionsPerIp: CLIENTS + 10, pingIntervalMs: 0, log: () => {} }, source);
  let price = 50_000;
  const trades = setInterval(() => source.trade('BTCUSDT', (price += Math.sin(price) * 5)), TRADE_EVERY_MS);
  const loop = monitorEventLoopDelay({ resolution: 1 });
  let r: ClientReport;
  let fan: TelemetryServer['fanout'];
  try {
    loop.enable();
    r = await runClients(server.url, 2_000, measureMs);
    fan = server.fanout;
  } finally {
    loop.disable();
    clearInterval(trades);
    await server.close();
  }
  const loadavg = (await import('node:os')).loadavg()[0] ?? NaN;
  const expected = CLIENTS * RATE_HZ * (r.elapsedMs / 1000);
  const target: NetTargetOutcome = {
    goal: `telemetry fan-out: ${CLIENTS} WebSocket clients at ${RATE_HZ} Hz, p99 delivery lag (publish → client receive)`,
    measured: fmtMs(r.p99),
    required: `< ${TARGET_P99_MS} ms`,
    value: r.p99,
    met: r.clients === CLIENTS && Number.isFinite(r.p99) ? r.p99 < TARGET_P99_MS : false,
    ...(r.clients !== CLIENTS ? { note: `only ${r.clients} of ${CLIENTS} clients connected (${r.failures} failed)` } : {}),
  };
  const rows = [
    ['clients', 'rate', 'packets received', 'of expected', 'p50', 'p90', 'p99', 'max', 'server fan-out loop mean / max', 'server loop delay p99', 'load avg'],
    [`${r.clients}`, `${RATE_HZ} Hz${TRADE_EVERY_MS < 1_000_000 ? ` + ${(1000 / TRADE_EVERY_MS).toFixed(0)} trades/s` : ''}`, `${r.received}`, `${((100 * r.received) / expected).toFixed(1)} %`, fmtMs(r.p50), fmtMs(r.p90), fmtMs(r.p99), fmtMs(r.max), `${fmtMs(fan.meanMs)} / ${fmtMs(fan.maxMs)}`, fmtMs(loop.percentile(99) / 1e6), loadavg.toFixed(1)],
  ];
  return {
    text: [
      `TELEMETRY delivery lag, server in this process, ${CLIENTS} clients in a child process (${(measureMs / 1000).toFixed(0)} s measured after 2 s warm-up; connect took ${(r.connectMs / 1000).toFixed(1)} s)`,
      '',
      markdown(rows),
    ].join('\n'),
    targets: [target],
    data: { ...r, fanout: fan, loopDelayP99Ms: loop.percentile(99) / 1e6, loadavg },
  };
}

await standalone(import.meta.url, run);
