/**
 * Connect time over wss:// (TCP connect + TLS handshake + HTTP upgrade, until the client reports
 * the connection open), sequential connections to the `ws` server of bench/net/server.ts, each
 * closed (close handshake awaited) before the next:
 * - tickwire fresh: tls.resume false, every connection a full handshake;
 * - tickwire resumed: the default (tls.resume true); one connection first primes the session,
 *   every measured one offers it (checked: stats().tlsResumed, and the server's count);
 * - ws: what users get by default (a full handshake: ws keeps no TLS sessions, and builds a
 *   SecureContext for every connection);
 * - undici fresh: maxCachedSessions 0; undici (default): its session cache is on by default;
 * - tickwire with maxMessageBytes 64 KiB: the connection's slab is sized by maxMessageBytes (default
 *   16 MiB → ~32 MiB mapped) and handed to V8 as an external ArrayBuffer, whose size V8 counts as
 *   external memory and answers with garbage collections; the "GCs per connection" column shows it;
 * - ws:// rows for scale: tickwire and ws without TLS.
 * Rounds are interleaved (each case does its share of connections per round); median and p99 over
 * all connections. The server counts resumed handshakes per case (GET /stats).
 */
import { PerformanceObserver } from 'node:perf_hooks';

import {
  atLeast,
  fmtMs,
  fmtX,
  markdown,
  median,
  percentile,
  sortedCopy,
  standalone,
  tick,
  type NetContext,
  type NetReport,
  type NetTargetOutcome,
  type ServerStats,
} from '../lib/net.js';
import { closeTickwire, closeUndici, closeWs, openTickwire, openUndici, openWs, type TlsInfo } from './clients.js';

interface Case {
  name: string;
  secure: boolean;
  /** Opens, returns whether the client says the session was resumed (undefined: it cannot tell), and closes. */
  once: (url: string) => Promise<{ ms: number; resumed: boolean | undefined }>;
  prime?: (url: string) => Promise<void>;
}

