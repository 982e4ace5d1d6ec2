/**
 * What the telemetry server reads: the engine implements {@link TelemetrySource}; so do
 * {@link RedisTelemetrySource} (src/telemetry/redis.ts, a source fed from Redis) and the tests'
 * scripted source.
 */
import type { EventEmitter } from 'node:events';

import type { FullState, SourceChannel, TelemetrySample } from './protocol.js';

export interface TelemetrySourceEvents {
  /**
   * A channel event, broadcast to subscribed clients as `EVENT {channel, data}`. `data` should have
   * the shape of `ChannelData[channel]` in protocol.ts (it is sent as JSON as it is; a string
   * `data.symbol` is used for SUBSCRIBE {symbol} filtering).
   */
  event: [channel: SourceChannel, data: unknown];
  /** Something a viewer should see at once (a fill, a signal, HALT/RESUME): a TELEMETRY packet goes out now. */
  significant: [];
}

export interface TelemetrySource extends EventEmitter<TelemetrySourceEvents> {
  /** The full state (WELCOME, RESYNC, GET /api/state). Called on connects, not on the hot path. */
  state(): FullState;
  /**
   * A TELEMETRY sample (without `type`/`seq`), taken at the server's `rateHz` and on 'significant'.
   * `symbol` (optional to honour): the market block for that symbol, for clients that SUBSCRIBE {symbol}.
   */
  telemetry(symbol?: string): TelemetrySample;
  /** Operator HALT: cancel open orders and block new ones. `by` names the operator (role/remote), never a secret. */
  halt(reason: string, by: string): Promise<void>;
  resume(by: string): Promise<void>;
}
