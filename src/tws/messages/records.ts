/**
 * Flat wire records: every field a codec walk touches, with IB's defaults. Users see the typed
 * `Contract` / `Order` (contract.ts, order.ts); these are the complete shapes behind them.
 */
import type { ContractDescription } from '../contract.js';

export interface TagValue {
  tag: string;
  value: string;
}

export interface ComboLegRecord {
  conId: number;
  ratio: number;
  action: string;
  exchange: string;
  openClose: number;
  shortSaleSlot: number;
  designatedLocation: string;
  exemptCode: number;
}

export function newComboLegRecord(): ComboLegRecord {
  return { conId: 0, ratio: 0, action: '', exchange: '', openClose: 0, shortSaleSlot: 0, designatedLocation: '', exemptCode: -1 };
}

export interface DeltaNeutralContractRecord {
  conId: number;
  delta: number;
  price: number;
}

/**
 * A contract as TWS describes it (every field present; '' / 0 when not applicable): the public
 * ContractDescription and what only the wire carries.
 */
export interface ContractRecord extends ContractDescription {
  secIdType: string;
  secId: string;
  comboLegsDescription: string;
  comboLegs: ComboLegRecord[];
  deltaNeutralContract: DeltaNeutralContractRecord | undefined;
}

export function newContractRecord(): ContractRecord {
  return {
    conId: 0,
    symbol: '',
    secType: '',
    lastTradeDateOrContractMonth: '',
    strike: 0,
    right: '',
    multiplier: '',
    exchange: '',
    primaryExchange: '',
    currency: '',
    localSymbol: '',
    tradingClass: '',
    secIdType: '',
    secId: '',
    comboLegsDescription: '',
    comboLegs: [],
    deltaNeutralContract: undefined,
  };
}

/**
 * An order condition (IB's OrderCondition family), values kept as text as IB's clients do.
 * type: 1 Price, 3 Time, 4 Margin, 5 Execution, 6 Volume, 7 PercentChange.
 */
export interface OrderConditionRecord {
  type: number;
  /** 'a' (and) / 'o' (or) with the next condition. */
  conjunction: string;
  isMore: boolean;
  value: string;
  conId: number;
  exchange: string;
  triggerMethod: number;
  secType: string;
  symbol: string;
}

export function newConditionRecord(type: number): OrderConditionRecord {
  return { type, conjunction: 'a', isMore: true, value: '', conId: 0, exchange: '', triggerMethod: 0, secType: '', symbol: '' };
}

