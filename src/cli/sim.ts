/**
 * `tickwire sim`: runs the venue simulator standalone until SIGINT / SIGTERM, printing its URL
 * and the SPKI pin of its certificate.
 */
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

import type { FaultKind } from '../sim/faults.js';
import { DEMO_CREDENTIALS, SimServer } from '../sim/server.js';
import { SIM_VENUES } from '../sim/venues.js';
import { simTws } from './sim-tws.js';

export const simUsage = `usage: tickwire sim --venue <name> [options]
       tickwire sim --tws [options]        a fake TWS / IB Gateway (tickwire sim --tws --help)

  --venue <name>        ${Object.keys(SIM_VENUES).join(', ')}
  --port <n>            default 9443 (0: any free port)
  --host <addr>         default 127.0.0.1
  --seed <n>            market PRNG seed, default 1
  --tick-ms <n>         one market step per symbol every n ms, default 100 (0: none)
  --api-key <key>       accepted API key, default ${DEMO_CREDENTIALS.apiKey}
  --secret <secret>     its secret, default ${DEMO_CREDENTIALS.secret}
  --cert-out <file>     also write the certificate (PEM) there, for clients that validate it as a CA
  --fault <spec>        repeatable: drop:<s> | skip:<s> | checksum:<s> | malformed:<s> | silence:<s>[:<duration s>]
                        injects the fault every <s> seconds
  --quiet               print only the URL and pin lines
  --verbose             also log connections and injected faults
`;

const FAULTS: readonly FaultKind[] = ['drop', 'skip', 'checksum', 'silence', 'malformed'];

function int(v: string | undefined, name: string, min: number, fallback: number): number {
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) throw new Error(`--${name} must be an integer >= ${min}, got '${v}'`);
  return n;
}

/** Parses `kind:everySeconds[:durationSeconds]`. */
export function parseFault(spec: string): { kind: FaultKind; everyMs: number; durationMs: number } {
  const [kind = '', every = '', duration] = spec.split(':');
  if (!FAULTS.includes(kind as FaultKind)) throw new Error(`--fault: unknown kind '${kind}' (${FAULTS.join(', ')})`);
  const everyS = Number(every);
  if (!(everyS > 0)) throw new Error(`--fault ${spec}: the interval must be a number of seconds > 0`);
  const durationS = duration === undefined ? 5 : Number(duration);
  if (!(durationS > 0)) throw new Error(`--fault ${spec}: the duration must be a number of seconds > 0`);
  return { kind: kind as FaultKind, everyMs: Math.round(everyS * 1000), durationMs: Math.round(durationS * 1000) };
}

/** Runs the simulator; resolves with the exit code once it was stopped by a signal (or failed to start). */
export async function sim(argv: string[]): Promise<number> {
  if (argv.includes('--tws')) return simTws(argv);
  let args;
  try {
    args = parseArgs({
      args: argv,
      options: {
        venue: { type: 'string' },
        port: { type: 'string' },
        host: { type: 'string' },
        seed: { type: 'string' },
        'tick-ms': { type: 'string' },
        'api-key': { type: 'string' },
        secret: { type: 'string' },
        'cert-out': { type: 'string' },
        fault: { type: 'string', multiple: true },
        quiet: { type: 'boolean' },
        verbose: { type: 'boolean', short: 'v' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    }).values;
  } catch (e) {
    process.stderr.write(`tickwire sim: ${(e as Error).message}\n\n${simUsage}`);
    return 2;
  }
  if (args.help) {
    process.stdout.write(simUsage);
    return 0;
  }
  let config: { venue: string; faults: ReturnType<typeof parseFault>[]; port: number; seed: number; tickIntervalMs: number };
  try {
    if (!args.venue) throw new Error('--venue is required');
    if (!SIM_VENUES[args.venue]) throw new Error(`unknown venue '${args.venue}' (${Object.keys(SIM_VENUES).join(', ')})`);
    config = {
      venue: args.venue,
      faults: (args.fault ?? []).map(parseFault),
      port: int(args.port, 'port', 0, 9443),
      seed: int(args.seed, 'seed', 0, 1),
      tickIntervalMs: int(args['tick-ms'], 'tick-ms', 0, 100),
    };
    if (config.port > 65535) throw new Error(`--port must be at most 65535, got ${config.port}`);
  } catch (e) {
    process.stderr.write(`tickwire sim: ${(e as Error).message}\n\n${simUsage}`);
    return 2;
  }
  let server: SimServer;
  try {
    server = await SimServer.start({
      venue: config.venue,
      host: args.host ?? '127.0.0.1',
      port: config.port,
      seed: config.seed,
      tickIntervalMs: config.tickIntervalMs,
      credentials: [{ apiKey: args['api-key'] ?? DEMO_CREDENTIALS.apiKey, secret: args.secret ?? DEMO_CREDENTIALS.secret }],
      ...(args.verbose ? { log: (line: string) => process.stdout.write(`  ${new Date().toISOString()}  ${line}\n`) } : {}),
    });
    for (const f of config.faults) server.faults.every(f.kind, f.everyMs, f.durationMs);
    if (args['cert-out']) writeFileSync(args['cert-out'], server.cert);
  } catch (e) {
    process.stderr.write(`tickwire sim: ${(e as Error).message}\n`);
    return 1;
  }

  const out = (line: string): boolean => process.stdout.write(`${line}\n`);
  out(`tickwire sim: ${args.venue} on ${server.url}`);
  out(`  pin      ${server.pin}`);
  if (!args.quiet) {
    out(`  paths    ${server.venue.paths.join('  ')}`);
    out(`  symbols  ${[...server.market.symbols.keys()].join(', ')}`);
    out(`  api key  ${args['api-key'] ?? DEMO_CREDENTIALS.apiKey}, secret ${args.secret ?? DEMO_CREDENTIALS.secret}`);
    out(`  connect  tls: { pins: ['${server.pin}'], pinOnly: true }`);
    out(`           or tls: { ca: <certificate${args['cert-out'] ? ` in ${args['cert-out']}` : ', --cert-out'}>, pins: [...], servername: 'localhost' }`);
    if (args.fault?.length) out(`  faults   ${args.fault.join(', ')}`);
    out('  Ctrl-C stops it');
  }

  return new Promise<number>((resolve) => {
    const stop = (): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      server.close().then(
        () => resolve(0),
        () => resolve(1),
      );
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}
