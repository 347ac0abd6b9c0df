import { statusQuery } from '../../src/workflows/messages';
import { useBridgeStack, eventually, fastSettings, sleep } from './stack';

describe('the bridge under faults, over the real stack', () => {
  const ctx = useBridgeStack();

  it('buffers every snapshot of a Postgres outage and replays each exactly once when it is back', async () => {
    const handle = await ctx.stack.startWorkflow();
    const id = handle.workflowId;
    await ctx.stack.waitForSlots(id, 3, 20_000, 'rows before outage');

    await ctx.stack.cutDatabaseUntilBuffered(handle, 4);
    const during = await handle.query(statusQuery);
    expect(during.state).toBe('degraded');

    ctx.stack.proxy.unblock();
    const status = await eventually(
      () => handle.query(statusQuery),
      (s) => s.bufferedRows === 0 && s.state === 'ready',
      30_000,
      'replay done',
    );
    await ctx.stack.replayAndRecord(handle, 'db-outage');
    await handle.terminate('test done');
    await sleep(300);

    const slots = await ctx.stack.slotsOf(id);
    // Nothing twice: the unique cycle key would have refused a duplicate, and the count proves none was lost.
    expect(new Set(slots).size).toBe(slots.length);
    // Nothing lost: every slot from the first to the last row is there, except slots recorded as skipped.
    const expected = (slots[slots.length - 1] - slots[0]) / 500 + 1;
    expect(slots.length + status.skippedSlotsTotal).toBeGreaterThanOrEqual(expected);
    expect(slots.length).toBeGreaterThanOrEqual(expected - status.skippedSlotsTotal);

    const events = (await ctx.stack.apiEvents()).map((e) => e.event);
    expect(events).toContain('fallback_engaged');
    expect(events).toContain('replay_done');
    expect(events.indexOf('fallback_engaged')).toBeLessThan(events.lastIndexOf('replay_done'));
  });

  it('waits out the nightly gateway restart, records the gap with its reason, and is ready again after it', async () => {
    // A window that opens in three seconds and lasts four, during which the gateway closes every socket
    // and refuses connections, as IB Gateway does when it restarts.
    const windowStart = Math.ceil((Date.now() + 3000) / 1000) * 1000;
    const durationMs = 4000;
    const time = new Date(windowStart).toISOString().slice(11, 19);
    const handle = await ctx.stack.startWorkflow(fastSettings({ reset: { time, timeZone: 'UTC', durationMs } }));
    const windowEnd = windowStart + durationMs;
    await ctx.stack.waitForSlots(handle.workflowId, 2, 10_000, 'rows');

    await eventually(
      () => handle.query(statusQuery),
      (s) => s.state === 'resetting',
      10_000,
      'resetting',
    );
    void ctx.stack.simulator.control.nightlyReset({ refuseForMs: Math.max(500, windowEnd - Date.now() - 500) });
    await sleep(Math.max(0, windowEnd - Date.now()));

    const after = await eventually(
      () => handle.query(statusQuery),
      (s) => s.state === 'ready' && (s.lastCycle?.slotAt ?? 0) > windowEnd,
      30_000,
      'ready after the window',
    );
    expect(after.lastCycle?.outcome).toBe('written');
    expect(ctx.stack.broker.state()).toBe('ready');
    await ctx.stack.replayAndRecord(handle, 'reset-window');
    await handle.terminate('test done');

    const slots = await ctx.stack.slotsOf(handle.workflowId);
    expect(slots.filter((slot) => slot >= windowStart && slot < windowEnd)).toEqual([]);
    const events = await ctx.stack.apiEvents();
    const names = events.map((e) => e.event);
    const entered = names.indexOf('reset_window_entered');
    const left = names.indexOf('reset_window_left');
    expect(entered).toBeGreaterThanOrEqual(0);
    expect(left).toBeGreaterThan(entered);
    expect(names.slice(entered, left)).toContain('disconnected');
    expect(events.some((e) => e.event === 'cycles_skipped' && e.details?.reason === 'reset_window')).toBe(true);
  });

  it('continues as new before the history grows, carrying its state, without losing or repeating a slot', async () => {
    const handle = await ctx.stack.startWorkflow(fastSettings({ maxCyclesPerRun: 4 }));
    const status = await eventually(
      () => handle.query(statusQuery),
      (s) => s.runs >= 3,
      30_000,
      'three runs',
    );
    await ctx.stack.replayAndRecord(handle, 'continue-as-new');
    await handle.terminate('test done');
    const slots = await ctx.stack.slotsOf(handle.workflowId);
    expect(status.cyclesTotal).toBeGreaterThanOrEqual(8);
    expect(new Set(slots).size).toBe(slots.length);
    const expected = (slots[slots.length - 1] - slots[0]) / 500 + 1;
    expect(slots.length + status.skippedSlotsTotal).toBeGreaterThanOrEqual(expected);
    expect(status.historyLength).toBeLessThan(4 * 11 + 20);
  });
});
