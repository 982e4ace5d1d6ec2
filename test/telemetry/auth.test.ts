/**
 * Telemetry security: tokens beyond loopback (bearer and subprotocol forms, viewer/operator roles),
 * refusing to start without tokens, origin allow-list, Host check on loopback, per-IP limit.
 */
import { request } from 'node:http';

import { describe, expect, it } from 'vitest';

import { TickwireError } from '../../src/native/errors.js';
import { TelemetryServer, type TelemetryOptions } from '../../src/telemetry/server.js';
import { httpGet, RefusedError, TestClient } from './client.js';
import { telemetryHarness } from './harness.js';
import { ScriptedSource } from './scripted-source.js';

const h = telemetryHarness();
const { open, client } = h;

const VIEWER = 'viewer-secret-7f3a';
const OPERATOR = 'operator-secret-91bc';

/** A server whose source has started (status ACTIVE). */
function serve(opts: TelemetryOptions = {}): ReturnType<typeof h.serve> {
  const source = new ScriptedSource();
  source.start();
  return h.serve(opts, source);
}

async function refusal(url: string, o: Parameters<typeof TestClient.open>[1] = {}): Promise<number> {
  try {
    const c = await TestClient.open(url, o);
    await c.close();
    return 101;
  } catch (err) {
    if (err instanceof RefusedError) return err.status;
    throw err;
  }
}

const tokens = { viewer: [VIEWER], operator: [OPERATOR] };

describe('beyond loopback', () => {
  it('refuses to start without tokens', async () => {
    const err = await TelemetryServer.start({ host: '0.0.0.0', port: 0 }, new ScriptedSource()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TickwireError);
    expect((err as TickwireError).code).toBe('CONFIG_INVALID');
    expect((err as TickwireError).message).toContain('telemetry.tokens');
    const empty = await TelemetryServer.start({ host: '0.0.0.0', port: 0, tokens: { viewer: [], operator: [] } }, new ScriptedSource()).catch((e: unknown) => e);
    expect((empty as TickwireError).code).toBe('CONFIG_INVALID');
  });

  it('requires a token: missing or wrong → 401, on WebSocket and HTTP', async () => {
    const { server, logs } = await serve({ host: '0.0.0.0', tokens });
    expect(await refusal(server.url)).toBe(401);
    expect(await refusal(server.url, { headers: { authorization: 'Bearer wrong-secret-1' } })).toBe(401);
    expect(await refusal(server.url, { headers: { authorization: `Basic ${OPERATOR}` } })).toBe(401);
    expect(await refusal(server.url, { protocols: ['tickwire.v1', 'tickwire.token.wrong-secret-2'] })).toBe(401);
    for (const path of ['/api/state', '/metrics', '/api/positions/stream']) {
      const r = await httpGet(`${server.url}${path}`);
      expect([path, r.status]).toEqual([path, 401]);
      expect(r.headers['www-authenticate']).toBe('Bearer');
      expect((await httpGet(`${server.url}${path}`, { authorization: 'Bearer wrong-secret-3' })).status).toBe(401);
    }
    expect((await httpGet(`${server.url}/api/state`, { authorization: `Bearer ${VIEWER}` })).status).toBe(200);
    expect((await httpGet(`${server.url}/metrics`, { authorization: `Bearer ${OPERATOR}` })).status).toBe(200);
    // the dashboard page itself is public (it holds no data)
    expect((await httpGet(`${server.url}/`)).status).toBe(200);
    // secrets are never logged, offered or valid
    expect(logs.length).toBeGreaterThan(0);
    for (const l of logs) for (const s of [VIEWER, OPERATOR, 'wrong-secret']) expect(l).not.toContain(s);
  });

  it('viewer reads but cannot HALT (FORBIDDEN); operator can', async () => {
    const { server, source } = await serve({ host: '0.0.0.0', tokens });
    const viewer = await client(server.url, { headers: { authorization: `Bearer ${VIEWER}` } });
    const w = await viewer.next('WELCOME');
    expect(w.role).toBe('viewer');
    expect(w.state.config.symbols).toEqual(['BTCUSDT', 'ETHUSDT']);
    viewer.send({ type: 'HALT', id: 'v1' });
    expect(await viewer.next('ERROR')).toMatchObject({ id: 'v1', code: 'FORBIDDEN' });
    viewer.send({ type: 'RESUME', id: 'v2' });
    expect(await viewer.next('ERROR')).toMatchObject({ id: 'v2', code: 'FORBIDDEN' });
    viewer.send({ type: 'SUBSCRIBE', id: 'v3', channels: ['market'] });
    expect(await viewer.next('ACK')).toMatchObject({ id: 'v3' });
    expect(source.commands).toEqual([]);
    expect(source.status).toBe('ACTIVE');

    const op = await client(server.url, { headers: { authorization: `Bearer ${OPERATOR}` } });
    expect((await op.next('WELCOME')).role).toBe('operator');
    op.send({ type: 'HALT', id: 'o1', reason: 'drill' });
    expect(await op.next('ACK')).toMatchObject({ id: 'o1' });
    expect(source.commands).toEqual([{ op: 'halt', reason: 'drill', by: 'operator@127.0.0.1' }]);
    expect(source.status).toBe('HALT');
  });

  it('accepts the Sec-WebSocket-Protocol token form and answers with the chosen protocol', async () => {
    const { server, source } = await serve({ host: '0.0.0.0', tokens });
    const both = await client(server.url, { protocols: ['tickwire.v1', `tickwire.token.${OPERATOR}`] });
    expect(both.ws.protocol).toBe('tickwire.v1');
    expect((await both.next('WELCOME')).role).toBe('operator');
    both.send({ type: 'HALT', id: 'h' });
    await both.next('ACK');
    expect(source.commands).toHaveLength(1);
    const only = await client(server.url, { protocols: [`tickwire.token.${VIEWER}`] });
    expect(only.ws.protocol).toBe(`tickwire.token.${VIEWER}`);
    expect((await only.next('WELCOME')).role).toBe('viewer');
  });

  it('a token listed as both viewer and operator is operator', async () => {
    const { server } = await serve({ host: '0.0.0.0', tokens: { viewer: [VIEWER, OPERATOR], operator: [OPERATOR] } });
    const both = await client(server.url, { headers: { authorization: `Bearer ${OPERATOR}` } });
    expect((await both.next('WELCOME')).role).toBe('operator');
    const viewerFirst = await serve({ host: '0.0.0.0', tokens: { operator: [OPERATOR], viewer: [OPERATOR] } });
    const again = await client(viewerFirst.server.url, { protocols: ['tickwire.v1', `tickwire.token.${OPERATOR}`] });
    expect((await again.next('WELCOME')).role).toBe('operator');
    const viewer = await client(server.url, { headers: { authorization: `Bearer ${VIEWER}` } });
    expect((await viewer.next('WELCOME')).role).toBe('viewer');
  });

  it('on loopback, configured tokens are required too', async () => {
    const { server } = await serve({ tokens: { operator: [OPERATOR] } });
    expect(await refusal(server.url)).toBe(401);
    const c = await client(server.url, { headers: { authorization: `Bearer ${OPERATOR}` } });
    expect((await c.next('WELCOME')).role).toBe('operator');
  });
});

