/** Checks of an order's venue-independent fields, shared by the adapters' request builders. */
import { TickwireError } from '../../native/errors.js';
import type { OrderType, Side, TimeInForce } from './types.js';

/** Throws INVALID_ARGUMENT unless side, type and time in force are valid (a market order takes none). */
export function checkOrderShape(o: { side: Side; type: OrderType; timeInForce?: TimeInForce }): void {
  if (o.side !== 'buy' && o.side !== 'sell') throw new TickwireError('INVALID_ARGUMENT', `order.side must be 'buy' or 'sell'`);
  if (o.type !== 'limit' && o.type !== 'market') throw new TickwireError('INVALID_ARGUMENT', `order.type must be 'limit' or 'market'`);
  if (o.type === 'market' && o.timeInForce !== undefined) throw new TickwireError('INVALID_ARGUMENT', 'a market order takes no timeInForce');
  if (o.timeInForce !== undefined && o.timeInForce !== 'gtc' && o.timeInForce !== 'ioc' && o.timeInForce !== 'fok') {
    throw new TickwireError('INVALID_ARGUMENT', `order.timeInForce must be 'gtc', 'ioc' or 'fok'`);
  }
}
