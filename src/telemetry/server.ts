/**
 * The telemetry server: one node:http server with
 *   GET /ws/stream               WebSocket (ws, noServer): WELCOME, TELEMETRY, EVENT, commands, resume ?since
 *   GET /api/positions/stream    Server-Sent Events (positions, heartbeat comments)
 *   GET /api/state               the full state as JSON
 *   GET /metrics                 Prometheus text (prom-client)
 *   GET /                        the dashboard (src/telemetry/dashboard/)
 * Security: loopback by default; beyond loopback tokens are required (viewer / operator), origin
 * allow-list, per-IP connection limit, message size limit, slow consumers dropped. See docs/telemetry.md.
 */
import { EventEmitter } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { Duplex } from 'node:stream';

import { WebSocketServer, WebSocket, type RawData } from 'ws';

import { TickwireError } from '../native/errors.js';
import { chooseProtocol, hostHeaderAllowed, isLoopbackHost, originAllowed, requestToken, TokenTable } from './auth.js';
import { TelemetryMetrics } from './metrics.js';
import {
  CHANNELS,
  PROTOCOL_VERSION,
  SOURCE_CHANNELS,
  subscriptionChannel,
  type Channel,
  type ErrorCode,
  type FullState,
  type PositionsSsePayload,
  type Role,
  type SourceChannel,
} from './protocol.js';
import type { RedisPublisher } from './redis.js';
import type { TelemetrySource } from './source.js';
import { DASHBOARD_DIR, serveStatic } from './static.js';

export interface TelemetryOptions {
  /** Bind address. Default 127.0.0.1. Anything not loopback requires `tokens`. */
  host?: string;
  /** Default 8000; 0 picks a free port (see `url`). */
  port?: number;
  /** TELEMETRY packets per second. Default 4. */
  rateHz?: number;
  /** Bearer tokens by role. Required beyond loopback; when set, required on loopback too. */
  tokens?: { viewer?: string[]; operator?: string[] };
  /** Origins allowed for WebSocket and SSE (`*`: any). Default: same origin only. Requests without Origin pass. */
  allowedOrigins?: string[];
  /** WebSocket + SSE connections per remote IP. Default 10. */
  maxConnectionsPerIp?: number;
  /**
   * Largest client message. Default 16 KiB. Larger ones (up to 4×) are answered ERROR TOO_LARGE;
   * beyond 4× the socket is closed with 1009 (ws maxPayload).
   */
  maxMessageBytes?: number;
  /** Broadcast packets kept for `?since=` resume. Default 1024. */
  replayPackets?: number;
  /** A client whose unsent bytes exceed this is dropped (close 1013). Default 4 MiB. */
  maxBufferedBytes?: number;
  /** Serve src/telemetry/dashboard at `/`. Default true. */
  dashboard?: boolean;
  /** Also publish `source` to Redis pub/sub (engine side of the fan-out; see redis.ts). */
  redis?: { url: string; channel?: string };
  /** SSE heartbeat comment interval. Default 15000 ms. */
  sseHeartbeatMs?: number;
  /** WebSocket ping interval; a client that misses a pong is terminated. Default 30000 ms (0: off). */
  pingIntervalMs?: number;
  /** Log sink (malformed messages, drops, commands). Default: stderr. Never receives secrets. */
  log?: (level: 'info' | 'warn' | 'error', message: string) => void;
}

export interface TelemetryServerEvents {
  /** A client was dropped for being slow (its buffered bytes exceeded maxBufferedBytes). */
  slowConsumer: [kind: 'ws' | 'sse', ip: string];
}

interface Resolved {
  host: string;
  port: number;
  rateHz: number;
  allowedOrigins: string[] | undefined;
  maxConnectionsPerIp: number;
  maxMessageBytes: number;
  replayPackets: number;
  maxBufferedBytes: number;
  dashboard: boolean;
  sseHeartbeatMs: number;
  pingIntervalMs: number;
  log: (level: 'info' | 'warn' | 'error', message: string) => void;
}

