/**
 * Heap / RSS flatness on the receive path: one connection receives 10,000,000 messages of 100 B
 * (one flood from bench/net/server.ts, in its own process) and process.memoryUsage() is sampled
 * every 1,000,000 messages from inside the message handler. With --expose-gc, each sample is also
 * taken after a full collection (what is retained, as opposed to young-generation garbage that is
 * still waiting for a scavenge). Garbage collections are counted per interval from the 'gc'
 * performance entries: a receive path that allocates nothing per message runs no scavenges.
 *
 *   node --expose-gc --import tsx bench/net/soak.ts [--client tickwire|ws] [--scheme ws|wss] [--count N] [--json]
 */
import { constants, PerformanceObserver } from 'node:perf_hooks';

import { atMost, markdown, startServer, testCa, type NetReport, type NetTargetOutcome } from '../lib/net.js';
import { closeTickwire, closeWs, openTickwire, openWs } from './clients.js';

interface Sample {
  messages: number;
  ms: number;
  rssMiB: number;
  heapUsedMiB: number;
  externalMiB: number;
  arrayBuffersMiB: number;
  heapAfterGcMiB: number | null;
  rssAfterGcMiB: number | null;
  scavenges: number;
  majorGcs: number;
}

const MiB = 1024 * 1024;
const gc = (globalThis as { gc?: () => void }).gc;

