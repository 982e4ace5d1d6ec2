/**
 * The message codecs (field walks), at every server version landmark tickwire speaks:
 * - every walk round-trips (encode → decode, exact: no field left over);
 * - layouts match the wire tables in protocols.md §6.5;
 * - differential against @stoqey/ib (an independent port of IB's Java client): what its encoder
 *   sends, our walks decode field for field (exact), for plain and for feature-heavy orders; what our
 *   walks encode, its decoder reads without underrun or leftovers, with the same values.
 */
import { describe, expect, it } from 'vitest';

import {
  ExecutionCondition,
  MarginCondition,
  PercentChangeCondition,
  PriceCondition,
  TimeCondition,
  VolumeCondition,
  type Contract as StoqeyContract,
  type Order as StoqeyOrder,
} from '@stoqey/ib';
import { Decoder as StoqeyDecoder } from '@stoqey/ib/dist/core/io/decoder.js';
import { Encoder as StoqeyEncoder } from '@stoqey/ib/dist/core/io/encoder.js';

import { TickwireError } from '../../src/native/errors.js';
import { contractRecord, stock } from '../../src/tws/contract.js';
import * as codec from '../../src/tws/messages/codec.js';
import { IN, OUT } from '../../src/tws/messages/ids.js';
import { newConditionRecord, newContractRecord, newOrderRecord, newOrderStateRecord, type OrderRecord } from '../../src/tws/messages/records.js';
import { limitOrder, orderRecord } from '../../src/tws/order.js';
import { throws } from './helpers.js';

const VERSIONS = [157, 163, 166, 169, 170, 177, 178, 183, 185, 187, 189, 190, 192, 193];

function roundTrip<R>(id: number, walk: codec.Walk<R>, sv: number, rec: R, fresh: R): R {
  const fields = codec.encodeFields(id, walk, sv, rec).map((f) => String(f));
  return codec.decodeFields(fields, walk, sv, fresh, true);
}

/** What @stoqey/ib's socket puts on the wire for encoder tokens: flattened, booleans as 1/0, undefined as ''. */
function flat(tokens: unknown): string[] {
  const out: string[] = [];
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) v.forEach(walk);
    else out.push(v === true ? '1' : v === false ? '0' : v === undefined || v === null ? '' : String(v));
  };
  walk(tokens);
  return out;
}

function stoqeyEncode(sv: number, call: (e: StoqeyEncoder) => void): string[] {
  let sent: unknown;
  const errors: string[] = [];
  const enc = new StoqeyEncoder({
    serverVersion: sv,
    sendMsg: (...tokens: unknown[]) => {
      sent = tokens;
    },
    emitError: (m: string) => errors.push(m),
  } as unknown as ConstructorParameters<typeof StoqeyEncoder>[0]);
  call(enc);
  if (errors.length) throw new Error(errors.join('; '));
  return flat(sent);
}

interface StoqeyEvent {
  name: string;
  args: unknown[];
}

function stoqeyDecode(sv: number, fields: readonly string[]): { events: StoqeyEvent[]; errors: string[] } {
  const events: StoqeyEvent[] = [];
  const errors: string[] = [];
  const dec = new StoqeyDecoder({
    serverVersion: sv,
    emitEvent: (name: string, ...args: unknown[]) => events.push({ name, args }),
    emitError: (m: string, code: number) => errors.push(`${code}: ${m}`),
    emitInfo: (m: string, code: number) => events.push({ name: 'info', args: [m, code] }),
  } as unknown as ConstructorParameters<typeof StoqeyDecoder>[0]);
  dec.enqueueMessage([...fields]);
  dec.process();
  return { events, errors };
}