interface Client {
  ws: WebSocket;
  ip: string;
  role: Role;
  channels: Set<Channel>;
  symbol: string | null;
  alive: boolean;
  dropped: boolean;
}

interface SseClient {
  res: ServerResponse;
  ip: string;
}

/** One broadcast packet, serialized once. `channel` null: TELEMETRY (for every client whose `symbol` equals `symbol`). */
interface Entry {
  seq: number;
  channel: Channel | null;
  symbol: string | null;
  frame: Buffer;
}

function positive(name: string, v: number | undefined, dflt: number, min = 1): number {
  if (v === undefined) return dflt;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min) {
    throw new TickwireError('CONFIG_INVALID', `telemetry.${name}: expected a number >= ${min}, got ${String(v)}`);
  }
  return v;
}

function defaultLog(level: 'info' | 'warn' | 'error', message: string): void {
  process.stderr.write(`[telemetry] ${level}: ${message}\n`);
}

function resolve(o: TelemetryOptions): Resolved {
  const host = o.host ?? '127.0.0.1';
  const port = o.port ?? 8000;
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new TickwireError('CONFIG_INVALID', `telemetry.port: expected an integer 0..65535, got ${String(port)}`);
  }
  return {
    host,
    port,
    rateHz: positive('rateHz', o.rateHz, 4, 0.01),
    allowedOrigins: o.allowedOrigins,
    maxConnectionsPerIp: positive('maxConnectionsPerIp', o.maxConnectionsPerIp, 10),
    maxMessageBytes: positive('maxMessageBytes', o.maxMessageBytes, 16 * 1024, 64),
    replayPackets: positive('replayPackets', o.replayPackets, 1024),
    maxBufferedBytes: positive('maxBufferedBytes', o.maxBufferedBytes, 4 * 1024 * 1024, 1024),
    dashboard: o.dashboard ?? true,
    sseHeartbeatMs: positive('sseHeartbeatMs', o.sseHeartbeatMs, 15_000, 10),
    pingIntervalMs: o.pingIntervalMs === 0 ? 0 : positive('pingIntervalMs', o.pingIntervalMs, 30_000, 10),
    log: o.log ?? defaultLog,
  };
}

const STATUS_TEXT: Record<number, string> = { 400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 429: 'Too Many Requests', 503: 'Service Unavailable' };

function refuseUpgrade(socket: Duplex, status: number, extra: Record<string, string> = {}): void {
  const body = `${STATUS_TEXT[status] ?? 'Error'}\n`;
  const headers = Object.entries({ 'Content-Type': 'text/plain', 'Content-Length': String(body.length), Connection: 'close', ...extra })
    .map(([k, v]) => `${k}: ${v}\r\n`)
    .join('');
  socket.end(`HTTP/1.1 ${status} ${STATUS_TEXT[status] ?? 'Error'}\r\n${headers}\r\n${body}`);
  setTimeout(() => socket.destroy(), 1000).unref();
}

function symbolOf(data: unknown): string | null {
  if (typeof data === 'object' && data !== null && 'symbol' in data) {
    const s = (data as { symbol: unknown }).symbol;
    if (typeof s === 'string') return s;
  }
  return null;
}

function isChannel(c: unknown): c is Channel {
  return typeof c === 'string' && (CHANNELS as readonly string[]).includes(c);
}

export class TelemetryServer extends EventEmitter<TelemetryServerEvents> {
  /** `http://host:port` (127.0.0.1 when bound to 0.0.0.0, [::1] for ::). */
  readonly url: string;
  readonly metrics: TelemetryMetrics;

  private readonly o: Resolved;
  private readonly http: Server;
  private readonly wss: WebSocketServer;
  private readonly tokens: TokenTable;
  private readonly clients = new Set<Client>();
  private readonly sse = new Set<SseClient>();
  private readonly perIp = new Map<string, number>();
  private readonly sockets = new Set<Socket>();
  private readonly ring: Entry[] = [];
  private ringStart = 0;
  /**
   * Sequence numbers go on across server runs: each run starts at its start time × 1000, so a
   * client that resumes with a `since` from an earlier run is always behind this run's first
   * packet and gets a RESYNC, never another run's packets under the same numbers.
   */
  private seq = Date.now() * 1000;
  private significantPending = false;
  private readonly fan = { broadcasts: 0, totalMs: 0, maxMs: 0 };
  private sent = 0;
  private closed = false;
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly onEvent: (channel: SourceChannel, data: unknown) => void;
  private readonly onSignificant: () => void;
  private publisher: RedisPublisher | null = null;

