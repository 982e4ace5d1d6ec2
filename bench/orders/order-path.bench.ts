/**
 * The order path, decision to bytes handed to the kernel, over wss:// to a server in another
 * process: an OrderTemplate send (one native call: format, sign, frame, mask, encrypt, submit)
 * against the path a ccxt-style client takes per order (build the params, query string,
 * node:crypto createHmac, JSON.stringify, `ws` send). Both produce the same Binance order.place
 * request. Each send is timed on its own (wall, ns) and the loop's process CPU is divided by the
 * orders sent; cases alternate in interleaved rounds.
 *
 * The peer is the bench server's /hold endpoint (a `ws` server that parses and drops what it
 * receives), so the server's own work (the simulator verifies every signature) does not compete
 * for the two cores; the client-side work measured is the same.
 */
import { createHmac } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { getHeapStatistics, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

import { OrderTemplate, Slot } from '../../src/index.js';
import { atLeast, atMost, fmtX, markdown, percentile, sortedCopy, type NetContext, type NetReport } from '../lib/net.js';
import { closeTickwire, closeWs, openTickwire, openWs, type TlsInfo } from '../net/clients.js';

const KEY = 'simkey';
const SECRET = 'simsecret';

function params(price: string, qty: string, seq: number, ts: number | string) {
  return {
    apiKey: KEY,
    newClientOrderId: `tw-${seq}`,
    price,
    quantity: qty,
    side: 'BUY',
    symbol: 'BTCUSDT',
    timeInForce: 'GTC',
    timestamp: ts,
    type: 'LIMIT',
  };
}

function templateSpec() {
  const p = params(Slot.PRICE, Slot.QTY, 0, 'TS');
  (p as { newClientOrderId: string }).newClientOrderId = `tw-${Slot.SEQ}`;
  const sign = Object.entries({ ...p, timestamp: Slot.TIMESTAMP })
    .map(([k, v]) => `${k}=${v}`)
    .join('&');
  const message = JSON.stringify({ id: 'SEQ', method: 'order.place', params: { ...p, signature: 'SIG' } })
    .replace('"SEQ"', `"${Slot.SEQ}"`)
    .replace(/\\u0001/g, Slot.PRICE)
    .replace(/\\u0002/g, Slot.QTY)
    .replace(/\\u0003/g, Slot.SEQ)
    .replace('"TS"', Slot.TIMESTAMP)
    .replace('"SIG"', `"${Slot.SIGNATURE}"`);
  return { message, sign, secret: SECRET, priceDecimals: 2, qtyDecimals: 6 };
}

interface Sample {
  ns: Float64Array;
  userNsPerOrder: number;
  sysNsPerOrder: number;
  /** CPU of the io_uring submission thread(s) per order ('io_uring_sqpoll'), from schedstat. */
  sqNsPerOrder: number;
}

/**
 * JS heap bytes one send allocates: a full GC, then `count` sends back to back (no await, so no
 * other JS runs and, for so few bytes, no scavenge), read from used_heap_size. A scavenge in
 * between would only make a contender look leaner, and both sides are measured alike.
 */
function heapBytesPerSend(count: number, sendOne: (i: number) => void): number {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  for (let i = 0; i < 64; i++) sendOne(i); // ICs and feedback settle first
  gc();
  const h0 = getHeapStatistics().used_heap_size;
  for (let i = 0; i < count; i++) sendOne(i);
  return (getHeapStatistics().used_heap_size - h0) / count;
}

/**
 * CPU time (ns) of this process's io_uring SQPOLL kernel threads (comm "iou-sqp-PID"), read from
 * /proc/self/task/TID/schedstat: the core the 'io_uring_sqpoll' transport spends is counted here,
 * whether or not getrusage() includes it.
 */
function sqThreadNs(): number {
  let total = 0;
  for (const tid of readdirSync('/proc/self/task')) {
    try {
      if (!readFileSync(`/proc/self/task/${tid}/comm`, 'utf8').startsWith('iou-sqp')) continue;
      total += Number(readFileSync(`/proc/self/task/${tid}/schedstat`, 'utf8').split(' ')[0]);
    } catch {
      // the thread exited between the listing and the read
    }
  }
  return total;
}

/**
 * Sends `n` orders with `sendOne(i)` in runs of `batch`, letting I/O drain between runs. Each send
 * is timed alone (wall); CPU is the process's user/system time over the whole run, drains and
 * completions included (the no-op case measures what the loop itself costs, and is subtracted).
 */
async function timed(n: number, sendOne: (i: number) => void, drain: () => Promise<void>, batch: number, sqTail = false): Promise<Sample> {
  const ns = new Float64Array(n);
  const sq0 = sqThreadNs();
  const c0 = process.cpuUsage();
  for (let i = 0; i < n; i += batch) {
    const end = Math.min(n, i + batch);
    for (let j = i; j < end; j++) {
      // performance.now(), not hrtime.bigint(): no BigInt allocated per reading.
      const t0 = performance.now();
      sendOne(j);
      ns[j] = (performance.now() - t0) * 1e6;
    }
    await drain();
  }
  const c = process.cpuUsage(c0);
  // The submission thread keeps spinning TW_IO_SQPOLL_IDLE_MS (100 ms) after the last order:
  // that tail is this case's cost too, so wait it out before reading the thread's CPU.
  if (sqTail) await new Promise((r) => setTimeout(r, 150));
  return { ns, userNsPerOrder: (c.user * 1000) / n, sysNsPerOrder: (c.system * 1000) / n, sqNsPerOrder: (sqThreadNs() - sq0) / n };
}

export async function run(ctx: NetContext): Promise<NetReport> {
  const rounds = ctx.rounds ?? 3;
  const n = ctx.quick ? 5_000 : 20_000;
  const tls: TlsInfo = { ca: ctx.ca, servername: 'localhost' };
  const url = `${ctx.server.base(true)}/hold`;

  const tw = await openTickwire(url, tls);
  // The same client on io_uring with a kernel submission thread: the send syscall leaves the
  // caller's path (the thread spins on the other core while orders flow).
  const twSq = await openTickwire(url, tls, { transport: 'io_uring_sqpoll' });
  const ws = await openWs(url, tls);
  const template = OrderTemplate.compile(templateSpec(), tw);
  const templateSq = OrderTemplate.compile(templateSpec(), twSq);
  const order = { price: 0, qty: 0 };
  const prices = Float64Array.from({ length: 4096 }, (_, i) => 50_000 + ((i * 7919) % 1000) / 100);
  const qtys = Float64Array.from({ length: 4096 }, (_, i) => 0.001 + ((i * 104729) % 1000) / 1e6);
  let seq = 0;

  const tick = () => new Promise<void>((r) => setImmediate(r));
  /** A template case: the next price and quantity from the rotating arrays, one send. */
  const templateCase = (name: string, t: OrderTemplate, sq = false) => ({
    name,
    send: (i: number) => {
      order.price = prices[i & 4095] as number;
      order.qty = qtys[i & 4095] as number;
      t.send(order);
    },
    drain: tick,
    sq,
  });
  const cases: Array<{ name: string; send: (i: number) => void; drain: () => Promise<void>; sq?: boolean }> = [
    { name: 'no-op (the loop itself, subtracted)', send: () => {}, drain: tick },
    templateCase('tickwire OrderTemplate.send', template),
    templateCase("tickwire OrderTemplate.send, transport 'io_uring_sqpoll'", templateSq, true),
    {
      name: 'reference: JSON.stringify + createHmac + ws.send',
      send: (i) => {
        const p = params((prices[i & 4095] as number).toFixed(2), (qtys[i & 4095] as number).toFixed(6), ++seq, Date.now());
        const query = Object.entries(p)
          .map(([k, v]) => `${k}=${v}`)
          .join('&');
        const signature = createHmac('sha256', SECRET).update(query).digest('hex');
        ws.send(JSON.stringify({ id: String(seq), method: 'order.place', params: { ...p, signature } }));
      },
      drain: () =>
        new Promise<void>((r) => {
          const wait = () => (ws.bufferedAmount > 0 ? setImmediate(wait) : r());
          wait();
        }),
    },
  ];

  // Warm-up: JIT, TLS buffers, the server's parser.
  for (const c of cases) await timed(4096, c.send, c.drain, 256);
  // Two modes: bursts of 256 back-to-back orders (sends queue behind the one in flight and leave
  // together), and isolated orders, one per event-loop turn (each pays its own submit syscall).
  const modes = [
    { mode: 'burst', batch: 256, count: n },
    { mode: 'isolated', batch: 1, count: Math.floor(n / 4) },
  ];
  const all = new Map<string, { ns: number[]; user: number[]; sys: number[]; sq: number[] }>();
  for (let r = 0; r < rounds; r++) {
    for (const m of modes) {
      for (const c of r % 2 ? [...cases].reverse() : cases) {
        const s = await timed(m.count, c.send, c.drain, m.batch, c.sq === true);
        const key = `${c.name} (${m.mode})`;
        const acc = all.get(key) ?? { ns: [], user: [], sys: [], sq: [] };
        all.set(key, acc);
        for (const x of s.ns) acc.ns.push(x);
        acc.user.push(s.userNsPerOrder);
        acc.sys.push(s.sysNsPerOrder);
        acc.sq.push(s.sqNsPerOrder);
      }
    }
  }
  // Allocation per order, after the timed rounds (queues drained): the "no allocation" claim.
  // 2,000 orders stay under the 1 MiB send high-water mark; the empty loop's reading (heap
  // accounting moves in allocation-buffer steps) is subtracted.
  await (cases[1]?.drain ?? tick)();
  const allocEmpty = heapBytesPerSend(2000, (cases[0] as (typeof cases)[number]).send);
  const allocTemplate = Math.max(0, heapBytesPerSend(2000, (cases[1] as (typeof cases)[number]).send) - allocEmpty);
  await (cases[1]?.drain ?? tick)();
  const allocRef = heapBytesPerSend(2000, (cases[3] as (typeof cases)[number]).send) - allocEmpty;
  await (cases[3]?.drain ?? tick)();
  await closeTickwire(tw);
  await closeTickwire(twSq);
  await closeWs(ws);

  const med = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)] as number;
  const stats = (name: string) => {
    const a = all.get(name) as { ns: number[]; user: number[]; sys: number[]; sq: number[] };
    const sorted = sortedCopy(a.ns);
    return { p50: percentile(sorted, 50), p99: percentile(sorted, 99), p999: percentile(sorted, 99.9), user: med(a.user), sys: med(a.sys), sq: med(a.sq) };
  };
  const rows = [['case', 'p50 per order', 'p99', 'p99.9', 'user CPU / order', 'kernel CPU / order', 'SQ thread CPU / order', 'p50 vs reference', 'user CPU vs reference']];
  const outcome: Record<string, { p50: number; p50ns: number; user: number; userRatio: number; sq: number }> = {};
  const clockNs: Record<string, number> = {};
  for (const m of modes) {
    const noop = stats(`${cases[0]?.name as string} (${m.mode})`);
    // Net of the empty loop: its CPU, and its p50 (reading the clock twice) from each percentile.
    const net = (x: ReturnType<typeof stats>) => ({
      ...x,
      p50: Math.max(1, x.p50 - noop.p50),
      p99: Math.max(1, x.p99 - noop.p50),
      p999: Math.max(1, x.p999 - noop.p50),
      user: Math.max(1, x.user - noop.user),
      sys: Math.max(0, x.sys - noop.sys),
    });
    clockNs[m.mode] = noop.p50;
    const t = net(stats(`${cases[1]?.name as string} (${m.mode})`));
    const tSq = net(stats(`${cases[2]?.name as string} (${m.mode})`));
    const ref = net(stats(`${cases[3]?.name as string} (${m.mode})`));
    outcome[m.mode] = { p50: ref.p50 / t.p50, p50ns: t.p50, user: t.user, userRatio: ref.user / t.user, sq: 0 };
    outcome[`${m.mode}/sqpoll`] = { p50: ref.p50 / tSq.p50, p50ns: tSq.p50, user: tSq.user, userRatio: ref.user / tSq.user, sq: tSq.sq };
    for (const [name, st] of [
      [`${cases[1]?.name as string} (${m.mode})`, t],
      [`${cases[2]?.name as string} (${m.mode})`, tSq],
      [`${cases[3]?.name as string} (${m.mode})`, ref],
    ] as const) {
      const us = (x: number) => `${(x / 1000).toFixed(2)} µs`;
      rows.push([name, us(st.p50), us(st.p99), us(st.p999), us(st.user), us(st.sys), st === tSq ? us(st.sq) : '–', fmtX(ref.p50 / st.p50), fmtX(ref.user / st.user)]);
    }
  }
  const text = [
    `Order path over wss:// (${rounds} interleaved rounds; burst: ${n} orders per case in runs of 256; isolated: ${Math.floor(n / 4)} orders, one per event-loop turn; each send timed alone, wall clock, minus the empty loop's p50 (two clock reads: ${((clockNs.burst ?? 0)).toFixed(0)} ns in bursts, ${((clockNs.isolated ?? 0)).toFixed(0)} ns isolated); CPU = process user / system time over the whole run (sends, drains, completions) ÷ orders, minus the same loop with a no-op send, median of rounds). CPU columns count everything the process does per order, completion handling included; "SQ thread CPU" is the io_uring submission thread of the 'io_uring_sqpoll' transport (schedstat, its 100 ms idle spin after each case included); "decision to bytes handed to the kernel" is the send call itself (the p50 columns).`,
    '',
    markdown(rows),
    '',
    `JS heap allocated per order (2,000 sends back to back after a full GC, minus the empty loop's reading): template ${allocTemplate.toFixed(1)} B, reference ${allocRef.toFixed(0)} B.`,
  ].join('\n');
  type Outcome = { p50: number; p50ns: number; user: number; userRatio: number; sq: number };
  const iso = outcome.isolated as Outcome;
  const isoSq = outcome['isolated/sqpoll'] as Outcome;
  const burst = outcome.burst as Outcome;
  return {
    text,
    targets: [
      atLeast('order path, bursts: template vs JSON.stringify + createHmac + ws.send (p50 per order)', burst.p50, 10),
      {
        goal: '(info) order path: JS heap allocated per template send (the hot path allocates nothing)',
        measured: `${allocTemplate.toFixed(1)} B (reference ${allocRef.toFixed(0)} B)`,
        required: '<= 16 B',
        value: allocTemplate,
        met: allocTemplate <= 16,
      },
      atLeast('order path, isolated orders: template vs reference (p50 per order, submit syscall included)', iso.p50, 10),
      atLeast(
        "order path, isolated orders, transport 'io_uring_sqpoll': template vs reference (p50 per order)",
        isoSq.p50,
        10,
        '',
        `${(isoSq.p50ns / 1000).toFixed(2)} µs p50: the SQE is handed to the kernel through the shared ring and the submission thread performs the send on another core; it costs ${(isoSq.sq / 1000).toFixed(2)} µs of that thread's CPU per isolated order (it spins between orders and 100 ms after the last), on top of ${(isoSq.user / 1000).toFixed(2)} µs user CPU.`,
      ),
      atMost(
        'order path: template p50 per order in bursts (no syscall: all user CPU), as a fraction of 2 µs',
        burst.p50ns / 1000 / 2,
        1,
        '',
        `${(burst.p50ns / 1000).toFixed(2)} µs p50 in bursts; isolated orders take ${(iso.p50ns / 1000).toFixed(2)} µs p50 because each pays the io_uring submit, in which the kernel performs the TCP send (on loopback it also delivers to the peer): the reference pays the same kernel work in its write syscall.`,
      ),
    ],
    data: Object.fromEntries([...all.keys()].map((k) => [k, stats(k)])),
  };
}
