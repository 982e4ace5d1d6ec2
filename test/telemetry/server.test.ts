/**
 * The telemetry server on loopback against the scripted source: WELCOME, TELEMETRY schema and
 * rate, commands (ACK/ERROR), HALT reaching the source, SUBSCRIBE filtering, resume with ?since,
 * malformed and oversize input, slow consumers, SSE, /api/state, /metrics, the dashboard files.
 */
import { connect as netConnect, type Socket } from 'node:net';
import { request } from 'node:http';
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import type { TickwireError } from '../../src/native/errors.js';
import type { EventPacket, ServerPacket, TelemetryPacket } from '../../src/telemetry/protocol.js';
import { resolveStatic } from '../../src/telemetry/static.js';
import { httpGet } from './client.js';
import { telemetryHarness } from './harness.js';
import { ScriptedSource } from './scripted-source.js';

const { open, serve, client } = telemetryHarness();

/** One bodyless request with any method: its status and Allow header. */
function httpRequest(url: string, method: string): Promise<{ status: number; allow: string | undefined }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, allow: res.headers.allow }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** Every field of a TELEMETRY packet, with its type: the list of problems (empty when valid). */
function telemetryProblems(p: unknown): string[] {
  const errs: string[] = [];
  const num = (v: unknown, path: string): void => {
    if (typeof v !== 'number' || !Number.isFinite(v)) errs.push(`${path}: expected a finite number, got ${JSON.stringify(v)}`);
  };
  const str = (v: unknown, path: string): void => {
    if (typeof v !== 'string') errs.push(`${path}: expected a string`);
  };
  const obj = (v: unknown, path: string): Record<string, unknown> => {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) {
      errs.push(`${path}: expected an object`);
      return {};
    }
    return v as Record<string, unknown>;
  };
  const t = obj(p, 'packet');
  if (t.type !== 'TELEMETRY') errs.push('type');
  if (!Number.isInteger(t.seq) || (t.seq as number) < 1) errs.push('seq: expected a positive integer');
  num(t.timestamp, 'timestamp');
  if (!['ACTIVE', 'HALT', 'INITIALIZING'].includes(t.status as string)) errs.push('status');
  const m = obj(t.market, 'market');
  str(m.symbol, 'market.symbol');
  num(m.price, 'market.price');
  if (m.alpha !== null) num(m.alpha, 'market.alpha');
  if (!['gaussian', 'levy-stable', 'critical'].includes(m.regime as string)) errs.push('market.regime');
  num(m.velocity, 'market.velocity');
  num(m.acceleration, 'market.acceleration');
  const pf = obj(t.portfolio, 'portfolio');
  for (const k of ['nav', 'cash', 'daily_pnl', 'max_drawdown']) num(pf[k], `portfolio.${k}`);
  if (t.signal !== null) {
    const s = obj(t.signal, 'signal');
    if (!['buy', 'sell', 'none'].includes(s.side as string)) errs.push('signal.side');
    num(s.confidence, 'signal.confidence');
    str(s.reasoning, 'signal.reasoning');
  }
  num(obj(t.governance, 'governance').approved_size, 'governance.approved_size');
  if (!Array.isArray(t.logs)) errs.push('logs: expected an array');
  else
    t.logs.forEach((l: unknown, i: number) => {
      const e = obj(l, `logs[${i}]`);
      num(e.ts, `logs[${i}].ts`);
      if (!['info', 'warn', 'error'].includes(e.level as string)) errs.push(`logs[${i}].level`);
      str(e.message, `logs[${i}].message`);
    });
  for (const [name, c] of Object.entries(obj(t.components, 'components'))) {
    const cc = obj(c, `components.${name}`);
    const lat = obj(cc.latency_ms, `components.${name}.latency_ms`);
    num(lat.p50, `components.${name}.latency_ms.p50`);
    num(lat.p99, `components.${name}.latency_ms.p99`);
    num(cc.invocations, `components.${name}.invocations`);
    num(cc.success_rate, `components.${name}.success_rate`);
  }
  const known = new Set(['type', 'seq', 'timestamp', 'status', 'market', 'portfolio', 'signal', 'governance', 'logs', 'components']);
  for (const k of Object.keys(t)) if (!known.has(k)) errs.push(`unexpected field ${k}`);
  return errs;
}

