/**
 * placeOrder (client → TWS) and openOrder (TWS → client), the two long messages, as field walks
 * for server versions 157..193. The field order and the version gates follow the official client
 * (`ibapi/client.py placeOrder`, `ibapi/decoder.py processOpenOrder` + `orderdecoder.py`, 10.46.01),
 * cross-checked against @stoqey/ib's encoder/decoder (a port of the Java client 10.32). Both walks
 * start after the message id; neither message has a version field at these server versions (145+).
 */
import { comboLegs, contractFields, deltaNeutralContract } from './contract-walk.js';
import type { FieldIO } from './fields.js';
import { protocolError } from './fields.js';
import {
  newConditionRecord,
  type ContractRecord,
  type OrderConditionRecord,
  type OrderRecord,
  type OrderStateRecord,
  type TagValue,
} from './records.js';
import { SV, UNSET_INTEGER } from '../versions.js';

const isPegBench = (t: string): boolean => t === 'PEG BENCH' || t === 'PEGBENCH';
const isPegBest = (t: string): boolean => t === 'PEG BEST' || t === 'PEGBEST';
const isPegMid = (t: string): boolean => t === 'PEG MID' || t === 'PEGMID';

/** Repeated (tag, value) pairs behind a count. */
function tagValues(io: FieldIO, list: TagValue[]): void {
  const n = io.count(list.length);
  for (let i = 0; i < n; i++) {
    const tv = io.reading ? { tag: '', value: '' } : (list[i] as TagValue);
    io.str(tv, 'tag');
    io.str(tv, 'value');
    if (io.reading) list.push(tv);
  }
}

/** One order condition after its type field (official order_condition.py make_fields/decode). */
function conditionBody(io: FieldIO, c: OrderConditionRecord): void {
  io.str(c, 'conjunction');
  switch (c.type) {
    case 5: // Execution
      io.str(c, 'secType');
      io.str(c, 'exchange');
      io.str(c, 'symbol');
      return;
    case 3: // Time
    case 4: // Margin
      io.bool(c, 'isMore');
      io.str(c, 'value');
      return;
    case 1: // Price
    case 6: // Volume
    case 7: // PercentChange
      io.bool(c, 'isMore');
      io.str(c, 'value');
      io.int(c, 'conId');
      io.str(c, 'exchange');
      if (c.type === 1) io.int(c, 'triggerMethod');
      return;
    default:
      throw protocolError(`unknown order condition type ${c.type}`);
  }
}

function conditions(io: FieldIO, o: OrderRecord): void {
  const n = io.count(o.conditions.length);
  for (let i = 0; i < n; i++) {
    const type = io.constant(io.reading ? 0 : (o.conditions[i] as OrderConditionRecord).type);
    const c = io.reading ? newConditionRecord(type) : (o.conditions[i] as OrderConditionRecord);
    conditionBody(io, c);
    if (io.reading) o.conditions.push(c);
  }
  if (n > 0) {
    io.bool(o, 'conditionsIgnoreRth');
    io.bool(o, 'conditionsCancelOrder');
  }
}

/** action … orderRef: the main and the first extended order fields, the same run in placeOrder and openOrder. */
function orderHead(io: FieldIO, o: OrderRecord): void {
  io.str(o, 'action');
  io.decimal(o, 'totalQuantity');
  io.str(o, 'orderType');
  io.floatMax(o, 'lmtPrice');
  io.floatMax(o, 'auxPrice');
  io.str(o, 'tif');
  io.str(o, 'ocaGroup');
  io.str(o, 'account');
  io.str(o, 'openClose');
  io.int(o, 'origin');
  io.str(o, 'orderRef');
}

/** The per-leg prices of a combo order behind their count. */
function comboLegPrices(io: FieldIO, o: OrderRecord): void {
  const n = io.count(o.orderComboLegPrices.length);
  for (let i = 0; i < n; i++) {
    const p: { price: number | undefined } = { price: o.orderComboLegPrices[i] };
    io.floatMax(p, 'price');
    if (io.reading) o.orderComboLegPrices.push(p.price);
  }
}

