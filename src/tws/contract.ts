/**
 * Typed contracts for the instruments tickwire supports on TWS: stocks, futures, options (and
 * futures options), forex; other security types pass through with the generic shape. A contract
 * is validated and flattened into IB's wire record before it is sent.
 */
import { TickwireError } from '../native/errors.js';
import { newContractRecord, type ContractRecord } from './messages/records.js';

interface ContractCommon {
  /** IB's contract id: when set, TWS identifies the contract by it alone. */
  conId?: number;
  /** Destination: 'SMART' (IB's router) or an exchange ('NASDAQ', 'CME', 'IDEALPRO', …). */
  exchange?: string;
  /** The listing exchange, to disambiguate SMART-routed symbols ('NASDAQ', 'ARCA', …). */
  primaryExchange?: string;
  currency?: string;
  /** The exchange's own symbol ('ESZ6', 'AAPL  261218C00200000', 'EUR.USD'). */
  localSymbol?: string;
  tradingClass?: string;
  /** 'ISIN', 'CUSIP', 'FIGI', … with `secId`. */
  secIdType?: string;
  secId?: string;
}

export interface StockContract extends ContractCommon {
  secType: 'STK';
  symbol: string;
}

export interface FutureContract extends ContractCommon {
  secType: 'FUT';
  symbol: string;
  /** 'YYYYMM' (contract month) or 'YYYYMMDD' (last trading day). Not needed with conId or localSymbol. */
  lastTradeDateOrContractMonth?: string;
  multiplier?: string | number;
}

export interface OptionContract extends ContractCommon {
  /** OPT: options on stocks/indices; FOP: options on futures. */
  secType: 'OPT' | 'FOP';
  symbol: string;
  lastTradeDateOrContractMonth?: string;
  strike?: number;
  right?: 'C' | 'P' | 'CALL' | 'PUT';
  multiplier?: string | number;
}

export interface ForexContract extends ContractCommon {
  secType: 'CASH';
  /** The base currency ('EUR' in EUR.USD); `currency` is the quote currency. */
  symbol: string;
  currency: string;
}

/** Other security types IB trades; sent as given. */
export interface OtherContract extends ContractCommon {
  secType: 'IND' | 'CFD' | 'BOND' | 'CRYPTO' | 'FUND' | 'WAR' | 'CMDTY' | 'IOPT' | 'NEWS';
  symbol?: string;
  lastTradeDateOrContractMonth?: string;
  strike?: number;
  right?: 'C' | 'P' | 'CALL' | 'PUT' | '';
  multiplier?: string | number;
}

export type Contract = StockContract | FutureContract | OptionContract | ForexContract | OtherContract;

/** A contract as TWS reports it (positions, portfolio, orders, executions): every field present. */
export interface ContractDescription {
  conId: number;
  symbol: string;
  secType: string;
  lastTradeDateOrContractMonth: string;
  strike: number;
  right: string;
  multiplier: string;
  exchange: string;
  primaryExchange: string;
  currency: string;
  localSymbol: string;
  tradingClass: string;
}

/** A US stock (or any stock with `currency`/`primaryExchange`), SMART-routed unless `exchange` is given. */
export function stock(symbol: string, exchange = 'SMART', currency = 'USD', extra: Omit<Partial<StockContract>, 'secType'> = {}): StockContract {
  return { secType: 'STK', symbol, exchange, currency, ...extra };
}

/** A future by symbol and contract month ('202612') on its exchange ('CME'). */
export function future(
  symbol: string,
  lastTradeDateOrContractMonth: string,
  exchange: string,
  currency = 'USD',
  extra: Omit<Partial<FutureContract>, 'secType'> = {},
): FutureContract {
  return { secType: 'FUT', symbol, lastTradeDateOrContractMonth, exchange, currency, ...extra };
}

/** An option on a stock or index. */
export function option(
  symbol: string,
  lastTradeDateOrContractMonth: string,
  strike: number,
  right: 'C' | 'P',
  exchange = 'SMART',
  currency = 'USD',
  extra: Omit<Partial<OptionContract>, 'secType'> = {},
): OptionContract {
  return { secType: 'OPT', symbol, lastTradeDateOrContractMonth, strike, right, exchange, currency, multiplier: '100', ...extra };
}

/** A currency pair on IDEALPRO: `forex('EUR.USD')` or `forex('EUR', 'USD')`. */
export function forex(pair: string, quote?: string): ForexContract {
  const [base, q] = quote === undefined ? pair.split('.') : [pair, quote];
  if (!base || !q || base.length !== 3 || q.length !== 3) throw new TickwireError('INVALID_ARGUMENT', `forex: '${pair}${quote ? ` ${quote}` : ''}' is not a currency pair like EUR.USD`);
  return { secType: 'CASH', symbol: base.toUpperCase(), currency: q.toUpperCase(), exchange: 'IDEALPRO' };
}

