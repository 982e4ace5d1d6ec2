#!/usr/bin/env node
/** The `tickwire` command. */
import { doctor } from './doctor.js';
import { sim } from './sim.js';

const usage = `usage: tickwire <command>

commands:
  doctor    CPU features, chosen implementations and transport, library versions, loopback self-test
  demo      the whole loop offline: simulator, whale strategy, risk, journal, dashboard (npm start)
  run       the engine with your config: tickwire run config.yaml
  sim       local venue simulator (TLS WebSocket on loopback): tickwire sim --venue binance --port 9443
            or a fake TWS / IB Gateway: tickwire sim --tws --port 7497
`;

const [command] = process.argv.slice(2);
switch (command) {
  case 'doctor':
    process.exitCode = await doctor();
    break;
  case 'demo':
    process.exitCode = await (await import('./demo.js')).demo(process.argv.slice(3)); // loaded on use: the engine pulls in zod, ws, ioredis
    break;
  case 'run':
    process.exitCode = await (await import('./run.js')).run(process.argv.slice(3));
    break;
  case 'sim':
    process.exitCode = await sim(process.argv.slice(3));
    break;
  case undefined:
  case '-h':
  case '--help':
  case 'help':
    process.stdout.write(usage);
    break;
  default:
    process.stderr.write(`tickwire: unknown command '${command}'\n\n${usage}`);
    process.exitCode = 2;
}
