/**
 * Redis fan-out (ioredis): an engine publishes its telemetry to Redis pub/sub, and any number of
 * telemetry servers in other processes (or machines) serve it through {@link RedisTelemetrySource}.
 *
 * Wire (all JSON, see docs/telemetry.md):
 *   PUBLISH <channel>            {k:'event', channel, data} | {k:'telemetry', sample} | {k:'state', state} | {k:'significant'}
 *   SET     <channel>:state      the full state (PX ttl), refreshed every `stateMs` and on significant events,
 *                                read by a server when it starts (it then follows the {k:'state'} messages)
 *   PUBLISH <channel>:cmd        {op:'halt'|'resume', reason?, by, reqId, replyTo}   (server → engine)
 *   PUBLISH <replyTo>            {reqId, ok, error?}                                   (engine → that server)
 */
import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';

import { Redis } from 'ioredis';

import { TickwireError } from '../native/errors.js';
import { SOURCE_CHANNELS, type FullState, type SourceChannel, type TelemetrySample } from './protocol.js';
import type { TelemetrySource, TelemetrySourceEvents } from './source.js';

export const DEFAULT_REDIS_CHANNEL = 'tickwire:telemetry';

export interface PublishOptions {
  /** redis://host:port/db */
  url: string;
  /** Pub/sub channel (and key prefix). Default 'tickwire:telemetry'. */
  channel?: string;
  /** TELEMETRY samples per second published. Default 4. */
  rateHz?: number;
  /** Full-state refresh interval. Default 1000 ms (also sent at once after a significant event). */
  stateMs?: number;
  /** Expiry of the `<channel>:state` key: a dead engine's state disappears. Default 10000 ms. */
  stateTtlMs?: number;
  log?: (level: 'info' | 'warn' | 'error', message: string) => void;
}

export interface RedisPublisher {
  /** Messages published so far. */
  readonly published: number;
  close(): Promise<void>;
}

interface CmdMessage {
  op: 'halt' | 'resume';
  reason?: string;
  by: string;
  reqId: string;
  replyTo: string;
}

type BusMessage =
  | { k: 'event'; channel: SourceChannel; data: unknown }
  | { k: 'telemetry'; sample: TelemetrySample }
  | { k: 'state'; state: FullState }
  | { k: 'significant' };

function stderrLog(level: string, message: string): void {
  process.stderr.write(`[telemetry/redis] ${level}: ${message}\n`);
}

/** A redis URL with any password masked, for logs. */
function safeUrl(url: string): string {
  return url.replace(/\/\/([^@/]*)@/, '//***@');
}

async function connectRedis(url: string, what: string, log: (l: 'info' | 'warn' | 'error', m: string) => void): Promise<Redis> {
  const r = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 2, enableOfflineQueue: true });
  let lastError = '';
  r.on('error', (err: Error) => {
    if (err.message !== lastError) log('warn', `${what} ${safeUrl(url)}: ${err.message}`);
    lastError = err.message;
  });
  try {
    await r.connect();
  } catch (err) {
    r.disconnect();
    throw new TickwireError('CONN_REFUSED', `telemetry redis: cannot connect to ${safeUrl(url)}: ${(err as Error).message}`, { cause: err });
  }
  return r;
}

/** Two connections (a subscriber cannot issue other commands); the first is closed if the second fails. */
async function connectRedisPair(url: string, what: [string, string], log: (l: 'info' | 'warn' | 'error', m: string) => void): Promise<[Redis, Redis]> {
  const a = await connectRedis(url, what[0], log);
  try {
    return [a, await connectRedis(url, what[1], log)];
  } catch (err) {
    a.disconnect();
    throw err;
  }
}

/**
 * Engine side: publishes every source event, a TELEMETRY sample at `rateHz`, and the full state to
 * Redis, and executes HALT/RESUME commands forwarded by telemetry servers.
 */
