/**
 * Trust anchors for wss://: the system CA bundle or a user's PEM, parsed once by native code and
 * cached, so a connection costs no certificate parsing (Node builds a SecureContext per
 * connection by default; see ../shared/baselines.md).
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';

import { binding } from '../native/binding.js';
import { TickwireError } from '../native/errors.js';
import { nativeError } from '../native/status.js';

type TrustHandle = { readonly __brand: 'TrustHandle' };
const native = binding as unknown as { tlsTrust(pem: Uint8Array): TrustHandle | number };

const cache = new Map<string, TrustHandle>();

/** The system bundle's path: SSL_CERT_FILE, else Debian's. */
export function systemBundlePath(): string {
  return process.env.SSL_CERT_FILE ?? '/etc/ssl/certs/ca-certificates.crt';
}

export function trustFor(ca: string | Uint8Array | undefined): TrustHandle {
  let pem: Uint8Array;
  let key: string;
  if (ca === undefined) {
    key = `system:${systemBundlePath()}`;
    const hit = cache.get(key);
    if (hit) return hit;
    try {
      pem = readFileSync(systemBundlePath());
    } catch (cause) {
      throw new TickwireError('TLS_BAD_CA', `cannot read the system CA bundle ${systemBundlePath()} (set SSL_CERT_FILE or tls.ca)`, { cause });
    }
  } else {
    pem = typeof ca === 'string' ? Buffer.from(ca, 'utf8') : ca;
    key = `pem:${createHash('sha256').update(pem).digest('hex')}`;
    const hit = cache.get(key);
    if (hit) return hit;
  }
  const r = native.tlsTrust(pem);
  if (typeof r === 'number') throw nativeError(r, 'tls.ca');
  cache.set(key, r);
  return r;
}
