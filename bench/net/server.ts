/**
 * Benchmark peer for the network suites, meant to run in its own process (so it has its own core
 * and its own event loop):
 *
 *   npx tsx bench/net/server.ts        → prints {"http":…,"https":…,"tcpEcho":…,"tlsEcho":…,"pid":…}
 *
 * A `ws` WebSocketServer over plain HTTP and over HTTPS (certificates from
 * native/test/tls_fixtures.sh, host "localhost"), with modes chosen by the URL path:
 *   /flood?size=100&count=N[&binary=1]  sends N messages of `size` bytes at once, then a text "done"
 *   /echo                               echoes every message
 *   /ctl                                control messages: "flood SIZE COUNT [binary]" starts a flood,
 *                                       "feed trade|depth COUNT" a /feed
 *                                       (so a client can be ready, or traced, before it begins);
 *                                       anything else is echoed
 *   /hold                               accepts and waits (connect benchmarks)
 *   /feed?kind=trade|depth&count=N      N Binance combined-stream messages (trade, or depthUpdate
 *                                       with up to 10 levels a side) from a pool of 512 distinct
 *                                       ones, sent like a flood, then "done" (market-data bench)
 * Floods do not go through ws's per-message send: one buffer holding as many frames as fit in
 * 64 KiB is built once and written to the raw socket in a loop, honouring backpressure, so the
 * server costs one write (one TLS encryption of 64 KiB) per ~600 messages of 100 B.
 *
 * Plus the floors for round trips: a node:net and a node:tls echo server without WebSocket.
 *
 * Plain HTTP endpoints on both WebSocket ports:
 *   GET /stats[?reset=1]  connection counters, TLS versions/ciphers and resumptions seen (JSON)
 *   GET /spin?on=1|0      busy-poll the event loop (setImmediate spin: libuv polls with timeout 0 and
 *                         the thread never sleeps), the closest a Node server gets to busy polling
 *
 * The HTTPS and TLS servers keep a session-ID cache ('newSession'/'resumeSession'): BearSSL resumes
 * by session ID only, and Node's server keeps none of its own. Runs until killed.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { createServer as createNetServer, type AddressInfo, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer as createTlsServer, TLSSocket, type Server as TlsServer } from 'node:tls';

import { WebSocketServer, type WebSocket } from 'ws';

const fx = join(tmpdir(), 'tickwire-tls-fixtures');
execFileSync('sh', [new URL('../../native/test/tls_fixtures.sh', import.meta.url).pathname, fx]);
const key = readFileSync(join(fx, 'leaf_ec.key'));
const cert = readFileSync(join(fx, 'leaf_ec.pem'));

// ---- statistics -----------------------------------------------------------------------------
const stats = {
  connections: 0,
  tlsConnections: 0,
  tlsResumed: 0,
  versions: {} as Record<string, number>,
  ciphers: {} as Record<string, number>,
  floods: 0,
  floodMessages: 0,
  /**
   * The last flood, from the request until the final frame was handed to the kernel: wall time and
   * this process's CPU time over it. cpuMs / wallMs near 1 means the server was the bottleneck.
   */
  lastFlood: { messages: 0, wallMs: 0, cpuMs: 0 },
};
function resetStats(): void {
  Object.assign(stats, { connections: 0, tlsConnections: 0, tlsResumed: 0, versions: {}, ciphers: {}, floods: 0, floodMessages: 0, lastFlood: { messages: 0, wallMs: 0, cpuMs: 0 } });
}
function noteSocket(socket: Socket): void {
  stats.connections++;
  if (socket instanceof TLSSocket) {
    stats.tlsConnections++;
    if (socket.isSessionReused()) stats.tlsResumed++;
    const v = socket.getProtocol() ?? '?';
    const c = socket.getCipher()?.name ?? '?';
    stats.versions[v] = (stats.versions[v] ?? 0) + 1;
    stats.ciphers[c] = (stats.ciphers[c] ?? 0) + 1;
  }
}

// ---- session-ID cache (bounded) -------------------------------------------------------------
function sessionCache(server: TlsServer): void {
  const cache = new Map<string, Buffer>();
  server.on('newSession', (id: Buffer, data: Buffer, done: () => void) => {
    if (cache.size >= 10_000) cache.delete(cache.keys().next().value as string);
    cache.set(id.toString('hex'), data);
    done();
  });
  server.on('resumeSession', (id: Buffer, done: (err: Error | null, data: Buffer | null) => void) => {
    done(null, cache.get(id.toString('hex')) ?? null);
  });
}

