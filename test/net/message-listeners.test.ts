/**
 * 'message' delivery with the receive fast path (one plain listener is called directly): the same
 * behaviour as EventEmitter for once-listeners, several listeners, listeners removed or added
 * between messages, and a listener that removes itself while it runs.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { startEchoServer } from '../../src/cli/loopback-echo.js';
import { connect, type TickwireWebSocket } from '../../src/index.js';

async function roundTrip(ws: TickwireWebSocket, text: string): Promise<void> {
  await new Promise<void>((resolve) => {
    const done = (d: Uint8Array) => {
      if (Buffer.from(d).toString() === text) {
        ws.off('message', done);
        resolve();
      }
    };
    ws.on('message', done);
    ws.send(text);
  });
}

describe('message listeners', () => {
  let server: { url: string; close(): Promise<void> };
  beforeAll(async () => {
    server = await startEchoServer();
  });
  afterAll(() => server.close());

  it('one listener, then two, then once, then removal: every listener sees what EventEmitter would deliver', async () => {
    const ws = await connect(server.url, { reconnect: false });
    const a: string[] = [];
    const b: string[] = [];
    const once: string[] = [];
    const la = (d: Uint8Array, isBinary: boolean) => a.push(`${Buffer.from(d).toString()}:${isBinary ? 'b' : 't'}`);
    const lb = (d: Uint8Array) => b.push(Buffer.from(d).toString());
    ws.on('message', la);
    ws.send('1');
    ws.send(new Uint8Array([0x32]));
    await expect.poll(() => a.length).toBe(2);
    expect(a).toEqual(['1:t', '2:b']);

    ws.on('message', lb); // two listeners: both called, in order
    ws.send('3');
    await expect.poll(() => b.length).toBe(1);
    expect(a.at(-1)).toBe('3:t');

    ws.off('message', lb);
    ws.once('message', (d) => once.push(Buffer.from(d).toString()));
    ws.send('4');
    ws.send('5');
    await expect.poll(() => a.length).toBe(5);
    expect(once).toEqual(['4']); // once: exactly one delivery
    expect(b).toEqual(['3']); // removed: nothing more

    // a listener that removes itself while it runs sees only its first message
    ws.off('message', la);
    const self: string[] = [];
    const selfRemoving = (d: Uint8Array) => {
      self.push(Buffer.from(d).toString());
      ws.off('message', selfRemoving);
    };
    ws.on('message', selfRemoving);
    ws.send('6');
    ws.send('7');
    await roundTrip(ws, 'sync');
    expect(self).toEqual(['6']);
    ws.close();
  });

  it('messages that arrive while no listener exists are held for the next one', async () => {
    const ws = await connect(server.url, { reconnect: false });
    const got: string[] = [];
    const first = (d: Uint8Array) => got.push(Buffer.from(d).toString());
    ws.on('message', first);
    ws.send('a');
    await expect.poll(() => got.length).toBe(1);
    ws.off('message', first);
    ws.send('b'); // no listener now: held
    await new Promise((r) => setTimeout(r, 50));
    ws.on('message', first);
    await expect.poll(() => got.length).toBe(2);
    expect(got).toEqual(['a', 'b']);
    ws.close();
  });
});
