/**
 * Coinbase Advanced Trade WebSocket endpoints and channel names (CDP "websocket-overview",
 * coinbase-advanced-py `coinbase/constants.py`).
 */
import type { Channel } from '../common/types.js';

/** Public market data (level2, market_trades, ticker, heartbeats …). */
export const COINBASE_MARKET_URL = 'wss://advanced-trade-ws.coinbase.com';
/** User order data (user, futures_balance_summary; JWT required). Not used by this adapter. */
export const COINBASE_USER_URL = 'wss://advanced-trade-ws-user.coinbase.com';

/** What a subscribe message names in `channel`. */
export type CoinbaseSubscribeChannel = 'level2' | 'market_trades' | 'ticker' | 'heartbeats';

/** The subscribe channel a domain channel maps to. */
export function coinbaseChannel(channel: Channel): Exclude<CoinbaseSubscribeChannel, 'heartbeats'> {
  switch (channel) {
    case 'book':
      return 'level2';
    case 'trades':
      return 'market_trades';
    case 'ticker':
      return 'ticker';
  }
}
