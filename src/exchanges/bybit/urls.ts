/**
 * Bybit v5 WebSocket endpoints and topic names (bybit-exchange/docs, v5 "Connect"): public spot
 * market data, the private stream (order / execution events) and the trade stream (order entry).
 */
import type { Channel } from '../common/types.js';

export const BYBIT_PUBLIC_SPOT_URL = 'wss://stream.bybit.com/v5/public/spot';
export const BYBIT_PRIVATE_URL = 'wss://stream.bybit.com/v5/private';
export const BYBIT_TRADE_URL = 'wss://stream.bybit.com/v5/trade';

/** Spot book depths Bybit publishes (1 is snapshot-only). */
export const BYBIT_BOOK_DEPTHS = [1, 50, 200, 1000] as const;
export type BybitBookDepth = (typeof BYBIT_BOOK_DEPTHS)[number];

/**
 * The topic a channel maps to: `publicTrade.BTCUSDT`, `orderbook.50.BTCUSDT`, and for 'ticker'
 * the level-1 book `orderbook.1.BTCUSDT` (spot `tickers` carry no best bid/ask; the level-1 book
 * does).
 */
export function bybitTopic(channel: Channel, symbol: string, depth: BybitBookDepth): string {
  switch (channel) {
    case 'trades':
      return `publicTrade.${symbol}`;
    case 'book':
      return `orderbook.${depth}.${symbol}`;
    case 'ticker':
      return `orderbook.1.${symbol}`;
  }
}
