/**
 * Shared setup of the telemetry server tests: a server on an ephemeral loopback port fed by a
 * {@link ScriptedSource}, clients, and cleanup after each test. Call {@link telemetryHarness} once
 * at the top level of a test file (it registers the afterEach).
 */
import { afterEach } from 'vitest';

import { TelemetryServer, type TelemetryOptions } from '../../src/telemetry/server.js';
import { TestClient } from './client.js';
import { ScriptedSource } from './scripted-source.js';

export interface TelemetryHarness {
  /** Closed after each test, last opened first. */
  open: Array<{ close(): Promise<unknown> }>;
  /** A server (port 0, rateHz 0.01 unless overridden) whose log lines are collected in `logs`. */
  serve(opts?: TelemetryOptions, source?: ScriptedSource): Promise<{ server: TelemetryServer; source: ScriptedSource; logs: string[] }>;
  /** A connected WebSocket client, closed after the test. */
  client(url: string, o?: Parameters<typeof TestClient.open>[1]): Promise<TestClient>;
}

export function telemetryHarness(): TelemetryHarness {
  const open: TelemetryHarness['open'] = [];
  afterEach(async () => {
    while (open.length) await open.pop()!.close();
  });
  return {
    open,
    async serve(opts = {}, source = new ScriptedSource()) {
      const logs: string[] = [];
      const server = await TelemetryServer.start({ port: 0, rateHz: 0.01, log: (l, m) => logs.push(`${l}: ${m}`), ...opts }, source);
      open.push(server);
      return { server, source, logs };
    },
    async client(url, o = {}) {
      const c = await TestClient.open(url, o);
      open.push(c);
      return c;
    },
  };
}
