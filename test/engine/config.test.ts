/** Engine config: schema errors name the path and the expectation; YAML and JSON; secrets from env or owner-only files. */
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';

import { describe, expect, it } from 'vitest';

import { loadConfig, redactedConfig, Secret, type EngineConfigInput } from '../../src/engine/config.js';
import { TickwireError } from '../../src/native/errors.js';

const dir = mkdtempSync(join(tmpdir(), 'tickwire-config-'));

function base(): Record<string, unknown> {
  return {
    venues: { binance: { symbols: ['BTCUSDT'] } },
    strategies: [{ type: 'whale', mode: 'follow', k: 10, windowMs: 60_000, minTrades: 20, orderNotional: 500 }],
    risk: { maxPosition: 1, maxNotional: 50_000, approvedSize: 0.05, dailyLossLimit: 1000, maxOrdersPerSecond: 5 },
    journal: { path: join(dir, 'journal.log') },
  };
}

function configError(input: unknown, env: NodeJS.ProcessEnv = {}): string {
  try {
    loadConfig(input as EngineConfigInput, { env });
  } catch (e) {
    expect(e).toBeInstanceOf(TickwireError);
    expect((e as TickwireError).code).toBe('CONFIG_INVALID');
    return (e as Error).message;
  }
  throw new Error('expected CONFIG_INVALID');
}

function set(obj: Record<string, unknown>, path: string, value: unknown): Record<string, unknown> {
  const keys = path.split('.');
  let cur: Record<string, unknown> = obj;
  for (const k of keys.slice(0, -1)) cur = cur[k] as Record<string, unknown>;
  cur[keys[keys.length - 1] as string] = value;
  return obj;
}

describe('config validation', () => {
  it('accepts a minimal config and applies the defaults', () => {
    const c = loadConfig(base() as EngineConfigInput, { env: {} });
    expect(c.risk.staleness).toEqual({ pricesMs: 5000, booksMs: 2000, positionsMs: 30_000 });
    expect(c.journal.fsync).toBe('batch');
    expect(c.telemetry).toMatchObject({ enabled: true, host: '127.0.0.1', port: 8000, rateHz: 4 });
    expect(c.portfolio.startingCash).toBe(100_000);
    expect(c.strategies[0]?.mode).toBe('follow');
  });

  // Each bad field: the message names its path and what was expected.
  const cases: Array<[string, unknown, RegExp]> = [
    ['risk.approvedSize', 0.5, /risk\.approvedSize: expected a value <= 0\.2, got 0\.5/],
    ['risk.approvedSize', -0.1, /risk\.approvedSize: expected a value >= 0, got -0\.1/],
    ['risk.approvedSize', 'big', /risk\.approvedSize: expected a number, got a string/],
    ['risk.maxPosition', 'x', /risk\.maxPosition: expected a number >= 0 or a map \{ SYMBOL: number >= 0 \}/],
    ['risk.maxOrdersPerSecond', 0, /risk\.maxOrdersPerSecond: expected a value > 0, got 0/],
    ['risk.dailyLossLimit', undefined, /risk\.dailyLossLimit: expected a number \(missing\)/],
    ['risk.staleness', { pricesMs: 1.5 }, /risk\.staleness\.pricesMs: expected an integer, got 1\.5/],
    ['journal.fsync', 'sometimes', /journal\.fsync: expected one of "always", "batch", "none", got "sometimes"/],
    ['journal.path', '', /journal\.path: expected at least 1 character/],
    ['telemetry', { port: 70000 }, /telemetry\.port: expected a value <= 65535, got 70000/],
    ['telemetry', { rateHz: 0 }, /telemetry\.rateHz: expected a value > 0/],
    ['telemetry', { redis: { url: 'http://x' } }, /telemetry\.redis\.url: expected a redis:\/\/ or rediss:\/\/ URL/],
    ['strategies', [{ type: 'whale', mode: 'sideways', k: 10, windowMs: 1000, minTrades: 5, orderNotional: 1 }], /strategies\.0\.mode: expected one of "follow", "fade"/],
    ['strategies', [{ type: 'whale', mode: 'fade', k: 0.5, windowMs: 1000, minTrades: 5, orderNotional: 1 }], /strategies\.0\.k: expected a value > 1, got 0\.5/],
    ['strategies', [{ type: 'grid' }], /strategies\.0(\.type)?: .*whale/],
    ['venues', {}, /venues: expected at least one venue/],
    ['venues', { binance: { symbols: [] } }, /venues\.binance\.symbols: expected at least 1 item/],
    ['venues', { binance: { symbols: ['BTCUSDT'], tls: { pins: ['abc'] } } }, /venues\.binance\.tls\.pins\.0: expected a pin like "sha256\/<44 base64 characters>"/],
    ['venues', { binance: { symbols: ['BTCUSDT'], tls: { pinOnly: true } } }, /venues\.binance\.tls\.pinOnly: expected tls\.pins to be set with pinOnly/],
    ['venues', { binance: { symbols: ['BTCUSDT'], urls: { restUrl: 'wss://x' } } }, /venues\.binance\.urls\.restUrl: unknown endpoint, expected one of streamUrl, wsApiUrl/],
    ['venues', { binance: { symbols: ['BTCUSDT'], urls: { streamUrl: 'https://x' } } }, /venues\.binance\.urls\.streamUrl: expected a url/],
    ['venues', { mtgox: { symbols: ['BTCUSD'] } }, /venues: unknown field\(s\) 'mtgox'/],
    ['risk.extra', 1, /risk: unknown field\(s\) 'extra'/],
  ];
  for (const [path, value, re] of cases) {
    it(`${path} = ${JSON.stringify(value)}`, () => {
      expect(configError(set(base(), path, value))).toMatch(re);
    });
  }

  it('lists every problem at once', () => {
    const c = base();
    set(c, 'risk.approvedSize', 1);
    set(c, 'journal.fsync', 'x');
    set(c, 'telemetry', { port: -1 });
    const msg = configError(c);
    expect(msg).toMatch(/3 problems/);
    expect(msg).toMatch(/risk\.approvedSize/);
    expect(msg).toMatch(/journal\.fsync/);
    expect(msg).toMatch(/telemetry\.port/);
  });

  it('a strategy symbol that no venue has is refused', () => {
    const c = base();
    (c.strategies as Array<Record<string, unknown>>)[0]!.symbols = ['DOGEUSDT'];
    expect(configError(c)).toMatch(/strategies\.0\.symbols: .*'DOGEUSDT'/);
  });
});