describe('walks round-trip at every version landmark', () => {
  for (const sv of VERSIONS) {
    it(`server version ${sv}`, () => {
      expect(roundTrip(OUT.START_API, codec.startApi, sv, { clientId: 42, optionalCapabilities: 'x' }, { clientId: 0, optionalCapabilities: '' })).toEqual({
        clientId: 42,
        optionalCapabilities: 'x',
      });
      const md = codec.newReqMktData();
      md.reqId = 1_000_000_001;
      md.contract = contractRecord({ secType: 'FUT', symbol: 'ES', lastTradeDateOrContractMonth: '202612', exchange: 'CME', multiplier: 50 });
      md.contract.deltaNeutralContract = { conId: 5, delta: 0.5, price: 10 };
      md.genericTickList = '233,236';
      md.snapshot = true;
      expect(roundTrip(OUT.REQ_MKT_DATA, codec.reqMktData, sv, md, codec.newReqMktData())).toEqual(md);

      const bag = codec.newReqMktData();
      bag.contract = { ...newContractRecord(), symbol: 'SPY', secType: 'BAG', exchange: 'SMART', currency: 'USD' };
      bag.contract.comboLegs = [
        { conId: 1, ratio: 1, action: 'BUY', exchange: 'SMART', openClose: 0, shortSaleSlot: 0, designatedLocation: '', exemptCode: -1 },
        { conId: 2, ratio: 2, action: 'SELL', exchange: 'SMART', openClose: 0, shortSaleSlot: 0, designatedLocation: '', exemptCode: -1 },
      ];
      expect(roundTrip(OUT.REQ_MKT_DATA, codec.reqMktData, sv, bag, codec.newReqMktData()).contract.comboLegs.map((l) => [l.conId, l.ratio, l.action])).toEqual([
        [1, 1, 'BUY'],
        [2, 2, 'SELL'],
      ]);

      const po = richPlaceOrder(sv);
      expect(roundTrip(OUT.PLACE_ORDER, codec.placeOrder, sv, po, codec.newPlaceOrder())).toEqual(po);
      const co = { ...codec.newCancelOrder(7), manualOrderCancelTime: sv >= 169 ? '20240101-10:00:00' : '', extOperator: sv >= 192 ? 'op' : '', manualOrderIndicator: sv >= 192 ? 1 : undefined };
      expect(roundTrip(OUT.CANCEL_ORDER, codec.cancelOrder, sv, co, codec.newCancelOrder())).toEqual(co);
      expect(roundTrip(OUT.REQ_ACCT_DATA, codec.reqAccountUpdates, sv, { subscribe: true, account: 'DU1' }, { subscribe: false, account: '' })).toEqual({ subscribe: true, account: 'DU1' });
      const ef = { ...codec.newExecutionFilter(9), clientId: 3, account: 'DU1', symbol: 'AAPL', side: 'BUY' };
      expect(roundTrip(OUT.REQ_EXECUTIONS, codec.reqExecutions, sv, ef, codec.newExecutionFilter())).toEqual(ef);

      expect(roundTrip(IN.TICK_PRICE, codec.tickPrice, sv, { reqId: 3, tickType: 1, price: 189.99, size: 300, attrMask: 5 }, { reqId: 0, tickType: 0, price: 0, size: undefined, attrMask: 0 })).toEqual({
        reqId: 3,
        tickType: 1,
        price: 189.99,
        size: 300,
        attrMask: 5,
      });
      expect(roundTrip(IN.TICK_SIZE, codec.tickSize, sv, { reqId: 3, tickType: 8, size: 1.5 }, { reqId: 0, tickType: 0, size: undefined })).toEqual({ reqId: 3, tickType: 8, size: 1.5 });
      expect(roundTrip(IN.TICK_STRING, codec.tickString, sv, { reqId: 3, tickType: 45, value: '1700000000' }, { reqId: 0, tickType: 0, value: '' }).value).toBe('1700000000');
      expect(roundTrip(IN.TICK_GENERIC, codec.tickGeneric, sv, { reqId: 3, tickType: 49, value: 1 }, { reqId: 0, tickType: 0, value: 0 }).value).toBe(1);
      const os = { ...codec.newOrderStatus(), orderId: 5, status: 'Filled', filled: 10, remaining: 0, avgFillPrice: 1.25, permId: 2 ** 40, clientId: 7, lastFillPrice: 1.25 };
      expect(roundTrip(IN.ORDER_STATUS, codec.orderStatus, sv, os, codec.newOrderStatus())).toEqual(os);
      const er = { reqId: 5, code: 201, message: 'Order rejected - reason:x', advancedOrderRejectJson: sv >= 166 ? '{"a":1}' : '' };
      expect(roundTrip(IN.ERR_MSG, codec.errMsg, sv, er, { reqId: 0, code: 0, message: '', advancedOrderRejectJson: '' })).toEqual(er);
      const oo = richOpenOrder(sv);
      expect(roundTrip(IN.OPEN_ORDER, codec.openOrder, sv, oo, codec.newOpenOrder())).toEqual(oo);
      const pf = { ...codec.newPortfolio(), contract: contractRecord(stock('AAPL')), position: 10, marketPrice: 190, marketValue: 1900, averageCost: 150, unrealizedPNL: 400, account: 'DU1' };
      pf.contract.primaryExchange = 'NASDAQ';
      expect(roundTrip(IN.PORTFOLIO_VALUE, codec.portfolioValue, sv, pf, codec.newPortfolio())).toEqual({ ...pf, contract: { ...pf.contract, exchange: '' } });
      const ex = { ...codec.newExecution(), reqId: 4, orderId: 5, execId: 'e1', time: '20240101 10:00:00', account: 'DU1', exchange: 'NASDAQ', side: 'BOT', shares: 10, price: 1.5, permId: 9, clientId: 7, cumQty: 10, avgPrice: 1.5, orderRef: 'r', lastLiquidity: 2, pendingPriceRevision: sv >= 178 };
      ex.contract = { ...contractRecord(stock('AAPL')), primaryExchange: '' };
      expect(roundTrip(IN.EXECUTION_DATA, codec.executionData, sv, ex, codec.newExecution())).toEqual(ex);
      const cr = { execId: 'e1', commission: 1.25, currency: 'USD', realizedPNL: undefined, yield: undefined, yieldRedemptionDate: 0 };
      expect(roundTrip(IN.COMMISSION_REPORT, codec.commissionReport, sv, cr, { ...cr, execId: '', commission: 0 })).toEqual(cr);
      const pos = { account: 'DU1', contract: { ...contractRecord(stock('AAPL')), primaryExchange: '' }, position: -3, avgCost: 150.5 };
      expect(roundTrip(IN.POSITION_DATA, codec.positionData, sv, pos, codec.newPosition())).toEqual(pos);
      for (const [id, walk] of [
        [IN.ACCT_UPDATE_TIME, codec.acctUpdateTime],
        [IN.MANAGED_ACCTS, codec.managedAccounts],
        [IN.ACCT_DOWNLOAD_END, codec.acctDownloadEnd],
      ] as const) {
        expect(roundTrip(id, walk, sv, { value: 'DU1,DU2' }, { value: '' }).value).toBe('DU1,DU2');
      }
      expect(roundTrip(IN.NEXT_VALID_ID, codec.nextValidId, sv, { value: 17 }, { value: 0 }).value).toBe(17);
      expect(roundTrip(IN.ACCT_VALUE, codec.acctValue, sv, { key: 'NetLiquidation', value: '1.5', currency: 'USD', account: 'DU1' }, { key: '', value: '', currency: '', account: '' })).toEqual({
        key: 'NetLiquidation',
        value: '1.5',
        currency: 'USD',
        account: 'DU1',
      });
    });
  }
});

