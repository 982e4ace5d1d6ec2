/**
 * kill -9 the engine process mid-burst (`tickwire run` in a child, orders flowing to a simulator
 * this test owns), restart the engine on the same journal and venue: every order the venue saw
 * was journaled (intent) before it was sent, no order is acknowledged twice or resent, positions
 * come back from the journaled fills, and intents caught between journal and ack are reported as
 * unknown outcomes.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { expect, it } from 'vitest';

import { Engine } from '../../src/engine/engine.js';
import { replayJournal } from '../../src/orders/journal/replay.js';
import { SimServer } from '../../src/sim/server.js';

const root = fileURLToPath(new URL('../..', import.meta.url));

it('kill -9 mid-burst, restart: nothing lost, duplicated or resent', async () => {
  const sim = await SimServer.start({ venue: 'binance', seed: 21, tickIntervalMs: 5 });
  sim.market.whaleProbability = 0.5;
  const simOrders = new Set<string>();
  let simTrades = 0;
  let kill = (): void => undefined;
  sim.matching.on('execution', (x) => {
    if (x.order.account !== 'simkey') return;
    simOrders.add(x.order.clientOrderId);
    if (x.type === 'trade') simTrades++;
    // The 40th order is at the venue, its ack and fills not yet back at the engine: kill now.
    if (simOrders.size === 40) kill();
  });
  const dir = mkdtempSync(join(tmpdir(), 'tickwire-crash-'));
  const journal = join(dir, 'journal.log');
  const config = join(dir, 'engine.yaml');
  writeFileSync(
    config,
    `venues:
  binance:
    symbols: [BTCUSDT, ETHUSDT]
    urls: { streamUrl: '${sim.url}', wsApiUrl: '${sim.url}/ws-api/v3' }
    tls: { pins: ['${sim.pin}'], pinOnly: true }
    credentials: { apiKey: '\${ENV:TW_KEY}', secret: '\${ENV:TW_SECRET}' }
    precision: { BTCUSDT: { priceDecimals: 2, qtyDecimals: 5 }, ETHUSDT: { priceDecimals: 2, qtyDecimals: 4 } }
strategies:
  - { type: whale, mode: follow, k: 3, windowMs: 60000, minTrades: 5, orderNotional: 300 }
risk: { maxPosition: 1000, maxNotional: 10000000, approvedSize: 0.2, dailyLossLimit: 100000, maxOrdersPerSecond: 100 }
journal: { path: journal.log, fsync: batch }
telemetry: { enabled: false }
logLevel: silent
`,
  );
  const env = { ...process.env, TW_KEY: 'simkey', TW_SECRET: 'simsecret' };
  const child = spawn(process.execPath, ['--import', 'tsx', join(root, 'src/cli/main.ts'), 'run', config, '--interval', '0'], { cwd: root, env, stdio: 'ignore' });
  const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
  kill = () => child.kill('SIGKILL');
  expect(await exited).toBe('SIGKILL');
  sim.market.stop(); // no new whales: anything the venue sees from now on would be a resend
  await new Promise((r) => setTimeout(r, 200)); // requests already on the wire settle at the venue
  const ordersAtCrash = simOrders.size;

  const r = await replayJournal(journal);
  const intents = new Map<string, number>();
  const ackClientIds = new Map<string, Set<string>>(); // intent id → client order ids acked
  const fillIds = new Set<string>();
  for (const rec of r.records) {
    if (rec.t === 'intent') intents.set(rec.id, (intents.get(rec.id) ?? 0) + 1);
    if (rec.t === 'ack') {
      const set = ackClientIds.get(rec.id) ?? new Set<string>();
      set.add(rec.ack.clientOrderId);
      ackClientIds.set(rec.id, set);
    }
    if (rec.t === 'fill') {
      const key = `${rec.fill.symbol}:${rec.fill.tradeId}`; // trade ids are per symbol
      expect(fillIds.has(key)).toBe(false); // no fill journaled twice
      fillIds.add(key);
    }
  }
  // Every intent once; every acked order is one venue order, and no venue order belongs to two intents.
  expect([...intents.values()].every((n) => n === 1)).toBe(true);
  const acked = [...ackClientIds.values()];
  expect(acked.every((s) => s.size === 1)).toBe(true);
  const ackedIds = acked.map((s) => [...s][0]!);
  expect(new Set(ackedIds).size).toBe(ackedIds.length);
  for (const id of ackedIds) expect(simOrders.has(id)).toBe(true);
  // Every order the venue saw had its intent journaled first: at most the unacked intents are missing acks.
  expect(ordersAtCrash).toBeLessThanOrEqual(intents.size);
  expect(ordersAtCrash - ackedIds.length).toBeLessThanOrEqual(intents.size - ackClientIds.size);
  expect(intents.size - ackClientIds.size).toBeGreaterThanOrEqual(1); // the order in flight at the kill
  expect(fillIds.size).toBeLessThanOrEqual(simTrades);

  // Restart on the same journal and venue.
  const engine = await Engine.start(config, { env: { TW_KEY: 'simkey', TW_SECRET: 'simsecret' } });
  try {
    const rec = engine.reconciliation;
    expect(rec.records).toBe(r.records.length);
    const unacked = [...intents.keys()].filter((id) => !ackClientIds.has(id));
    expect(rec.unknown.sort()).toEqual(unacked.sort());
    for (const [key, qty] of r.positions) {
      const [venue, symbol] = key.split(':') as ['binance', string];
      expect(engine.portfolio.position(venue, symbol)).toBeCloseTo(qty, 9);
    }
    await new Promise((res) => setTimeout(res, 200));
    expect(simOrders.size).toBe(ordersAtCrash); // nothing resent
  } finally {
    await engine.stop();
    await sim.close();
  }
});