describe('WELCOME and TELEMETRY', () => {
  it('sends WELCOME with the full state on connect', async () => {
    const source = new ScriptedSource();
    source.start();
    source.trade('BTCUSDT', 50_100);
    source.fill('BTCUSDT', 'buy', 0.5);
    source.openOrder('ETHUSDT', 'sell', 2, 5100);
    const { server } = await serve({}, source);
    const c = await client(server.url);
    const w = await c.next('WELCOME');
    expect(c.packets[0]?.type).toBe('WELCOME');
    expect(w.protocol).toBe(1);
    expect(w.role).toBe('operator'); // loopback without tokens
    expect(w.seq).toBe(server.lastSeq);
    expect(w.rateHz).toBe(0.01);
    expect(w.channels.sort()).toEqual(['latency', 'logs', 'market', 'orders', 'portfolio', 'signals']);
    expect(w.state).toEqual(JSON.parse(JSON.stringify(source.state())));
    expect(w.state.fills).toHaveLength(1);
    expect(w.state.fills[0]).toMatchObject({ symbol: 'BTCUSDT', side: 'buy', qty: 0.5 });
    expect(w.state.openOrders).toHaveLength(1);
    expect(w.state.status).toBe('ACTIVE');
  });

  it('sends TELEMETRY packets at the configured rate whose every field has its type', async () => {
    const source = new ScriptedSource();
    source.start();
    source.trade('BTCUSDT', 50_010);
    source.fill('BTCUSDT', 'buy', 1);
    const { server } = await serve({ rateHz: 50 }, source);
    const c = await client(server.url);
    expect((await c.next('WELCOME')).rateHz).toBe(50);
    // no source activity from here on: these come from the rate timer
    const got: TelemetryPacket[] = [];
    for (let i = 0; i < 4; i++) got.push(await c.next('TELEMETRY'));
    for (const p of got) expect(telemetryProblems(p)).toEqual([]);
    for (let i = 1; i < got.length; i++) {
      expect(got[i]!.seq).toBeGreaterThan(got[i - 1]!.seq);
      expect(got[i]!.timestamp).toBeGreaterThanOrEqual(got[i - 1]!.timestamp);
    }
    expect(got[0]!.market.symbol).toBe('BTCUSDT');
    expect(got[0]!.signal).toMatchObject({ side: 'buy' });
    expect(Object.keys(got[0]!.components)).toContain('orders:binance');
  });

  it('the schema check rejects a packet with a wrong field (the check can fail)', () => {
    const source = new ScriptedSource();
    const good = { type: 'TELEMETRY', seq: 1, ...source.telemetry() };
    expect(telemetryProblems(good)).toEqual([]);
    expect(telemetryProblems({ ...good, market: { ...good.market, price: '1' } })).toContain('market.price: expected a finite number, got "1"');
    expect(telemetryProblems({ ...good, status: 'RUNNING' })).toContain('status');
    expect(telemetryProblems({ ...good, extra: 1 })).toContain('unexpected field extra');
  });

  it('sends TELEMETRY at once on a significant event (rate timer far away)', async () => {
    const source = new ScriptedSource();
    const { server } = await serve({ rateHz: 0.01 }, source);
    const c = await client(server.url);
    const w = await c.next('WELCOME');
    expect(w.state.status).toBe('INITIALIZING');
    source.start();
    const t = await c.next('TELEMETRY');
    expect(t.status).toBe('ACTIVE');
    source.fill('ETHUSDT', 'sell', 3);
    const t2 = await c.next('TELEMETRY', (p) => p.signal !== null);
    expect(t2.signal).toMatchObject({ side: 'sell', reasoning: 'whale sell' });
    expect(t2.seq).toBeGreaterThan(t.seq);
  });
});

