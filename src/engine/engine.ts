/**
 * The trading loop: venues → strategies → risk governor → journal → venue orders, with the
 * portfolio, analytics and latency statistics behind a {@link TelemetrySource} for the telemetry
 * server and dashboard. See docs/engine.md.
 *
 * ```ts
 * const engine = await Engine.start('examples/demo.yaml');   // or a config object
 * engine.on('fill', (f) => console.log(f.side, f.qty, '@', f.price));
 * await engine.halt('manual', 'me');                         // cancels open orders, blocks new ones
 * await engine.stop();
 * ```
 *
 * IMPLEMENTATION NOTES
 * Durability order (the journal contract): an approved intent is appended and awaited before
 * `placeOrder`; an ack is appended and awaited before the order's state changes; a fill is
 * appended and awaited before the portfolio sees it. A journal failure halts trading (HALT
 * reason `journal: …`): nothing is sent that is not on disk first.
 * Private events can overtake the placement response (Binance sends executionReport before the
 * ws-api answer): order updates for a client order id the engine does not know yet are parked
 * and applied when the ack arrives; fills are never parked (the portfolio takes them at once),
 * only their quantity is remembered for the order's progress.
 * Restart: the journal is replayed first: fills rebuild the portfolio, the last HALT/RESUME is
 * restored, open orders are tracked again and reconciled once the venues are connected (see
 * {@link Engine.reconciliation}).
 */
import { EventEmitter } from 'node:events';
import { performance } from 'node:perf_hooks';

import type { OrderBook } from '../book/order-book.js';
import { receiveTime, type BookUpdate, type Fill, type OrderAck, type OrderStatus, type OrderUpdate, type Trade, type VenueId } from '../exchanges/common/types.js';
import type { ReconnectInfo, Venue } from '../exchanges/common/venue.js';
import { TickwireError } from '../native/errors.js';
import { Journal } from '../orders/journal/journal.js';
import { replayJournal } from '../orders/journal/replay.js';
import type { JournalRecord } from '../orders/journal/types.js';
import { SimServer } from '../sim/server.js';
import { HillEstimator } from '../strategies/analytics/hill.js';
import { KalmanCA } from '../strategies/analytics/kalman.js';
import { classifyRegime } from '../strategies/analytics/regime.js';
import { Portfolio } from '../strategies/portfolio.js';
import { RiskGovernor, type RiskLimits } from '../strategies/risk.js';
import type { OrderIntent, Signal, Strategy, StrategyContext, StrategyOutput } from '../strategies/types.js';
import { WhaleStrategy } from '../strategies/whale.js';
import type {
  ComponentStats,
  FillEvent,
  FullState,
  LatencyEvent,
  LogEntry,
  MarketView,
  OrderEvent,
  PortfolioEvent,
  PortfolioView,
  PositionView,
  SignalEvent,
  TelemetrySample,
  TelemetryStatus,
  TradeEvent,
} from '../telemetry/protocol.js';
import { TelemetryServer, type TelemetryOptions } from '../telemetry/server.js';
import type { TelemetrySource, TelemetrySourceEvents } from '../telemetry/source.js';
import { loadConfig, redactedConfig, type ConfigVenueId, type EngineConfig, type EngineConfigInput, type ResolvedConfig } from './config.js';
import { LatencyHistogram } from './latency.js';
import { buildVenue, type BuiltVenue } from './venues.js';

export interface EngineEvents {
  trade: [trade: Trade];
  book: [update: BookUpdate];
  /** A venue order update for one of the engine's orders. */
  order: [update: OrderUpdate];
  fill: [fill: Fill];
  signal: [signal: Signal];
  halt: [reason: string];
  resume: [];
  /** A problem that does not stop the engine (venue errors, strategy exceptions, journal failures). Emitted only when listened to. */
  error: [error: TickwireError];
  /** Added: an approved intent was journaled and is being sent. */
  intent: [intent: OrderIntent];
  /** Added: the risk governor (or the engine) refused an intent. */
  blocked: [intent: OrderIntent, code: string, message: string];
  /** Added: the venue acknowledged an order (journaled already). */
  ack: [ack: OrderAck, intentId: string];
  /** Added: every log line (also on the telemetry 'logs' channel). */
  log: [entry: LogEntry];
}

export interface EngineOptions {
  /** Strategies to run besides the configured ones. */
  strategies?: Strategy[];
  /** Environment for `${ENV:…}` secrets; default process.env. */
  env?: NodeJS.ProcessEnv;
  /** Base directory for relative paths of a config object; default the cwd. */
  baseDir?: string;
  /** Log sink; default: stderr, filtered by the config's `logLevel`. Never receives secrets. */
  log?: (entry: LogEntry) => void;
  /** Telemetry server options that override the config (tests: `{ port: 0 }`). */
  telemetry?: Partial<TelemetryOptions>;
}

/** What the restart reconciliation found (see docs/engine.md, "Restart"). */
export interface Reconciliation {
  /** Journal records replayed. */
  records: number;
  tornTail: boolean;
  corrupt: number;
  /** Open orders in the journal. */
  restoredOrders: number;
  /** Restored orders canceled at the venue. */
  canceled: string[];
  /** Restored orders the venue no longer knew (filled or canceled while the engine was down). */
  notFound: string[];
  /** Intents journaled without an ack: sent or not, the outcome is unknown (never resent). */
  unknown: string[];
  /** Restored orders left open (cancelOpenOnRestart false, or the cancel failed). */
  kept: string[];
  /** Positions rebuilt from the journaled fills, `venue:symbol` → qty. */
  positions: Record<string, number>;
  /** The journal's last HALT was not followed by a RESUME: the engine starts halted. */
  halted: boolean;
}

/** Counters for progress lines (`tickwire demo`). */
export interface EngineStats {
  /** Market and private messages handled (trades, book updates, order updates, fills). */
  messages: number;
  trades: number;
  signals: number;
  /** Intents the risk governor (or the engine) refused. */
  blocked: number;
  /** Orders sent to a venue. */
  sent: number;
  /** Orders acknowledged by a venue. */
  acked: number;
  rejected: number;
  fills: number;
  /** Decision → journaled ack, ms. */
  orderLatency: { p50: number; p99: number };
}

