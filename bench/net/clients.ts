/**
 * Opening and closing each client under test the way a user would: tickwire's connect(), the `ws`
 * client (bufferutil installed, so it masks and unmasks with it), undici's WebSocket, and raw
 * node:net / node:tls sockets for floors. Message handlers live in the suites, written out per
 * client, so no shared wrapper adds a call (or a megamorphic call site) to anyone's hot path.
 */
import { once } from 'node:events';
import { connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect, type SecureContext, type TLSSocket } from 'node:tls';

import { Agent, WebSocket as UndiciWebSocket } from 'undici';
import WebSocket from 'ws';

import { connect, type ConnectOptions, type TickwireWebSocket } from '../../src/index.js';
import { within } from '../lib/net.js';

export type { TickwireWebSocket };
export { UndiciWebSocket, WebSocket as WsWebSocket };
export type { MessageEvent as UndiciMessageEvent } from 'undici';

export interface TlsInfo {
  ca: string;
  servername: string;
}

export async function openTickwire(url: string, tls: TlsInfo, extra: ConnectOptions = {}): Promise<TickwireWebSocket> {
  const secure = url.startsWith('wss:');
  const tlsOpt = secure ? { tls: { ca: tls.ca, servername: tls.servername, ...(extra.tls ?? {}) } } : {};
  return within(connect(url, { reconnect: false, ...extra, ...tlsOpt }), 15_000, `tickwire connect ${url}`);
}

export async function closeTickwire(ws: TickwireWebSocket): Promise<void> {
  if (ws.readyState === 'closed') return;
  const closed = new Promise<void>((r) => ws.once('close', () => r()));
  ws.close();
  await within(closed, 10_000, 'tickwire close');
}

export async function openWs(url: string, tls: TlsInfo, extra: WebSocket.ClientOptions = {}): Promise<WebSocket> {
  // ca and servername go through to tls.connect (ws passes its options on).
  const opts = url.startsWith('wss:') ? ({ ca: tls.ca, servername: tls.servername, ...extra } as WebSocket.ClientOptions) : extra;
  const ws = new WebSocket(url, opts);
  ws.on('error', () => {});
  await within(once(ws, 'open'), 15_000, `ws connect ${url}`);
  return ws;
}

export async function closeWs(ws: WebSocket): Promise<void> {
  if (ws.readyState === WebSocket.CLOSED) return;
  const closed = once(ws, 'close');
  ws.close();
  await within(closed, 10_000, 'ws close');
}

/** One undici Agent per TLS setting: `maxCachedSessions: 0` makes every connection a full handshake. */
const agents = new Map<string, Agent>();
export function undiciAgent(tls: TlsInfo, maxCachedSessions?: number): Agent {
  const k = `${tls.servername}|${maxCachedSessions ?? 'default'}`;
  let a = agents.get(k);
  if (!a) {
    a = new Agent({ connect: { ca: tls.ca, servername: tls.servername, ...(maxCachedSessions === undefined ? {} : { maxCachedSessions }) } });
    agents.set(k, a);
  }
  return a;
}

export async function openUndici(url: string, tls: TlsInfo, maxCachedSessions?: number): Promise<UndiciWebSocket> {
  const ws = new UndiciWebSocket(url, { dispatcher: undiciAgent(tls, maxCachedSessions) });
  ws.binaryType = 'arraybuffer';
  await within(
    new Promise<void>((resolve, reject) => {
      ws.addEventListener('open', () => resolve(), { once: true });
      ws.addEventListener('error', (e) => reject(new Error(`undici WebSocket: ${String((e as { message?: string }).message ?? 'error')}`)), { once: true });
    }),
    15_000,
    `undici connect ${url}`,
  );
  return ws;
}

export async function closeUndici(ws: UndiciWebSocket): Promise<void> {
  if (ws.readyState === UndiciWebSocket.CLOSED) return;
  const closed = new Promise<void>((r) => ws.addEventListener('close', () => r(), { once: true }));
  ws.close();
  await within(closed, 10_000, 'undici close');
}

export async function closeAgents(): Promise<void> {
  for (const a of agents.values()) await a.close().catch(() => {});
  agents.clear();
}

/** A plain TCP or TLS socket (TCP_NODELAY) to 127.0.0.1:port. */
export async function openRaw(port: number, secure: boolean, tls: TlsInfo, secureContext?: SecureContext): Promise<Socket | TLSSocket> {
  const s = secure
    ? tlsConnect({ host: '127.0.0.1', port, servername: tls.servername, ...(secureContext ? { secureContext } : { ca: tls.ca }) })
    : netConnect(port, '127.0.0.1');
  s.setNoDelay(true);
  s.on('error', () => {});
  await within(once(s, secure ? 'secureConnect' : 'connect'), 15_000, `raw connect ${port}`);
  return s;
}

/** A raw socket that did the WebSocket upgrade itself (to `path`), for the no-parsing ceiling. */
export async function openRawUpgraded(port: number, secure: boolean, tls: TlsInfo, path: string): Promise<Socket | TLSSocket> {
  const s = await openRaw(port, secure, tls);
  s.write(
    `GET ${path} HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
      'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n',
  );
  let head = '';
  await within(
    new Promise<void>((resolve, reject) => {
      const on = (d: Buffer): void => {
        head += d.toString('latin1');
        const end = head.indexOf('\r\n\r\n');
        if (end < 0) return;
        s.off('data', on);
        if (!head.startsWith('HTTP/1.1 101')) reject(new Error(`upgrade refused: ${head.split('\r\n')[0] ?? ''}`));
        else if (end + 4 !== head.length) reject(new Error('data after the upgrade response'));
        else resolve();
      };
      s.on('data', on);
    }),
    15_000,
    'raw upgrade',
  );
  return s;
}

/** A client → server text frame (masked with a zero key, so the payload is unchanged). */
export function clientTextFrame(text: string): Buffer {
  const p = Buffer.from(text);
  if (p.length > 125) throw new Error('clientTextFrame: short texts only');
  return Buffer.concat([Buffer.from([0x81, 0x80 | p.length, 0, 0, 0, 0]), p]);
}

/** Bytes on the wire of one server frame with a `size`-byte payload. */
export function serverFrameLen(size: number): number {
  return size + (size < 126 ? 2 : size < 65536 ? 4 : 10);
}
