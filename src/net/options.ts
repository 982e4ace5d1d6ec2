/**
 * Options of {@link connect}, their defaults, and validation with messages that name the field.
 */
import { invalidArgument } from '../native/errors.js';

/**
 * How a connection does I/O. 'io_uring_sqpoll' is io_uring with a kernel thread polling the
 * submission ring: sends leave without a syscall on the caller's path while the thread is awake
 * (it spins for 100 ms after the last request, on a core of its own); opt-in, never chosen by 'auto'.
 */
export type Transport = 'auto' | 'io_uring' | 'io_uring_sqpoll' | 'epoll';

/** The transport a connection actually runs on. */
export type ActiveTransport = 'io_uring' | 'io_uring_sqpoll' | 'epoll';

export interface TlsOptions {
  /** PEM CA bundle (string or bytes) to trust instead of the system bundle. */
  ca?: string | Uint8Array;
  /** 'sha256/<base64 SPKI hash>' pins. With CA validation, any certificate of the validated chain (the root included) may match. */
  pins?: string[];
  /** The pins alone decide: CA, hostname and dates are not checked. Requires pins. */
  pinOnly?: boolean;
  /** Name for SNI and certificate checks; default: the URL's host. */
  servername?: string;
  /** Resume the TLS session on reconnect. Default true. */
  resume?: boolean;
  /** Give up on the TCP connect + TLS handshake + upgrade after this long. Default 10 000. */
  handshakeTimeoutMs?: number;
}

export interface HeartbeatOptions {
  /** Send a ping this often. */
  intervalMs: number;
  /** Without a pong (or any frame) this long after a ping, the connection is treated as dead. */
  timeoutMs: number;
}

export interface ReconnectOptions {
  initialDelayMs: number;
  maxDelayMs: number;
  /** 0 = unlimited. */
  maxAttempts: number;
  /** Full jitter: each delay is uniform in [0, backoff]. */
  jitter: boolean;
}

export interface ConnectOptions {
  tls?: TlsOptions;
  transport?: Transport;
  headers?: Record<string, string>;
  protocols?: string[];
  heartbeat?: HeartbeatOptions | false;
  reconnect?: ReconnectOptions | false;
  /** Give up on TCP connect + (TLS) + upgrade after this long. Default 10 000; for wss://, tls.handshakeTimeoutMs wins. */
  connectTimeoutMs?: number;
  /** Largest message accepted (the connection fails with 1009 beyond it). Default 16 MiB. */
  maxMessageBytes?: number;
  /**
   * Busy-poll: after each batch of events, keep polling for completions until this many µs pass
   * without activity, then sleep in the event loop (trades a core for latency). The engine spins
   * for the largest budget among its open connections; with transport 'auto' a connection with a
   * budget runs on epoll (lower latency when spinning). Default 0 (off).
   */
  busyPollUs?: number;
}

export interface ResolvedOptions {
  url: URL;
  secure: boolean;
  host: string;
  port: number;
  path: string;
  hostHeader: string;
  headerBlock: string;
  protocols: string;
  tls: Required<Pick<TlsOptions, 'pinOnly' | 'resume' | 'handshakeTimeoutMs'>> & {
    ca: string | Uint8Array | undefined;
    pins: Uint8Array[];
    servername: string;
  };
  heartbeat: HeartbeatOptions | false;
  reconnect: ReconnectOptions | false;
  maxMessageBytes: number;
  busyPollUs: number;
  transport: Transport;
  /** Effective open timeout (connectTimeoutMs, or tls.handshakeTimeoutMs for wss://). */
  openTimeoutMs: number;
}

export const DEFAULT_RECONNECT: ReconnectOptions = { initialDelayMs: 250, maxDelayMs: 30_000, maxAttempts: 0, jitter: true };
export const DEFAULT_HEARTBEAT: HeartbeatOptions = { intervalMs: 15_000, timeoutMs: 10_000 };
export const DEFAULT_MAX_MESSAGE = 16 * 1024 * 1024;

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/** `v` as an integer >= `min` (default 1); INVALID_ARGUMENT naming `name` otherwise. */
export function positiveInt(v: unknown, name: string, min = 1): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min) invalidArgument(`${name} must be an integer >= ${min}, got ${String(v)}`);
  return v;
}

/** Decodes 'sha256/<base64>' into the 32-byte hash. */
export function parsePin(pin: unknown): Uint8Array {
  if (typeof pin !== 'string' || !pin.startsWith('sha256/')) invalidArgument(`tls.pins: '${String(pin)}' is not of the form 'sha256/<base64>'`);
  const raw = Buffer.from(pin.slice(7), 'base64');
  if (raw.length !== 32 || raw.toString('base64') !== pin.slice(7)) invalidArgument(`tls.pins: '${pin}' does not hold a 32-byte base64 SHA-256`);
  return new Uint8Array(raw);
}

/** The pins of TLS options, decoded, with pinOnly checked (it needs at least one pin). */
export function resolvePins(t: Pick<TlsOptions, 'pins' | 'pinOnly'>): Uint8Array[] {
  const pins = (t.pins ?? []).map(parsePin);
  if (t.pinOnly && pins.length === 0) invalidArgument('tls.pinOnly needs at least one pin in tls.pins');
  return pins;
}

