/**
 * `tickwire sim` as a user runs it: a child process that prints its URL and pin, serves pinned
 * wss:// until SIGINT, and injects the faults its flags schedule.
 */
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterEach, describe, expect, it } from 'vitest';

import { connect } from '../../src/index.js';
import { binanceSigned, runSimCli, until } from './helpers.js';

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

  it('--cert-out writes the certificate a client validates as a CA; --api-key / --secret set the credential', async () => {
    const certFile = join(mkdtempSync(join(tmpdir(), 'tickwire-sim-')), 'sim.pem');
    const p = run(['--venue', 'binance', '--port', '0', '--tick-ms', '5', '--cert-out', certFile, '--api-key', 'k1', '--secret', 's1']);
    await until(() => p.out().includes('Ctrl-C stops it'));
    const url = /on (wss:\/\/\S+)/.exec(p.out())?.[1] as string;
    const pin = /pin +(sha256\/\S+)/.exec(p.out())?.[1] as string;
    expect(p.out()).toContain('api key  k1, secret s1');
    expect(p.out()).toContain(`in ${certFile}`);
    const cert = readFileSync(certFile, 'utf8');
    expect(cert).toMatch(/^-----BEGIN CERTIFICATE-----/);
    const ws = await connect(`${url}/ws/btcusdt@trade`, { tls: { ca: cert, pins: [pin], servername: 'localhost' }, reconnect: false });
    const first = await new Promise<string>((resolve) => ws.once('message', (d) => resolve(Buffer.from(d).toString())));
    expect(JSON.parse(first)).toMatchObject({ e: 'trade', s: 'BTCUSDT' });
    ws.close();
    // The configured credential is the accepted one; the default is not.
    const api = await connect(`${url}/ws-api/v3`, { tls: { ca: cert, pins: [pin], servername: 'localhost' }, reconnect: false });
    const answers: Array<Record<string, unknown>> = [];
    api.on('message', (d) => answers.push(JSON.parse(Buffer.from(d).toString()) as Record<string, unknown>));
    const subscribe = (id: string, apiKey: string, secret: string): void => {
      api.send(JSON.stringify({ id, method: 'userDataStream.subscribe.signature', params: binanceSigned({ apiKey, timestamp: Date.now() }, secret) }));
    };
    subscribe('mine', 'k1', 's1');
    subscribe('default', 'simkey', 'simsecret');
    await until(() => answers.length >= 2);
    expect(answers.find((a) => a.id === 'mine')).toMatchObject({ status: 200 });
    expect(answers.find((a) => a.id === 'default')).toMatchObject({ status: 401, error: { code: -2015 } });
    api.close();
    p.child.kill('SIGINT');
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