describe('commands', () => {
  it('answers PING with ACK and PONG, and bad commands with ERROR {id, code}', async () => {
    const { server, logs } = await serve();
    const c = await client(server.url);
    await c.next('WELCOME');
    c.send({ type: 'PING', id: 'p1' });
    expect(await c.next('ACK')).toMatchObject({ id: 'p1' });
    expect(await c.next('PONG')).toMatchObject({ id: 'p1' });
    c.send({ type: 'SUBSCRIBE', id: 's1', channels: ['market', 'weather'] });
    expect(await c.next('ERROR')).toMatchObject({ id: 's1', code: 'BAD_CHANNEL' });
    c.send({ type: 'SUBSCRIBE', id: 's2' });
    expect(await c.next('ERROR')).toMatchObject({ id: 's2', code: 'BAD_MESSAGE' });
    c.send({ type: 'SUBSCRIBE', id: 's3', symbol: 42 });
    expect(await c.next('ERROR')).toMatchObject({ id: 's3', code: 'BAD_MESSAGE' });
    c.send({ type: 'FLY', id: 'f1' });
    expect(await c.next('ERROR')).toMatchObject({ id: 'f1', code: 'UNKNOWN_TYPE' });
    c.send({ type: 'PING' });
    expect(await c.next('ERROR')).toMatchObject({ id: null, code: 'MISSING_ID' });
    c.send({ type: 'PING', id: 7 });
    expect(await c.next('ERROR')).toMatchObject({ id: null, code: 'MISSING_ID' });
    // every packet carries a seq
    for (const p of c.packets) expect(typeof p.seq).toBe('number');
    expect(logs.filter((l) => l.includes('UNKNOWN_TYPE'))).toHaveLength(1);
  });

  it('answers malformed input with ERROR packets and a log line, and keeps serving', async () => {
    const { server, logs } = await serve({ maxMessageBytes: 1024 });
    const c = await client(server.url);
    await c.next('WELCOME');
    c.send('{not json');
    expect(await c.next('ERROR')).toMatchObject({ id: null, code: 'BAD_JSON' });
    c.send('[1,2]');
    expect(await c.next('ERROR')).toMatchObject({ code: 'BAD_MESSAGE' });
    c.send('null');
    expect(await c.next('ERROR')).toMatchObject({ code: 'BAD_MESSAGE' });
    c.ws.send(Buffer.from([1, 2, 3]), { binary: true });
    expect(await c.next('ERROR')).toMatchObject({ code: 'BAD_MESSAGE' });
    c.send({ type: 'PING', id: 'x', pad: 'a'.repeat(2000) });
    expect(await c.next('ERROR')).toMatchObject({ code: 'TOO_LARGE' });
    // still usable
    c.send({ type: 'PING', id: 'after' });
    expect(await c.next('ACK')).toMatchObject({ id: 'after' });
    expect(logs.some((l) => l.includes('BAD_JSON'))).toBe(true);
    expect(logs.some((l) => l.includes('TOO_LARGE'))).toBe(true);
    // beyond 4× the limit, ws closes the socket with 1009; the server lives on
    c.send('x'.repeat(5000));
    expect((await c.closed).code).toBe(1009);
    expect((await httpGet(`${server.url}/api/state`)).status).toBe(200);
    const c2 = await client(server.url);
    await c2.next('WELCOME');
  });

  it('a source event that cannot be serialized is logged and skipped, not thrown into the source', async () => {
    const source = new ScriptedSource();
    source.start();
    const { server, logs } = await serve({}, source);
    const c = await client(server.url);
    await c.next('WELCOME');
    const before = server.lastSeq;
    const circular: Record<string, unknown> = { symbol: 'BTCUSDT' };
    circular.self = circular;
    expect(() => source.emit('event', 'market', circular)).not.toThrow();
    expect(() => source.emit('event', 'market', { symbol: 'BTCUSDT', n: 1n })).not.toThrow();
    expect(server.lastSeq).toBe(before);
    expect(logs.filter((l) => l.includes('cannot serialize'))).toHaveLength(2);
    source.log('info', 'still flowing');
    const e = await c.next('EVENT');
    expect(e).toMatchObject({ channel: 'logs', seq: before + 1 });
  });

  it('HALT reaches the source, cancels its orders and shows in TELEMETRY; RESUME undoes it; failures are ERRORs', async () => {
    const source = new ScriptedSource();
    source.start();
    source.openOrder('BTCUSDT', 'buy', 1, 49_000);
    const { server } = await serve({}, source);
    const c = await client(server.url);
    await c.next('WELCOME');
    c.send({ type: 'HALT', id: 'h1', reason: 'fat finger' });
    expect(await c.next('ACK', (p) => p.id === 'h1')).toBeTruthy();
    expect(source.commands).toEqual([{ op: 'halt', reason: 'fat finger', by: 'operator@127.0.0.1' }]);
    // the cancel was emitted by the source before HALT resolved: it precedes the ACK
    const canceled = c.packets.find((p): p is EventPacket => p.type === 'EVENT' && p.channel === 'orders');
    expect(canceled?.data).toMatchObject({ status: 'canceled' });
    expect((await c.next('TELEMETRY', (p) => p.status === 'HALT')).governance.approved_size).toBe(0);
    expect((await httpGet(`${server.url}/api/state`)).body).toContain('"halted":true');
    c.send({ type: 'RESUME', id: 'r1' });
    await c.next('ACK', (p) => p.id === 'r1');
    await c.next('TELEMETRY', (p) => p.status === 'ACTIVE');
    expect(source.commands.map((x) => x.op)).toEqual(['halt', 'resume']);
    source.failNext = 'journal unavailable';
    c.send({ type: 'HALT', id: 'h2' });
    const e = await c.next('ERROR');
    expect(e).toMatchObject({ id: 'h2', code: 'COMMAND_FAILED' });
    expect(e.message).toContain('journal unavailable');
    expect(source.status).toBe('ACTIVE');
  });
});