/** The delta-neutral order's fields, present when deltaNeutralOrderType is set. */
function deltaNeutralOrder(io: FieldIO, o: OrderRecord): void {
  io.int(o, 'deltaNeutralConId');
  io.str(o, 'deltaNeutralSettlingFirm');
  io.str(o, 'deltaNeutralClearingAccount');
  io.str(o, 'deltaNeutralClearingIntent');
  io.str(o, 'deltaNeutralOpenClose');
  io.bool(o, 'deltaNeutralShortSale');
  io.int(o, 'deltaNeutralShortSaleSlot');
  io.str(o, 'deltaNeutralDesignatedLocation');
}

/** Scale order fields; the adjustments only when scalePriceIncrement > 0. */
function scaleFields(io: FieldIO, o: OrderRecord): void {
  io.intMax(o, 'scaleInitLevelSize');
  io.intMax(o, 'scaleSubsLevelSize');
  io.floatMax(o, 'scalePriceIncrement');
  if (o.scalePriceIncrement !== undefined && o.scalePriceIncrement > 0) {
    io.floatMax(o, 'scalePriceAdjustValue');
    io.intMax(o, 'scalePriceAdjustInterval');
    io.floatMax(o, 'scaleProfitOffset');
    io.bool(o, 'scaleAutoReset');
    io.intMax(o, 'scaleInitPosition');
    io.intMax(o, 'scaleInitFillQty');
    io.bool(o, 'scaleRandomPercent');
  }
}

/** hedgeType … algoParams, the same run in placeOrder and openOrder. */
function hedgeToAlgo(io: FieldIO, c: ContractRecord, o: OrderRecord): void {
  io.str(o, 'hedgeType');
  if (o.hedgeType) io.str(o, 'hedgeParam');
  io.bool(o, 'optOutSmartRouting');
  io.str(o, 'clearingAccount');
  io.str(o, 'clearingIntent');
  io.bool(o, 'notHeld');
  deltaNeutralContract(io, c);
  io.str(o, 'algoStrategy');
  if (o.algoStrategy) tagValues(io, o.algoParams);
}

/** A boolean sent as an int that may be unset (usePriceMgmtAlgo in placeOrder). */
function optionalBoolAsInt(io: FieldIO, o: OrderRecord): void {
  const t: { v: number | undefined } = { v: o.usePriceMgmtAlgo === undefined ? undefined : o.usePriceMgmtAlgo ? 1 : 0 };
  io.intMax(t, 'v');
  if (io.reading) o.usePriceMgmtAlgo = t.v === undefined ? undefined : t.v !== 0;
}

