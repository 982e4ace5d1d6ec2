/**
 * The engine's configuration: one file (JSON or YAML) validated with zod. Every bad field is
 * reported as a CONFIG_INVALID {@link TickwireError} whose message lists each problem as
 * `<path>: <what was expected>` (`risk.approvedSize: expected a number <= 0.2, got 0.5`).
 *
 * Secrets (API keys, secrets, Kraken tokens, telemetry tokens) are never written in the config:
 * a secret field holds a reference, `${ENV:NAME}` / `{ env: NAME }` (an environment variable) or
 * `{ file: path }` (a file readable by its owner only: `mode & 0o077` must be 0). Resolved values
 * are wrapped in {@link Secret}, which prints, logs and serializes as `[redacted]`.
 */
import { readFileSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, isAbsolute, resolve as resolvePath } from 'node:path';
import { inspect } from 'node:util';

import { parse as parseYaml } from 'yaml';
import { z } from 'zod';

import { TickwireError } from '../native/errors.js';

/** A resolved secret value. `String(s)`, `JSON.stringify(s)` and `util.inspect(s)` give `[redacted]`; `reveal()` the value. */
export class Secret {
  readonly #value: string;
  /** Where it came from (`env:NAME` or `file:/path`): safe to print. */
  readonly source: string;
  constructor(value: string, source: string) {
    this.#value = value;
    this.source = source;
  }
  reveal(): string {
    return this.#value;
  }
  toString(): string {
    return '[redacted]';
  }
  toJSON(): string {
    return '[redacted]';
  }
  [inspect.custom](): string {
    return `Secret(${this.source})`;
  }
}

// ---------------------------------------------------------------------------------------------
// Schema
// ---------------------------------------------------------------------------------------------

const SECRET_HINT = 'a secret reference: "${ENV:NAME}", { env: NAME } or { file: path } (secrets are never written in the config itself)';

/** A secret reference as written in the file (resolved later, see {@link loadConfig}). */
const secretRef = z.union(
  [
    z.string().regex(/^\$\{ENV:[A-Za-z_][A-Za-z0-9_]*\}$/, { error: SECRET_HINT }),
    z.strictObject({ env: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/) }),
    z.strictObject({ file: z.string().min(1) }),
  ],
  { error: SECRET_HINT },
);
export type SecretRef = z.infer<typeof secretRef>;

const positiveInt = z.number().int().positive();
const nonNegInt = z.number().int().nonnegative();
const perSymbol = z.union([z.number().nonnegative(), z.record(z.string(), z.number().nonnegative())], {
  error: 'a number >= 0 or a map { SYMBOL: number >= 0 }',
});

const tlsSchema = z.strictObject({
  /** 'sha256/<base64>' SPKI pins. */
  pins: z.array(z.string().regex(/^sha256\/[A-Za-z0-9+/]{43}=$/, { error: 'a pin like "sha256/<44 base64 characters>"' })).optional(),
  pinOnly: z.boolean().optional(),
  /** Path of a PEM CA bundle. */
  caFile: z.string().min(1).optional(),
  servername: z.string().min(1).optional(),
  handshakeTimeoutMs: positiveInt.optional(),
});

const transportSchema = z.strictObject({
  transport: z.enum(['auto', 'io_uring', 'epoll']).optional(),
  heartbeat: z.union([z.strictObject({ intervalMs: positiveInt, timeoutMs: positiveInt }), z.literal(false)]).optional(),
  reconnect: z
    .union([z.strictObject({ initialDelayMs: nonNegInt, maxDelayMs: nonNegInt, maxAttempts: nonNegInt, jitter: z.boolean() }), z.literal(false)])
    .optional(),
  connectTimeoutMs: positiveInt.optional(),
  busyPollUs: nonNegInt.optional(),
});

const credentialsSchema = z.strictObject({
  apiKey: secretRef.optional(),
  secret: secretRef.optional(),
  /** Kraken: a WebSocket token (from REST GetWebSocketsToken). */
  token: secretRef.optional(),
});

const precisionSchema = z.record(z.string(), z.strictObject({ priceDecimals: z.number().int().min(0).max(18), qtyDecimals: z.number().int().min(0).max(18) }));

