import { statusQuery } from '../../src/workflows/messages';
import { DEFAULT_SETTINGS } from '../../src/workflows/types';
import { eventually, fastSettings, sleep, useBridgeStack } from './stack';

const INTERVAL_MS = 4000;
const HANG_MS = 20_000;

describe('a database that accepts connections and answers nothing', () => {
  // The worker's own database timeouts, as deployed; only the interval is shortened (4 s instead of 5 s).
  const ctx = useBridgeStack('SOCKET', {}, 'defaults');

  it('costs no slot: every slot of the hang is buffered within its own interval and replayed once it answers', async () => {
    const handle = await ctx.stack.startWorkflow(
      fastSettings({
        intervalMs: INTERVAL_MS,
        cycleLeadMs: DEFAULT_SETTINGS.cycleLeadMs,
        cycleTimeoutMs: DEFAULT_SETTINGS.cycleTimeoutMs,
        cycleAttempts: DEFAULT_SETTINGS.cycleAttempts,
        cycleRetryMs: DEFAULT_SETTINGS.cycleRetryMs,
      }),
    );
    const id = handle.workflowId;
    await ctx.stack.waitForSlots(id, 2, 30_000, 'rows before');

    ctx.stack.hangable.hang();
    const during = await eventually(
      () => handle.query(statusQuery),
      (s) => s.bufferedRows >= 3,
      HANG_MS,
      'rows buffered while Postgres hangs',
    );
    expect(during.state).toBe('degraded');
    await sleep(Math.max(0, HANG_MS - 3 * INTERVAL_MS));
    await ctx.stack.hangable.start(); // answers again; the connections opened during the hang are dropped

    const after = await eventually(
      () => handle.query(statusQuery),
      (s) => s.bufferedRows === 0 && s.state === 'ready' && s.cyclesTotal >= 2 + HANG_MS / INTERVAL_MS + 2,
      60_000,
      'replay done',
    );
    await handle.terminate('test done');
    await sleep(300);

    const slots = await ctx.stack.slotsOf(id);
    expect(new Set(slots).size).toBe(slots.length);
    // Every slot from the first row to the last is a row: none skipped, none lost.
    expect(slots.length).toBe((slots[slots.length - 1] - slots[0]) / INTERVAL_MS + 1);
    expect(after.skippedSlotsTotal).toBe(0);
    const events = await ctx.stack.apiEvents();
    expect(events.filter((e) => e.event === 'cycles_skipped')).toEqual([]);
    expect(events.some((e) => e.event === 'fallback_engaged')).toBe(true);
  });
});
