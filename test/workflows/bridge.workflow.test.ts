import { ApplicationFailure } from '@temporalio/common';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import {
  DB_WRITE_FAILED,
  REPLAY_FAILED,
  SESSION_HELD_ELSEWHERE,
  type CycleInput,
  type UnwrittenRows,
} from '../../src/activities/types';
import {
  bufferReportSignal,
  pauseSignal,
  resumeSignal,
  sessionReleasedSignal,
  setIntervalUpdate,
} from '../../src/workflows/messages';
import { HANDOVER_PATCH } from '../../src/workflows/bridgeLoop';
import type { GapReason, GapRecord } from '../../src/workflows/types';
import { bundleWorkflows, connectTestEnv } from '../support/temporal';
import { stubSettings, withStubBridge, written, type Calls } from './stubBridge';

/**
 * Every branch of the bridge workflow, on the dev server with stub activities. Slots fall on the wall clock, so a
 * busy machine may lose one to `overrun` or `temporal_unavailable`; the assertions ask about the gaps their scenario
 * makes, and about the order and contents of what the workflow asked of the activities, never about durations.
 */

/** Gaps that only say the machine was slow; any scenario may see them. */
const LOAD_REASONS: GapReason[] = ['overrun', 'temporal_unavailable'];

function gapsReported(calls: Calls): GapRecord[] {
  return calls.cycles.flatMap((cycle) => cycle.gaps);
}

function gapsOf(calls: Calls, reason: GapReason): GapRecord[] {
  return gapsReported(calls).filter((gap) => gap.reason === reason);
}

