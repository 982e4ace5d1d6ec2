/** Runs the TypeScript examples in docs/*.md as written, with their `tickwire` import pointed at the source. */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const root = fileURLToPath(new URL('../..', import.meta.url));

/** The first ```ts block of `doc` (a path from the repository root), after `heading` when given. */
export function docExample(doc: string, heading?: string): string | undefined {
  const text = readFileSync(join(root, doc), 'utf8');
  return /```ts\n([\s\S]*?)```/.exec(heading === undefined ? text : text.slice(text.indexOf(heading)))?.[1];
}

/** Runs `code` as the module `<name>.mts` under tsx from the repository root. */
export async function runExample(code: string, name: string): Promise<{ stdout: string; stderr: string }> {
  const file = join(mkdtempSync(join(tmpdir(), 'tickwire-doc-')), `${name}.mts`);
  writeFileSync(file, code.replace(/from 'tickwire'/g, `from '${join(root, 'src/index.ts')}'`));
  return promisify(execFile)(process.execPath, ['--import', 'tsx', file], { cwd: root });
}
