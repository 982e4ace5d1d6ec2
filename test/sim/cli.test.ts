/**
 * `tickwire sim` as a user runs it: a child process that prints its URL and pin, serves pinned
 * wss:// until SIGINT, and injects the faults its flags schedule.
 */
import type { ChildProcessWithoutNullStreams } from 'node:child_process';

import { afterEach, describe, expect, it } from 'vitest';

import { connect } from '../../src/index.js';
import { runSimCli, until } from './helpers.js';

const children: ChildProcessWithoutNullStreams[] = [];

const run = (args: string[]) => runSimCli(args, children);

afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null) c.kill('SIGKILL');
});

describe('tickwire sim', () => {
  it('prints URL and pin, serves pinned wss:// with market data, stops cleanly on SIGINT', async () => {
    const p = run(['--venue', 'binance', '--port', '0', '--seed', '3', '--tick-ms', '5']);
    await until(() => p.out().includes('Ctrl-C stops it'));
    const url = /on (wss:\/\/\S+)/.exec(p.out())?.[1] as string;
    const pin = /pin +(sha256\/\S+)/.exec(p.out())?.[1] as string;
    expect(p.out()).toContain('/ws-api/v3');
    expect(p.out()).toContain('simkey');
    const ws = await connect(`${url}/ws/btcusdt@trade`, { tls: { pins: [pin], pinOnly: true }, reconnect: false });
    const first = await new Promise<string>((resolve) => ws.once('message', (d) => resolve(Buffer.from(d).toString())));
    expect(JSON.parse(first)).toMatchObject({ e: 'trade', s: 'BTCUSDT' });
    p.child.kill('SIGINT');
    expect(await p.exit).toBe(0);
  });

  it('--fault drop:<s> cuts clients on schedule (they reconnect)', async () => {
    const p = run(['--venue', 'binance', '--port', '0', '--quiet', '--verbose', '--fault', 'drop:0.05']);
    await until(() => /pin +sha256\/\S+/.test(p.out()));
    const url = /on (wss:\/\/\S+)/.exec(p.out())?.[1] as string;
    const pin = /pin +(sha256\/\S+)/.exec(p.out())?.[1] as string;
    const ws = await connect(`${url}/ws/btcusdt@trade`, {
      tls: { pins: [pin], pinOnly: true },
      reconnect: { initialDelayMs: 5, maxDelayMs: 20, maxAttempts: 0, jitter: false },
    });
    let reconnects = 0;
    ws.on('reconnected', () => reconnects++);
    await until(() => reconnects >= 2);
    ws.close();
    expect(p.out()).toMatch(/#\d+ connected \/ws\/btcusdt@trade/);
    expect(p.out()).toMatch(/fault: drop 1 client/);
    p.child.kill('SIGTERM');
    expect(await p.exit).toBe(0);
  });

  it('a port in use exits 1 with the reason', async () => {
    const a = run(['--venue', 'binance', '--port', '0', '--quiet']);
    await until(() => /pin +sha256\/\S+/.test(a.out()));
    const port = /:(\d+)\n/.exec(a.out())?.[1] as string;
    const b = run(['--venue', 'binance', '--port', port]);
    expect(await b.exit).toBe(1);
    expect(b.err()).toContain('EADDRINUSE');
    a.child.kill('SIGINT');
    expect(await a.exit).toBe(0);
  });

  it('bad arguments exit 2 with a message', async () => {
    for (const args of [['--venue', 'nowhere'], [], ['--venue', 'binance', '--fault', 'meltdown:1'], ['--venue', 'binance', '--port', 'x'], ['--bogus']]) {
      const p = run(args);
      expect(await p.exit).toBe(2);
      expect(p.err()).toMatch(/tickwire sim: /);
    }
  });
});