function bad(message: string): never {
  throw new TickwireError('INVALID_ARGUMENT', `contract: ${message}`);
}

function str(v: unknown, name: string): string {
  if (v === undefined || v === null) return '';
  if (typeof v !== 'string') bad(`${name} must be a string, got ${typeof v}`);
  if (v.includes('\0')) bad(`${name} contains a NUL byte`);
  return v;
}

/** Validates a contract and flattens it into the wire record. Throws INVALID_ARGUMENT with the field named. */
export function contractRecord(c: Contract): ContractRecord {
  if (c === null || typeof c !== 'object') bad('a contract object is required');
  const r = newContractRecord();
  const secType = (c as { secType?: unknown }).secType;
  if (typeof secType !== 'string' || !/^(STK|FUT|OPT|FOP|CASH|IND|CFD|BOND|CRYPTO|FUND|WAR|CMDTY|IOPT|NEWS)$/.test(secType)) {
    bad(`secType must be one of STK, FUT, OPT, FOP, CASH, IND, CFD, BOND, CRYPTO, FUND, WAR, CMDTY, IOPT, NEWS (got ${String(secType)})`);
  }
  r.secType = secType;
  const any = c as Partial<OtherContract> & ContractCommon & { symbol?: string };
  if (any.conId !== undefined) {
    if (!Number.isSafeInteger(any.conId) || any.conId < 0) bad(`conId must be a non-negative integer, got ${String(any.conId)}`);
    r.conId = any.conId;
  }
  r.symbol = str(any.symbol, 'symbol');
  r.exchange = str(any.exchange, 'exchange');
  r.primaryExchange = str(any.primaryExchange, 'primaryExchange');
  r.currency = str(any.currency, 'currency');
  r.localSymbol = str(any.localSymbol, 'localSymbol');
  r.tradingClass = str(any.tradingClass, 'tradingClass');
  r.secIdType = str(any.secIdType, 'secIdType');
  r.secId = str(any.secId, 'secId');
  r.lastTradeDateOrContractMonth = str(any.lastTradeDateOrContractMonth, 'lastTradeDateOrContractMonth');
  if (any.strike !== undefined) {
    if (typeof any.strike !== 'number' || !Number.isFinite(any.strike) || any.strike < 0) bad(`strike must be a non-negative number, got ${String(any.strike)}`);
    r.strike = any.strike;
  }
  if (any.right !== undefined) r.right = str(any.right, 'right');
  if (any.multiplier !== undefined) r.multiplier = typeof any.multiplier === 'number' ? String(any.multiplier) : str(any.multiplier, 'multiplier');
  const identified = r.conId > 0 || r.localSymbol !== '' || r.secId !== '';
  if (!identified && r.symbol === '') bad(`${secType} needs a symbol (or conId / localSymbol / secId)`);
  switch (secType) {
    case 'STK':
      if (r.exchange === '') r.exchange = 'SMART';
      if (r.currency === '') r.currency = 'USD';
      break;
    case 'FUT':
      if (!identified && r.lastTradeDateOrContractMonth === '') bad('FUT needs lastTradeDateOrContractMonth (or conId / localSymbol)');
      if (r.exchange === '') bad('FUT needs an exchange');
      break;
    case 'OPT':
    case 'FOP':
      if (!identified) {
        if (r.lastTradeDateOrContractMonth === '') bad(`${secType} needs lastTradeDateOrContractMonth (or conId / localSymbol)`);
        if (!(r.strike > 0)) bad(`${secType} needs a strike > 0 (or conId / localSymbol)`);
        if (!/^(C|P|CALL|PUT)$/.test(r.right)) bad(`${secType} needs right 'C' or 'P' (or conId / localSymbol)`);
      }
      if (r.exchange === '') r.exchange = 'SMART';
      break;
    case 'CASH':
      if (!identified && r.currency === '') bad('CASH needs currency (the quote currency)');
      if (r.exchange === '') r.exchange = 'IDEALPRO';
      break;
    default:
      break;
  }
  if (r.lastTradeDateOrContractMonth !== '' && !/^\d{6}(\d{2})?( .*)?$/.test(r.lastTradeDateOrContractMonth)) {
    bad(`lastTradeDateOrContractMonth must be YYYYMM or YYYYMMDD, got '${r.lastTradeDateOrContractMonth}'`);
  }
  return r;
}

/** The public view of a received contract record. */
export function describeContract(r: ContractRecord): ContractDescription {
  return {
    conId: r.conId,
    symbol: r.symbol,
    secType: r.secType,
    lastTradeDateOrContractMonth: r.lastTradeDateOrContractMonth,
    strike: r.strike,
    right: r.right,
    multiplier: r.multiplier,
    exchange: r.exchange,
    primaryExchange: r.primaryExchange,
    currency: r.currency,
    localSymbol: r.localSymbol,
    tradingClass: r.tradingClass,
  };
}
