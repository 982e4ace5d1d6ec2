/**
 * Builds venue adapters from the engine config: endpoints (production, config overrides, or a
 * local simulator), transport/TLS options (pins, CA file), credentials (resolved secrets) and
 * order precision.
 */
import { readFileSync } from 'node:fs';

import { BinanceVenue } from '../exchanges/binance/venue.js';
import { BybitVenue } from '../exchanges/bybit/venue.js';
import { CoinbaseVenue } from '../exchanges/coinbase/venue.js';
import type { VenueId } from '../exchanges/common/types.js';
import type { Venue } from '../exchanges/common/venue.js';
import { HyperliquidVenue } from '../exchanges/hyperliquid/venue.js';
import { KrakenVenue } from '../exchanges/kraken/venue.js';
import type { ConnectOptions, TlsOptions } from '../net/options.js';
import { krakenSimToken } from '../sim/kraken.js';
import { DEMO_CREDENTIALS, type SimServer } from '../sim/server.js';
import { configPath, type ResolvedCredentials, type SimConfig, type VenueConfig } from './config.js';

/** Price / quantity decimals of a symbol. */
export interface Precision {
  priceDecimals: number;
  qtyDecimals: number;
}

/** A simulator standing in for a venue: where to connect and how to trust it. */
export interface SimEndpoint {
  server: SimServer;
  tlsMode: SimConfig['tlsMode'];
}

export interface BuiltVenue {
  venue: Venue;
  /** Decimals per symbol for orders (from the config, or the simulator's symbol specs). */
  precision: (symbol: string) => Precision | undefined;
  /** The venue accepts orders (credentials and an adapter with order entry). */
  trading: boolean;
  /** Where it connects (for logs; no secrets). */
  endpoint: string;
}

const SIM_PATHS: Record<VenueId, Record<string, string>> = {
  binance: { streamUrl: '', wsApiUrl: '/ws-api/v3' },
  bybit: { publicUrl: '/v5/public/spot', tradeUrl: '/v5/trade', privateUrl: '/v5/private' },
  kraken: { url: '/v2', authUrl: '/v2' },
  coinbase: { url: '' },
  hyperliquid: { url: '/ws' },
};

/** The simulator's decimals for a venue symbol (`BTCUSDT`, `BTC/USDT`, `BTC-USDT`, `BTC`). */
function simPrecision(server: SimServer, symbol: string): Precision | undefined {
  const flat = symbol.replace(/[-/_]/g, '').toUpperCase();
  for (const s of server.market.symbols.values()) {
    const { base, quote, priceDecimals, qtyDecimals } = s.spec;
    if (flat === `${base}${quote}` || flat === base) return { priceDecimals, qtyDecimals };
  }
  return undefined;
}

function tlsOptions(cfg: VenueConfig, baseDir: string, sim: SimEndpoint | undefined): TlsOptions | undefined {
  if (sim) {
    return sim.tlsMode === 'pin'
      ? { pins: [sim.server.pin], pinOnly: true }
      : { ca: sim.server.cert, pins: [sim.server.pin], servername: 'localhost' };
  }
  const t = cfg.tls;
  if (!t) return undefined;
  return {
    ...(t.pins ? { pins: t.pins } : {}),
    ...(t.pinOnly !== undefined ? { pinOnly: t.pinOnly } : {}),
    ...(t.caFile !== undefined ? { ca: readFileSync(configPath(baseDir, t.caFile), 'utf8') } : {}),
    ...(t.servername !== undefined ? { servername: t.servername } : {}),
    ...(t.handshakeTimeoutMs !== undefined ? { handshakeTimeoutMs: t.handshakeTimeoutMs } : {}),
  };
}

/** Creates the adapter for `id`. Secrets are revealed here only, straight into the adapter. */
export function buildVenue(id: VenueId, cfg: VenueConfig, creds: ResolvedCredentials | undefined, baseDir: string, sim?: SimEndpoint): BuiltVenue {
  const tls = tlsOptions(cfg, baseDir, sim);
  const connect: ConnectOptions = { ...(cfg.connect as ConnectOptions | undefined), ...(tls ? { tls } : {}) };
  // Only the venue's endpoint names (VENUE_URL_KEYS, checked by loadConfig), as the adapter calls its options.
  const urls: Record<string, string> = { ...cfg.urls };
  if (sim) for (const [k, path] of Object.entries(SIM_PATHS[id])) urls[k] = `${sim.server.url}${path}`;
  // A simulator accepts its own published demo credentials (not secrets) unless others are configured.
  const apiKey = creds?.apiKey?.reveal() ?? (sim ? DEMO_CREDENTIALS.apiKey : undefined);
  const secret = creds?.secret?.reveal() ?? (sim ? DEMO_CREDENTIALS.secret : undefined);
  const cfgPrecision = cfg.precision ?? {};
  const precision = (symbol: string): Precision | undefined => cfgPrecision[symbol] ?? (sim ? simPrecision(sim.server, symbol) : undefined);
  const timeout = cfg.requestTimeoutMs !== undefined ? { requestTimeoutMs: cfg.requestTimeoutMs } : {};
  const endpoint = sim ? `${sim.server.url} (simulator, ${sim.tlsMode === 'pin' ? 'pinned' : 'CA + pin'})` : 'production endpoints';

  switch (id) {
    case 'binance': {
      const venue = new BinanceVenue({
        ...urls,
        ...(apiKey !== undefined && secret !== undefined ? { apiKey, secret } : {}),
        connect,
        precision: (s) => precision(s) ?? { priceDecimals: 8, qtyDecimals: 8 },
        ...timeout,
      });
      return { venue, precision, trading: apiKey !== undefined, endpoint };
    }
    case 'bybit': {
      const venue = new BybitVenue({
        ...urls,
        ...(apiKey !== undefined && secret !== undefined ? { apiKey, secret } : {}),
        connect,
        precision: (s) => precision(s) ?? { priceDecimals: 8, qtyDecimals: 8 },
        ...timeout,
      });
      return { venue, precision, trading: apiKey !== undefined, endpoint };
    }
    case 'kraken': {
      const token = creds?.token?.reveal() ?? (sim ? krakenSimToken(DEMO_CREDENTIALS.apiKey, DEMO_CREDENTIALS.secret) : undefined);
      const venue = new KrakenVenue({
        ...urls,
        ...(token !== undefined ? { token } : {}),
        connect,
        precision: (s) => {
          const p = precision(s);
          return p ? { price: p.priceDecimals, qty: p.qtyDecimals } : undefined;
        },
        ...timeout,
      });
      return { venue, precision, trading: token !== undefined, endpoint };
    }
    case 'coinbase': {
      const venue = new CoinbaseVenue({ ...urls, connect, ...timeout });
      return { venue, precision, trading: false, endpoint };
    }
    case 'hyperliquid': {
      const venue = new HyperliquidVenue({ ...urls, connect, ...timeout });
      return { venue, precision, trading: false, endpoint };
    }
  }
}
