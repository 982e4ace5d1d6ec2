/**
 * Hyperliquid WebSocket endpoints and subscription types (hyperliquid-python-sdk
 * `websocket_manager.py`, `utils/types.py`; Hyperliquid gitbook "websocket/subscriptions").
 */
import type { Channel } from '../common/types.js';

export const HYPERLIQUID_URL = 'wss://api.hyperliquid.xyz/ws';
export const HYPERLIQUID_TESTNET_URL = 'wss://api.hyperliquid-testnet.xyz/ws';

/** The subscription `type` a domain channel maps to: 'book' → `l2Book`, 'trades' → `trades`, 'ticker' → `bbo`. */
export function hyperliquidSubscriptionType(channel: Channel): 'l2Book' | 'trades' | 'bbo' {
  switch (channel) {
    case 'book':
      return 'l2Book';
    case 'trades':
      return 'trades';
    case 'ticker':
      return 'bbo';
  }
}
