/**
 * Shared helpers for the TWS tests: the fake TWS on loopback and event waits (no timing thresholds:
 * every wait ends on an event, vitest's timeout is the only clock).
 */
import { createServer, type AddressInfo } from 'node:net';

import { afterEach, expect } from 'vitest';

import { TickwireError } from '../../src/native/errors.js';
import { startFakeTws, type FakeTws, type FakeTwsOptions } from '../../src/sim/tws/index.js';
import { TwsClient, type TwsConnectOptions } from '../../src/tws/client.js';

export const TRANSPORTS = ['io_uring', 'io_uring_sqpoll', 'epoll'] as const;

export const FAST_RECONNECT = { initialDelayMs: 5, maxDelayMs: 50, maxAttempts: 0, jitter: false };

type Listener = (...args: unknown[]) => void;
/** Anything with on/off: a Node EventEmitter, @stoqey/ib's IBApi. */
export interface Emitter {
  on(event: string, listener: Listener): unknown;
  off(event: string, listener: Listener): unknown;
}

/** Resolves with the arguments of the next `event` (optionally the first that satisfies `pred`). */
export function next<T extends unknown[] = unknown[]>(emitter: Emitter, event: string, pred: (...args: T) => boolean = () => true): Promise<T> {
  return new Promise((resolve) => {
    const on = (...args: unknown[]): void => {
      if (!pred(...(args as T))) return;
      emitter.off(event, on);
      resolve(args as T);
    };
    emitter.on(event, on);
  });
}

/** Awaits a promise that must reject with a TickwireError of `code`; returns the error (the net tests' helper). */
export { expectCode as rejects } from '../net/helpers.js';

/** Calls `fn`, which must throw a TickwireError of `code`. */
export function throws(fn: () => unknown, code: string): TickwireError {
  let err: unknown;
  try {
    fn();
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(TickwireError);
  expect((err as TickwireError).code).toBe(code);
  return err as TickwireError;
}

/**
 * Registers an afterEach that runs what was pushed on `cleanup` (last first); `track` pushes the
 * close / disconnect of a fake TWS or a client and returns it.
 */
export function cleanupAfterEach(): { cleanup: Array<() => Promise<void> | void>; track: <T extends FakeTws | TwsClient>(x: T) => T } {
  const cleanup: Array<() => Promise<void> | void> = [];
  afterEach(async () => {
    for (const f of cleanup.splice(0).reverse()) await f();
  });
  const track = <T extends FakeTws | TwsClient>(x: T): T => {
    cleanup.push(() => ('disconnect' in x ? x.disconnect() : x.close()));
    return x;
  };
  return { cleanup, track };
}

export async function fake(options: FakeTwsOptions = {}): Promise<FakeTws> {
  return startFakeTws({ tickIntervalMs: 5, ...options });
}

/** A client with listeners attachable before it opens; not yet connected. */
export function client(f: FakeTws, transport: (typeof TRANSPORTS)[number], options: TwsConnectOptions = {}): TwsClient {
  return new TwsClient({ port: f.port, transport, reconnect: false, logger: () => undefined, ...options });
}

export async function connected(f: FakeTws, transport: (typeof TRANSPORTS)[number], options: TwsConnectOptions = {}): Promise<TwsClient> {
  const c = client(f, transport, options);
  await c.open();
  return c;
}

/** A port nothing listens on. */
export async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}
