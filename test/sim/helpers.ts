/** Shared test helpers for the simulator and venue adapter tests. */
import type { EventEmitter } from 'node:events';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { fileURLToPath } from 'node:url';

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

/** `tickwire sim …` as a user runs it: a child process with its output collected. */
export function runSimCli(args: string[], children: ChildProcessWithoutNullStreams[]): {
  child: ChildProcessWithoutNullStreams;
  out: () => string;
  err: () => string;
  exit: Promise<number | null>;
} {
  const root = fileURLToPath(new URL('../..', import.meta.url));
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'sim', ...args], { cwd: root });
  children.push(child);
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, out: () => out, err: () => err, exit };
}
