/**
 * HMAC-SHA256: tickwire's precomputed-key signer vs node:crypto's createHmac per message (what
 * exchange clients do: a new Hmac object for every request).
 */
import { createHmac } from 'node:crypto';

import { HmacSigner } from '../../src/index.js';
import { inputs, type Case, type Target } from '../lib/harness.js';

export function cases(): Case[] {
  const secret = 'NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j';
  const signer = new HmacSigner(secret);
  const out = Buffer.alloc(64);
  const cs: Case[] = [];
  for (const size of [64, 256, 1024]) {
    const payloads = inputs(16, size);
    const group = `HMAC-SHA256 ${size} B`;
    cs.push(
      { name: 'tickwire signInto (hex into buffer)', group, bytes: size, batch: 2000, run: (i) => signer.signInto(payloads[i & 15] as Buffer, out, 0) },
      { name: 'tickwire hex()', group, bytes: size, batch: 2000, run: (i) => signer.hex(payloads[i & 15] as Buffer) },
      {
        name: 'node:crypto createHmac hex',
        group,
        bytes: size,
        batch: 500,
        run: (i) => createHmac('sha256', secret).update(payloads[i & 15] as Buffer).digest('hex'),
      },
    );
  }
  return cs;
}

export const targets: Target[] = [
  {
    goal: 'HMAC 256 B hex into a buffer >= 4x createHmac',
    group: 'HMAC-SHA256 256 B',
    subject: 'tickwire signInto (hex into buffer)',
    competitor: 'node:crypto createHmac hex',
    min: 4,
  },
];
