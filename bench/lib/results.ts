import { DEFAULT_SETTINGS } from '../../src/workflows/types';
import { netCpuPerCycleMs, type IdleCpu, type PhaseCpu } from './cpu';
import type { ReconnectFigures } from './reconnect';
import { round, summarize } from './stats';
import type { Cadence } from './cadence';
import type { CycleSample } from './cycleRecorder';
import { STAGES, type Stage } from './historyBreakdown';
import type { HistoryEvent } from './history';
import { actionsPerDay, countActions } from './temporalActions';
import type { TemporalPhaseResult } from './temporalPhase';

/** Figures of one portfolio size. The keys documented in docs/performance.md are stable; the others may grow. */
export interface SizeResult {
  positions: number;
  /** Row committed − slot instant: what a reader of the table waits for a slot's row (the headline latency). */
  commit_minus_slot_p50_ms: number | null;
  commit_minus_slot_p95_ms: number | null;
  commit_minus_slot_p99_ms: number | null;
  /** The same for the in-process loop. */
  baseline_commit_minus_slot_p99_ms: number | null;
  work_p50_ms: number | null;
  work_p95_ms: number | null;
  work_p99_ms: number | null;
  baseline_p50_ms: number | null;
  baseline_p95_ms: number | null;
  baseline_p99_ms: number | null;
  e2e_p50_ms: number | null;
  e2e_p95_ms: number | null;
  e2e_p99_ms: number | null;
  overhead_p99_ms: number | null;
  overhead_per_cycle_p50_ms: number | null;
  overhead_per_cycle_p99_ms: number | null;
  jitter_p50_ms: number | null;
  jitter_p99_ms: number | null;
  baseline_jitter_p99_ms: number | null;
  drift_ms: number;
  missed_slots: number;
  lag_trend_ms: number | null;
  events_per_cycle: number | null;
  /** The same as events_per_cycle, under the name the docs use. */
  history_events_per_cycle: number | null;
  /** Temporal Cloud actions (bench/lib/temporalActions.ts) per cycle, and per day for one account at 5 s. */
  actions_per_cycle: number | null;
  actions_per_day_at_5s: number | null;
  cycles_per_run: number | null;
  /** False when no run reached continue-as-new and cycles_per_run is predicted from events per cycle. */
  cycles_per_run_measured: boolean;
  runs: number;
  cycles: number;
  baseline_cycles: number;
  /** In-process cycles whose write failed (the workflow would have buffered them). */
  baseline_failed_cycles: number;
  /** Cycle activities of the workflow that failed or timed out. */
  failed_cycles: number;
  rss_start_mb: number | null;
  rss_end_mb: number | null;
  rss_growth_pct: number | null;
  heap_growth_pct: number | null;
  /** RSS every tenth of the run (no forced collection), and its growth over the second half of the run. */
  rss_curve_mb: number[];
  rss_growth_second_half_pct: number | null;
  insert_p50_ms_empty: number | null;
  insert_p99_ms_empty: number | null;
  insert_p50_ms_5m: number | null;
  insert_p99_ms_5m: number | null;
  insert_rows_filled: number;
  reconnect_p50_ms: number | null;
  reconnect_p99_ms: number | null;
  data_back_p50_ms: number | null;
  data_back_max_ms: number | null;
  drop_reconnect_p99_ms: number | null;
  load_s: number | null;
  /** Connect → every option has fresh Greeks (load_s in ms). */
  initial_load_ms: number | null;
  /** Nightly reset: gateway listening again → every option has fresh Greeks (p50 over the resets that waited). */
  greeks_back_after_reset_ms: number | null;
  /** Market-data lines ÷ the adapter's steady request rate: no load or re-subscription can be faster. */
  pacing_floor_ms: number;
  market_data_lines: number;
  /** Requests the simulator refused with error 100 during the load, and during the resets and drops. */
  load_pacing_violations: number;
  reconnect_pacing_violations: number;
  /** CPU % of one core with no cycle running: the worker (market-data ingest, pollers) and the Temporal server. */
  idle_worker_cpu_pct: number | null;
  idle_server_cpu_pct: number | null;
  /** CPU ms one cycle adds over idle: in the in-process loop, in the worker under Temporal, in the Temporal server. */
  baseline_cpu_per_cycle_ms: number | null;
  worker_cpu_per_cycle_ms: number | null;
  server_cpu_per_cycle_ms: number | null;
  /** p50/p99 of each stage of a cycle, from the history's timestamps. */
  stages_ms: Record<Stage, { p50: number | null; p99: number | null }>;
  /** The stages' p99 as flat keys (timer_late_p99_ms ...), for tools that read flat JSON. */
  timer_late_p99_ms: number | null;
  wft1_wait_p99_ms: number | null;
  wft1_run_p99_ms: number | null;
  activity_wait_p99_ms: number | null;
  activity_run_p99_ms: number | null;
  wft2_wait_p99_ms: number | null;
  wft2_run_p99_ms: number | null;
}

