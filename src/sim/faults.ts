/**
 * Fault injection, venue-neutral. Tests call the methods; the CLI schedules them with
 * `--fault <kind>:<seconds>` ({@link Faults.every}). The server core and the venue modules act on
 * them:
 *
 * | fault | effect |
 * | --- | --- |
 * | `drop()` | every client connection is cut (TCP reset; `{ graceful: true }`: the venue's shutdown notice, then close 1001) |
 * | `skipSequence(symbol?)` | the next book update of the symbol is not sent: clients see a sequence gap and their book is really stale |
 * | `corruptChecksum(symbol?)` | the next book update carries a wrong checksum (venues with checksums) |
 * | `silence(ms?)` | nothing is sent and nothing is read (pings go unanswered) for `ms`, or until `resume()` |
 * | `malformed(kind)` | every market-data client gets one malformed message now: 'json' (not JSON) or 'shape' (JSON of the wrong shape) |
 */
import { EventEmitter } from 'node:events';

export type FaultKind = 'drop' | 'skip' | 'checksum' | 'silence' | 'malformed';
export type MalformedKind = 'json' | 'shape';

export interface FaultsEvents {
  drop: [graceful: boolean];
  silence: [on: boolean];
  malformed: [kind: MalformedKind];
}

const ANY = '*';

export class Faults extends EventEmitter<FaultsEvents> {
  readonly #armed = { skip: new Map<string, number>(), checksum: new Map<string, number>() };
  readonly #timers = new Set<NodeJS.Timeout>();
  #silent = false;
  #silenceTimer: NodeJS.Timeout | null = null;

  /** Cuts every client connection. */
  drop(options: { graceful?: boolean } = {}): void {
    this.emit('drop', options.graceful ?? false);
  }

  /** The next `count` book updates of `symbol` (of any symbol if omitted) are not sent. */
  skipSequence(symbol?: string, count = 1): void {
    this.#arm('skip', symbol, count);
  }

  /** The next `count` book updates of `symbol` (any if omitted) carry a wrong checksum. */
  corruptChecksum(symbol?: string, count = 1): void {
    this.#arm('checksum', symbol, count);
  }

  /** Stops sending and reading for `ms` (until {@link resume} if omitted). */
  silence(ms?: number): void {
    if (this.#silenceTimer) clearTimeout(this.#silenceTimer);
    this.#silenceTimer = null;
    if (!this.#silent) {
      this.#silent = true;
      this.emit('silence', true);
    }
    if (ms !== undefined) {
      this.#silenceTimer = setTimeout(() => this.resume(), ms);
      this.#silenceTimer.unref();
    }
  }

  resume(): void {
    if (this.#silenceTimer) clearTimeout(this.#silenceTimer);
    this.#silenceTimer = null;
    if (!this.#silent) return;
    this.#silent = false;
    this.emit('silence', false);
  }

  get silent(): boolean {
    return this.#silent;
  }

  /** Sends one malformed message to every market-data client now. */
  malformed(kind: MalformedKind = 'shape'): void {
    this.emit('malformed', kind);
  }

  /** For venue modules, once per book update: is a `kind` fault armed for `symbol`? (consumes it) */
  take(kind: 'skip' | 'checksum', symbol: string): boolean {
    const armed = this.#armed[kind];
    if (armed.size === 0) return false;
    for (const key of [symbol, ANY]) {
      const n = armed.get(key);
      if (n === undefined) continue;
      if (n <= 1) armed.delete(key);
      else armed.set(key, n - 1);
      return true;
    }
    return false;
  }

  /** Injects `kind` every `everyMs` (silence lasts `durationMs`, default 5 s) until {@link dispose}. */
  every(kind: FaultKind, everyMs: number, durationMs = 5000): void {
    const t = setInterval(() => {
      switch (kind) {
        case 'drop':
          return this.drop();
        case 'skip':
          return this.skipSequence();
        case 'checksum':
          return this.corruptChecksum();
        case 'silence':
          return this.silence(durationMs);
        case 'malformed':
          return this.malformed();
      }
    }, everyMs);
    t.unref();
    this.#timers.add(t);
  }

  dispose(): void {
    for (const t of this.#timers) clearInterval(t);
    this.#timers.clear();
    this.resume();
  }

  #arm(kind: 'skip' | 'checksum', symbol: string | undefined, count: number): void {
    const key = symbol ?? ANY;
    const armed = this.#armed[kind];
    armed.set(key, (armed.get(key) ?? 0) + count);
  }
}
