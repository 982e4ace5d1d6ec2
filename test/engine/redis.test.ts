/**
 * `telemetry.redis` in the engine config: the engine publishes to a real redis-server, a second
 * telemetry server (another TelemetryServer fed by RedisTelemetrySource) serves the engine's
 * state, and a HALT sent to that server reaches the engine. Skipped without redis-server.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { Engine } from '../../src/engine/engine.js';
import { RedisTelemetrySource } from '../../src/telemetry/redis.js';
import { TelemetryServer } from '../../src/telemetry/server.js';
import { redisBin, startRedis } from '../telemetry/redis-server.js';

if (redisBin === '') console.warn('test/engine/redis.test.ts SKIPPED: redis-server is not installed');

async function until<T>(fn: () => Promise<T | undefined>): Promise<T> {
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe.skipIf(redisBin === '')('engine telemetry over Redis', () => {
  let redis: Awaited<ReturnType<typeof startRedis>> | undefined;
  let url = '';
  beforeAll(async () => {
    redis = await startRedis();
    url = redis.url;
  });
  afterAll(() => {
    redis?.stop();
  });

  it('a remote telemetry server serves the engine state and forwards HALT to it', async () => {
    const channel = `tw-engine-test-${process.pid}`;
    const engine = await Engine.start({
      venues: { binance: { symbols: ['BTCUSDT'] } },
      strategies: [{ type: 'whale', mode: 'follow', k: 5, windowMs: 60_000, minTrades: 5, orderNotional: 1_000 }],
      risk: { maxPosition: 5, maxNotional: 500_000, approvedSize: 0.1, dailyLossLimit: 10_000, maxOrdersPerSecond: 10 },
      journal: { path: join(mkdtempSync(join(tmpdir(), 'tickwire-redis-')), 'j.log') },
      telemetry: { port: 0, redis: { url, channel } },
      sim: { seed: 5, tickIntervalMs: 10, whaleProbability: 0.2 },
      logLevel: 'silent',
    });
    const source = await RedisTelemetrySource.connect({ url, channel, log: () => {} });
    const remote = await TelemetryServer.start({ port: 0, log: () => {} }, source);
    try {
      const state = await until(async () => {
        const s = (await (await fetch(`${remote.url}/api/state`)).json()) as { config: { venues: string[] }; fills: unknown[] };
        return s.config.venues.length > 0 && s.fills.length > 0 ? s : undefined;
      });
      expect(state.config.venues).toEqual(['binance']);
      await source.halt('halt via redis', 'test');
      expect(engine.risk.halted).toBe(true);
      expect(engine.risk.haltReason).toBe('halt via redis');
    } finally {
      await remote.close();
      await source.close();
      await engine.stop();
    }
  });
});
