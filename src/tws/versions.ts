/**
 * Server versions of the TWS API protocol that change what goes on the wire. The names and numbers
 * are IB's own (`MIN_SERVER_VER_*` in the official `ibapi/server_versions.py`, 10.46.01).
 *
 * tickwire speaks server versions {@link MIN_SUPPORTED_VERSION}..{@link MAX_SUPPORTED_VERSION}:
 * - 157 is the floor ib_async uses; every TWS / IB Gateway released since 2020 is above it, and it
 *   keeps the decoders free of the per-message version fields that older servers sent (openOrder lost
 *   its version at 145, orderStatus at 131, execDetails at 136).
 * - 193 is the last version before the error message changed shape (194, ERROR_TIME) and before the
 *   4-byte binary message ids and protobuf payloads (201+); @stoqey/ib stops at 193 as well.
 */

export const MIN_SUPPORTED_VERSION = 157;
export const MAX_SUPPORTED_VERSION = 193;

/** `MIN_SERVER_VER_*` landmarks used by the codecs (only those at or above 100 matter here). */
export const SV = {
  MODELS_SUPPORT: 103,
  SOFT_DOLLAR_TIER: 106,
  CASH_QTY: 111,
  REQ_SMART_COMPONENTS: 114,
  MARKET_CAP_PRICE: 131,
  LAST_LIQUIDITY: 136,
  DECISION_MAKER: 138,
  MIFID_EXECUTION: 139,
  AUTO_PRICE_FOR_HEDGE: 141,
  WHAT_IF_EXT_FIELDS: 142,
  ORDER_CONTAINER: 145,
  D_PEG_ORDERS: 148,
  PRICE_MGMT_ALGO: 151,
  ENCODE_MSG_ASCII7: 153,
  DURATION: 158,
  POST_TO_ATS: 160,
  AUTO_CANCEL_PARENT: 162,
  ADVANCED_ORDER_REJECT: 166,
  MANUAL_ORDER_TIME: 169,
  PEGBEST_PEGMID_OFFSETS: 170,
  FA_PROFILE_DESUPPORT: 177,
  PENDING_PRICE_REVISION: 178,
  CUSTOMER_ACCOUNT: 183,
  PROFESSIONAL_CUSTOMER: 184,
  BOND_ACCRUED_INTEREST: 185,
  RFQ_FIELDS: 187,
  INCLUDE_OVERNIGHT: 189,
  UNDO_RFQ_FIELDS: 190,
  PERM_ID_AS_LONG: 191,
  CME_TAGGING_FIELDS: 192,
  CME_TAGGING_FIELDS_IN_OPEN_ORDER: 193,
} as const;

/** IB's "unset" integer (Java Integer.MAX_VALUE). */
export const UNSET_INTEGER = 2147483647;
