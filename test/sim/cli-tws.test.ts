/**
 * `tickwire sim --tws` as a user runs it: a child process serving the fake TWS; the tickwire TWS
 * client connects, gets accounts, ticks and a fill; SIGINT stops it; bad flags exit 2.
 */
import type { ChildProcessWithoutNullStreams } from 'node:child_process';

import { afterEach, describe, expect, it } from 'vitest';

import { tws } from '../../src/index.js';
import { runSimCli, until } from './helpers.js';

const children: ChildProcessWithoutNullStreams[] = [];

const run = (args: string[]) => runSimCli(args, children);

afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null) c.kill('SIGKILL');
});

describe('tickwire sim --tws', () => {
  it('serves a fake TWS the client trades against, and stops on SIGINT', async () => {
    const p = run(['--tws', '--port', '0', '--accounts', 'DU111,DU222', '--tick-ms', '20']);
    await until(() => p.out().includes('Ctrl-C stops it'));
    const port = Number(/fake TWS on 127\.0\.0\.1:(\d+)/.exec(p.out())?.[1]);
    const ib = await tws.connect({ host: '127.0.0.1', port });
    expect(ib.accounts).toEqual(['DU111', 'DU222']);
    const tick = await new Promise<unknown>((resolve) => {
      const sub = ib.marketData(tws.stock('AAPL'), (t) => {
        sub.cancel();
        resolve(t);
      });
    });
    expect(tick).toBeTruthy();
    const placed = ib.placeOrder(tws.stock('AAPL'), tws.marketOrder('BUY', 5));
    const fill = await placed.filled;
    expect(fill.filled).toBe(5);
    await ib.disconnect();
    p.child.kill('SIGINT');
    expect(await p.exit).toBe(0);
  });

  it('rejects bad flags with usage and exit code 2', async () => {
    const p = run(['--tws', '--server-version', '100']);
    expect(await p.exit).toBe(2);
    expect(p.err()).toContain('--server-version must be an integer 157..193');
  });
});
