import type { AggregatedGreeks } from '../greeks/types';
import { InvalidRowError } from './invalidRowError';
import { redactEvent } from '../secrets/redact';
import type { ApiLogRow, SnapshotRow } from './types';

/** Column order of the multi-row INSERT; snapshotValues returns values in the same order. */
export const SNAPSHOT_COLUMNS = [
  'cycle_key',
  'workflow_id',
  'account',
  'snapshot_at',
  'mode',
  'market_data_type',
  'net_delta',
  'net_gamma',
  'net_vega',
  'net_theta',
  'dollar_delta',
  'dollar_gamma',
  'beta_weighted_delta',
  'beta_benchmark',
  'pnl_daily',
  'pnl_unrealized',
  'pnl_realized',
  'position_count',
  'option_count',
  'covered_option_count',
  'coverage',
  'excluded',
  'by_underlying',
  'units',
  'cycle_latency_ms',
  'greeks_sources',
  'fallback_positions',
] as const;

export const API_LOG_COLUMNS = [
  'log_key',
  'logged_at',
  'account',
  'mode',
  'event',
  'ib_code',
  'message',
  'details',
] as const;

export function snapshotValues(row: SnapshotRow): unknown[] {
  if (!isObject(row)) throw new InvalidRowError('snapshot row is not an object');
  const where = `snapshot ${typeof row.cycleKey === 'string' ? row.cycleKey : '?'}`;
  const g = row.aggregated as AggregatedGreeks | undefined;
  if (!isObject(g)) throw new InvalidRowError(`${where}: aggregated is missing`);
  if (!isObject(g.totals)) throw new InvalidRowError(`${where}: aggregated.totals is missing`);
  const pnl = g.pnl ?? { daily: null, unrealized: null, realized: null };
  const latency = nullableNumber(row.cycleLatencyMs, `${where}: cycleLatencyMs`);
  if (g.sources !== undefined && !isObject(g.sources)) throw new InvalidRowError(`${where}: sources is not an object`);
  if (g.fallbackPositions !== undefined && !Array.isArray(g.fallbackPositions)) {
    throw new InvalidRowError(`${where}: fallbackPositions is not an array`);
  }
  return [
    text(row.cycleKey, `${where}: cycleKey`),
    text(row.workflowId, `${where}: workflowId`),
    text(g.account, `${where}: account`),
    epochMs(g.takenAt, `${where}: takenAt`),
    g.mode,
    g.marketDataType ?? null,
    finite(g.totals.delta, `${where}: totals.delta`),
    finite(g.totals.gamma, `${where}: totals.gamma`),
    finite(g.totals.vega, `${where}: totals.vega`),
    finite(g.totals.theta, `${where}: totals.theta`),
    finite(g.totals.dollarDelta, `${where}: totals.dollarDelta`),
    finite(g.totals.dollarGamma, `${where}: totals.dollarGamma`),
    nullableNumber(g.betaWeightedDelta, `${where}: betaWeightedDelta`),
    g.betaBenchmark ?? null,
    nullableNumber(pnl.daily, `${where}: pnl.daily`),
    nullableNumber(pnl.unrealized, `${where}: pnl.unrealized`),
    nullableNumber(pnl.realized, `${where}: pnl.realized`),
    finite(g.positionCount, `${where}: positionCount`),
    finite(g.optionCount, `${where}: optionCount`),
    finite(g.coveredOptionCount, `${where}: coveredOptionCount`),
    finite(g.coverage, `${where}: coverage`),
    JSON.stringify(g.excluded ?? []),
    JSON.stringify(g.byUnderlying ?? []),
    JSON.stringify(g.units ?? null),
    latency === null ? null : Math.round(latency),
    // Rows buffered by a build from before the sources were recorded have neither.
    JSON.stringify(g.sources ?? {}),
    JSON.stringify(g.fallbackPositions ?? []),
  ];
}

/** The row's values in API_LOG_COLUMNS order, its message and details redacted (src/secrets) on the way. */
export function apiLogValues(row: ApiLogRow): unknown[] {
  if (!isObject(row)) throw new InvalidRowError('api log row is not an object');
  const where = `api log ${typeof row.key === 'string' ? row.key : '?'}`;
  // A row read back from the buffer is whatever JSON the file held: its message may not be a string.
  const safe = redactEvent({
    ...row,
    message: typeof row.message === 'string' ? row.message : String(row.message ?? ''),
  });
  return [
    text(row.key, `${where}: key`),
    epochMs(row.at, `${where}: at`),
    row.account ?? null,
    row.mode ?? null,
    text(row.event, `${where}: event`),
    nullableNumber(row.code ?? null, `${where}: code`),
    safe.message,
    safe.details == null ? null : JSON.stringify(safe.details),
  ];
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function text(value: unknown, what: string): string {
  if (typeof value !== 'string' || value === '') throw new InvalidRowError(`${what} must be a non-empty string`);
  return value;
}

// NaN and ±Infinity are legal in a double precision column but cannot survive the JSONL buffer and
// are never a real Greek: refuse them here, where the message can still say which field.
function finite(value: unknown, what: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new InvalidRowError(`${what} must be a finite number, got ${String(value)}`);
  }
  return value;
}

function nullableNumber(value: unknown, what: string): number | null {
  return value === null || value === undefined ? null : finite(value, what);
}

function epochMs(value: unknown, what: string): Date {
  const ms = finite(value, what);
  const date = new Date(ms);
  if (Number.isNaN(date.getTime())) throw new InvalidRowError(`${what} is not a valid epoch ms: ${ms}`);
  return date;
}