describe('layouts (protocols.md §6.5)', () => {
  it('START_API: 71, 2, clientId, optionalCapabilities', () => {
    expect(codec.encodeFields(OUT.START_API, codec.startApi, 193, { clientId: 1, optionalCapabilities: '' })).toEqual(['71', '2', '1', '']);
  });

  it('reqMktData for a SMART-routed stock', () => {
    const r = codec.newReqMktData();
    r.reqId = 1;
    r.contract = contractRecord(stock('AAPL'));
    expect(codec.encodeFields(OUT.REQ_MKT_DATA, codec.reqMktData, 193, r)).toEqual(
      ['1', '11', '1', '0', 'AAPL', 'STK', '', '0', '', '', 'SMART', '', 'USD', '', '', '0', '', '0', '0', ''],
    );
  });

  it('orderStatus has no version field (server >= 131); error keeps version 2 (server < 194)', () => {
    expect(codec.encodeFields(IN.ORDER_STATUS, codec.orderStatus, 193, { ...codec.newOrderStatus(), orderId: 5, status: 'Submitted', remaining: 10 })).toEqual(
      ['3', '5', 'Submitted', '0', '10', '0', '0', '0', '0', '0', '', '0'],
    );
    expect(codec.encodeFields(IN.ERR_MSG, codec.errMsg, 193, { reqId: -1, code: 2104, message: 'ok', advancedOrderRejectJson: '' })).toEqual(['4', '2', '-1', '2104', 'ok', '']);
    expect(codec.encodeFields(IN.ERR_MSG, codec.errMsg, 157, { reqId: -1, code: 2104, message: 'ok', advancedOrderRejectJson: '' })).toEqual(['4', '2', '-1', '2104', 'ok']);
  });

  it('cancelOrder loses its version field at 192 (CME tagging)', () => {
    expect(codec.encodeFields(OUT.CANCEL_ORDER, codec.cancelOrder, 191, codec.newCancelOrder(5))).toEqual(['4', '1', '5', '']);
    expect(codec.encodeFields(OUT.CANCEL_ORDER, codec.cancelOrder, 188, codec.newCancelOrder(5))).toEqual(['4', '1', '5', '', '', '', '2147483647']);
    expect(codec.encodeFields(OUT.CANCEL_ORDER, codec.cancelOrder, 193, codec.newCancelOrder(5))).toEqual(['4', '5', '', '', '']);
  });

  it('a truncated message is a TWS_PROTOCOL_ERROR, a malformed number too', () => {
    let err: unknown;
    try {
      codec.decodeFields(['1', '6', '3', '1'], codec.tickPrice, 193, { reqId: 0, tickType: 0, price: 0, size: undefined, attrMask: 0 });
    } catch (e) {
      err = e;
    }
    expect((err as TickwireError).code).toBe('TWS_PROTOCOL_ERROR');
    expect((err as TickwireError).reason).toBe('MESSAGE_TRUNCATED');
    expect(() => codec.decodeFields(['9', '1', 'abc'], codec.nextValidId, 193, { value: 0 })).toThrowError(/not a number/);
    expect(() => codec.decodeFields(['9', '1', '5', 'extra'], codec.nextValidId, 193, { value: 0 }, true)).toThrowError(/left over/);
  });

  it('unset values: empty and MAX_VALUE read as unset', () => {
    const o = codec.decodeFields(
      ['3', '5', 'Submitted', '', '10', '1.7976931348623157E308', '0', '0', '0', '0', '', '0'],
      codec.orderStatus,
      193,
      codec.newOrderStatus(),
    );
    expect(o.filled).toBeUndefined();
    expect(o.avgFillPrice).toBe(0);
  });
});

// ---------------------------------------------------------------------------------------------
// rich records

