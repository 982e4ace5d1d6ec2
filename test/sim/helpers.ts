/** Shared test helpers for the simulator and venue adapter tests. */
import type { EventEmitter } from 'node:events';

/**
 * Resolves with the arguments of the first `event` for which `match` holds (every event when no
 * predicate). No timer: a test that never sees the event fails on vitest's test timeout.
 */
export function waitFor<T extends unknown[]>(emitter: EventEmitter, event: string, match: (...args: T) => boolean = () => true): Promise<T> {
  return new Promise<T>((resolve) => {
    const on = (...args: unknown[]): void => {
      if (!match(...(args as T))) return;
      emitter.off(event, on);
      resolve(args as T);
    };
    emitter.on(event, on);
  });
}

/** Collects every `event` payload (first argument) into an array until `stop()`. */
export function collect<T>(emitter: EventEmitter, event: string): { items: T[]; stop(): void } {
  const items: T[] = [];
  const on = (x: T): void => {
    items.push(x);
  };
  emitter.on(event, on);
  return { items, stop: () => emitter.off(event, on) };
}

/** Lets pending I/O run (a macrotask turn). */
export function tick(): Promise<void> {
  return new Promise((r) => setImmediate(r));
}

/** Waits (turn by turn, no deadline: vitest's timeout is the limit) until `cond()` holds. */
export async function until(cond: () => boolean): Promise<void> {
  while (!cond()) await new Promise((r) => setTimeout(r, 1));
}
