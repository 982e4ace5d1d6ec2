/**
 * Request/response correlation for venues that answer requests by id on a WebSocket (Binance
 * WS API, Bybit trade, Kraken): each request gets a promise, settled by the response with its id,
 * by a timeout (CONN_TIMEOUT), or by the connection dropping (CONN_CLOSED: the outcome of an
 * order in flight is then unknown to the client: query it or watch the order events).
 */
import { TickwireError } from '../../native/errors.js';

interface Entry<T> {
  resolve(value: T): void;
  reject(error: TickwireError): void;
  timer: NodeJS.Timeout;
  promise: Promise<T>;
}

export class PendingRequests<T> {
  readonly #entries = new Map<string, Entry<T>>();
  readonly #timeoutMs: number;

  constructor(timeoutMs: number) {
    this.#timeoutMs = timeoutMs;
  }

  get size(): number {
    return this.#entries.size;
  }

  has(id: string): boolean {
    return this.#entries.has(id);
  }

  /** The ids of the requests in flight. */
  ids(): IterableIterator<string> {
    return this.#entries.keys();
  }

  /** The promise {@link add} returned for request `id`, while it is in flight. */
  promise(id: string): Promise<T> | undefined {
    return this.#entries.get(id)?.promise;
  }

  /** A promise for the response to request `id`; `what` names the request in errors. */
  add(id: string, what: string): Promise<T> {
    if (this.#entries.has(id)) {
      return Promise.reject(new TickwireError('INVALID_ARGUMENT', `${what}: a request with id '${id}' is already in flight`));
    }
    let settle!: Pick<Entry<T>, 'resolve' | 'reject'>;
    const promise = new Promise<T>((resolve, reject) => (settle = { resolve, reject }));
    const timer = setTimeout(() => {
      this.#entries.delete(id);
      settle.reject(new TickwireError('CONN_TIMEOUT', `${what}: no response within ${this.#timeoutMs} ms`));
    }, this.#timeoutMs);
    timer.unref();
    this.#entries.set(id, { ...settle, timer, promise });
    return promise;
  }

  /** Settles request `id` with a value; false if no such request is pending. */
  resolve(id: string, value: T): boolean {
    const e = this.#take(id);
    e?.resolve(value);
    return e !== undefined;
  }

  /** Fails request `id`; false if no such request is pending. */
  reject(id: string, error: TickwireError): boolean {
    const e = this.#take(id);
    e?.reject(error);
    return e !== undefined;
  }

  /** Removes request `id` and stops its timer. */
  #take(id: string): Entry<T> | undefined {
    const e = this.#entries.get(id);
    if (e) {
      this.#entries.delete(id);
      clearTimeout(e.timer);
    }
    return e;
  }

  /** Fails every pending request (the connection dropped or closed). */
  rejectAll(error: TickwireError): void {
    const entries = [...this.#entries.values()];
    this.#entries.clear();
    for (const e of entries) {
      clearTimeout(e.timer);
      e.reject(error);
    }
  }
}