function richOrderRecord(sv: number): OrderRecord {
  const o = orderRecord(12, limitOrder('BUY', 100, 10.5, { tif: 'GTC', outsideRth: true, orderRef: 'ref', account: 'DU1', algoStrategy: 'Adaptive', algoParams: [{ tag: 'adaptivePriority', value: 'Normal' }] }));
  o.conditions = [
    { ...newConditionRecord(1), value: '100.5', conId: 265598, exchange: 'SMART', triggerMethod: 2 },
    { ...newConditionRecord(3), conjunction: 'o', value: '20250101 10:00:00', isMore: false },
    { ...newConditionRecord(4), value: '30' },
    { ...newConditionRecord(5), secType: 'STK', exchange: 'SMART', symbol: 'MSFT' },
    { ...newConditionRecord(6), value: '1000', conId: 272093, exchange: 'SMART' },
    { ...newConditionRecord(7), value: '2.5', conId: 272093, exchange: 'SMART' },
  ];
  o.conditionsIgnoreRth = true;
  o.hedgeType = 'D';
  o.hedgeParam = '0.5';
  o.scalePriceIncrement = 0.1;
  o.scaleInitLevelSize = 100;
  o.scaleAutoReset = true;
  o.deltaNeutralOrderType = 'MKT';
  o.deltaNeutralConId = 8;
  o.cashQty = 1000;
  o.usePriceMgmtAlgo = true;
  o.duration = sv >= 158 ? 60 : undefined;
  o.postToAts = sv >= 160 ? 1 : undefined;
  o.autoCancelParent = sv >= 162;
  o.advancedErrorOverride = sv >= 166 ? '8229' : '';
  o.manualOrderTime = sv >= 169 ? '20240101-10:00:00' : '';
  o.customerAccount = sv >= 183 ? 'C1' : '';
  o.professionalCustomer = sv >= 184;
  o.includeOvernight = sv >= 189;
  o.manualOrderIndicator = sv >= 192 ? 1 : undefined;
  return o;
}

function richPlaceOrder(sv: number): codec.PlaceOrderRecord {
  const c = contractRecord({ secType: 'OPT', symbol: 'AAPL', lastTradeDateOrContractMonth: '20261218', strike: 200, right: 'C', multiplier: 100 });
  c.deltaNeutralContract = { conId: 3, delta: 0.25, price: 190 };
  const o = richOrderRecord(sv);
  if (sv >= 170) {
    o.orderType = 'PEG BEST';
    o.lmtPrice = undefined;
    o.minCompeteSize = 100;
    o.competeAgainstBestOffset = Infinity;
    o.midOffsetAtWhole = 0.01;
    o.midOffsetAtHalf = 0.005;
  }
  return { contract: c, order: o };
}

function richOpenOrder(sv: number): codec.OpenOrderRecord {
  const r = codec.newOpenOrder();
  r.contract = { ...contractRecord(stock('AAPL')), primaryExchange: '', secIdType: '', secId: '' };
  r.contract.comboLegsDescription = '';
  const o = richOrderRecord(sv);
  o.clientId = 7;
  o.permId = 2 ** 35;
  o.volatilityType = 0;
  o.referencePriceType = 0;
  o.softDollarTierDisplayName = '';
  o.minTradeQty = sv >= 170 ? 5 : undefined;
  o.bondAccruedInterest = sv >= 185 ? '1.5' : '';
  o.extOperator = sv >= 193 ? 'op' : '';
  if (sv < 193) o.manualOrderIndicator = undefined;
  // openOrder does not carry these placeOrder-only fields
  o.transmit = true;
  o.advancedErrorOverride = '';
  o.manualOrderTime = '';
  r.order = o;
  r.state = { ...newOrderStateRecord('Submitted'), commission: 1.5, commissionCurrency: 'USD', initMarginAfter: '1000', warningText: 'w' };
  return r;
}

// ---------------------------------------------------------------------------------------------
// differential against @stoqey/ib

type Case = { name: string; min?: number; contract: Partial<StoqeyContract> & Record<string, unknown>; order: Partial<StoqeyOrder> & Record<string, unknown> };

