import type { GreeksStore } from '../../src/activities/ports';
import type { AggregatedGreeks } from '../../src/greeks/types';
import type { SnapshotRow } from '../../src/db/types';
import { CommitRecorder, slotOfCycleKey } from '../../bench/lib/commitRecorder';

/** A store that keeps rows by cycle key, as the table's unique key does, and takes `insertMs` per insert. */
class KeyedStore implements GreeksStore {
  readonly keys = new Set<string>();
  constructor(
    private readonly clock: { now: number },
    private readonly insertMs: number,
  ) {}

  async insertSnapshots(rows: SnapshotRow[]) {
    this.clock.now += this.insertMs;
    const fresh = rows.filter((row) => !this.keys.has(row.cycleKey));
    for (const row of fresh) this.keys.add(row.cycleKey);
    return { inserted: fresh.length, duplicates: rows.length - fresh.length };
  }

  async insertApiLogs(rows: unknown[]) {
    return { inserted: rows.length, duplicates: 0 };
  }
}

const row = (workflowId: string, slotAt: number): SnapshotRow => ({
  cycleKey: `${workflowId}:${slotAt}`,
  workflowId,
  cycleLatencyMs: 1,
  aggregated: {} as AggregatedGreeks,
});

describe('row committed − slot instant', () => {
  it('is the instant the insert returned minus the slot in the cycle key, per loop, in slot order after warm-up', async () => {
    const clock = { now: 0 };
    const recorder = new CommitRecorder(() => clock.now);
    const store = recorder.wrap(new KeyedStore(clock, 3));
    // Workflow "wf": slots 1000, 1200, 1400 written 5, 9 and 2 ms after their slot started (3 of them in the insert).
    for (const [slotAt, lateBy] of [
      [1000, 2],
      [1200, 6],
      [1400, -1],
    ]) {
      clock.now = slotAt + lateBy;
      await store.insertSnapshots([row('wf', slotAt)]);
    }
    clock.now = 1100;
    await store.insertSnapshots([row('other', 1000)]);
    expect(recorder.commitMinusSlot('wf', 0)).toEqual([5, 9, 2]);
    expect(recorder.commitMinusSlot('wf', 1)).toEqual([9, 2]);
    expect(recorder.commitMinusSlot('other', 0)).toEqual([103]);
  });

  it('counts a row once: a retried attempt whose row was already committed adds nothing', async () => {
    const clock = { now: 5000 };
    const recorder = new CommitRecorder(() => clock.now);
    const store = recorder.wrap(new KeyedStore(clock, 1));
    await store.insertSnapshots([row('wf', 5000)]);
    clock.now = 9000;
    expect(await store.insertSnapshots([row('wf', 5000)])).toEqual({ inserted: 0, duplicates: 1 });
    expect(recorder.commitMinusSlot('wf', 0)).toEqual([1]);
  });

  it('reads the slot from the end of the cycle key and refuses a key without one', () => {
    expect(slotOfCycleKey('bench-1a2b:1767225600000')).toBe(1767225600000);
    expect(() => slotOfCycleKey('bench-1a2b:soon')).toThrow('cycle key bench-1a2b:soon does not end in a slot instant');
  });
});
