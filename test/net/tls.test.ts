/**
 * wss:// against real Node TLS servers (certificates from native/test/tls_fixtures.sh, made with
 * openssl at test time), on both transports: CA, system bundle, pins, expired / wrong host /
 * self-signed certificates, a TLS 1.3-only server, a silent server, and session resumption.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import { createServer as createTcpServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';

import { connect, native, TickwireError, type ConnectOptions, type TickwireWebSocket } from '../../src/index.js';
import { expectCode } from './helpers.js';

const fx = join(tmpdir(), 'tickwire-tls-fixtures');
execFileSync('sh', [new URL('../../native/test/tls_fixtures.sh', import.meta.url).pathname, fx]);
const read = (f: string) => readFileSync(join(fx, f));
const pin = (name: string) => `sha256/${Buffer.from(read(`${name}.pin`).toString().trim(), 'hex').toString('base64')}`;
const CA = read('ca.pem').toString();

interface Peer {
  url: string;
  server: HttpsServer;
}

async function tlsPeer(cert: string, opts: { minVersion?: 'TLSv1.2' | 'TLSv1.3' } = {}): Promise<Peer> {
  const server = createHttpsServer({ key: read(`${cert}.key`), cert: read(`${cert}.pem`), ...opts });
  const wss = new WebSocketServer({ server, maxPayload: 64 << 20 });
  wss.on('connection', (ws) => ws.on('message', (d, isBinary) => ws.send(d, { binary: isBinary })));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `wss://127.0.0.1:${(server.address() as AddressInfo).port}/`, server };
}

async function echo(ws: TickwireWebSocket, data: Uint8Array | string): Promise<Buffer> {
  const got = new Promise<Buffer>((resolve) => ws.once('message', (d) => resolve(Buffer.from(d))));
  ws.send(data);
  return got;
}

for (const transport of ['io_uring', 'io_uring_sqpoll', 'epoll'] as const) {
  describe(`wss:// over ${transport}`, () => {
    const peers: Record<string, Peer> = {};
    const base: ConnectOptions = { transport, reconnect: false };

    beforeAll(async () => {
      for (const c of ['leaf_ec', 'leaf_rsa', 'expired', 'wronghost', 'selfsigned']) peers[c] = await tlsPeer(c);
      peers.tls13 = await tlsPeer('leaf_ec', { minVersion: 'TLSv1.3' });
    });
    afterAll(() => {
      for (const p of Object.values(peers)) p.server.close();
    });

    it('connects with a custom CA (EC and RSA leaves) and echoes up to 16 MiB', async () => {
      for (const leaf of ['leaf_ec', 'leaf_rsa']) {
        const ws = await connect(peers[leaf]?.url ?? '', { ...base, tls: { ca: CA, servername: 'localhost' }, maxMessageBytes: 32 << 20 });
        expect((await echo(ws, 'over TLS ✓')).toString()).toBe('over TLS ✓');
        const big = Buffer.alloc(16 << 20, 7);
        expect((await echo(ws, big)).equals(big)).toBe(true);
        ws.close();
      }
    });

    it('AES-GCM records are the same with the VAES code and with BearSSL\'s (every size 0..300, then 1 MiB)', async () => {
      // The server (OpenSSL) picks ECDHE-ECDSA-AES128-GCM-SHA256: both directions run through
      // the AES-CTR/GHASH in use (impls.aesGcm), which the engine takes at connect time.
      const impls = native.info().detected.vaes ? [false, true] : [true];
      try {
        for (const portable of impls) {
          native.forcePortable(portable);
          expect(native.info().impls.aesGcm).toBe(portable ? 'bearssl' : 'vaes');
          const ws = await connect(peers.leaf_ec?.url ?? '', { ...base, tls: { ca: CA, servername: 'localhost' }, maxMessageBytes: 2 << 20 });
          for (let n = 0; n <= 300; n++) {
            const m = Buffer.alloc(n);
            for (let i = 0; i < n; i++) m[i] = (i * 131 + n) & 255;
            expect((await echo(ws, m)).equals(m)).toBe(true);
          }
          const big = Buffer.alloc(1 << 20);
          for (let i = 0; i < big.length; i++) big[i] = (i * 2654435761) >>> 24;
          expect((await echo(ws, big)).equals(big)).toBe(true);
          ws.close();
        }
      } finally {
        native.forcePortable(false);
      }
    });

    it('the system CA bundle does not trust our private CA', async () => {
      await expectCode(connect(peers.leaf_ec?.url ?? '', { ...base, tls: { servername: 'localhost' } }), 'TLS_UNTRUSTED');
    });

    it('rejects an expired certificate, a wrong host name and a self-signed certificate', async () => {
      await expectCode(connect(peers.expired?.url ?? '', { ...base, tls: { ca: CA, servername: 'localhost' } }), 'TLS_CERT_EXPIRED');
      await expectCode(connect(peers.wronghost?.url ?? '', { ...base, tls: { ca: CA, servername: 'localhost' } }), 'TLS_BAD_HOSTNAME');
      await expectCode(connect(peers.selfsigned?.url ?? '', { ...base, tls: { ca: CA, servername: 'localhost' } }), 'TLS_UNTRUSTED');
    });

    it('with CA validation, a pin of the leaf or of the root is accepted and a wrong pin is refused', async () => {
      const url = peers.leaf_ec?.url ?? '';
      for (const p of [pin('leaf_ec'), pin('ca')]) {
        const ws = await connect(url, { ...base, tls: { ca: CA, servername: 'localhost', pins: [p] } });
        ws.close();
      }
      await expectCode(connect(url, { ...base, tls: { ca: CA, servername: 'localhost', pins: [pin('leaf_rsa')] } }), 'TLS_PIN_MISMATCH');
    });

    it('pinOnly: the pin alone decides (self-signed accepted with its pin, refused with another)', async () => {
      const url = peers.selfsigned?.url ?? '';
      const ws = await connect(url, { ...base, tls: { pinOnly: true, pins: [pin('selfsigned')] } });
      expect((await echo(ws, 'pinned')).toString()).toBe('pinned');
      ws.close();
      await expectCode(connect(url, { ...base, tls: { pinOnly: true, pins: [pin('leaf_ec')] } }), 'TLS_PIN_MISMATCH');
    });

    it('a TLS 1.3-only server gives TLS_PROTOCOL_VERSION at once, not a hang', async () => {
      const t0 = performance.now();
      await expectCode(connect(peers.tls13?.url ?? '', { ...base, tls: { ca: CA, servername: 'localhost' } }), 'TLS_PROTOCOL_VERSION');
      expect(performance.now() - t0).toBeLessThan(5000);
    });

    it('a server that never answers the handshake gives TLS_HANDSHAKE_TIMEOUT after handshakeTimeoutMs', async () => {
      const silent = createTcpServer(() => {});
      await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
      try {
        const url = `wss://127.0.0.1:${(silent.address() as AddressInfo).port}/`;
        const t0 = performance.now();
        await expectCode(connect(url, { ...base, tls: { ca: CA, servername: 'localhost', handshakeTimeoutMs: 300 } }), 'TLS_HANDSHAKE_TIMEOUT');
        expect(performance.now() - t0).toBeGreaterThanOrEqual(290);
      } finally {
        silent.close();
      }
    });

    it('resumes the TLS session on the next connection to the same server', async () => {
      const peer = await tlsPeer('leaf_ec');
      // Node's TLS server keeps no session-ID cache of its own; BearSSL resumes by session ID
      // (no tickets), as servers with a session cache (nginx, OpenSSL's default) allow.
      const cache = new Map<string, Buffer>();
      peer.server.on('newSession', (id: Buffer, data: Buffer, done: () => void) => {
        cache.set(id.toString('hex'), data);
        done();
      });
      peer.server.on('resumeSession', (id: Buffer, done: (err: Error | null, data: Buffer | null) => void) =>
        done(null, cache.get(id.toString('hex')) ?? null),
      );
      try {
        const opts: ConnectOptions = { ...base, tls: { ca: CA, servername: 'localhost' } };
        const first = await connect(peer.url, opts);
        expect(first.stats().tlsResumed).toBe(false);
        first.close();
        const second = await connect(peer.url, opts);
        expect(second.stats().tlsResumed).toBe(true);
        expect((await echo(second, 'resumed')).toString()).toBe('resumed');
        second.close();
        const fresh = await connect(peer.url, { ...base, tls: { ca: CA, servername: 'localhost', resume: false } });
        expect(fresh.stats().tlsResumed).toBe(false);
        fresh.close();
      } finally {
        peer.server.close();
      }
    });

    it('refuses malformed pins and pinOnly without pins before connecting', async () => {
      await expectCode(connect(peers.leaf_ec?.url ?? '', { ...base, tls: { pins: ['sha1/abc'] } }), 'INVALID_ARGUMENT');
      await expectCode(connect(peers.leaf_ec?.url ?? '', { ...base, tls: { pins: ['sha256/short'] } }), 'INVALID_ARGUMENT');
      await expectCode(connect(peers.leaf_ec?.url ?? '', { ...base, tls: { pinOnly: true } }), 'INVALID_ARGUMENT');
    });
  });
}