/** Every order field of placeOrder / openOrder in text mode (server versions 157..193). */
export interface OrderRecord {
  orderId: number;
  clientId: number;
  permId: number;
  action: string;
  totalQuantity: number | undefined;
  orderType: string;
  lmtPrice: number | undefined;
  auxPrice: number | undefined;
  tif: string;
  ocaGroup: string;
  account: string;
  openClose: string;
  origin: number;
  orderRef: string;
  transmit: boolean;
  parentId: number;
  blockOrder: boolean;
  sweepToFill: boolean;
  displaySize: number | undefined;
  triggerMethod: number;
  outsideRth: boolean;
  hidden: boolean;
  orderComboLegPrices: Array<number | undefined>;
  smartComboRoutingParams: TagValue[];
  discretionaryAmt: number;
  goodAfterTime: string;
  goodTillDate: string;
  faGroup: string;
  faMethod: string;
  faPercentage: string;
  modelCode: string;
  shortSaleSlot: number;
  designatedLocation: string;
  exemptCode: number;
  ocaType: number;
  rule80A: string;
  settlingFirm: string;
  allOrNone: boolean;
  minQty: number | undefined;
  percentOffset: number | undefined;
  auctionStrategy: number;
  startingPrice: number | undefined;
  stockRefPrice: number | undefined;
  delta: number | undefined;
  stockRangeLower: number | undefined;
  stockRangeUpper: number | undefined;
  overridePercentageConstraints: boolean;
  volatility: number | undefined;
  volatilityType: number | undefined;
  deltaNeutralOrderType: string;
  deltaNeutralAuxPrice: number | undefined;
  deltaNeutralConId: number;
  deltaNeutralSettlingFirm: string;
  deltaNeutralClearingAccount: string;
  deltaNeutralClearingIntent: string;
  deltaNeutralOpenClose: string;
  deltaNeutralShortSale: boolean;
  deltaNeutralShortSaleSlot: number;
  deltaNeutralDesignatedLocation: string;
  continuousUpdate: boolean;
  referencePriceType: number | undefined;
  trailStopPrice: number | undefined;
  trailingPercent: number | undefined;
  basisPoints: number | undefined;
  basisPointsType: number | undefined;
  scaleInitLevelSize: number | undefined;
  scaleSubsLevelSize: number | undefined;
  scalePriceIncrement: number | undefined;
  scalePriceAdjustValue: number | undefined;
  scalePriceAdjustInterval: number | undefined;
  scaleProfitOffset: number | undefined;
  scaleAutoReset: boolean;
  scaleInitPosition: number | undefined;
  scaleInitFillQty: number | undefined;
  scaleRandomPercent: boolean;
  scaleTable: string;
  activeStartTime: string;
  activeStopTime: string;
  hedgeType: string;
  hedgeParam: string;
  optOutSmartRouting: boolean;
  clearingAccount: string;
  clearingIntent: string;
  notHeld: boolean;
  algoStrategy: string;
  algoParams: TagValue[];
  algoId: string;
  whatIf: boolean;
  orderMiscOptions: string;
  solicited: boolean;
  randomizeSize: boolean;
  randomizePrice: boolean;
  referenceContractId: number;
  isPeggedChangeAmountDecrease: boolean;
  peggedChangeAmount: number;
  referenceChangeAmount: number;
  referenceExchangeId: string;
  conditions: OrderConditionRecord[];
  conditionsIgnoreRth: boolean;
  conditionsCancelOrder: boolean;
  adjustedOrderType: string;
  triggerPrice: number | undefined;
  lmtPriceOffset: number | undefined;
  adjustedStopPrice: number | undefined;
  adjustedStopLimitPrice: number | undefined;
  adjustedTrailingAmount: number | undefined;
  adjustableTrailingUnit: number;
  extOperator: string;
  softDollarTierName: string;
  softDollarTierValue: string;
  softDollarTierDisplayName: string;
  cashQty: number | undefined;
  mifid2DecisionMaker: string;
  mifid2DecisionAlgo: string;
  mifid2ExecutionTrader: string;
  mifid2ExecutionAlgo: string;
  dontUseAutoPriceForHedge: boolean;
  isOmsContainer: boolean;
  discretionaryUpToLimitPrice: boolean;
  usePriceMgmtAlgo: boolean | undefined;
  duration: number | undefined;
  postToAts: number | undefined;
  autoCancelParent: boolean;
  advancedErrorOverride: string;
  manualOrderTime: string;
  minTradeQty: number | undefined;
  minCompeteSize: number | undefined;
  competeAgainstBestOffset: number | undefined;
  midOffsetAtWhole: number | undefined;
  midOffsetAtHalf: number | undefined;
  customerAccount: string;
  professionalCustomer: boolean;
  bondAccruedInterest: string;
  includeOvernight: boolean;
  manualOrderIndicator: number | undefined;
}

