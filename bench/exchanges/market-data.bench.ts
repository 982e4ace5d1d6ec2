/**
 * Market data, raw bytes to normalized events: Binance combined-stream trades and depth updates
 * over wss:// from a server in another process. tickwire receives into pinned memory and parses
 * the bytes directly (src/exchanges/binance/fast-parse.ts, general path as fallback); the
 * competitor is `ws` + Buffer.toString + JSON.parse + the same normalization (parse.ts). Depth
 * updates are applied to an OrderBook on both sides, as a BookUpdate carries the live book.
 */
import { OrderBook } from '../../src/index.js';
import { fastParse, isFastTrade } from '../../src/exchanges/binance/fast-parse.js';
import { parseDepthUpdate, parseTrade } from '../../src/exchanges/binance/parse.js';
import { atLeast, fmtRate, fmtX, markdown, median, type NetContext, type NetReport } from '../lib/net.js';
import { closeTickwire, closeWs, openTickwire, openWs, type TlsInfo } from '../net/clients.js';

type Kind = 'trade' | 'depth';
const decoder = new TextDecoder();
let sink = 0; // keeps the work observable

function normalizeGeneral(obj: { data?: unknown }, kind: Kind, book: OrderBook, recvTs: number): void {
  if (kind === 'trade') {
    sink += parseTrade(obj.data, recvTs).price;
  } else {
    const d = parseDepthUpdate(obj.data);
    book.applyDelta({ bids: d.bids, asks: d.asks });
    sink += d.u;
  }
}

async function tickwireRun(url: string, tls: TlsInfo, kind: Kind, count: number): Promise<number> {
  const ws = await openTickwire(url, tls);
  const book = new OrderBook();
  let n = 0;
  const done = new Promise<number>((resolve) => {
    let t0 = 0;
    ws.on('message', (data) => {
      if (data.length === 4 && data[0] === 0x64 && data[1] === 0x6f) {
        resolve(n / ((performance.now() - t0) / 1000));
        return;
      }
      if (n === 0) t0 = performance.now();
      n++;
      const recvTs = Date.now();
      const ev = fastParse(data, recvTs);
      if (ev === null) normalizeGeneral(JSON.parse(decoder.decode(data)) as { data?: unknown }, kind, book, recvTs);
      else if (isFastTrade(ev)) sink += ev.price;
      else {
        book.applyDelta({ bids: ev.bids, asks: ev.asks });
        sink += ev.u;
      }
    });
  });
  ws.send(`feed ${kind} ${count}`);
  const rate = await done;
  await closeTickwire(ws);
  return rate;
}

async function wsRun(url: string, tls: TlsInfo, kind: Kind, count: number): Promise<number> {
  const ws = await openWs(url, tls);
  const book = new OrderBook();
  let n = 0;
  const done = new Promise<number>((resolve) => {
    let t0 = 0;
    ws.on('message', (data: Buffer) => {
      if (data.length === 4 && data[0] === 0x64 && data[1] === 0x6f) {
        resolve(n / ((performance.now() - t0) / 1000));
        return;
      }
      if (n === 0) t0 = performance.now();
      n++;
      normalizeGeneral(JSON.parse(data.toString()) as { data?: unknown }, kind, book, Date.now());
    });
  });
  ws.send(`feed ${kind} ${count}`);
  const rate = await done;
  await closeWs(ws);
  return rate;
}

export async function run(ctx: NetContext): Promise<NetReport> {
  const rounds = ctx.rounds ?? 5;
  const tls: TlsInfo = { ca: ctx.ca, servername: 'localhost' };
  const url = `${ctx.server.base(true)}/ctl`;
  const rows = [['stream', 'tickwire (bytes → events)', 'ws + JSON.parse', 'ratio']];
  const targets = [];
  const data: Record<string, { tickwire: number[]; ws: number[] }> = {};
  for (const kind of ['trade', 'depth'] as const) {
    const count = ctx.quick ? 51_200 : 204_800;
    await tickwireRun(url, tls, kind, 10_240); // warm-up
    await wsRun(url, tls, kind, 10_240);
    const tw: number[] = [];
    const w: number[] = [];
    for (let r = 0; r < rounds; r++) {
      if (r % 2) {
        w.push(await wsRun(url, tls, kind, count));
        tw.push(await tickwireRun(url, tls, kind, count));
      } else {
        tw.push(await tickwireRun(url, tls, kind, count));
        w.push(await wsRun(url, tls, kind, count));
      }
    }
    const ratio = median(tw) / median(w);
    data[kind] = { tickwire: tw, ws: w };
    rows.push([kind === 'trade' ? 'trades' : 'depth updates (applied to an OrderBook)', `${fmtRate(median(tw))} msg/s`, `${fmtRate(median(w))} msg/s`, fmtX(ratio)]);
    targets.push(atLeast(`market data, Binance ${kind === 'trade' ? 'trades' : 'depth'}: tickwire vs ws + JSON.parse (msg/s)`, ratio, 2));
  }
  if (sink === 0.5) console.log(''); // never true; stops the work from being optimized away
  return {
    text: [`Binance market data over wss://, raw bytes to normalized events (${rounds} interleaved rounds, medians)`, '', markdown(rows)].join('\n'),
    targets,
    data,
  };
}
