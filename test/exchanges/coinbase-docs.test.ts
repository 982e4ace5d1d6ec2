/** The Coinbase example in docs/venues.md, run as written (its `tickwire` import pointed at the source). */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

import { expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));

it('docs/venues.md Coinbase example runs against the simulator', async () => {
  const doc = readFileSync(join(root, 'docs/venues.md'), 'utf8');
  const section = doc.slice(doc.indexOf('## Coinbase'));
  const code = /```ts\n([\s\S]*?)```/.exec(section)?.[1];
  expect(code).toContain('CoinbaseVenue');
  const file = join(mkdtempSync(join(tmpdir(), 'tickwire-doc-')), 'coinbase.mts');
  writeFileSync(file, (code as string).replace(/from 'tickwire'/g, `from '${join(root, 'src/index.ts')}'`));
  const { stdout, stderr } = await promisify(execFile)(process.execPath, ['--import', 'tsx', file], { cwd: root });
  expect(stderr).not.toMatch(/error/i);
  expect(stdout).toMatch(/^best \d+(\.\d+)? \d+(\.\d+)?$/m);
  expect(stdout).toContain('order VENUE_UNSUPPORTED\n');
});