export function newOrderRecord(): OrderRecord {
  return {
    orderId: 0,
    clientId: 0,
    permId: 0,
    action: '',
    totalQuantity: undefined,
    orderType: '',
    lmtPrice: undefined,
    auxPrice: undefined,
    tif: '',
    ocaGroup: '',
    account: '',
    openClose: '',
    origin: 0,
    orderRef: '',
    transmit: true,
    parentId: 0,
    blockOrder: false,
    sweepToFill: false,
    displaySize: undefined,
    triggerMethod: 0,
    outsideRth: false,
    hidden: false,
    orderComboLegPrices: [],
    smartComboRoutingParams: [],
    discretionaryAmt: 0,
    goodAfterTime: '',
    goodTillDate: '',
    faGroup: '',
    faMethod: '',
    faPercentage: '',
    modelCode: '',
    shortSaleSlot: 0,
    designatedLocation: '',
    exemptCode: -1,
    ocaType: 0,
    rule80A: '',
    settlingFirm: '',
    allOrNone: false,
    minQty: undefined,
    percentOffset: undefined,
    auctionStrategy: 0,
    startingPrice: undefined,
    stockRefPrice: undefined,
    delta: undefined,
    stockRangeLower: undefined,
    stockRangeUpper: undefined,
    overridePercentageConstraints: false,
    volatility: undefined,
    volatilityType: undefined,
    deltaNeutralOrderType: '',
    deltaNeutralAuxPrice: undefined,
    deltaNeutralConId: 0,
    deltaNeutralSettlingFirm: '',
    deltaNeutralClearingAccount: '',
    deltaNeutralClearingIntent: '',
    deltaNeutralOpenClose: '',
    deltaNeutralShortSale: false,
    deltaNeutralShortSaleSlot: 0,
    deltaNeutralDesignatedLocation: '',
    continuousUpdate: false,
    referencePriceType: undefined,
    trailStopPrice: undefined,
    trailingPercent: undefined,
    basisPoints: undefined,
    basisPointsType: undefined,
    scaleInitLevelSize: undefined,
    scaleSubsLevelSize: undefined,
    scalePriceIncrement: undefined,
    scalePriceAdjustValue: undefined,
    scalePriceAdjustInterval: undefined,
    scaleProfitOffset: undefined,
    scaleAutoReset: false,
    scaleInitPosition: undefined,
    scaleInitFillQty: undefined,
    scaleRandomPercent: false,
    scaleTable: '',
    activeStartTime: '',
    activeStopTime: '',
    hedgeType: '',
    hedgeParam: '',
    optOutSmartRouting: false,
    clearingAccount: '',
    clearingIntent: '',
    notHeld: false,
    algoStrategy: '',
    algoParams: [],
    algoId: '',
    whatIf: false,
    orderMiscOptions: '',
    solicited: false,
    randomizeSize: false,
    randomizePrice: false,
    referenceContractId: 0,
    isPeggedChangeAmountDecrease: false,
    peggedChangeAmount: 0,
    referenceChangeAmount: 0,
    referenceExchangeId: '',
    conditions: [],
    conditionsIgnoreRth: false,
    conditionsCancelOrder: false,
    adjustedOrderType: '',
    triggerPrice: undefined,
    lmtPriceOffset: undefined,
    adjustedStopPrice: undefined,
    adjustedStopLimitPrice: undefined,
    adjustedTrailingAmount: undefined,
    adjustableTrailingUnit: 0,
    extOperator: '',
    softDollarTierName: '',
    softDollarTierValue: '',
    softDollarTierDisplayName: '',
    cashQty: undefined,
    mifid2DecisionMaker: '',
    mifid2DecisionAlgo: '',
    mifid2ExecutionTrader: '',
    mifid2ExecutionAlgo: '',
    dontUseAutoPriceForHedge: false,
    isOmsContainer: false,
    discretionaryUpToLimitPrice: false,
    usePriceMgmtAlgo: undefined,
    duration: undefined,
    postToAts: undefined,
    autoCancelParent: false,
    advancedErrorOverride: '',
    manualOrderTime: '',
    minTradeQty: undefined,
    minCompeteSize: undefined,
    competeAgainstBestOffset: undefined,
    midOffsetAtWhole: undefined,
    midOffsetAtHalf: undefined,
    customerAccount: '',
    professionalCustomer: false,
    bondAccruedInterest: '',
    includeOvernight: false,
    manualOrderIndicator: undefined,
  };
}

/** The order state part of openOrder (status, what-if margins, commission). */
export interface OrderStateRecord {
  status: string;
  initMarginBefore: string;
  maintMarginBefore: string;
  equityWithLoanBefore: string;
  initMarginChange: string;
  maintMarginChange: string;
  equityWithLoanChange: string;
  initMarginAfter: string;
  maintMarginAfter: string;
  equityWithLoanAfter: string;
  commission: number | undefined;
  minCommission: number | undefined;
  maxCommission: number | undefined;
  commissionCurrency: string;
  warningText: string;
}

export function newOrderStateRecord(status = ''): OrderStateRecord {
  return {
    status,
    initMarginBefore: '',
    maintMarginBefore: '',
    equityWithLoanBefore: '',
    initMarginChange: '',
    maintMarginChange: '',
    equityWithLoanChange: '',
    initMarginAfter: '',
    maintMarginAfter: '',
    equityWithLoanAfter: '',
    commission: undefined,
    minCommission: undefined,
    maxCommission: undefined,
    commissionCurrency: '',
    warningText: '',
  };
}