/** placeOrder after the message id. */
export function walkPlaceOrder(io: FieldIO, sv: number, c: ContractRecord, o: OrderRecord): void {
  io.int(o, 'orderId');
  contractFields(io, c, true);
  io.str(c, 'secIdType');
  io.str(c, 'secId');
  orderHead(io, o);
  io.bool(o, 'transmit');
  io.int(o, 'parentId');
  io.bool(o, 'blockOrder');
  io.bool(o, 'sweepToFill');
  io.intMax(o, 'displaySize');
  io.int(o, 'triggerMethod');
  io.bool(o, 'outsideRth');
  io.bool(o, 'hidden');
  if (c.secType === 'BAG') {
    comboLegs(io, c, true);
    comboLegPrices(io, o);
    tagValues(io, o.smartComboRoutingParams);
  }
  io.skip(''); // deprecated sharesAllocation
  io.float(o, 'discretionaryAmt');
  io.str(o, 'goodAfterTime');
  io.str(o, 'goodTillDate');
  io.str(o, 'faGroup');
  io.str(o, 'faMethod');
  io.str(o, 'faPercentage');
  if (sv < SV.FA_PROFILE_DESUPPORT) io.skip(''); // deprecated faProfile
  io.str(o, 'modelCode');
  io.int(o, 'shortSaleSlot');
  io.str(o, 'designatedLocation');
  io.int(o, 'exemptCode');
  io.int(o, 'ocaType');
  io.str(o, 'rule80A');
  io.str(o, 'settlingFirm');
  io.bool(o, 'allOrNone');
  io.intMax(o, 'minQty');
  io.floatMax(o, 'percentOffset');
  io.skip(false); // deprecated eTradeOnly
  io.skip(false); // deprecated firmQuoteOnly
  io.skip(''); // deprecated nbboPriceCap
  io.int(o, 'auctionStrategy');
  io.floatMax(o, 'startingPrice');
  io.floatMax(o, 'stockRefPrice');
  io.floatMax(o, 'delta');
  io.floatMax(o, 'stockRangeLower');
  io.floatMax(o, 'stockRangeUpper');
  io.bool(o, 'overridePercentageConstraints');
  io.floatMax(o, 'volatility');
  io.intMax(o, 'volatilityType');
  io.str(o, 'deltaNeutralOrderType');
  io.floatMax(o, 'deltaNeutralAuxPrice');
  if (o.deltaNeutralOrderType) deltaNeutralOrder(io, o);
  io.bool(o, 'continuousUpdate');
  io.intMax(o, 'referencePriceType');
  io.floatMax(o, 'trailStopPrice');
  io.floatMax(o, 'trailingPercent');
  scaleFields(io, o);
  io.str(o, 'scaleTable');
  io.str(o, 'activeStartTime');
  io.str(o, 'activeStopTime');
  hedgeToAlgo(io, c, o);
  io.str(o, 'algoId');
  io.bool(o, 'whatIf');
  io.str(o, 'orderMiscOptions');
  io.bool(o, 'solicited');
  io.bool(o, 'randomizeSize');
  io.bool(o, 'randomizePrice');
  if (isPegBench(o.orderType)) pegBench(io, o);
  conditions(io, o);
  io.str(o, 'adjustedOrderType');
  io.floatMax(o, 'triggerPrice');
  io.floatMax(o, 'lmtPriceOffset');
  io.floatMax(o, 'adjustedStopPrice');
  io.floatMax(o, 'adjustedStopLimitPrice');
  io.floatMax(o, 'adjustedTrailingAmount');
  io.int(o, 'adjustableTrailingUnit');
  io.str(o, 'extOperator');
  io.str(o, 'softDollarTierName');
  io.str(o, 'softDollarTierValue');
  io.floatMax(o, 'cashQty');
  io.str(o, 'mifid2DecisionMaker');
  io.str(o, 'mifid2DecisionAlgo');
  io.str(o, 'mifid2ExecutionTrader');
  io.str(o, 'mifid2ExecutionAlgo');
  io.bool(o, 'dontUseAutoPriceForHedge');
  io.bool(o, 'isOmsContainer');
  io.bool(o, 'discretionaryUpToLimitPrice');
  optionalBoolAsInt(io, o);
  if (sv >= SV.DURATION) io.intMax(o, 'duration');
  if (sv >= SV.POST_TO_ATS) io.intMax(o, 'postToAts');
  if (sv >= SV.AUTO_CANCEL_PARENT) io.bool(o, 'autoCancelParent');
  if (sv >= SV.ADVANCED_ORDER_REJECT) io.str(o, 'advancedErrorOverride');
  if (sv >= SV.MANUAL_ORDER_TIME) io.str(o, 'manualOrderTime');
  if (sv >= SV.PEGBEST_PEGMID_OFFSETS) {
    let sendMidOffsets = false;
    if (c.exchange === 'IBKRATS') io.intMax(o, 'minTradeQty');
    if (isPegBest(o.orderType)) {
      io.intMax(o, 'minCompeteSize');
      io.floatMax(o, 'competeAgainstBestOffset');
      // COMPETE_AGAINST_BEST_OFFSET_UP_TO_MID is infinity
      if (o.competeAgainstBestOffset === Infinity) sendMidOffsets = true;
    } else if (isPegMid(o.orderType)) {
      sendMidOffsets = true;
    }
    if (sendMidOffsets) {
      io.floatMax(o, 'midOffsetAtWhole');
      io.floatMax(o, 'midOffsetAtHalf');
    }
  }
  if (sv >= SV.CUSTOMER_ACCOUNT) io.str(o, 'customerAccount');
  if (sv >= SV.PROFESSIONAL_CUSTOMER) io.bool(o, 'professionalCustomer');
  if (sv >= SV.RFQ_FIELDS && sv < SV.UNDO_RFQ_FIELDS) {
    io.skip('');
    io.skip(UNSET_INTEGER);
  }
  if (sv >= SV.INCLUDE_OVERNIGHT) io.bool(o, 'includeOvernight');
  if (sv >= SV.CME_TAGGING_FIELDS) io.intMax(o, 'manualOrderIndicator');
}

