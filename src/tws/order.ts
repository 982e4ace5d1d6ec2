/**
 * Typed orders, and the order lifecycle data TWS reports back (status, executions, fills).
 */
import { TickwireError } from '../native/errors.js';
import { newConditionRecord, newOrderRecord, type OrderConditionRecord, type OrderRecord, type TagValue } from './messages/records.js';
import type { ContractDescription } from './contract.js';

export type OrderAction = 'BUY' | 'SELL' | 'SSHORT';

/** IB order types tickwire names; any other IB order type string is passed through. */
export type OrderType =
  | 'MKT'
  | 'LMT'
  | 'STP'
  | 'STP LMT'
  | 'TRAIL'
  | 'TRAIL LIMIT'
  | 'MOC'
  | 'LOC'
  | 'MIT'
  | 'LIT'
  | 'MTL'
  | 'REL'
  | 'MIDPRICE'
  | 'PEG MID'
  | 'PEG MKT'
  | 'PEG BEST'
  | 'SNAP MKT'
  | (string & {});

export type TimeInForce = 'DAY' | 'GTC' | 'IOC' | 'GTD' | 'OPG' | 'FOK' | 'DTC' | 'AUC';

/** An order condition (price, time, margin, execution, volume, percent change). */
export type OrderCondition =
  | { type: 'price'; conId: number; exchange: string; isMore: boolean; price: number; triggerMethod?: number; conjunction?: 'and' | 'or' }
  | { type: 'time'; isMore: boolean; time: string; conjunction?: 'and' | 'or' }
  | { type: 'margin'; isMore: boolean; percent: number; conjunction?: 'and' | 'or' }
  | { type: 'execution'; secType: string; exchange: string; symbol: string; conjunction?: 'and' | 'or' }
  | { type: 'volume'; conId: number; exchange: string; isMore: boolean; volume: number; conjunction?: 'and' | 'or' }
  | { type: 'percentChange'; conId: number; exchange: string; isMore: boolean; changePercent: number; conjunction?: 'and' | 'or' };

export interface Order {
  action: OrderAction;
  totalQuantity: number;
  orderType: OrderType;
  /** Limit price (LMT, STP LMT, LOC, LIT, TRAIL LIMIT). */
  lmtPrice?: number;
  /** Stop / trigger price (STP, STP LMT, MIT, LIT), trailing amount (TRAIL). */
  auxPrice?: number;
  tif?: TimeInForce;
  /** The account to trade in (required when the login manages several). */
  account?: string;
  /** Your reference, echoed in openOrder and executions. */
  orderRef?: string;
  /** false: the order is held in TWS until transmitted (bracket children). Default true. */
  transmit?: boolean;
  parentId?: number;
  outsideRth?: boolean;
  hidden?: boolean;
  displaySize?: number;
  ocaGroup?: string;
  /** 1 cancel others with block, 2 reduce with block, 3 reduce without block. */
  ocaType?: number;
  /** 'YYYYMMDD hh:mm:ss (timezone)'. */
  goodAfterTime?: string;
  /** With tif 'GTD': 'YYYYMMDD hh:mm:ss (timezone)'. */
  goodTillDate?: string;
  allOrNone?: boolean;
  minQty?: number;
  trailStopPrice?: number;
  trailingPercent?: number;
  /** Order size in money instead of shares (some forex / crypto / fractional orders). */
  cashQty?: number;
  triggerMethod?: number;
  openClose?: string;
  /** 0 customer, 1 firm. */
  origin?: 0 | 1;
  whatIf?: boolean;
  notHeld?: boolean;
  sweepToFill?: boolean;
  blockOrder?: boolean;
  discretionaryAmt?: number;
  algoStrategy?: string;
  algoParams?: TagValue[];
  faGroup?: string;
  faMethod?: string;
  faPercentage?: string;
  modelCode?: string;
  conditions?: OrderCondition[];
  conditionsIgnoreRth?: boolean;
  conditionsCancelOrder?: boolean;
  usePriceMgmtAlgo?: boolean;
  includeOvernight?: boolean;
  manualOrderIndicator?: number;
  extOperator?: string;
  manualOrderTime?: string;
  customerAccount?: string;
  professionalCustomer?: boolean;
}

export function marketOrder(action: OrderAction, totalQuantity: number, extra: Partial<Order> = {}): Order {
  return { action, totalQuantity, orderType: 'MKT', ...extra };
}

export function limitOrder(action: OrderAction, totalQuantity: number, lmtPrice: number, extra: Partial<Order> = {}): Order {
  return { action, totalQuantity, orderType: 'LMT', lmtPrice, ...extra };
}

export function stopOrder(action: OrderAction, totalQuantity: number, auxPrice: number, extra: Partial<Order> = {}): Order {
  return { action, totalQuantity, orderType: 'STP', auxPrice, ...extra };
}

/** Order status strings TWS reports. */
export type OrderStatusName =
  | 'ApiPending'
  | 'PendingSubmit'
  | 'PendingCancel'
  | 'PreSubmitted'
  | 'Submitted'
  | 'ApiCancelled'
  | 'Cancelled'
  | 'Filled'
  | 'Inactive'
  | (string & {});

