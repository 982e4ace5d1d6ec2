/**
 * The telemetry wire protocol (GET /ws/stream, GET /api/state, GET /api/positions/stream).
 * Every packet is one JSON text frame with a `type` and a `seq`. See docs/telemetry.md.
 *
 * Plain JSON only: the dashboard (src/telemetry/dashboard/app.js) reads these shapes as they are.
 */

/** Protocol version, sent in WELCOME. */
export const PROTOCOL_VERSION = 1;

/** The WebSocket subprotocol the server prefers; browsers also offer `tickwire.token.<token>`. */
export const SUBPROTOCOL = 'tickwire.v1';
/** Prefix of the token-carrying subprotocol: `tickwire.token.<token>`. */
export const TOKEN_SUBPROTOCOL_PREFIX = 'tickwire.token.';

/** Tail regime classified from the Hill estimate of alpha (same union as src/strategies/analytics). */
export type Regime = 'gaussian' | 'levy-stable' | 'critical';

export type TelemetryStatus = 'ACTIVE' | 'HALT' | 'INITIALIZING';

/** What a client may SUBSCRIBE to (one socket, several channels). */
export type Channel = 'market' | 'portfolio' | 'signals' | 'orders' | 'logs' | 'latency';
export const CHANNELS: readonly Channel[] = ['market', 'portfolio', 'signals', 'orders', 'logs', 'latency'];

/** What a source emits; `fills` are delivered to clients subscribed to `orders`. */
export type SourceChannel = Channel | 'fills';
export const SOURCE_CHANNELS: readonly SourceChannel[] = ['market', 'portfolio', 'signals', 'orders', 'fills', 'logs', 'latency'];

/** The subscription channel a source channel is delivered on. */
export function subscriptionChannel(c: SourceChannel): Channel {
  return c === 'fills' ? 'orders' : c;
}

export type Role = 'viewer' | 'operator';

export interface LogEntry {
  ts: number;
  level: 'info' | 'warn' | 'error';
  message: string;
}

export interface ComponentStats {
  latency_ms: { p50: number; p99: number };
  invocations: number;
  /** 0..1 */
  success_rate: number;
}

export interface MarketView {
  symbol: string;
  price: number;
  /** Hill estimator of the return distribution's tail index; null until the window has enough returns. */
  alpha: number | null;
  regime: Regime;
  /** Constant-acceleration Kalman filter on price: price units per second. */
  velocity: number;
  /** Price units per second². */
  acceleration: number;
}

export interface PortfolioView {
  nav: number;
  cash: number;
  daily_pnl: number;
  max_drawdown: number;
}

export interface SignalView {
  side: 'buy' | 'sell' | 'none';
  confidence: number;
  reasoning: string;
}

/** The periodic summary (at `rateHz`, and at once on every significant source event). */
export interface TelemetryPacket {
  type: 'TELEMETRY';
  seq: number;
  /** ms since the Unix epoch, when the packet was sampled (publish time; the bench measures lag from it). */
  timestamp: number;
  status: TelemetryStatus;
  market: MarketView;
  portfolio: PortfolioView;
  signal: SignalView | null;
  governance: { approved_size: number };
  logs: LogEntry[];
  components: Record<string, ComponentStats>;
}

/** What {@link TelemetrySource.telemetry} returns: the packet without `type` and `seq`. */
export type TelemetrySample = Omit<TelemetryPacket, 'seq' | 'type'>;

// ---- channel event payloads (EVENT.data). Sources should emit these shapes. ----

/** channel 'market': a public trade (whale flag set by the strategy's detector). */
export interface TradeEvent {
  kind: 'trade';
  venue: string;
  symbol: string;
  id: string;
  price: number;
  qty: number;
  side: 'buy' | 'sell';
  ts: number;
  whale: boolean;
  notional?: number;
}

/** channel 'orders': an order's state changed (intent, sent, ack, reject, fill progress, cancel). */
export interface OrderEvent {
  /** The intent id (`${strategy}-${n}`) when known. */
  id?: string;
  venue: string;
  symbol: string;
  clientOrderId: string;
  orderId?: string;
  side: 'buy' | 'sell';
  type: 'limit' | 'market';
  status: 'intent' | 'sent' | 'new' | 'partially_filled' | 'filled' | 'canceled' | 'rejected' | 'expired' | 'blocked';
  price: number | null;
  qty: number;
  filledQty: number;
  avgPrice?: number | null;
  /** Reject / block reason (risk code or venue message). */
  reason?: string;
  ts: number;
}

/** channel 'fills' (delivered on the 'orders' subscription). */
export interface FillEvent {
  venue: string;
  symbol: string;
  clientOrderId: string;
  orderId: string;
  tradeId: string;
  side: 'buy' | 'sell';
  price: number;
  qty: number;
  fee: number;
  feeAsset: string;
  liquidity: 'maker' | 'taker';
  ts: number;
}