/** 32-byte pins back to back, as the native TLS setup takes them. */
export function packPins(pins: readonly Uint8Array[]): Uint8Array {
  const packed = new Uint8Array(pins.length * 32);
  pins.forEach((p, i) => packed.set(p, i * 32));
  return packed;
}

/**
 * The engine a connection runs on. 'auto' with a busy-poll budget is epoll: spinning, its
 * synchronous recv()/send() answer 1.3-2.6 µs sooner per round trip than io_uring's completions
 * (bench/net/echo.bench.ts, native peer); otherwise 'auto' is io_uring where it works.
 */
export function engineTransport(transport: Transport, busyPollUs: number): Transport {
  return transport === 'auto' && busyPollUs > 0 ? 'epoll' : transport;
}

/** A transport choice, 'auto' when undefined; `context` prefixes the error message (e.g. 'tws.connect: '). */
export function checkTransport(v: unknown, context = ''): Transport {
  const transport = v ?? 'auto';
  if (transport !== 'auto' && transport !== 'io_uring' && transport !== 'io_uring_sqpoll' && transport !== 'epoll') {
    invalidArgument(`${context}transport must be 'auto', 'io_uring', 'io_uring_sqpoll' or 'epoll', got '${String(transport)}'`);
  }
  return transport;
}

export function resolveOptions(input: string | URL, options: ConnectOptions = {}): ResolvedOptions {
  let url: URL;
  try {
    url = new URL(String(input));
  } catch {
    return invalidArgument(`connect: '${String(input)}' is not a URL`);
  }
  if (url.protocol !== 'ws:' && url.protocol !== 'wss:') invalidArgument(`connect: the URL must be ws:// or wss://, got ${url.protocol}//`);
  if (url.hash) invalidArgument('connect: a WebSocket URL has no #fragment');
  if (url.username || url.password) invalidArgument('connect: credentials in the URL are not supported; use headers');
  const secure = url.protocol === 'wss:';
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const port = url.port ? Number(url.port) : secure ? 443 : 80;
  const defaultPort = (secure && port === 443) || (!secure && port === 80);
  const hostHeader = `${url.hostname}${defaultPort ? '' : `:${port}`}`;

  const headers = options.headers ?? {};
  let headerBlock = '';
  for (const [name, value] of Object.entries(headers)) {
    if (!TOKEN.test(name)) invalidArgument(`headers: '${name}' is not a valid header name`);
    if (typeof value !== 'string' || /[\r\n]/.test(value)) invalidArgument(`headers.${name} must be a string without CR/LF`);
    if (/^(host|upgrade|connection|sec-websocket-(key|version|accept|protocol))$/i.test(name)) {
      invalidArgument(`headers.${name} is set by tickwire`);
    }
    headerBlock += `${name}: ${value}\r\n`;
  }
  const protocols = options.protocols ?? [];
  for (const p of protocols) if (typeof p !== 'string' || !TOKEN.test(p)) invalidArgument(`protocols: '${String(p)}' is not a valid subprotocol token`);

  const t = options.tls ?? {};
  if (!secure && options.tls !== undefined) invalidArgument('tls options need a wss:// URL');
  const pins = resolvePins(t);
  if (t.ca !== undefined && typeof t.ca !== 'string' && !(t.ca instanceof Uint8Array)) invalidArgument('tls.ca must be a PEM string or bytes');

  const hb = options.heartbeat === undefined ? false : options.heartbeat;
  if (hb) {
    positiveInt(hb.intervalMs, 'heartbeat.intervalMs');
    positiveInt(hb.timeoutMs, 'heartbeat.timeoutMs');
  }
  const rc = options.reconnect === undefined ? DEFAULT_RECONNECT : options.reconnect;
  if (rc) {
    positiveInt(rc.initialDelayMs, 'reconnect.initialDelayMs', 0);
    positiveInt(rc.maxDelayMs, 'reconnect.maxDelayMs', 0);
    positiveInt(rc.maxAttempts, 'reconnect.maxAttempts', 0);
    if (typeof rc.jitter !== 'boolean') invalidArgument('reconnect.jitter must be a boolean');
  }
  const connectTimeout = options.connectTimeoutMs === undefined ? 10_000 : positiveInt(options.connectTimeoutMs, 'connectTimeoutMs');
  const transport = checkTransport(options.transport);

  return {
    url,
    secure,
    host,
    port,
    path: `${url.pathname || '/'}${url.search}`,
    hostHeader,
    headerBlock,
    protocols: protocols.join(', '),
    tls: {
      ca: t.ca,
      pins,
      pinOnly: t.pinOnly ?? false,
      servername: t.servername ?? host,
      resume: t.resume ?? true,
      handshakeTimeoutMs: t.handshakeTimeoutMs === undefined ? connectTimeout : positiveInt(t.handshakeTimeoutMs, 'tls.handshakeTimeoutMs'),
    },
    openTimeoutMs: secure && t.handshakeTimeoutMs !== undefined ? t.handshakeTimeoutMs : connectTimeout,
    heartbeat: hb,
    reconnect: rc,
    maxMessageBytes: options.maxMessageBytes === undefined ? DEFAULT_MAX_MESSAGE : positiveInt(options.maxMessageBytes, 'maxMessageBytes'),
    busyPollUs: options.busyPollUs === undefined ? 0 : positiveInt(options.busyPollUs, 'busyPollUs', 0),
    transport,
  };
}
