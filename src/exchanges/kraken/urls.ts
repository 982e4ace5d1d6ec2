/**
 * Kraken spot WebSocket v2 endpoints (docs.kraken.com, "Spot WebSocket"): public market data on
 * `ws.kraken.com/v2`, authenticated methods (orders, executions) on `ws-auth.kraken.com/v2` with a
 * token from the REST call `GetWebSocketsToken`. The simulator serves both on `/v2` of one port.
 */
import type { Channel } from '../common/types.js';

export const KRAKEN_WS_URL = 'wss://ws.kraken.com/v2';
export const KRAKEN_WS_AUTH_URL = 'wss://ws-auth.kraken.com/v2';

/** Book depths Kraken accepts. */
export const KRAKEN_BOOK_DEPTHS = [10, 25, 100, 500, 1000] as const;
export type KrakenBookDepth = (typeof KRAKEN_BOOK_DEPTHS)[number];

/** The v2 channel a domain channel maps to (`ticker` is subscribed with `event_trigger: "bbo"`). */
export function krakenChannel(channel: Channel): 'book' | 'trade' | 'ticker' {
  switch (channel) {
    case 'trades':
      return 'trade';
    case 'book':
      return 'book';
    case 'ticker':
      return 'ticker';
  }
}
