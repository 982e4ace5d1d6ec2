/**
 * Trust anchors parsed off the event loop: the system bundle is parsed on a worker thread, once,
 * however many connections ask at the same time; a bad CA fails with its typed error.
 */
import { describe, expect, it } from 'vitest';

import { trustForAsync } from '../../src/net/trust.js';
import { TickwireError } from '../../src/index.js';

describe('trust anchors', () => {
  it('parses the system bundle on a worker thread: the event loop turns before it resolves', async () => {
    const order: string[] = [];
    setImmediate(() => order.push('event loop turned'));
    const first = trustForAsync(undefined).then((h) => {
      order.push('parsed');
      return h;
    });
    const second = trustForAsync(undefined); // a concurrent first use shares the parse
    const [a, b] = await Promise.all([first, second]);
    expect(order).toEqual(['event loop turned', 'parsed']);
    expect(a).toBe(b);
    expect(await trustForAsync(undefined)).toBe(a); // cached afterwards
  });

  it('rejects a CA without a usable certificate with TLS_BAD_CA, and does not cache the failure', async () => {
    for (let i = 0; i < 2; i++) {
      const err = await trustForAsync('-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n').catch((e: unknown) => e);
      expect(err).toBeInstanceOf(TickwireError);
      expect((err as TickwireError).code).toBe('TLS_BAD_CA');
    }
  });

  it('reports an unreadable system bundle as TLS_BAD_CA', async () => {
    const saved = process.env.SSL_CERT_FILE;
    process.env.SSL_CERT_FILE = '/nonexistent/bundle.pem';
    try {
      const err = await trustForAsync(undefined).catch((e: unknown) => e);
      expect((err as TickwireError).code).toBe('TLS_BAD_CA');
    } finally {
      if (saved === undefined) delete process.env.SSL_CERT_FILE;
      else process.env.SSL_CERT_FILE = saved;
    }
  });
});