// ---- event-loop spin ------------------------------------------------------------------------
let spinning = false;
function spin(): void {
  if (spinning) setImmediate(spin);
}

// ---- frames ---------------------------------------------------------------------------------
/** An unmasked server frame. */
function frame(opcode: number, payload: Buffer): Buffer {
  const len = payload.length;
  const ext = len < 126 ? 0 : len < 65536 ? 2 : 8;
  const h = Buffer.alloc(2 + ext);
  h[0] = 0x80 | opcode;
  h[1] = ext === 0 ? len : ext === 2 ? 126 : 127;
  if (ext === 2) h.writeUInt16BE(len, 2);
  if (ext === 8) h.writeBigUInt64BE(BigInt(len), 2);
  return Buffer.concat([h, payload]);
}

/** A JSON-looking ASCII payload of exactly `size` bytes (like a trade event). */
function payload(size: number): Buffer {
  const head = '{"e":"trade","s":"BTCUSDT","p":"97000.01","q":"0.0012","T":1732450000000,"x":"';
  if (size < head.length + 2) return Buffer.alloc(size, 'x');
  return Buffer.from(`${head}${'x'.repeat(size - head.length - 2)}"}`);
}

const DONE = frame(1, Buffer.from('done'));
const floodChunks = new Map<string, { chunk: Buffer; frameLen: number; perChunk: number }>();

/** Binance combined-stream messages, as the market-data benchmark's feed. */
function feedMessages(kind: string): Buffer[] {
  let seed = 12345;
  const r = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 4294967296);
  const px = (base: number) => (base + Math.floor(r() * 10000) / 100).toFixed(2);
  const qty = () => (r() < 0.2 ? '0.00000000' : (Math.floor(r() * 1e6) / 1e5).toFixed(8));
  let id = 1000;
  return Array.from({ length: 512 }, () => {
    id++;
    const data =
      kind === 'trade'
        ? { e: 'trade', E: 1732450000000 + id, s: 'BTCUSDT', t: id, p: px(97000), q: qty(), T: 1732450000000 + id, m: r() < 0.5, M: true }
        : {
            e: 'depthUpdate',
            E: 1732450000000 + id,
            s: 'BTCUSDT',
            U: id * 10,
            u: id * 10 + 9,
            b: Array.from({ length: 1 + Math.floor(r() * 10) }, () => [px(96800), qty()]),
            a: Array.from({ length: 1 + Math.floor(r() * 10) }, () => [px(97200), qty()]),
          };
    return Buffer.from(JSON.stringify({ stream: kind === 'trade' ? 'btcusdt@trade' : 'btcusdt@depth@100ms', data }));
  });
}

function flood(ws: WebSocket, size: number, count: number, binary: boolean, feed?: string): void {
  const socket = (ws as unknown as { _socket: Socket })._socket;
  const k = feed ? `feed/${feed}` : `${size}/${binary ? 1 : 0}`;
  let f = floodChunks.get(k);
  if (!f && feed) {
    // 512 distinct frames repeated: chunks are whole pool passes, so frames have different lengths.
    const pool = Buffer.concat(feedMessages(feed).map((m) => frame(1, m)));
    f = { chunk: pool, frameLen: 0, perChunk: 512 };
    floodChunks.set(k, f);
  }
  if (!f) {
    const one = frame(binary ? 2 : 1, payload(size));
    const perChunk = Math.max(1, Math.floor(65536 / one.length));
    f = { chunk: Buffer.concat(Array.from({ length: perChunk }, () => one)), frameLen: one.length, perChunk };
    floodChunks.set(k, f);
  }
  if (feed) count = Math.ceil(count / 512) * 512; // whole pool passes
  const { chunk, frameLen, perChunk } = f;
  stats.floods++;
  stats.lastFlood = { messages: 0, wallMs: 0, cpuMs: 0 };
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  let sent = 0;
  const pump = (): void => {
    while (sent < count) {
      if (socket.destroyed) return;
      const n = Math.min(perChunk, count - sent);
      sent += n;
      const ok = socket.write(n === perChunk ? chunk : chunk.subarray(0, n * frameLen));
      if (!ok) {
        socket.once('drain', pump);
        return;
      }
    }
    socket.write(DONE, () => {
      const cpu = process.cpuUsage(c0);
      stats.lastFlood = { messages: count, wallMs: performance.now() - t0, cpuMs: (cpu.user + cpu.system) / 1000 };
    });
    stats.floodMessages += count;
  };
  pump();
}

