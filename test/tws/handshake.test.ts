/**
 * The connection handshake against the fake TWS on loopback, over the native transport (both
 * backends): version negotiation, API readiness, and every way it can fail.
 */
import { connect as netConnect, type Socket } from 'node:net';

import { describe, expect, it } from 'vitest';

import type { FakeTws } from '../../src/sim/tws/index.js';
import { connect, defaultClientId, TwsError } from '../../src/tws/index.js';
import { cleanupAfterEach, client, connected, fake, freePort, next, rejects, throws, TRANSPORTS } from './helpers.js';

for (const transport of TRANSPORTS) {
  describe(`TWS handshake over ${transport}`, () => {
    const { cleanup, track } = cleanupAfterEach();

    it('negotiates the highest version both sides speak, at several ranges', async () => {
      const cases: Array<{ fakeMax: number; min?: number; max?: number; want: number; offered: string }> = [
        { fakeMax: 193, want: 193, offered: 'v157..193' },
        { fakeMax: 193, min: 157, max: 176, want: 176, offered: 'v157..176' },
        { fakeMax: 163, want: 163, offered: 'v157..193' },
        { fakeMax: 193, min: 170, max: 170, want: 170, offered: 'v170' },
        { fakeMax: 187, min: 166, max: 190, want: 187, offered: 'v166..190' },
      ];
      for (const c of cases) {
        const f = track(await fake({ serverVersion: c.fakeMax }));
        const ib = track(await connected(f, transport, { ...(c.min ? { minVersion: c.min } : {}), ...(c.max ? { maxVersion: c.max } : {}) }));
        expect(ib.serverVersion).toBe(c.want);
        expect(ib.connectionTime).toMatch(/^\d{8} \d\d:\d\d:\d\d UTC$/);
        expect(f.clients()).toEqual([{ clientId: ib.clientId, serverVersion: c.want, offered: c.offered }]);
      }
    });

    it('resolves after nextValidId and managedAccounts, with START_API carrying the client id', async () => {
      const f = track(await fake({ accounts: ['DU111', 'DU222'], nextOrderId: 1000 }));
      const start = next<[{ name: string; fields: string[] }]>(f, 'request', (r) => r.name === 'startApi');
      const ib = track(await connect({ port: f.port, transport, clientId: 17, reconnect: false }));
      expect(ib.accounts).toEqual(['DU111', 'DU222']);
      expect(ib.nextOrderId).toBe(1000);
      expect(ib.clientId).toBe(17);
      expect(ib.connected).toBe(true);
      expect((await start)[0].fields).toEqual(['71', '2', '17', '']);
    });

    it("reports TWS's farm notices as info, not errors", async () => {
      const f = track(await fake());
      const ib = track(client(f, transport));
      const infos: number[] = [];
      const errors: unknown[] = [];
      ib.on('info', (i) => infos.push(i.code));
      ib.on('error', (e) => errors.push(e));
      const third = next(ib, 'info', (i: { code: number }) => i.code === 2158);
      await ib.open();
      await third;
      expect(infos).toEqual([2104, 2106, 2158]);
      expect(errors).toEqual([]);
    });

    it('fails when TWS and the client share no version (TWS closes)', async () => {
      const f = track(await fake({ serverVersion: 176 }));
      const err = await rejects(connect({ port: f.port, transport, minVersion: 180, reconnect: false }), 'CONN_CLOSED');
      expect(err.reason).toBe('CLOSED_IN_HANDSHAKE');
      expect(err.message).toContain('Enable ActiveX and Socket Clients');
    });

    it('silent peer (API connections disabled) → TWS_HANDSHAKE_TIMEOUT with the settings hint', async () => {
      const f = track(await fake({ faults: { silentAfterAccept: true } }));
      const err = await rejects(connect({ port: f.port, transport, timeoutMs: 300, reconnect: false }), 'TWS_HANDSHAKE_TIMEOUT');
      expect(err.reason).toBe('NO_SERVER_VERSION');
      for (const s of ['Enable ActiveX and Socket Clients', '7496', '7497', '4001', '4002', 'Trusted IPs']) expect(err.message).toContain(s);
      expect(f.clients()).toEqual([]);
    });

    it('no nextValidId after the handshake → TWS_HANDSHAKE_TIMEOUT (API not ready)', async () => {
      const f = track(await fake({ faults: { withholdNextValidId: true } }));
      const err = await rejects(connect({ port: f.port, transport, timeoutMs: 300, reconnect: false }), 'TWS_HANDSHAKE_TIMEOUT');
      expect(err.reason).toBe('API_NOT_READY');
      expect(err.message).toContain('nextValidId');
    });

    it('nothing listening → TWS_CONNECTION_REFUSED with the ports hint', async () => {
      const port = await freePort();
      const err = await rejects(connect({ port, transport, reconnect: false }), 'TWS_CONNECTION_REFUSED');
      expect(err.message).toContain(`127.0.0.1:${port}`);
      expect(err.message).toContain('7497 TWS paper');
      expect(err.message).toContain('Enable ActiveX and Socket Clients');
    });

    it('an old-style (pre-v100) client gets no answer, as from TWS; a v100+ client on the same fake does', async () => {
      const logs: string[] = [];
      const f = track(await fake({ log: (m) => logs.push(m) }));
      const legacy: Socket = netConnect(f.port, '127.0.0.1');
      cleanup.push(() => void legacy.destroy());
      let legacyBytes = 0;
      legacy.on('data', (d) => (legacyBytes += d.length));
      await new Promise<void>((r) => legacy.once('connect', () => r()));
      legacy.write('66\0');
      legacy.write('1\0');
      // the fake has read the old-style header once it logs it
      await new Promise<void>((resolve) => {
        const poll = (): void => (logs.some((l) => l.includes('pre-v100')) ? resolve() : void setImmediate(poll));
        poll();
      });
      const ib = track(await connected(f, transport));
      expect(await ib.reqCurrentTime()).toBeGreaterThan(1_000_000_000);
      expect(legacyBytes).toBe(0);
      expect(f.clients().map((c) => c.clientId)).toEqual([ib.clientId]);
      expect(legacy.destroyed).toBe(false);
    });

    it('legacyHandshake: "close" drops an old-style client at once', async () => {
      const f = track(await fake({ legacyHandshake: 'close' }));
      const legacy = netConnect(f.port, '127.0.0.1');
      legacy.on('error', () => undefined);
      legacy.write('66\0');
      await new Promise<void>((r) => legacy.once('close', () => r()));
    });

    it('client id in use (326) → TWS_CLIENT_ID_IN_USE; with clientIdRetries another id is used', async () => {
      const f = track(await fake());
      track(await connected(f, transport, { clientId: 5 }));
      const err = await rejects(connect({ port: f.port, transport, clientId: 5, reconnect: false }), 'TWS_CLIENT_ID_IN_USE');
      expect(err).toBeInstanceOf(TwsError);
      expect((err as TwsError).ibCode).toBe(326);
      expect(err.message).toContain('client id 5');
      const second = track(await connect({ port: f.port, transport, clientId: 5, clientIdRetries: 2, reconnect: false, logger: () => undefined }));
      expect(second.clientId).toBe(6);
      expect(f.clients().map((c) => c.clientId).sort()).toEqual([5, 6]);
      // the same refusal, delivered one byte at a time
      f.faults.chunkedWrites = 1;
      await rejects(connect({ port: f.port, transport, clientId: 6, reconnect: false }), 'TWS_CLIENT_ID_IN_USE');
    });

    it('default client ids come from the clock, are unique in the process and never 0', async () => {
      const f = track(await fake());
      const a = track(await connected(f, transport));
      const b = track(await connected(f, transport));
      expect(a.clientId).not.toBe(b.clientId);
      const ids = new Set(Array.from({ length: 1000 }, () => defaultClientId()));
      expect(ids.size).toBe(1000);
      for (const id of ids) expect(id).toBeGreaterThan(0);
    });

    it('rejects bad options with INVALID_ARGUMENT before connecting', async () => {
      await rejects(connect({ port: 0 }), 'INVALID_ARGUMENT');
      await rejects(connect({ minVersion: 100 }), 'INVALID_ARGUMENT');
      await rejects(connect({ maxVersion: 201 }), 'INVALID_ARGUMENT');
      await rejects(connect({ clientId: -1 }), 'INVALID_ARGUMENT');
      await rejects(connect({ transport: 'kqueue' as never }), 'INVALID_ARGUMENT');
      await rejects(connect({ connectOptions: 'a\0b' }), 'INVALID_ARGUMENT');
      throws(() => client({ port: 1 } as FakeTws, transport, { reconnect: { initialDelayMs: -1, maxDelayMs: 1, maxAttempts: 0, jitter: false } }), 'INVALID_ARGUMENT');
    });

    it('disconnect() while the handshake is pending rejects connect()', async () => {
      const f = track(await fake({ faults: { silentAfterAccept: true } }));
      const ib = client(f, transport, { timeoutMs: 30_000 });
      const opening = ib.open();
      const accepted = new Promise<void>((resolve) => {
        const poll = (): void => (f.connectionCount > 0 ? resolve() : void setImmediate(poll));
        poll();
      });
      await accepted;
      await ib.disconnect();
      await rejects(opening, 'TWS_NOT_CONNECTED');
    });
  });
}
