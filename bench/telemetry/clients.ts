/**
 * The client side of the telemetry fan-out bench, in its own process so its work does not share
 * the server's event loop:
 *   node --import tsx bench/telemetry/clients.ts <http url> <clients> <warmup ms> <measure ms>
 * Opens the clients (50 handshakes at a time), then records for every TELEMETRY packet the lag
 * receive time − packet `timestamp` (both `performance.timeOrigin + performance.now()`, the same
 * wall-clock based timeline in both processes). Prints one JSON line.
 */
import { WebSocket } from 'ws';

const [url, nArg, warmArg, measureArg] = process.argv.slice(2);
const n = Number(nArg ?? 1000);
const warmupMs = Number(warmArg ?? 2000);
const measureMs = Number(measureArg ?? 10_000);
const now = (): number => performance.timeOrigin + performance.now();
const wsUrl = `${(url ?? '').replace(/^http/, 'ws')}/ws/stream`;

const lags: number[] = [];
let measuring = false;
let received = 0;
let failures = 0;
let closedEarly = 0;
const sockets: WebSocket[] = [];
const TS = /"timestamp":([0-9.]+)/;

function open(): Promise<void> {
  return new Promise((resolve) => {
    const ws = new WebSocket(wsUrl, { perMessageDeflate: false });
    ws.on('message', (data: Buffer) => {
      const t = now();
      if (!measuring) return;
      const head = data.toString('latin1', 0, Math.min(data.length, 120));
      if (!head.startsWith('{"type":"TELEMETRY"')) return;
      const m = TS.exec(head);
      if (m?.[1] === undefined) return;
      received++;
      lags.push(t - Number(m[1]));
    });
    ws.once('open', () => {
      sockets.push(ws);
      resolve();
    });
    ws.once('error', () => {
      failures++;
      resolve();
    });
    ws.once('close', () => {
      if (measuring) closedEarly++;
    });
  });
}

const t0 = now();
for (let i = 0; i < n; i += 50) await Promise.all(Array.from({ length: Math.min(50, n - i) }, open));
const connectMs = now() - t0;
await new Promise((r) => setTimeout(r, warmupMs));
measuring = true;
const m0 = now();
await new Promise((r) => setTimeout(r, measureMs));
measuring = false;
const elapsed = now() - m0;
lags.sort((a, b) => a - b);
const pct = (p: number): number => lags[Math.min(lags.length - 1, Math.floor(lags.length * p))] ?? NaN;
process.stdout.write(
  `${JSON.stringify({ clients: sockets.length, failures, closedEarly, connectMs, elapsedMs: elapsed, received, p50: pct(0.5), p90: pct(0.9), p99: pct(0.99), max: lags[lags.length - 1] ?? NaN })}\n`,
);
for (const ws of sockets) ws.terminate();
process.exit(0);