export async function publishTelemetry(source: TelemetrySource, options: PublishOptions): Promise<RedisPublisher> {
  const channel = options.channel ?? DEFAULT_REDIS_CHANNEL;
  const log = options.log ?? stderrLog;
  const rateHz = options.rateHz ?? 4;
  const stateMs = options.stateMs ?? 1000;
  const ttl = options.stateTtlMs ?? 10_000;
  const [pub, sub] = await connectRedisPair(options.url, ['publisher', 'command listener'], log);
  let published = 0;
  let closed = false;
  const send = (m: BusMessage): void => {
    if (closed) return;
    let json: string;
    try {
      json = JSON.stringify(m);
    } catch (err) {
      log('error', `${m.k} not published: cannot serialize (${(err as Error).message})`);
      return;
    }
    published++;
    pub.publish(channel, json).catch((err: Error) => log('warn', `publish: ${err.message}`));
  };
  const sendState = (): void => {
    if (closed) return;
    let state: FullState;
    try {
      state = source.state();
    } catch (err) {
      log('error', `source.state() threw: ${(err as Error).message}`);
      return;
    }
    let json: string;
    try {
      json = JSON.stringify(state);
    } catch (err) {
      log('error', `state not published: cannot serialize (${(err as Error).message})`);
      return;
    }
    pub.set(`${channel}:state`, json, 'PX', ttl).catch((err: Error) => log('warn', `set state: ${err.message}`));
    published++;
    pub.publish(channel, `{"k":"state","state":${json}}`).catch((err: Error) => log('warn', `publish: ${err.message}`));
  };
  const sendTelemetry = (): void => {
    try {
      send({ k: 'telemetry', sample: source.telemetry() });
    } catch (err) {
      log('error', `source.telemetry() threw: ${(err as Error).message}`);
    }
  };
  const onEvent = (c: SourceChannel, data: unknown): void => send({ k: 'event', channel: c, data });
  let sigPending = false;
  const onSignificant = (): void => {
    if (sigPending) return;
    sigPending = true;
    setImmediate(() => {
      sigPending = false;
      sendState();
      sendTelemetry();
      send({ k: 'significant' });
    });
  };
  source.on('event', onEvent);
  source.on('significant', onSignificant);

  await sub.subscribe(`${channel}:cmd`);
  sub.on('message', (_ch: string, raw: string) => {
    let cmd: CmdMessage;
    try {
      cmd = JSON.parse(raw) as CmdMessage;
      if ((cmd.op !== 'halt' && cmd.op !== 'resume') || typeof cmd.reqId !== 'string' || typeof cmd.replyTo !== 'string') throw new Error('bad command');
    } catch {
      log('warn', `ignored malformed command on ${channel}:cmd`);
      return;
    }
    const by = typeof cmd.by === 'string' ? cmd.by : 'remote';
    const run = cmd.op === 'halt' ? source.halt(typeof cmd.reason === 'string' ? cmd.reason : 'operator HALT', by) : source.resume(by);
    run.then(
      () => pub.publish(cmd.replyTo, JSON.stringify({ reqId: cmd.reqId, ok: true })),
      (err: Error) => pub.publish(cmd.replyTo, JSON.stringify({ reqId: cmd.reqId, ok: false, error: err.message })),
    ).catch((err: Error) => log('warn', `reply: ${err.message}`));
  });

  sendState();
  sendTelemetry();
  const timers = [setInterval(sendTelemetry, 1000 / rateHz), setInterval(sendState, stateMs)];
  return {
    get published() {
      return published;
    },
    async close() {
      if (closed) return;
      for (const t of timers) clearInterval(t);
      source.off('event', onEvent);
      source.off('significant', onSignificant);
      closed = true;
      await Promise.allSettled([sub.quit(), pub.quit()]);
    },
  };
}

export interface RedisSourceOptions {
  url: string;
  /** Default 'tickwire:telemetry'; the same as the publisher's. */
  channel?: string;
  /** How long HALT/RESUME wait for the engine's reply. Default 5000 ms. */
  commandTimeoutMs?: number;
  log?: (level: 'info' | 'warn' | 'error', message: string) => void;
}

/** The state before the first one arrives from Redis. */
export function emptyState(): FullState {
  return {
    status: 'INITIALIZING',
    markets: [],
    portfolio: { nav: 0, cash: 0, daily_pnl: 0, max_drawdown: 0 },
    positions: [],
    openOrders: [],
    fills: [],
    signals: [],
    logs: [],
    components: {},
    halted: false,
    config: { venues: [], symbols: [] },
  };
}

function emptySample(): TelemetrySample {
  return {
    timestamp: Date.now(),
    status: 'INITIALIZING',
    market: { symbol: '', price: 0, alpha: null, regime: 'gaussian', velocity: 0, acceleration: 0 },
    portfolio: { nav: 0, cash: 0, daily_pnl: 0, max_drawdown: 0 },
    signal: null,
    governance: { approved_size: 0 },
    logs: [],
    components: {},
  };
}

/**
 * Server side: a {@link TelemetrySource} fed from Redis. `state()` and `telemetry()` return the
 * latest the engine published; `halt`/`resume` are forwarded to the engine and resolve on its reply.
 */