const CASES: Case[] = [
  { name: 'MKT stock', contract: { symbol: 'AAPL', secType: 'STK' as never, exchange: 'SMART', currency: 'USD' }, order: { action: 'BUY' as never, orderType: 'MKT' as never, totalQuantity: 100, transmit: true } },
  {
    name: 'LMT GTC outsideRth, account, orderRef',
    contract: { symbol: 'MSFT', secType: 'STK' as never, exchange: 'SMART', primaryExch: 'NASDAQ', currency: 'USD' },
    order: { action: 'SELL' as never, orderType: 'LMT' as never, lmtPrice: 123.45, totalQuantity: 10, tif: 'GTC' as never, outsideRth: true, orderRef: 'ref-1', account: 'DU1', transmit: true },
  },
  {
    name: 'STP LMT child, not transmitted',
    contract: { conId: 637533641, symbol: 'ES', secType: 'FUT' as never, lastTradeDateOrContractMonth: '202612', exchange: 'CME', currency: 'USD', multiplier: 50 },
    order: { action: 'SELL' as never, orderType: 'STP LMT' as never, lmtPrice: 4990, auxPrice: 4995, totalQuantity: 1, parentId: 5, transmit: false },
  },
  {
    name: 'TRAIL with trailingPercent',
    contract: { symbol: 'EUR', secType: 'CASH' as never, exchange: 'IDEALPRO', currency: 'USD' },
    order: { action: 'BUY' as never, orderType: 'TRAIL' as never, trailingPercent: 1.5, trailStopPrice: 1.07, totalQuantity: 20000, transmit: true },
  },
  {
    name: 'Adaptive algo',
    contract: { symbol: 'AAPL', secType: 'STK' as never, exchange: 'SMART', currency: 'USD' },
    order: { action: 'BUY' as never, orderType: 'LMT' as never, lmtPrice: 1, totalQuantity: 1, algoStrategy: 'Adaptive', algoParams: [{ tag: 'adaptivePriority', value: 'Normal' }], transmit: true },
  },
  {
    name: 'six kinds of conditions',
    contract: { symbol: 'AAPL', secType: 'STK' as never, exchange: 'SMART', currency: 'USD' },
    order: {
      action: 'BUY' as never,
      orderType: 'MKT' as never,
      totalQuantity: 1,
      transmit: true,
      conditionsIgnoreRth: true,
      conditionsCancelOrder: false,
      conditions: [
        new PriceCondition(100.5, 2 as never, 265598, 'SMART', true, 'a' as never),
        new TimeCondition('20250101 10:00:00', false, 'o' as never),
        new MarginCondition(30, true, 'a' as never),
        new ExecutionCondition('SMART', 'STK' as never, 'MSFT', 'a' as never),
        new VolumeCondition(1000, 272093, 'SMART', true, 'a' as never),
        new PercentChangeCondition(2.5, 272093, 'SMART', false, 'a' as never),
      ],
    },
  },
  {
    name: 'BAG combo with leg prices and routing params',
    contract: {
      symbol: 'SPY',
      secType: 'BAG' as never,
      exchange: 'SMART',
      currency: 'USD',
      comboLegs: [
        { conId: 1, ratio: 1, action: 'BUY', exchange: 'SMART', openClose: 0, shortSaleSlot: 0, designatedLocation: '', exemptCode: -1 },
        { conId: 2, ratio: 2, action: 'SELL', exchange: 'SMART', openClose: 0, shortSaleSlot: 0, designatedLocation: '', exemptCode: -1 },
      ] as never,
    },
    order: { action: 'BUY' as never, orderType: 'LMT' as never, lmtPrice: 0.5, totalQuantity: 1, orderComboLegs: [{ price: 1.5 }, { price: 2.5 }], smartComboRoutingParams: [{ tag: 'NonGuaranteed', value: '1' }], transmit: true },
  },
  {
    name: 'volatility order with delta-neutral leg, hedge, scale',
    contract: { symbol: 'AAPL', secType: 'OPT' as never, lastTradeDateOrContractMonth: '20261218', strike: 200, right: 'C' as never, multiplier: 100, exchange: 'SMART', currency: 'USD', deltaNeutralContract: { conId: 3, delta: 0.25, price: 190 } },
    order: {
      action: 'BUY' as never,
      orderType: 'VOL' as never,
      totalQuantity: 1,
      volatility: 20,
      volatilityType: 2,
      deltaNeutralOrderType: 'MKT',
      deltaNeutralConId: 8,
      deltaNeutralOpenClose: 'O',
      hedgeType: 'D',
      hedgeParam: '0.5',
      scaleInitLevelSize: 100,
      scaleSubsLevelSize: 50,
      scalePriceIncrement: 0.1,
      scalePriceAdjustValue: 0.05,
      scalePriceAdjustInterval: 60,
      scaleProfitOffset: 0.2,
      scaleAutoReset: true,
      scaleInitPosition: 0,
      scaleInitFillQty: 0,
      scaleRandomPercent: true,
      transmit: true,
    },
  },
  {
    name: 'PEG MID with offsets',
    min: 170,
    contract: { symbol: 'AAPL', secType: 'STK' as never, exchange: 'IBKRATS', currency: 'USD' },
    order: { action: 'BUY' as never, orderType: 'PEG MID' as never, totalQuantity: 100, minTradeQty: 50, midOffsetAtWhole: 0.01, midOffsetAtHalf: 0.005, transmit: true },
  },
  {
    name: 'PEG BEST up to mid',
    min: 170,
    contract: { symbol: 'AAPL', secType: 'STK' as never, exchange: 'SMART', currency: 'USD' },
    order: { action: 'SELL' as never, orderType: 'PEG BEST' as never, totalQuantity: 100, minCompeteSize: 100, competeAgainstBestOffset: Infinity, midOffsetAtWhole: 0.02, midOffsetAtHalf: 0.01, transmit: true },
  },
  {
    name: 'cash quantity, what-if, newer fields',
    min: 193,
    contract: { symbol: 'AAPL', secType: 'STK' as never, exchange: 'SMART', currency: 'USD' },
    order: {
      action: 'BUY' as never,
      orderType: 'MKT' as never,
      totalQuantity: 0,
      cashQty: 1000,
      whatIf: true,
      notHeld: true,
      usePriceMgmtAlgo: true,
      duration: 100,
      postToAts: 1,
      autoCancelParent: true,
      advancedErrorOverride: '8229',
      manualOrderTime: '20240101-10:00:00',
      customerAccount: 'C1',
      professionalCustomer: true,
      includeOvernight: true,
      manualOrderIndicator: 1,
      transmit: true,
    },
  },
];

