/**
 * Resource hygiene: 1,000 connect/close cycles per transport leave no file descriptors behind and
 * do not grow memory: native connections and buffer slabs all freed (exact counters), and RSS
 * flat against a warm-up.
 */
import { readdirSync } from 'node:fs';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { connect } from '../../src/index.js';
import { binding } from '../../src/native/binding.js';
import { startEchoServer } from '../../src/cli/loopback-echo.js';

/** Full GC, then a tick for N-API finalizers (they unmap connection buffers the JS side held). */
async function collect(): Promise<void> {
  if (!global.gc) throw new Error('run with --expose-gc (vitest.config.ts sets it)');
  for (let i = 0; i < 3; i++) {
    global.gc();
    await new Promise((r) => setTimeout(r, 10));
  }
}

const fds = () => readdirSync('/proc/self/fd').length;
/** [native connections, connection buffer slabs] still allocated. */
const live = () => (binding as unknown as { liveObjects(): [number, number] }).liveObjects();

describe('connection lifecycle', () => {
  let server: { url: string; close(): Promise<void> };
  beforeAll(async () => {
    server = await startEchoServer();
  });
  afterAll(() => server.close());

  for (const transport of ['io_uring', 'io_uring_sqpoll', 'epoll'] as const) {
    it(`${transport}: 1,000 connect/close cycles leak no fds and no memory`, async () => {
      const cycle = async () => {
        const ws = await connect(server.url, { transport, reconnect: false });
        const echoed = new Promise<void>((r) => ws.once('message', () => r()));
        ws.send('x');
        await echoed;
        const closed = new Promise<void>((r) => ws.once('close', () => r()));
        ws.close();
        await closed;
      };
      for (let i = 0; i < 100; i++) await cycle(); // warm-up: pools, JIT, engine setup
      await new Promise((r) => setTimeout(r, 50));
      await collect();
      const fd0 = fds();
      // RSS in steady state: after a first 500 cycles (V8 and malloc settle their arenas, which
      // on a loaded machine can take several MB), the next 500 must not grow it. A leak of a
      // connection's buffers alone would be >= 64 KiB a cycle, 32 MB per 500.
      for (let i = 0; i < 500; i++) await cycle();
      await new Promise((r) => setTimeout(r, 100));
      await collect();
      const rss0 = process.memoryUsage.rss();
      for (let i = 0; i < 500; i++) await cycle();
      await new Promise((r) => setTimeout(r, 100)); // let the last sockets finish closing
      await collect();
      expect(fds() - fd0).toBeLessThanOrEqual(2);
      expect(live()).toEqual([0, 0]); // every connection and every buffer slab was freed
      expect(process.memoryUsage.rss() - rss0).toBeLessThan(8 * 1024 * 1024);
    }, 120_000);
  }
});
