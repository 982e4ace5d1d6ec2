/**
 * The simulator's server core, venue-neutral: a real TLS WebSocket server on loopback (node:https
 * + the `ws` package) that owns the market, the matching engine and the fault controller, and
 * hands every connection to one venue protocol module (src/sim/<venue>.ts), which speaks that
 * venue's paths and messages. See docs/simulator.md for adding a venue.
 *
 * ```ts
 * const server = await SimServer.start({ venue: 'binance', seed: 7 });
 * const ws = await connect(`${server.url}/ws/btcusdt@trade`, { tls: server.clientTls() });
 * ```
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';

import { WebSocketServer, type WebSocket } from 'ws';

import type { TlsOptions } from '../net/options.js';
import { generateCertificate, spkiPin } from './cert.js';
import { Faults, type MalformedKind } from './faults.js';
import { DEFAULT_SYMBOLS, Market, type SymbolSpec } from './market.js';
import { Matching } from './matching.js';
import { SIM_VENUES } from './venues.js';

/** API key and secret the simulator accepts unless configured otherwise. */
export const DEMO_CREDENTIALS = { apiKey: 'simkey', secret: 'simsecret' } as const;

/** One client connection, as venue modules see it. */
export class SimClient {
  static #nextId = 1;
  readonly id = SimClient.#nextId++;
  readonly ws: WebSocket;
  readonly url: URL;
  readonly #faults: Faults;
  /** When the last unanswered server ping went out (0: none outstanding). */
  pingSentAt = 0;

  constructor(ws: WebSocket, url: URL, faults: Faults) {
    this.ws = ws;
    this.url = url;
    this.#faults = faults;
    ws.on('pong', () => (this.pingSentAt = 0));
  }

  get open(): boolean {
    return this.ws.readyState === this.ws.OPEN;
  }

  /** Sends a text message unless the connection is closed or the server is silenced; returns whether it went out. */
  send(text: string): boolean {
    if (this.#faults.silent || this.ws.readyState !== this.ws.OPEN) return false;
    this.ws.send(text);
    return true;
  }
}

/** What a venue protocol module gets from the core. */
export interface SimContext {
  readonly market: Market;
  readonly matching: Matching;
  readonly faults: Faults;
  /** API key → secret. */
  readonly credentials: ReadonlyMap<string, string>;
  readonly clients: ReadonlySet<SimClient>;
  log(line: string): void;
}

/** A venue protocol module: created once per server by its factory in src/sim/venues.ts. */
export interface SimVenue {
  /** Accept a WebSocket upgrade to `url`? null = accept; otherwise the HTTP status and text to refuse with. */
  route(url: URL): { status: number; message: string } | null;
  /** A client connected on an accepted path: attach its message handler, remember its subscriptions. */
  connection(client: SimClient): void;
  /** A plain HTTPS request (REST endpoints); return false to answer 404. */
  http?(req: IncomingMessage, res: ServerResponse, url: URL): boolean;
  /** Send one malformed message to each market-data client (the 'malformed' fault). */
  malformed(kind: MalformedKind): void;
  /** Before a graceful drop: the venue's shutdown notice to this client, if it has one. */
  shutdownNotice?(client: SimClient): void;
  /** Paths to print at start (`/ws/<stream>`, …). */
  readonly paths: readonly string[];
}

export type SimVenueFactory = (ctx: SimContext) => SimVenue;

export interface SimOptions {
  /** A registered venue name (see SIM_VENUES) or a factory. */
  venue: string | SimVenueFactory;
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 0 (an ephemeral port). */
  port?: number;
  /** PRNG seed of the market. Default 1. */
  seed?: number;
  symbols?: readonly SymbolSpec[];
  /** Default: simkey / simsecret. */
  credentials?: ReadonlyArray<{ apiKey: string; secret: string }>;
  /** Step every symbol this often; 0 = only when told (`market.step()` / `market.burst()`). Default 100. */
  tickIntervalMs?: number;
  /** Ping every client this often (Binance: 20 s); 0 = never. Default 20 000. */
  pingIntervalMs?: number;
  /** A client that has not answered a ping after this long is cut (Binance: 60 s). Default 60 000. */
  pongTimeoutMs?: number;
  /** Key and certificate to serve; default: a fresh self-signed one. */
  tls?: { key: string; cert: string };
  log?: (line: string) => void;
}

export class SimServer {
  readonly market: Market;
  readonly matching: Matching;
  readonly faults: Faults;
  /** PEM certificate the server presents. */
  readonly cert: string;
  /** Its SPKI pin, `sha256/<base64>`. */
  readonly pin: string;
  readonly host: string;
  readonly port: number;
  readonly venue: SimVenue;
  readonly #server: Server;
  readonly #wss: WebSocketServer;
  readonly #clients: Set<SimClient>;
  /** TLS sockets (paused while silenced). */
  readonly #sockets = new Set<Duplex>();
  readonly #pingTimer: NodeJS.Timeout | null;
  readonly #log: (line: string) => void;

  private constructor(
    server: Server,
    wss: WebSocketServer,
    venue: SimVenue,
    ctx: SimContext,
    clients: Set<SimClient>,
    cert: string,
    host: string,
    port: number,
    opts: SimOptions,
  ) {
    this.#server = server;
    this.#clients = clients;
    this.#log = ctx.log;
    this.#wss = wss;
    this.venue = venue;
    this.market = ctx.market;
    this.matching = ctx.matching;
    this.faults = ctx.faults;
    this.cert = cert;
    this.pin = spkiPin(cert);
    this.host = host;
    this.port = port;
    const pingMs = opts.pingIntervalMs ?? 20_000;
    const pongTimeout = opts.pongTimeoutMs ?? 60_000;
    this.#pingTimer = pingMs > 0 ? setInterval(() => this.#ping(pongTimeout), pingMs) : null;
    this.#pingTimer?.unref();
  }

