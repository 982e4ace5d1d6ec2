/**
 * `tickwire sim --tws`: a fake TWS / IB Gateway on loopback (src/sim/tws) until SIGINT / SIGTERM,
 * for trying the TWS client (and other IB API clients) without an IB account.
 */
import { parseArgs } from 'node:util';

import { startFakeTws } from '../sim/tws/index.js';
import { MAX_SUPPORTED_VERSION, MIN_SUPPORTED_VERSION } from '../tws/versions.js';

export const simTwsUsage = `usage: tickwire sim --tws [options]

  --port <n>            default 7497 (TWS paper trading's port; 0: any free port)
  --host <addr>         default 127.0.0.1
  --seed <n>            tick PRNG seed, default 1
  --accounts <a,b>      managed accounts, default DU1234567
  --server-version <n>  highest server version offered (${MIN_SUPPORTED_VERSION}..${MAX_SUPPORTED_VERSION}), default ${MAX_SUPPORTED_VERSION}
  --tick-ms <n>         market data tick interval, default 250
  --verbose             log connections and requests
`;

function int(v: string | undefined, name: string, min: number, max: number, fallback: number): number {
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min || n > max) throw new Error(`--${name} must be an integer ${min}..${max}, got '${v}'`);
  return n;
}

export async function simTws(argv: string[]): Promise<number> {
  let config;
  try {
    const a = parseArgs({
      args: argv,
      options: {
        tws: { type: 'boolean' },
        port: { type: 'string' },
        host: { type: 'string' },
        seed: { type: 'string' },
        accounts: { type: 'string' },
        'server-version': { type: 'string' },
        'tick-ms': { type: 'string' },
        verbose: { type: 'boolean', short: 'v' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    }).values;
    if (a.help) {
      process.stdout.write(simTwsUsage);
      return 0;
    }
    const accounts = (a.accounts ?? 'DU1234567').split(',').filter(Boolean);
    if (accounts.length === 0) throw new Error('--accounts needs at least one account');
    config = {
      host: a.host ?? '127.0.0.1',
      port: int(a.port, 'port', 0, 65535, 7497),
      seed: int(a.seed, 'seed', 0, 2 ** 31, 1),
      accounts,
      serverVersion: int(a['server-version'], 'server-version', MIN_SUPPORTED_VERSION, MAX_SUPPORTED_VERSION, MAX_SUPPORTED_VERSION),
      tickIntervalMs: int(a['tick-ms'], 'tick-ms', 1, 60_000, 250),
      ...(a.verbose ? { log: (line: string) => process.stdout.write(`  ${new Date().toISOString()}  ${line}\n`) } : {}),
    };
  } catch (e) {
    process.stderr.write(`tickwire sim --tws: ${(e as Error).message}\n\n${simTwsUsage}`);
    return 2;
  }
  let fake;
  try {
    fake = await startFakeTws(config);
  } catch (e) {
    process.stderr.write(`tickwire sim --tws: ${(e as Error).message}\n`);
    return 1;
  }
  process.stdout.write(
    `tickwire sim: fake TWS on ${fake.host}:${fake.port} (server versions up to ${config.serverVersion}, accounts ${config.accounts.join(', ')})\n` +
      `  connect  await tws.connect({ host: '${fake.host}', port: ${fake.port} })\n  Ctrl-C stops it\n`,
  );
  return new Promise<number>((resolve) => {
    const stop = (): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      fake.close().then(
        () => resolve(0),
        () => resolve(1),
      );
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}