describe('placeOrder: @stoqey/ib encodes, tickwire decodes (exact)', () => {
  for (const sv of VERSIONS) {
    it(`server version ${sv}`, () => {
      for (const c of CASES) {
        if (c.min !== undefined && sv < c.min) continue;
        const fields = stoqeyEncode(sv, (e) => e.placeOrder(42, c.contract as StoqeyContract, c.order as StoqeyOrder));
        let r: codec.PlaceOrderRecord;
        try {
          r = codec.decodeFields(fields, codec.placeOrder, sv, codec.newPlaceOrder(), true);
        } catch (e) {
          throw new Error(`${c.name} @${sv}: ${(e as Error).message}`);
        }
        const o = c.order;
        const ctx = `${c.name} @${sv}`;
        expect(r.order.orderId, ctx).toBe(42);
        expect(r.contract.symbol, ctx).toBe(c.contract.symbol);
        expect(r.contract.secType, ctx).toBe(c.contract.secType);
        expect(r.contract.exchange, ctx).toBe(c.contract.exchange);
        expect(r.order.action, ctx).toBe(o.action);
        expect(r.order.orderType, ctx).toBe(o.orderType);
        expect(r.order.totalQuantity ?? 0, ctx).toBe(o.totalQuantity);
        expect(r.order.lmtPrice, ctx).toBe(o.lmtPrice);
        expect(r.order.auxPrice, ctx).toBe(o.auxPrice);
        expect(r.order.transmit, ctx).toBe(o.transmit);
        if (o.tif) expect(r.order.tif, ctx).toBe(o.tif);
        if (o.parentId) expect(r.order.parentId, ctx).toBe(o.parentId);
        if (o.orderRef) expect(r.order.orderRef, ctx).toBe(o.orderRef);
        if (o.account) expect(r.order.account, ctx).toBe(o.account);
        if (o.outsideRth) expect(r.order.outsideRth, ctx).toBe(true);
        if (o.trailingPercent) expect(r.order.trailingPercent, ctx).toBe(o.trailingPercent);
        if (o.trailStopPrice) expect(r.order.trailStopPrice, ctx).toBe(o.trailStopPrice);
        if (o.algoParams) expect(r.order.algoParams, ctx).toEqual(o.algoParams);
        if (o.conditions) {
          expect(r.order.conditions.map((x) => [x.type, x.conjunction, x.value, x.conId, x.exchange, x.symbol]), ctx).toEqual([
            [1, 'a', '100.5', 265598, 'SMART', ''],
            [3, 'o', '20250101 10:00:00', 0, '', ''],
            [4, 'a', '30', 0, '', ''],
            [5, 'a', '', 0, 'SMART', 'MSFT'],
            [6, 'a', '1000', 272093, 'SMART', ''],
            [7, 'a', '2.5', 272093, 'SMART', ''],
          ]);
          expect(r.order.conditions[0]?.triggerMethod, ctx).toBe(2);
          expect(r.order.conditionsIgnoreRth, ctx).toBe(true);
        }
        if (c.contract.secType === 'BAG') {
          expect(r.contract.comboLegs.map((l) => [l.conId, l.ratio, l.action]), ctx).toEqual([
            [1, 1, 'BUY'],
            [2, 2, 'SELL'],
          ]);
          expect(r.order.orderComboLegPrices, ctx).toEqual([1.5, 2.5]);
          expect(r.order.smartComboRoutingParams, ctx).toEqual([{ tag: 'NonGuaranteed', value: '1' }]);
        }
        if (o.deltaNeutralOrderType) {
          expect(r.order.deltaNeutralConId, ctx).toBe(8);
          expect(r.order.deltaNeutralOpenClose, ctx).toBe('O');
          expect(r.contract.deltaNeutralContract, ctx).toEqual({ conId: 3, delta: 0.25, price: 190 });
          expect(r.order.hedgeParam, ctx).toBe('0.5');
          expect([r.order.scalePriceAdjustInterval, r.order.scaleAutoReset, r.order.scaleRandomPercent], ctx).toEqual([60, true, true]);
        }
        if (o.midOffsetAtWhole !== undefined) expect([r.order.midOffsetAtWhole, r.order.midOffsetAtHalf], ctx).toEqual([o.midOffsetAtWhole, o.midOffsetAtHalf]);
        if (o.minTradeQty !== undefined) expect(r.order.minTradeQty, ctx).toBe(o.minTradeQty);
        if (o.competeAgainstBestOffset !== undefined) expect(r.order.competeAgainstBestOffset, ctx).toBe(Infinity);
        if (o.cashQty !== undefined) {
          expect(r.order.cashQty, ctx).toBe(1000);
          expect([r.order.whatIf, r.order.usePriceMgmtAlgo, r.order.duration, r.order.postToAts, r.order.autoCancelParent], ctx).toEqual([true, true, 100, 1, true]);
          expect([r.order.customerAccount, r.order.professionalCustomer, r.order.includeOvernight, r.order.manualOrderIndicator], ctx).toEqual(['C1', true, true, 1]);
        }
      }
    });
  }

  it('tickwire encodes the same number of fields as @stoqey/ib for each order', () => {
    for (const sv of VERSIONS) {
      for (const c of CASES) {
        if (c.min !== undefined && sv < c.min) continue;
        const theirs = stoqeyEncode(sv, (e) => e.placeOrder(42, c.contract as StoqeyContract, c.order as StoqeyOrder));
        const decoded = codec.decodeFields(theirs, codec.placeOrder, sv, codec.newPlaceOrder(), true);
        const ours = codec.encodeFields(OUT.PLACE_ORDER, codec.placeOrder, sv, decoded);
        expect(ours.length, `${c.name} @${sv}`).toBe(theirs.length);
      }
    }
  });

  it('simple requests match @stoqey/ib field for field', () => {
    for (const sv of VERSIONS) {
      const r = codec.newReqMktData();
      r.reqId = 5;
      r.contract = contractRecord(stock('AAPL'));
      const theirs = stoqeyEncode(sv, (e) => e.reqMktData(5, { conId: 0, symbol: 'AAPL', secType: 'STK', strike: 0, exchange: 'SMART', currency: 'USD' } as unknown as StoqeyContract, '', false, false));
      const ours = codec.encodeFields(OUT.REQ_MKT_DATA, codec.reqMktData, sv, r);
      // @stoqey/ib sends version 11 and the same fields (it writes an unset strike as '0' here too)
      expect(ours.map(String), `reqMktData @${sv}`).toEqual(theirs);
      expect(codec.encodeFields(OUT.REQ_ACCT_DATA, codec.reqAccountUpdates, sv, { subscribe: true, account: 'DU1' })).toEqual(stoqeyEncode(sv, (e) => e.reqAccountUpdates(true, 'DU1')));
      expect(codec.encodeFields(OUT.REQ_POSITIONS, codec.versionOnly, sv, {})).toEqual(stoqeyEncode(sv, (e) => e.reqPositions()));
      expect(codec.encodeFields(OUT.REQ_CURRENT_TIME, codec.versionOnly, sv, {})).toEqual(stoqeyEncode(sv, (e) => e.reqCurrentTime()));
      expect(codec.encodeFields(OUT.REQ_OPEN_ORDERS, codec.versionOnly, sv, {})).toEqual(stoqeyEncode(sv, (e) => e.reqOpenOrders()));
      expect(codec.encodeFields(OUT.REQ_IDS, codec.reqIds, sv, { numIds: 1 })).toEqual(stoqeyEncode(sv, (e) => e.reqIds(1)));
      const theirCancel = stoqeyEncode(sv, (e) => e.cancelOrder(7, { manualOrderCancelTime: '', extOperator: '', manualOrderIndicator: undefined } as never));
      expect(codec.decodeFields(theirCancel, codec.cancelOrder, sv, codec.newCancelOrder(), true).orderId).toBe(7);
      expect(codec.encodeFields(OUT.CANCEL_ORDER, codec.cancelOrder, sv, codec.newCancelOrder(7)).length).toBe(theirCancel.length);
    }
  });
});

