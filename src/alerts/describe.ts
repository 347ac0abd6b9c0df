import type { HumanNeededRule, NoCycleRule, ThresholdRule } from './types';
import { isAfterWeeklyTokenExpiry } from './weeklyReauth';

/** One-line descriptions of alert conditions, shared by api_logs, the webhook and the Temporal UI details. */

const METRIC_LABELS: Record<ThresholdRule['metric'], string> = {
  delta: 'net delta',
  dollarDelta: 'dollar delta',
  gamma: 'net gamma',
  vega: 'net vega',
  theta: 'net theta',
  betaWeightedDelta: 'beta-weighted delta',
  coverage: 'Greeks coverage',
  bufferedRows: 'fallback buffer',
};

const number = (value: number, digits = 2) => value.toLocaleString('en-US', { maximumFractionDigits: digits });

function formatValue(rule: ThresholdRule, value: number): string {
  if (rule.metric === 'coverage') return `${(value * 100).toFixed(1)} %`;
  if (rule.metric === 'bufferedRows') return `${number(value, 0)} rows`;
  return number(value);
}

function formatDuration(ms: number): string {
  const seconds = Math.max(0, Math.round(ms / 1000));
  if (seconds < 120) return `${seconds} s`;
  const minutes = Math.round(seconds / 60);
  if (minutes < 120) return `${minutes} min`;
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

const isoSeconds = (at: number) => new Date(at).toISOString().replace(/\.\d{3}Z$/, 'Z');

export function describeThreshold(rule: ThresholdRule, value: number | null, firing: boolean): string {
  const bySource = rule.sources ? ` by ${rule.sources.join(', ')}` : '';
  const subject = `${rule.underlying ? `${rule.underlying} ` : ''}${METRIC_LABELS[rule.metric]}${bySource}`;
  if (value === null) return `${subject}: no value`;
  if (firing) {
    const above = rule.above !== null && value > rule.above;
    const bound = above ? (rule.above as number) : (rule.below as number);
    return `${subject} ${formatValue(rule, value)} ${above ? 'above' : 'below'} ${formatValue(rule, bound)}`;
  }
  const band = [
    rule.below !== null ? `≥ ${formatValue(rule, rule.below + rule.clearMargin)}` : null,
    rule.above !== null ? `≤ ${formatValue(rule, rule.above - rule.clearMargin)}` : null,
  ].filter(Boolean);
  return `${subject} back to ${formatValue(rule, value)} (${band.join(' and ')} for ${rule.clearCycles} cycle(s))`;
}

export function describeNoCycle(rule: NoCycleRule, sinceMs: number, lastOkAt: number | null, firing: boolean): string {
  if (!firing) return `rows reach Postgres again`;
  const last = lastOkAt === null ? 'none yet' : `last ${isoSeconds(lastOkAt)}`;
  return `no row reached Postgres for ${formatDuration(sinceMs)} (limit ${number(rule.minutes)} min; ${last})`;
}

export function describeHumanNeeded(
  rule: HumanNeededRule,
  downMs: number,
  downSince: number | null,
  firing: boolean,
  problem?: string,
): string {
  if (!firing) return `the gateway answers again`;
  if (problem) {
    return (
      `human needed: no snapshot for ${formatDuration(downMs)} beyond what the reset window explains ` +
      `(grace ${number(rule.graceMinutes)} min): ${problem}.`
    );
  }
  const weekly =
    downSince !== null && isAfterWeeklyTokenExpiry(downSince)
      ? ' The outage began after the Sunday 01:00 ET token expiry: the weekly re-authentication is due.'
      : '';
  return (
    `human needed: the gateway has refused connections or is not logged in for ${formatDuration(downMs)} beyond ` +
    `what the reset window explains (grace ${number(rule.graceMinutes)} min); log in to IB Gateway or the ` +
    `Client Portal (2FA).${weekly}`
  );
}
