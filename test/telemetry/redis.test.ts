/**
 * Redis fan-out against a real redis-server started here on a free port: one engine-side
 * publisher (the scripted source), two telemetry servers in two child processes, both serving the
 * same stream; a HALT on one reaches the source and shows on the other.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { EventPacket } from '../../src/telemetry/protocol.js';
import { publishTelemetry, RedisTelemetrySource, type RedisPublisher } from '../../src/telemetry/redis.js';
import { TestClient } from './client.js';
import { freePort, redisBin, startRedis } from './redis-server.js';
import { ScriptedSource } from './scripted-source.js';

if (redisBin === '') console.warn('test/telemetry/redis.test.ts SKIPPED: the redis-server binary is not installed (apt-get install redis-server)');

const root = fileURLToPath(new URL('../../', import.meta.url));

function startChild(redisUrl: string, channel: string): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/telemetry/redis-child.ts', redisUrl, channel], { cwd: root, stdio: ['pipe', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const line = out.split('\n')[0];
      if (out.includes('\n') && line !== undefined) resolve({ child, url: (JSON.parse(line) as { url: string }).url });
    });
    child.once('exit', (code) => reject(new Error(`telemetry child exited (${String(code)}) before listening`)));
  });
}

describe.skipIf(redisBin === '')('Redis fan-out (real redis-server, two telemetry servers in child processes)', () => {
  let redis: Awaited<ReturnType<typeof startRedis>> | undefined;
  let redisUrl = '';
  const channel = `tw-test-${process.pid}`;
  const children: ChildProcess[] = [];
  const clients: TestClient[] = [];
  let source: ScriptedSource;
  let publisher: RedisPublisher | null = null;
  let urls: string[] = [];

  beforeAll(async () => {
    redis = await startRedis();
    redisUrl = redis.url;
    source = new ScriptedSource();
    source.start();
    source.fill('BTCUSDT', 'buy', 1);
    publisher = await publishTelemetry(source, { url: redisUrl, channel, rateHz: 20, log: () => {} });
    const started = await Promise.all([startChild(redisUrl, channel), startChild(redisUrl, channel)]);
    for (const s of started) children.push(s.child);
    urls = started.map((s) => s.url);
  });

  afterAll(async () => {
    for (const c of clients) await c.close();
    await publisher?.close();
    await Promise.all(
      children.map(
        (c) =>
          new Promise<void>((r) => {
            if (c.exitCode !== null) return r();
            c.once('exit', () => r());
            c.stdin?.end();
            setTimeout(() => c.kill('SIGKILL'), 5000).unref();
          }),
      ),
    );
    redis?.stop();
  });

  it('both servers serve the state, the TELEMETRY and the events of one publisher', async () => {
    expect(urls).toHaveLength(2);
    expect(new Set(urls).size).toBe(2);
    for (const url of urls) {
      const c = await TestClient.open(url);
      clients.push(c);
      const w = await c.next('WELCOME');
      expect(w.state.config.symbols).toEqual(['BTCUSDT', 'ETHUSDT']);
      expect(w.state.fills).toHaveLength(1);
      expect(w.state.status).toBe('ACTIVE');
    }
    for (const c of clients) {
      const t = await c.next('TELEMETRY', (p) => p.status === 'ACTIVE');
      expect(t.market.symbol).toBe('BTCUSDT');
      expect(t.portfolio.nav).toBeCloseTo(source.nav, 6);
    }
    source.trade('ETHUSDT', 5123.25, 40, true);
    source.fill('ETHUSDT', 'sell', 2);
    for (const c of clients) {
      const trade = await c.next('EVENT', (p) => p.channel === 'market');
      expect(trade.data).toMatchObject({ symbol: 'ETHUSDT', price: 5123.25, whale: true });
      const fill = await c.next('EVENT', (p) => p.channel === 'fills');
      expect(fill.data).toMatchObject({ symbol: 'ETHUSDT', side: 'sell', qty: 2 });
    }
  });

  it('a HALT on one server reaches the source, and the other server shows it', async () => {
    const [a, b] = clients;
    a!.send({ type: 'HALT', id: 'redis-halt', reason: 'via redis' });
    expect(await a!.next('ACK', (p) => p.id === 'redis-halt')).toBeTruthy();
    expect(source.commands).toEqual([{ op: 'halt', reason: 'via redis', by: expect.stringMatching(/^operator@/) }]);
    expect(source.status).toBe('HALT');
    await b!.next('TELEMETRY', (p) => p.status === 'HALT');
    // the source's HALT log line was published before the significant event that made that TELEMETRY
    const log = b!.packets.find((p) => p.type === 'EVENT' && p.channel === 'logs' && (p as EventPacket<'logs'>).data.message === 'HALT: via redis');
    expect(log).toBeTruthy();
    b!.send({ type: 'RESUME', id: 'redis-resume' });
    await b!.next('ACK', (p) => p.id === 'redis-resume');
    expect(source.status).toBe('ACTIVE');
    await a!.next('TELEMETRY', (p) => p.status === 'ACTIVE');
  });

  it('a failing engine command comes back as ERROR; with no engine listening HALT fails fast', async () => {
    const [a] = clients;
    source.failNext = 'risk store offline';
    a!.send({ type: 'HALT', id: 'fail-1' });
    const e = await a!.next('ERROR', (p) => p.id === 'fail-1');
    expect(e.code).toBe('COMMAND_FAILED');
    expect(e.message).toContain('risk store offline');
    await publisher!.close();
    publisher = null;
    a!.send({ type: 'HALT', id: 'fail-2' });
    const e2 = await a!.next('ERROR', (p) => p.id === 'fail-2');
    expect(e2.message).toContain('no engine is listening');
    expect(source.status).toBe('ACTIVE');
  });

  it('RedisTelemetrySource starts from the state key and times out commands without a reply', async () => {
    // a fake engine that listens on the command channel but never answers
    const listener = new Redis(redisUrl);
    await listener.subscribe(`${channel}-mute:cmd`);
    const writer = new Redis(redisUrl);
    await writer.set(`${channel}-mute:state`, JSON.stringify({ ...source.state(), status: 'HALT', halted: true }));
    const src = await RedisTelemetrySource.connect({ url: redisUrl, channel: `${channel}-mute`, commandTimeoutMs: 200, log: () => {} });
    expect(src.state().halted).toBe(true);
    expect(src.telemetry().status).toBe('INITIALIZING');
    const err = await src.resume('test').catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'CONN_TIMEOUT' });
    await src.close();
    listener.disconnect();
    writer.disconnect();
  });
});

it('no Redis at the URL: publishTelemetry and RedisTelemetrySource.connect fail with CONN_REFUSED, the password masked', async () => {
  const port = await freePort(); // nothing listens there
  const url = `redis://:hunter2-secret@127.0.0.1:${port}`;
  const logs: string[] = [];
  const log = (l: string, m: string): void => void logs.push(`${l}: ${m}`);
  const source = new ScriptedSource();
  for (const attempt of [() => publishTelemetry(source, { url, log }), () => RedisTelemetrySource.connect({ url, log })]) {
    const err = await attempt().then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toMatchObject({ code: 'CONN_REFUSED' });
    expect((err as Error).message).toContain(`redis://***@127.0.0.1:${port}`);
    expect((err as Error).message).not.toContain('hunter2-secret');
  }
  expect(source.listenerCount('event')).toBe(0);
  for (const l of logs) expect(l).not.toContain('hunter2-secret');
});
