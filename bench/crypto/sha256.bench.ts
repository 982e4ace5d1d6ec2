/** SHA-256: tickwire (SHA-NI) vs node:crypto (OpenSSL, also SHA-NI). */
import { createHash } from 'node:crypto';

import { sha256 } from '../../src/index.js';
import { inputs, type Case, type Target } from '../lib/harness.js';

export function cases(): Case[] {
  const cs: Case[] = [];
  for (const [label, size, batch] of [['64 B', 64, 5000], ['1 MiB', 1048576, 4]] as const) {
    const count = size > 4096 ? 2 : 16;
    const data = inputs(count, size);
    const group = `SHA-256 ${label}`;
    cs.push(
      { name: 'tickwire sha256', group, bytes: size, batch, run: (i) => sha256(data[i % count] as Buffer) },
      { name: 'node:crypto createHash', group, bytes: size, batch, run: (i) => createHash('sha256').update(data[i % count] as Buffer).digest() },
    );
  }
  return cs;
}

export const targets: Target[] = [
  { goal: 'SHA-256 1 MiB within 10% of node:crypto', group: 'SHA-256 1 MiB', subject: 'tickwire sha256', competitor: 'node:crypto createHash', min: 0.9 },
];
