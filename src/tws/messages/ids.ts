/**
 * Message ids (official `ibapi/message.py`) and tick types (`ibapi/ticktype.py`).
 */

/** Client → TWS. */
export const OUT = {
  REQ_MKT_DATA: 1,
  CANCEL_MKT_DATA: 2,
  PLACE_ORDER: 3,
  CANCEL_ORDER: 4,
  REQ_OPEN_ORDERS: 5,
  REQ_ACCT_DATA: 6,
  REQ_EXECUTIONS: 7,
  REQ_IDS: 8,
  REQ_MANAGED_ACCTS: 17,
  REQ_CURRENT_TIME: 49,
  REQ_MARKET_DATA_TYPE: 59,
  REQ_POSITIONS: 61,
  CANCEL_POSITIONS: 64,
  START_API: 71,
} as const;

/** TWS → client. */
export const IN = {
  TICK_PRICE: 1,
  TICK_SIZE: 2,
  ORDER_STATUS: 3,
  ERR_MSG: 4,
  OPEN_ORDER: 5,
  ACCT_VALUE: 6,
  PORTFOLIO_VALUE: 7,
  ACCT_UPDATE_TIME: 8,
  NEXT_VALID_ID: 9,
  EXECUTION_DATA: 11,
  MANAGED_ACCTS: 15,
  TICK_GENERIC: 45,
  TICK_STRING: 46,
  CURRENT_TIME: 49,
  OPEN_ORDER_END: 53,
  ACCT_DOWNLOAD_END: 54,
  EXECUTION_DATA_END: 55,
  TICK_SNAPSHOT_END: 57,
  MARKET_DATA_TYPE: 58,
  COMMISSION_REPORT: 59,
  POSITION_DATA: 61,
  POSITION_END: 62,
  TICK_REQ_PARAMS: 81,
} as const;

/** Tick types tickwire names (the rest are reported by number). */
export const TICK = {
  BID_SIZE: 0,
  BID: 1,
  ASK: 2,
  ASK_SIZE: 3,
  LAST: 4,
  LAST_SIZE: 5,
  HIGH: 6,
  LOW: 7,
  VOLUME: 8,
  CLOSE: 9,
  OPEN: 14,
  LAST_TIMESTAMP: 45,
  HALTED: 49,
  DELAYED_BID: 66,
  DELAYED_ASK: 67,
  DELAYED_LAST: 68,
  DELAYED_BID_SIZE: 69,
  DELAYED_ASK_SIZE: 70,
  DELAYED_LAST_SIZE: 71,
} as const;

const tickNames = new Map<number, string>(Object.entries(TICK).map(([name, n]) => [n, name]));

/** 'BID', 'LAST_SIZE', … or `TICK_<n>` for types tickwire does not name. */
export function tickTypeName(tickType: number): string {
  return tickNames.get(tickType) ?? `TICK_${tickType}`;
}

/** The size tick the official decoder derives from a price tick (BID → BID_SIZE, …), or undefined. */
export function sizeTickFor(priceTick: number): number | undefined {
  switch (priceTick) {
    case TICK.BID:
      return TICK.BID_SIZE;
    case TICK.ASK:
      return TICK.ASK_SIZE;
    case TICK.LAST:
      return TICK.LAST_SIZE;
    case TICK.DELAYED_BID:
      return TICK.DELAYED_BID_SIZE;
    case TICK.DELAYED_ASK:
      return TICK.DELAYED_ASK_SIZE;
    case TICK.DELAYED_LAST:
      return TICK.DELAYED_LAST_SIZE;
    default:
      return undefined;
  }
}
