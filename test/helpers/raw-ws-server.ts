/**
 * A minimal WebSocket server for protocol tests: it performs the real upgrade (Sec-WebSocket-Accept
 * computed from the client's key), then lets a scenario write arbitrary bytes, and decodes the
 * (masked) frames the client sends back. Plain TCP on 127.0.0.1.
 */
import { createHash } from 'node:crypto';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';

export interface ClientFrame {
  fin: boolean;
  opcode: number;
  payload: Buffer;
}

export interface RawConnection {
  socket: Socket;
  request: string;
  frames: ClientFrame[];
  /** Resolves when the client has sent a frame with this opcode (or rejects after ms). */
  waitFor(opcode: number, ms?: number): Promise<ClientFrame>;
  closed: Promise<void>;
}

export interface RawServer {
  port: number;
  url: string;
  connections: RawConnection[];
  close(): Promise<void>;
}

/** Builds a server → client frame (unmasked unless a mask is given). */
export function frame(opcode: number, payload: Buffer | string, { fin = true, rsv = 0, mask }: { fin?: boolean; rsv?: number; mask?: Buffer } = {}): Buffer {
  const p = typeof payload === 'string' ? Buffer.from(payload) : payload;
  const len = p.length;
  const ext = len < 126 ? 0 : len < 65536 ? 2 : 8;
  const h = Buffer.alloc(2 + ext + (mask ? 4 : 0));
  h[0] = (fin ? 0x80 : 0) | (rsv << 4) | opcode;
  h[1] = (mask ? 0x80 : 0) | (ext === 0 ? len : ext === 2 ? 126 : 127);
  if (ext === 2) h.writeUInt16BE(len, 2);
  if (ext === 8) h.writeBigUInt64BE(BigInt(len), 2);
  let body = p;
  if (mask) {
    mask.copy(h, 2 + ext);
    body = Buffer.from(p.map((b, i) => b ^ (mask[i & 3] as number)));
  }
  return Buffer.concat([h, body]);
}

export function closePayload(code: number, reason = ''): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(code);
  return Buffer.concat([b, Buffer.from(reason)]);
}

function parseClientFrames(buf: Buffer, out: ClientFrame[]): Buffer {
  let pos = 0;
  for (;;) {
    if (buf.length - pos < 2) break;
    const b0 = buf[pos] as number;
    const b1 = buf[pos + 1] as number;
    let len = b1 & 0x7f;
    let off = pos + 2;
    if (len === 126) {
      if (buf.length - off < 2) break;
      len = buf.readUInt16BE(off);
      off += 2;
    } else if (len === 127) {
      if (buf.length - off < 8) break;
      len = Number(buf.readBigUInt64BE(off));
      off += 8;
    }
    const masked = (b1 & 0x80) !== 0;
    if (buf.length - off < (masked ? 4 : 0) + len) break;
    const key = masked ? buf.subarray(off, off + 4) : Buffer.alloc(4);
    off += masked ? 4 : 0;
    const payload = Buffer.from(buf.subarray(off, off + len).map((x, i) => x ^ (key[i & 3] as number)));
    out.push({ fin: (b0 & 0x80) !== 0, opcode: b0 & 0x0f, payload });
    pos = off + len;
  }
  return buf.subarray(pos);
}

/** Starts a raw server; `scenario` runs once per connection after the upgrade. */
export async function rawServer(scenario: (c: RawConnection) => void | Promise<void>): Promise<RawServer> {
  const connections: RawConnection[] = [];
  const server: Server = createServer((socket) => {
    socket.setNoDelay(true);
    let head: Buffer = Buffer.alloc(0);
    let upgraded = false;
    let rest: Buffer = Buffer.alloc(0);
    const waiters: Array<{ opcode: number; resolve: (f: ClientFrame) => void }> = [];
    let closedResolve: () => void = () => {};
    const conn: RawConnection = {
      socket,
      request: '',
      frames: [],
      waitFor(opcode, ms = 3000) {
        const hit = conn.frames.find((f) => f.opcode === opcode);
        if (hit) return Promise.resolve(hit);
        return new Promise((resolve, reject) => {
          const t = setTimeout(() => reject(new Error(`no frame with opcode ${opcode} within ${ms} ms`)), ms);
          waiters.push({ opcode, resolve: (f) => (clearTimeout(t), resolve(f)) });
        });
      },
      closed: new Promise<void>((r) => (closedResolve = r)),
    };
    socket.on('close', () => closedResolve());
    socket.on('error', () => {});
    socket.on('data', (chunk: Buffer) => {
      if (!upgraded) {
        head = Buffer.concat([head, chunk]);
        const end = head.indexOf('\r\n\r\n');
        if (end < 0) return;
        conn.request = head.subarray(0, end).toString('latin1');
        rest = head.subarray(end + 4);
        const key = /sec-websocket-key:\s*(\S+)/i.exec(conn.request)?.[1] ?? '';
        const accept = createHash('sha1').update(`${key}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`).digest('base64');
        socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`);
        upgraded = true;
        connections.push(conn);
        void scenario(conn);
      } else {
        rest = Buffer.concat([rest, chunk]);
      }
      const before = conn.frames.length;
      rest = parseClientFrames(rest, conn.frames);
      for (const f of conn.frames.slice(before)) {
        for (const w of waiters.filter((x) => x.opcode === f.opcode)) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve(f);
        }
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    url: `ws://127.0.0.1:${port}/raw`,
    connections,
    close: () =>
      new Promise<void>((r) => {
        for (const c of connections) c.socket.destroy();
        server.close(() => r());
      }),
  };
}
