import { constants } from 'node:os';

/**
 * Typed errors. Every failure tickwire reports is a {@link TickwireError} with a stable `code`
 * that callers can switch on; `reason` names the precise native condition where there is one.
 */

/** Stable error codes. New codes may be added; existing ones keep their meaning. */
export type TickwireErrorCode =
  | 'INVALID_ARGUMENT'
  | 'BUFFER_TOO_SMALL'
  | 'UNSUPPORTED'
  | 'NATIVE_LOAD_FAILED'
  | 'SYSTEM_ERROR'
  | 'WS_PROTOCOL_ERROR'
  | 'WS_INVALID_UTF8'
  | 'WS_MESSAGE_TOO_BIG'
  | 'WS_NOT_OPEN'
  | 'TLS_PIN_MISMATCH'
  | 'TLS_CERT_EXPIRED'
  | 'TLS_BAD_HOSTNAME'
  | 'TLS_UNTRUSTED'
  | 'TLS_HANDSHAKE_TIMEOUT'
  | 'TLS_PROTOCOL_VERSION'
  | 'TLS_ALERT'
  | 'TLS_PROTOCOL'
  | 'TLS_BAD_CERT'
  | 'TLS_BAD_CA'
  | 'TLS_CLOSED'
  | 'HTTP_BAD_RESPONSE'
  | 'HTTP_STATUS'
  | 'HTTP_BAD_ACCEPT'
  | 'HTTP_TOO_LARGE'
  | 'HTTP_BAD_UPGRADE'
  | 'CONN_CLOSED'
  | 'CONN_TIMEOUT'
  | 'CONN_BACKPRESSURE'
  | 'RECONNECT_FAILED'
  | 'CONN_REFUSED'
  | 'BOOK_SEQUENCE_GAP'
  | 'BOOK_CHECKSUM_MISMATCH'
  | 'BOOK_CROSSED'
  | 'BOOK_NOT_SYNCED'
  | 'VENUE_MESSAGE_INVALID'
  | 'VENUE_ORDER_REJECTED'
  | 'VENUE_UNSUPPORTED'
  | 'VENUE_AUTH_FAILED'
  | 'ORDER_TEMPLATE_INVALID'
  | 'ORDER_VALUE_OUT_OF_RANGE'
  | 'TWS_HANDSHAKE_TIMEOUT'
  | 'TWS_CONNECTION_REFUSED'
  | 'TWS_CLIENT_ID_IN_USE'
  | 'TWS_MESSAGE_TOO_BIG'
  | 'TWS_PROTOCOL_ERROR'
  | 'TWS_NOT_CONNECTED'
  | 'TWS_REQUEST_FAILED'
  | 'CONFIG_INVALID'
  | 'INTERNAL';

export interface TickwireErrorOptions {
  /** The native condition behind the error, e.g. `'WS_RSV'` (a TW_ERR_* name without the prefix). */
  reason?: string;
  /** The native status number (negative TW_ERR_* value), when the error came from C. */
  status?: number;
  /** For WebSocket protocol errors: the close code the connection is failed with (1002, 1007, 1009). */
  closeCode?: number;
  cause?: unknown;
}

export class TickwireError extends Error {
  readonly code: TickwireErrorCode;
  readonly reason: string | undefined;
  readonly status: number | undefined;
  readonly closeCode: number | undefined;

  constructor(code: TickwireErrorCode, message: string, options: TickwireErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'TickwireError';
    this.code = code;
    this.reason = options.reason;
    this.status = options.status;
    this.closeCode = options.closeCode;
  }
}

/** errno number → name ('ECONNREFUSED'), for statuses that are a syscall's -errno. */
const errnoNames = new Map<number, string>(Object.entries(constants.errno).map(([name, n]) => [n, name]));

/** Close code RFC 6455 calls for, by native status name. */
function closeCodeFor(name: string): number | undefined {
  if (name === 'WS_INVALID_UTF8') return 1007;
  if (name === 'WS_TOO_BIG') return 1009;
  if (name.startsWith('WS_')) return 1002;
  return undefined;
}

function codeFor(name: string): TickwireErrorCode {
  switch (name) {
    case 'INVAL':
      return 'INVALID_ARGUMENT';
    case 'BUFFER_TOO_SMALL':
      return 'BUFFER_TOO_SMALL';
    case 'UNSUPPORTED':
      return 'UNSUPPORTED';
    case 'WS_INVALID_UTF8':
      return 'WS_INVALID_UTF8';
    case 'WS_TOO_BIG':
      return 'WS_MESSAGE_TOO_BIG';
    case 'ORDER_VALUE':
      return 'ORDER_VALUE_OUT_OF_RANGE';
    default:
      // TLS_*, HTTP_* and CONN_* statuses keep their names as codes.
      if (/^(TLS|HTTP|CONN)_/.test(name)) return name as TickwireErrorCode;
      return name.startsWith('WS_') ? 'WS_PROTOCOL_ERROR' : 'INTERNAL';
  }
}

/**
 * Builds the error for a negative native status: a TW_ERR_* code, or a syscall's -errno (reported
 * as SYSTEM_ERROR with the errno's name as `reason`). `names` maps status numbers to TW_ERR_* names
 * (from the addon), `describe` gives the core's one-line message.
 */
export function errorFromStatus(
  status: number,
  names: ReadonlyMap<number, string>,
  describe: (status: number) => string,
  context: string,
): TickwireError {
  if (!names.has(status) && status < 0 && status >= -4095) {
    const errno = errnoNames.get(-status) ?? `errno ${-status}`;
    // A refused connect has its own code (every transport, WebSocket or plain TCP).
    if (errno === 'ECONNREFUSED') return new TickwireError('CONN_REFUSED', `${context}: connection refused (ECONNREFUSED: nothing listens there)`, { reason: errno, status });
    return new TickwireError('SYSTEM_ERROR', `${context}: ${errno}`, { reason: errno, status });
  }
  const name = names.get(status) ?? 'UNKNOWN';
  const closeCode = closeCodeFor(name);
  return new TickwireError(codeFor(name), `${context}: ${describe(status)}`, {
    reason: name,
    status,
    ...(closeCode === undefined ? {} : { closeCode }),
  });
}

/** Throws a TickwireError('INVALID_ARGUMENT') with a message naming the argument. */
export function invalidArgument(message: string): never {
  throw new TickwireError('INVALID_ARGUMENT', message);
}
