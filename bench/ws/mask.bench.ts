/**
 * Masking: tickwire vs bufferutil (what ws uses) vs Buffer.copy (memcpy: the bandwidth bound), and
 * the JS-loop vs native crossover that sets MASK_NATIVE_MIN_BYTES.
 */
import { createRequire } from 'node:module';

import { mask } from '../../src/index.js';
import { binding } from '../../src/native/binding.js';
import { inputs, type Case, type Target } from '../lib/harness.js';

const require = createRequire(import.meta.url);
const bufferutil = require('bufferutil') as { unmask(buf: Buffer, key: Buffer): void };

const SIZES: Array<[string, number, number]> = [
  ['16 B', 16, 20000],
  ['125 B', 125, 10000],
  ['1 KiB', 1024, 4000],
  ['64 KiB', 65536, 60],
  ['1 MiB', 1048576, 4],
];

/** The JS path of mask() (4 bytes per step), to place the JS/native crossover. */
function jsMask(buf: Uint8Array, key: Uint8Array): void {
  const k0 = key[0] as number;
  const k1 = key[1] as number;
  const k2 = key[2] as number;
  const k3 = key[3] as number;
  const n = buf.length;
  for (let i = 0; i < n; i += 4) {
    buf[i] = (buf[i] as number) ^ k0;
    if (i + 1 < n) buf[i + 1] = (buf[i + 1] as number) ^ k1;
    if (i + 2 < n) buf[i + 2] = (buf[i + 2] as number) ^ k2;
    if (i + 3 < n) buf[i + 3] = (buf[i + 3] as number) ^ k3;
  }
}

export function cases(): Case[] {
  const keys = inputs(8, 4);
  const out: Case[] = [];
  for (const [label, size, batch] of SIZES) {
    const count = size >= 65536 ? 2 : 16;
    const bufs = inputs(count, size);
    const srcs = inputs(count, size);
    const group = `mask ${label}`;
    out.push(
      { name: 'tickwire mask', group, bytes: size, batch, run: (i) => mask(bufs[i % count] as Buffer, keys[i & 7] as Buffer) },
      { name: 'bufferutil unmask', group, bytes: size, batch, run: (i) => bufferutil.unmask(bufs[i % count] as Buffer, keys[i & 7] as Buffer) },
      { name: 'Buffer.copy', group, bytes: size, batch, run: (i) => (srcs[i % count] as Buffer).copy(bufs[i % count] as Buffer) },
    );
  }
  for (const size of [32, 48, 64, 80, 96, 128]) {
    const bufs = inputs(16, size);
    const group = `mask crossover ${size} B`;
    out.push(
      { name: 'JS loop', group, bytes: size, batch: 20000, run: (i) => jsMask(bufs[i & 15] as Buffer, keys[i & 7] as Buffer) },
      { name: 'native', group, bytes: size, batch: 20000, run: (i) => binding.mask(bufs[i & 15] as Buffer, 0x3d21fa37 ^ i) },
    );
  }
  return out;
}

export const targets: Target[] = [
  { goal: 'mask 16 B per-call cost no worse than bufferutil', group: 'mask 16 B', subject: 'tickwire mask', competitor: 'bufferutil unmask', min: 1.0 },
  { goal: 'mask 1 KiB >= 1.2x bufferutil', group: 'mask 1 KiB', subject: 'tickwire mask', competitor: 'bufferutil unmask', min: 1.2 },
  { goal: 'mask 64 KiB >= 1.2x bufferutil', group: 'mask 64 KiB', subject: 'tickwire mask', competitor: 'bufferutil unmask', min: 1.2 },
  { goal: 'mask 1 MiB >= 1.2x bufferutil', group: 'mask 1 MiB', subject: 'tickwire mask', competitor: 'bufferutil unmask', min: 1.2 },
  { goal: 'mask 64 KiB >= 70% of Buffer.copy bandwidth', group: 'mask 64 KiB', subject: 'tickwire mask', competitor: 'Buffer.copy', min: 0.7 },
];