describe('SUBSCRIBE', () => {
  it('filters events by channel and symbol on one socket', async () => {
    const source = new ScriptedSource();
    source.start();
    const { server } = await serve({}, source);
    const all = await client(server.url);
    const some = await client(server.url);
    await all.next('WELCOME');
    await some.next('WELCOME');
    some.send({ type: 'SUBSCRIBE', id: 'sub', channels: ['orders', 'logs'], symbol: 'ETHUSDT' });
    await some.next('ACK', (p) => p.id === 'sub');
    source.trade('BTCUSDT', 50_001);
    source.trade('ETHUSDT', 5_001);
    source.fill('BTCUSDT', 'buy', 1);
    source.fill('ETHUSDT', 'sell', 2);
    source.log('info', 'hello');
    const events = (ps: ServerPacket[]): EventPacket[] => ps.filter((p): p is EventPacket => p.type === 'EVENT');
    const a = events(await all.until('end-all'));
    const s = events(await some.until('end-some'));
    expect(new Set(a.map((e) => e.channel))).toEqual(new Set(['market', 'latency', 'signals', 'orders', 'fills', 'portfolio', 'logs']));
    expect(s.length).toBeGreaterThan(0);
    for (const e of s) {
      expect(['orders', 'fills', 'logs']).toContain(e.channel);
      if (e.channel !== 'logs') expect((e.data as { symbol: string }).symbol).toBe('ETHUSDT');
    }
    expect(s.filter((e) => e.channel === 'fills')).toHaveLength(1);
    expect(s.some((e) => e.channel === 'logs' && (e.data as { message: string }).message === 'hello')).toBe(true);
    // TELEMETRY for the subscribed symbol
    source.emit('significant');
    expect((await some.next('TELEMETRY')).market.symbol).toBe('ETHUSDT');
    expect((await all.next('TELEMETRY')).market.symbol).toBe('BTCUSDT');
    // channels only: symbol filter cleared with null
    some.send({ type: 'SUBSCRIBE', id: 'sub2', symbol: null, channels: ['market'] });
    await some.next('ACK', (p) => p.id === 'sub2');
    source.trade('BTCUSDT', 50_002);
    source.log('info', 'not for some');
    const s2 = events(await some.until('end2'));
    expect(s2.map((e) => e.channel)).toEqual(['market']);
  });
});

