/**
 * Receive-path delivery of one event of an emitter ('message' of TickwireWebSocket, 'data' of
 * TcpConnection). With exactly one plain (`on`) listener it is called directly, without
 * EventEmitter.emit; several listeners or a `once` one go through emit(). Data that arrives while
 * nobody listens (e.g. in the same read as the connect completion, before `await connect()`
 * returns) is copied and held, then delivered to the first listener added.
 */
import type { EventEmitter } from 'node:events';

type Listener = (data: Uint8Array, flag?: boolean) => void;

export class Delivery {
  readonly #emitter: EventEmitter;
  readonly #event: string;
  /** Whether the event carries the boolean second argument (WebSocket isBinary). */
  readonly #withFlag: boolean;
  /** The single plain listener, or null; recomputed on the next delivery after listeners change. */
  #fn: Listener | null = null;
  #changed = true;
  #held: Array<[Uint8Array, boolean]> = [];

  constructor(emitter: EventEmitter, event: string, withFlag: boolean) {
    this.#emitter = emitter;
    this.#event = event;
    this.#withFlag = withFlag;
    emitter.on('newListener', (e: string | symbol) => {
      if (e !== event) return;
      this.#changed = true;
      if (this.#held.length) queueMicrotask(() => this.#releaseHeld());
    });
    emitter.on('removeListener', (e: string | symbol) => {
      if (e === event) this.#changed = true;
    });
  }

  /** Delivers a view that is valid only during this call (it is copied if held). */
  deliver(data: Uint8Array, flag: boolean): void {
    if (this.#changed) this.#cacheListener();
    const fn = this.#fn;
    if (fn !== null) {
      if (this.#withFlag) fn.call(this.#emitter, data, flag);
      else fn.call(this.#emitter, data);
    } else if (this.#emitter.listenerCount(this.#event) === 0) this.#held.push([data.slice(), flag]);
    else this.#emit(data, flag);
  }

  #emit(data: Uint8Array, flag: boolean): void {
    if (this.#withFlag) this.#emitter.emit(this.#event, data, flag);
    else this.#emitter.emit(this.#event, data);
  }

  #cacheListener(): void {
    this.#changed = false;
    const raw = this.#emitter.rawListeners(this.#event);
    // A `once` listener is a wrapper that removes itself: leave those to emit().
    this.#fn = raw.length === 1 && raw[0] === this.#emitter.listeners(this.#event)[0] ? (raw[0] as Listener) : null;
  }

  #releaseHeld(): void {
    const held = this.#held;
    this.#held = [];
    for (const [data, flag] of held) this.#emit(data, flag);
  }
}