/** channel 'signals'. */
export interface SignalEvent {
  strategy: string;
  venue: string;
  symbol: string;
  side: 'buy' | 'sell';
  kind: 'follow' | 'fade';
  confidence: number;
  reasoning: string;
  ts: number;
  /** The triggering trade's id (whales). */
  tradeId?: string;
}

/** channel 'latency': one timed invocation of a component (feed, strategy, order path). */
export interface LatencyEvent {
  component: string;
  ms: number;
  ok: boolean;
  ts: number;
}

export interface PositionView {
  venue: string;
  symbol: string;
  qty: number;
  avgPrice: number;
  lastPrice: number;
  unrealizedPnl: number;
}

/** channel 'portfolio': the portfolio after a change. */
export interface PortfolioEvent extends PortfolioView {
  positions: PositionView[];
  ts: number;
}

/** EVENT.data by source channel. */
export interface ChannelData {
  market: TradeEvent;
  orders: OrderEvent;
  fills: FillEvent;
  signals: SignalEvent;
  logs: LogEntry;
  latency: LatencyEvent;
  portfolio: PortfolioEvent;
}

/** The whole state: WELCOME, RESYNC and GET /api/state. */
export interface FullState {
  status: TelemetryStatus;
  /** One entry per traded symbol. */
  markets: Array<MarketView & { venue?: string }>;
  portfolio: PortfolioView;
  positions: PositionView[];
  openOrders: OrderEvent[];
  /** Recent fills, newest last. */
  fills: FillEvent[];
  /** Recent signals, newest last. */
  signals: SignalEvent[];
  /** Recent log lines, newest last. */
  logs: LogEntry[];
  components: Record<string, ComponentStats>;
  halted: boolean;
  haltReason?: string | null;
  governance?: { approved_size: number };
  config: { venues: string[]; symbols: string[] };
}

// ---- server → client packets ----

export interface WelcomePacket {
  type: 'WELCOME';
  /** The last broadcast seq at connect time: reconnect with `?since=<last seq you saw>`. */
  seq: number;
  protocol: number;
  role: Role;
  /** The server's TELEMETRY rate. */
  rateHz: number;
  channels: Channel[];
  symbol: string | null;
  state: FullState;
}

export interface ResyncPacket {
  type: 'RESYNC';
  seq: number;
  /** Why: 'too-old' (the replay buffer no longer holds since+1) or 'unknown-seq' (since is ahead: another server run). */
  reason: 'too-old' | 'unknown-seq';
  role: Role;
  state: FullState;
}

export interface EventPacket<C extends SourceChannel = SourceChannel> {
  type: 'EVENT';
  seq: number;
  channel: C;
  /** Server time the event was published, ms since the Unix epoch. */
  ts: number;
  data: ChannelData[C];
}

export interface AckPacket {
  type: 'ACK';
  /** Replies are not broadcast: `seq` is the last broadcast seq at reply time. */
  seq: number;
  id: string;
}

export type ErrorCode =
  | 'BAD_JSON'
  | 'BAD_MESSAGE'
  | 'MISSING_ID'
  | 'UNKNOWN_TYPE'
  | 'TOO_LARGE'
  | 'BAD_CHANNEL'
  | 'FORBIDDEN'
  | 'COMMAND_FAILED';

export interface ErrorPacket {
  type: 'ERROR';
  seq: number;
  /** The command's id; null when the message had none (or was not JSON). */
  id: string | null;
  code: ErrorCode;
  message: string;
}

export interface PongPacket {
  type: 'PONG';
  seq: number;
  id: string;
  ts: number;
}

export type ServerPacket = WelcomePacket | ResyncPacket | TelemetryPacket | EventPacket | AckPacket | ErrorPacket | PongPacket;

// ---- client → server commands (every one carries an `id`, answered ACK {id} or ERROR {id}) ----

export interface PingCommand {
  type: 'PING';
  id: string;
}
/**
 * `symbol`: only events for this symbol (and symbol-less ones) and TELEMETRY for it; null clears.
 * `channels`: only these channels' events. Fields absent stay as they were. Default: all, no symbol.
 */
export interface SubscribeCommand {
  type: 'SUBSCRIBE';
  id: string;
  symbol?: string | null;
  channels?: Channel[];
}
export interface HaltCommand {
  type: 'HALT';
  id: string;
  reason?: string;
}
export interface ResumeCommand {
  type: 'RESUME';
  id: string;
}
export type ClientCommand = PingCommand | SubscribeCommand | HaltCommand | ResumeCommand;

// ---- SSE (GET /api/positions/stream) ----

/** `event: positions` data: sent on connect and on every portfolio change. `: hb <ts>` comments every heartbeat. */
export interface PositionsSsePayload {
  ts: number;
  portfolio: PortfolioView;
  positions: PositionView[];
}