export class RedisTelemetrySource extends EventEmitter<TelemetrySourceEvents> implements TelemetrySource {
  private lastState: FullState = emptyState();
  private lastSample: TelemetrySample = emptySample();
  private readonly pending = new Map<string, { resolve: () => void; reject: (e: Error) => void; timer: NodeJS.Timeout }>();
  private closed = false;

  private constructor(
    private readonly sub: Redis,
    private readonly cmd: Redis,
    private readonly channel: string,
    private readonly replyTo: string,
    private readonly timeoutMs: number,
    private readonly log: (level: 'info' | 'warn' | 'error', message: string) => void,
  ) {
    super();
  }

  static async connect(options: RedisSourceOptions): Promise<RedisTelemetrySource> {
    const channel = options.channel ?? DEFAULT_REDIS_CHANNEL;
    const log = options.log ?? stderrLog;
    const [sub, cmd] = await connectRedisPair(options.url, ['subscriber', 'command'], log);
    const replyTo = `${channel}:reply:${randomUUID()}`;
    const src = new RedisTelemetrySource(sub, cmd, channel, replyTo, options.commandTimeoutMs ?? 5000, log);
    sub.on('message', (ch: string, raw: string) => src.onMessage(ch, raw));
    await sub.subscribe(channel, replyTo);
    const saved = await cmd.get(`${channel}:state`);
    if (saved !== null) {
      try {
        src.lastState = JSON.parse(saved) as FullState;
      } catch {
        log('warn', `unreadable ${channel}:state key ignored`);
      }
    }
    return src;
  }

  private onMessage(ch: string, raw: string): void {
    let m: unknown;
    try {
      m = JSON.parse(raw);
    } catch {
      this.log('warn', `malformed message on ${ch} ignored`);
      return;
    }
    if (typeof m !== 'object' || m === null) return;
    if (ch === this.replyTo) {
      const r = m as { reqId?: unknown; ok?: unknown; error?: unknown };
      const p = typeof r.reqId === 'string' ? this.pending.get(r.reqId) : undefined;
      if (p === undefined) return;
      this.pending.delete(r.reqId as string);
      clearTimeout(p.timer);
      if (r.ok === true) p.resolve();
      else p.reject(new TickwireError('CONN_CLOSED', typeof r.error === 'string' ? r.error : 'the engine refused the command'));
      return;
    }
    const b = m as BusMessage;
    switch (b.k) {
      case 'event':
        if ((SOURCE_CHANNELS as readonly string[]).includes(b.channel)) this.emit('event', b.channel, b.data);
        return;
      case 'telemetry':
        this.lastSample = b.sample;
        return;
      case 'state':
        this.lastState = b.state;
        return;
      case 'significant':
        this.emit('significant');
        return;
      default:
        return;
    }
  }

  state(): FullState {
    return this.lastState;
  }

  telemetry(symbol?: string): TelemetrySample {
    const s = this.lastSample;
    if (symbol === undefined || s.market.symbol === symbol) return s;
    const m = this.lastState.markets.find((x) => x.symbol === symbol);
    if (m === undefined) return s;
    return { ...s, market: { symbol: m.symbol, price: m.price, alpha: m.alpha, regime: m.regime, velocity: m.velocity, acceleration: m.acceleration } };
  }

  halt(reason: string, by: string): Promise<void> {
    return this.command({ op: 'halt', reason, by });
  }

  resume(by: string): Promise<void> {
    return this.command({ op: 'resume', by });
  }

  private async command(c: { op: 'halt' | 'resume'; reason?: string; by: string }): Promise<void> {
    if (this.closed) throw new TickwireError('CONN_CLOSED', 'telemetry redis source is closed');
    const reqId = randomUUID();
    const done = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(reqId);
        reject(new TickwireError('CONN_TIMEOUT', `no reply from the engine to ${c.op.toUpperCase()} within ${this.timeoutMs} ms`));
      }, this.timeoutMs);
      this.pending.set(reqId, { resolve, reject, timer });
    });
    const receivers = await this.cmd.publish(`${this.channel}:cmd`, JSON.stringify({ ...c, reqId, replyTo: this.replyTo } satisfies CmdMessage));
    if (receivers === 0) {
      const p = this.pending.get(reqId);
      this.pending.delete(reqId);
      if (p !== undefined) clearTimeout(p.timer);
      throw new TickwireError('CONN_CLOSED', `no engine is listening on ${this.channel}:cmd`);
    }
    return done;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const [, p] of this.pending) {
      clearTimeout(p.timer);
      p.reject(new TickwireError('CONN_CLOSED', 'telemetry redis source closed'));
    }
    this.pending.clear();
    await Promise.allSettled([this.sub.quit(), this.cmd.quit()]);
  }
}
