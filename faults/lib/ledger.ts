import { existsSync } from 'node:fs';
import type { Client as PgClient } from 'pg';
import { createFallbackBuffer } from '../../src/buffer';
import { activeResetWindow, nextResetWindow } from '../../src/schedule/resetWindow';
import type { BridgeSettings } from '../../src/workflows/types';
import { gridFigures, type FaultWindow, type GridFigures, type RecordedGap, type TimeWindow } from './gridFigures';

/** One workflow of a scenario: what it was configured with and the span of the run that counts. */
export interface WorkflowRun {
  workflowId: string;
  settings: BridgeSettings;
  /** The stack was ready (workers healthy) when the workflow was started. */
  readyAt: number;
  /** The last slot that should have a row starts at or before this instant. */
  until: number;
  faults: FaultWindow[];
}

/** One workflow's figures, and the rows still waiting in the JSONL buffers at the end. */
export interface SnapshotLedger {
  figures: GridFigures;
  bufferedLeft: number;
}

/** The configured reset windows that overlap [from, to]. */
export function resetWindowsBetween(from: number, to: number, reset: BridgeSettings['reset']): TimeWindow[] {
  const windows: TimeWindow[] = [];
  const active = activeResetWindow(from, reset);
  if (active) windows.push(active);
  for (let window = nextResetWindow(from, reset); window.start <= to; window = nextResetWindow(window.start, reset))
    windows.push(window);
  return windows;
}

/** Reads one workflow's rows and recorded gaps and computes its figures (faults/lib/gridFigures.ts). */
export async function snapshotLedger(
  sql: PgClient,
  run: WorkflowRun,
  bufferDirs: string[] = [],
): Promise<SnapshotLedger> {
  const { workflowId } = run;
  const rows = await sql.query<{ cycle_key: string; snapshot_at: Date }>(
    'select cycle_key, snapshot_at from portfolio_greeks where workflow_id = $1',
    [workflowId],
  );
  const stored = rows.rows.map((row) => ({
    slotAt: Number(row.cycle_key.slice(workflowId.length + 1)),
    snapshotAt: new Date(row.snapshot_at).getTime(),
  }));
  const gapRows = await sql.query<{ details: { from: string; to: string; reason: string; otherReasons?: string[] } }>(
    "select details from api_logs where event = 'cycles_skipped' and log_key like $1",
    [`${workflowId}:%`],
  );
  const gaps: RecordedGap[] = gapRows.rows.map(({ details }) => ({
    from: Date.parse(details.from),
    to: Date.parse(details.to),
    reason: details.reason,
    ...(details.otherReasons ? { otherReasons: details.otherReasons } : {}),
  }));
  // Any slot of the grid anchors it; before the first row, the workflow's start is as close as the suite knows.
  const anchor = stored.length > 0 ? Math.min(...stored.map((row) => row.slotAt)) : run.readyAt;
  // Slots up to the newest row are past whatever the cut-off for cycles in flight says: they always count.
  const until = Math.max(run.until, ...stored.map((row) => row.slotAt));
  const figures = gridFigures({
    intervalMs: run.settings.intervalMs,
    anchor,
    readyAt: run.readyAt,
    until,
    rows: stored,
    gaps,
    resetWindows: resetWindowsBetween(run.readyAt, until, run.settings.reset),
    faults: run.faults,
  });
  let bufferedLeft = 0;
  for (const dir of bufferDirs) {
    if (!existsSync(dir)) continue;
    const stats = await createFallbackBuffer({ dir }).stats();
    bufferedLeft += stats.rows + stats.quarantined;
  }
  return { figures, bufferedLeft };
}

/** The api_logs events in order, runs of one event folded into `event×n` (gaps carry their reason). */
export async function apiLogSequence(sql: PgClient): Promise<{ sequence: string; counts: Record<string, number> }> {
  const result = await sql.query<{ event: string; details: Record<string, unknown> | null }>(
    'select event, details from api_logs order by logged_at, id',
  );
  const folded: Array<{ name: string; times: number }> = [];
  const counts: Record<string, number> = {};
  for (const { event, details } of result.rows) {
    const name = event === 'cycles_skipped' && details?.reason ? `${event}(${String(details.reason)})` : event;
    counts[name] = (counts[name] ?? 0) + 1;
    const last = folded[folded.length - 1];
    if (last?.name === name) last.times += 1;
    else folded.push({ name, times: 1 });
  }
  const sequence = folded.map(({ name, times }) => (times > 1 ? `${name}×${times}` : name)).join(' → ');
  return { sequence, counts };
}
