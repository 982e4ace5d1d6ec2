/**
 * The Hyperliquid adapter: {@link Venue} over one WebSocket (data.ts): books, trades and best
 * bid/offer per coin, all mids, and the fills and order updates of any user address.
 *
 * ```ts
 * const hl = new HyperliquidVenue();                              // wss://api.hyperliquid.xyz/ws
 * hl.on('book', (u) => …); hl.on('fill', (f) => …);
 * await hl.subscribeMids((m) => console.log(m.mids.get('BTC')));    // allMids
 * await hl.subscribe('book', 'BTC');                               // resolves with the first book
 * await hl.subscribeUser('0x…');                                   // userFills + orderUpdates
 * ```
 *
 * Order entry is not supported yet: Hyperliquid actions are signed with EIP-712 (secp256k1 ECDSA
 * over keccak-256 of the msgpack-encoded action, nonce and vault, wrapped in a "phantom agent"
 * typed-data message), which tickwire does not implement. `placeOrder` / `cancelOrder` reject
 * with VENUE_UNSUPPORTED.
 */
import { EventEmitter } from 'node:events';

import type { OrderBook } from '../../book/order-book.js';
import { TickwireError } from '../../native/errors.js';
import { DEFAULT_HEARTBEAT, type ConnectOptions } from '../../net/options.js';
import type { CancelRequest, Channel, OrderAck, OrderRequest } from '../common/types.js';
import { checkChannel, venueEventSink, VenueError, type Venue, type VenueEvents } from '../common/venue.js';
import { HyperliquidStream } from './data.js';
import type { HyperliquidMids } from './parse.js';
import { HYPERLIQUID_URL, hyperliquidSubscriptionType } from './urls.js';

export interface HyperliquidOptions {
  /** Default `wss://api.hyperliquid.xyz/ws` (testnet: HYPERLIQUID_TESTNET_URL; the simulator: `${url}/ws`). */
  url?: string;
  /**
   * Transport options (TLS pins, reconnect, …). `heartbeat` defaults to the transport's
   * { intervalMs: 15 000, timeoutMs: 10 000 } here; pass `false` to turn it off.
   */
  connect?: ConnectOptions;
  /** A subscribe without the venue's confirmation after this long rejects with CONN_TIMEOUT. Default 10 000. */
  requestTimeoutMs?: number;
  /** Send `{"method":"ping"}` this often (Hyperliquid closes connections silent for 60 s). Default 50 000; 0 = never. */
  pingIntervalMs?: number;
}

/** Why order entry rejects (the VENUE_UNSUPPORTED message). */
export const HYPERLIQUID_ORDER_ENTRY_UNSUPPORTED =
  'hyperliquid: order entry is not supported yet: Hyperliquid orders are EIP-712 signed actions (secp256k1 ECDSA over ' +
  'keccak-256 of the msgpack-encoded action, nonce and vault address, as a phantom-agent typed-data message), which tickwire does not implement';

const ADDRESS = /^0x[0-9a-fA-F]{40}$/;

export class HyperliquidVenue extends EventEmitter<VenueEvents> implements Venue {
  readonly id = 'hyperliquid' as const;
  readonly #stream: HyperliquidStream;
  readonly #midsListeners = new Set<(mids: HyperliquidMids) => void>();

  constructor(options: HyperliquidOptions = {}) {
    super();
    const requestTimeoutMs = options.requestTimeoutMs ?? 10_000;
    const pingIntervalMs = options.pingIntervalMs ?? 50_000;
    if (!Number.isInteger(requestTimeoutMs) || requestTimeoutMs < 1) {
      throw new TickwireError('INVALID_ARGUMENT', `requestTimeoutMs must be a positive integer, got ${String(requestTimeoutMs)}`);
    }
    if (!Number.isInteger(pingIntervalMs) || pingIntervalMs < 0) {
      throw new TickwireError('INVALID_ARGUMENT', `pingIntervalMs must be an integer >= 0, got ${String(pingIntervalMs)}`);
    }
    const connect: ConnectOptions = { ...options.connect, heartbeat: options.connect?.heartbeat ?? DEFAULT_HEARTBEAT };
    this.#stream = new HyperliquidStream(
      { url: options.url ?? HYPERLIQUID_URL, connect, requestTimeoutMs, pingIntervalMs },
      {
        ...venueEventSink(this),
        mids: (m) => {
          for (const l of this.#midsListeners) l(m);
        },
      },
    );
  }

