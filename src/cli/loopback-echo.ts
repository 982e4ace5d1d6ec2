/**
 * A minimal WebSocket echo server on 127.0.0.1 (node:net, no dependencies) for `tickwire doctor`'s
 * self-test: it completes the upgrade and echoes every client frame back unmasked.
 */
import { createHash } from 'node:crypto';
import { createServer, type AddressInfo, type Server } from 'node:net';

export async function startEchoServer(): Promise<{ url: string; close(): Promise<void> }> {
  const server: Server = createServer((socket) => {
    socket.setNoDelay(true);
    let buf: Buffer = Buffer.alloc(0);
    let open = false;
    socket.on('error', () => socket.destroy());
    socket.on('data', (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      if (!open) {
        const end = buf.indexOf('\r\n\r\n');
        if (end < 0) return;
        const key = /sec-websocket-key:\s*(\S+)/i.exec(buf.subarray(0, end).toString('latin1'))?.[1] ?? '';
        const accept = createHash('sha1').update(`${key}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`).digest('base64');
        socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`);
        buf = buf.subarray(end + 4);
        open = true;
      }
      for (;;) {
        if (buf.length < 2) return;
        const op = (buf[0] as number) & 0x0f;
        let len = (buf[1] as number) & 0x7f;
        let off = 2;
        if (len === 126) {
          if (buf.length < 4) return;
          len = buf.readUInt16BE(2);
          off = 4;
        } else if (len === 127) {
          if (buf.length < 10) return;
          len = Number(buf.readBigUInt64BE(2));
          off = 10;
        }
        if (buf.length < off + 4 + len) return;
        const key = buf.subarray(off, off + 4);
        const payload = Buffer.from(buf.subarray(off + 4, off + 4 + len).map((b, i) => b ^ (key[i & 3] as number)));
        buf = buf.subarray(off + 4 + len);
        const out = op === 0x9 ? 0xa : op;
        const h = len < 126 ? Buffer.from([0x80 | out, len]) : Buffer.from([0x80 | out, 126, len >> 8, len & 0xff]);
        if (op === 0x8) {
          socket.end(Buffer.concat([h, payload]));
          return;
        }
        if (op !== 0xa) socket.write(Buffer.concat([h, payload]));
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return { url: `ws://127.0.0.1:${port}/`, close: () => new Promise<void>((r) => server.close(() => r())) };
}
