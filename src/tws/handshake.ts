/**
 * The TWS API connection handshake (server versions >= 100, the only one current TWS answers):
 *
 *   client → `API\0` (4 bytes, no length) + [uint32 BE length] + `v<min>..<max>[ <connectOptions>]`
 *   server → a framed message of two fields: server version, connection time
 *   client → START_API (71): version 2, clientId, optionalCapabilities
 *   server → managedAccounts (15), nextValidId (9), farm status notices (4 with id -1)
 *
 * A client that sends the pre-v100 handshake (its bare version number, then the client id) gets no
 * reply from current TWS, and none of the API data flows until START_API: this module only speaks
 * the v100+ form.
 */
import { TickwireError } from '../native/errors.js';
import { encodeMessage } from './framing.js';
import { protocolError } from './messages/fields.js';
import { encodeFields, startApi } from './messages/codec.js';
import { OUT } from './messages/ids.js';
import { TWS_SETTINGS_HINT } from './errors.js';
import { MAX_SUPPORTED_VERSION, MIN_SUPPORTED_VERSION } from './versions.js';

const API_PREFIX = new Uint8Array([0x41, 0x50, 0x49, 0x00]); // "API\0"

export interface VersionRange {
  min: number;
  max: number;
}

/** Checks a client version range against what tickwire supports. */
export function checkVersionRange(min: number, max: number): VersionRange {
  for (const [name, v] of [
    ['minVersion', min],
    ['maxVersion', max],
  ] as const) {
    if (!Number.isSafeInteger(v) || v < MIN_SUPPORTED_VERSION || v > MAX_SUPPORTED_VERSION) {
      throw new TickwireError(
        'INVALID_ARGUMENT',
        `${name} must be an integer in ${MIN_SUPPORTED_VERSION}..${MAX_SUPPORTED_VERSION} (the server versions tickwire speaks), got ${String(v)}`,
      );
    }
  }
  if (min > max) throw new TickwireError('INVALID_ARGUMENT', `minVersion ${min} is above maxVersion ${max}`);
  return { min, max };
}

/** `v157..193`, or `v157` when min == max (as @stoqey/ib and the official client write it). */
export function versionString(range: VersionRange, connectOptions = ''): string {
  const v = range.min === range.max ? `v${range.min}` : `v${range.min}..${range.max}`;
  return connectOptions ? `${v} ${connectOptions}` : v;
}

/** The client's opening bytes. */
export function buildHello(range: VersionRange, connectOptions = ''): Uint8Array {
  if (connectOptions.includes('\0')) throw new TickwireError('INVALID_ARGUMENT', 'connectOptions contains a NUL byte');
  const text = new TextEncoder().encode(versionString(range, connectOptions));
  const out = new Uint8Array(4 + 4 + text.length);
  out.set(API_PREFIX, 0);
  new DataView(out.buffer).setUint32(4, text.length);
  out.set(text, 8);
  return out;
}

export interface ServerHello {
  serverVersion: number;
  /** As TWS sends it, e.g. '20240116 17:29:41 CET'. */
  connectionTime: string;
}

/** Parses the server's first message and checks the version against the range the client offered. */
export function parseServerHello(fields: readonly string[], range: VersionRange): ServerHello {
  const [v, time] = fields;
  if (v === undefined || !/^\d+$/.test(v)) throw protocolError(`the server's first message is not a version: ${JSON.stringify(fields.slice(0, 3))}`, 'BAD_SERVER_VERSION');
  const serverVersion = Number(v);
  if (serverVersion < range.min || serverVersion > range.max) {
    throw new TickwireError(
      'TWS_PROTOCOL_ERROR',
      `TWS answered with server version ${serverVersion}, outside the range offered (${range.min}..${range.max}); ` +
        `tickwire speaks ${MIN_SUPPORTED_VERSION}..${MAX_SUPPORTED_VERSION} (update TWS / IB Gateway if it is older)`,
      { reason: 'UNSUPPORTED_SERVER_VERSION' },
    );
  }
  return { serverVersion, connectionTime: time ?? '' };
}

/** START_API (71) for the negotiated version. */
export function buildStartApi(serverVersion: number, clientId: number, optionalCapabilities = ''): Uint8Array {
  return encodeMessage(encodeFields(OUT.START_API, startApi, serverVersion, { clientId, optionalCapabilities }));
}

/** TWS accepted the TCP connection but did not answer in time. */
export function handshakeTimeoutError(host: string, port: number, ms: number, stage: 'server-version' | 'api-ready'): TickwireError {
  const what =
    stage === 'server-version'
      ? `TWS at ${host}:${port} accepted the connection but sent no server version within ${ms} ms`
      : `TWS at ${host}:${port} answered the handshake but did not send nextValidId and managedAccounts within ${ms} ms`;
  return new TickwireError('TWS_HANDSHAKE_TIMEOUT', `${what}. ${TWS_SETTINGS_HINT}`, {
    reason: stage === 'server-version' ? 'NO_SERVER_VERSION' : 'API_NOT_READY',
  });
}

/** Nothing listens on host:port. */
export function connectionRefusedError(host: string, port: number, cause: unknown): TickwireError {
  return new TickwireError('TWS_CONNECTION_REFUSED', `nothing accepts connections at ${host}:${port}. ${TWS_SETTINGS_HINT}`, {
    reason: 'CONN_REFUSED',
    cause,
  });
}