describe('tickwire encodes, @stoqey/ib decodes (no underrun, nothing left over)', () => {
  for (const sv of VERSIONS) {
    it(`server version ${sv}`, () => {
      const check = (fields: (string | number | boolean | undefined | null)[]): StoqeyEvent[] => {
        const { events, errors } = stoqeyDecode(
          sv,
          fields.map((f) => (f === undefined || f === null ? '' : String(f))),
        );
        expect(errors, `message ${String(fields[0])} @${sv}`).toEqual([]);
        return events;
      };
      const oo = richOpenOrder(sv);
      const [open] = check(codec.encodeFields(IN.OPEN_ORDER, codec.openOrder, sv, oo));
      expect(open?.name).toBe('openOrder');
      const [orderId, contract, order, state] = open?.args as [number, Record<string, unknown>, Record<string, unknown>, Record<string, unknown>];
      expect(orderId).toBe(12);
      expect(contract.symbol).toBe('AAPL');
      expect([order.action, order.totalQuantity, order.orderType, order.lmtPrice, order.tif, order.account, order.orderRef, order.clientId, order.permId]).toEqual([
        'BUY',
        100,
        'LMT',
        10.5,
        'GTC',
        'DU1',
        'ref',
        7,
        2 ** 35,
      ]);
      expect(order.algoParams).toEqual([{ tag: 'adaptivePriority', value: 'Normal' }]);
      expect((order.conditions as unknown[]).length).toBe(6);
      expect([order.hedgeParam, order.cashQty]).toEqual(['0.5', 1000]);
      if (sv >= 189) expect(order.includeOvernight).toBe(true);
      if (sv >= 193) expect([order.extOperator, order.manualOrderIndicator]).toEqual(['op', 1]);
      expect([state.status, state.commission, state.warningText]).toEqual(['Submitted', 1.5, 'w']);

      const [st] = check(codec.encodeFields(IN.ORDER_STATUS, codec.orderStatus, sv, { ...codec.newOrderStatus(), orderId: 5, status: 'Filled', filled: 10, remaining: 0, avgFillPrice: 1.25, lastFillPrice: 1.25, clientId: 7 }));
      expect(st?.args.slice(0, 5)).toEqual([5, 'Filled', 10, 0, 1.25]);

      const errEvents = check(codec.encodeFields(IN.ERR_MSG, codec.errMsg, sv, { reqId: -1, code: 2104, message: 'Market data farm connection is OK:usfarm', advancedOrderRejectJson: '' }));
      expect(errEvents[0]?.args).toEqual(['Market data farm connection is OK:usfarm', 2104]);

      // (ASK: @stoqey/ib derives no size tick for BID, whose size tick type is 0)
      const tp = check(codec.encodeFields(IN.TICK_PRICE, codec.tickPrice, sv, { reqId: 3, tickType: 2, price: 189.99, size: 300, attrMask: 1 }));
      expect(tp.map((e) => [e.name, ...e.args.slice(0, 3)])).toEqual([
        ['tickPrice', 3, 2, 189.99],
        ['tickSize', 3, 3, 300],
      ]);
      const ex = { ...codec.newExecution(), orderId: 5, execId: 'e1', time: '20240101 10:00:00', account: 'DU1', exchange: 'NASDAQ', side: 'BOT', shares: 10, price: 1.5, cumQty: 10, avgPrice: 1.5 };
      ex.contract = contractRecord(stock('AAPL'));
      const [exec] = check(codec.encodeFields(IN.EXECUTION_DATA, codec.executionData, sv, ex));
      expect((exec?.args[2] as Record<string, unknown>).execId).toBe('e1');
      const [pos] = check(codec.encodeFields(IN.POSITION_DATA, codec.positionData, sv, { account: 'DU1', contract: contractRecord(stock('AAPL')), position: 5, avgCost: 150 }));
      expect([pos?.args[0], pos?.args[2], pos?.args[3]]).toEqual(['DU1', 5, 150]);
      const pf = { ...codec.newPortfolio(), contract: contractRecord(stock('AAPL')), position: 10, marketPrice: 190, marketValue: 1900, averageCost: 150, account: 'DU1' };
      const [port] = check(codec.encodeFields(IN.PORTFOLIO_VALUE, codec.portfolioValue, sv, pf));
      expect(port?.args.slice(1, 4)).toEqual([10, 190, 1900]);
      check(codec.encodeFields(IN.COMMISSION_REPORT, codec.commissionReport, sv, { execId: 'e1', commission: 1, currency: 'USD', realizedPNL: undefined, yield: undefined, yieldRedemptionDate: 0 }));
      check(codec.encodeFields(IN.ACCT_VALUE, codec.acctValue, sv, { key: 'NetLiquidation', value: '1', currency: 'USD', account: 'DU1' }));
      check(codec.encodeFields(IN.TICK_STRING, codec.tickString, sv, { reqId: 3, tickType: 45, value: '1' }));
      check(codec.encodeFields(IN.MARKET_DATA_TYPE, codec.marketDataType, sv, { reqId: 3, marketDataType: 1 }));
      check(codec.encodeFields(IN.POSITION_END, codec.versionOnly, sv, {}));
      check(codec.encodeFields(IN.OPEN_ORDER_END, codec.versionOnly, sv, {}));
      check(codec.encodeFields(IN.ACCT_DOWNLOAD_END, codec.acctDownloadEnd, sv, { value: 'DU1' }));
    });
  }
});

