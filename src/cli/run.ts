/**
 * `tickwire run <config.yaml|config.json>`: runs the engine with your own config until SIGINT /
 * SIGTERM. A bad config exits 2 with every problem listed (path: expectation).
 */
import { parseArgs } from 'node:util';

import { runUntilSignal } from '../engine/cli-common.js';
import { Engine } from '../engine/engine.js';
import { TickwireError } from '../native/errors.js';

export const runUsage = `usage: tickwire run <config.yaml|config.json> [options]

  --check               validate the config (and resolve its secrets), print OK and exit
  --interval <s>        seconds between progress lines, default 10 (0: none)

Config reference: docs/engine.md; a complete example: examples/demo.yaml.
Secrets come from environment variables ("\${ENV:NAME}") or owner-only files ({ file: path }).
`;

export async function run(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      options: { check: { type: 'boolean' }, interval: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
      strict: true,
      allowPositionals: true,
    });
  } catch (e) {
    process.stderr.write(`tickwire run: ${(e as Error).message}\n\n${runUsage}`);
    return 2;
  }
  const { values: args, positionals } = parsed;
  if (args.help) {
    process.stdout.write(runUsage);
    return 0;
  }
  const file = positionals[0];
  if (file === undefined || positionals.length > 1) {
    process.stderr.write(`tickwire run: expected one config file\n\n${runUsage}`);
    return 2;
  }
  const interval = Number(args.interval ?? '10');
  if (!(interval >= 0)) {
    process.stderr.write(`tickwire run: --interval must be a number of seconds >= 0\n`);
    return 2;
  }
  const out = (line: string): void => void process.stdout.write(`${line}\n`);
  if (args.check) {
    const { loadConfig } = await import('../engine/config.js');
    try {
      loadConfig(file);
    } catch (e) {
      process.stderr.write(`tickwire run: ${e instanceof TickwireError ? `${e.code}: ` : ''}${(e as Error).message}\n`);
      return 2;
    }
    out(`tickwire run: ${file}: OK`);
    return 0;
  }
  let engine: Engine;
  try {
    engine = await Engine.start(file);
  } catch (e) {
    process.stderr.write(`tickwire run: ${e instanceof TickwireError ? `${e.code}: ` : ''}${(e as Error).message}\n`);
    return e instanceof TickwireError && e.code === 'CONFIG_INVALID' ? 2 : 1;
  }
  out(`tickwire run: ${file}: running (${engine.state().config.venues.join(', ')}; ${engine.strategies.map((s) => s.name).join(', ') || 'no strategies'})`);
  if (engine.telemetryServer) out(`tickwire run: dashboard ${engine.telemetryServer.url}/`);
  out('tickwire run: Ctrl-C stops it');
  return runUntilSignal(engine, 'tickwire run', interval * 1000, out);
}
