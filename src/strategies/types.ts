/**
 * The strategy contract: what the engine feeds a strategy (normalized venue events plus a
 * read-only {@link StrategyContext}) and what a strategy hands back (signals and order intents).
 *
 * A strategy never talks to a venue. Its {@link OrderIntent}s go through the
 * {@link RiskGovernor} (src/strategies/risk.ts), which approves (possibly reducing the size) or
 * rejects each one, and only then does the engine turn them into venue orders.
 *
 * Times are ms since the Unix epoch (the engine's clock, `ctx.now()`).
 */
import type { OrderBook } from '../book/order-book.js';
import type { BookUpdate, Fill, Side, Trade, VenueId } from '../exchanges/common/types.js';

/** A strategy's opinion about a market, with how sure it is and why. */
export interface Signal {
  /** The strategy's name ({@link Strategy.name}). */
  strategy: string;
  venue: VenueId;
  symbol: string;
  /** The side the strategy wants to trade. */
  side: 'buy' | 'sell';
  /** 'follow': trade with the triggering flow; 'fade': against it. */
  kind: 'follow' | 'fade';
  /** 0..1. */
  confidence: number;
  /** One human-readable line: why (shown on the dashboard). */
  reasoning: string;
  /** ms since the Unix epoch. */
  ts: number;
  /** The trade that triggered it (whale signals). */
  trade?: Trade;
}

/** An order a strategy wants placed; the risk governor decides whether (and how big). */
export interface OrderIntent {
  /** Unique, assigned by the strategy: `${strategy}-${n}`. */
  id: string;
  strategy: string;
  venue: VenueId;
  symbol: string;
  side: Side;
  type: 'limit' | 'market';
  /** Required for limit orders. */
  price?: number;
  /** Base-currency quantity, > 0. */
  qty: number;
  /** The signal behind it, if any. */
  signal?: Signal;
  /** ms since the Unix epoch, when the strategy produced it. */
  ts: number;
}

/** Read-only view of the engine's state, passed to every strategy callback. */
export interface StrategyContext {
  /** The engine's clock, ms since the Unix epoch. */
  now(): number;
  /** Net asset value in quote currency (cash + marked positions). */
  nav(): number;
  /** Signed position in base units (long > 0). */
  position(venue: VenueId, symbol: string): number;
  /** Last trade price seen, undefined before the first trade. */
  lastPrice(venue: VenueId, symbol: string): number | undefined;
  /** The live book, undefined when not subscribed / not synced. Read during the callback only. */
  book(venue: VenueId, symbol: string): OrderBook | undefined;
}

/** What a strategy callback returns (or nothing). */
export interface StrategyOutput {
  signals?: Signal[];
  intents?: OrderIntent[];
}

/** A trading strategy. Every callback is optional and synchronous (keep it fast: it is on the hot path). */
export interface Strategy {
  readonly name: string;
  onTrade?(t: Trade, ctx: StrategyContext): StrategyOutput | void;
  onBook?(u: BookUpdate, ctx: StrategyContext): StrategyOutput | void;
  onTimer?(now: number, ctx: StrategyContext): StrategyOutput | void;
  onFill?(f: Fill, ctx: StrategyContext): StrategyOutput | void;
}