export async function soak(client: 'tickwire' | 'ws', secure: boolean, count: number, every: number): Promise<NetReport> {
  const server = await startServer();
  const tls = { ca: testCa(), servername: 'localhost' };
  const url = `${server.base(secure)}/ctl`;
  const gcEvents: Array<{ t: number; kind: number }> = [];
  const obs = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) gcEvents.push({ t: e.startTime, kind: ((e as { detail?: { kind?: number } }).detail?.kind ?? 0) });
  });
  obs.observe({ entryTypes: ['gc'] });
  const marks: Array<{ messages: number; t: number; mem: NodeJS.MemoryUsage; afterGc: NodeJS.MemoryUsage | null }> = [];
  const take = (messages: number) => {
    const t = performance.now();
    const mem = process.memoryUsage();
    let afterGc: NodeJS.MemoryUsage | null = null;
    if (gc) {
      gc();
      afterGc = process.memoryUsage();
    }
    marks.push({ messages, t, mem, afterGc });
  };
  let n = 0;
  let bytes = 0;
  let finish: () => void = () => {};
  const done = new Promise<void>((r) => (finish = r));
  let t0 = 0;
  try {
    if (client === 'tickwire') {
      const ws = await openTickwire(url, tls);
      ws.on('message', (d) => {
        bytes += d.length;
        if (d.length === 4) return finish();
        if (++n % every === 0) take(n);
      });
      take(0);
      t0 = performance.now();
      ws.send(`flood 100 ${count}`);
      await done;
      await closeTickwire(ws);
    } else {
      const ws = await openWs(url, tls);
      ws.on('message', (d: Buffer) => {
        bytes += d.length;
        if (d.length === 4) return finish();
        if (++n % every === 0) take(n);
      });
      take(0);
      t0 = performance.now();
      ws.send(`flood 100 ${count}`);
      await done;
      await closeWs(ws);
    }
  } finally {
    await server.stop();
  }
  const seconds = (performance.now() - t0) / 1000;
  await new Promise((r) => setImmediate(r));
  obs.disconnect();
  if (n !== count || bytes !== count * 100 + 4) throw new Error(`soak: got ${n} messages / ${bytes} B`);

  const samples: Sample[] = marks.map((m, i) => {
    const prev = i > 0 ? (marks[i - 1] as (typeof marks)[number]).t : -Infinity;
    const inWindow = gcEvents.filter((g) => g.t > prev && g.t <= m.t);
    return {
      messages: m.messages,
      ms: m.t - (marks[0]?.t ?? 0),
      rssMiB: m.mem.rss / MiB,
      heapUsedMiB: m.mem.heapUsed / MiB,
      externalMiB: m.mem.external / MiB,
      arrayBuffersMiB: m.mem.arrayBuffers / MiB,
      heapAfterGcMiB: m.afterGc ? m.afterGc.heapUsed / MiB : null,
      rssAfterGcMiB: m.afterGc ? m.afterGc.rss / MiB : null,
      // Our own forced collections (one per sample) are major GCs: not counted.
      scavenges: i === 0 ? 0 : inWindow.filter((g) => g.kind === constants.NODE_PERFORMANCE_GC_MINOR).length,
      majorGcs: i === 0 ? 0 : Math.max(0, inWindow.filter((g) => g.kind === constants.NODE_PERFORMANCE_GC_MAJOR).length - (gc ? 1 : 0)),
    };
  });
  const f = (x: number | null) => (x === null ? '–' : x.toFixed(2));
  const rows = [['messages', 'time', 'rss MiB', 'heapUsed MiB', 'heapUsed after GC', 'rss after GC', 'external MiB', 'scavenges in interval', 'major GCs']];
  for (const s of samples) {
    rows.push([s.messages.toLocaleString('en'), `${(s.ms / 1000).toFixed(2)} s`, f(s.rssMiB), f(s.heapUsedMiB), f(s.heapAfterGcMiB), f(s.rssAfterGcMiB), f(s.externalMiB), String(s.scavenges), String(s.majorGcs)]);
  }
  // Growth from the first sample after warm-up (1M messages) to the last.
  const first = samples[1] ?? samples[0];
  const last = samples[samples.length - 1];
  const growth = (a: number | null | undefined, b: number | null | undefined) => (a == null || b == null ? NaN : b - a);
  const rssGrowth = growth(first?.rssAfterGcMiB ?? first?.rssMiB, last?.rssAfterGcMiB ?? last?.rssMiB);
  const heapGrowth = growth(first?.heapAfterGcMiB ?? first?.heapUsedMiB, last?.heapAfterGcMiB ?? last?.heapUsedMiB);
  const scavengesPerM = samples.slice(1).reduce((a, s) => a + s.scavenges, 0) / (count / 1e6);
  const what = `${client} ${secure ? 'wss://' : 'ws://'}`;
  const targets: NetTargetOutcome[] = [
    {
      ...atMost(`soak (${what}): retained heap flat over ${count / 1e6}M messages (growth ≤ 1 MiB)`, heapGrowth, 1, ' MiB'),
      measured: `${heapGrowth >= 0 ? '+' : ''}${heapGrowth.toFixed(2)} MiB`,
      required: '<= 1 MiB',
    },
    {
      ...atMost(`soak (${what}): RSS flat (growth ≤ 4 MiB)`, rssGrowth, 4, ' MiB'),
      measured: `${rssGrowth >= 0 ? '+' : ''}${rssGrowth.toFixed(2)} MiB`,
      required: '<= 4 MiB',
    },
  ];
  const text =
    `${what}: ${count.toLocaleString('en')} × 100 B in ${seconds.toFixed(2)} s (${(count / seconds / 1e6).toFixed(2)} M msg/s with sampling), ` +
    `memory every ${every.toLocaleString('en')} messages${gc ? ', also after a forced full GC' : ' (run with --expose-gc for after-GC columns)'}.\n` +
    `Growth from ${first?.messages.toLocaleString('en')} to ${last?.messages.toLocaleString('en')} messages: heap ${heapGrowth.toFixed(2)} MiB, RSS ${rssGrowth.toFixed(2)} MiB` +
    `${gc ? ' (after GC)' : ''}; ${scavengesPerM.toFixed(1)} scavenges per 1M messages (young-generation garbage allocated per message: with tickwire, at least the Uint8Array view each message is delivered in; 0 would mean no per-message allocation).\n\n` +
    markdown(rows);
  return { text, targets, data: { client, secure, count, every, seconds, samples, heapGrowthMiB: heapGrowth, rssGrowthMiB: rssGrowth, scavengesPerMillion: scavengesPerM } };
}

const arg = (name: string) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : undefined;
};
if (process.argv[1]?.endsWith('soak.ts')) {
  const client = (arg('--client') ?? 'tickwire') as 'tickwire' | 'ws';
  const secure = (arg('--scheme') ?? 'wss') === 'wss';
  const count = Number(arg('--count') ?? 10_000_000);
  const report = await soak(client, secure, count, Math.max(1, Math.round(count / 10)));
  if (process.argv.includes('--json')) process.stdout.write(`${JSON.stringify(report)}\n`);
  else console.log(report.text);
}
