#!/usr/bin/env node
// Prints one closing line for CI, "ci: N passed, M failed", from the vitest JSON report and the
// ctest JUnit files (release and sanitizer builds) that `npm test` and scripts/ctest.mjs wrote.
import { existsSync, readFileSync } from 'node:fs';

let passed = 0;
let failed = 0;
const parts = [];

const vitest = 'build/vitest.json';
if (existsSync(vitest)) {
  const r = JSON.parse(readFileSync(vitest, 'utf8'));
  passed += r.numPassedTests;
  failed += r.numFailedTests;
  parts.push(`vitest ${r.numPassedTests}/${r.numTotalTests}`);
}
for (const mode of ['release', 'asan']) {
  const file = `build/cmake-${mode}/ctest.xml`;
  if (!existsSync(file)) continue;
  const xml = readFileSync(file, 'utf8');
  const attr = (name) => Number(xml.match(new RegExp(`<testsuite[^>]*\\s${name}="(\\d+)"`))?.[1] ?? 0);
  const total = attr('tests');
  const bad = attr('failures') + attr('errors');
  const skipped = attr('skipped') + attr('disabled');
  passed += total - bad - skipped;
  failed += bad;
  parts.push(`ctest ${mode} ${total - bad - skipped}/${total}`);
}
console.log(`(${parts.join(', ')})`);
console.log(`ci: ${passed} passed, ${failed} failed`);
process.exit(failed || !parts.length ? 1 : 0);