describe('origins and hosts', () => {
  it('rejects WebSocket and SSE from origins not on the allow-list with 403', async () => {
    const { server } = await serve({ allowedOrigins: ['https://desk.example.com'] });
    expect(await refusal(server.url, { headers: { origin: 'https://evil.example' } })).toBe(403);
    expect((await httpGet(`${server.url}/api/positions/stream`, { origin: 'https://evil.example' })).status).toBe(403);
    const ok = await client(server.url, { headers: { origin: 'https://desk.example.com' } });
    await ok.next('WELCOME');
    const metrics = await httpGet(`${server.url}/metrics`);
    expect(metrics.body).toMatch(/tickwire_telemetry_rejected_total\{reason="origin"\} 2/);
  });

  it('without an allow-list: same origin only (a page elsewhere cannot drive a local server)', async () => {
    const { server } = await serve();
    const self = new URL(server.url).origin;
    const ok = await client(server.url, { headers: { origin: self } });
    await ok.next('WELCOME');
    expect(await refusal(server.url, { headers: { origin: 'http://attacker.example' } })).toBe(403);
    expect(await refusal(server.url, { headers: { origin: 'null' } })).toBe(403);
  });

  it('on loopback, refuses a non-loopback Host header (DNS rebinding)', async () => {
    const { server } = await serve();
    const port = new URL(server.url).port;
    expect(await refusal(server.url, { headers: { host: `rebind.attacker.example:${port}`, origin: `http://rebind.attacker.example:${port}` } })).toBe(403);
    expect((await httpGet(`${server.url}/api/state`, { host: `rebind.attacker.example:${port}` })).status).toBe(403);
    expect((await httpGet(`${server.url}/api/state`, { host: `localhost:${port}` })).status).toBe(200);
  });
});

describe('per-IP limit', () => {
  it('refuses connections beyond the limit with 429 (WebSocket and SSE count together) and frees slots on close', async () => {
    const { server } = await serve({ maxConnectionsPerIp: 3 });
    const a = await client(server.url);
    const b = await client(server.url);
    const sse = await new Promise<import('node:http').IncomingMessage>((resolve, reject) => {
      const req = request(`${server.url}/api/positions/stream`, resolve);
      req.on('error', reject);
      req.end();
      open.push({ close: async () => req.destroy() });
    });
    expect(sse.statusCode).toBe(200);
    expect(await refusal(server.url)).toBe(429);
    expect((await httpGet(`${server.url}/api/positions/stream`)).status).toBe(429);
    expect(server.connections).toEqual({ ws: 2, sse: 1 });
    await a.close();
    // the slot frees when the server sees the close
    for (let i = 0; i < 200 && server.connections.ws !== 1; i++) await new Promise((r) => setTimeout(r, 10));
    const c = await client(server.url);
    await c.next('WELCOME');
    void b;
    const metrics = await httpGet(`${server.url}/metrics`);
    expect(metrics.body).toMatch(/tickwire_telemetry_rejected_total\{reason="per-ip-limit"\} 2/);
  });
});