export async function run(ctx: NetContext): Promise<NetReport> {
  const rounds = ctx.rounds ?? 4;
  const total = ctx.quick ? 40 : 200;
  const perRound = Math.max(1, Math.round(total / rounds));
  const tls: TlsInfo = { ca: ctx.ca, servername: 'localhost' };

  const tickwire = (resume: boolean, maxMessageBytes?: number) => async (url: string) => {
    const t0 = performance.now();
    const ws = await openTickwire(url, tls, { ...(url.startsWith('wss:') ? { tls: { resume } } : {}), ...(maxMessageBytes ? { maxMessageBytes } : {}) });
    const ms = performance.now() - t0;
    const resumed = url.startsWith('wss:') ? ws.stats().tlsResumed : undefined;
    await closeTickwire(ws);
    return { ms, resumed };
  };
  const cases: Case[] = [
    { name: 'tickwire fresh (tls.resume: false)', secure: true, once: tickwire(false) },
    {
      name: 'tickwire resumed (default)',
      secure: true,
      once: tickwire(true),
      prime: async (url) => void (await tickwire(true)(url)),
    },
    {
      name: 'ws',
      secure: true,
      once: async (url) => {
        const t0 = performance.now();
        const ws = await openWs(url, tls);
        const ms = performance.now() - t0;
        await closeWs(ws);
        return { ms, resumed: undefined };
      },
    },
    {
      name: 'undici fresh (maxCachedSessions: 0)',
      secure: true,
      once: async (url) => {
        const t0 = performance.now();
        const ws = await openUndici(url, tls, 0);
        const ms = performance.now() - t0;
        await closeUndici(ws);
        return { ms, resumed: undefined };
      },
    },
    {
      name: 'undici (default session cache)',
      secure: true,
      once: async (url) => {
        const t0 = performance.now();
        const ws = await openUndici(url, tls);
        const ms = performance.now() - t0;
        await closeUndici(ws);
        return { ms, resumed: undefined };
      },
    },
    // The slab of a connection is sized by maxMessageBytes (default 16 MiB: ~32 MiB mapped, reported
    // to V8 as external memory, which triggers garbage collections): the same with 64 KiB.
    { name: 'tickwire fresh, maxMessageBytes 64 KiB', secure: true, once: tickwire(false, 65536) },
    {
      name: 'tickwire resumed, maxMessageBytes 64 KiB',
      secure: true,
      once: tickwire(true, 65536),
      prime: async (url) => void (await tickwire(true, 65536)(url)),
    },
    { name: 'tickwire ws:// (no TLS)', secure: false, once: tickwire(true) },
    {
      name: 'ws ws:// (no TLS)',
      secure: false,
      once: async (url) => {
        const t0 = performance.now();
        const ws = await openWs(url, tls);
        const ms = performance.now() - t0;
        await closeWs(ws);
        return { ms, resumed: undefined };
      },
    },
  ];

  // Garbage collections during each case (all kinds), from the gc performance entries.
  let gcs = 0;
  const obs = new PerformanceObserver((list) => (gcs += list.getEntries().length));
  obs.observe({ entryTypes: ['gc'] });
  const gcCount = new Map<string, number>();
  const times = new Map<string, number[]>();
  const clientResumed = new Map<string, number>();
  const server = new Map<string, { tls: number; resumed: number; versions: Record<string, number> }>();
  const url = (secure: boolean) => `${ctx.server.base(secure)}/hold`;
  for (const c of cases) if (c.prime) await c.prime(url(c.secure));
  // Warm-up: a few connections per case, not recorded (JIT, first SecureContext, ...).
  for (const c of cases) for (let i = 0; i < 3; i++) await c.once(url(c.secure));
  for (let r = 0; r < rounds; r++) {
    for (const c of cases) {
      await ctx.server.control('/stats?reset=1');
      const gc0 = gcs;
      for (let i = 0; i < perRound; i++) {
        const { ms, resumed } = await c.once(url(c.secure));
        let list = times.get(c.name);
        if (!list) times.set(c.name, (list = []));
        list.push(ms);
        if (resumed) clientResumed.set(c.name, (clientResumed.get(c.name) ?? 0) + 1);
      }
      await tick(); // let the observer's callback run
      gcCount.set(c.name, (gcCount.get(c.name) ?? 0) + gcs - gc0);
      const st = await ctx.server.control<ServerStats>('/stats');
      const acc = server.get(c.name) ?? { tls: 0, resumed: 0, versions: {} };
      acc.tls += st.tlsConnections;
      acc.resumed += st.tlsResumed;
      for (const [v, k] of Object.entries(st.versions)) acc.versions[v] = (acc.versions[v] ?? 0) + k;
      server.set(c.name, acc);
    }
  }

  obs.disconnect();
  const rows = [['case', 'connections', 'median', 'p99', 'min', 'vs ws (median)', 'resumed (server)', 'resumed (client)', 'TLS', 'GCs per connection']];
  const med = new Map<string, number>();
  const data: Array<Record<string, unknown>> = [];
  for (const c of cases) med.set(c.name, median(times.get(c.name) ?? []));
  for (const c of cases) {
    const t = sortedCopy(times.get(c.name) ?? []);
    const s = server.get(c.name);
    const m = med.get(c.name) ?? NaN;
    const ref = med.get(c.secure ? 'ws' : 'ws ws:// (no TLS)') ?? NaN;
    rows.push([
      c.name,
      String(t.length),
      fmtMs(m),
      fmtMs(percentile(t, 99)),
      fmtMs(t[0] ?? NaN),
      fmtX(ref / m),
      c.secure && s ? `${s.resumed}/${s.tls}` : '',
      c.name.startsWith('tickwire') && c.secure ? `${clientResumed.get(c.name) ?? 0}/${t.length}` : '',
      s ? Object.keys(s.versions).join(', ') : '',
      ((gcCount.get(c.name) ?? 0) / t.length).toFixed(2),
    ]);
    data.push({ case: c.name, n: t.length, medianMs: m, p99Ms: percentile(t, 99), server: s, clientResumed: clientResumed.get(c.name) ?? 0, gcs: gcCount.get(c.name) ?? 0 });
  }
  const fresh = med.get('tickwire fresh (tls.resume: false)') ?? NaN;
  const resumed = med.get('tickwire resumed (default)') ?? NaN;
  const fresh64 = med.get('tickwire fresh, maxMessageBytes 64 KiB') ?? NaN;
  const resumed64 = med.get('tickwire resumed, maxMessageBytes 64 KiB') ?? NaN;
  const targets: NetTargetOutcome[] = [
    atLeast('wss:// connect: resumed ≥ 2× faster than fresh (tickwire defaults, medians)', fresh / resumed, 2, ' fresh'),
    atLeast('(info) the same with maxMessageBytes 64 KiB (no GC from the slab)', fresh64 / resumed64, 2, ' fresh'),
  ];
  const text =
    `${rounds} interleaved rounds × ${perRound} sequential connections per case (after 3 warm-up), wss:// to 127.0.0.1 with SNI "localhost"; ` +
    `"vs ws" = ws median / this median (higher is faster).\n\n${markdown(rows)}`;
  return { text, targets, data };
}

await standalone(import.meta.url, run);
