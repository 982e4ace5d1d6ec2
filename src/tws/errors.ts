/**
 * IB's error messages (message 4) and how tickwire reports them.
 *
 * TWS uses one message for everything from "farm connection is OK" to "order rejected". IB's own
 * split (TWS API docs, "Message Codes"): 1100–1300 are system messages, 2100–2169 are warnings,
 * the rest are errors; within those, the "connection is OK / restored" notices are informational.
 * tickwire follows that: {@link severityOf} says 'info' | 'warning' | 'error'. Errors and warnings
 * reach the client's 'error' / 'warning' events, info reaches 'info'.
 */
import { TickwireError, type TickwireErrorCode } from '../native/errors.js';

export type TwsSeverity = 'info' | 'warning' | 'error';

/** Notices that something is fine (or fine again). */
const INFO_CODES = new Set([
  1102, // Connectivity between IB and TWS has been restored - data maintained
  2104, // Market data farm connection is OK
  2106, // HMDS data farm connection is OK
  2107, // HMDS data farm connection is inactive but should be available upon demand
  2108, // Market data farm connection is inactive but should be available upon demand
  2119, // Market data farm is connecting
  2158, // Sec-def data farm connection is OK
]);

/** Warnings outside 2100–2169 (IB documents them as warnings; ib_insync's list agrees). */
const WARNING_CODES = new Set([
  165, // Historical market data service query message
  202, // Order canceled
  399, // Order message (e.g. "will not be placed at the exchange until …")
  404, // Shares for this order are not immediately available for short sale
  434, // The order size cannot be zero (warning when modifying)
  492, // Exchange is closed
  1100, // Connectivity between IB and TWS has been lost
  1101, // Connectivity restored - data lost (market data must be re-requested)
  10090, // Part of requested market data is not subscribed
  10167, // Requested market data is not subscribed. Displaying delayed market data
]);

/** IB codes tickwire acts on. */
export const IB_CODE = {
  ORDER_CANCELLED: 202,
  NO_SECURITY_DEFINITION: 200,
  ORDER_REJECTED: 201,
  CLIENT_ID_IN_USE: 326,
  NOT_CONNECTED: 504,
  BAD_MESSAGE_LENGTH: 507,
  CONNECTIVITY_LOST: 1100,
  RESTORED_DATA_LOST: 1101,
  RESTORED_DATA_MAINTAINED: 1102,
  UPDATE_TWS: 503,
} as const;

export function severityOf(code: number): TwsSeverity {
  if (INFO_CODES.has(code)) return 'info';
  if (WARNING_CODES.has(code) || (code >= 2100 && code <= 2169)) return 'warning';
  return 'error';
}

export interface TwsErrorDetails {
  /** IB's error code (`errorCode`), e.g. 200. */
  ibCode: number;
  /** The request / order / ticker id the message is about; -1 for connection-wide messages. */
  reqId: number;
  severity: TwsSeverity;
  /** IB's advanced order reject JSON (server >= 166), '' when none. */
  advancedOrderRejectJson?: string;
}

/** An error reported by TWS (or derived from one): a TickwireError with IB's code attached. */
export class TwsError extends TickwireError {
  readonly ibCode: number;
  readonly reqId: number;
  readonly severity: TwsSeverity;
  readonly advancedOrderRejectJson: string;

  constructor(code: TickwireErrorCode, message: string, details: TwsErrorDetails, cause?: unknown) {
    super(code, message, { reason: `IB_${details.ibCode}`, ...(cause === undefined ? {} : { cause }) });
    this.name = 'TwsError';
    this.ibCode = details.ibCode;
    this.reqId = details.reqId;
    this.severity = details.severity;
    this.advancedOrderRejectJson = details.advancedOrderRejectJson ?? '';
  }
}

/** The TickwireError code for an IB error code (and whether the id it is about is an order). */
export function codeForIbError(ibCode: number, isOrder: boolean): TickwireErrorCode {
  if (ibCode === IB_CODE.CLIENT_ID_IN_USE) return 'TWS_CLIENT_ID_IN_USE';
  if (ibCode === IB_CODE.NOT_CONNECTED || ibCode === 502) return 'TWS_NOT_CONNECTED';
  if (ibCode === IB_CODE.BAD_MESSAGE_LENGTH) return 'TWS_PROTOCOL_ERROR';
  return isOrder ? 'VENUE_ORDER_REJECTED' : 'TWS_REQUEST_FAILED';
}

/** Decodes IB's `\uXXXX` escapes (server >= 153 sends non-ASCII text that way). */
export function decodeIbText(text: string): string {
  if (!text.includes('\\u')) return text;
  return text.replace(/\\u([0-9a-fA-F]{4})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
}

/** What to check when TWS does not answer or refuses: the API setting and the usual ports. */
export const TWS_SETTINGS_HINT =
  "Check that TWS or IB Gateway is running and accepts API connections: in TWS, Edit → Global Configuration → API → Settings → " +
  "tick 'Enable ActiveX and Socket Clients' (IB Gateway: Configure → Settings → API → Settings); check the 'Socket port' and " +
  "'Trusted IPs' (a connection from an untrusted address waits for someone to click Accept in TWS). Default ports: 7496 TWS live, " +
  '7497 TWS paper, 4001 IB Gateway live, 4002 IB Gateway paper.';
