import { existsSync, readFileSync } from 'node:fs';

import { afterAll, describe, expect, it } from 'vitest';

import { native } from '../../src/index.js';

const cpuFlags = new Set((readFileSync('/proc/cpuinfo', 'utf8').match(/^flags\s*:(.*)$/m)?.[1] ?? '').trim().split(/\s+/));
const deps = JSON.parse(readFileSync(new URL('../../vendor/deps.json', import.meta.url), 'utf8')) as {
  packages: Record<string, { upstream: string }>;
};

describe('native.info', () => {
  afterAll(() => native.forcePortable(false));

  it('detects the same CPU features the kernel reports', () => {
    const { detected } = native.info();
    expect(detected.sha).toBe(cpuFlags.has('sha_ni'));
    expect(detected.avx2).toBe(cpuFlags.has('avx2'));
    expect(detected.avx512).toBe(cpuFlags.has('avx512f') && cpuFlags.has('avx512bw'));
    expect(detected.sse41).toBe(cpuFlags.has('sse4_1'));
    expect(detected.vaes).toBe(detected.avx512 && cpuFlags.has('avx512vl') && cpuFlags.has('vaes') && cpuFlags.has('vpclmulqdq') && cpuFlags.has('aes') && cpuFlags.has('pclmulqdq'));
  });

  it('uses the best implementations the CPU offers, and only those', () => {
    const { detected, inUse, impls } = native.info();
    expect(impls.sha256).toBe(detected.sha ? 'shani' : 'portable');
    expect(impls.mask).toBe(detected.avx512 ? 'avx512' : detected.avx2 ? 'avx2' : 'scalar');
    expect(impls.aesGcm).toBe(detected.vaes ? 'vaes' : 'bearssl');
    for (const f of ['sha', 'avx2', 'avx512', 'vaes'] as const) if (inUse[f]) expect(detected[f]).toBe(true);
  });

  it('forcePortable switches every path to portable C and back', () => {
    const portable = native.forcePortable(true);
    expect(Object.values(portable).some(Boolean)).toBe(false);
    expect(native.info().impls).toEqual({ sha256: 'portable', mask: 'scalar', aesGcm: 'bearssl' });
    native.forcePortable(false);
    expect(native.info().impls.sha256).toBe(native.info().detected.sha ? 'shani' : 'portable');
  });

  it('reports the pinned BearSSL and liburing versions it was built with', () => {
    const { versions } = native.info();
    expect(versions.bearssl).toBe(deps.packages.bearssl?.upstream);
    expect(versions.liburing).toBe(deps.packages.liburing?.upstream);
    expect(versions.core).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it('probes io_uring consistently with the kernel setting', () => {
    const probe = native.probeIoUring();
    const sysctl = '/proc/sys/kernel/io_uring_disabled';
    const disabled = existsSync(sysctl) && readFileSync(sysctl, 'utf8').trim() === '2';
    if (disabled) expect(probe.available).toBe(false);
    if (probe.available) expect(probe.errno).toBe(0);
    else expect(probe.errno).toBeLessThan(0);
    expect(probe.reason.length).toBeGreaterThan(0);
  });
});
