import type { AggregatedGreeks, UnderlyingBreakdown } from '../greeks/types';
import type { RiskFigures } from './types';

/** Per-underlying figures alert rules read, taken from one aggregation (in the cycle activity). */

function breakdownFigures(breakdown: UnderlyingBreakdown): RiskFigures {
  return {
    delta: breakdown.delta,
    dollarDelta: breakdown.dollarDelta,
    gamma: breakdown.gamma,
    vega: breakdown.vega,
    theta: breakdown.theta,
    betaWeightedDelta: breakdown.betaWeightedDelta,
    coverage: breakdown.optionCount > 0 ? breakdown.coveredOptionCount / breakdown.optionCount : 1,
  };
}

/** An underlying the account no longer holds contributes nothing: zeros, full coverage (the aggregation's convention). */
const FLAT: RiskFigures = { delta: 0, dollarDelta: 0, gamma: 0, vega: 0, theta: 0, betaWeightedDelta: 0, coverage: 1 };

/** Figures of the named underlyings only. */
export function underlyingFigures(aggregated: AggregatedGreeks, symbols: string[]): Record<string, RiskFigures> {
  const figures: Record<string, RiskFigures> = {};
  for (const symbol of symbols) {
    const breakdown = aggregated.byUnderlying.find((candidate) => candidate.underlying.toUpperCase() === symbol);
    figures[symbol] = breakdown ? breakdownFigures(breakdown) : { ...FLAT };
  }
  return figures;
}