/** One orderStatus message. */
export interface OrderStatusUpdate {
  orderId: number;
  status: OrderStatusName;
  filled: number;
  remaining: number;
  avgFillPrice: number;
  permId: number;
  parentId: number;
  lastFillPrice: number;
  clientId: number;
  whyHeld: string;
  mktCapPrice: number;
}

/** One execution (execDetails), with its commission once the commissionReport arrives. */
export interface Execution {
  orderId: number;
  execId: string;
  /** 'YYYYMMDD hh:mm:ss timezone' as TWS reports it. */
  time: string;
  account: string;
  exchange: string;
  /** BOT (bought) or SLD (sold). */
  side: 'BOT' | 'SLD' | (string & {});
  shares: number;
  price: number;
  permId: number;
  clientId: number;
  cumQty: number;
  avgPrice: number;
  orderRef: string;
  contract: ContractDescription;
  commission?: number;
  commissionCurrency?: string;
  realizedPNL?: number;
}

/** What `placeOrder(...).filled` resolves to. */
export interface Fill {
  orderId: number;
  permId: number;
  filled: number;
  avgFillPrice: number;
  lastFillPrice: number;
  executions: Execution[];
}

/** The order view of an openOrder message. */
export interface OpenOrder {
  orderId: number;
  contract: ContractDescription;
  order: {
    action: string;
    totalQuantity: number;
    orderType: string;
    lmtPrice: number | undefined;
    auxPrice: number | undefined;
    tif: string;
    account: string;
    orderRef: string;
    clientId: number;
    permId: number;
    parentId: number;
    outsideRth: boolean;
    transmit: boolean;
    algoStrategy: string;
  };
  orderState: {
    status: OrderStatusName;
    commission: number | undefined;
    commissionCurrency: string;
    warningText: string;
    initMarginAfter: string;
    maintMarginAfter: string;
    equityWithLoanAfter: string;
  };
}

function bad(message: string): never {
  throw new TickwireError('INVALID_ARGUMENT', `order: ${message}`);
}

function num(v: unknown, name: string, opts: { min?: number; int?: boolean } = {}): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) bad(`${name} must be a finite number, got ${String(v)}`);
  if (opts.int && !Number.isSafeInteger(v)) bad(`${name} must be an integer, got ${v}`);
  if (opts.min !== undefined && v < opts.min) bad(`${name} must be >= ${opts.min}, got ${v}`);
  return v;
}

function text(v: unknown, name: string): string {
  if (v === undefined) return '';
  if (typeof v !== 'string') bad(`${name} must be a string`);
  if (v.includes('\0')) bad(`${name} contains a NUL byte`);
  return v;
}

const NEEDS_LIMIT = new Set(['LMT', 'STP LMT', 'LOC', 'LIT', 'TRAIL LIMIT']);
const NEEDS_AUX = new Set(['STP', 'STP LMT', 'MIT', 'LIT']);
const CONDITION_TYPE = { price: 1, time: 3, margin: 4, execution: 5, volume: 6, percentChange: 7 } as const;

function conditionRecord(c: OrderCondition, i: number): OrderConditionRecord {
  const type = CONDITION_TYPE[c?.type as keyof typeof CONDITION_TYPE];
  if (type === undefined) bad(`conditions[${i}].type must be price, time, margin, execution, volume or percentChange`);
  const r = newConditionRecord(type);
  r.conjunction = c.conjunction === 'or' ? 'o' : 'a';
  switch (c.type) {
    case 'price':
      r.isMore = c.isMore;
      r.value = String(num(c.price, `conditions[${i}].price`));
      r.conId = num(c.conId, `conditions[${i}].conId`, { int: true, min: 1 });
      r.exchange = text(c.exchange, `conditions[${i}].exchange`);
      r.triggerMethod = c.triggerMethod ?? 0;
      break;
    case 'time':
      r.isMore = c.isMore;
      r.value = text(c.time, `conditions[${i}].time`);
      break;
    case 'margin':
      r.isMore = c.isMore;
      r.value = String(num(c.percent, `conditions[${i}].percent`, { int: true }));
      break;
    case 'execution':
      r.secType = text(c.secType, `conditions[${i}].secType`);
      r.exchange = text(c.exchange, `conditions[${i}].exchange`);
      r.symbol = text(c.symbol, `conditions[${i}].symbol`);
      break;
    case 'volume':
      r.isMore = c.isMore;
      r.value = String(num(c.volume, `conditions[${i}].volume`, { int: true }));
      r.conId = num(c.conId, `conditions[${i}].conId`, { int: true, min: 1 });
      r.exchange = text(c.exchange, `conditions[${i}].exchange`);
      break;
    case 'percentChange':
      r.isMore = c.isMore;
      r.value = String(num(c.changePercent, `conditions[${i}].changePercent`));
      r.conId = num(c.conId, `conditions[${i}].conId`, { int: true, min: 1 });
      r.exchange = text(c.exchange, `conditions[${i}].exchange`);
      break;
  }
  return r;
}

