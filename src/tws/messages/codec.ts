/**
 * The core TWS messages as field walks (see fields.ts): one description per message serves the
 * client's encoder and decoder and the fake TWS's. Layouts for server versions 157..193, from the
 * official client (`ibapi/client.py`, `ibapi/decoder.py`, 10.46.01); version numbers the server
 * writes into its messages (tick version 6, position version 3, …) are what TWS sends and what
 * @stoqey/ib expects.
 */
import { comboLegs, contractFields, deltaNeutralContract } from './contract-walk.js';
import { FieldReader, FieldWriter, protocolError, type FieldIO } from './fields.js';
import { IN, OUT } from './ids.js';
import { walkOpenOrder, walkPlaceOrder } from './order-codec.js';
import {
  newContractRecord,
  newOrderRecord,
  newOrderStateRecord,
  type ContractRecord,
  type OrderRecord,
  type OrderStateRecord,
} from './records.js';
import { SV, UNSET_INTEGER } from '../versions.js';
import type { FieldValue } from '../framing.js';

/** A walk over one message's fields after the id, for the negotiated server version. */
export type Walk<R> = (io: FieldIO, sv: number, rec: R) => void;

/** Encodes `rec` as message `id`: the fields to hand to encodeMessage(). */
export function encodeFields<R>(id: number, walk: Walk<R>, sv: number, rec: R): FieldValue[] {
  const w = new FieldWriter();
  w.constant(id);
  walk(w, sv, rec);
  return w.fields;
}

/**
 * Decodes the fields of a received message (fields[0] is the id) into `rec`. Throws
 * TWS_PROTOCOL_ERROR on malformed input; with `exact`, also when fields are left over (the fake TWS
 * checks requests that way, so a client that sends a field too many or too few is caught).
 */
export function decodeFields<R>(fields: readonly string[], walk: Walk<R>, sv: number, rec: R, exact = false): R {
  const r = new FieldReader(fields, 1);
  walk(r, sv, rec);
  if (exact && r.remaining > 0) {
    throw protocolError(`message ${fields[0] ?? '?'}: ${r.remaining} field(s) left over after decoding at server version ${sv}`, 'EXTRA_FIELDS');
  }
  return rec;
}

// ---------------------------------------------------------------------------------------------
// shared pieces

/** A version field: written as `v`, the received value is checked to be a number and returned. */
function version(io: FieldIO, v: number): number {
  return io.constant(v);
}

// ---------------------------------------------------------------------------------------------
// client → TWS

export interface StartApiRecord {
  clientId: number;
  optionalCapabilities: string;
}
export const startApi: Walk<StartApiRecord> = (io, _sv, r) => {
  version(io, 2);
  io.int(r, 'clientId');
  io.str(r, 'optionalCapabilities');
};

export interface ReqIdsRecord {
  numIds: number;
}
export const reqIds: Walk<ReqIdsRecord> = (io, _sv, r) => {
  version(io, 1);
  io.int(r, 'numIds');
};

export interface ReqMktDataRecord {
  reqId: number;
  contract: ContractRecord;
  genericTickList: string;
  snapshot: boolean;
  regulatorySnapshot: boolean;
  mktDataOptions: string;
}
export function newReqMktData(): ReqMktDataRecord {
  return { reqId: 0, contract: newContractRecord(), genericTickList: '', snapshot: false, regulatorySnapshot: false, mktDataOptions: '' };
}
export const reqMktData: Walk<ReqMktDataRecord> = (io, _sv, r) => {
  version(io, 11);
  io.int(r, 'reqId');
  const c = r.contract;
  contractFields(io, c, true);
  if (c.secType === 'BAG') comboLegs(io, c, false);
  deltaNeutralContract(io, c);
  io.str(r, 'genericTickList');
  io.bool(r, 'snapshot');
  io.bool(r, 'regulatorySnapshot');
  io.str(r, 'mktDataOptions');
};

export interface ReqIdRecord {
  reqId: number;
}
export const cancelMktData: Walk<ReqIdRecord> = (io, _sv, r) => {
  version(io, 2);
  io.int(r, 'reqId');
};

export interface PlaceOrderRecord {
  contract: ContractRecord;
  order: OrderRecord;
}
export function newPlaceOrder(): PlaceOrderRecord {
  return { contract: newContractRecord(), order: newOrderRecord() };
}
export const placeOrder: Walk<PlaceOrderRecord> = (io, sv, r) => walkPlaceOrder(io, sv, r.contract, r.order);

