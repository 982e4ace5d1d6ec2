/**
 * The byte stream the TWS client runs on: tickwire's native transport in plain-TCP mode
 * (connectTcp, io_uring or epoll). The client only needs this much of it.
 */
import type { TickwireError } from '../native/errors.js';
import { connectTcp } from '../net/tcp.js';
import type { Transport } from '../net/options.js';

export interface ByteStream {
  /** Returns false when the bytes were queued behind backpressure. */
  write(data: Uint8Array | string): boolean;
  /** Flush, then close. */
  end(): void;
  /** Close now. */
  destroy(): void;
  /** `chunk` is a view valid only during the callback. */
  on(event: 'data', listener: (chunk: Uint8Array) => void): unknown;
  on(event: 'close', listener: (hadError: boolean) => void): unknown;
  on(event: 'error', listener: (err: TickwireError) => void): unknown;
  removeAllListeners(): unknown;
}

export interface DialOptions {
  transport: Transport;
  timeoutMs: number;
}

export type Dialer = (host: string, port: number, options: DialOptions) => Promise<ByteStream>;

/** Opens a TCP connection on the native transport. Rejects with CONN_REFUSED / CONN_TIMEOUT / SYSTEM_ERROR. */
export const dialNative: Dialer = (host, port, options) => connectTcp(host, port, { transport: options.transport, timeoutMs: options.timeoutMs });
