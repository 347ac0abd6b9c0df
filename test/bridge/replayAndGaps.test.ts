import { statusQuery } from '../../src/workflows/messages';
import { eventually, fastSettings, sleep, useBridgeStack } from './stack';

const gapsSince = (events: Array<{ event: string; details: Record<string, unknown> | null }>, since: number) =>
  events.filter((e) => e.event === 'cycles_skipped' && Date.parse(String(e.details?.from)) >= since);

describe('replays and gap reasons over the real stack', () => {
  const ctx = useBridgeStack();

  it('records a failed replay as its own event and state, never as a gap of a slot that was written', async () => {
    const handle = await ctx.stack.startWorkflow();
    const id = handle.workflowId;
    await ctx.stack.waitForSlots(id, 3, 20_000, 'rows');

    await ctx.stack.cutDatabaseUntilBuffered(handle, 3);
    // Postgres will refuse one kind of buffered row (the fallback_engaged event) until the trigger goes: every replay
    // fails, while the cycles' own rows are written.
    await ctx.stack.sql.query(`
      create function refuse_fallback_event() returns trigger language plpgsql as $$
      begin
        if new.event = 'fallback_engaged' then raise exception 'replay refused for the test'; end if;
        return new;
      end $$;
      create trigger refuse_fallback_event before insert on api_logs
        for each row execute function refuse_fallback_event();`);
    const unblockedAt = Date.now();
    ctx.stack.proxy.unblock();

    const failing = await eventually(
      () => handle.query(statusQuery),
      (s) => s.replayFailure !== null && s.lastCycle?.outcome === 'written',
      30_000,
      'a failed replay',
    );
    const later = await eventually(
      () => handle.query(statusQuery),
      (s) => s.cyclesTotal >= failing.cyclesTotal + 6,
      30_000,
      'six more cycles',
    );
    expect(later.state).toBe('degraded');
    expect(later.bufferedRows).toBeGreaterThan(0);
    expect(later.replayFailure?.message).toMatch(/replay refused for the test/);
    const events = await ctx.stack.apiEvents();
    expect(events.some((e) => e.event === 'replay_failed')).toBe(true);
    // The slots after Postgres came back are rows, not gaps: a failing replay takes no slot and no connection.
    expect(gapsSince(events, unblockedAt).map((e) => e.details?.reason)).not.toContain('ib_unavailable');
    expect(gapsSince(events, unblockedAt).map((e) => e.details?.reason)).not.toContain('db_unavailable');

    await ctx.stack.sql.query('drop trigger refuse_fallback_event on api_logs; drop function refuse_fallback_event()');
    const healed = await eventually(
      () => handle.query(statusQuery),
      (s) => s.bufferedRows === 0 && s.replayFailure === null && s.state === 'ready',
      30_000,
      'replay works again',
    );
    await ctx.stack.replayAndRecord(handle, 'replay-failure');
    const final = await handle.query(statusQuery);
    await handle.terminate('test done');
    await sleep(300);
    // Up to the last cycle the final status counts: every slot is a row or a recorded gap.
    const slots = (await ctx.stack.slotsOf(id)).filter((slot) => slot <= (final.lastCycle?.slotAt ?? 0));
    expect(new Set(slots).size).toBe(slots.length);
    const expected = (slots[slots.length - 1] - slots[0]) / 500 + 1;
    expect(slots.length + final.skippedSlotsTotal).toBeGreaterThanOrEqual(expected);
    expect(healed.replayFailure).toBeNull();
  });

  it('names the slots after the reset window, while the gateway is still away, reset_overrun', async () => {
    const windowStart = Math.ceil((Date.now() + 3000) / 1000) * 1000;
    const durationMs = 3000;
    const windowEnd = windowStart + durationMs;
    const time = new Date(windowStart).toISOString().slice(11, 19);
    const handle = await ctx.stack.startWorkflow(fastSettings({ reset: { time, timeZone: 'UTC', durationMs } }));
    await eventually(
      () => handle.query(statusQuery),
      (s) => s.state === 'resetting',
      10_000,
      'resetting',
    );
    // The gateway restarts at the window's start and stays away three seconds past its end.
    void ctx.stack.simulator.control.nightlyReset({ refuseForMs: windowEnd + 3000 - Date.now() });
    await eventually(
      () => handle.query(statusQuery),
      (s) => s.state === 'ready' && (s.lastCycle?.slotAt ?? 0) > windowEnd + 3000,
      40_000,
      'ready after the overrun',
    );
    await handle.terminate('test done');
    const gaps = (await ctx.stack.apiEvents()).filter(
      (e) => e.event === 'cycles_skipped' && String(e.message).length > 0 && e.details?.from !== undefined,
    );
    const windowGap = gaps.find((e) => e.details?.reason === 'reset_window');
    const overrun = gaps.find((e) => e.details?.reason === 'reset_overrun');
    expect(windowGap).toBeDefined();
    expect(overrun).toBeDefined();
    // The overrun starts with the first slot at or after the window's end (the grid starts with the workflow).
    const overrunFrom = Date.parse(String(overrun?.details?.from));
    expect(overrunFrom).toBeGreaterThanOrEqual(windowEnd);
    expect(overrunFrom).toBeLessThan(windowEnd + 500);
    expect(Date.parse(String(windowGap?.details?.to))).toBe(overrunFrom);
    // The gateway was away about three seconds past the window: five or six 500 ms slots.
    expect(Number(overrun?.details?.slots)).toBeGreaterThanOrEqual(5);
  });

  it('names the slots that passed while no workflow task ran temporal_unavailable', async () => {
    const handle = await ctx.stack.startWorkflow(fastSettings({ sessionScheduleToStartMs: 2000 }));
    const id = handle.workflowId;
    await ctx.stack.waitForSlots(id, 3, 20_000, 'rows');
    const downFrom = Date.now();
    // Nothing polls the task queue for 4 s (eight 500 ms slots): the workflow's next task runs that much late.
    await ctx.stack.restartWorkers(4000);
    const downUntil = Date.now();
    await eventually(
      () => handle.query(statusQuery),
      (s) => s.lastCycle?.outcome === 'written' && s.lastCycle.slotAt > downUntil,
      40_000,
      'rows again',
    );
    await handle.terminate('test done');
    const gaps = gapsSince(await ctx.stack.apiEvents(), downFrom - 500);
    const temporal = gaps.filter((e) => e.details?.reason === 'temporal_unavailable');
    expect(temporal.length).toBeGreaterThanOrEqual(1);
    // At least the silence less the two intervals a task may be late before it counts.
    expect(temporal.reduce((n, e) => n + Number(e.details?.slots), 0)).toBeGreaterThanOrEqual(6);
    expect(gaps.map((e) => e.details?.reason)).not.toContain('overrun');
  });
});