const VENUE_IDS = ['binance', 'coinbase', 'kraken', 'bybit', 'hyperliquid'] as const;

/** Endpoint names per venue (`urls`), as the adapters call their options. */
export const VENUE_URL_KEYS: Readonly<Record<(typeof VENUE_IDS)[number], readonly string[]>> = {
  binance: ['streamUrl', 'wsApiUrl'],
  bybit: ['publicUrl', 'tradeUrl', 'privateUrl'],
  kraken: ['url', 'authUrl'],
  coinbase: ['url'],
  hyperliquid: ['url'],
};

const venueSchema = z.strictObject({
  /** Venue symbols to trade / watch (`BTCUSDT`, `BTC/USDT`, `BTC-USDT`, `BTC`). */
  symbols: z.array(z.string().min(1)).min(1),
  /** Market-data channels per symbol; default trades + book. */
  channels: z.array(z.enum(['trades', 'book', 'ticker'])).min(1).optional(),
  /** Endpoint overrides (default: the venue's production URLs; `sim` replaces them). */
  urls: z.record(z.string(), z.url({ protocol: /^wss?$/ })).optional(),
  credentials: credentialsSchema.optional(),
  tls: tlsSchema.optional(),
  connect: transportSchema.optional(),
  precision: precisionSchema.optional(),
  requestTimeoutMs: positiveInt.optional(),
});

const whaleSchema = z.strictObject({
  type: z.literal('whale'),
  name: z.string().min(1).optional(),
  mode: z.enum(['follow', 'fade']),
  k: z.number().gt(1),
  windowMs: positiveInt,
  minTrades: positiveInt,
  orderNotional: z.number().positive(),
  orderType: z.enum(['market', 'limit']).optional(),
  symbols: z.array(z.string().min(1)).optional(),
  /** After a whale on a symbol, ignore further whales there for this long (ms). */
  cooldownMs: nonNegInt.optional(),
});

const riskSchema = z.strictObject({
  maxPosition: perSymbol,
  maxNotional: perSymbol,
  approvedSize: z.number().min(0).max(0.2),
  dailyLossLimit: z.number().positive(),
  maxOrdersPerSecond: positiveInt,
  staleness: z
    .strictObject({ pricesMs: positiveInt.default(5000), booksMs: positiveInt.default(2000), positionsMs: positiveInt.default(30_000) })
    .default({ pricesMs: 5000, booksMs: 2000, positionsMs: 30_000 }),
});

const journalSchema = z.strictObject({
  path: z.string().min(1),
  fsync: z.enum(['always', 'batch', 'none']).default('batch'),
  batchMs: z.number().positive().optional(),
  batchRecords: positiveInt.optional(),
  /** On restart: cancel orders the journal says are open (default true). */
  cancelOpenOnRestart: z.boolean().default(true),
});

