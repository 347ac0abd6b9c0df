import type { AlertRule, RiskFigures } from './types';

/** Per underlying, the figures some rule reads. */
export type UnderlyingWatch = Record<string, Array<keyof RiskFigures>>;

/**
 * What the rules read per underlying: the cycle reports these figures and no others, so the summary each cycle puts
 * in the workflow history grows by a number per (underlying, metric) a rule names, not by the whole breakdown.
 */
export function watchedUnderlyings(rules: AlertRule[]): UnderlyingWatch {
  const watch: UnderlyingWatch = {};
  for (const rule of rules) {
    if (!('underlying' in rule) || !rule.underlying || rule.metric === 'bufferedRows') continue;
    const metrics = (watch[rule.underlying] ??= []);
    if (!metrics.includes(rule.metric)) metrics.push(rule.metric);
  }
  return watch;
}