/** The first cycle after `slotAt`. */
function cycleAfter(calls: Calls, slotAt: number): CycleInput | undefined {
  return calls.cycles.find((cycle) => cycle.slotAt > slotAt);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const unwritten: UnwrittenRows = { snapshots: [{ cycle_key: 'k' }], apiLogs: [], reason: 'connection refused' };

function refused(): ApplicationFailure {
  return ApplicationFailure.create({
    message: 'writing the snapshot failed: connection refused',
    type: DB_WRITE_FAILED,
    details: [unwritten],
  });
}

describe('the bridge workflow with stub activities', () => {
  let env: TestWorkflowEnvironment;
  let bundle: WorkflowBundleWithSourceMap;
  beforeAll(async () => {
    env = await connectTestEnv();
    bundle = await bundleWorkflows();
  });
  afterAll(async () => {
    await env?.teardown();
  });

  it('skips the slots that pass before a late lease grant as lease_unavailable, and runs no cycle for them', async () => {
    let grantedAt = 0;
    await withStubBridge(
      env,
      bundle,
      stubSettings(),
      (calls, taskQueue) => ({
        async acquireSession() {
          calls.sessions += 1;
          // Postgres, which keeps the lease, answers only after three intervals.
          await sleep(3500);
          grantedAt = Date.now();
          return { queue: taskQueue, workerId: 'w1', bufferId: 'buffer-w1' };
        },
      }),
      async (bridge) => {
        const calls = await bridge.untilCalls((c) => gapsOf(c, 'lease_unavailable').length > 0, 'a lease gap');
        expect(calls.sessions).toBe(1);
        const [gap] = gapsOf(calls, 'lease_unavailable');
        expect(gap.slots).toBeGreaterThanOrEqual(2);
        // Every cycle is for a slot that had not yet passed when the lease came: no stale slot stamped late.
        for (const cycle of calls.cycles) expect(cycle.slotAt + 1000).toBeGreaterThan(grantedAt);
        expect(gap.to).toBeLessThanOrEqual(calls.cycles[0].slotAt);
      },
    );
  });

  it('takes the session once and runs one cycle per slot on its queue, keyed by its slot', async () => {
    await withStubBridge(
      env,
      bundle,
      stubSettings(),
      () => ({}),
      async (bridge) => {
        const calls = await bridge.untilCalls((c) => c.cycles.length >= 3, 'three cycles');
        expect(calls.sessions).toBe(1);
        const slots = calls.cycles.map((cycle) => cycle.slotAt);
        for (let i = 1; i < slots.length; i++) {
          expect(slots[i] - slots[i - 1]).toBeGreaterThan(0);
          expect((slots[i] - slots[i - 1]) % 1000).toBe(0);
        }
        for (const cycle of calls.cycles) {
          expect(cycle.cycleKey).toBe(`${bridge.handle.workflowId}:${cycle.slotAt}`);
          expect(cycle.account).toBe('DU1');
        }
        const status = await bridge.untilStatus((s) => s.cyclesTotal >= 3, 'three cycles counted');
        expect(status).toMatchObject({ state: 'ready', sessionQueue: bridge.taskQueue, bufferedRows: 0, runs: 1 });
        expect(status.lastOkAt).not.toBeNull();
      },
    );
  });

  it('records the slots a cycle took no snapshot in as a gap with its reason, and says disconnected', async () => {
    let loading = true;
    await withStubBridge(
      env,
      bundle,
      stubSettings(),
      (calls) => ({
        async runCycle(input) {
          calls.cycles.push(input);
          if (!loading) return written(input);
          return written(input, {
            outcome: 'ib_unavailable',
            unavailableReason: 'positions_loading',
            connection: 'connecting',
            netDelta: null,
          });
        },
      }),
      async (bridge) => {
        const calls = await bridge.untilCalls((c) => c.cycles.length >= 2, 'two cycles without a snapshot');
        const loadingStatus = await bridge.untilStatus((s) => s.lastCycle?.outcome === 'ib_unavailable', 'no snapshot');
        expect(loadingStatus.state).toBe('disconnected');
        expect(loadingStatus.lastOkAt).toBeNull();
        loading = false;
        const lastLoading = calls.cycles[calls.cycles.length - 1].slotAt;
        await bridge.untilCalls((c) => cycleAfter(c, lastLoading) !== undefined, 'a written cycle');
        // Each cycle without a snapshot is a one-slot gap, reported by the cycle after it.
        const loadingGaps = gapsOf(calls, 'positions_loading');
        const loadingCycles = calls.cycles.filter((cycle) => cycle.slotAt <= lastLoading);
        expect(loadingGaps).toEqual(
          loadingCycles.map((cycle) => ({
            from: cycle.slotAt,
            to: cycle.slotAt + 1000,
            slots: 1,
            reason: 'positions_loading',
          })),
        );
        await bridge.untilStatus((s) => s.state === 'ready', 'ready');
      },
    );
  });

  it('fails over when the worker it was granted never takes the cycle: worker_unavailable until another does', async () => {
    await withStubBridge(
      env,
      bundle,
      stubSettings(),
      (calls, taskQueue) => ({
        async acquireSession() {
          calls.sessions += 1;
          // The first grant names a worker that is gone: nobody polls its queue.
          const queue = calls.sessions === 1 ? `${taskQueue}@gone` : taskQueue;
          return { queue, workerId: `w${calls.sessions}`, bufferId: `buffer-w${calls.sessions}` };
        },
      }),
      async (bridge) => {
        const calls = await bridge.untilCalls((c) => c.cycles.length >= 1, 'a cycle on the second worker');
        expect(calls.sessions).toBe(2);
        const [first] = calls.cycles;
        // The lost slots, from the one the gone worker never ran up to this one, are one worker_unavailable gap.
        const lost = first.gaps.filter((gap) => !LOAD_REASONS.includes(gap.reason));
        expect(lost).toHaveLength(1);
        expect(lost[0]).toMatchObject({ reason: 'worker_unavailable', to: first.slotAt });
        expect(lost[0].slots).toBe((lost[0].to - lost[0].from) / 1000);
        const status = await bridge.untilStatus((s) => s.cyclesTotal >= 1, 'a cycle counted');
        expect(status.sessionQueue).toBe(bridge.taskQueue);
        expect(status.skippedSlotsTotal).toBeGreaterThanOrEqual(lost[0].slots);
      },
    );
  });

  it('fails over when the session worker says another one holds the connection', async () => {
    await withStubBridge(
      env,
      bundle,
      stubSettings(),
      (calls) => ({
        async runCycle(input) {
          calls.cycles.push(input);
          if (calls.cycles.length === 1) {
            throw ApplicationFailure.nonRetryable('this worker no longer holds the IB session', SESSION_HELD_ELSEWHERE);
          }
          return written(input);
        },
      }),
      async (bridge) => {
        const calls = await bridge.untilCalls((c) => c.cycles.length >= 2, 'a cycle after the failover');
        expect(calls.sessions).toBe(2);
        const [refusedCycle, next] = calls.cycles;
        const lost = next.gaps.filter((gap) => !LOAD_REASONS.includes(gap.reason));
        expect(lost).toEqual([
          {
            from: refusedCycle.slotAt,
            to: next.slotAt,
            slots: (next.slotAt - refusedCycle.slotAt) / 1000,
            reason: 'worker_unavailable',
          },
        ]);
      },
    );
  });

  it('takes the session elsewhere at once when its worker says it released it, without losing a slot', async () => {
    const order: string[] = [];
    await withStubBridge(
      env,
      bundle,
      stubSettings(),
      (calls, taskQueue) => ({
        async acquireSession() {
          calls.sessions += 1;
          order.push(`session ${calls.sessions}`);
          const workerId = `w${calls.sessions}`;
          return { queue: taskQueue, workerId, bufferId: `buffer-${workerId}` };
        },
        async runCycle(input) {
          calls.cycles.push(input);
          order.push(`cycle ${input.slotAt}`);
          return written(input);
        },
      }),
      async (bridge) => {
        await bridge.untilCalls((c) => c.cycles.length >= 2, 'two cycles on the first worker');
        // A release of some other grant is stale: the session stays where it is.
        await bridge.handle.signal(sessionReleasedSignal, { queue: 'elsewhere', workerId: 'w0', at: Date.now() });
        const afterStale = bridge.calls.cycles.length;
        await bridge.untilCalls((c) => c.cycles.length >= afterStale + 1, 'a cycle after the stale release');
        expect(bridge.calls.sessions).toBe(1);

        const releasedAfter = order.length;
        await bridge.handle.signal(sessionReleasedSignal, { queue: bridge.taskQueue, workerId: 'w1', at: Date.now() });
        await bridge.untilCalls((c) => c.sessions === 2, 'the session taken again');
        const handedOver = bridge.calls.cycles.length;
        const calls = await bridge.untilCalls((c) => c.cycles.length >= handedOver + 2, 'cycles after the handover');
        // The session was taken before the next slot's cycle, not when that cycle went unpicked.
        expect(order[releasedAfter]).toBe('session 2');
        const lost = gapsReported(calls).filter((gap) => !LOAD_REASONS.includes(gap.reason));
        expect(lost).toEqual([]);
        const slots = calls.cycles.map((cycle) => cycle.slotAt);
        for (let i = 1; i < slots.length; i++) expect(slots[i]).toBeGreaterThan(slots[i - 1]);
        const status = await bridge.status();
        expect(status).toMatchObject({ sessionQueue: bridge.taskQueue, skippedSlotsTotal: lost.length });

        // The history with the handover replays, and carries the patch marker that keeps older ones replaying.
        const history = await bridge.handle.fetchHistory();
        const patches = (history.events ?? []).flatMap((e) =>
          (e.markerRecordedEventAttributes?.details?.['patch-data']?.payloads ?? []).map(
            (payload) => JSON.parse(Buffer.from(payload.data ?? []).toString('utf8')).id as string,
          ),
        );
        expect(patches).toContain(HANDOVER_PATCH);
        await expect(
          Worker.runReplayHistory({ workflowBundle: bundle }, history, bridge.handle.workflowId),
        ).resolves.toBeUndefined();
      },
    );
  });

  it('counts the rows of workers without the session, and keeps a lost session worker’s rows counted', async () => {
    // Worker w1 holds the session first with 2 rows it cannot replay; w2 has 4 and takes over when w1 loses it.
    const rowsOf: Record<string, number> = { 'buffer-w1': 2, 'buffer-w2': 4 };
    let holder = 'buffer-w1';
    let w1Loses = false;
    await withStubBridge(
      env,
      bundle,
      stubSettings(),
      (calls, taskQueue) => ({
        async acquireSession() {
          calls.sessions += 1;
          holder = calls.sessions === 1 ? 'buffer-w1' : 'buffer-w2';
          return { queue: taskQueue, workerId: holder, bufferId: holder };
        },
        async runCycle(input) {
          calls.cycles.push(input);
          if (holder === 'buffer-w1' && w1Loses) {
            throw ApplicationFailure.nonRetryable('this worker no longer holds the IB session', SESSION_HELD_ELSEWHERE);
          }
          return written(input, { bufferedRows: rowsOf[holder] });
        },
        async replayBuffer() {
          calls.replays += 1;
          return { replayed: 0, duplicates: 0, remainingRows: rowsOf[holder] };
        },
      }),
      async (bridge) => {
        await bridge.untilStatus((s) => s.bufferedRows === 2, 'w1’s rows');
        await bridge.handle.signal(bufferReportSignal, { bufferId: 'buffer-w2', rows: 4, at: Date.now() });
        const both = await bridge.untilStatus((s) => s.bufferedRows === 6, 'both workers’ rows');
        expect(both.bufferedByWorker).toEqual({ 'buffer-w1': 2, 'buffer-w2': 4 });
        expect(both.state).toBe('degraded');
        w1Loses = true;
        const failedOver = await bridge.untilStatus(
          (s) => s.sessionQueue !== null && bridge.calls.sessions === 2,
          'w2',
        );
        // w1's rows are still on its disk: counted under its id until it reports; w2's moved to the session count.
        expect(failedOver.bufferedByWorker).toEqual({ 'buffer-w1': 2, 'buffer-w2': 4 });
        // The session worker's own report is stale (its rows come back with its cycles); w1's empty report clears it.
        await bridge.handle.signal(bufferReportSignal, { bufferId: 'buffer-w2', rows: 9, at: Date.now() });
        await bridge.handle.signal(bufferReportSignal, { bufferId: 'buffer-w1', rows: 0, at: Date.now() });
        const cleared = await bridge.untilStatus((s) => s.bufferedRows === 4, 'w1 cleared');
        expect(cleared.bufferedByWorker).toEqual({ 'buffer-w2': 4 });
      },
    );
  });

  it('buffers the rows Postgres refused with the pending gaps, without a gap, and replays them once a row is written', async () => {
    let postgresBack = false;
    let replayed = 0;
    await withStubBridge(
      env,
      bundle,
      stubSettings(),
      (calls) => ({
        async runCycle(input) {
          calls.cycles.push(input);
          // The first slot has no snapshot yet: a gap that travels with the next cycle's rows.
          if (calls.cycles.length === 1) {
            return written(input, { outcome: 'ib_unavailable', unavailableReason: 'positions_loading' });
          }
          if (!postgresBack) throw refused();
          return written(input, { bufferedRows: calls.buffered.length - replayed });
        },
        async replayBuffer() {
          calls.replays += 1;
          const rows = calls.buffered.length - replayed;
          replayed += rows;
          return { replayed: rows, duplicates: 0, remainingRows: 0 };
        },
      }),
      async (bridge) => {
        const degraded = await bridge.untilStatus((s) => s.bufferedRows >= 2, 'two slots buffered');
        expect(degraded.state).toBe('degraded');
        expect(bridge.calls.buffered[0]).toEqual(unwritten);
        expect(bridge.calls.replays).toBe(0);
        postgresBack = true;
        const healed = await bridge.untilStatus((s) => s.state === 'ready' && s.bufferedRows === 0, 'replayed');
        const calls = bridge.calls;
        expect(calls.replays).toBeGreaterThanOrEqual(1);
        expect(replayed).toBe(calls.buffered.length);
        // Every refused slot reached the buffer, and counts as a cycle; none is a gap.
        expect(healed.cyclesTotal).toBeGreaterThan(calls.buffered.length);
        const [loading, firstRefused, ...later] = calls.cycles;
        const explained = (cycle: CycleInput) => cycle.gaps.filter((gap) => !LOAD_REASONS.includes(gap.reason));
        expect(explained(firstRefused)).toEqual([
          { from: loading.slotAt, to: loading.slotAt + 1000, slots: 1, reason: 'positions_loading' },
        ]);
        // The pending gap went into the buffer with the refused rows: no later cycle reports it again.
        for (const cycle of later) expect(explained(cycle)).toEqual([]);
      },
    );
  });

  it('records the slot as buffer_unavailable when the buffer refuses the rows too, and goes on', async () => {
    let diskBack = false;
    let refusals = 0;
    await withStubBridge(
      env,
      bundle,
      stubSettings(),
      (calls) => ({
        async runCycle(input) {
          calls.cycles.push(input);
          if (diskBack) return written(input);
          refusals += 1;
          throw refused();
        },
        async bufferRows(rows) {
          calls.buffered.push(rows);
          throw ApplicationFailure.nonRetryable('no space left on device');
        },
      }),
      async (bridge) => {
        const degraded = await bridge.untilStatus((s) => s.skippedSlotsTotal >= 2, 'two slots lost');
        expect(degraded).toMatchObject({ state: 'degraded', bufferedRows: 0 });
        diskBack = true;
        const lastRefused = bridge.calls.cycles[bridge.calls.cycles.length - 1].slotAt;
        const calls = await bridge.untilCalls((c) => cycleAfter(c, lastRefused) !== undefined, 'a written cycle');
        expect(calls.buffered).toHaveLength(refusals);
        // The gaps stay pending until a cycle is written: its input has one slot per refusal, from the first one.
        const writtenCycle = cycleAfter(calls, lastRefused) as CycleInput;
        const lost = writtenCycle.gaps.filter((gap) => gap.reason === 'buffer_unavailable');
        expect(lost.reduce((sum, gap) => sum + gap.slots, 0)).toBe(refusals);
        expect(lost[0].from).toBe(calls.cycles[0].slotAt);
      },
    );
  });

  it('keeps a failed replay out of the gaps and the state, says so in status, and clears it once a replay works', async () => {
    let replayWorks = false;
    await withStubBridge(
      env,
      bundle,
      stubSettings(),
      (calls) => ({
        async runCycle(input) {
          calls.cycles.push(input);
          return written(input, { bufferedRows: replayWorks && calls.replays > 0 ? 0 : 3 });
        },
        async replayBuffer() {
          calls.replays += 1;
          if (!replayWorks) {
            throw ApplicationFailure.create({
              message: 'replaying the fallback buffer failed: too many clients',
              type: REPLAY_FAILED,
            });
          }
          return { replayed: 3, duplicates: 0, remainingRows: 0 };
        },
      }),
      async (bridge) => {
        const failing = await bridge.untilStatus((s) => (s.replayFailure?.failures ?? 0) >= 2, 'two failed replays');
        expect(failing).toMatchObject({ state: 'degraded', bufferedRows: 3 });
        expect(failing.replayFailure?.message).toBe('replaying the fallback buffer failed: too many clients');
        // One replay per written cycle, never two at once, and never a gap.
        expect(bridge.calls.replays).toBeLessThanOrEqual(bridge.calls.cycles.length);
        expect(gapsReported(bridge.calls).filter((gap) => !LOAD_REASONS.includes(gap.reason))).toEqual([]);
        replayWorks = true;
        const healed = await bridge.untilStatus((s) => s.replayFailure === null && s.bufferedRows === 0, 'healed');
        expect(healed.state).toBe('ready');
      },
    );
  });

  it('waits out the reset window: its slots are reset_window, those until the gateway is back reset_overrun', async () => {
    const intervalMs = 500;
    const windowStart = Math.ceil((Date.now() + 2000) / 1000) * 1000;
    const durationMs = 1500;
    const windowEnd = windowStart + durationMs;
    const time = new Date(windowStart).toISOString().slice(11, 19);
    // The gateway comes back three intervals after the window.
    const gatewayBackAt = windowEnd + 3 * intervalMs;
    await withStubBridge(
      env,
      bundle,
      stubSettings({ intervalMs, reset: { time, timeZone: 'UTC', durationMs } }),
      (calls) => ({
        async waitOutReset({ windowStart: start, windowEnd: end }) {
          calls.resets.push({ windowStart: start, windowEnd: end });
          await sleep(Math.max(0, gatewayBackAt - Date.now()));
          return { readyAt: Date.now(), reconnectMs: Date.now() - end, attempts: 1 };
        },
      }),
      async (bridge) => {
        const resetting = await bridge.untilStatus((s) => s.state === 'resetting', 'resetting');
        expect(resetting.sessionQueue).toBe(bridge.taskQueue);
        const calls = await bridge.untilCalls((c) => cycleAfter(c, gatewayBackAt) !== undefined, 'a cycle after');
        expect(calls.resets).toEqual([{ windowStart, windowEnd }]);
        const [window] = gapsOf(calls, 'reset_window');
        const [overrun] = gapsOf(calls, 'reset_overrun');
        // The window's gap starts at its first slot and ends at the first slot from its end; the overrun follows.
        expect(window.from).toBeGreaterThanOrEqual(windowStart);
        expect(window.from - windowStart).toBeLessThan(intervalMs);
        expect(window.to).toBeGreaterThanOrEqual(windowEnd);
        expect(window.to - windowEnd).toBeLessThan(intervalMs);
        expect(overrun.from).toBe(window.to);
        expect(overrun.slots).toBeGreaterThanOrEqual(2);
        // No cycle ran in either gap.
        expect(calls.cycles.filter((c) => c.slotAt >= window.from && c.slotAt < overrun.to)).toEqual([]);
        await bridge.untilStatus((s) => s.state === 'ready', 'ready after the window');
      },
    );
  });

  it('runs no cycle while paused; the slots it missed are a paused gap reported with the next cycle', async () => {
    await withStubBridge(
      env,
      bundle,
      stubSettings(),
      () => ({}),
      async (bridge) => {
        await bridge.untilCalls((c) => c.cycles.length >= 1, 'a cycle');
        await bridge.handle.signal(pauseSignal, 'maintenance');
        const paused = await bridge.untilStatus((s) => s.state === 'paused', 'paused');
        expect(paused).toMatchObject({ paused: true, pauseReason: 'maintenance' });
        const cyclesBeforePause = bridge.calls.cycles.length;
        const lastBeforePause = bridge.calls.cycles[cyclesBeforePause - 1].slotAt;
        await sleep(2500); // slots pass while paused
        expect(bridge.calls.cycles).toHaveLength(cyclesBeforePause);
        await bridge.handle.signal(resumeSignal);
        const calls = await bridge.untilCalls((c) => c.cycles.length > cyclesBeforePause, 'a cycle after resuming');
        const resumed = calls.cycles[cyclesBeforePause];
        const [gap] = gapsOf(calls, 'paused');
        expect(gap.to).toBe(resumed.slotAt);
        expect(gap.from).toBeGreaterThan(lastBeforePause);
        expect(gap.slots).toBeGreaterThanOrEqual(1);
        // Every slot between the last cycle before the pause and the first after it is accounted for as a gap.
        const skipped = resumed.gaps.reduce((sum, g) => sum + g.slots, 0);
        expect(skipped).toBe((resumed.slotAt - lastBeforePause) / 1000 - 1);
        const status = await bridge.untilStatus((s) => s.state === 'ready', 'ready again');
        expect(status).toMatchObject({ paused: false, pauseReason: null });
      },
    );
  });

  it('changes the interval on setInterval from the next slot, and refuses an interval below 100 ms', async () => {
    await withStubBridge(
      env,
      bundle,
      stubSettings(),
      () => ({}),
      async (bridge) => {
        await bridge.untilCalls((c) => c.cycles.length >= 2, 'two cycles');
        await expect(bridge.handle.executeUpdate(setIntervalUpdate, { args: [50] })).rejects.toThrow();
        const before = bridge.calls.cycles.length;
        const lastBefore = bridge.calls.cycles[before - 1].slotAt;
        await expect(bridge.handle.executeUpdate(setIntervalUpdate, { args: [500] })).resolves.toEqual({
          previousMs: 1000,
          intervalMs: 500,
        });
        const calls = await bridge.untilCalls((c) => c.cycles.length >= before + 4, 'four cycles at 500 ms');
        const after = calls.cycles.slice(before).map((cycle) => cycle.slotAt);
        // The new grid starts at a slot of the old one (the one due, or the one running), then steps by 500 ms.
        expect(after[0]).toBeGreaterThan(lastBefore);
        expect((after[0] - lastBefore) % 500).toBe(0);
        const steps = after.slice(1).map((slotAt, i) => slotAt - after[i]);
        for (const step of steps) expect(step % 500).toBe(0);
        expect(steps).toContain(500);
        expect((await bridge.status()).intervalMs).toBe(500);
      },
    );
  });

  it('continues as new after maxCyclesPerRun with its state, applying retention once per run', async () => {
    await withStubBridge(
      env,
      bundle,
      stubSettings({ intervalMs: 500, maxCyclesPerRun: 3, retentionDays: 30 }),
      () => ({}),
      async (bridge) => {
        const status = await bridge.untilStatus((s) => s.runs >= 2 && s.cyclesThisRun >= 1, 'a cycle in run 2');
        expect(status.cyclesTotal).toBe(3 + status.cyclesThisRun);
        const calls = bridge.calls;
        expect(calls.retentions).toEqual([30, 30]);
        expect(calls.sessions).toBe(1);
        // The grid goes on across runs: slots keep rising, and no slot is written twice.
        const slots = calls.cycles.map((cycle) => cycle.slotAt);
        expect([...slots].sort((a, b) => a - b)).toEqual(slots);
        expect(new Set(slots).size).toBe(slots.length);
      },
    );
  });
});
