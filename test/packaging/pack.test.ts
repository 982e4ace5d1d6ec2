/**
 * What a user gets from npm: `npm run prebuild` (prebuildify --napi --strip) then `npm pack`
 * gives a tarball with the prebuilt binary; installing it into a fresh project loads that binary
 * without compiling anything, and the exports map and type declarations work from TypeScript.
 * Runs in a copy of the package so the rebuild never touches the binary other tests have loaded.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = new URL('../..', import.meta.url).pathname;
const tmp = mkdtempSync(join(tmpdir(), 'tickwire-pack-'));
const pkgCopy = join(tmp, 'package');
const project = join(tmp, 'project');
let tarball = '';
let packedFiles: string[] = [];

function sh(cmd: string, args: string[], cwd: string, env: Record<string, string> = {}): string {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', env: { ...process.env, ...env }, timeout: 300_000 });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}):\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

beforeAll(() => {
  mkdirSync(pkgCopy);
  for (const p of ['package.json', 'package-lock.json', 'binding.gyp', 'native', 'vendor', 'src', 'tsconfig.json', 'tsconfig.build.json', 'README.md', 'LICENSE']) {
    if (existsSync(join(root, p))) cpSync(join(root, p), join(pkgCopy, p), { recursive: true, filter: (s) => !s.includes('/vendor/.deps') });
  }
  symlinkSync(join(root, 'node_modules'), join(pkgCopy, 'node_modules'));
  sh('npx', ['prebuildify', '--napi', '--strip'], pkgCopy);
  sh('npx', ['tsc', '-p', 'tsconfig.build.json'], pkgCopy);
  const packed = JSON.parse(sh('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', tmp], pkgCopy)) as Array<{
    filename: string;
    files: Array<{ path: string }>;
  }>;
  tarball = join(tmp, packed[0]?.filename ?? '');
  packedFiles = packed[0]?.files.map((f) => f.path) ?? [];

  mkdirSync(project);
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'scratch', version: '1.0.0', type: 'module', private: true }));
  // CC/CXX point at `false`: if the install tried to compile, it would fail loudly.
  sh('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', tarball, '@types/node@20'], project, { CC: '/bin/false', CXX: '/bin/false' });
}, 600_000);

afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('npm package', () => {
  it('ships the prebuilt binary, the compiled API, types and the sources for a rebuild — and no tests', () => {
    expect(packedFiles.some((f) => /^prebuilds\/linux-x64\/.+\.node$/.test(f))).toBe(true);
    for (const f of ['dist/index.js', 'dist/index.d.ts', 'binding.gyp', 'native/include/tw.h', 'native/src/cpu.c', 'native/addon/addon.cc', 'vendor/deps.mjs', 'vendor/deps.json', 'README.md', 'LICENSE']) {
      expect(packedFiles).toContain(f);
    }
    expect(packedFiles.filter((f) => f.startsWith('test/') || f.startsWith('build/') || f.startsWith('src/'))).toEqual([]);
  });

  it('installs without compiling and loads the prebuilt binary', () => {
    const installed = join(project, 'node_modules', 'tickwire');
    expect(existsSync(join(installed, 'build'))).toBe(false);
    expect(readdirSync(join(installed, 'prebuilds', 'linux-x64')).some((f) => f.endsWith('.node'))).toBe(true);
    const out = sh(
      'node',
      [
        '--input-type=module',
        '-e',
        `import { sha256, HmacSigner, native } from 'tickwire';
         import { createRequire } from 'node:module';
         const loaded = Object.keys(createRequire(import.meta.url).cache).filter((p) => p.endsWith('.node'));
         console.log(JSON.stringify({ abc: sha256('abc').toString('hex'), mac: new HmacSigner('key').hex('msg'), impls: native.info().impls, loaded }));`,
      ],
      project,
    );
    const r = JSON.parse(out) as { abc: string; mac: string; loaded: string[] };
    expect(r.abc).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    expect(r.mac).toBe('2d93cbc1be167bcb1637a4a23cbff01a7878f0c50ee833954ea5221bb1b8c628');
    expect(r.loaded).toHaveLength(1);
    expect(r.loaded[0]).toMatch(/node_modules\/tickwire\/prebuilds\/linux-x64\/.+\.node$/);
  });

  it('type-checks from a TypeScript project through the exports map', () => {
    writeFileSync(
      join(project, 'index.ts'),
      `import { HmacSigner, mask, buildFrame, Opcode, TickwireError, type TickwireErrorCode } from 'tickwire';
       const s: string = new HmacSigner('k').hex('m');
       mask(new Uint8Array(8), Uint8Array.of(1, 2, 3, 4));
       const n: number = buildFrame(new Uint8Array(32), 'hi', { opcode: Opcode.Text });
       const code: TickwireErrorCode = 'WS_INVALID_UTF8';
       export const ok = [s, n, code, TickwireError];
       // @ts-expect-error — the payload must be bytes or a string
       new HmacSigner('k').hex(42);\n`,
    );
    writeFileSync(
      join(project, 'tsconfig.json'),
      JSON.stringify({ compilerOptions: { strict: true, module: 'NodeNext', moduleResolution: 'NodeNext', target: 'ES2022', noEmit: true, types: ['node'] }, files: ['index.ts'] }),
    );
    const tsc = join(root, 'node_modules', '.bin', 'tsc');
    const r = spawnSync(tsc, ['-p', '.'], { cwd: project, encoding: 'utf8' });
    expect(r.stdout + r.stderr).toBe('');
    expect(r.status).toBe(0);
  });

  it('the tarball unpacks to a package whose binary needs no shared BearSSL or liburing', () => {
    const dir = join(project, 'node_modules', 'tickwire', 'prebuilds', 'linux-x64');
    const bin = readdirSync(dir).find((f) => f.endsWith('.node')) ?? '';
    const dynamic = execFileSync('readelf', ['-d', join(dir, bin)], { encoding: 'utf8' });
    expect(dynamic).not.toMatch(/bearssl|uring/);
    const sections = execFileSync('readelf', ['-S', join(dir, bin)], { encoding: 'utf8' });
    expect(sections).not.toContain('.debug_info'); // --strip
  });
});
