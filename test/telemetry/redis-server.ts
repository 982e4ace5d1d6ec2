/**
 * A throwaway redis-server for the Redis tests (test/telemetry/redis.test.ts,
 * test/engine/redis.test.ts): a free loopback port, no persistence. `redisBin` is '' when the
 * binary is not installed (the tests skip).
 */
import { spawn, spawnSync } from 'node:child_process';
import { createServer } from 'node:net';

import { Redis } from 'ioredis';

export const redisBin = spawnSync('sh', ['-c', 'command -v redis-server'], { encoding: 'utf8' }).stdout.trim();

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

async function waitRedis(url: string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    const r = new Redis(url, { lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0 });
    r.on('error', () => {});
    try {
      await r.connect();
      await r.ping();
      r.disconnect();
      return;
    } catch {
      r.disconnect();
      await new Promise((res) => setTimeout(res, 50));
    }
  }
  throw new Error('redis-server did not come up');
}

/** Starts redis-server and resolves once it answers PING; `stop()` sends SIGTERM. */
export async function startRedis(): Promise<{ url: string; stop(): void }> {
  const port = await freePort();
  const child = spawn(redisBin, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
  const url = `redis://127.0.0.1:${port}`;
  try {
    await waitRedis(url);
  } catch (err) {
    child.kill('SIGTERM');
    throw err;
  }
  return { url, stop: () => void child.kill('SIGTERM') };
}
