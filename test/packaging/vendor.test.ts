/**
 * vendor/deps.mjs: without the system packages (forced with TICKWIRE_DEPS=vendor) it fetches the
 * pinned .deb files without root, verifies their SHA-256 and unpacks the static archives; a
 * wrong checksum is refused loudly.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, describe, expect, it } from 'vitest';

const root = new URL('../..', import.meta.url).pathname;
const tmp = mkdtempSync(join(tmpdir(), 'tickwire-vendor-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function deps(args: string[], env: Record<string, string>) {
  return spawnSync('node', [join(root, 'vendor/deps.mjs'), ...args], {
    encoding: 'utf8',
    env: { ...process.env, TICKWIRE_DEPS: 'vendor', ...env },
    timeout: 120_000,
  });
}

describe('vendor/deps.mjs', () => {
  it('fetches, verifies and unpacks the pinned static libraries without root', () => {
    const dir = join(tmp, 'ok');
    const r = deps(['json'], { TICKWIRE_DEPS_DIR: dir });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const out = JSON.parse(r.stdout) as Record<string, { include: string; archive: string; source: string }>;
    for (const [name, header] of [['bearssl', 'bearssl.h'], ['liburing', 'liburing.h']] as const) {
      expect(out[name]?.source).toBe('vendor');
      expect(existsSync(out[name]?.archive ?? '')).toBe(true);
      expect(existsSync(join(out[name]?.include ?? '', header))).toBe(true);
      expect(out[name]?.archive.startsWith(dir)).toBe(true);
    }
    // A second call reuses the verified copy.
    const again = deps(['libs'], { TICKWIRE_DEPS_DIR: dir });
    expect(again.status).toBe(0);
    expect(again.stdout.trim().split('\n')).toHaveLength(2);
  });

  it('refuses a package whose checksum does not match the pin', () => {
    const manifest = JSON.parse(readFileSync(join(root, 'vendor/deps.json'), 'utf8')) as {
      packages: { bearssl: { sha256: string } };
    };
    manifest.packages.bearssl.sha256 = '0'.repeat(64);
    const path = join(tmp, 'bad-manifest.json');
    writeFileSync(path, JSON.stringify(manifest));
    const r = deps(['libs'], { TICKWIRE_DEPS_DIR: join(tmp, 'bad'), TICKWIRE_DEPS_MANIFEST: path });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/checksum mismatch for libbearssl-dev_.*expected 0{64}/);
    expect(r.stdout).toBe('');
  });

  it('names the package to install when a pinned version cannot be downloaded', () => {
    const manifest = JSON.parse(readFileSync(join(root, 'vendor/deps.json'), 'utf8')) as {
      packages: { liburing: { version: string } };
    };
    manifest.packages.liburing.version = '0.0-does-not-exist';
    const path = join(tmp, 'missing-manifest.json');
    writeFileSync(path, JSON.stringify(manifest));
    const r = deps(['libs'], { TICKWIRE_DEPS_DIR: join(tmp, 'missing'), TICKWIRE_DEPS_MANIFEST: path });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('apt-get install liburing-dev');
  });
});
