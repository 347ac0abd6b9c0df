import type { FiringAlert } from './alerting';
import { totalBufferedRows } from './bufferedRows';
import type { BridgeSettings, BridgeState } from './types';

const fmt = (value: number | null | undefined, digits = 2) =>
  value === null || value === undefined ? '—' : value.toLocaleString('en-US', { maximumFractionDigits: digits });

const iso = (ms: number | null) => (ms === null ? '—' : new Date(ms).toISOString().replace('.000Z', 'Z'));

/** One line per firing alert, critical first, so the UI says at a glance that something needs attention. */
function alertLines(firing: FiringAlert[]): string[] {
  if (firing.length === 0) return [];
  const ordered = [...firing].sort((a, b) => (a.severity === b.severity ? 0 : a.severity === 'critical' ? -1 : 1));
  return [
    '',
    `**Alerts firing: ${firing.length}**`,
    '',
    ...ordered.map(
      (alert) =>
        `- ${alert.severity === 'critical' ? '🔴' : '🟠'} **${alert.rule}** since ${iso(alert.since)}: ${alert.message}`,
    ),
    '',
  ];
}

/** The total, and how many of those rows sit with workers that do not hold the session. */
function bufferedLine(state: BridgeState): string {
  const total = totalBufferedRows(state);
  const elsewhere = total - state.bufferedRows;
  return elsewhere > 0 ? `${total} (${elsewhere} on workers without the session)` : String(total);
}

/** The short markdown the Web UI shows as the workflow's current details. */
export function renderDetails(
  settings: BridgeSettings,
  state: BridgeState,
  nextResetAt: number,
  firing: FiringAlert[] = [],
): string {
  const c = state.lastCycle;
  const coverage = c?.coverage === null || c?.coverage === undefined ? '—' : `${(c.coverage * 100).toFixed(1)} %`;
  const lines = [
    `### IBKR Greeks bridge — ${settings.account}: **${state.paused ? 'PAUSED' : state.state.toUpperCase()}**`,
    state.paused ? `Paused: ${state.pauseReason ?? ''}` : '',
    ...(c?.outcome === 'ib_unavailable' && c.unavailableMessage ? [`No snapshot: ${c.unavailableMessage}`] : []),
    ...alertLines(firing),
    `| net Δ | Γ | vega | θ/day | coverage | options |`,
    `|---|---|---|---|---|---|`,
    `| ${fmt(c?.netDelta)} | ${fmt(c?.netGamma, 4)} | ${fmt(c?.netVega)} | ${fmt(c?.netTheta)} | ${coverage} | ${c?.optionCount ?? '—'} |`,
    '',
    `Last ok cycle: ${iso(state.lastOkAt)} (${c ? `${c.latencyMs} ms` : '—'}) · every ${settings.intervalMs} ms · cycles ${state.cyclesTotal} · skipped ${state.skippedSlotsTotal}`,
    '',
    `Buffered rows awaiting Postgres: ${bufferedLine(state)} · next reset ${iso(nextResetAt)} (${settings.reset.time} ${settings.reset.timeZone})`,
    ...(state.replayFailure
      ? [
          '',
          `Replay failing since ${iso(state.replayFailure.at)} (${state.replayFailure.failures}×): ${state.replayFailure.message}`,
        ]
      : []),
  ];
  // Blank lines end paragraphs: the UI's markdown would otherwise run the status lines together.
  return lines.filter((line, i) => line !== '' || i > 1).join('\n');
}
