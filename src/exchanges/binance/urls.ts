/**
 * Binance spot endpoints and stream names (web-socket-streams.md, web-socket-api.md).
 */
import type { Channel } from '../common/types.js';

/** Market streams: `/ws/<stream>` (raw) and `/stream?streams=<s1>/<s2>` (combined). */
export const BINANCE_STREAM_URL = 'wss://stream.binance.com:9443';
/** The WebSocket API (order entry, user data, depth snapshots). */
export const BINANCE_WS_API_URL = 'wss://ws-api.binance.com:443/ws-api/v3';

/** Diff-depth update speed: `@depth@100ms` (default) or `@depth` (1000 ms). */
export type BinanceDepthSpeed = '100ms' | '1000ms';

/** The stream a channel maps to: `btcusdt@trade`, `btcusdt@depth@100ms`, `btcusdt@bookTicker`. */
export function binanceStreamName(channel: Channel, symbol: string, depthSpeed: BinanceDepthSpeed = '100ms'): string {
  const s = symbol.toLowerCase();
  switch (channel) {
    case 'trades':
      return `${s}@trade`;
    case 'book':
      return depthSpeed === '100ms' ? `${s}@depth@100ms` : `${s}@depth`;
    case 'ticker':
      return `${s}@bookTicker`;
  }
}

/** The combined-stream URL for `streams` under `base` (`wss://host:port`). */
export function binanceCombinedUrl(base: string, streams: readonly string[]): string {
  return `${base.replace(/\/+$/, '')}/stream?streams=${streams.join('/')}`;
}
