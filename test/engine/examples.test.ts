/** examples/*.yaml stay valid, and examples/demo.yaml is exactly what `tickwire demo` runs. */
import { fileURLToPath } from 'node:url';

import { expect, it } from 'vitest';

import { demoConfig } from '../../src/cli/demo.js';
import { loadConfig, redactedConfig } from '../../src/engine/config.js';

const root = fileURLToPath(new URL('../..', import.meta.url));

it('examples/demo.yaml is the demo config', () => {
  const file = loadConfig(`${root}examples/demo.yaml`, { env: {} });
  const demo = loadConfig(demoConfig({ port: 8000, host: '127.0.0.1', seed: 1, mode: 'follow', journal: '/tmp/tickwire-demo.journal', verbose: false }), { env: {}, baseDir: `${root}examples` });
  expect(redactedConfig(file)).toEqual(redactedConfig(demo));
});

it('examples/binance.yaml is valid with its secrets set (env + an owner-only file)', async () => {
  const { mkdtempSync, writeFileSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const home = mkdtempSync(join(tmpdir(), 'tickwire-home-'));
  const { readFileSync } = await import('node:fs');
  const secretFile = join(home, 'binance.secret');
  writeFileSync(secretFile, 'example-secret\n', { mode: 0o600 });
  const text = readFileSync(`${root}examples/binance.yaml`, 'utf8').replaceAll('~/.config/tickwire/binance.secret', secretFile);
  const cfgFile = join(home, 'binance.yaml');
  writeFileSync(cfgFile, text);
  const c = loadConfig(cfgFile, { env: { BINANCE_API_KEY: 'example-key' } });
  expect(c.secrets.venues.binance?.secret?.reveal()).toBe('example-secret');
  expect(c.journal.path).toBe(join(home, 'binance.journal'));
  expect(c.sim).toBeUndefined();
});