describe('config files', () => {
  it('loads YAML and JSON to the same config', () => {
    const yaml = join(dir, 'a.yaml');
    writeFileSync(
      yaml,
      `venues:
  binance:
    symbols: [BTCUSDT]
strategies:
  - { type: whale, mode: follow, k: 10, windowMs: 60000, minTrades: 20, orderNotional: 500 }
risk: { maxPosition: 1, maxNotional: 50000, approvedSize: 0.05, dailyLossLimit: 1000, maxOrdersPerSecond: 5 }
journal: { path: journal.log }
`,
    );
    const json = join(dir, 'a.json');
    writeFileSync(json, JSON.stringify({ ...base(), journal: { path: 'journal.log' } }));
    const a = loadConfig(yaml, { env: {} });
    const b = loadConfig(json, { env: {} });
    expect(redactedConfig(a)).toEqual(redactedConfig(b));
    expect(a.baseDir).toBe(dir);
  });

  it('a YAML file with a bad field names the file and the path', () => {
    const f = join(dir, 'bad.yml');
    writeFileSync(f, `venues: { binance: { symbols: [BTCUSDT] } }\nrisk: { maxPosition: 1, maxNotional: 1, approvedSize: 0.3, dailyLossLimit: 1, maxOrdersPerSecond: 1 }\njournal: { path: j }\n`);
    let err: TickwireError | undefined;
    try {
      loadConfig(f, { env: {} });
    } catch (e) {
      err = e as TickwireError;
    }
    expect(err?.code).toBe('CONFIG_INVALID');
    expect(err?.message).toContain(f);
    expect(err?.message).toMatch(/risk\.approvedSize: expected a value <= 0\.2, got 0\.3/);
  });

  it('unparsable YAML / JSON and a missing file are CONFIG_INVALID', () => {
    const y = join(dir, 'broken.yaml');
    writeFileSync(y, 'venues: [unclosed\n');
    expect(() => loadConfig(y)).toThrow(/cannot be parsed as YAML/);
    const j = join(dir, 'broken.json');
    writeFileSync(j, '{"venues":');
    expect(() => loadConfig(j)).toThrow(/cannot be parsed as JSON/);
    expect(() => loadConfig(join(dir, 'nope.yaml'))).toThrow(/cannot be read: ENOENT/);
  });
});

