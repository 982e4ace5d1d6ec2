/** Shared test helpers for the simulator and venue adapter tests. */
import type { EventEmitter } from 'node:events';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { fileURLToPath } from 'node:url';

import { afterEach } from 'vitest';
import { WebSocket } from 'ws';

import { connect, type Level, type OrderBook, type TickwireWebSocket } from '../../src/index.js';
import type { SimSymbol } from '../../src/sim/market.js';
import type { SimServer } from '../../src/sim/server.js';

/**
 * Resolves with the arguments of the first `event` for which `match` holds (every event when no
 * predicate). No timer: a test that never sees the event fails on vitest's test timeout.
 */
export function waitFor<T extends unknown[]>(emitter: EventEmitter, event: string, match: (...args: T) => boolean = () => true): Promise<T> {
  return new Promise<T>((resolve) => {
    const on = (...args: unknown[]): void => {
      if (!match(...(args as T))) return;
      emitter.off(event, on);
      resolve(args as T);
    };
    emitter.on(event, on);
  });
}

/** Collects every `event` payload (first argument) into an array until `stop()`. */
export function collect<T>(emitter: EventEmitter, event: string): { items: T[]; stop(): void } {
  const items: T[] = [];
  const on = (x: T): void => {
    items.push(x);
  };
  emitter.on(event, on);
  return { items, stop: () => emitter.off(event, on) };
}

/** Lets pending I/O run (a macrotask turn). */
export function tick(): Promise<void> {
  return new Promise((r) => setImmediate(r));
}

/** Waits (turn by turn, no deadline: vitest's timeout is the limit) until `cond()` holds. */
export async function until(cond: () => boolean): Promise<void> {
  while (!cond()) await new Promise((r) => setTimeout(r, 1));
}

/**
 * Teardown steps for the current test, run last-registered first after each test. Call once at a
 * test file's top level; push steps from inside tests.
 */
export function cleanupAfterEach(): Array<() => Promise<void>> {
  const steps: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const f of steps.splice(0).reverse()) await f();
  });
  return steps;
}

/** The simulator's symbol `key`, or a thrown error when the market has none. */
export function simSymbol(server: SimServer, key: string): SimSymbol {
  const sym = server.market.get(key);
  if (!sym) throw new Error(`no ${key}`);
  return sym;
}

/** The simulator's own top-`depth` book of `sym`, as the numbers a client parses from its decimal text. */
export function simBook(sym: SimSymbol, depth = Infinity): { bids: Level[]; asks: Level[] } {
  const snap = sym.snapshot(depth);
  const conv = (ls: Array<[number, number]>): Level[] => ls.map(([p, q]) => [Number(sym.price(p)), Number(sym.qty(q))]);
  return { bids: conv(snap.bids), asks: conv(snap.asks) };
}

/** A venue adapter's book of `symbol`, or a thrown error when it has none. */
export function clientBook(venue: { book(symbol: string): OrderBook | undefined }, symbol: string): { bids: Level[]; asks: Level[] } {
  const book = venue.book(symbol);
  if (!book) throw new Error(`no book for ${symbol}`);
  return { bids: book.depth('bid'), asks: book.depth('ask') };
}

/**
 * A client WebSocket to `server` at `path` that keeps every text message (`raw`) and every one
 * that parses as JSON (`msgs`); `until(n)` waits for `n` parsed messages. The socket and the server
 * close through `cleanup` after the test.
 */
export async function openRecorder<M>(
  server: SimServer,
  path: string,
  cleanup: Array<() => Promise<void>>,
): Promise<{ ws: TickwireWebSocket; msgs: M[]; raw: string[]; until(n: number): Promise<void> }> {
  const ws = await connect(`${server.url}${path}`, { tls: server.clientTls(), reconnect: false });
  const msgs: M[] = [];
  const raw: string[] = [];
  const decoder = new TextDecoder();
  ws.on('message', (data) => {
    const text = decoder.decode(data);
    raw.push(text);
    try {
      msgs.push(JSON.parse(text) as M);
    } catch {
      /* kept in raw */
    }
  });
  cleanup.push(async () => {
    if (ws.readyState !== 'closed') ws.close();
    await server.close();
  });
  const until = async (n: number): Promise<void> => {
    while (msgs.length < n) await tick();
  };
  return { ws, msgs, raw, until };
}

type JsonMsg = Record<string, unknown>;

/**
 * A plain `ws` client (not the library's) for wire-level simulator tests: every message is parsed
 * as JSON; `next(match)` takes the first unclaimed message that matches, waiting if none has come.
 */
export class JsonClient {
  readonly msgs: JsonMsg[] = [];
  readonly #waiters: Array<{ match: (m: JsonMsg) => boolean; resolve: (m: JsonMsg) => void }> = [];

  constructor(readonly ws: WebSocket) {
    ws.on('message', (d) => {
      const m = JSON.parse(String(d)) as JsonMsg;
      const w = this.#waiters.find((x) => x.match(m));
      if (w) {
        this.#waiters.splice(this.#waiters.indexOf(w), 1);
        w.resolve(m);
      } else this.msgs.push(m);
    });
  }

  /** Opens `url` (any certificate), recording the socket in `opened` for the file's teardown. */
  static async connect<C extends JsonClient>(this: new (ws: WebSocket) => C, url: string, opened: WebSocket[]): Promise<C> {
    const ws = new WebSocket(url, { rejectUnauthorized: false });
    opened.push(ws);
    const client = new this(ws);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    return client;
  }

  next(match: (m: JsonMsg) => boolean): Promise<JsonMsg> {
    const seen = this.msgs.find(match);
    if (seen) {
      this.msgs.splice(this.msgs.indexOf(seen), 1);
      return Promise.resolve(seen);
    }
    return new Promise((resolve) => this.#waiters.push({ match, resolve }));
  }

  send(m: JsonMsg): void {
    this.ws.send(JSON.stringify(m));
  }
}

/** `params` with the Binance WebSocket API `signature`: HMAC-SHA256 hex of every param sorted by name as `k=v&…`. */
export function binanceSigned(params: Record<string, string | number>, secret = 'simsecret'): Record<string, string | number> {
  const payload = Object.keys(params)
    .sort()
    .map((k) => `${k}=${params[k]}`)
    .join('&');
  return { ...params, signature: createHmac('sha256', secret).update(payload).digest('hex') };
}

/** `tickwire sim …` as a user runs it: a child process with its output collected. */
export function runSimCli(args: string[], children: ChildProcessWithoutNullStreams[]): {
  child: ChildProcessWithoutNullStreams;
  out: () => string;
  err: () => string;
  exit: Promise<number | null>;
} {
  const root = fileURLToPath(new URL('../..', import.meta.url));
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'sim', ...args], { cwd: root });
  children.push(child);
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, out: () => out, err: () => err, exit };
}