describe('resume with ?since', () => {
  it('replays what a reconnecting client missed, in order', async () => {
    const source = new ScriptedSource();
    source.start();
    const { server } = await serve({}, source);
    const c = await client(server.url);
    await c.next('WELCOME');
    source.trade('BTCUSDT', 50_100);
    const seen = await c.next('EVENT', (p) => p.channel === 'market');
    await c.close();
    const from = server.lastSeq;
    source.trade('BTCUSDT', 50_200);
    source.trade('ETHUSDT', 5_200);
    source.log('warn', 'while you were away');
    const to = server.lastSeq;
    const r = await client(server.url, { query: `?since=${seen.seq}` });
    const replay = await r.until('done');
    expect(replay.some((p) => p.type === 'WELCOME' || p.type === 'RESYNC')).toBe(false);
    expect(replay.map((p) => p.seq)).toEqual(Array.from({ length: to - seen.seq }, (_, i) => seen.seq + 1 + i));
    const prices = replay.filter((p): p is EventPacket => p.type === 'EVENT' && p.channel === 'market').map((p) => (p.data as { price: number }).price);
    expect(prices).toEqual([50_200, 5_200]);
    expect(from).toBeGreaterThanOrEqual(seen.seq);
    // and live packets follow
    source.trade('BTCUSDT', 50_300);
    expect((await r.next('EVENT', (p) => p.channel === 'market')).seq).toBe(to + 2); // latency event first
  });

  it('replays with the subscription given in the URL', async () => {
    const source = new ScriptedSource();
    source.start();
    const { server } = await serve({}, source);
    const since = server.lastSeq;
    source.trade('BTCUSDT', 1);
    source.log('info', 'x');
    const r = await client(server.url, { query: `?since=${since}&channels=logs` });
    const replay = await r.until('done');
    expect(replay.map((p) => (p as EventPacket).channel)).toEqual(['logs']);
  });

  it('sends RESYNC with the full state when the seq is too old or unknown', async () => {
    const source = new ScriptedSource();
    source.start();
    const { server } = await serve({ replayPackets: 8 }, source);
    for (let i = 0; i < 20; i++) source.log('info', `line ${i}`);
    const old = await client(server.url, { query: '?since=2' });
    const rs = await old.next('RESYNC');
    expect(old.packets[0]?.type).toBe('RESYNC');
    expect(rs).toMatchObject({ reason: 'too-old', seq: server.lastSeq, role: 'operator' });
    expect(rs.state.logs.at(-1)?.message).toBe('line 19');
    const ahead = await client(server.url, { query: `?since=${server.lastSeq + 100}` });
    expect(await ahead.next('RESYNC')).toMatchObject({ reason: 'unknown-seq' });
    // exactly at the edge of the buffer: still a replay
    const edge = await client(server.url, { query: `?since=${server.lastSeq - 8}` });
    const replay = await edge.until('e');
    expect(replay).toHaveLength(8);
  });
});

