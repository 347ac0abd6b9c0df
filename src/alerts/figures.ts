import type { AggregatedGreeks, UnderlyingBreakdown } from '../greeks/types';
import type { RiskFigures } from './types';
import type { UnderlyingWatch } from './underlyings';

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

/** The watched figures of the watched underlyings, and nothing else. */
export function underlyingFigures(
  aggregated: AggregatedGreeks,
  watch: UnderlyingWatch,
): Record<string, Partial<RiskFigures>> {
  const result: Record<string, Partial<RiskFigures>> = {};
  for (const [symbol, metrics] of Object.entries(watch)) {
    const breakdown = aggregated.byUnderlying.find((candidate) => candidate.underlying.toUpperCase() === symbol);
    const all = breakdown ? breakdownFigures(breakdown) : FLAT;
    const picked: Partial<RiskFigures> = {};
    for (const metric of metrics) picked[metric] = all[metric];
    result[symbol] = picked;
  }
  return result;
}