export interface CancelOrderRecord {
  orderId: number;
  manualOrderCancelTime: string;
  extOperator: string;
  manualOrderIndicator: number | undefined;
}
export function newCancelOrder(orderId = 0): CancelOrderRecord {
  return { orderId, manualOrderCancelTime: '', extOperator: '', manualOrderIndicator: undefined };
}
export const cancelOrder: Walk<CancelOrderRecord> = (io, sv, r) => {
  if (sv < SV.CME_TAGGING_FIELDS) version(io, 1);
  io.int(r, 'orderId');
  if (sv >= SV.MANUAL_ORDER_TIME) io.str(r, 'manualOrderCancelTime');
  if (sv >= SV.RFQ_FIELDS && sv < SV.UNDO_RFQ_FIELDS) {
    io.skip('');
    io.skip('');
    io.skip(UNSET_INTEGER);
  }
  if (sv >= SV.CME_TAGGING_FIELDS) {
    io.str(r, 'extOperator');
    io.intMax(r, 'manualOrderIndicator');
  }
};

/** Messages with nothing but a version field. */
export const versionOnly: Walk<object> = (io) => {
  version(io, 1);
};

export interface ReqAccountUpdatesRecord {
  subscribe: boolean;
  account: string;
}
export const reqAccountUpdates: Walk<ReqAccountUpdatesRecord> = (io, _sv, r) => {
  version(io, 2);
  io.bool(r, 'subscribe');
  io.str(r, 'account');
};

export interface ExecutionFilterRecord {
  reqId: number;
  clientId: number;
  account: string;
  time: string;
  symbol: string;
  secType: string;
  exchange: string;
  side: string;
}
export function newExecutionFilter(reqId = 0): ExecutionFilterRecord {
  return { reqId, clientId: 0, account: '', time: '', symbol: '', secType: '', exchange: '', side: '' };
}
export const reqExecutions: Walk<ExecutionFilterRecord> = (io, _sv, r) => {
  version(io, 3);
  io.int(r, 'reqId');
  io.int(r, 'clientId');
  io.str(r, 'account');
  io.str(r, 'time');
  io.str(r, 'symbol');
  io.str(r, 'secType');
  io.str(r, 'exchange');
  io.str(r, 'side');
};

export interface MarketDataTypeRecord {
  reqId: number;
  marketDataType: number;
}
export const reqMarketDataType: Walk<Pick<MarketDataTypeRecord, 'marketDataType'>> = (io, _sv, r) => {
  version(io, 1);
  io.int(r, 'marketDataType');
};

// ---------------------------------------------------------------------------------------------
// TWS → client

export interface TickPriceRecord {
  reqId: number;
  tickType: number;
  price: number;
  size: number | undefined;
  /** Bits: 1 canAutoExecute, 2 pastLimit, 4 preOpen. */
  attrMask: number;
}
export const tickPrice: Walk<TickPriceRecord> = (io, _sv, r) => {
  version(io, 6);
  io.int(r, 'reqId');
  io.int(r, 'tickType');
  io.float(r, 'price');
  io.decimal(r, 'size');
  io.int(r, 'attrMask');
};

export interface TickSizeRecord {
  reqId: number;
  tickType: number;
  size: number | undefined;
}
export const tickSize: Walk<TickSizeRecord> = (io, _sv, r) => {
  version(io, 6);
  io.int(r, 'reqId');
  io.int(r, 'tickType');
  io.decimal(r, 'size');
};

export interface TickStringRecord {
  reqId: number;
  tickType: number;
  value: string;
}
export const tickString: Walk<TickStringRecord> = (io, _sv, r) => {
  version(io, 6);
  io.int(r, 'reqId');
  io.int(r, 'tickType');
  io.str(r, 'value');
};

export interface TickGenericRecord {
  reqId: number;
  tickType: number;
  value: number;
}
export const tickGeneric: Walk<TickGenericRecord> = (io, _sv, r) => {
  version(io, 6);
  io.int(r, 'reqId');
  io.int(r, 'tickType');
  io.float(r, 'value');
};

export interface TickReqParamsRecord {
  reqId: number;
  minTick: number;
  bboExchange: string;
  snapshotPermissions: number;
}
export const tickReqParams: Walk<TickReqParamsRecord> = (io, _sv, r) => {
  io.int(r, 'reqId');
  io.float(r, 'minTick');
  io.str(r, 'bboExchange');
  io.int(r, 'snapshotPermissions');
};