  private constructor(o: Resolved, tokens: TokenTable, private readonly source: TelemetrySource, http: Server, url: string) {
    super();
    this.o = o;
    this.tokens = tokens;
    this.http = http;
    this.url = url;
    this.metrics = new TelemetryMetrics(() => this.source.state(), () => this.sent, () => this.connections);
    this.wss = new WebSocketServer({
      noServer: true,
      clientTracking: false,
      perMessageDeflate: false,
      maxPayload: o.maxMessageBytes * 4,
      handleProtocols: (offered) => chooseProtocol(offered),
    });
    this.onEvent = (channel, data) => this.publishEvent(channel, data);
    this.onSignificant = () => this.scheduleSignificant();
    source.on('event', this.onEvent);
    source.on('significant', this.onSignificant);
    http.on('request', (req, res) => void this.handleRequest(req, res));
    http.on('upgrade', (req, socket, head) => this.handleUpgrade(req, socket, head));
    http.on('connection', (s) => {
      this.sockets.add(s);
      s.once('close', () => this.sockets.delete(s));
    });
    this.timers.push(setInterval(() => this.tick(), 1000 / o.rateHz));
    this.timers.push(setInterval(() => this.heartbeatSse(), o.sseHeartbeatMs));
    if (o.pingIntervalMs > 0) this.timers.push(setInterval(() => this.pingClients(), o.pingIntervalMs));
  }

  /**
   * Starts the server. Throws CONFIG_INVALID when bound beyond loopback without tokens or an option
   * is out of range, CONN_REFUSED when the address cannot be bound.
   */
  static async start(options: TelemetryOptions, source: TelemetrySource): Promise<TelemetryServer> {
    const o = resolve(options);
    const tokens = new TokenTable(options.tokens);
    if (!isLoopbackHost(o.host) && !tokens.enabled) {
      throw new TickwireError(
        'CONFIG_INVALID',
        `telemetry.tokens: required when telemetry.host is not loopback (host ${o.host}); set tokens.viewer and/or tokens.operator`,
      );
    }
    const http = createServer({ requestTimeout: 30_000 });
    await new Promise<void>((resolveListen, reject) => {
      const onError = (err: NodeJS.ErrnoException): void => {
        reject(new TickwireError('CONN_REFUSED', `telemetry: cannot listen on ${o.host}:${o.port}: ${err.code ?? err.message}`, { cause: err }));
      };
      http.once('error', onError);
      http.listen(o.port, o.host, () => {
        http.off('error', onError);
        resolveListen();
      });
    });
    const addr = http.address() as AddressInfo;
    const shown = o.host === '0.0.0.0' ? '127.0.0.1' : o.host === '::' ? '::1' : o.host;
    const url = `http://${shown.includes(':') ? `[${shown}]` : shown}:${addr.port}`;
    const server = new TelemetryServer(o, tokens, source, http, url);
    if (options.redis !== undefined) {
      const { publishTelemetry } = await import('./redis.js'); // ioredis loads only when used
      server.publisher = await publishTelemetry(source, { url: options.redis.url, ...(options.redis.channel === undefined ? {} : { channel: options.redis.channel }), rateHz: o.rateHz });
    }
    return server;
  }

  /** The last broadcast sequence number. */
  get lastSeq(): number {
    return this.seq;
  }