function floodArgs(words: string[]): [number, number, boolean] {
  const size = Number(words[0] ?? 100);
  const count = Number(words[1] ?? 1000);
  if (!Number.isSafeInteger(size) || size < 1 || size > 1 << 24 || !Number.isSafeInteger(count) || count < 0) {
    throw new Error(`bad flood request: ${words.join(' ')}`);
  }
  return [size, count, words[2] === 'binary' || words[2] === '1'];
}

// ---- WebSocket servers ----------------------------------------------------------------------
const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false, maxPayload: 64 << 20 });
wss.on('connection', (ws: WebSocket, req: IncomingMessage) => {
  const socket = (ws as unknown as { _socket: Socket })._socket;
  socket.setNoDelay(true);
  noteSocket(socket);
  ws.on('error', () => {});
  const url = new URL(req.url ?? '/', 'http://x');
  switch (url.pathname) {
    case '/flood': {
      const q = url.searchParams;
      const [size, count, binary] = floodArgs([q.get('size') ?? '100', q.get('count') ?? '1000', q.get('binary') ?? '0']);
      flood(ws, size, count, binary);
      return;
    }
    case '/hold':
      return;
    case '/feed': {
      const kind = url.searchParams.get('kind') === 'depth' ? 'depth' : 'trade';
      const [, count] = floodArgs(['1', url.searchParams.get('count') ?? '1000']);
      flood(ws, 0, count, false, kind);
      return;
    }
    case '/ctl':
      ws.on('message', (data, isBinary) => {
        const text = isBinary ? '' : (data as Buffer).toString();
        if (text.startsWith('feed ')) {
          const [, kind, n] = text.split(' ');
          flood(ws, 0, Number(n) || 1000, false, kind === 'depth' ? 'depth' : 'trade');
        } else if (text.startsWith('flood')) {
          try {
            const [size, count, binary] = floodArgs(text.split(' ').slice(1));
            flood(ws, size, count, binary);
          } catch (e) {
            ws.close(1008, (e as Error).message.slice(0, 100));
          }
        } else ws.send(data, { binary: isBinary });
      });
      return;
    default: // '/echo' and anything else
      ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary }));
  }
});

function control(req: IncomingMessage, res: ServerResponse): void {
  const url = new URL(req.url ?? '/', 'http://x');
  res.setHeader('content-type', 'application/json');
  if (url.pathname === '/stats') {
    res.end(JSON.stringify(stats));
    if (url.searchParams.get('reset') === '1') resetStats();
    return;
  }
  if (url.pathname === '/spin') {
    const on = url.searchParams.get('on') === '1';
    if (on && !spinning) {
      spinning = true;
      setImmediate(spin);
    } else if (!on) spinning = false;
    res.end(JSON.stringify({ spinning }));
    return;
  }
  res.statusCode = 404;
  res.end('{}');
}

const httpServer = createHttpServer(control);
const httpsServer = createHttpsServer({ key, cert }, control);
sessionCache(httpsServer);
for (const s of [httpServer, httpsServer]) {
  s.keepAliveTimeout = 1000;
  s.on('upgrade', (req: IncomingMessage, socket: Socket, head: Buffer) => {
    socket.on('error', () => {});
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
  });
  s.on('tlsClientError', () => {});
}

// ---- floors: echo without WebSocket ---------------------------------------------------------
function echoSocket(socket: Socket): void {
  socket.setNoDelay(true);
  socket.on('error', () => {});
  socket.on('data', (d) => socket.write(d));
}
const tcpEcho = createNetServer(echoSocket);
const tlsEcho = createTlsServer({ key, cert }, (s) => {
  noteSocket(s);
  echoSocket(s);
});
sessionCache(tlsEcho);
tlsEcho.on('tlsClientError', () => {});

const listen = (s: { listen(port: number, host: string, cb: () => void): unknown; address(): unknown }) =>
  new Promise<number>((resolve) => s.listen(0, '127.0.0.1', () => resolve((s.address() as AddressInfo).port)));

const ports = {
  http: await listen(httpServer),
  https: await listen(httpsServer),
  tcpEcho: await listen(tcpEcho),
  tlsEcho: await listen(tlsEcho),
  pid: process.pid,
};
process.stdout.write(`${JSON.stringify(ports)}\n`);
// The parent going away (stdin closes) ends the server too: no orphan keeps a core busy.
process.stdin.on('end', () => process.exit(0));
process.stdin.on('error', () => process.exit(0));
process.stdin.resume();