export interface OrderStatusRecord {
  orderId: number;
  status: string;
  filled: number | undefined;
  remaining: number | undefined;
  avgFillPrice: number;
  permId: number;
  parentId: number;
  lastFillPrice: number;
  clientId: number;
  whyHeld: string;
  mktCapPrice: number;
}
export function newOrderStatus(): OrderStatusRecord {
  return { orderId: 0, status: '', filled: 0, remaining: 0, avgFillPrice: 0, permId: 0, parentId: 0, lastFillPrice: 0, clientId: 0, whyHeld: '', mktCapPrice: 0 };
}
/** orderStatus, server >= 131 (MARKET_CAP_PRICE): no version field. */
export const orderStatus: Walk<OrderStatusRecord> = (io, _sv, r) => {
  io.int(r, 'orderId');
  io.str(r, 'status');
  io.decimal(r, 'filled');
  io.decimal(r, 'remaining');
  io.float(r, 'avgFillPrice');
  io.int(r, 'permId');
  io.int(r, 'parentId');
  io.float(r, 'lastFillPrice');
  io.int(r, 'clientId');
  io.str(r, 'whyHeld');
  io.float(r, 'mktCapPrice');
};

export interface ErrorRecord {
  reqId: number;
  code: number;
  message: string;
  advancedOrderRejectJson: string;
}
export function newErrorRecord(): ErrorRecord {
  return { reqId: 0, code: 0, message: '', advancedOrderRejectJson: '' };
}
/** error, server < 194 (ERROR_TIME): version 2, id, code, text, [advancedOrderRejectJson from 166]. */
export const errMsg: Walk<ErrorRecord> = (io, sv, r) => {
  const v = version(io, 2);
  if (io.reading && v < 2) {
    // version 1: just a text
    io.str(r, 'message');
    r.reqId = -1;
    return;
  }
  io.int(r, 'reqId');
  io.int(r, 'code');
  io.str(r, 'message');
  if (sv >= SV.ADVANCED_ORDER_REJECT) io.str(r, 'advancedOrderRejectJson');
};

export interface OpenOrderRecord {
  contract: ContractRecord;
  order: OrderRecord;
  state: OrderStateRecord;
}
export function newOpenOrder(): OpenOrderRecord {
  return { contract: newContractRecord(), order: newOrderRecord(), state: newOrderStateRecord() };
}
export const openOrder: Walk<OpenOrderRecord> = (io, sv, r) => walkOpenOrder(io, sv, r.contract, r.order, r.state);

export interface AccountValueRecord {
  key: string;
  value: string;
  currency: string;
  account: string;
}
export const acctValue: Walk<AccountValueRecord> = (io, _sv, r) => {
  version(io, 2);
  io.str(r, 'key');
  io.str(r, 'value');
  io.str(r, 'currency');
  io.str(r, 'account');
};

export interface PortfolioRecord {
  contract: ContractRecord;
  position: number | undefined;
  marketPrice: number;
  marketValue: number;
  averageCost: number;
  unrealizedPNL: number;
  realizedPNL: number;
  account: string;
}
export function newPortfolio(): PortfolioRecord {
  return { contract: newContractRecord(), position: 0, marketPrice: 0, marketValue: 0, averageCost: 0, unrealizedPNL: 0, realizedPNL: 0, account: '' };
}
export const portfolioValue: Walk<PortfolioRecord> = (io, _sv, r) => {
  const v = version(io, 8);
  const c = r.contract;
  io.int(c, 'conId');
  io.str(c, 'symbol');
  io.str(c, 'secType');
  io.str(c, 'lastTradeDateOrContractMonth');
  io.float(c, 'strike');
  io.str(c, 'right');
  if (v >= 7) {
    io.str(c, 'multiplier');
    io.str(c, 'primaryExchange');
  }
  io.str(c, 'currency');
  io.str(c, 'localSymbol');
  if (v >= 8) io.str(c, 'tradingClass');
  io.decimal(r, 'position');
  io.float(r, 'marketPrice');
  io.float(r, 'marketValue');
  io.float(r, 'averageCost');
  io.float(r, 'unrealizedPNL');
  io.float(r, 'realizedPNL');
  io.str(r, 'account');
};

