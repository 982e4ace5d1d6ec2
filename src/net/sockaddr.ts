import { isIP } from 'node:net';

import { TickwireError } from '../native/errors.js';

/** A sockaddr_in / sockaddr_in6 for the native connect. */
export function sockaddr(address: string, port: number): Uint8Array {
  const v = isIP(address);
  if (v === 4) {
    const b = Buffer.alloc(16);
    b.writeUInt16LE(2, 0); // AF_INET, host order (x86-64)
    b.writeUInt16BE(port, 2);
    address.split('.').forEach((x, i) => b.writeUInt8(Number(x), 4 + i));
    return b;
  }
  if (v === 6) {
    const b = Buffer.alloc(28);
    b.writeUInt16LE(10, 0); // AF_INET6
    b.writeUInt16BE(port, 2);
    const [head = '', tail = ''] = address.split('::');
    const h = head ? head.split(':') : [];
    const t = tail ? tail.split(':') : [];
    const groups = address.includes('::') ? [...h, ...Array(8 - h.length - t.length).fill('0'), ...t] : h;
    groups.forEach((g, i) => b.writeUInt16BE(parseInt(g, 16), 8 + i * 2));
    return b;
  }
  throw new TickwireError('INVALID_ARGUMENT', `not an IP address: ${address}`);
}
