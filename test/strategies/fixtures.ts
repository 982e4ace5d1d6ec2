import type { Fill, Side, Trade, VenueId } from '../../src/exchanges/common/types.js';
import type { StrategyContext } from '../../src/strategies/types.js';

let seq = 0;

export function fill(side: Side, qty: number, price: number, extra: Partial<Fill> = {}): Fill {
  seq++;
  return {
    venue: 'binance',
    symbol: 'BTCUSDT',
    clientOrderId: `c${seq}`,
    orderId: `o${seq}`,
    tradeId: `t${seq}`,
    side,
    price,
    qty,
    fee: 0,
    feeAsset: 'USDT',
    liquidity: 'taker',
    venueTs: 0,
    recvTs: 0,
    ...extra,
  };
}

export function trade(ts: number, price: number, qty: number, side: Side = 'buy', venue: VenueId = 'binance', symbol = 'BTCUSDT'): Trade {
  seq++;
  return { venue, symbol, id: `T${seq}`, price, qty, side, venueTs: ts, recvTs: ts + 0.5 };
}

export function ctx(now: () => number = () => 0): StrategyContext {
  return {
    now,
    nav: () => 100_000,
    position: () => 0,
    lastPrice: () => undefined,
    book: () => undefined,
  };
}