export interface StringRecord {
  value: string;
}
/** Version 1 and one string: acctUpdateTime, managedAccounts, acctDownloadEnd. */
const versionedString: Walk<StringRecord> = (io, _sv, r) => {
  version(io, 1);
  io.str(r, 'value');
};
export const acctUpdateTime = versionedString;
export const managedAccounts = versionedString;
export const acctDownloadEnd = versionedString;

export interface NumberRecord {
  value: number;
}
/** Version 1 and one int: nextValidId, currentTime. */
const versionedInt: Walk<NumberRecord> = (io, _sv, r) => {
  version(io, 1);
  io.int(r, 'value');
};
export const nextValidId = versionedInt;
export const currentTime = versionedInt;

export const reqIdOnly: Walk<ReqIdRecord> = (io, _sv, r) => {
  version(io, 1);
  io.int(r, 'reqId');
};

export const marketDataType: Walk<MarketDataTypeRecord> = (io, _sv, r) => {
  version(io, 1);
  io.int(r, 'reqId');
  io.int(r, 'marketDataType');
};

export interface ExecutionRecord {
  reqId: number;
  orderId: number;
  contract: ContractRecord;
  execId: string;
  time: string;
  account: string;
  exchange: string;
  /** BOT / SLD. */
  side: string;
  shares: number | undefined;
  price: number;
  permId: number;
  clientId: number;
  liquidation: number;
  cumQty: number | undefined;
  avgPrice: number;
  orderRef: string;
  evRule: string;
  evMultiplier: number | undefined;
  modelCode: string;
  lastLiquidity: number;
  pendingPriceRevision: boolean;
}
export function newExecution(): ExecutionRecord {
  return {
    reqId: -1,
    orderId: 0,
    contract: newContractRecord(),
    execId: '',
    time: '',
    account: '',
    exchange: '',
    side: '',
    shares: 0,
    price: 0,
    permId: 0,
    clientId: 0,
    liquidation: 0,
    cumQty: 0,
    avgPrice: 0,
    orderRef: '',
    evRule: '',
    evMultiplier: undefined,
    modelCode: '',
    lastLiquidity: 0,
    pendingPriceRevision: false,
  };
}
/** execDetails, server >= 136 (LAST_LIQUIDITY): no version field. */
export const executionData: Walk<ExecutionRecord> = (io, sv, r) => {
  io.int(r, 'reqId');
  io.int(r, 'orderId');
  contractFields(io, r.contract, false);
  io.str(r, 'execId');
  io.str(r, 'time');
  io.str(r, 'account');
  io.str(r, 'exchange');
  io.str(r, 'side');
  io.decimal(r, 'shares');
  io.float(r, 'price');
  io.int(r, 'permId');
  io.int(r, 'clientId');
  io.int(r, 'liquidation');
  io.decimal(r, 'cumQty');
  io.float(r, 'avgPrice');
  io.str(r, 'orderRef');
  io.str(r, 'evRule');
  io.floatMax(r, 'evMultiplier');
  io.str(r, 'modelCode');
  io.int(r, 'lastLiquidity');
  if (sv >= SV.PENDING_PRICE_REVISION) io.bool(r, 'pendingPriceRevision');
};

export interface CommissionReportRecord {
  execId: string;
  commission: number;
  currency: string;
  realizedPNL: number | undefined;
  yield: number | undefined;
  yieldRedemptionDate: number;
}
export const commissionReport: Walk<CommissionReportRecord> = (io, _sv, r) => {
  version(io, 1);
  io.str(r, 'execId');
  io.float(r, 'commission');
  io.str(r, 'currency');
  io.floatMax(r, 'realizedPNL');
  io.floatMax(r, 'yield');
  io.int(r, 'yieldRedemptionDate');
};

export interface PositionRecord {
  account: string;
  contract: ContractRecord;
  position: number | undefined;
  avgCost: number;
}
export function newPosition(): PositionRecord {
  return { account: '', contract: newContractRecord(), position: 0, avgCost: 0 };
}
export const positionData: Walk<PositionRecord> = (io, _sv, r) => {
  const v = version(io, 3);
  io.str(r, 'account');
  contractFields(io, r.contract, false, v >= 2);
  io.decimal(r, 'position');
  if (v >= 3) io.float(r, 'avgCost');
};

/** Checks a message id field: a non-negative integer. */
export function messageId(fields: readonly string[]): number {
  const t = fields[0];
  if (t === undefined || !/^\d{1,9}$/.test(t)) throw protocolError(`message id '${t ?? ''}' is not a number`, 'BAD_MESSAGE_ID');
  return Number(t);
}

export { IN, OUT };
