import { STAGES } from './historyBreakdown';
import type { SizeResult, TargetCheck } from './results';

type Row = [label: string, pick: (r: SizeResult) => string];

const ms = (value: number | null) => (value === null ? 'n/a' : `${value} ms`);
const trio = (...values: Array<number | null>) =>
  values.map((v) => (v === null ? 'n/a' : String(v))).join(' / ') + ' ms';

const ROWS: Row[] = [
  [
    'cycles measured (Temporal / in-process)',
    (r) => `${r.cycles} / ${r.baseline_cycles} (failed ${r.failed_cycles} / ${r.baseline_failed_cycles})`,
  ],
  [
    'row committed − slot p50/p95/p99',
    (r) => trio(r.commit_minus_slot_p50_ms, r.commit_minus_slot_p95_ms, r.commit_minus_slot_p99_ms),
  ],
  ['in-process loop: committed − slot p99', (r) => ms(r.baseline_commit_minus_slot_p99_ms)],
  ['work p50/p95/p99 (activity)', (r) => trio(r.work_p50_ms, r.work_p95_ms, r.work_p99_ms)],
  ['baseline p50/p95/p99 (in-process loop)', (r) => trio(r.baseline_p50_ms, r.baseline_p95_ms, r.baseline_p99_ms)],
  ['end-to-end p50/p95/p99 (from max(scheduled, slot))', (r) => trio(r.e2e_p50_ms, r.e2e_p95_ms, r.e2e_p99_ms)],
  ['overhead p99 (e2e p99 − baseline p99)', (r) => ms(r.overhead_p99_ms)],
  ['per-cycle e2e − work p50/p99', (r) => trio(r.overhead_per_cycle_p50_ms, r.overhead_per_cycle_p99_ms)],
  ['idle CPU: worker / Temporal server', (r) => `${r.idle_worker_cpu_pct} / ${r.idle_server_cpu_pct} % of a core`],
  [
    'CPU per cycle: in-process / worker / server',
    (r) => trio(r.baseline_cpu_per_cycle_ms, r.worker_cpu_per_cycle_ms, r.server_cpu_per_cycle_ms),
  ],
  ['start jitter p50/p99 vs grid', (r) => trio(r.jitter_p50_ms, r.jitter_p99_ms)],
  ['in-process loop jitter p99', (r) => ms(r.baseline_jitter_p99_ms)],
  ['drift (missed slots × interval)', (r) => `${r.drift_ms} ms (${r.missed_slots} missed)`],
  ['history events per cycle', (r) => String(r.events_per_cycle)],
  ['Temporal Cloud actions per cycle', (r) => String(r.actions_per_cycle)],
  ['actions a day at 5 s', (r) => String(r.actions_per_day_at_5s)],
  [
    'cycles per continue-as-new run',
    (r) => (r.cycles_per_run_measured ? `${r.cycles_per_run} (${r.runs} runs)` : `~${r.cycles_per_run} (predicted)`),
  ],
  ['worker RSS after warm-up → end', (r) => `${r.rss_start_mb} → ${r.rss_end_mb} MB (${r.rss_growth_pct} %)`],
  ['insert p50/p99, empty table', (r) => trio(r.insert_p50_ms_empty, r.insert_p99_ms_empty)],
  ['insert p50/p99, filled table', (r) => trio(r.insert_p50_ms_5m, r.insert_p99_ms_5m)],
  ['reconnect p50/p99 (gateway back → ready)', (r) => trio(r.reconnect_p50_ms, r.reconnect_p99_ms)],
  ['all Greeks back after reset p50/max', (r) => trio(r.data_back_p50_ms, r.data_back_max_ms)],
  ['unplanned drop → ready p99', (r) => ms(r.drop_reconnect_p99_ms)],
  ['initial load (connect → all Greeks)', (r) => ms(r.initial_load_ms)],
  ['pacing floor (lines ÷ request rate)', (r) => `${ms(r.pacing_floor_ms)} (${r.market_data_lines} lines)`],
  [
    'requests refused (error 100): load / resets',
    (r) => `${r.load_pacing_violations} / ${r.reconnect_pacing_violations}`,
  ],
];

/** Metrics down, portfolio sizes across. */
export function formatTable(results: SizeResult[]): string {
  return grid(results, ROWS);
}

/** Where a Temporal cycle's time goes, stage by stage, from the history's timestamps. */
export function formatStages(results: SizeResult[]): string {
  return grid(
    results,
    STAGES.map((stage): Row => [`${stage} p50/p99`, (r) => `${r.stages_ms[stage].p50} / ${r.stages_ms[stage].p99} ms`]),
  );
}

function grid(results: SizeResult[], rows: Row[]): string {
  const header = ['', ...results.map((r) => `${r.positions} options`)];
  const body = rows.map(([label, pick]) => [label, ...results.map(pick)]);
  const widths = header.map((_, i) => Math.max(...[header, ...body].map((row) => row[i].length)));
  const line = (cells: string[]) =>
    cells.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map(line)].join('\n');
}

export function formatTargets(checks: TargetCheck[]): string {
  return checks
    .map(
      (c) =>
        `${c.met ? 'met   ' : 'MISSED'}  ${c.positions === null ? '' : `${c.positions} options: `}${c.target} (${c.value})`,
    )
    .join('\n');
}
