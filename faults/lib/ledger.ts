import { existsSync } from 'node:fs';
import type { Client as PgClient } from 'pg';
import { createFallbackBuffer } from '../../src/buffer';

/** The snapshot count of one workflow: what the grid asked for against what the table holds. */
export interface SnapshotLedger {
  /**
   * Grid slots from the first stored row to the end of the run (`until`), minus slots recorded as skipped (and
   * not stored anyway).
   */
  expected: number;
  /** Distinct cycle keys stored in that range. */
  stored: number;
  /** Expected slots without a row. */
  lost: number;
  /** Rows beyond one per cycle key. */
  duplicated: number;
  /** Skipped slots by reason, as the cycles_skipped rows state them. */
  skipped: Record<string, number>;
  /** The first few lost slot instants (ISO), to find them in the logs. */
  lostSlots: string[];
  /** Rows still in the JSONL buffers (pending or quarantined) at the end. */
  bufferedLeft: number;
}

interface Gap {
  from: number;
  to: number;
  reason: string;
}

/**
 * Counts one workflow's snapshots. `until` is the last slot that should have a row (the run's end less the time
 * a cycle may take): slots after the last stored row count too, so a bridge that stops writing cannot pass.
 */
export async function snapshotLedger(
  sql: PgClient,
  workflowId: string,
  intervalMs: number,
  until: number,
  bufferDirs: string[] = [],
): Promise<SnapshotLedger> {
  const rows = await sql.query<{ cycle_key: string }>('select cycle_key from portfolio_greeks where workflow_id = $1', [
    workflowId,
  ]);
  const slots = rows.rows.map((row) => Number(row.cycle_key.slice(workflowId.length + 1)));
  const stored = new Set(slots);
  const gapRows = await sql.query<{ details: { from: string; to: string; reason: string } }>(
    "select details from api_logs where event = 'cycles_skipped' and log_key like $1",
    [`${workflowId}:%`],
  );
  const gaps: Gap[] = gapRows.rows.map(({ details }) => ({
    from: Date.parse(details.from),
    to: Date.parse(details.to),
    reason: details.reason,
  }));
  const skipped: Record<string, number> = {};
  const lostSlots: number[] = [];
  let expected = 0;
  if (stored.size > 0) {
    const first = Math.min(...stored);
    const last = Math.max(Math.max(...stored), until);
    for (let slot = first; slot <= last; slot += intervalMs) {
      const gap = gaps.find((g) => slot < g.to && slot + intervalMs > g.from);
      if (gap) skipped[gap.reason] = (skipped[gap.reason] ?? 0) + 1;
      if (stored.has(slot) || !gap) expected += 1;
      if (!stored.has(slot) && !gap) lostSlots.push(slot);
    }
  }
  let bufferedLeft = 0;
  for (const dir of bufferDirs) {
    if (!existsSync(dir)) continue;
    const stats = await createFallbackBuffer({ dir }).stats();
    bufferedLeft += stats.rows + stats.quarantined;
  }
  return {
    expected,
    stored: stored.size,
    lost: lostSlots.length,
    duplicated: slots.length - stored.size,
    skipped,
    lostSlots: lostSlots.slice(0, 5).map((slot) => new Date(slot).toISOString()),
    bufferedLeft,
  };
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
