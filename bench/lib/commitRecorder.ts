import type { GreeksStore } from '../../src/activities/ports';
import { preciseClock } from './cycleRecorder';

/** One snapshot row the database accepted: its slot (from the cycle key) and the instant its insert returned. */
export interface CommittedRow {
  workflowId: string;
  slotAt: number;
  committedAt: number;
}

/** The slot instant a cycle key carries: keys are `${workflowId}:${slotAt}`. */
export function slotOfCycleKey(cycleKey: string): number {
  const slotAt = Number(cycleKey.slice(cycleKey.lastIndexOf(':') + 1));
  if (!Number.isFinite(slotAt)) throw new Error(`cycle key ${cycleKey} does not end in a slot instant`);
  return slotAt;
}

/**
 * Wraps the activities' store and notes, for every snapshot row it committed, when the insert returned: row
 * committed − slot instant is the delay a user of the table sees, from the grid instant a row stands for to the moment
 * it can be read. The activity's own observer cannot give it: its end-to-end figure starts at the later of the slot and
 * the moment the workflow scheduled the cycle.
 */
export class CommitRecorder {
  readonly rows: CommittedRow[] = [];

  constructor(private readonly clock: () => number = preciseClock) {}

  wrap(store: GreeksStore): GreeksStore {
    return {
      insertSnapshots: async (rows) => {
        const result = await store.insertSnapshots(rows);
        const committedAt = this.clock();
        // A duplicate (a retried attempt whose first write landed) was committed earlier: only inserted rows count.
        if (result.inserted === rows.length) {
          for (const row of rows) {
            this.rows.push({ workflowId: row.workflowId, slotAt: slotOfCycleKey(row.cycleKey), committedAt });
          }
        }
        return result;
      },
      insertApiLogs: (rows) => store.insertApiLogs(rows),
    };
  }

  /** Committed − slot (ms) of one loop's rows in slot order, after its first `warmup` rows. */
  commitMinusSlot(workflowId: string, warmup: number): number[] {
    return this.rows
      .filter((row) => row.workflowId === workflowId)
      .sort((a, b) => a.slotAt - b.slotAt)
      .slice(warmup)
      .map((row) => row.committedAt - row.slotAt);
  }
}
