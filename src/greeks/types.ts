import type { ApiMode, MarketDataType } from '../broker/types';
import type { GreeksSource, SourceCounts } from './sources';

/** Why a position was left out of the totals. It is listed, never counted as 0. */
export type ExclusionReason =
  | 'missing'
  | 'stale'
  | 'not_computed'
  | 'no_underlying_price'
  /** An option or future whose contract multiplier neither the position nor its contract details gave. */
  | 'unknown_multiplier'
  /** An input outside the plausibility bounds of greeks/plausibility.ts (e.g. |option delta| > 1). */
  | 'implausible'
  /** A position in a currency for which the gateway reported no exchange rate to the base currency. */
  | 'no_exchange_rate'
  /** Greeks from a source the GREEKS_SOURCES setting does not allow (e.g. the local model in strict mode). */
  | 'source_not_allowed';

/**
 * 'all': the position counts in no figure. 'money': its share delta counts (a stock's or future's delta does not
 * depend on its price) and only the figures that need a price (dollar delta, dollar gamma, beta-weighted delta)
 * leave it out.
 */
export type ExclusionScope = 'all' | 'money';

export interface ExcludedPosition {
  conId: number;
  localSymbol: string;
  underlying: string;
  quantity: number;
  reason: ExclusionReason;
  excludedFrom: ExclusionScope;
  /** Age of the last good Greeks in ms, when there was one. */
  ageMs?: number;
  /** For 'implausible': which input broke which bound, e.g. "underlying price 1e+160 is not below 10000000". */
  detail?: string;
}

export interface GreeksTotals {
  /**
   * Share-equivalent delta: sum of delta × quantity × multiplier (stocks add quantity). Across underlyings this adds
   * share counts of different things (AAPL shares plus ES index units), as IB's portfolio delta does: read exposure
   * per underlying, or as dollarDelta / betaWeightedDelta.
   */
  delta: number;
  /** Change in share-equivalent delta per 1 unit move of the underlying; across underlyings, as for delta. */
  gamma: number;
  /** Currency per 1 volatility point. */
  vega: number;
  /** Currency per calendar day. */
  theta: number;
  /** Currency per 1 unit move of the underlying × price: delta × underlying price. */
  dollarDelta: number;
  /** Currency change in dollar delta per 1 % move (cash gamma): gamma × price² × 0.01, see units. */
  dollarGamma: number;
}

export interface UnderlyingBreakdown extends GreeksTotals {
  underlying: string;
  underlyingPrice: number | null;
  positionCount: number;
  optionCount: number;
  coveredOptionCount: number;
  betaWeightedDelta: number | null;
}

/** A covered option whose Greeks did not come from IB's model: where they came from, and how old their inputs were. */
export interface FallbackPosition {
  conId: number;
  localSymbol: string;
  source: GreeksSource;
  ageMs: number;
}

/** Written next to every snapshot so a reader of the table never guesses the units. */
export interface GreeksUnits {
  delta: string;
  gamma: string;
  vega: string;
  theta: string;
  dollarDelta: string;
  dollarGamma: string;
  betaWeightedDelta: string;
  /** The currency of vega, theta, dollarDelta, dollarGamma and P&L, and the exchange rates used. */
  currency: string;
  pnl: string;
  /** Present when betaWeightedDelta is null: why (code, colon, explanation). */
  betaWeightedDeltaReason?: string;
}

/** The aggregation result for one account at one instant. Pure data, JSON-serialisable. */
export interface AggregatedGreeks {
  account: string;
  mode: ApiMode;
  /** Epoch ms of the broker snapshot. */
  takenAt: number;
  /** The single type when all Greeks share one, otherwise 'mixed'. null when there were no Greeks. */
  marketDataType: MarketDataType | 'mixed' | null;
  totals: GreeksTotals;
  betaWeightedDelta: number | null;
  /** Benchmark symbol the beta-weighted delta is expressed in, e.g. "SPY". */
  betaBenchmark: string | null;
  pnl: { daily: number | null; unrealized: number | null; realized: number | null } | null;
  positionCount: number;
  optionCount: number;
  coveredOptionCount: number;
  /** coveredOptionCount / optionCount; 1 when there are no options. */
  coverage: number;
  /** Covered options per source of their Greeks (only the allowed sources cover). */
  sources: SourceCounts;
  /** The covered options whose Greeks are not IB's model values, each with its source and the age of its inputs. */
  fallbackPositions: FallbackPosition[];
  excluded: ExcludedPosition[];
  byUnderlying: UnderlyingBreakdown[];
  units: GreeksUnits;
}