  /** Starts a simulator; resolves once it listens. */
  static async start(opts: SimOptions): Promise<SimServer> {
    const factory = typeof opts.venue === 'function' ? opts.venue : SIM_VENUES[opts.venue];
    if (!factory) throw new Error(`sim: unknown venue '${String(opts.venue)}' (known: ${Object.keys(SIM_VENUES).join(', ')})`);
    const host = opts.host ?? '127.0.0.1';
    const tls = opts.tls ?? (await generateCertificate());
    const market = new Market(opts.seed ?? 1, opts.symbols ?? DEFAULT_SYMBOLS);
    const matching = new Matching(market);
    const faults = new Faults();
    const clients = new Set<SimClient>();
    const creds = opts.credentials ?? [DEMO_CREDENTIALS];
    const log = opts.log ?? (() => undefined);
    const ctx: SimContext = { market, matching, faults, credentials: new Map(creds.map((c) => [c.apiKey, c.secret])), clients, log };
    const venue = factory(ctx);

    const server = createServer({ key: tls.key, cert: tls.cert });
    const wss = new WebSocketServer({ noServer: true, maxPayload: 1 << 20 });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(opts.port ?? 0, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    const port = (server.address() as AddressInfo).port;
    const sim = new SimServer(server, wss, venue, ctx, clients, tls.cert, host, port, opts);
    sim.#listen();
    if ((opts.tickIntervalMs ?? 100) > 0) market.start(opts.tickIntervalMs ?? 100);
    return sim;
  }

  #listen(): void {
    const server = this.#server;
    const wss = this.#wss;
    const faults = this.faults;
    const clients = this.#clients;
    server.on('secureConnection', (socket: Duplex) => {
      this.#sockets.add(socket);
      if (faults.silent) socket.pause();
      socket.once('close', () => this.#sockets.delete(socket));
    });
    server.on('request', (req, res) => {
      const url = new URL(req.url ?? '/', `https://${req.headers.host ?? 'localhost'}`);
      if (this.venue.http?.(req, res, url)) return;
      res.writeHead(404, { 'content-type': 'application/json' }).end('{"code":-1,"msg":"not found"}');
    });
    server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      const url = new URL(req.url ?? '/', `https://${req.headers.host ?? 'localhost'}`);
      const refusal = this.venue.route(url);
      if (refusal) {
        this.#log(`refused ${url.pathname}${url.search}: ${refusal.status}`);
        socket.end(`HTTP/1.1 ${refusal.status} ${refusal.message}\r\ncontent-length: 0\r\nconnection: close\r\n\r\n`);
        return;
      }
      wss.handleUpgrade(req, socket, head, (ws) => {
        const client = new SimClient(ws, url, faults);
        clients.add(client);
        this.#log(`#${client.id} connected ${url.pathname}${url.search}`);
        ws.on('close', (code) => {
          clients.delete(client);
          this.#log(`#${client.id} closed (${code})`);
        });
        ws.on('error', () => undefined);
        this.venue.connection(client);
      });
    });
    faults.on('drop', (graceful) => {
      this.#log(`fault: drop${graceful ? ' (graceful)' : ''} ${clients.size} client(s)`);
      for (const c of [...clients]) {
        if (graceful) {
          this.venue.shutdownNotice?.(c);
          c.ws.close(1001, 'going away');
        } else c.ws.terminate();
      }
    });
    faults.on('silence', (on) => {
      this.#log(on ? 'fault: silence' : 'fault: silence over');
      for (const s of this.#sockets) {
        if (on) s.pause();
        else s.resume();
      }
    });
    faults.on('malformed', (kind) => {
      this.#log(`fault: malformed (${kind})`);
      this.venue.malformed(kind);
    });
  }

  #ping(pongTimeoutMs: number): void {
    if (this.faults.silent) return;
    const now = Date.now();
    for (const c of this.#clients) {
      if (c.pingSentAt && now - c.pingSentAt > pongTimeoutMs) {
        c.ws.terminate();
        continue;
      }
      if (!c.pingSentAt && c.open) {
        c.pingSentAt = now;
        c.ws.ping(Buffer.from(String(now)));
      }
    }
  }

  /** `wss://host:port` (append the venue's path). */
  get url(): string {
    return `wss://${this.host.includes(':') ? `[${this.host}]` : this.host}:${this.port}`;
  }

  /** Client connections currently open. */
  get clients(): ReadonlySet<SimClient> {
    return this.#clients;
  }

  /** TLS options for `connect()`: this certificate as the CA, its pin, and the name it was issued to. */
  clientTls(): TlsOptions {
    return { ca: this.cert, pins: [this.pin], servername: 'localhost' };
  }

  /** Stops the market, cuts every client, closes the listener. */
  async close(): Promise<void> {
    this.market.stop();
    this.faults.dispose();
    if (this.#pingTimer) clearInterval(this.#pingTimer);
    for (const c of this.#clients) c.ws.terminate();
    for (const s of this.#sockets) s.destroy();
    this.#wss.close();
    const closed = new Promise<void>((resolve) => this.#server.close(() => resolve()));
    this.#server.closeAllConnections();
    await closed;
  }
}