export interface InsertFigures {
  empty: number[];
  filled: number[];
  rowsFilled: number;
}

/** The workflow continues as new after maxCyclesPerRun cycles or once its history reaches maxHistoryEventsPerRun. */
function predictedCyclesPerRun(eventsPerCycle: number): number {
  return Math.min(
    DEFAULT_SETTINGS.maxCyclesPerRun,
    Math.ceil(DEFAULT_SETTINGS.maxHistoryEventsPerRun / eventsPerCycle),
  );
}

const pct = (start: number, end: number) => round((100 * (end - start)) / start);

/** The cost figures of one Temporal run (also used for the long run). */
export function temporalFigures(run: TemporalPhaseResult, baselineP99: number, idle: IdleCpu) {
  const work = summarize(run.cycles.map((c) => c.workMs));
  const commit = summarize(run.commitMinusSlot);
  const stages = Object.fromEntries(
    STAGES.map((stage) => {
      const s = summarize(run.stages[stage]);
      return [stage, { p50: round(s.p50), p99: round(s.p99) }];
    }),
  ) as SizeResult['stages_ms'];
  const e2e = summarize(run.cycles.map((c) => c.endToEndMs));
  const perCycle = summarize(run.cycles.map((c) => c.endToEndMs - c.workMs));
  return {
    commit_minus_slot_p50_ms: round(commit.p50),
    commit_minus_slot_p95_ms: round(commit.p95),
    commit_minus_slot_p99_ms: round(commit.p99),
    work_p50_ms: round(work.p50),
    work_p95_ms: round(work.p95),
    work_p99_ms: round(work.p99),
    e2e_p50_ms: round(e2e.p50),
    e2e_p95_ms: round(e2e.p95),
    e2e_p99_ms: round(e2e.p99),
    overhead_p99_ms: round(e2e.p99 - baselineP99),
    overhead_per_cycle_p50_ms: round(perCycle.p50),
    overhead_per_cycle_p99_ms: round(perCycle.p99),
    jitter_p50_ms: round(run.cadence.jitter.p50),
    jitter_p99_ms: round(run.cadence.jitter.p99),
    drift_ms: run.cadence.driftMs,
    missed_slots: run.cadence.missedSlots,
    lag_trend_ms: round(run.cadence.lagTrendMs),
    events_per_cycle: round(run.history.eventsPerCycle),
    history_events_per_cycle: round(run.history.eventsPerCycle),
    cycles_per_run: round(run.history.cyclesPerRun ?? predictedCyclesPerRun(run.history.eventsPerCycle)),
    cycles_per_run_measured: run.history.cyclesPerRun !== null,
    ...actionFigures(run.history.runs.map((r) => r.history)),
    runs: run.history.runs.length,
    cycles: run.cycles.length,
    failed_cycles: run.history.failedCycles,
    worker_cpu_per_cycle_ms: round(
      netCpuPerCycleMs({ cpuMs: run.workerCpuMs, seconds: run.seconds, written: run.written }, idle.workerPct),
    ),
    server_cpu_per_cycle_ms: round(
      netCpuPerCycleMs({ cpuMs: run.serverCpuMs, seconds: run.seconds, written: run.written }, idle.serverPct),
    ),
    rss_start_mb: round(run.memoryAtStart.rssMb),
    rss_end_mb: round(run.memoryAtEnd.rssMb),
    rss_growth_pct: pct(run.memoryAtStart.rssMb, run.memoryAtEnd.rssMb),
    heap_growth_pct: pct(run.memoryAtStart.heapUsedMb, run.memoryAtEnd.heapUsedMb),
    rss_curve_mb: run.rssCurveMb.map((mb) => Math.round(mb)),
    rss_growth_second_half_pct:
      run.rssCurveMb.length >= 3
        ? pct(run.rssCurveMb[Math.floor((run.rssCurveMb.length - 1) / 2)], run.rssCurveMb[run.rssCurveMb.length - 1])
        : null,
    stages_ms: stages,
    ...(Object.fromEntries(STAGES.map((stage) => [`${stage}_p99_ms`, stages[stage].p99])) as Pick<
      SizeResult,
      `${Stage}_p99_ms`
    >),
  };
}