/** Validates an order and fills the wire record. Throws INVALID_ARGUMENT naming the field. */
export function orderRecord(orderId: number, o: Order): OrderRecord {
  if (o === null || typeof o !== 'object') bad('an order object is required');
  const r = newOrderRecord();
  r.orderId = orderId;
  if (o.action !== 'BUY' && o.action !== 'SELL' && o.action !== 'SSHORT') bad(`action must be BUY, SELL or SSHORT, got ${String(o.action)}`);
  r.action = o.action;
  r.totalQuantity = num(o.totalQuantity, 'totalQuantity', { min: 0 });
  if (r.totalQuantity === 0 && o.cashQty === undefined) bad('totalQuantity must be > 0 (or give cashQty)');
  r.orderType = text(o.orderType, 'orderType').toUpperCase();
  if (r.orderType === '') bad('orderType is required');
  if (o.lmtPrice !== undefined) r.lmtPrice = num(o.lmtPrice, 'lmtPrice');
  if (o.auxPrice !== undefined) r.auxPrice = num(o.auxPrice, 'auxPrice');
  if (NEEDS_LIMIT.has(r.orderType) && r.lmtPrice === undefined) bad(`${r.orderType} needs lmtPrice`);
  if (NEEDS_AUX.has(r.orderType) && r.auxPrice === undefined) bad(`${r.orderType} needs auxPrice`);
  if ((r.orderType === 'TRAIL' || r.orderType === 'TRAIL LIMIT') && r.auxPrice === undefined && o.trailingPercent === undefined) {
    bad(`${r.orderType} needs auxPrice (trailing amount) or trailingPercent`);
  }
  r.tif = text(o.tif, 'tif');
  if (r.tif === 'GTD' && !o.goodTillDate) bad("tif 'GTD' needs goodTillDate");
  r.account = text(o.account, 'account');
  r.orderRef = text(o.orderRef, 'orderRef');
  r.transmit = o.transmit ?? true;
  if (o.parentId !== undefined) r.parentId = num(o.parentId, 'parentId', { int: true, min: 0 });
  r.outsideRth = o.outsideRth ?? false;
  r.hidden = o.hidden ?? false;
  if (o.displaySize !== undefined) r.displaySize = num(o.displaySize, 'displaySize', { int: true, min: 0 });
  r.ocaGroup = text(o.ocaGroup, 'ocaGroup');
  if (o.ocaType !== undefined) r.ocaType = num(o.ocaType, 'ocaType', { int: true, min: 0 });
  r.goodAfterTime = text(o.goodAfterTime, 'goodAfterTime');
  r.goodTillDate = text(o.goodTillDate, 'goodTillDate');
  r.allOrNone = o.allOrNone ?? false;
  if (o.minQty !== undefined) r.minQty = num(o.minQty, 'minQty', { int: true, min: 0 });
  if (o.trailStopPrice !== undefined) r.trailStopPrice = num(o.trailStopPrice, 'trailStopPrice');
  if (o.trailingPercent !== undefined) r.trailingPercent = num(o.trailingPercent, 'trailingPercent', { min: 0 });
  if (o.cashQty !== undefined) r.cashQty = num(o.cashQty, 'cashQty', { min: 0 });
  if (o.triggerMethod !== undefined) r.triggerMethod = num(o.triggerMethod, 'triggerMethod', { int: true, min: 0 });
  r.openClose = text(o.openClose, 'openClose');
  if (o.origin !== undefined) r.origin = o.origin;
  r.whatIf = o.whatIf ?? false;
  r.notHeld = o.notHeld ?? false;
  r.sweepToFill = o.sweepToFill ?? false;
  r.blockOrder = o.blockOrder ?? false;
  if (o.discretionaryAmt !== undefined) r.discretionaryAmt = num(o.discretionaryAmt, 'discretionaryAmt', { min: 0 });
  r.algoStrategy = text(o.algoStrategy, 'algoStrategy');
  r.algoParams = (o.algoParams ?? []).map((tv, i) => ({ tag: text(tv.tag, `algoParams[${i}].tag`), value: text(tv.value, `algoParams[${i}].value`) }));
  r.faGroup = text(o.faGroup, 'faGroup');
  r.faMethod = text(o.faMethod, 'faMethod');
  r.faPercentage = text(o.faPercentage, 'faPercentage');
  r.modelCode = text(o.modelCode, 'modelCode');
  r.conditions = (o.conditions ?? []).map(conditionRecord);
  r.conditionsIgnoreRth = o.conditionsIgnoreRth ?? false;
  r.conditionsCancelOrder = o.conditionsCancelOrder ?? false;
  r.usePriceMgmtAlgo = o.usePriceMgmtAlgo;
  r.includeOvernight = o.includeOvernight ?? false;
  if (o.manualOrderIndicator !== undefined) r.manualOrderIndicator = num(o.manualOrderIndicator, 'manualOrderIndicator', { int: true, min: 0 });
  r.extOperator = text(o.extOperator, 'extOperator');
  r.manualOrderTime = text(o.manualOrderTime, 'manualOrderTime');
  r.customerAccount = text(o.customerAccount, 'customerAccount');
  r.professionalCustomer = o.professionalCustomer ?? false;
  return r;
}
