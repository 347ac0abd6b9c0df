import type { Db } from '../../src/db/createDb';
import { summarize, type Summary } from './stats';

export interface Cadence {
  rows: number;
  /** snapshot_at minus the slot instant carried in the cycle key, over the rows after warm-up. */
  jitter: Summary;
  /** Slots between the first and the last row that produced no row. */
  missedSlots: number;
  /** Time the loop fell behind its grid over the run: missed slots × interval (0 when every slot ran). */
  driftMs: number;
  /** Mean jitter of the last tenth of the run minus that of the first tenth: a loop that slides would show it. */
  lagTrendMs: number;
}

/** Cadence of one loop, read back from the rows it wrote (cycle keys are `${workflowId}:${slotAt}`). */
export async function cadenceOf(db: Db, workflowId: string, intervalMs: number, warmup: number): Promise<Cadence> {
  const rows = await db.query<{ cycle_key: string; snapshot_ms: number }>(
    `SELECT cycle_key, extract(epoch FROM snapshot_at)::float8 * 1000 AS snapshot_ms
       FROM portfolio_greeks WHERE workflow_id = $1 ORDER BY snapshot_at`,
    [workflowId],
  );
  const slots = rows.map((row) => Number(row.cycle_key.slice(row.cycle_key.lastIndexOf(':') + 1)));
  const jitters = rows.map((row, i) => row.snapshot_ms - slots[i]);
  const measured = jitters.slice(Math.min(warmup, Math.max(0, jitters.length - 1)));
  const expectedSlots = rows.length === 0 ? 0 : Math.round((slots[slots.length - 1] - slots[0]) / intervalMs) + 1;
  const missedSlots = expectedSlots - rows.length;
  const tenth = Math.max(1, Math.floor(measured.length / 10));
  const mean = (values: number[]) => values.reduce((sum, x) => sum + x, 0) / (values.length || 1);
  return {
    rows: rows.length,
    jitter: summarize(measured),
    missedSlots,
    driftMs: missedSlots * intervalMs,
    lagTrendMs: mean(measured.slice(-tenth)) - mean(measured.slice(0, tenth)),
  };
}