describe('limits', () => {
  it('start: an option out of range is CONFIG_INVALID naming it; a port in use is CONN_REFUSED', async () => {
    for (const [opts, name] of [
      [{ maxMessageBytes: 10 }, 'maxMessageBytes'],
      [{ maxConnectionsPerIp: 0 }, 'maxConnectionsPerIp'],
      [{ maxBufferedBytes: 100 }, 'maxBufferedBytes'],
      [{ rateHz: Number.NaN }, 'rateHz'],
      [{ port: 70_000 }, 'port'],
    ] as const) {
      const err = await serve(opts).catch((e: unknown) => e);
      expect([name, (err as TickwireError).code]).toEqual([name, 'CONFIG_INVALID']);
      expect((err as Error).message).toContain(name);
    }
    const { server } = await serve();
    const busy = await serve({ port: Number(new URL(server.url).port) }).catch((e: unknown) => e);
    expect((busy as TickwireError).code).toBe('CONN_REFUSED');
    expect((busy as Error).message).toContain('EADDRINUSE');
  });

  it('drops a slow consumer instead of buffering without bound; others keep receiving', async () => {
    const source = new ScriptedSource();
    source.start();
    const { server, logs } = await serve({ maxBufferedBytes: 64 * 1024 }, source);
    const dropped = new Promise<string>((r) => server.once('slowConsumer', (_k, ip) => r(ip)));
    // a raw client that completes the handshake, then never reads
    const raw: Socket = netConnect(Number(new URL(server.url).port), '127.0.0.1');
    open.push({ close: async () => raw.destroy() });
    await new Promise<void>((r) => raw.once('connect', () => r()));
    raw.write('GET /ws/stream HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n');
    await new Promise<void>((r) => raw.once('data', () => r()));
    raw.pause();
    const good = await client(server.url);
    await good.next('WELCOME');
    const big = 'y'.repeat(32 * 1024);
    let done = false;
    void dropped.then(() => (done = true));
    for (let i = 0; i < 5000 && !done; i++) {
      source.log('info', big);
      await new Promise((r) => setImmediate(r));
      // the good client reads as fast as it can
    }
    expect(await dropped).toBe('127.0.0.1');
    // reading now, the raw client gets what was queued and then the close frame: 1013 "slow consumer"
    const chunks: Buffer[] = [];
    raw.on('data', (d: Buffer) => chunks.push(d));
    const rawClosed = new Promise<void>((r) => raw.once('close', () => r()));
    raw.resume();
    await rawClosed;
    const tail = Buffer.concat(chunks).subarray(-17);
    expect([...tail]).toEqual([0x88, 15, 1013 >> 8, 1013 & 0xff, ...Buffer.from('slow consumer')]);
    expect(logs.some((l) => l.includes('slow consumer'))).toBe(true);
    source.log('info', 'after the drop');
    await good.next('EVENT', (p) => p.channel === 'logs' && (p.data as { message: string }).message === 'after the drop');
    const metrics = await httpGet(`${server.url}/metrics`);
    expect(metrics.body).toMatch(/tickwire_telemetry_slow_consumer_drops_total\{kind="ws"\} 1/);
  });

  it('destroys a slow SSE consumer instead of buffering without bound; the slot frees', async () => {
    const source = new ScriptedSource();
    source.start();
    const { server, logs } = await serve({ maxBufferedBytes: 64 * 1024, maxConnectionsPerIp: 1 }, source);
    const dropped = new Promise<[string, string]>((r) => server.once('slowConsumer', (kind, ip) => r([kind, ip])));
    const res = await new Promise<import('node:http').IncomingMessage>((resolve, reject) => {
      const req = request(`${server.url}/api/positions/stream`, resolve);
      req.on('error', reject);
      req.end();
      open.push({ close: async () => req.destroy() });
    });
    expect(res.statusCode).toBe(200);
    res.pause(); // never reads
    const ended = new Promise<void>((r) => res.socket.once('close', () => r()));
    const positions = Array.from({ length: 400 }, (_, i) => ({ venue: 'binance', symbol: `SYM${i}`, qty: i, avgPrice: 1, lastPrice: 1, unrealizedPnl: 0 }));
    let done = false;
    void dropped.then(() => (done = true));
    for (let i = 0; i < 5000 && !done; i++) {
      source.emit('event', 'portfolio', { nav: 1, cash: 1, daily_pnl: 0, max_drawdown: 0, positions, ts: Date.now() });
      await new Promise((r) => setImmediate(r));
    }
    expect(await dropped).toEqual(['sse', '127.0.0.1']);
    res.resume(); // read what was sent: then the server's close shows
    await ended;
    expect(logs.some((l) => l.includes('slow SSE consumer'))).toBe(true);
    for (let i = 0; i < 200 && server.connections.sse !== 0; i++) await new Promise((r) => setTimeout(r, 10));
    expect(server.connections.sse).toBe(0);
    expect((await httpGet(`${server.url}/metrics`)).body).toMatch(/tickwire_telemetry_slow_consumer_drops_total\{kind="sse"\} 1/);
    const c = await client(server.url);
    await c.next('WELCOME');
  });
});

