/**
 * tickwire — low-latency connections to trading venues. Public entry point: everything a user
 * imports comes from here.
 */
export { sha256 } from './crypto/sha256.js';
export { HmacSigner, type HmacPayload } from './crypto/hmac-signer.js';
export { mask, unmask, MASK_NATIVE_MIN_BYTES } from './ws/mask.js';
export { buildFrame, frameSize, Opcode, type FrameOptions } from './ws/frame.js';
export { TickwireError, type TickwireErrorCode, type TickwireErrorOptions } from './native/errors.js';
export { native, type IoUringProbe, type NativeFeatures, type NativeInfo } from './native/introspect.js';
export { connect, TickwireWebSocket, type WebSocketEvents, type WebSocketStats } from './net/websocket.js';
export type { ConnectOptions, TlsOptions, HeartbeatOptions, ReconnectOptions, Transport, ActiveTransport } from './net/options.js';
export { connectTcp, TcpConnection, type TcpConnectOptions, type TcpEvents, type TcpStats } from './net/tcp.js';
export type {
  VenueId,
  Side,
  OrderType,
  TimeInForce,
  Channel,
  Stamped,
  Trade,
  Level,
  BookUpdate,
  Ticker,
  OrderStatus,
  OrderRequest,
  CancelRequest,
  OrderAck,
  OrderUpdate,
  Fill,
} from './exchanges/common/types.js';
export { receiveTime } from './exchanges/common/types.js';
export { VenueError, type Venue, type VenueEvents, type ReconnectInfo, type VenueErrorOptions } from './exchanges/common/venue.js';
export { formatDecimal } from './exchanges/common/decimal.js';
export { OrderBook, type OrderBookOptions } from './book/order-book.js';
export type { BookSide, BookSnapshot, BookDelta } from './book/types.js'; // Level: the identical tuple exported above
export { crc32 } from './book/crc32.js';
export { krakenChecksum, krakenChecksumOfLevels, krakenChecksumInput, krakenFormat, verifyKrakenChecksum, KRAKEN_CHECKSUM_LEVELS, type KrakenPrecision } from './book/kraken-checksum.js';
export { BinanceDepthSync, SequenceSync, SequenceTracker, sequenceGapError, type SyncResult, type SyncApplied, type SyncBuffered, type SyncIgnored, type SyncGap, type SyncRetry, type BinanceDepthIds, type BinanceDepthSyncOptions, type BinanceSyncState, type SequenceSyncOptions, type SequenceSyncState } from './book/sync.js';
export { OrderTemplate, Slot, type OrderTemplateSpec, type OrderValues } from './orders/template.js';
export { BinanceVenue, type BinanceOptions } from './exchanges/binance/venue.js';
export { ReferenceOrderSender, type BinanceOrderSender } from './exchanges/binance/execution.js';
export {
  binanceSigningPayload,
  binanceSign,
  binanceOrderParams,
  buildBinanceSignedRequest,
  buildBinanceOrderPlace,
  buildBinanceOrderCancel,
  BINANCE_DEFAULT_PRECISION,
  type BinancePrecision,
  type BinanceParams,
  type BinanceSigningContext,
  type ResolvedOrder,
} from './exchanges/binance/sign.js';
export { BINANCE_STREAM_URL, BINANCE_WS_API_URL, binanceStreamName } from './exchanges/binance/urls.js';
export * as sim from './sim/index.js';
export * as tws from './tws/index.js';
export { CoinbaseVenue, COINBASE_ORDER_ENTRY_UNSUPPORTED, type CoinbaseOptions } from './exchanges/coinbase/venue.js';
export { COINBASE_MARKET_URL, COINBASE_USER_URL } from './exchanges/coinbase/urls.js';
export { HyperliquidVenue, HYPERLIQUID_ORDER_ENTRY_UNSUPPORTED, type HyperliquidOptions } from './exchanges/hyperliquid/venue.js';
export { HYPERLIQUID_URL, HYPERLIQUID_TESTNET_URL } from './exchanges/hyperliquid/urls.js';
export type { HyperliquidMids } from './exchanges/hyperliquid/parse.js';
export { KrakenVenue, type KrakenOptions } from './exchanges/kraken/venue.js';
export type { KrakenTokenSource } from './exchanges/kraken/execution.js';
export { buildKrakenAddOrder, buildKrakenCancelOrder, krakenAddOrderSpec, checkKrakenClientOrderId, type KrakenOrderShape, type KrakenResolvedOrder } from './exchanges/kraken/orders.js';
export { KRAKEN_WS_URL, KRAKEN_WS_AUTH_URL, KRAKEN_BOOK_DEPTHS, type KrakenBookDepth } from './exchanges/kraken/urls.js';
export { krakenSimToken } from './sim/kraken.js';
export { BybitVenue, type BybitOptions } from './exchanges/bybit/venue.js';
export { buildBybitAuth, bybitAuthSignature, buildBybitOrderCreate, buildBybitOrderCancel, bybitOrderCreateSpec, checkBybitClientOrderId, BYBIT_DEFAULT_PRECISION, type BybitPrecision, type BybitOrderShape, type BybitResolvedOrder } from './exchanges/bybit/orders.js';
export { BYBIT_PUBLIC_SPOT_URL, BYBIT_PRIVATE_URL, BYBIT_TRADE_URL, BYBIT_BOOK_DEPTHS, bybitTopic, type BybitBookDepth } from './exchanges/bybit/urls.js';
export type { BybitSimVenue } from './sim/bybit.js';
export { coinbaseSimVenue, type CoinbaseSimOptions } from './sim/coinbase.js';
export { hyperliquidSimVenue, HYPERLIQUID_SIM_DEMO_ADDRESS, type HyperliquidSimOptions } from './sim/hyperliquid.js';
export { krakenVenue as krakenSimVenue } from './sim/kraken.js';
export { bybitVenue as bybitSimVenue } from './sim/bybit.js';
export { Journal, replayJournal, type JournalRecovery, type JournalRecord, type JournalOptions, type JournalStats, type FsyncPolicy, type OpenOrder, type Replayed } from './orders/journal/index.js';
export type { Signal, OrderIntent, StrategyContext, StrategyOutput, Strategy } from './strategies/types.js';
export { WhaleStrategy, whaleConfidence, type WhaleOptions, type WhaleVerdict } from './strategies/whale.js';
export { RiskGovernor, validateRiskLimits, DEFAULT_STALENESS, MAX_APPROVED_SIZE, type RiskLimits, type StalenessLimits, type RiskRejectCode, type RiskDecision, type RiskGovernorEvents } from './strategies/risk.js';
export { Portfolio, type PositionView } from './strategies/portfolio.js';
export { RollingMedian } from './strategies/rolling-median.js';
export { HillEstimator } from './strategies/analytics/hill.js';
export { classifyRegime, DEFAULT_REGIME_THRESHOLDS, type Regime, type RegimeThresholds } from './strategies/analytics/regime.js';
export { KalmanCA, type KalmanOptions } from './strategies/analytics/kalman.js';
export { Engine, EngineTelemetrySource, type EngineEvents, type EngineOptions, type EngineStats, type Reconciliation } from './engine/engine.js';
export {
  loadConfig,
  validateConfig,
  resolveConfig,
  redactedConfig,
  Secret,
  VENUE_URL_KEYS,
  type EngineConfig,
  type EngineConfigInput,
  type ResolvedConfig,
  type ResolvedCredentials,
  type SecretRef,
  type VenueConfig,
  type WhaleStrategyConfig,
  type RiskConfig,
  type JournalConfig,
  type TelemetryConfig,
  type SimConfig,
} from './engine/config.js';
export { LatencyHistogram } from './engine/latency.js';
export { TelemetryServer, type TelemetryOptions, type TelemetryServerEvents } from './telemetry/server.js';
export type { TelemetrySource, TelemetrySourceEvents } from './telemetry/source.js';
export { publishTelemetry, RedisTelemetrySource, DEFAULT_REDIS_CHANNEL, type PublishOptions, type RedisPublisher, type RedisSourceOptions } from './telemetry/redis.js';
export type { TelemetryPacket, TelemetrySample, FullState, ServerPacket as TelemetryServerPacket, ClientCommand as TelemetryCommand } from './telemetry/protocol.js';
export * as telemetryProtocol from './telemetry/protocol.js';