interface TrackedOrder {
  id: string;
  intent: OrderIntent;
  clientOrderId?: string;
  orderId?: string;
  status: OrderEvent['status'];
  filledQty: number;
  notional: number;
  reason?: string;
  restored: boolean;
  canceling: boolean;
}

interface MarketState {
  venue: VenueId;
  symbol: string;
  price: number;
  hill: HillEstimator;
  kalman: KalmanCA;
  book: OrderBook | undefined;
}

const TERMINAL: ReadonlySet<string> = new Set<OrderStatus>(['filled', 'canceled', 'rejected', 'expired']);
const RECENT = 100;
const LEVELS: Record<LogEntry['level'] | 'silent', number> = { info: 0, warn: 1, error: 2, silent: 3 };

function push<T>(ring: T[], item: T, max = RECENT): void {
  ring.push(item);
  if (ring.length > max) ring.splice(0, ring.length - max);
}

function finite(n: number): number {
  return Number.isFinite(n) ? n : 0;
}

function toTickwireError(e: unknown): TickwireError {
  return e instanceof TickwireError ? e : new TickwireError('INTERNAL', e instanceof Error ? e.message : String(e));
}

/**
 * The engine as the telemetry server sees it ({@link TelemetrySource}): `state()`, `telemetry()`,
 * operator `halt()` / `resume()`, and the 'event' / 'significant' events. A separate object
 * because the engine's own typed events are a different set (`engine.telemetrySource`).
 */
export class EngineTelemetrySource extends EventEmitter<TelemetrySourceEvents> implements TelemetrySource {
  readonly #engine: Engine;
  constructor(engine: Engine) {
    super();
    this.#engine = engine;
  }
  state(): FullState {
    return this.#engine.state();
  }
  telemetry(symbol?: string): TelemetrySample {
    return this.#engine.telemetry(symbol);
  }
  halt(reason: string, by: string): Promise<void> {
    return this.#engine.halt(reason, by);
  }
  resume(by: string): Promise<void> {
    return this.#engine.resume(by);
  }
}

export class Engine extends EventEmitter<EngineEvents> {
  /** What the telemetry server reads (TelemetryServer.start(options, engine.telemetrySource)). */
  readonly telemetrySource: EngineTelemetrySource = new EngineTelemetrySource(this);
  readonly config: ResolvedConfig;
  readonly portfolio: Portfolio;
  readonly risk: RiskGovernor;
  readonly strategies: readonly Strategy[];
  /** Filled in by start(): what the journal replay and the venue reconciliation found. */
  reconciliation: Reconciliation;
  /** The telemetry server, when enabled. */
  telemetryServer: TelemetryServer | null = null;
  /** Simulators started for `sim` configs, by venue. */
  readonly simulators = new Map<VenueId, SimServer>();

  readonly #venues = new Map<VenueId, BuiltVenue>();
  readonly #tradingUp = new Set<VenueId>();
  #journal: Journal | null = null;
  readonly #markets = new Map<string, MarketState>();
  readonly #orders = new Map<string, TrackedOrder>();
  readonly #byClient = new Map<string, string>();
  readonly #earlyUpdates = new Map<string, OrderUpdate>();
  readonly #earlyFilled = new Map<string, number>();
  readonly #latency = new Map<string, LatencyHistogram>();
  /** `strategy:<name>` histograms by strategy (the entries of #latency, found without building the name). */
  readonly #strategyLat = new Map<Strategy, LatencyHistogram>();
  readonly #orderLatency = new LatencyHistogram();
  readonly #fills: FillEvent[] = [];
  readonly #signals: SignalEvent[] = [];
  readonly #logs: LogEntry[] = [];
  #lastSignal: Signal | null = null;
  #status: TelemetryStatus = 'INITIALIZING';
  #haltDone: Promise<void> = Promise.resolve();
  #haltBy = 'engine';
  #timer: NodeJS.Timeout | null = null;
  #day = new Date().toISOString().slice(0, 10);
  #stopping: Promise<void> | null = null;
  readonly #sink: (entry: LogEntry) => void;
  readonly #ctx: StrategyContext;
  readonly #primary: { venue: VenueId; symbol: string };
  readonly #stats = { messages: 0, trades: 0, signals: 0, blocked: 0, sent: 0, acked: 0, rejected: 0, fills: 0 };
  readonly #blockedLogged = new Map<string, number>();

  private constructor(config: ResolvedConfig, options: EngineOptions) {
    super();
    this.config = config;
    const level = LEVELS[config.logLevel];
    this.#sink =
      options.log ??
      ((e: LogEntry): void => {
        if (LEVELS[e.level] >= level) process.stderr.write(`tickwire ${new Date(e.ts).toISOString()} ${e.level}: ${e.message}\n`);
      });
    this.portfolio = new Portfolio(config.portfolio.startingCash);
    const qtyStep: Record<string, number> = {};
    this.risk = new RiskGovernor(this.#riskLimits(qtyStep), this.portfolio, Date.now, (venue, symbol) => this.#openExposure(venue, symbol));
    this.#qtyStep = qtyStep;
    this.strategies = [
      ...config.strategies.map(
        (s) =>
          new WhaleStrategy({
            mode: s.mode,
            k: s.k,
            windowMs: s.windowMs,
            minTrades: s.minTrades,
            orderNotional: s.orderNotional,
            ...(s.orderType !== undefined ? { orderType: s.orderType } : {}),
            ...(s.symbols !== undefined ? { symbols: s.symbols } : {}),
            ...(s.name !== undefined ? { name: s.name } : {}),
            ...(s.cooldownMs !== undefined ? { cooldownMs: s.cooldownMs } : {}),
          }),
      ),
      ...(options.strategies ?? []),
    ];
    const first = Object.entries(config.venues).find(([, v]) => v !== undefined);
    this.#primary = { venue: (first?.[0] ?? 'binance') as VenueId, symbol: first?.[1]?.symbols[0] ?? '' };
    this.#ctx = {
      now: () => Date.now(),
      nav: () => this.portfolio.nav,
      position: (venue, symbol) => this.portfolio.position(venue, symbol),
      lastPrice: (venue, symbol) => this.portfolio.lastPrice(venue, symbol),
      book: (venue, symbol) => this.#markets.get(`${venue}:${symbol}`)?.book,
    };
    this.reconciliation = { records: 0, tornTail: false, corrupt: 0, restoredOrders: 0, canceled: [], notFound: [], unknown: [], kept: [], positions: {}, halted: false };
  }

