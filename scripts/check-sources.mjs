#!/usr/bin/env node
// Fails when binding.gyp (the build that ships) and CMakeLists.txt (tests, sanitizers, fuzzing)
// compile different source files: a file missing from one would ship untested, or be tested but
// never shipped. Also fails when a .c/.cc under native/src or native/addon is in neither.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

const root = new URL('..', import.meta.url).pathname;

const gyp = JSON.parse(readFileSync(join(root, 'binding.gyp'), 'utf8').replace(/^\s*#.*$/gm, ''));
const gypSources = new Set(gyp.targets.flatMap((t) => t.sources ?? []));

const cmake = readFileSync(join(root, 'CMakeLists.txt'), 'utf8');
const cmakeSources = new Set();
for (const m of cmake.matchAll(/set\((TW_CORE_SOURCES|TW_ADDON_SOURCES)([^)]*)\)/g)) {
  for (const s of (m[2] ?? '').split(/\s+/).filter(Boolean)) cmakeSources.add(s);
}

function walk(dir) {
  return readdirSync(join(root, dir), { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? walk(join(dir, e.name)) : [relative(root, join(root, dir, e.name))],
  );
}
const onDisk = new Set([...walk('native/src'), ...walk('native/addon')].filter((f) => /\.(c|cc)$/.test(f)));

const problems = [];
for (const s of gypSources) if (!cmakeSources.has(s)) problems.push(`${s}: in binding.gyp, not in CMakeLists.txt`);
for (const s of cmakeSources) if (!gypSources.has(s)) problems.push(`${s}: in CMakeLists.txt, not in binding.gyp`);
for (const s of onDisk) if (!gypSources.has(s) && !cmakeSources.has(s)) problems.push(`${s}: on disk, in neither build`);
for (const s of new Set([...gypSources, ...cmakeSources])) if (!onDisk.has(s)) problems.push(`${s}: listed but missing`);

if (problems.length) {
  console.error(`check-sources: binding.gyp and CMakeLists.txt disagree:\n  ${problems.join('\n  ')}`);
  process.exit(1);
}
console.log(`check-sources: ${gypSources.size} sources, binding.gyp and CMakeLists.txt agree`);
