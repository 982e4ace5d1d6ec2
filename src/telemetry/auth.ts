/**
 * Who may talk to the telemetry server: loopback detection, bearer / subprotocol tokens with two
 * roles, the origin allow-list and the Host check (DNS rebinding) for loopback binds.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { isIP } from 'node:net';

import { SUBPROTOCOL, TOKEN_SUBPROTOCOL_PREFIX, type Role } from './protocol.js';

/** true for 127.0.0.0/8, ::1, ::ffff:127.x and `localhost`. */
export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (h === 'localhost' || h.endsWith('.localhost')) return true;
  if (h === '::1') return true;
  if (h.startsWith('::ffff:')) return isLoopbackHost(h.slice(7));
  return isIP(h) === 4 && h.startsWith('127.');
}

function digest(s: string): Buffer {
  return createHash('sha256').update(s).digest();
}

/** Constant-time token table: sha256 digests, never the tokens themselves in logs. */
export class TokenTable {
  private readonly entries: Array<{ d: Buffer; role: Role }> = [];

  constructor(tokens: { viewer?: readonly string[]; operator?: readonly string[] } | undefined) {
    for (const t of tokens?.operator ?? []) this.entries.push({ d: digest(t), role: 'operator' });
    for (const t of tokens?.viewer ?? []) this.entries.push({ d: digest(t), role: 'viewer' });
  }

  get enabled(): boolean {
    return this.entries.length > 0;
  }

  /** The role a token grants (operator wins when a token is listed twice), or null. */
  roleOf(token: string): Role | null {
    const d = digest(token);
    let role: Role | null = null;
    for (const e of this.entries) {
      if (timingSafeEqual(e.d, d) && role !== 'operator') role = e.role;
    }
    return role;
  }
}

/** The offered subprotocols (Sec-WebSocket-Protocol), trimmed. */
export function offeredProtocols(req: IncomingMessage): string[] {
  const h = req.headers['sec-websocket-protocol'];
  if (h === undefined) return [];
  return h
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

/** The token a request carries: `Authorization: Bearer <t>`, or (WebSocket) a `tickwire.token.<t>` subprotocol. */
export function requestToken(req: IncomingMessage, allowSubprotocol: boolean): string | null {
  const auth = req.headers.authorization;
  if (auth !== undefined) {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(auth);
    return m?.[1] ?? null;
  }
  if (allowSubprotocol) {
    for (const p of offeredProtocols(req)) {
      if (p.startsWith(TOKEN_SUBPROTOCOL_PREFIX) && p.length > TOKEN_SUBPROTOCOL_PREFIX.length) {
        return p.slice(TOKEN_SUBPROTOCOL_PREFIX.length);
      }
    }
  }
  return null;
}

/**
 * The subprotocol to answer with: `tickwire.v1` when offered, else the token protocol the browser
 * offered (a browser fails the handshake when it offered protocols and none is answered), else none.
 */
export function chooseProtocol(offered: Set<string>): string | false {
  if (offered.has(SUBPROTOCOL)) return SUBPROTOCOL;
  for (const p of offered) if (p.startsWith(TOKEN_SUBPROTOCOL_PREFIX)) return p;
  return false;
}

function normalizeOrigin(o: string): string {
  return o.trim().replace(/\/+$/, '').toLowerCase();
}

/**
 * Origin policy for WebSocket and SSE. No Origin header (a non-browser client): allowed. With an
 * allow-list: the origin must be listed (`*` allows any). Without one: same origin only
 * (`http(s)://<Host header>`).
 */
export function originAllowed(req: IncomingMessage, allowed: readonly string[] | undefined): boolean {
  const origin = req.headers.origin;
  if (origin === undefined) return true;
  const o = normalizeOrigin(origin);
  if (allowed !== undefined && allowed.length > 0) {
    return allowed.some((a) => a === '*' || normalizeOrigin(a) === o);
  }
  const host = req.headers.host?.toLowerCase();
  if (host === undefined) return false;
  return o === `http://${host}` || o === `https://${host}`;
}

/** For loopback binds: the Host header must name a loopback host (defeats DNS rebinding). */
export function hostHeaderAllowed(req: IncomingMessage): boolean {
  const host = req.headers.host;
  if (host === undefined) return true; // HTTP/1.0 without Host: only a local, non-browser client
  const m = /^(\[[^\]]+\]|[^:]+)(?::\d+)?$/.exec(host.trim());
  if (m === null || m[1] === undefined) return false;
  return isLoopbackHost(m[1]);
}
