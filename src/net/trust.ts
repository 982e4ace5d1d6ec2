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
const native = binding as unknown as {
  tlsTrustAsync(pem: Uint8Array): Promise<TrustHandle | number>;
};

const cache = new Map<string, TrustHandle>();
const pending = new Map<string, Promise<TrustHandle>>();

/** The system bundle's path: SSL_CERT_FILE, else Debian's. */
export function systemBundlePath(): string {
  return process.env.SSL_CERT_FILE ?? '/etc/ssl/certs/ca-certificates.crt';
}

/** The cache key and the PEM bytes of a trust choice (reads the system bundle when `ca` is undefined). */
function source(ca: string | Uint8Array | undefined): { key: string; pem: () => Uint8Array } {
  if (ca === undefined) {
    return {
      key: `system:${systemBundlePath()}`,
      pem: () => {
        try {
          return readFileSync(systemBundlePath());
        } catch (cause) {
          throw new TickwireError('TLS_BAD_CA', `cannot read the system CA bundle ${systemBundlePath()} (set SSL_CERT_FILE or tls.ca)`, { cause });
        }
      },
    };
  }
  const pem = typeof ca === 'string' ? Buffer.from(ca, 'utf8') : ca;
  return { key: `pem:${createHash('sha256').update(pem).digest('hex')}`, pem: () => pem };
}

/**
 * The trust anchors for `ca`, parsed on a worker thread the first time (the system bundle takes
 * tens of milliseconds to parse; the event loop keeps running), then cached. Concurrent first uses
 * share one parse.
 */
export async function trustForAsync(ca: string | Uint8Array | undefined): Promise<TrustHandle> {
  const { key, pem } = source(ca);
  const hit = cache.get(key);
  if (hit) return hit;
  let p = pending.get(key);
  if (!p) {
    const bytes = pem();
    p = native.tlsTrustAsync(bytes).then((r) => {
      pending.delete(key);
      if (typeof r === 'number') throw nativeError(r, 'tls.ca');
      cache.set(key, r);
      return r;
    }, (e: unknown) => {
      pending.delete(key);
      throw e;
    });
    pending.set(key, p);
  }
  return p;
}