  readonly #qtyStep: Record<string, number>;

  #riskLimits(qtyStep: Record<string, number>): RiskLimits {
    const r = this.config.risk;
    return {
      maxPosition: r.maxPosition,
      maxNotional: r.maxNotional,
      approvedSize: r.approvedSize,
      dailyLossLimit: r.dailyLossLimit,
      maxOrdersPerSecond: r.maxOrdersPerSecond,
      staleness: { ...r.staleness },
      qtyStep, // filled per venue:symbol once the venues (and their precision) are known
    };
  }

  /**
   * Validates the config (a path to a .json/.yaml file, or an object), replays the journal,
   * starts simulators (`sim`), connects the venues, subscribes, reconciles restored orders and
   * starts the telemetry server. Rejects with CONFIG_INVALID for a bad config; anything that
   * fails after validation closes what was opened and rejects with that error.
   */
  static async start(config: string | EngineConfigInput | EngineConfig | ResolvedConfig, options: EngineOptions = {}): Promise<Engine> {
    const resolved =
      typeof config === 'object' && 'secrets' in config && 'baseDir' in config
        ? (config as ResolvedConfig)
        : loadConfig(config as string | EngineConfigInput, { ...(options.env ? { env: options.env } : {}), ...(options.baseDir ? { baseDir: options.baseDir } : {}) });
    const engine = new Engine(resolved, options);
    try {
      await engine.#start(options);
    } catch (e) {
      await engine.stop().catch(() => undefined);
      throw e;
    }
    return engine;
  }

  async #start(options: EngineOptions): Promise<void> {
    const cfg = this.config;
    this.#log('info', `starting: ${JSON.stringify(redactedConfig(cfg))}`);

    // 1. The journal: replay, then open for appending.
    const journalPath = cfg.journal.path; // absolute (resolveConfig)
    const replayed = await replayJournal(journalPath);
    const rec = this.reconciliation;
    rec.records = replayed.records.length;
    rec.tornTail = replayed.tornTail;
    rec.corrupt = replayed.corrupt;
    if (replayed.tornTail) this.#log('warn', `journal: a torn last record (crash mid-write) was skipped`);
    if (replayed.corrupt) this.#log('error', `journal: a corrupt record; replay stopped there${replayed.problem ? ` (${replayed.problem})` : ''}`);
    for (const f of replayed.fills) {
      try {
        this.portfolio.applyFill(f);
      } catch (e) {
        this.#log('error', `journal: fill ${f.tradeId} not applied: ${(e as Error).message}`);
      }
    }
    rec.positions = Object.fromEntries(replayed.positions);
    for (const [id, o] of replayed.openOrders) {
      const order: TrackedOrder = {
        id,
        intent: o.intent,
        status: o.ack?.status ?? (o.clientOrderId !== undefined ? 'sent' : 'intent'),
        filledQty: o.ack?.filledQty ?? 0,
        notional: 0,
        restored: true,
        canceling: false,
        ...(o.clientOrderId !== undefined ? { clientOrderId: o.clientOrderId } : {}),
        ...(o.ack?.orderId !== undefined ? { orderId: o.ack.orderId } : {}),
      };
      this.#orders.set(id, order);
      if (order.clientOrderId !== undefined) this.#byClient.set(`${o.intent.venue}:${order.clientOrderId}`, id);
    }
    rec.restoredOrders = replayed.openOrders.size;
    if (replayed.records.length) {
      this.#log('info', `journal: replayed ${replayed.records.length} records: ${replayed.fills.length} fills, ${replayed.openOrders.size} open orders, positions ${JSON.stringify(rec.positions)}`);
    }
    if (replayed.halted) {
      rec.halted = true;
      const last = [...replayed.records].reverse().find((r): r is Extract<JournalRecord, { t: 'halt' }> => r.t === 'halt');
      const reason = `${last?.reason ?? 'halted'} (before the restart)`;
      this.risk.halt(reason);
      this.#log('warn', `journal: the engine was halted before the restart (${last?.reason ?? '?'}) and stays halted until RESUME`);
    }
    this.#journal = await Journal.open({
      path: journalPath,
      fsync: cfg.journal.fsync,
      ...(cfg.journal.batchMs !== undefined ? { batchMs: cfg.journal.batchMs } : {}),
      ...(cfg.journal.batchRecords !== undefined ? { batchRecords: cfg.journal.batchRecords } : {}),
    });
    this.risk.on('halt', (reason) => {
      this.#haltDone = this.#onHalt(reason).catch((e: unknown) => this.#log('error', `halt: ${(e as Error).message}`));
    });
    this.risk.on('resume', () => this.#bg(this.#onResume(), 'resume'));

    // 2. Simulators, then venues.
    for (const [id, vc] of Object.entries(cfg.venues) as Array<[ConfigVenueId, NonNullable<EngineConfig['venues'][ConfigVenueId]>]>) {
      if (!vc) continue;
      let sim;
      if (cfg.sim?.enabled) {
        const server = await SimServer.start({ venue: id, seed: cfg.sim.seed, tickIntervalMs: cfg.sim.tickIntervalMs });
        if (cfg.sim.whaleProbability !== undefined) server.market.whaleProbability = cfg.sim.whaleProbability;
        this.simulators.set(id, server);
        sim = { server, tlsMode: cfg.sim.tlsMode };
      }
      const built = buildVenue(id, vc, cfg.secrets.venues[id], cfg.baseDir, sim);
      this.#venues.set(id, built);
      for (const symbol of vc.symbols) {
        const p = built.precision(symbol);
        if (p) this.#qtyStep[`${id}:${symbol}`] = 10 ** -p.qtyDecimals;
        this.#market(id, symbol);
      }
      this.#attach(id, built.venue);
      this.#log('info', `${id}: ${built.endpoint}, ${built.trading ? 'trading' : 'market data only'}, symbols ${vc.symbols.join(', ')}`);
    }
    await Promise.all(
      [...this.#venues].map(async ([id, built]) => {
        await built.venue.connect();
        if (built.trading) this.#tradingUp.add(id);
        const vc = cfg.venues[id]!;
        const channels = vc.channels ?? ['trades', 'book'];
        await Promise.all(vc.symbols.flatMap((s) => channels.map((c) => built.venue.subscribe(c, s))));
      }),
    );
    this.#notePositions();

    // 3. Restored orders against the venues.
    await this.#reconcile();

    // 4. Timers and telemetry.
    this.#timer = setInterval(() => this.#tick(), 1000);
    this.#timer.unref();
    const t = cfg.telemetry;
    if (t.enabled) {
      const tokens = cfg.secrets.telemetry;
      this.telemetryServer = await TelemetryServer.start(
        {
          host: t.host,
          port: t.port,
          rateHz: t.rateHz,
          dashboard: t.dashboard,
          ...(tokens.viewer.length || tokens.operator.length ? { tokens: { viewer: tokens.viewer.map((s) => s.reveal()), operator: tokens.operator.map((s) => s.reveal()) } } : {}),
          ...(t.allowedOrigins ? { allowedOrigins: t.allowedOrigins } : {}),
          ...(t.maxConnectionsPerIp !== undefined ? { maxConnectionsPerIp: t.maxConnectionsPerIp } : {}),
          ...(t.maxMessageBytes !== undefined ? { maxMessageBytes: t.maxMessageBytes } : {}),
          ...(t.replayPackets !== undefined ? { replayPackets: t.replayPackets } : {}),
          ...(t.redis ? { redis: t.redis.channel !== undefined ? { url: t.redis.url, channel: t.redis.channel } : { url: t.redis.url } } : {}),
          log: (level, message) => this.#log(level, `telemetry: ${message}`),
          ...options.telemetry,
        },
        this.telemetrySource,
      );
      this.#log('info', `telemetry on ${this.telemetryServer.url}`);
    }
    this.#status = this.risk.halted ? 'HALT' : 'ACTIVE';
    this.telemetrySource.emit('significant');
  }

  // -------------------------------------------------------------------------------------------
  // Venue events
  // -------------------------------------------------------------------------------------------

  #market(venue: VenueId, symbol: string): MarketState {
    const key = `${venue}:${symbol}`;
    let m = this.#markets.get(key);
    if (!m) {
      m = { venue, symbol, price: 0, hill: new HillEstimator(500), kalman: new KalmanCA(), book: undefined };
      this.#markets.set(key, m);
    }
    return m;
  }

  #lat(name: string): LatencyHistogram {
    let h = this.#latency.get(name);
    if (!h) {
      h = new LatencyHistogram();
      this.#latency.set(name, h);
    }
    return h;
  }

  #attach(id: VenueId, venue: Venue): void {
    const feed = this.#lat(`feed:${id}`);
    venue.on('trade', (t) => this.#onTrade(t, feed));
    venue.on('book', (u) => this.#onBook(u, feed));
    venue.on('order', (u) => this.#onOrderUpdate(u));
    venue.on('fill', (f) => this.#bg(this.#onFill(f), `fill ${f.tradeId}`));
    venue.on('error', (e) => {
      if (e.code === 'CONN_CLOSED' || e.code === 'RECONNECT_FAILED') this.#tradingUp.delete(id);
      this.#log('warn', `${id}: ${e.code}: ${e.message}`);
      if (this.listenerCount('error') > 0) this.emit('error', e);
    });
    venue.on('reconnected', (info: ReconnectInfo) => {
      if (info.connection === 'trading' && this.#venues.get(id)?.trading) this.#tradingUp.add(id);
      this.#log('info', `${id}: ${info.connection} connection back (attempt ${info.attempt}), subscriptions renewed`);
    });
  }

  #onTrade(t: Trade, feed: LatencyHistogram): void {
    feed.record(receiveTime() - t.recvTs);
    this.#stats.messages++;
    this.#stats.trades++;
    const now = Date.now();
    const m = this.#market(t.venue, t.symbol);
    if (m.price > 0 && t.price > 0) m.hill.push(Math.log(t.price / m.price));
    m.price = t.price;
    m.kalman.update(t.price, t.venueTs ?? t.recvTs);
    this.portfolio.mark(t.venue, t.symbol, t.price);
    this.risk.noteData('prices', t.venue, t.symbol, now);
    this.emit('trade', t);
    let whale = false;
    for (const s of this.strategies) {
      if (!s.onTrade) continue;
      const out = this.#run(s, s.onTrade, t);
      if (out?.signals?.some((sig) => sig.trade?.id === t.id)) whale = true;
      if (out) this.#output(out);
    }
    const ev: TradeEvent = { kind: 'trade', venue: t.venue, symbol: t.symbol, id: t.id, price: t.price, qty: t.qty, side: t.side, ts: t.venueTs ?? t.recvTs, whale, notional: t.price * t.qty };
    this.telemetrySource.emit('event', 'market', ev);
  }

  #onBook(u: BookUpdate, feed: LatencyHistogram): void {
    feed.record(receiveTime() - u.recvTs);
    this.#stats.messages++;
    const m = this.#market(u.venue, u.symbol);
    m.book = u.book;
    this.risk.noteData('books', u.venue, u.symbol, Date.now());
    this.emit('book', u);
    for (const s of this.strategies) {
      if (!s.onBook) continue;
      const out = this.#run(s, s.onBook, u);
      if (out) this.#output(out);
    }
  }

  /**
   * Runs one strategy callback (`cb` is one of `s`'s methods), timed; an exception is logged and
   * counted as a failure. No closure, no name string per call: the histogram is looked up by strategy.
   */
  #run<A>(s: Strategy, cb: (this: Strategy, a: A, ctx: StrategyContext) => StrategyOutput | void, a: A): StrategyOutput | void {
    let h = this.#strategyLat.get(s);
    if (!h) {
      h = this.#lat(`strategy:${s.name}`);
      this.#strategyLat.set(s, h);
    }
    const t0 = performance.now();
    try {
      const out = cb.call(s, a, this.#ctx);
      h.record(performance.now() - t0, true);
      return out;
    } catch (e) {
      h.record(performance.now() - t0, false);
      this.#log('error', `strategy ${s.name} threw: ${(e as Error).message}`);
      if (this.listenerCount('error') > 0) this.emit('error', toTickwireError(e));
      return undefined;
    }
  }

  #output(out: StrategyOutput): void {
    for (const sig of out.signals ?? []) {
      this.#stats.signals++;
      this.#lastSignal = sig;
      const ev: SignalEvent = {
        strategy: sig.strategy,
        venue: sig.venue,
        symbol: sig.symbol,
        side: sig.side,
        kind: sig.kind,
        confidence: sig.confidence,
        reasoning: sig.reasoning,
        ts: sig.ts,
        ...(sig.trade ? { tradeId: sig.trade.id } : {}),
      };
      push(this.#signals, ev);
      this.emit('signal', sig);
      this.telemetrySource.emit('event', 'signals', ev);
      this.telemetrySource.emit('significant');
    }
    for (const intent of out.intents ?? []) this.#bg(this.#submit(intent, performance.now()), `intent ${intent.id}`);
  }

  // -------------------------------------------------------------------------------------------
  // The order path
  // -------------------------------------------------------------------------------------------

  #orderEvent(o: TrackedOrder): OrderEvent {
    const i = o.intent;
    return {
      id: o.id,
      venue: i.venue,
      symbol: i.symbol,
      clientOrderId: o.clientOrderId ?? '',
      ...(o.orderId !== undefined ? { orderId: o.orderId } : {}),
      side: i.side,
      type: i.type,
      status: o.status,
      price: i.price ?? null,
      qty: i.qty,
      filledQty: o.filledQty,
      avgPrice: o.filledQty > 0 ? o.notional / o.filledQty : null,
      ...(o.reason !== undefined ? { reason: o.reason } : {}),
      ts: Date.now(),
    };
  }

  #publishOrder(o: TrackedOrder): void {
    this.telemetrySource.emit('event', 'orders', this.#orderEvent(o));
  }

  #block(intent: OrderIntent, code: string, message: string): void {
    this.#stats.blocked++;
    const ev: OrderEvent = {
      id: intent.id,
      venue: intent.venue,
      symbol: intent.symbol,
      clientOrderId: '',
      side: intent.side,
      type: intent.type,
      status: 'blocked',
      price: intent.price ?? null,
      qty: intent.qty,
      filledQty: 0,
      reason: `${code}: ${message}`,
      ts: Date.now(),
    };
    this.emit('blocked', intent, code, message);
    this.telemetrySource.emit('event', 'orders', ev);
    // One log line per reason per 10 s: a stale feed would otherwise flood the log.
    const last = this.#blockedLogged.get(code) ?? 0;
    if (Date.now() - last > 10_000) {
      this.#blockedLogged.set(code, Date.now());
      this.#log('info', `intent ${intent.id} blocked: ${code}: ${message}`);
    }
  }

  async #append(record: JournalRecord): Promise<boolean> {
    const journal = this.#journal;
    if (!journal) return false;
    const t0 = performance.now();
    try {
      await journal.append(record);
      this.#lat('journal').record(performance.now() - t0, true);
      return true;
    } catch (e) {
      this.#lat('journal').record(performance.now() - t0, false);
      if (this.#stopping) return false;
      const err = toTickwireError(e);
      this.#log('error', `journal: append failed (${err.code}: ${err.message}); halting`);
      if (this.listenerCount('error') > 0) this.emit('error', err);
      this.risk.halt(`journal: ${err.code}`);
      return false;
    }
  }

  /**
   * What the live orders of a venue+symbol may still add to the position, per side: approved or
   * sent and not yet filled, rejected or cancelled (for the risk governor's worst case). Orders
   * whose outcome is unknown (the connection dropped while sending) count too.
   */
  #openExposure(venue: VenueId, symbol: string): { buy: number; sell: number } {
    let buy = 0;
    let sell = 0;
    for (const o of this.#orders.values()) {
      const it = o.intent;
      if (it.venue !== venue || it.symbol !== symbol || TERMINAL.has(o.status)) continue;
      const left = Math.max(0, it.qty - o.filledQty);
      if (it.side === 'buy') buy += left;
      else sell += left;
    }
    return { buy, sell };
  }

  async #submit(raw: OrderIntent, t0: number): Promise<void> {
    if (this.#stopping) return;
    const built = this.#venues.get(raw.venue);
    if (!built?.trading) return this.#block(raw, 'NO_VENUE', `no trading connection to ${raw.venue} (credentials missing or order entry unsupported)`);
    if (this.#orders.has(raw.id)) return this.#block(raw, 'DUPLICATE', `intent id ${raw.id} is already in use`);
    const r0 = performance.now();
    let decision;
    try {
      decision = this.risk.check(raw);
      this.#lat('risk').record(performance.now() - r0, true);
    } catch (e) {
      this.#lat('risk').record(performance.now() - r0, false);
      return this.#block(raw, 'INVALID_INTENT', (e as Error).message);
    }
    if (!decision.approved) return this.#block(raw, decision.code, decision.message);
    let intent = decision.intent;
    const p = built.precision(intent.symbol);
    if (p) {
      const step = 10 ** p.qtyDecimals;
      const qty = Math.floor(intent.qty * step + 1e-6) / step;
      if (!(qty > 0)) return this.#block(raw, 'QTY_PRECISION', `${intent.qty} rounds to 0 at ${p.qtyDecimals} decimals`);
      const price = intent.price === undefined ? undefined : Math.round(intent.price * 10 ** p.priceDecimals) / 10 ** p.priceDecimals;
      if (qty !== intent.qty || price !== intent.price) intent = { ...intent, qty, ...(price !== undefined ? { price } : {}) };
    }
    const order: TrackedOrder = { id: intent.id, intent, status: 'intent', filledQty: 0, notional: 0, restored: false, canceling: false };
    this.#orders.set(intent.id, order);

    // Durable before it is sent.
    if (!(await this.#append({ t: 'intent', id: intent.id, intent }))) {
      this.#orders.delete(intent.id);
      return this.#block(intent, 'JOURNAL', 'the intent could not be journaled; not sent');
    }
    if (this.risk.halted || this.#stopping) {
      // HALT came while the intent was being written: never send it.
      await this.#append({ t: 'reject', id: intent.id, code: 'HALTED', message: 'halted before sending' });
      this.#orders.delete(intent.id);
      return this.#block(intent, 'HALTED', 'halted before the order was sent');
    }
    this.emit('intent', intent);
    order.status = 'sent';
    this.#stats.sent++;
    this.#publishOrder(order);

    let ack: OrderAck;
    try {
      ack = await built.venue.placeOrder({
        symbol: intent.symbol,
        side: intent.side,
        type: intent.type,
        qty: intent.qty,
        ...(intent.type === 'limit' && intent.price !== undefined ? { price: intent.price } : {}),
      });
    } catch (e) {
      const err = toTickwireError(e);
      this.#orderLatency.record(performance.now() - t0, false);
      this.#lat('order').record(performance.now() - t0, false);
      if (this.#stopping) return;
      if (err.code === 'CONN_CLOSED' || err.code === 'CONN_TIMEOUT') {
        // The request may or may not have reached the venue: keep it, flagged; fills still count.
        order.reason = `outcome unknown: ${err.code}`;
        this.#log('warn', `order ${intent.id}: outcome unknown (${err.code}: ${err.message}); watching for fills`);
        this.#publishOrder(order);
        return;
      }
      this.#stats.rejected++;
      await this.#append({ t: 'reject', id: intent.id, code: err.code, message: err.message });
      order.status = 'rejected';
      order.reason = `${err.code}: ${err.message}`;
      this.#orders.delete(intent.id);
      this.#log('warn', `order ${intent.id} rejected: ${err.code}: ${err.message}`);
      this.#publishOrder(order);
      return;
    }
    // Durable before it is acted on.
    if (!(await this.#append({ t: 'ack', id: intent.id, ack }))) return;
    const ms = performance.now() - t0;
    this.#orderLatency.record(ms, true);
    this.#lat('order').record(ms, true);
    const lev: LatencyEvent = { component: 'order', ms, ok: true, ts: Date.now() };
    this.telemetrySource.emit('event', 'latency', lev);
    this.#stats.acked++;
    const key = `${ack.venue}:${ack.clientOrderId}`;
    order.clientOrderId = ack.clientOrderId;
    order.orderId = ack.orderId;
    this.#byClient.set(key, intent.id);
    if (this.#byClient.size > 50_000) {
      // Bounded: the oldest mappings belong to long-closed orders (late events for them are still booked).
      for (const [k, v] of this.#byClient) {
        if (this.#byClient.size <= 40_000) break;
        if (!this.#orders.has(v)) this.#byClient.delete(k);
      }
    }
    const early = this.#earlyFilled.get(key) ?? 0;
    this.#earlyFilled.delete(key);
    order.filledQty = Math.max(order.filledQty, ack.filledQty, early);
    order.status = ack.status;
    this.emit('ack', ack, intent.id);
    const parked = this.#earlyUpdates.get(key);
    this.#earlyUpdates.delete(key);
    if (parked) await this.#applyUpdate(order, parked);
    if (TERMINAL.has(order.status) || order.filledQty >= intent.qty * (1 - 1e-9)) {
      if (!TERMINAL.has(order.status)) order.status = 'filled';
      this.#orders.delete(intent.id);
    } else if (this.risk.halted) {
      await this.#cancel(order, 'halt');
    }
    this.#publishOrder(order);
    this.telemetrySource.emit('significant');
  }

  #onOrderUpdate(u: OrderUpdate): void {
    this.#stats.messages++;
    this.emit('order', u);
    const key = `${u.venue}:${u.clientOrderId}`;
    const id = this.#byClient.get(key);
    const order = id === undefined ? undefined : this.#orders.get(id);
    if (!order) {
      if (id === undefined) {
        this.#earlyUpdates.set(key, u);
        if (this.#earlyUpdates.size > 1000) this.#earlyUpdates.delete(this.#earlyUpdates.keys().next().value as string);
      }
      return;
    }
    this.#bg(this.#applyUpdate(order, u), `order update ${u.clientOrderId}`);
  }

  async #applyUpdate(order: TrackedOrder, u: OrderUpdate): Promise<void> {
    if (TERMINAL.has(u.status) && !TERMINAL.has(order.status)) {
      const ack: OrderAck = { venue: u.venue, symbol: u.symbol, clientOrderId: u.clientOrderId, orderId: u.orderId, status: u.status, filledQty: u.filledQty, venueTs: u.venueTs, recvTs: u.recvTs };
      if (!(await this.#append({ t: 'ack', id: order.id, ack }))) return;
      order.status = u.status;
      order.filledQty = Math.max(order.filledQty, u.filledQty);
      this.#orders.delete(order.id);
      this.#publishOrder(order);
    } else if (!TERMINAL.has(order.status) && u.status !== order.status) {
      order.status = u.status;
      order.filledQty = Math.max(order.filledQty, u.filledQty);
      this.#publishOrder(order);
    }
  }

  async #onFill(f: Fill): Promise<void> {
    this.#stats.messages++;
    // Durable before it is acted on. A journal failure halts trading, but the fill happened: book it.
    await this.#append({ t: 'fill', fill: f });
    try {
      this.portfolio.applyFill(f);
    } catch (e) {
      this.#log('error', `fill ${f.tradeId} not booked: ${(e as Error).message}`);
      return;
    }
    this.#stats.fills++;
    this.risk.noteData('positions', f.venue, f.symbol, Date.now());
    const key = `${f.venue}:${f.clientOrderId}`;
    const id = this.#byClient.get(key);
    const order = id === undefined ? undefined : this.#orders.get(id);
    if (order) {
      order.filledQty += f.qty;
      order.notional += f.qty * f.price;
      if (order.filledQty >= order.intent.qty * (1 - 1e-9)) {
        order.status = 'filled';
        this.#orders.delete(order.id);
      } else order.status = 'partially_filled';
      this.#publishOrder(order);
    } else if (id === undefined) {
      this.#earlyFilled.set(key, (this.#earlyFilled.get(key) ?? 0) + f.qty);
      if (this.#earlyFilled.size > 1000) this.#earlyFilled.delete(this.#earlyFilled.keys().next().value as string);
    }
    const ev: FillEvent = {
      venue: f.venue,
      symbol: f.symbol,
      clientOrderId: f.clientOrderId,
      orderId: f.orderId,
      tradeId: f.tradeId,
      side: f.side,
      price: f.price,
      qty: f.qty,
      fee: f.fee,
      feeAsset: f.feeAsset,
      liquidity: f.liquidity,
      ts: f.venueTs ?? f.recvTs,
    };
    push(this.#fills, ev);
    this.emit('fill', f);
    this.telemetrySource.emit('event', 'fills', ev);
    this.telemetrySource.emit('event', 'portfolio', this.#portfolioEvent());
    this.telemetrySource.emit('significant');
    for (const s of this.strategies) {
      if (!s.onFill) continue;
      const out = this.#run(s, s.onFill, f);
      if (out) this.#output(out);
    }
  }

  /** Cancels one order at its venue; journals the cancel ack. Resolves true when it is no longer open. */
  async #cancel(order: TrackedOrder, why: string): Promise<boolean> {
    const built = this.#venues.get(order.intent.venue);
    if (!built?.trading || order.clientOrderId === undefined || order.canceling) return false;
    order.canceling = true;
    try {
      const ack = await built.venue.cancelOrder({ symbol: order.intent.symbol, clientOrderId: order.clientOrderId });
      await this.#append({ t: 'ack', id: order.id, ack });
      order.status = TERMINAL.has(ack.status) ? ack.status : 'canceled';
      order.filledQty = Math.max(order.filledQty, ack.filledQty);
      this.#orders.delete(order.id);
      this.#log('info', `order ${order.id} canceled (${why})`);
      this.#publishOrder(order);
      return true;
    } catch (e) {
      const err = toTickwireError(e);
      if (err.code === 'VENUE_ORDER_REJECTED') {
        // The venue does not know it as open (filled or canceled meanwhile).
        await this.#append({ t: 'cancel', id: order.id });
        this.#orders.delete(order.id);
        order.status = 'canceled';
        order.reason = `not open at the venue: ${err.message}`;
        this.#log('warn', `order ${order.id}: cancel (${why}) refused, not open at the venue: ${err.message}`);
        this.#publishOrder(order);
        return true;
      }
      this.#log('warn', `order ${order.id}: cancel (${why}) failed: ${err.code}: ${err.message}`);
      return false;
    } finally {
      order.canceling = false;
    }
  }

  async #reconcile(): Promise<void> {
    const rec = this.reconciliation;
    for (const order of [...this.#orders.values()].filter((o) => o.restored)) {
      const { intent } = order;
      const what = `order ${order.id} (${intent.side} ${intent.qty} ${intent.venue}:${intent.symbol})`;
      if (order.clientOrderId === undefined) {
        rec.unknown.push(order.id);
        this.#log('warn', `${what}: journaled before the restart without an ack: it may or may not have reached the venue; not resent, not tracked`);
        await this.#append({ t: 'reject', id: order.id, code: 'UNKNOWN_OUTCOME', message: 'no ack before the restart; outcome unknown' });
        this.#orders.delete(order.id);
        continue;
      }
      if (!this.config.journal.cancelOpenOnRestart || !this.#venues.get(intent.venue)?.trading) {
        rec.kept.push(order.id);
        this.#log('info', `${what}: open before the restart, kept (${order.status})`);
        continue;
      }
      const done = await this.#cancel(order, 'restart');
      if (!done) rec.kept.push(order.id);
      else if (order.reason?.startsWith('not open')) rec.notFound.push(order.id);
      else rec.canceled.push(order.id);
    }
  }

  // -------------------------------------------------------------------------------------------
  // HALT / RESUME
  // -------------------------------------------------------------------------------------------

  /** Operator HALT: blocks new orders and cancels open ones at their venues (resolves once the cancels are done). */
  async halt(reason: string, by = 'api'): Promise<void> {
    if (!this.risk.halted) {
      this.#haltBy = by;
      this.risk.halt(reason);
    }
    await this.#haltDone;
  }

  /** Lifts HALT: new intents go through the risk governor again. */
  async resume(by = 'api'): Promise<void> {
    if (!this.risk.halted) return;
    this.#haltBy = by;
    this.risk.resume();
    await Promise.resolve();
  }

  async #onHalt(reason: string): Promise<void> {
    this.#status = 'HALT';
    this.#log('warn', `HALT (${this.#haltBy}): ${reason}; canceling ${this.#orders.size} open order(s), new orders blocked`);
    this.#haltBy = 'engine';
    this.emit('halt', reason);
    this.telemetrySource.emit('significant');
    await this.#append({ t: 'halt', reason, ts: Date.now() });
    await Promise.allSettled([...this.#orders.values()].map((o) => this.#cancel(o, 'halt')));
  }

  async #onResume(): Promise<void> {
    this.#status = 'ACTIVE';
    this.#log('warn', `RESUME (${this.#haltBy}): trading allowed again`);
    this.#haltBy = 'engine';
    this.emit('resume');
    this.telemetrySource.emit('significant');
    await this.#append({ t: 'resume', ts: Date.now() });
  }

  // -------------------------------------------------------------------------------------------
  // Housekeeping
  // -------------------------------------------------------------------------------------------

  #notePositions(): void {
    const now = Date.now();
    for (const id of this.#tradingUp) {
      for (const symbol of this.config.venues[id]?.symbols ?? []) this.risk.noteData('positions', id, symbol, now);
    }
  }

  #tick(): void {
    // Positions are known from the private stream while it is connected.
    this.#notePositions();
    const day = new Date().toISOString().slice(0, 10);
    if (day !== this.#day) {
      this.#day = day;
      this.portfolio.startDay();
      this.#log('info', `new UTC day ${day}: daily P&L reset`);
    }
    for (const s of this.strategies) {
      if (!s.onTimer) continue;
      const out = this.#run(s, s.onTimer, Date.now());
      if (out) this.#output(out);
    }
    this.telemetrySource.emit('event', 'portfolio', this.#portfolioEvent());
  }

  /** Runs an async step in the background: anything it throws (a listener of ours, say) is logged, never an unhandled rejection. */
  #bg(p: Promise<unknown>, what: string): void {
    p.catch((e: unknown) => {
      this.#log('error', `${what}: ${(e as Error).message}`);
      if (this.listenerCount('error') > 0) this.emit('error', toTickwireError(e));
    });
  }

  #log(level: LogEntry['level'], message: string): void {
    const entry: LogEntry = { ts: Date.now(), level, message };
    push(this.#logs, entry, 200);
    this.#sink(entry);
    this.emit('log', entry);
    this.telemetrySource.emit('event', 'logs', entry);
  }

  /** Counters for progress lines. */
  stats(): EngineStats {
    const s = this.#orderLatency.stats().latency_ms;
    return { ...this.#stats, orderLatency: { p50: s.p50, p99: s.p99 } };
  }

  /** The venue adapter for `id` (undefined when not configured). */
  venue(id: VenueId): Venue | undefined {
    return this.#venues.get(id)?.venue;
  }

  /** Orders the engine considers open (intent id → status). */
  openOrders(): OrderEvent[] {
    return [...this.#orders.values()].map((o) => this.#orderEvent(o));
  }

  /**
   * Stops timers, the telemetry server, venues (open orders stay at the venue: the journal has
   * them and the next start reconciles), the journal and simulators. Idempotent.
   */
  stop(): Promise<void> {
    this.#stopping ??= (async () => {
      if (this.#timer) clearInterval(this.#timer);
      this.#timer = null;
      const errors: unknown[] = [];
      const step = async (fn: () => Promise<unknown>): Promise<void> => {
        try {
          await fn();
        } catch (e) {
          errors.push(e);
        }
      };
      if (this.telemetryServer) await step(() => this.telemetryServer!.close());
      await Promise.all([...this.#venues.values()].map((b) => step(() => b.venue.close())));
      if (this.#journal) await step(() => this.#journal!.close());
      await Promise.all([...this.simulators.values()].map((s) => step(() => s.close())));
      this.#status = 'INITIALIZING';
      if (errors.length) this.#log('warn', `stop: ${errors.length} component(s) did not close cleanly: ${errors.map((e) => (e as Error).message).join('; ')}`);
    })();
    return this.#stopping;
  }

  // -------------------------------------------------------------------------------------------
  // TelemetrySource
  // -------------------------------------------------------------------------------------------

  #marketView(m: MarketState | undefined, symbol: string): MarketView {
    if (!m) return { symbol, price: 0, alpha: null, regime: classifyRegime(null), velocity: 0, acceleration: 0 };
    const alpha = m.hill.alpha;
    return { symbol: m.symbol, price: m.price, alpha, regime: classifyRegime(alpha), velocity: finite(m.kalman.velocity), acceleration: finite(m.kalman.acceleration) };
  }

  #portfolioView(): PortfolioView {
    const p = this.portfolio;
    return { nav: finite(p.nav), cash: finite(p.cash), daily_pnl: finite(p.dailyPnl), max_drawdown: finite(p.maxDrawdown) };
  }

  #positions(): PositionView[] {
    return this.portfolio.positions().map((p) => ({
      venue: p.venue,
      symbol: p.symbol,
      qty: p.qty,
      avgPrice: finite(p.avgPrice),
      lastPrice: finite(p.lastPrice),
      unrealizedPnl: finite(p.unrealizedPnl),
    }));
  }

  #portfolioEvent(): PortfolioEvent {
    return { ...this.#portfolioView(), positions: this.#positions(), ts: Date.now() };
  }

  #components(): Record<string, ComponentStats> {
    const out: Record<string, ComponentStats> = {};
    for (const [name, h] of this.#latency) out[name] = h.stats();
    return out;
  }

  state(): FullState {
    const symbols = Object.values(this.config.venues).flatMap((v) => v?.symbols ?? []);
    return {
      status: this.#status,
      markets: [...this.#markets.values()].map((m) => ({ ...this.#marketView(m, m.symbol), venue: m.venue })),
      portfolio: this.#portfolioView(),
      positions: this.#positions(),
      openOrders: this.openOrders(),
      fills: [...this.#fills],
      signals: [...this.#signals],
      logs: [...this.#logs],
      components: this.#components(),
      halted: this.risk.halted,
      haltReason: this.risk.halted ? this.risk.haltReason : null,
      governance: { approved_size: this.risk.approvedSize },
      config: { venues: Object.keys(this.config.venues).filter((k) => this.config.venues[k as ConfigVenueId] !== undefined), symbols: [...new Set(symbols)] },
    };
  }

  telemetry(symbol?: string): TelemetrySample {
    let m: MarketState | undefined;
    if (symbol !== undefined) m = [...this.#markets.values()].find((x) => x.symbol === symbol);
    m ??= this.#markets.get(`${this.#primary.venue}:${this.#primary.symbol}`);
    const sig = this.#lastSignal;
    return {
      timestamp: Date.now(),
      status: this.#status,
      market: this.#marketView(m, symbol ?? this.#primary.symbol),
      portfolio: this.#portfolioView(),
      signal: sig ? { side: sig.side, confidence: sig.confidence, reasoning: sig.reasoning } : null,
      governance: { approved_size: this.risk.approvedSize },
      logs: this.#logs.slice(-20),
      components: this.#components(),
    };
  }
}