  /** Nothing to open ahead: the connection opens at the first subscribe. */
  async connect(): Promise<void> {}

  close(): Promise<void> {
    return this.#stream.close();
  }

  /** 'book' → `l2Book`, 'trades' → `trades`, 'ticker' → `bbo`, for a coin like `BTC` (spot: `@107`, `PURR/USDC`). */
  async subscribe(channel: Channel, coin: string): Promise<void> {
    checkCoin(coin);
    checkChannel(channel);
    return this.#stream.subscribe({ type: hyperliquidSubscriptionType(channel), coin });
  }

  unsubscribe(channel: Channel, coin: string): Promise<void> {
    return this.#stream.unsubscribe({ type: hyperliquidSubscriptionType(channel), coin });
  }

  /**
   * `allMids`: calls `listener` with every coin's mid price on each push (mids have no place in
   * the normalized events). Resolves once the venue confirmed the subscription.
   */
  async subscribeMids(listener: (mids: HyperliquidMids) => void): Promise<void> {
    if (typeof listener !== 'function') throw new TickwireError('INVALID_ARGUMENT', 'subscribeMids(listener): listener must be a function');
    this.#midsListeners.add(listener);
    try {
      await this.#stream.subscribe({ type: 'allMids' });
    } catch (e) {
      this.#midsListeners.delete(listener);
      throw e;
    }
  }

  /** Removes `listener` (all listeners if omitted); unsubscribes `allMids` when none is left. */
  async unsubscribeMids(listener?: (mids: HyperliquidMids) => void): Promise<void> {
    if (listener) this.#midsListeners.delete(listener);
    else this.#midsListeners.clear();
    if (this.#midsListeners.size === 0) await this.#stream.unsubscribe({ type: 'allMids' });
  }

  /**
   * The fills (`userFills` → 'fill') and order changes (`orderUpdates` → 'order') of `address`
   * (no key needed: Hyperliquid user data is public). The snapshot of past fills each
   * subscription starts with is not emitted.
   */
  async subscribeUser(address: string): Promise<void> {
    const user = checkAddress(address);
    await Promise.all([this.#stream.subscribe({ type: 'userFills', user }), this.#stream.subscribe({ type: 'orderUpdates', user })]);
  }

  async unsubscribeUser(address: string): Promise<void> {
    const user = checkAddress(address);
    await Promise.all([this.#stream.unsubscribe({ type: 'userFills', user }), this.#stream.unsubscribe({ type: 'orderUpdates', user })]);
  }

  /** The live book of a subscribed coin (undefined before `subscribe('book', coin)`). */
  book(coin: string): OrderBook | undefined {
    return this.#stream.book(coin);
  }

  /** `pong` answers to the adapter's pings so far. */
  get pongs(): number {
    return this.#stream.pongs;
  }

  /** Always rejects with VENUE_UNSUPPORTED: orders need EIP-712 signatures (not implemented). */
  placeOrder(_order: OrderRequest): Promise<OrderAck> {
    return Promise.reject(new VenueError('VENUE_UNSUPPORTED', 'hyperliquid', HYPERLIQUID_ORDER_ENTRY_UNSUPPORTED));
  }

  /** Always rejects with VENUE_UNSUPPORTED (see placeOrder). */
  cancelOrder(_cancel: CancelRequest): Promise<OrderAck> {
    return Promise.reject(new VenueError('VENUE_UNSUPPORTED', 'hyperliquid', HYPERLIQUID_ORDER_ENTRY_UNSUPPORTED));
  }
}

function checkCoin(coin: string): void {
  if (typeof coin !== 'string' || !/^[A-Za-z0-9@/:_.-]{1,32}$/.test(coin)) {
    throw new TickwireError('INVALID_ARGUMENT', `coin must be a Hyperliquid coin like 'BTC' or '@107', got '${String(coin)}'`);
  }
}

function checkAddress(address: string): string {
  if (typeof address !== 'string' || !ADDRESS.test(address)) {
    throw new TickwireError('INVALID_ARGUMENT', `address must be 0x followed by 40 hex digits, got '${String(address)}'`);
  }
  return address.toLowerCase();
}
