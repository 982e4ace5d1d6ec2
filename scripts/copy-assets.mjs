#!/usr/bin/env node
/**
 * Copies the static files tsc does not emit into dist/: the telemetry dashboard
 * (src/telemetry/dashboard/ → dist/telemetry/dashboard/). Run after `tsc` by `build:ts`/`prepare`.
 */
import { cpSync, existsSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const assets = [['src/telemetry/dashboard', 'dist/telemetry/dashboard']];

for (const [from, to] of assets) {
  const src = `${root}${from}`;
  if (!existsSync(src)) {
    process.stderr.write(`copy-assets: ${from} does not exist, skipped\n`);
    continue;
  }
  rmSync(`${root}${to}`, { recursive: true, force: true });
  cpSync(src, `${root}${to}`, { recursive: true });
}