describe('HTTP endpoints', () => {
  it('SSE sends positions on connect and on changes, and heartbeat comments', async () => {
    const source = new ScriptedSource();
    source.start();
    source.fill('BTCUSDT', 'buy', 1);
    const { server } = await serve({ sseHeartbeatMs: 50 }, source);
    let buf = '';
    const res = await new Promise<import('node:http').IncomingMessage>((resolve, reject) => {
      const req = request(`${server.url}/api/positions/stream`, resolve);
      req.on('error', reject);
      req.end();
      open.push({ close: async () => req.destroy() });
    });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('text/event-stream');
    res.setEncoding('utf8');
    const waitFor = (pred: () => boolean): Promise<void> =>
      new Promise((resolve) => {
        const check = (): void => {
          if (pred()) {
            res.off('data', onData);
            resolve();
          }
        };
        const onData = (d: string): void => {
          buf += d;
          check();
        };
        res.on('data', onData);
        check();
      });
    await waitFor(() => /event: positions\ndata: .*\n\n/.test(buf));
    const first = JSON.parse(/event: positions\ndata: (.*)\n/.exec(buf)![1]!) as { positions: Array<{ symbol: string; qty: number }> };
    expect(first.positions).toEqual([expect.objectContaining({ symbol: 'BTCUSDT', qty: 1 })]);
    const hbBefore = (buf.match(/^: hb \d+$/gm) ?? []).length;
    await waitFor(() => (buf.match(/^: hb \d+$/gm) ?? []).length > hbBefore);
    source.fill('ETHUSDT', 'sell', 2);
    await waitFor(() => buf.includes('"symbol":"ETHUSDT"'));
    const all = [...buf.matchAll(/event: positions\ndata: (.*)\n/g)].map((m) => JSON.parse(m[1]!) as { positions: Array<{ symbol: string; qty: number }> });
    expect(all.at(-1)!.positions).toEqual(expect.arrayContaining([expect.objectContaining({ symbol: 'ETHUSDT', qty: -2 })]));
  });

  it('GET /api/state is the full state with recent fills', async () => {
    const source = new ScriptedSource();
    source.start();
    source.fill('BTCUSDT', 'buy', 1);
    source.fill('BTCUSDT', 'sell', 1);
    const { server } = await serve({}, source);
    const r = await httpGet(`${server.url}/api/state`);
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toContain('application/json');
    const st = JSON.parse(r.body) as ReturnType<ScriptedSource['state']>;
    expect(st).toEqual(JSON.parse(JSON.stringify(source.state())));
    expect(st.fills.map((f) => f.side)).toEqual(['buy', 'sell']);
  });

  it('GET /metrics is Prometheus text with the server counters and the source components', async () => {
    const source = new ScriptedSource();
    source.start();
    source.trade('BTCUSDT', 50_000);
    source.fill('BTCUSDT', 'buy', 1);
    const { server } = await serve({}, source);
    const c = await client(server.url);
    await c.next('WELCOME');
    c.send({ type: 'BOGUS', id: 'b' });
    await c.next('ERROR');
    const r = await httpGet(`${server.url}/metrics`);
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toContain('text/plain');
    expect(r.headers['content-type']).toContain('version=0.0.4');
    const lines = r.body.trim().split('\n');
    for (const l of lines) {
      if (l === '') continue;
      if (l.startsWith('#')) expect(l).toMatch(/^# (HELP|TYPE) [a-zA-Z_:][a-zA-Z0-9_:]* .+$/);
      else expect(l).toMatch(/^[a-zA-Z_:][a-zA-Z0-9_:]*(\{([a-zA-Z_][a-zA-Z0-9_]*="[^"]*",?)*\})? (-?[0-9.]+(e[+-]?[0-9]+)?|NaN|[+-]Inf)$/);
    }
    expect(r.body).toContain('# TYPE tickwire_telemetry_connections_total counter');
    expect(r.body).toMatch(/tickwire_telemetry_connections_total\{kind="ws"\} 1/);
    expect(r.body).toMatch(/tickwire_telemetry_clients\{kind="ws"\} 1\n/);
    expect(r.body).toMatch(/tickwire_telemetry_clients\{kind="sse"\} 0\n/);
    expect(r.body).toMatch(/tickwire_telemetry_client_errors_total\{code="UNKNOWN_TYPE"\} 1/);
    expect(r.body).toMatch(/tickwire_component_latency_ms\{component="orders:binance",quantile="0.99"\} 0.4/);
    expect(r.body).toMatch(/tickwire_component_invocations\{component="feed:binance"\} 1/);
    expect(r.body).toMatch(/tickwire_halted 0/);
  });

  it('serves the dashboard files with their content types, no traversal, 404 elsewhere', async () => {
    const { server } = await serve();
    const index = await httpGet(`${server.url}/`);
    expect(index.status).toBe(200);
    expect(index.headers['content-type']).toBe('text/html; charset=utf-8');
    const css = await httpGet(`${server.url}/style.css`);
    expect(css.status).toBe(200);
    expect(css.headers['content-type']).toBe('text/css; charset=utf-8');
    for (const p of ['/../package.json', '/%2e%2e/package.json', '/..%2fpackage.json', '/%2e%2e%2f%2e%2e%2fpackage.json', '/nope.html', '/api/nothing', '/.hidden.js', '/index.html%00.js']) {
      expect([p, (await httpGet(`${server.url}${p}`)).status]).toEqual([p, 404]);
    }
    expect((await httpGet(`${server.url}/ws/stream`)).status).toBe(426);
    for (const method of ['POST', 'PUT', 'DELETE']) {
      const r = await httpRequest(`${server.url}/api/state`, method);
      expect([method, r.status, r.allow]).toEqual([method, 405, 'GET, HEAD']);
    }
    expect((await httpRequest(`${server.url}/api/state`, 'HEAD')).status).toBe(200);
    const off = await serve({ dashboard: false });
    expect((await httpGet(`${off.server.url}/`)).status).toBe(404);
  });

  it('resolveStatic stays inside its root', () => {
    const root = mkdtempSync(join(tmpdir(), 'tw-static-'));
    mkdirSync(join(root, 'sub'));
    writeFileSync(join(root, 'app.js'), '');
    expect(resolveStatic(root, '/')).toBe(join(root, 'index.html'));
    expect(resolveStatic(root, '/app.js')).toBe(join(root, 'app.js'));
    expect(resolveStatic(root, '/sub/x.css')).toBe(join(root, 'sub', 'x.css'));
    expect(resolveStatic(root, '/../etc/passwd.txt')).toBeNull();
    expect(resolveStatic(root, '/%2e%2e/x.js')).toBeNull();
    expect(resolveStatic(root, '/sub/..%5c..%5cx.js')).toBeNull();
    expect(resolveStatic(root, '/%E0%A4%A')).toBeNull();
    expect(resolveStatic(root, '/app.exe')).toBeNull();
  });
});