  /** Connected WebSocket and SSE clients. */
  get connections(): { ws: number; sse: number } {
    return { ws: this.clients.size, sse: this.sse.size };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const t of this.timers) clearInterval(t);
    this.source.off('event', this.onEvent);
    this.source.off('significant', this.onSignificant);
    for (const c of this.clients) c.ws.close(1001, 'server shutting down');
    for (const s of this.sse) s.res.end();
    this.clients.clear();
    this.sse.clear();
    await this.publisher?.close();
    await new Promise<void>((r) => {
      this.http.close(() => r());
      setTimeout(() => {
        for (const s of this.sockets) s.destroy();
      }, 500).unref();
    });
    this.wss.close();
  }

  // ---- broadcast ----

  /** Numbers, serializes and keeps a broadcast packet; null (logged) when it cannot be serialized. */
  private record(channel: Channel | null, symbol: string | null, packet: Record<string, unknown>): Entry | null {
    let json: string;
    try {
      packet.seq = this.seq + 1;
      json = JSON.stringify(packet);
    } catch (err) {
      this.log('error', `${String(packet.type)}${channel === null ? '' : ` on ${channel}`} not sent: cannot serialize (${(err as Error).message})`);
      return null;
    }
    const seq = ++this.seq;
    const entry: Entry = { seq, channel, symbol, frame: Buffer.from(json) };
    if (this.ring.length < this.o.replayPackets) {
      this.ring.push(entry);
    } else {
      this.ring[this.ringStart] = entry;
      this.ringStart = (this.ringStart + 1) % this.o.replayPackets;
    }
    this.metrics.packets.inc({ type: channel === null ? 'TELEMETRY' : 'EVENT' });
    return entry;
  }

  private matches(c: Client, e: Entry): boolean {
    if (e.channel === null) return c.symbol === e.symbol;
    if (!c.channels.has(e.channel)) return false;
    return c.symbol === null || e.symbol === null || e.symbol === c.symbol;
  }

  private deliver(e: Entry): void {
    const t0 = performance.now();
    for (const c of this.clients) {
      if (this.matches(c, e)) this.sendFrame(c, e.frame);
    }
    const ms = performance.now() - t0;
    this.fan.broadcasts++;
    this.fan.totalMs += ms;
    if (ms > this.fan.maxMs) this.fan.maxMs = ms;
  }

  /** Time spent writing broadcasts to every matching client (the fan-out loop), since start. */
  get fanout(): { broadcasts: number; meanMs: number; maxMs: number } {
    return { broadcasts: this.fan.broadcasts, meanMs: this.fan.broadcasts === 0 ? 0 : this.fan.totalMs / this.fan.broadcasts, maxMs: this.fan.maxMs };
  }

  /** Sends a serialized packet (one Buffer shared by every client of a broadcast) as a text frame. */
  private sendFrame(c: Client, frame: Buffer): void {
    if (c.dropped || c.ws.readyState !== WebSocket.OPEN) return;
    c.ws.send(frame, { binary: false, compress: false, fin: true });
    this.sent++;
    if (c.ws.bufferedAmount > this.o.maxBufferedBytes) this.dropSlow(c);
  }

  private sendPacket(c: Client, packet: Record<string, unknown>): void {
    this.sendFrame(c, Buffer.from(JSON.stringify(packet)));
  }

  private dropSlow(c: Client): void {
    c.dropped = true;
    this.clients.delete(c);
    this.metrics.slowDrops.inc({ kind: 'ws' });
    this.o.log('warn', `slow consumer ${c.ip} dropped: ${c.ws.bufferedAmount} bytes unsent (limit ${this.o.maxBufferedBytes})`);
    this.emit('slowConsumer', 'ws', c.ip);
    c.ws.close(1013, 'slow consumer');
    setTimeout(() => c.ws.terminate(), 1000).unref();
  }

  private publishTelemetry(symbol: string | null): void {
    let sample;
    try {
      sample = symbol === null ? this.source.telemetry() : this.source.telemetry(symbol);
    } catch (err) {
      this.o.log('error', `source.telemetry() threw: ${(err as Error).message}`);
      return;
    }
    const entry = this.record(null, symbol, { type: 'TELEMETRY', seq: 0, ...sample, timestamp: sample.timestamp || Date.now() });
    if (entry !== null) this.deliver(entry);
  }

  private tick(): void {
    this.publishTelemetry(null);
    const symbols = new Set<string>();
    for (const c of this.clients) if (c.symbol !== null) symbols.add(c.symbol);
    for (const s of symbols) this.publishTelemetry(s);
  }

  private scheduleSignificant(): void {
    if (this.significantPending || this.closed) return;
    this.significantPending = true;
    setImmediate(() => {
      this.significantPending = false;
      if (!this.closed) this.tick();
    });
  }

  private publishEvent(channel: SourceChannel, data: unknown): void {
    if (!(SOURCE_CHANNELS as readonly string[]).includes(channel)) return;
    const symbol = symbolOf(data);
    const entry = this.record(subscriptionChannel(channel), symbol, { type: 'EVENT', seq: 0, channel, ts: Date.now(), data });
    if (entry === null) return;
    this.deliver(entry);
    if (channel === 'portfolio' && this.sse.size > 0) this.ssePositions(data);
  }

  // ---- HTTP ----

  private log(level: 'info' | 'warn' | 'error', message: string): void {
    this.o.log(level, message);
  }

  private ipOf(req: IncomingMessage): string {
    return req.socket.remoteAddress ?? 'unknown';
  }

  /** Role for a request, or an HTTP status to refuse it with. */
  private authorize(req: IncomingMessage, ws: boolean): Role | 401 | 403 {
    if (isLoopbackHost(this.o.host) && !hostHeaderAllowed(req)) {
      this.metrics.rejected.inc({ reason: 'host' });
      return 403;
    }
    if (!this.tokens.enabled) return 'operator';
    const token = requestToken(req, ws);
    const role = token === null ? null : this.tokens.roleOf(token);
    if (role === null) {
      this.metrics.rejected.inc({ reason: 'auth' });
      this.log('warn', `${this.ipOf(req)} ${req.url?.split('?')[0] ?? ''}: ${token === null ? 'no token' : 'unknown token'}`);
      return 401;
    }
    return role;
  }

  private takeSlot(ip: string): boolean {
    const n = this.perIp.get(ip) ?? 0;
    if (n >= this.o.maxConnectionsPerIp) {
      this.metrics.rejected.inc({ reason: 'per-ip-limit' });
      this.log('warn', `${ip}: per-IP connection limit (${this.o.maxConnectionsPerIp}) reached`);
      return false;
    }
    this.perIp.set(ip, n + 1);
    return true;
  }

  private releaseSlot(ip: string): void {
    const n = (this.perIp.get(ip) ?? 1) - 1;
    if (n <= 0) this.perIp.delete(ip);
    else this.perIp.set(ip, n);
  }

  private async handleRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://x');
    const path = url.pathname;
    const text = (status: number, body: string, headers: Record<string, string> = {}): void => {
      res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', ...headers });
      res.end(`${body}\n`);
    };
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      text(405, 'Method Not Allowed', { allow: 'GET, HEAD' });
      return;
    }
    try {
      if (path === '/api/state' || path === '/metrics' || path === '/api/positions/stream') {
        const role = this.authorize(req, false);
        if (role === 401) return text(401, 'Unauthorized', { 'www-authenticate': 'Bearer' });
        if (role === 403) return text(403, 'Forbidden');
        if (path === '/api/state') {
          const body = JSON.stringify(this.source.state());
          res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
          res.end(req.method === 'HEAD' ? undefined : body);
          return;
        }
        if (path === '/metrics') {
          const body = await this.metrics.registry.metrics();
          res.writeHead(200, { 'content-type': this.metrics.registry.contentType });
          res.end(req.method === 'HEAD' ? undefined : body);
          return;
        }
        return this.openSse(req, res);
      }
      if (path === '/ws/stream') return text(426, 'Upgrade Required', { upgrade: 'websocket' });
      if (this.o.dashboard && (await serveStatic(DASHBOARD_DIR, path, res, req.method === 'HEAD'))) return;
      text(404, 'Not Found');
    } catch (err) {
      this.log('error', `${path}: ${(err as Error).message}`);
      if (!res.headersSent) text(500, 'Internal Server Error');
      else res.destroy();
    }
  }

  // ---- SSE ----

  private openSse(req: IncomingMessage, res: ServerResponse): void {
    if (!originAllowed(req, this.o.allowedOrigins)) {
      this.metrics.rejected.inc({ reason: 'origin' });
      this.log('warn', `${this.ipOf(req)}: SSE origin ${req.headers.origin ?? ''} not allowed`);
      res.writeHead(403, { 'content-type': 'text/plain' }).end('Forbidden\n');
      return;
    }
    const ip = this.ipOf(req);
    if (!this.takeSlot(ip)) {
      res.writeHead(429, { 'content-type': 'text/plain', 'retry-after': '5' }).end('Too Many Requests\n');
      return;
    }
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    const client: SseClient = { res, ip };
    this.sse.add(client);
    this.metrics.connections.inc({ kind: 'sse' });
    res.write(`retry: 2000\n: hb ${Date.now()}\n\n`);
    const st = this.source.state();
    this.sseWrite(client, `event: positions\ndata: ${JSON.stringify({ ts: Date.now(), portfolio: st.portfolio, positions: st.positions } satisfies PositionsSsePayload)}\n\n`);
    const done = (): void => {
      if (!this.sse.delete(client)) return;
      this.releaseSlot(ip);
    };
    res.once('close', done);
    req.socket.once('close', done);
  }

  private sseWrite(c: SseClient, chunk: string): void {
    if (c.res.destroyed) return;
    c.res.write(chunk);
    if (c.res.writableLength > this.o.maxBufferedBytes) {
      this.metrics.slowDrops.inc({ kind: 'sse' });
      this.log('warn', `slow SSE consumer ${c.ip} dropped`);
      this.emit('slowConsumer', 'sse', c.ip);
      c.res.destroy();
    }
  }

  private ssePositions(data: unknown): void {
    const d = data as Partial<PositionsSsePayload & FullState['portfolio']>;
    const payload = {
      ts: Date.now(),
      portfolio: { nav: d.nav ?? 0, cash: d.cash ?? 0, daily_pnl: d.daily_pnl ?? 0, max_drawdown: d.max_drawdown ?? 0 },
      positions: Array.isArray(d.positions) ? d.positions : [],
    } satisfies PositionsSsePayload;
    const chunk = `id: ${this.seq}\nevent: positions\ndata: ${JSON.stringify(payload)}\n\n`;
    for (const c of this.sse) this.sseWrite(c, chunk);
  }

  private heartbeatSse(): void {
    const chunk = `: hb ${Date.now()}\n\n`;
    for (const c of this.sse) this.sseWrite(c, chunk);
  }

  // ---- WebSocket ----

  private handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    socket.on('error', () => socket.destroy());
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.pathname !== '/ws/stream' || this.closed) {
      refuseUpgrade(socket, this.closed ? 503 : 404);
      return;
    }
    const ip = this.ipOf(req);
    if (!originAllowed(req, this.o.allowedOrigins)) {
      this.metrics.rejected.inc({ reason: 'origin' });
      this.log('warn', `${ip}: WebSocket origin ${req.headers.origin ?? ''} not allowed`);
      refuseUpgrade(socket, 403);
      return;
    }
    const role = this.authorize(req, true);
    if (role === 401) {
      refuseUpgrade(socket, 401, { 'WWW-Authenticate': 'Bearer' });
      return;
    }
    if (role === 403) {
      refuseUpgrade(socket, 403);
      return;
    }
    if (!this.takeSlot(ip)) {
      refuseUpgrade(socket, 429, { 'Retry-After': '5' });
      return;
    }
    let released = false;
    const release = (): void => {
      if (!released) {
        released = true;
        this.releaseSlot(ip);
      }
    };
    socket.once('close', release);
    this.wss.handleUpgrade(req, socket, head, (ws) => this.accept(ws, req, ip, role, url, release));
  }

  private accept(ws: WebSocket, req: IncomingMessage, ip: string, role: Role, url: URL, release: () => void): void {
    void req;
    const client: Client = { ws, ip, role, channels: new Set(CHANNELS), symbol: null, alive: true, dropped: false };
    // Subscription in the URL, so a resume replays what the client wants: ?channels=a,b&symbol=X
    const ch = url.searchParams.get('channels');
    if (ch !== null) client.channels = new Set(ch.split(',').filter(isChannel));
    const sym = url.searchParams.get('symbol');
    if (sym !== null && sym.length > 0 && sym.length <= 64) client.symbol = sym;
    this.metrics.connections.inc({ kind: 'ws' });
    ws.on('pong', () => (client.alive = true));
    ws.on('message', (data, isBinary) => this.onMessage(client, data, isBinary));
    ws.on('error', (err) => this.log('warn', `client ${ip}: ${err.message}`));
    ws.once('close', () => {
      this.clients.delete(client);
      release();
    });

    const since = url.searchParams.get('since');
    const sinceSeq = since !== null && /^\d+$/.test(since) ? Number(since) : null;
    let state: FullState;
    try {
      state = this.source.state();
    } catch (err) {
      this.log('error', `source.state() threw: ${(err as Error).message}`);
      ws.close(1011, 'state unavailable');
      return;
    }
    if (sinceSeq === null) {
      this.sendPacket(client, {
        type: 'WELCOME',
        seq: this.seq,
        protocol: PROTOCOL_VERSION,
        role,
        rateHz: this.o.rateHz,
        channels: [...client.channels],
        symbol: client.symbol,
        state,
      });
    } else {
      const first = this.seq - this.ring.length + 1;
      if (sinceSeq > this.seq || sinceSeq + 1 < first) {
        this.metrics.replays.inc({ result: 'resync' });
        this.sendPacket(client, { type: 'RESYNC', seq: this.seq, reason: sinceSeq > this.seq ? 'unknown-seq' : 'too-old', role, state });
      } else {
        this.metrics.replays.inc({ result: 'replay' });
        for (let s = sinceSeq + 1; s <= this.seq; s++) {
          const e = this.ring[(this.ringStart + (s - first)) % this.ring.length];
          if (e !== undefined && this.matches(client, e)) this.sendFrame(client, e.frame);
        }
      }
    }
    if (!client.dropped) this.clients.add(client);
  }

  private pingClients(): void {
    for (const c of this.clients) {
      if (!c.alive) {
        this.log('info', `client ${c.ip}: no pong, terminated`);
        c.ws.terminate();
        continue;
      }
      c.alive = false;
      c.ws.ping();
    }
  }

  private reply(c: Client, packet: Record<string, unknown>): void {
    if (c.dropped || c.ws.readyState !== WebSocket.OPEN) return;
    c.ws.send(JSON.stringify({ ...packet, seq: this.seq }));
  }

  private error(c: Client, id: string | null, code: ErrorCode, message: string, logIt = true): void {
    this.metrics.clientErrors.inc({ code });
    if (logIt) this.log('warn', `client ${c.ip} (${c.role}): ${code}: ${message}`);
    this.reply(c, { type: 'ERROR', id, code, message });
  }

  private onMessage(c: Client, data: RawData, isBinary: boolean): void {
    const buf = Array.isArray(data) ? Buffer.concat(data) : Buffer.isBuffer(data) ? data : Buffer.from(data);
    if (buf.length > this.o.maxMessageBytes) {
      this.error(c, null, 'TOO_LARGE', `message of ${buf.length} bytes exceeds the limit of ${this.o.maxMessageBytes}`);
      return;
    }
    if (isBinary) {
      this.error(c, null, 'BAD_MESSAGE', 'binary messages are not accepted: send JSON text');
      return;
    }
    let msg: unknown;
    try {
      msg = JSON.parse(buf.toString('utf8'));
    } catch {
      this.error(c, null, 'BAD_JSON', 'message is not valid JSON');
      return;
    }
    if (typeof msg !== 'object' || msg === null || Array.isArray(msg)) {
      this.error(c, null, 'BAD_MESSAGE', 'message must be a JSON object {type, id, ...}');
      return;
    }
    const m = msg as Record<string, unknown>;
    const id = m.id;
    if (typeof id !== 'string' || id.length === 0 || id.length > 128) {
      this.error(c, null, 'MISSING_ID', 'every command needs an "id": a string of 1..128 characters');
      return;
    }
    const type = m.type;
    switch (type) {
      case 'PING':
        this.metrics.commands.inc({ type, result: 'ack' });
        this.reply(c, { type: 'ACK', id });
        this.reply(c, { type: 'PONG', id, ts: Date.now() });
        return;
      case 'SUBSCRIBE':
        this.subscribe(c, id, m);
        return;
      case 'HALT':
      case 'RESUME':
        void this.control(c, id, type, m);
        return;
      default:
        this.metrics.commands.inc({ type: 'unknown', result: 'error' });
        this.error(c, id, 'UNKNOWN_TYPE', `unknown command type ${JSON.stringify(type)?.slice(0, 40) ?? 'undefined'}: expected PING, SUBSCRIBE, HALT or RESUME`);
    }
  }

  private subscribe(c: Client, id: string, m: Record<string, unknown>): void {
    const hasSymbol = 'symbol' in m;
    const hasChannels = 'channels' in m;
    if (!hasSymbol && !hasChannels) {
      this.metrics.commands.inc({ type: 'SUBSCRIBE', result: 'error' });
      this.error(c, id, 'BAD_MESSAGE', 'SUBSCRIBE needs "symbol" (string or null) and/or "channels" (array)');
      return;
    }
    let symbol = c.symbol;
    if (hasSymbol) {
      const s = m.symbol;
      if (s !== null && (typeof s !== 'string' || s.length === 0 || s.length > 64)) {
        this.metrics.commands.inc({ type: 'SUBSCRIBE', result: 'error' });
        this.error(c, id, 'BAD_MESSAGE', 'SUBSCRIBE "symbol" must be a string of 1..64 characters or null');
        return;
      }
      symbol = s;
    }
    let channels = c.channels;
    if (hasChannels) {
      const ch = m.channels;
      if (!Array.isArray(ch)) {
        this.metrics.commands.inc({ type: 'SUBSCRIBE', result: 'error' });
        this.error(c, id, 'BAD_CHANNEL', `SUBSCRIBE "channels" must be an array of ${CHANNELS.join(', ')}`);
        return;
      }
      const bad = ch.filter((x) => !isChannel(x));
      if (bad.length > 0) {
        this.metrics.commands.inc({ type: 'SUBSCRIBE', result: 'error' });
        this.error(c, id, 'BAD_CHANNEL', `unknown channel(s) ${JSON.stringify(bad).slice(0, 80)}: expected ${CHANNELS.join(', ')}`);
        return;
      }
      channels = new Set(ch as Channel[]);
    }
    c.symbol = symbol;
    c.channels = channels;
    this.metrics.commands.inc({ type: 'SUBSCRIBE', result: 'ack' });
    this.reply(c, { type: 'ACK', id });
  }

  private async control(c: Client, id: string, type: 'HALT' | 'RESUME', m: Record<string, unknown>): Promise<void> {
    if (c.role !== 'operator') {
      this.metrics.commands.inc({ type, result: 'forbidden' });
      this.error(c, id, 'FORBIDDEN', `${type} needs the operator role (this connection is ${c.role})`);
      return;
    }
    const by = `operator@${c.ip}`;
    try {
      if (type === 'HALT') {
        const reason = typeof m.reason === 'string' && m.reason.length > 0 ? m.reason.slice(0, 200) : 'operator HALT';
        this.log('info', `HALT by ${by}: ${reason}`);
        await this.source.halt(reason, by);
      } else {
        this.log('info', `RESUME by ${by}`);
        await this.source.resume(by);
      }
      this.metrics.commands.inc({ type, result: 'ack' });
      this.reply(c, { type: 'ACK', id });
      this.scheduleSignificant();
    } catch (err) {
      this.metrics.commands.inc({ type, result: 'error' });
      this.error(c, id, 'COMMAND_FAILED', `${type} failed: ${(err as Error).message}`);
    }
  }
}
