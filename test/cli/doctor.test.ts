/**
 * `tickwire doctor`: run as a user would; it reports CPU features, the implementations in use,
 * library versions, the transport 'auto' picks and why, and a loopback self-test per transport,
 * and exits 0 only when every available transport passed. Checked against what the addon itself
 * reports, so the output cannot drift from the facts.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

import { expect, it } from 'vitest';

import { native } from '../../src/index.js';

const root = fileURLToPath(new URL('../..', import.meta.url));

it('reports features, implementations, the chosen transport and a passing self-test for each transport', async () => {
  const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', join(root, 'src/cli/main.ts'), 'doctor'], { cwd: root, timeout: 60_000 });
  const info = native.info();
  const yes = (b: boolean) => (b ? 'yes' : 'no');
  expect(stdout).toContain(`AVX-512 ${yes(info.detected.avx512)}, VAES ${yes(info.detected.vaes)}`);
  expect(stdout).toContain(`sha256=${info.impls.sha256}, mask=${info.impls.mask}, aes-gcm=${info.impls.aesGcm}`);
  expect(stdout).toContain(`BearSSL ${info.versions.bearssl}, liburing ${info.versions.liburing}`);
  expect(stdout).toMatch(/transport {5}auto → (io_uring|epoll) \(.+\)/);
  const uring = native.probeIoUring().available;
  for (const t of ['io_uring', 'io_uring_sqpoll', 'epoll']) {
    if (t !== 'epoll' && !uring) expect(stdout).toContain(`self-test     ${t}: skipped`);
    else expect(stdout).toMatch(new RegExp(`self-test {5}${t}: ok: 1000 echoes of 100 B, [\\d.]+ µs per round trip`));
  }
}, 90_000);
