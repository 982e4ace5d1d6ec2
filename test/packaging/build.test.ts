/**
 * The build's promises: BearSSL and liburing are linked statically (no shared-library dependency
 * on them), and binding.gyp / CMakeLists.txt never drift apart.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, describe, expect, it } from 'vitest';

const root = new URL('../..', import.meta.url).pathname;
const tmp = mkdtempSync(join(tmpdir(), 'tickwire-build-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('the addon binary', () => {
  it('needs neither libbearssl nor liburing at run time', () => {
    const dynamic = execFileSync('readelf', ['-d', join(root, 'build/Release/tickwire.node')], { encoding: 'utf8' });
    const needed = [...dynamic.matchAll(/\(NEEDED\).*\[(.+)\]/g)].map((m) => m[1]);
    expect(needed.length).toBeGreaterThan(0);
    expect(needed.filter((n) => /bearssl|uring/.test(n ?? ''))).toEqual([]);
  });

  it('exports nothing but the N-API entry points (static libraries stay hidden)', () => {
    const syms = execFileSync('nm', ['-D', '--defined-only', join(root, 'build/Release/tickwire.node')], { encoding: 'utf8' });
    expect(syms).not.toMatch(/\bio_uring_queue_init\b/);
    expect(syms).not.toMatch(/\btw_sha256\b/);
    expect(syms).toMatch(/napi_register_module_v1/);
  });
});

describe('scripts/check-sources.mjs', () => {
  function copyTree(): string {
    const dir = mkdtempSync(join(tmp, 'tree-'));
    for (const p of ['binding.gyp', 'CMakeLists.txt', 'native', 'scripts']) cpSync(join(root, p), join(dir, p), { recursive: true });
    return dir;
  }
  const check = (dir: string) => spawnSync('node', [join(dir, 'scripts/check-sources.mjs')], { encoding: 'utf8' });

  it('passes on the tree as committed', () => {
    const r = check(copyTree());
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });

  it('fails when a source is dropped from CMakeLists.txt', () => {
    const dir = copyTree();
    const cmake = readFileSync(join(dir, 'CMakeLists.txt'), 'utf8');
    writeFileSync(join(dir, 'CMakeLists.txt'), cmake.replace('  native/src/ws/utf8.c\n', ''));
    const r = check(dir);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('native/src/ws/utf8.c: in binding.gyp, not in CMakeLists.txt');
  });

  it('fails when a new C file is in neither build', () => {
    const dir = copyTree();
    writeFileSync(join(dir, 'native/src/ws/new_thing.c'), 'int x;\n');
    const r = check(dir);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('native/src/ws/new_thing.c: on disk, in neither build');
  });
});
