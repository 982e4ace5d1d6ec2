/**
 * `tickwire demo` (= `npm start`): a simulated Binance (seeded, whale trades on) behind pinned
 * TLS, the engine with the whale strategy, risk governor and journal, and the telemetry server
 * with the dashboard. Prints the dashboard URL and a progress line every few seconds; Ctrl-C
 * (SIGINT) or SIGTERM stops everything and exits 0.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

import { runUntilSignal } from '../engine/cli-common.js';
import type { EngineConfigInput } from '../engine/config.js';
import { Engine } from '../engine/engine.js';
import { TickwireError } from '../native/errors.js';

export const demoUsage = `usage: tickwire demo [options]        (npm start)

Runs the whole loop offline: a simulated Binance on loopback (pinned TLS, whale trades), the
whale strategy, the risk governor, the order journal and the dashboard.

  --port <n>            dashboard / telemetry port, default 8000 (0: any free port)
  --host <addr>         default 127.0.0.1 (anything else needs tokens: use tickwire run)
  --seed <n>            simulator seed, default 1
  --mode <follow|fade>  whale strategy mode, default follow
  --journal <file>      order journal, default a new file under the system temp directory
  --interval <s>        seconds between progress lines, default 3 (0: none)
  --verbose             engine log lines (info) on stderr
`;

/** The demo's config: what examples/demo.yaml spells out. */
export function demoConfig(o: { port: number; host: string; seed: number; mode: 'follow' | 'fade'; journal: string; verbose: boolean }): EngineConfigInput {
  return {
    venues: { binance: { symbols: ['BTCUSDT', 'ETHUSDT'], channels: ['trades', 'book'] } },
    strategies: [{ type: 'whale', name: 'whale', mode: o.mode, k: 8, windowMs: 60_000, minTrades: 20, orderNotional: 2_500, orderType: 'market', cooldownMs: 500 }],
    portfolio: { startingCash: 100_000 },
    risk: {
      maxPosition: { BTCUSDT: 2, ETHUSDT: 30 },
      maxNotional: 60_000,
      approvedSize: 0.05,
      dailyLossLimit: 5_000,
      maxOrdersPerSecond: 5,
      staleness: { pricesMs: 5_000, booksMs: 2_000, positionsMs: 30_000 },
    },
    journal: { path: o.journal, fsync: 'batch' },
    telemetry: { host: o.host, port: o.port, rateHz: 4 },
    sim: { enabled: true, seed: o.seed, tickIntervalMs: 25, whaleProbability: 0.05, tlsMode: 'pin' },
    logLevel: o.verbose ? 'info' : 'warn',
  };
}

export async function demo(argv: string[]): Promise<number> {
  let args;
  try {
    args = parseArgs({
      args: argv,
      options: {
        port: { type: 'string' },
        host: { type: 'string' },
        seed: { type: 'string' },
        mode: { type: 'string' },
        journal: { type: 'string' },
        interval: { type: 'string' },
        verbose: { type: 'boolean', short: 'v' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    }).values;
  } catch (e) {
    process.stderr.write(`tickwire demo: ${(e as Error).message}\n\n${demoUsage}`);
    return 2;
  }
  if (args.help) {
    process.stdout.write(demoUsage);
    return 0;
  }
  const mode = args.mode ?? 'follow';
  const interval = Number(args.interval ?? '3');
  if (mode !== 'follow' && mode !== 'fade') {
    process.stderr.write(`tickwire demo: --mode must be follow or fade, got '${mode}'\n`);
    return 2;
  }
  if (!(interval >= 0)) {
    process.stderr.write(`tickwire demo: --interval must be a number of seconds >= 0, got '${args.interval ?? ''}'\n`);
    return 2;
  }
  const journal = args.journal ?? join(mkdtempSync(join(tmpdir(), 'tickwire-demo-')), 'journal.log');
  const out = (line: string): void => void process.stdout.write(`${line}\n`);
  let engine: Engine;
  try {
    engine = await Engine.start(
      demoConfig({
        port: Number(args.port ?? '8000'),
        host: args.host ?? '127.0.0.1',
        seed: Number(args.seed ?? '1'),
        mode,
        journal,
        verbose: args.verbose ?? false,
      }),
    );
  } catch (e) {
    const err = e as Error;
    const hint = (e as { code?: unknown }).code === 'EADDRINUSE' || /EADDRINUSE/.test(err.message) ? ' (the port is taken: try --port 0 for any free port)' : '';
    process.stderr.write(`tickwire demo: ${err instanceof TickwireError ? `${err.code}: ` : ''}${err.message}${hint}\n`);
    return err instanceof TickwireError && err.code === 'CONFIG_INVALID' ? 2 : 1;
  }
  const sim = engine.simulators.get('binance');
  out(`tickwire demo: simulated Binance on ${sim?.url ?? '?'} (pinned TLS ${sim?.pin ?? ''}), whale strategy (${mode})`);
  out(`tickwire demo: journal ${journal}`);
  out(`tickwire demo: dashboard ${engine.telemetryServer?.url ?? '(telemetry off)'}/`);
  out('tickwire demo: Ctrl-C stops it');
  return runUntilSignal(engine, 'tickwire demo', interval * 1000, out);
}
