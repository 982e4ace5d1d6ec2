/**
 * The simulator's venue registry: name → protocol module factory. `tickwire sim --venue <name>`
 * and `SimServer.start({ venue: '<name>' })` look names up here. Adding a venue: write
 * src/sim/<venue>.ts exporting a {@link SimVenueFactory} and add one line below
 * (docs/simulator.md walks through it).
 */
import { binanceVenue } from './binance.js';
import { bybitVenue } from './bybit.js';
import { coinbaseVenue } from './coinbase.js';
import { hyperliquidVenue } from './hyperliquid.js';
import { krakenVenue } from './kraken.js';
import type { SimVenueFactory } from './server.js';

export const SIM_VENUES: Readonly<Record<string, SimVenueFactory>> = {
  binance: binanceVenue,
  bybit: bybitVenue,
  coinbase: coinbaseVenue,
  hyperliquid: hyperliquidVenue,
  kraken: krakenVenue,
};
