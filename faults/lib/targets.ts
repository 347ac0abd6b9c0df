import type { ScenarioFigures } from './gridFigures';

/**
 * The bridge's reliability targets, judged from a scenario's figures. A missed target is reported, never hidden,
 * and does not fail a scenario: only unexplained slots and the scenario's own checks do.
 */
export interface TargetResult {
  target: string;
  met: boolean;
  detail: string;
  /** The interval the figures were measured at; the targets are set for the production interval. */
  intervalMs: number | null;
}

/** The targets are stated for the production interval. */
export const TARGET_INTERVAL_MS = 5000;

/** Reasons that are not a loss: the bridge was not asked for these slots. */
const NOT_ASKED = new Set(['reset_window', 'paused']);

const seconds = (ms: number | null) => (ms === null ? 'none' : `${(ms / 1000).toFixed(1)} s`);

function atInterval(intervalMs: number | null): string {
  if (intervalMs === null) return 'at mixed intervals';
  const at = `at a ${intervalMs / 1000} s interval`;
  return intervalMs === TARGET_INTERVAL_MS ? at : `${at} (the target is set at ${TARGET_INTERVAL_MS / 1000} s)`;
}

function reasons(byReason: Record<string, number>): string {
  const entries = Object.entries(byReason);
  return entries.length === 0 ? 'none' : entries.map(([reason, n]) => `${reason} ${n}`).join(', ');
}

/** Postgres refused, hung or slow: every slot the bridge was asked for is in the table after replay, none skipped. */
export function databaseFaultTarget(f: ScenarioFigures): TargetResult {
  const skipped = Object.entries(f.missingByReason)
    .filter(([reason]) => !NOT_ASKED.has(reason))
    .reduce((n, [, slots]) => n + slots, 0);
  const availability = f.availability === null ? 'n/a' : `${(f.availability * 100).toFixed(2)} %`;
  return {
    target: 'availability 100 %, 0 skipped',
    met: f.availability === 1 && skipped === 0,
    detail: `availability ${availability}, ${skipped} skipped (${reasons(f.missingByReason)}), ${atInterval(f.intervalMs)}`,
    intervalMs: f.intervalMs,
  };
}

/** Kill -9 of the session holder: rows again within 10 s of every kill, at most two slots missing per kill. */
export function holderKillTarget(f: ScenarioFigures, maxRecoveryMs = 10_000, maxMissingPerKill = 2): TargetResult {
  const worstMissing = Math.max(0, ...f.faults.map((fault) => fault.missing));
  return {
    target: `recovery ≤ ${maxRecoveryMs / 1000} s, ≤ ${maxMissingPerKill} slots missing per kill`,
    met:
      f.faults.length > 0 &&
      f.unrecovered === 0 &&
      (f.recoveryMaxMs ?? Infinity) <= maxRecoveryMs &&
      worstMissing <= maxMissingPerKill,
    detail:
      `${f.faults.length} kill(s): recovery p50 ${seconds(f.recoveryP50Ms)}, max ${seconds(f.recoveryMaxMs)}` +
      `${f.unrecovered > 0 ? `, ${f.unrecovered} without a row after` : ''}, at most ${worstMissing} slot(s) missing` +
      ` per kill, ${atInterval(f.intervalMs)}`,
    intervalMs: f.intervalMs,
  };
}

/** Temporal server down: missing slots are those of the downtime plus at most one, each `temporal_unavailable`. */
export function temporalDownTarget(f: ScenarioFigures): TargetResult {
  const extra = f.faults.map((fault) => fault.missing - fault.downtimeSlots);
  const wrongReasons: Record<string, number> = {};
  for (const fault of f.faults)
    for (const [reason, n] of Object.entries(fault.missingByReason))
      if (reason !== 'temporal_unavailable') wrongReasons[reason] = (wrongReasons[reason] ?? 0) + n;
  const perFault = f.faults.map((fault) => `${fault.missing}/${fault.downtimeSlots}`).join(', ');
  return {
    target: 'missing = downtime slots + ≤ 1, reason temporal_unavailable',
    met: f.faults.length > 0 && extra.every((n) => n <= 1) && Object.keys(wrongReasons).length === 0,
    detail:
      `missing/downtime slots per outage: ${perFault || 'no outage'}; other reasons: ${reasons(wrongReasons)}, ` +
      atInterval(f.intervalMs),
    intervalMs: f.intervalMs,
  };
}

/** Gateway faults: a row for the first slot that starts after the gateway is back (recovery ≤ 1 slot). */
export function gatewayRecoveryTarget(f: ScenarioFigures): TargetResult {
  const slot = f.intervalMs ?? TARGET_INTERVAL_MS;
  const late = f.faults.filter((fault) => fault.recoveryMs === null || fault.recoveryMs > slot).length;
  return {
    target: 'recovery ≤ 1 slot after the gateway is back',
    met: f.faults.length > 0 && late === 0,
    detail:
      `${f.faults.length} fault(s): recovery p50 ${seconds(f.recoveryP50Ms)}, max ${seconds(f.recoveryMaxMs)}, ` +
      `${late} over one slot, ${atInterval(f.intervalMs)}`,
    intervalMs: f.intervalMs,
  };
}

/** The check that fails a scenario: every missing slot has a recorded reason. */
export function unexplainedCheck(f: ScenarioFigures): { ok: boolean; detail: string } {
  return {
    ok: f.unexplained === 0,
    detail:
      f.unexplained === 0
        ? `0 of ${f.missing} missing`
        : `${f.unexplained} of ${f.missing} missing, first at ${f.unexplainedSlots.map((s) => new Date(s).toISOString()).join(', ')}`,
  };
}