describe('secrets', () => {
  const SECRET = 'sup3r-s3cret-value-8d1f';
  const KEY = 'api-key-value-77aa';

  function withCreds(creds: unknown): Record<string, unknown> {
    return set(base(), 'venues', { binance: { symbols: ['BTCUSDT'], credentials: creds } });
  }

  it('come from environment variables (${ENV:NAME} and { env })', () => {
    const c = loadConfig(withCreds({ apiKey: '${ENV:TW_KEY}', secret: { env: 'TW_SECRET' } }) as EngineConfigInput, { env: { TW_KEY: KEY, TW_SECRET: SECRET } });
    const creds = c.secrets.venues.binance;
    expect(creds?.apiKey?.reveal()).toBe(KEY);
    expect(creds?.secret?.reveal()).toBe(SECRET);
    expect(creds?.secret?.source).toBe('env:TW_SECRET');
  });

  it('a missing environment variable names the path and the variable, never a value', () => {
    const msg = configError(withCreds({ apiKey: '${ENV:TW_KEY}', secret: '${ENV:TW_SECRET}' }), { TW_KEY: KEY });
    expect(msg).toMatch(/venues\.binance\.credentials\.secret: expected the environment variable TW_SECRET to be set/);
    expect(msg).not.toContain(KEY);
  });

  it('a secret written in the config itself is refused, and not echoed', () => {
    const msg = configError(withCreds({ apiKey: KEY, secret: SECRET }));
    expect(msg).toMatch(/venues\.binance\.credentials\.apiKey: expected a secret reference/);
    expect(msg).toMatch(/venues\.binance\.credentials\.secret: expected a secret reference/);
    expect(msg).not.toContain(KEY);
    expect(msg).not.toContain(SECRET);
  });

  it('apiKey without secret is refused', () => {
    expect(configError(withCreds({ apiKey: '${ENV:TW_KEY}' }), { TW_KEY: KEY })).toMatch(/venues\.binance\.credentials: expected apiKey and secret together/);
  });

  it('come from a file readable by its owner only; a group/world-readable file is refused by name', () => {
    const f = join(dir, 'secret.txt');
    writeFileSync(f, `${SECRET}\n`);
    chmodSync(f, 0o600);
    const c = loadConfig(withCreds({ apiKey: { env: 'TW_KEY' }, secret: { file: f } }) as EngineConfigInput, { env: { TW_KEY: KEY } });
    expect(c.secrets.venues.binance?.secret?.reveal()).toBe(SECRET);

    chmodSync(f, 0o644);
    const msg = configError(withCreds({ apiKey: { env: 'TW_KEY' }, secret: { file: f } }), { TW_KEY: KEY });
    expect(msg).toMatch(/venues\.binance\.credentials\.secret: expected a secret file readable by its owner only \(chmod 600\)/);
    expect(msg).toContain(`${f} has mode 644`);
    expect(msg).not.toContain(SECRET);

    chmodSync(f, 0o640);
    expect(configError(withCreds({ apiKey: { env: 'TW_KEY' }, secret: { file: f } }), { TW_KEY: KEY })).toContain('has mode 640');
    expect(configError(withCreds({ apiKey: { env: 'TW_KEY' }, secret: { file: join(dir, 'absent') } }), { TW_KEY: KEY })).toMatch(/ENOENT/);
  });

  it('telemetry tokens are secrets too', () => {
    const c = loadConfig(set(base(), 'telemetry', { tokens: { operator: ['${ENV:TW_OP}'] } }) as EngineConfigInput, { env: { TW_OP: 'op-token-123456' } });
    expect(c.secrets.telemetry.operator.map((s) => s.reveal())).toEqual(['op-token-123456']);
    expect(configError(set(base(), 'telemetry', { tokens: { viewer: ['plain-token'] } }))).toMatch(/telemetry\.tokens\.viewer\.0: expected a secret reference/);
  });

  it('never print: String, JSON, inspect and the redacted config hide them', () => {
    const c = loadConfig(withCreds({ apiKey: '${ENV:TW_KEY}', secret: '${ENV:TW_SECRET}' }) as EngineConfigInput, { env: { TW_KEY: KEY, TW_SECRET: SECRET } });
    const s = c.secrets.venues.binance?.secret as Secret;
    expect(String(s)).toBe('[redacted]');
    expect(`${s}`).not.toContain(SECRET);
    for (const text of [JSON.stringify(c), inspect(c, { depth: 10 }), JSON.stringify(redactedConfig(c))]) {
      expect(text).not.toContain(SECRET);
      expect(text).not.toContain(KEY);
    }
  });
});
