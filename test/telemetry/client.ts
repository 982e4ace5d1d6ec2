/** A test client for /ws/stream (the `ws` package): a packet queue with awaitable predicates. */
import { request } from 'node:http';

import { WebSocket } from 'ws';

import type { ServerPacket } from '../../src/telemetry/protocol.js';

type Of<T extends ServerPacket['type']> = Extract<ServerPacket, { type: T }>;

export class RefusedError extends Error {
  constructor(readonly status: number) {
    super(`upgrade refused with HTTP ${status}`);
  }
}

export class TestClient {
  readonly packets: ServerPacket[] = [];
  readonly closed: Promise<{ code: number; reason: string }>;
  private waiters: Array<() => void> = [];
  private cursor = 0;

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data, isBinary) => {
      if (isBinary) throw new Error('binary packet from the server');
      this.packets.push(JSON.parse((data as Buffer).toString('utf8')) as ServerPacket);
      this.wake();
    });
    this.closed = new Promise((resolve) => ws.once('close', (code, reason) => {
      this.wake();
      resolve({ code, reason: reason.toString() });
    }));
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  static open(url: string, opts: { headers?: Record<string, string>; protocols?: string[]; query?: string } = {}): Promise<TestClient> {
    const wsUrl = `${url.replace(/^http/, 'ws')}/ws/stream${opts.query ?? ''}`;
    const ws = new WebSocket(wsUrl, opts.protocols ?? [], { headers: opts.headers ?? {} });
    const client = new TestClient(ws);
    return new Promise((resolve, reject) => {
      ws.once('open', () => resolve(client));
      ws.once('unexpected-response', (_req, res) => {
        reject(new RefusedError(res.statusCode ?? 0));
        ws.terminate();
      });
      ws.once('error', reject);
    });
  }

  send(m: unknown): void {
    this.ws.send(typeof m === 'string' ? m : JSON.stringify(m));
  }

  /** The next packet (after the last one returned) of that type matching `pred`; skipped ones are passed (still in `packets`). */
  async next<T extends ServerPacket['type']>(type: T, pred: (p: Of<T>) => boolean = () => true, timeoutMs = 10_000): Promise<Of<T>> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      while (this.cursor < this.packets.length) {
        const p = this.packets[this.cursor++]!;
        if (p.type === type && pred(p as Of<T>)) return p as Of<T>;
      }
      if (this.ws.readyState === WebSocket.CLOSED) throw new Error(`closed while waiting for ${type}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no ${type} within ${timeoutMs} ms; got ${this.packets.map((p) => p.type).join(',')}`);
      await new Promise<void>((r) => {
        const t = setTimeout(r, left);
        this.waiters.push(() => {
          clearTimeout(t);
          r();
        });
      });
    }
  }

  /** Sends a PING and returns every packet received before its ACK (the socket orders them). */
  async until(id: string): Promise<ServerPacket[]> {
    const start = this.cursor;
    this.send({ type: 'PING', id });
    await this.next('ACK', (p) => p.id === id);
    return this.packets.slice(start, this.cursor - 1);
  }

  close(): Promise<{ code: number; reason: string }> {
    this.ws.close();
    return this.closed;
  }
}

export interface HttpResult {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

export function httpGet(url: string, headers: Record<string, string> = {}): Promise<HttpResult> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}