function pegBench(io: FieldIO, o: OrderRecord): void {
  io.int(o, 'referenceContractId');
  io.bool(o, 'isPeggedChangeAmountDecrease');
  io.float(o, 'peggedChangeAmount');
  io.float(o, 'referenceChangeAmount');
  io.str(o, 'referenceExchangeId');
}

/** openOrder after the message id. */
export function walkOpenOrder(io: FieldIO, sv: number, c: ContractRecord, o: OrderRecord, s: OrderStateRecord): void {
  io.int(o, 'orderId');
  contractFields(io, c, false);
  orderHead(io, o);
  io.int(o, 'clientId');
  io.int(o, 'permId');
  io.bool(o, 'outsideRth');
  io.bool(o, 'hidden');
  io.float(o, 'discretionaryAmt');
  io.str(o, 'goodAfterTime');
  io.skip(''); // deprecated sharesAllocation
  io.str(o, 'faGroup');
  io.str(o, 'faMethod');
  io.str(o, 'faPercentage');
  if (sv < SV.FA_PROFILE_DESUPPORT) io.skip(''); // deprecated faProfile
  io.str(o, 'modelCode');
  io.str(o, 'goodTillDate');
  io.str(o, 'rule80A');
  io.floatMax(o, 'percentOffset');
  io.str(o, 'settlingFirm');
  io.int(o, 'shortSaleSlot');
  io.str(o, 'designatedLocation');
  io.int(o, 'exemptCode');
  io.int(o, 'auctionStrategy');
  io.floatMax(o, 'startingPrice');
  io.floatMax(o, 'stockRefPrice');
  io.floatMax(o, 'delta');
  io.floatMax(o, 'stockRangeLower');
  io.floatMax(o, 'stockRangeUpper');
  io.intMax(o, 'displaySize');
  io.bool(o, 'blockOrder');
  io.bool(o, 'sweepToFill');
  io.bool(o, 'allOrNone');
  io.intMax(o, 'minQty');
  io.int(o, 'ocaType');
  io.skip(false); // deprecated eTradeOnly
  io.skip(false); // deprecated firmQuoteOnly
  io.skip(''); // deprecated nbboPriceCap
  io.int(o, 'parentId');
  io.int(o, 'triggerMethod');
  // volatility order params (readOpenOrderAttribs = true)
  io.floatMax(o, 'volatility');
  const vt: { v: number } = { v: o.volatilityType ?? 0 };
  io.int(vt, 'v');
  if (io.reading) o.volatilityType = vt.v;
  io.str(o, 'deltaNeutralOrderType');
  io.floatMax(o, 'deltaNeutralAuxPrice');
  if (o.deltaNeutralOrderType) deltaNeutralOrder(io, o);
  io.bool(o, 'continuousUpdate');
  const rp: { v: number } = { v: o.referencePriceType ?? 0 };
  io.int(rp, 'v');
  if (io.reading) o.referencePriceType = rp.v;
  // trail params
  io.floatMax(o, 'trailStopPrice');
  io.floatMax(o, 'trailingPercent');
  // basis points
  io.floatMax(o, 'basisPoints');
  io.intMax(o, 'basisPointsType');
  // combo legs
  io.str(c, 'comboLegsDescription');
  comboLegs(io, c, true);
  comboLegPrices(io, o);
  tagValues(io, o.smartComboRoutingParams);
  scaleFields(io, o);
  hedgeToAlgo(io, c, o);
  io.bool(o, 'solicited');
  // what-if info and commission
  io.bool(o, 'whatIf');
  io.str(s, 'status');
  io.str(s, 'initMarginBefore');
  io.str(s, 'maintMarginBefore');
  io.str(s, 'equityWithLoanBefore');
  io.str(s, 'initMarginChange');
  io.str(s, 'maintMarginChange');
  io.str(s, 'equityWithLoanChange');
  io.str(s, 'initMarginAfter');
  io.str(s, 'maintMarginAfter');
  io.str(s, 'equityWithLoanAfter');
  io.floatMax(s, 'commission');
  io.floatMax(s, 'minCommission');
  io.floatMax(s, 'maxCommission');
  io.str(s, 'commissionCurrency');
  io.str(s, 'warningText');
  io.bool(o, 'randomizeSize');
  io.bool(o, 'randomizePrice');
  if (isPegBench(o.orderType)) pegBench(io, o);
  conditions(io, o);
  io.str(o, 'adjustedOrderType');
  io.floatMax(o, 'triggerPrice');
  io.floatMax(o, 'trailStopPrice');
  io.floatMax(o, 'lmtPriceOffset');
  io.floatMax(o, 'adjustedStopPrice');
  io.floatMax(o, 'adjustedStopLimitPrice');
  io.floatMax(o, 'adjustedTrailingAmount');
  io.int(o, 'adjustableTrailingUnit');
  io.str(o, 'softDollarTierName');
  io.str(o, 'softDollarTierValue');
  io.str(o, 'softDollarTierDisplayName');
  io.floatMax(o, 'cashQty');
  io.bool(o, 'dontUseAutoPriceForHedge');
  io.bool(o, 'isOmsContainer');
  io.bool(o, 'discretionaryUpToLimitPrice');
  const pm = { v: o.usePriceMgmtAlgo ?? false };
  io.bool(pm, 'v');
  if (io.reading) o.usePriceMgmtAlgo = pm.v;
  if (sv >= SV.DURATION) io.intMax(o, 'duration');
  if (sv >= SV.POST_TO_ATS) io.intMax(o, 'postToAts');
  if (sv >= SV.AUTO_CANCEL_PARENT) io.bool(o, 'autoCancelParent');
  if (sv >= SV.PEGBEST_PEGMID_OFFSETS) {
    io.intMax(o, 'minTradeQty');
    io.intMax(o, 'minCompeteSize');
    io.floatMax(o, 'competeAgainstBestOffset');
    io.floatMax(o, 'midOffsetAtWhole');
    io.floatMax(o, 'midOffsetAtHalf');
  }
  if (sv >= SV.CUSTOMER_ACCOUNT) io.str(o, 'customerAccount');
  if (sv >= SV.PROFESSIONAL_CUSTOMER) io.bool(o, 'professionalCustomer');
  if (sv >= SV.BOND_ACCRUED_INTEREST) io.str(o, 'bondAccruedInterest');
  if (sv >= SV.INCLUDE_OVERNIGHT) io.bool(o, 'includeOvernight');
  if (sv >= SV.CME_TAGGING_FIELDS_IN_OPEN_ORDER) {
    io.str(o, 'extOperator');
    io.intMax(o, 'manualOrderIndicator');
  }
}
