/**
 * Interactive Brokers TWS / IB Gateway: `import { tws } from 'tickwire'`.
 */
export {
  connect,
  defaultClientId,
  OrderHandle,
  TwsClient,
  type AccountUpdate,
  type AccountValue,
  type CommissionReport,
  type MarketDataOptions,
  type MarketDataSubscription,
  type OrderHandleEvents,
  type PortfolioItem,
  type Position,
  type Tick,
  type TickAttribs,
  type TwsClientEvents,
  type TwsConnectOptions,
  type TwsHeartbeatOptions,
  type TwsInfo,
  type TwsLogger,
} from './client.js';
export {
  forex,
  future,
  option,
  stock,
  type Contract,
  type ContractDescription,
  type ForexContract,
  type FutureContract,
  type OptionContract,
  type OtherContract,
  type StockContract,
} from './contract.js';
export {
  limitOrder,
  marketOrder,
  stopOrder,
  type Execution,
  type Fill,
  type OpenOrder,
  type Order,
  type OrderAction,
  type OrderCondition,
  type OrderStatusName,
  type OrderStatusUpdate,
  type OrderType,
  type TimeInForce,
} from './order.js';
export { IB_CODE, severityOf, TwsError, TWS_SETTINGS_HINT, type TwsErrorDetails, type TwsSeverity } from './errors.js';
export { MAX_MESSAGE_BYTES } from './framing.js';
export { TICK, tickTypeName } from './messages/ids.js';
export { MAX_SUPPORTED_VERSION, MIN_SUPPORTED_VERSION } from './versions.js';
// The fake TWS, for tests and demos in-process (`tickwire sim --tws` runs the same thing).
export { startFakeTws, FakeTws, type FakeTwsOptions, type FakeTwsFaults, type FakePosition, type InstrumentSpec } from '../sim/tws/index.js';