const telemetrySchema = z.strictObject({
  enabled: z.boolean().default(true),
  host: z.string().min(1).default('127.0.0.1'),
  port: z.number().int().min(0).max(65535).default(8000),
  rateHz: z.number().positive().max(1000).default(4),
  tokens: z.strictObject({ viewer: z.array(secretRef).optional(), operator: z.array(secretRef).optional() }).optional(),
  allowedOrigins: z.array(z.string().min(1)).optional(),
  maxConnectionsPerIp: positiveInt.optional(),
  maxMessageBytes: positiveInt.optional(),
  replayPackets: positiveInt.optional(),
  dashboard: z.boolean().default(true),
  redis: z.strictObject({ url: z.string().regex(/^rediss?:\/\//, { error: 'a redis:// or rediss:// URL' }), channel: z.string().min(1).optional() }).optional(),
});

const simSchema = z.strictObject({
  /** Start a local simulator per configured venue and point the venues at it (pinned TLS). */
  enabled: z.boolean().default(true),
  seed: z.number().int().default(1),
  tickIntervalMs: nonNegInt.default(100),
  /** Share of simulated trades that are whales (the simulator's default 0.02). */
  whaleProbability: z.number().min(0).max(1).optional(),
  /** Pin the simulator's certificate only (default) or validate it as a CA and pin it. */
  tlsMode: z.enum(['pin', 'ca+pin']).default('pin'),
});

export const engineConfigSchema = z.strictObject({
  venues: z
    .strictObject(Object.fromEntries(VENUE_IDS.map((v) => [v, venueSchema.optional()])) as Record<(typeof VENUE_IDS)[number], z.ZodOptional<typeof venueSchema>>)
    .refine((v) => Object.values(v).some((x) => x !== undefined), { error: `at least one venue (${VENUE_IDS.join(', ')})` }),
  strategies: z.array(z.discriminatedUnion('type', [whaleSchema], { error: 'a strategy with type: whale' })).default([]),
  portfolio: z.strictObject({ startingCash: z.number().positive() }).default({ startingCash: 100_000 }),
  risk: riskSchema,
  journal: journalSchema,
  telemetry: telemetrySchema.default(telemetrySchema.parse({})),
  sim: simSchema.optional(),
  /** Log lines to stderr: 'info' (default), 'warn', 'error' or 'silent'. */
  logLevel: z.enum(['info', 'warn', 'error', 'silent']).default('info'),
});

/** The config as written (secrets still references). */
export type EngineConfigInput = z.input<typeof engineConfigSchema>;
/** The validated config, defaults applied (secrets still references; see {@link ResolvedConfig}). */
export type EngineConfig = z.output<typeof engineConfigSchema>;
export type VenueConfig = z.output<typeof venueSchema>;
export type WhaleStrategyConfig = z.output<typeof whaleSchema>;
export type RiskConfig = z.output<typeof riskSchema>;
export type JournalConfig = z.output<typeof journalSchema>;
export type TelemetryConfig = z.output<typeof telemetrySchema>;
export type SimConfig = z.output<typeof simSchema>;
export type ConfigVenueId = (typeof VENUE_IDS)[number];

/** Credentials with their secrets resolved. */
export interface ResolvedCredentials {
  apiKey?: Secret;
  secret?: Secret;
  token?: Secret;
}

/** The validated config with every secret reference resolved to a {@link Secret}. */
export interface ResolvedConfig extends EngineConfig {
  /** Per venue, its resolved credentials. */
  secrets: {
    venues: Partial<Record<ConfigVenueId, ResolvedCredentials>>;
    telemetry: { viewer: Secret[]; operator: Secret[] };
  };
  /** Directory relative paths (journal, CA files, secret files) were resolved against; `journal.path` and `tls.caFile` are absolute. */
  baseDir: string;
}

// ---------------------------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------------------------

type Issue = z.core.$ZodIssue;

function describeValue(v: unknown): string {
  if (v === null) return 'null';
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'string') return 'a string'; // never echo strings: they may be secrets
  return typeof v === 'object' ? 'an object' : typeof v;
}

function lookup(root: unknown, path: readonly PropertyKey[]): unknown {
  let cur = root;
  for (const k of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<PropertyKey, unknown>)[k];
  }
  return cur;
}

function expectation(issue: Issue): string {
  switch (issue.code) {
    case 'invalid_type':
      return `expected ${issue.expected === 'object' ? 'an object' : issue.expected === 'array' ? 'an array' : issue.expected === 'int' ? 'an integer' : `a ${issue.expected}`}`;
    case 'too_big':
      return `expected ${issue.origin === 'array' ? 'at most' : 'a value'} ${issue.inclusive ? '<=' : '<'} ${String(issue.maximum)}${issue.origin === 'array' ? ' items' : ''}`;
    case 'too_small':
      return issue.origin === 'array' || issue.origin === 'string'
        ? `expected at least ${String(issue.minimum)} ${issue.origin === 'array' ? 'item(s)' : 'character(s)'}`
        : `expected a value ${issue.inclusive ? '>=' : '>'} ${String(issue.minimum)}`;
    case 'invalid_value':
      return `expected one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
    case 'unrecognized_keys':
      return `unknown field(s) ${issue.keys.map((k) => `'${k}'`).join(', ')}`;
    case 'invalid_format':
      return issue.message.startsWith('Invalid') ? `expected ${issue.format === 'regex' ? 'a matching string' : `a ${issue.format}`}` : `expected ${issue.message}`;
    case 'not_multiple_of':
      return `expected a multiple of ${String(issue.divisor)}`;
    case 'invalid_union':
    case 'custom':
    default:
      return issue.message.startsWith('Invalid') ? issue.message : `expected ${issue.message}`;
  }
}

/** Formats zod issues as `path: expectation, got …` lines. */
export function formatIssues(issues: readonly Issue[], input: unknown): string[] {
  return issues.map((issue) => {
    const path = issue.path.length ? issue.path.map(String).join('.') : '(root)';
    let line = `${path}: ${expectation(issue)}`;
    if (issue.code !== 'unrecognized_keys' && issue.code !== 'custom') {
      const got = lookup(input, issue.path);
      line += got === undefined ? ' (missing)' : issue.code === 'invalid_value' && typeof got === 'string' ? `, got ${JSON.stringify(got.slice(0, 40))}` : `, got ${describeValue(got)}`;
    }
    return line;
  });
}

export function configError(problems: readonly string[], file?: string): TickwireError {
  const where = file === undefined ? 'config' : `config ${file}`;
  return new TickwireError(
    'CONFIG_INVALID',
    `${where}: ${problems.length} problem${problems.length === 1 ? '' : 's'}:\n${problems.map((p) => `  - ${p}`).join('\n')}`,
  );
}

// ---------------------------------------------------------------------------------------------
// Loading
// ---------------------------------------------------------------------------------------------

/** Parses a file's text as YAML (`.yaml`/`.yml`) or JSON (anything else). */
export function parseConfigText(text: string, file: string): unknown {
  try {
    return /\.ya?ml$/i.test(file) ? parseYaml(text) : JSON.parse(text);
  } catch (e) {
    throw configError([`cannot be parsed as ${/\.ya?ml$/i.test(file) ? 'YAML' : 'JSON'}: ${(e as Error).message.split('\n')[0] ?? ''}`], file);
  }
}

/** Validates a config object (no secret resolution). Throws CONFIG_INVALID listing every problem. */
export function validateConfig(input: unknown, file?: string): EngineConfig {
  const r = engineConfigSchema.safeParse(input);
  if (!r.success) throw configError(formatIssues(r.error.issues, input), file);
  return r.data;
}

export interface ResolveOptions {
  /** Environment to read `${ENV:…}` from; default process.env. */
  env?: NodeJS.ProcessEnv;
  /** Base directory for relative paths; default the config file's directory or the cwd. */
  baseDir?: string;
}

/** A path from the config: `~/` is the home directory, relative paths are relative to `baseDir`. */
export function configPath(baseDir: string, p: string): string {
  return p === '~' || p.startsWith('~/') ? resolvePath(homedir(), p.slice(2)) : resolvePath(baseDir, p);
}

function resolveSecret(ref: SecretRef, path: string, env: NodeJS.ProcessEnv, baseDir: string, problems: string[]): Secret | undefined {
  const name = typeof ref === 'string' ? ref.slice(6, -1) : 'env' in ref ? ref.env : undefined;
  if (name !== undefined) {
    const v = env[name];
    if (v === undefined || v === '') {
      problems.push(`${path}: expected the environment variable ${name} to be set (it is ${v === undefined ? 'not set' : 'empty'})`);
      return undefined;
    }
    return new Secret(v, `env:${name}`);
  }
  const file = configPath(baseDir, (ref as { file: string }).file);
  let mode: number;
  try {
    mode = statSync(file).mode;
  } catch (e) {
    problems.push(`${path}: expected a readable secret file, ${file}: ${(e as NodeJS.ErrnoException).code ?? 'cannot stat'}`);
    return undefined;
  }
  if ((mode & 0o077) !== 0) {
    problems.push(
      `${path}: expected a secret file readable by its owner only (chmod 600), ${file} has mode ${(mode & 0o777).toString(8).padStart(3, '0')}`,
    );
    return undefined;
  }
  let value: string;
  try {
    value = readFileSync(file, 'utf8').trim();
  } catch (e) {
    problems.push(`${path}: expected a readable secret file, ${file}: ${(e as NodeJS.ErrnoException).code ?? 'cannot read'}`);
    return undefined;
  }
  if (!value) {
    problems.push(`${path}: expected a non-empty secret file, ${file} is empty`);
    return undefined;
  }
  return new Secret(value, `file:${file}`);
}

/** Resolves every secret reference of a validated config. Throws CONFIG_INVALID listing every problem. */
export function resolveConfig(config: EngineConfig, options: ResolveOptions = {}, file?: string): ResolvedConfig {
  const env = options.env ?? process.env;
  const baseDir = options.baseDir ?? (file === undefined ? process.cwd() : dirname(resolvePath(file)));
  const problems: string[] = [];
  const venues: Partial<Record<ConfigVenueId, ResolvedCredentials>> = {};
  for (const id of VENUE_IDS) {
    const v = config.venues[id];
    if (!v) continue;
    const c = v.credentials;
    const out: ResolvedCredentials = {};
    for (const key of ['apiKey', 'secret', 'token'] as const) {
      const ref = c?.[key];
      if (ref === undefined) continue;
      const s = resolveSecret(ref, `venues.${id}.credentials.${key}`, env, baseDir, problems);
      if (s) out[key] = s;
    }
    if ((c?.apiKey === undefined) !== (c?.secret === undefined)) {
      problems.push(`venues.${id}.credentials: expected apiKey and secret together`);
    }
    for (const k of Object.keys(v.urls ?? {})) {
      if (!VENUE_URL_KEYS[id].includes(k)) problems.push(`venues.${id}.urls.${k}: unknown endpoint, expected one of ${VENUE_URL_KEYS[id].join(', ')}`);
    }
    if (v.tls?.pinOnly && !v.tls.pins?.length) problems.push(`venues.${id}.tls.pinOnly: expected tls.pins to be set with pinOnly`);
    if (v.tls?.caFile !== undefined) {
      const ca = configPath(baseDir, v.tls.caFile);
      v.tls.caFile = ca;
      try {
        statSync(ca);
      } catch {
        problems.push(`venues.${id}.tls.caFile: expected a readable PEM file, ${ca} does not exist`);
      }
    }
    venues[id] = out;
  }
  const tokens = { viewer: [] as Secret[], operator: [] as Secret[] };
  for (const role of ['viewer', 'operator'] as const) {
    (config.telemetry.tokens?.[role] ?? []).forEach((ref, i) => {
      const s = resolveSecret(ref, `telemetry.tokens.${role}.${i}`, env, baseDir, problems);
      if (s) tokens[role].push(s);
    });
  }
  for (const [i, s] of config.strategies.entries()) {
    for (const sym of s.symbols ?? []) {
      if (!Object.values(config.venues).some((v) => v?.symbols.includes(sym))) {
        problems.push(`strategies.${i}.symbols: expected symbols of a configured venue, '${sym}' is not in any venues.*.symbols`);
      }
    }
  }
  if (problems.length) throw configError(problems, file);
  config.journal.path = configPath(baseDir, config.journal.path);
  return { ...config, secrets: { venues, telemetry: tokens }, baseDir };
}

/**
 * Reads, validates and resolves a config: a path to a `.json` / `.yaml` / `.yml` file, or an
 * object (relative paths then resolve against `options.baseDir` or the cwd).
 */
export function loadConfig(source: string | EngineConfigInput | EngineConfig, options: ResolveOptions = {}): ResolvedConfig {
  if (typeof source === 'string') {
    const file = isAbsolute(source) ? source : resolvePath(source);
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (e) {
      throw configError([`cannot be read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`], file);
    }
    const config = validateConfig(parseConfigText(text, file), file);
    return resolveConfig(config, options, file);
  }
  return resolveConfig(validateConfig(source), options);
}

/** The config with secrets reduced to their sources: what may be logged or shown. */
export function redactedConfig(config: ResolvedConfig): unknown {
  return JSON.parse(
    JSON.stringify(config, (key, value: unknown) => (key === 'secrets' ? '[redacted]' : value)),
  ) as unknown;
}
