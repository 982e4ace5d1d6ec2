#!/usr/bin/env node
// Locates the static BearSSL and liburing archives the addon links, for binding.gyp and CMake.
//
// Order: the system's copies (Debian libbearssl-dev / liburing-dev) when both header and .a are
// present; otherwise the pinned .deb files from deps.json, fetched without root
// (`apt-get download` + `dpkg-deb -x`) into vendor/.deps and verified against their SHA-256.
// TICKWIRE_DEPS=vendor skips the system copies; TICKWIRE_DEPS_DIR moves the download folder.
//
//   node vendor/deps.mjs include   -> include directories, one per line
//   node vendor/deps.mjs libs      -> absolute paths of the .a files, one per line
//   node vendor/deps.mjs versions  -> C defines with the pinned upstream versions
//   node vendor/deps.mjs json      -> everything above as JSON
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const manifest = JSON.parse(readFileSync(process.env.TICKWIRE_DEPS_MANIFEST ?? join(here, 'deps.json'), 'utf8'));
const depsDir = resolve(process.env.TICKWIRE_DEPS_DIR ?? join(here, '.deps'));
const multiarch = 'x86_64-linux-gnu';

function fail(message) {
  process.stderr.write(`tickwire vendor/deps.mjs: ${message}\n`);
  process.exit(1);
}

function systemCopy(pkg) {
  const inc = '/usr/include';
  const lib = `/usr/lib/${multiarch}`;
  if (existsSync(join(inc, pkg.header)) && existsSync(join(lib, pkg.archive))) {
    return { include: inc, archive: join(lib, pkg.archive), source: 'system' };
  }
  return null;
}

function sha256File(path) {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

function vendoredCopy(name, pkg) {
  const root = join(depsDir, 'root');
  const include = join(root, 'usr', 'include');
  const archive = join(root, 'usr', 'lib', multiarch, pkg.archive);
  const stamp = join(depsDir, `${pkg.deb}_${pkg.version}.ok`);
  if (!existsSync(stamp) || !existsSync(archive)) {
    const debs = join(depsDir, 'debs');
    mkdirSync(debs, { recursive: true });
    const file = `${pkg.deb}_${pkg.version.replace(/:/g, '%3a')}_amd64.deb`;
    const debPath = join(debs, file);
    if (!existsSync(debPath)) {
      try {
        execFileSync('apt-get', ['download', `${pkg.deb}=${pkg.version}`], { cwd: debs, stdio: ['ignore', 'ignore', 'pipe'] });
      } catch (e) {
        fail(`could not download ${pkg.deb}=${pkg.version} for ${name} with apt-get download ` +
          `(${String(e.stderr ?? e.message).trim()}). Install it instead: apt-get install ${pkg.deb}`);
      }
      const got = readdirSync(debs).find((f) => f.startsWith(`${pkg.deb}_`) && f.endsWith('.deb'));
      if (got && got !== file) renameSync(join(debs, got), debPath);
    }
    const digest = sha256File(debPath);
    if (digest !== pkg.sha256) {
      rmSync(debPath, { force: true });
      fail(`checksum mismatch for ${file}: expected ${pkg.sha256}, got ${digest}; the file was removed`);
    }
    execFileSync('dpkg-deb', ['-x', debPath, root]);
    if (!existsSync(archive)) fail(`${file} did not contain ${pkg.archive}`);
    execFileSync('touch', [stamp]);
  }
  return { include, archive, source: 'vendor' };
}

function locate() {
  const forceVendor = process.env.TICKWIRE_DEPS === 'vendor';
  const out = {};
  for (const [name, pkg] of Object.entries(manifest.packages)) {
    out[name] = { ...((!forceVendor && systemCopy(pkg)) || vendoredCopy(name, pkg)), version: pkg.upstream };
  }
  return out;
}

const deps = locate();
const what = process.argv[2] ?? 'json';
const unique = (xs) => [...new Set(xs)];
switch (what) {
  case 'include':
    console.log(unique(Object.values(deps).map((d) => d.include)).join('\n'));
    break;
  case 'libs':
    console.log(Object.values(deps).map((d) => d.archive).join('\n'));
    break;
  case 'versions':
    console.log(Object.entries(deps).map(([n, d]) => `TW_${n.toUpperCase()}_VERSION=${d.version}`).join('\n'));
    break;
  case 'json':
    console.log(JSON.stringify(deps, null, 2));
    break;
  default:
    fail(`unknown query '${what}' (include | libs | versions | json)`);
}
