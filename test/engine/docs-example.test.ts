/** The example in docs/engine.md, run as written (its `tickwire` import pointed at the source). */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

import { expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));

it('docs/engine.md example runs against the simulator', async () => {
  const doc = readFileSync(join(root, 'docs/engine.md'), 'utf8');
  const code = /```ts\n([\s\S]*?)```/.exec(doc)?.[1];
  expect(code).toBeDefined();
  const file = join(mkdtempSync(join(tmpdir(), 'tickwire-doc-')), 'example.mts');
  writeFileSync(file, (code as string).replace(/from 'tickwire'/g, `from '${join(root, 'src/index.ts')}'`));
  const { stdout, stderr } = await promisify(execFile)(process.execPath, ['--import', 'tsx', file], { cwd: root });
  expect(stderr).not.toMatch(/error/i);
  expect(stdout).toMatch(/^dashboard http:\/\/127\.0\.0\.1:\d+$/m);
  expect(stdout).toMatch(/^signal (buy|sell) follow true$/m);
  expect(stdout).toMatch(/^fill (buy|sell) true true$/m);
  expect(stdout).toContain('position true\n');
  expect(stdout).toContain('halted true\n');
});