describe('contract and order validation', () => {
  it('names the field that is wrong', () => {
    expect(() => contractRecord({ secType: 'FUT', symbol: 'ES', exchange: 'CME' })).toThrowError(/lastTradeDateOrContractMonth/);
    expect(() => contractRecord({ secType: 'OPT', symbol: 'AAPL', lastTradeDateOrContractMonth: '20261218', right: 'C' })).toThrowError(/strike/);
    expect(() => contractRecord({ secType: 'XYZ' } as never)).toThrowError(/secType/);
    expect(() => contractRecord({ secType: 'STK', symbol: '' })).toThrowError(/symbol/);
    expect(() => contractRecord({ secType: 'FUT', symbol: 'ES', lastTradeDateOrContractMonth: 'Dec26', exchange: 'CME' })).toThrowError(/YYYYMM/);
    expect(contractRecord({ secType: 'STK', symbol: 'AAPL' }).exchange).toBe('SMART');
    expect(contractRecord({ secType: 'CASH', symbol: 'EUR', currency: 'USD' }).exchange).toBe('IDEALPRO');
    expect(() => orderRecord(1, { action: 'BUY', orderType: 'LMT', totalQuantity: 1 })).toThrowError(/lmtPrice/);
    expect(() => orderRecord(1, { action: 'BUY', orderType: 'STP', totalQuantity: 1 })).toThrowError(/auxPrice/);
    expect(() => orderRecord(1, { action: 'HOLD' as never, orderType: 'MKT', totalQuantity: 1 })).toThrowError(/action/);
    expect(() => orderRecord(1, { action: 'BUY', orderType: 'MKT', totalQuantity: 0 })).toThrowError(/totalQuantity/);
    expect(() => orderRecord(1, { action: 'BUY', orderType: 'MKT', totalQuantity: 1, tif: 'GTD' })).toThrowError(/goodTillDate/);
    expect(throws(() => orderRecord(1, { action: 'BUY', orderType: 'MKT', totalQuantity: Number.NaN }), 'INVALID_ARGUMENT').message).toMatch(/totalQuantity/);
  });
});
