/**
 * The N-API crossing cost: the floor under every native call, and the reason small inputs stay in
 * JS. Compare with a plain JS function call.
 */
import { binding } from '../../src/native/binding.js';
import { inputs, type Case, type Target } from '../lib/harness.js';

let sink = 0;
function jsFn(a: number): void {
  sink = (sink + a) | 0;
}

export function cases(): Case[] {
  const bufs = inputs(16, 16);
  const ints = [1, 2, 3, 4, 5, 6, 7, 8];
  const group = 'crossing';
  return [
    { name: 'JS function call', group, bytes: 0, batch: 20000, run: (i: number) => jsFn(ints[i & 7] as number) },
    { name: 'native noop()', group, bytes: 0, batch: 20000, run: () => binding.noop() },
    { name: 'native noop(3 ints)', group, bytes: 0, batch: 20000, run: (i: number) => binding.noop(ints[i & 7], ints[(i + 1) & 7], ints[(i + 2) & 7]) },
    { name: 'native noopBuffer(buf)', group, bytes: 0, batch: 20000, run: (i: number) => binding.noopBuffer(bufs[i & 15] as Buffer) },
  ];
}

export const targets: Target[] = [];