export function sizeResult(input: {
  positions: number;
  marketDataLines: number;
  /** The adapter's steady request rate (messages per second). */
  requestsPerSecond: number;
  loadSeconds: number;
  loadPacingViolations: number;
  baselineCommitMinusSlot: number[];
  baselineFailedCycles: number;
  baseline: CycleSample[];
  baselineCadence: Cadence;
  idle: IdleCpu;
  baselineCpu: PhaseCpu;
  temporal: TemporalPhaseResult;
  reconnects: ReconnectFigures;
  inserts: InsertFigures | null;
}): SizeResult {
  const baseline = summarize(input.baseline.map((c) => c.workMs));
  const reconnect = summarize(input.reconnects.readyMs);
  const dataBack = summarize(input.reconnects.dataBackMs);
  const empty = summarize(input.inserts?.empty ?? []);
  const filled = summarize(input.inserts?.filled ?? []);
  return {
    positions: input.positions,
    baseline_commit_minus_slot_p99_ms: round(summarize(input.baselineCommitMinusSlot).p99),
    baseline_p50_ms: round(baseline.p50),
    baseline_p95_ms: round(baseline.p95),
    baseline_p99_ms: round(baseline.p99),
    baseline_jitter_p99_ms: round(input.baselineCadence.jitter.p99),
    baseline_cycles: input.baseline.length,
    baseline_failed_cycles: input.baselineFailedCycles,
    ...temporalFigures(input.temporal, baseline.p99, input.idle),
    idle_worker_cpu_pct: round(input.idle.workerPct),
    idle_server_cpu_pct: round(input.idle.serverPct),
    baseline_cpu_per_cycle_ms: round(netCpuPerCycleMs(input.baselineCpu, input.idle.workerPct)),
    insert_p50_ms_empty: round(empty.p50),
    insert_p99_ms_empty: round(empty.p99),
    insert_p50_ms_5m: round(filled.p50),
    insert_p99_ms_5m: round(filled.p99),
    insert_rows_filled: input.inserts?.rowsFilled ?? 0,
    reconnect_p50_ms: round(reconnect.p50),
    reconnect_p99_ms: round(reconnect.p99),
    data_back_p50_ms: round(dataBack.p50),
    data_back_max_ms: round(dataBack.max),
    drop_reconnect_p99_ms: round(summarize(input.reconnects.dropReadyMs).p99),
    load_s: round(input.loadSeconds),
    initial_load_ms: Math.round(input.loadSeconds * 1000),
    greeks_back_after_reset_ms: round(dataBack.p50),
    pacing_floor_ms: Math.round((input.marketDataLines / input.requestsPerSecond) * 1000),
    market_data_lines: input.marketDataLines,
    load_pacing_violations: input.loadPacingViolations,
    reconnect_pacing_violations: input.reconnects.pacingViolations,
  };
}

export interface TargetCheck {
  positions: number | null;
  target: string;
  value: string;
  met: boolean;
}

/** The performance targets (docs/performance.md); the bench reports them and never fails on them. */
export function checkTargets(results: SizeResult[], longRun: { rss_growth_pct: number | null; cycles: number } | null) {
  const checks: TargetCheck[] = [];
  const add = (positions: number | null, target: string, value: number | null, met: (v: number) => boolean) =>
    checks.push({
      positions,
      target,
      value: value === null ? 'n/a' : String(value),
      met: value !== null && met(value),
    });
  for (const r of results) {
    const workLimit = r.positions <= 60 ? 10 : 25;
    add(r.positions, `work p99 ≤ ${workLimit} ms`, r.work_p99_ms, (v) => v <= workLimit);
    add(r.positions, 'Temporal overhead p99 ≤ 30 ms', r.overhead_p99_ms, (v) => v <= 30);
    add(r.positions, 'drift = 0', r.drift_ms, (v) => v === 0);
    add(r.positions, 'jitter p99 ≤ 50 ms', r.jitter_p99_ms, (v) => v <= 50);
    add(r.positions, '≤ 12 history events per cycle', r.events_per_cycle, (v) => v <= 12);
    if (r.insert_p99_ms_empty !== null && r.insert_p99_ms_5m !== null) {
      const flatLimit = round(1.5 * r.insert_p99_ms_empty + 1) as number;
      add(r.positions, `insert p99 flat when filled (≤ ${flatLimit} ms)`, r.insert_p99_ms_5m, (v) => v <= flatLimit);
    }
    add(r.positions, 'reconnect p99 ≤ 3000 ms', r.reconnect_p99_ms, (v) => v <= 3000);
  }
  if (longRun) {
    add(null, `RSS growth ≤ 5 % over ${longRun.cycles} cycles`, longRun.rss_growth_pct, (v) => v <= 5);
  } else {
    for (const r of results) {
      add(r.positions, `RSS growth ≤ 5 % over ${r.cycles} cycles (short run)`, r.rss_growth_pct, (v) => v <= 5);
    }
  }
  return checks;
}

/** Temporal Cloud actions per cycle in this run's histories, and what that makes a day at the production 5 s. */
function actionFigures(histories: HistoryEvent[][]) {
  const count = countActions(histories);
  return {
    actions_per_cycle: count.cycles > 0 ? round(count.total / count.cycles) : null,
    actions_per_day_at_5s: actionsPerDay(count, DEFAULT_SETTINGS.intervalMs),
  };
}
