import {
  ActivityFailure,
  ApplicationFailure,
  TimeoutFailure,
  allHandlersFinished,
  condition,
  continueAsNew,
  proxyActivities,
  setCurrentDetails,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
  log,
  patched,
} from '@temporalio/workflow';
import { defineSearchAttributeKey, type Duration } from '@temporalio/common';
import type { BridgeActivities, SessionGrant, UnwrittenRows } from '../activities/types';
import { DB_WRITE_FAILED, SESSION_HELD_ELSEWHERE } from '../activities/types';
import { activeResetWindow, nextResetWindow } from '../schedule/resetWindow';
import { bufferReportSignal, pauseSignal, resumeSignal, setIntervalUpdate, statusQuery } from './messages';
import { renderDetails } from './details';
import { createAlerting, type FiringAlert } from './alerting';
import { cycleLeadMs, cycleRetryPlan } from './cycleRetryPlan';
import { failedCycleReason, lateSlotsReason } from './gapReasons';
import { bufferedByWorker, totalBufferedRows } from './bufferedRows';
import type {
  BridgeInput,
  BridgeSettings,
  BridgeState,
  BridgeStateName,
  BridgeStatus,
  BufferReport,
  GapRecord,
} from './types';

const BridgeStateKey = defineSearchAttributeKey('BridgeState', 'KEYWORD');
const BridgeAccountKey = defineSearchAttributeKey('BridgeAccount', 'KEYWORD');
const BridgeLastOkAtKey = defineSearchAttributeKey('BridgeLastOkAt', 'DATETIME');
const BridgeBufferedRowsKey = defineSearchAttributeKey('BridgeBufferedRows', 'INT');

/**
 * Marks the commands that changed when replay moved out of the cycle (a replay never blocks the grid, and its failure
 * is not a gap) and the rows buffered by workers without the session began to count. Runs recorded before it replay
 * as they were.
 */
const NO_SILENT_HOLES_PATCH = 'no-silent-holes';

/** Gaps reported to api_logs are batched into the next cycle; cap them so history payloads stay small. */
const MAX_PENDING_GAPS = 20;

export function initialState(now: number): BridgeState {
  return {
    gridStart: now,
    nextSlot: 0,
    paused: false,
    pauseReason: null,
    state: 'starting',
    sessionQueue: null,
    lastCycle: null,
    lastOkAt: null,
    bufferedRows: 0,
    cyclesTotal: 0,
    skippedSlotsTotal: 0,
    pendingGaps: [],
    runs: 0,
  };
}

/**
 * One workflow per account. Runs the cycle activity on a fixed wall-clock grid, waits out the nightly
 * gateway restart, sends rows the database refused to the fallback buffer and replays them later.
 * The IB connection lives in a worker; this code only decides what happens when.
 */
export async function ibkrBridge(input: BridgeInput): Promise<never> {
  const settings: BridgeSettings = { ...input.settings };
  const state: BridgeState = input.state ?? initialState(Date.now());
  state.runs += 1;
  let cyclesThisRun = 0;
  let wake = false;
  const noSilentHoles = patched(NO_SILENT_HOLES_PATCH);
  let replayInFlight = false;
  /** When the last cycle activity finished (its slot plus its latency): a workflow task much later found Temporal away. */
  let lastCycleEndedAt: number | null = null;
  /** The last cycle found the session worker gone: the slots that pass while another takes over are its gap. */
  let sessionJustLost = false;

  const shared = proxyActivities<BridgeActivities>({
    startToCloseTimeout: '1 minute',
    retry: { initialInterval: '1s', maximumInterval: '10s' },
  });

  const { workflowId } = workflowInfo();
  // Its callback only runs on an alert transition, after `publish` below exists.
  const alerting = createAlerting(settings, state, workflowId, () => publish(state.state));

  setHandler(pauseSignal, (reason?: string) => {
    state.paused = true;
    state.pauseReason = reason ?? 'paused by operator';
    wake = true;
  });
  setHandler(resumeSignal, () => {
    state.paused = false;
    state.pauseReason = null;
    wake = true;
  });
  setHandler(statusQuery, (): BridgeStatus => status(settings, state, cyclesThisRun, alerting.firing()));
  setHandler(bufferReportSignal, (report: BufferReport) => {
    // The session worker's rows come back with its cycles; a report it sent before taking the session is stale.
    if (!report || typeof report.bufferId !== 'string' || report.bufferId === state.sessionBufferId) return;
    const reports = { ...(state.bufferedElsewhere ?? {}) };
    const known = reports[report.bufferId];
    if (known && known.at > report.at) return;
    if (report.rows > 0) reports[report.bufferId] = { bufferId: report.bufferId, rows: report.rows, at: report.at };
    else delete reports[report.bufferId];
    state.bufferedElsewhere = reports;
    publish(settledState());
  });
  setHandler(
    setIntervalUpdate,
    (intervalMs: number) => {
      const previousMs = settings.intervalMs;
      // Re-anchor the grid at the next slot so earlier slots keep their times.
      const nextAt = slotTime(settings, state, state.nextSlot);
      settings.intervalMs = intervalMs;
      state.gridStart = nextAt;
      state.nextSlot = 0;
      wake = true;
      return { previousMs, intervalMs };
    },
    {
      validator: (intervalMs: number) => {
        if (!Number.isInteger(intervalMs) || intervalMs < 100) throw new Error('intervalMs must be an integer >= 100');
      },
    },
  );

  let publishedState: BridgeStateName | null = null;
  let publishedLastOkAt: number | null = null;
  let publishedBuffered: number | null = null;
  const publish = (next: BridgeStateName) => {
    state.state = next;
    const updates = [];
    if (publishedState === null) updates.push({ key: BridgeAccountKey, value: settings.account });
    if (publishedState !== state.state) updates.push({ key: BridgeStateKey, value: state.state });
    if (state.lastOkAt !== null && publishedLastOkAt !== state.lastOkAt && state.state === 'ready') {
      // The UI's list only needs a rough "last ok": refresh it once a minute, not every cycle.
      if (publishedLastOkAt === null || state.lastOkAt - publishedLastOkAt >= 60_000) {
        updates.push({ key: BridgeLastOkAtKey, value: new Date(state.lastOkAt) });
        publishedLastOkAt = state.lastOkAt;
      }
    }
    const buffered = totalBufferedRows(state);
    if (publishedBuffered !== buffered) updates.push({ key: BridgeBufferedRowsKey, value: buffered });
    if (updates.length > 0) upsertSearchAttributes(updates);
    publishedState = state.state;
    publishedBuffered = buffered;
    setCurrentDetails(
      renderDetails(settings, state, nextResetWindow(Date.now(), settings.reset).start, alerting.firing()),
    );
  };
  publish(state.paused ? 'paused' : state.state);

  // Added after the first histories were recorded: runs that predate it replay without the activity.
  if (settings.retentionDays && patched('retention-at-run-start')) {
    try {
      await shared.applyRetention({ days: settings.retentionDays });
    } catch (err) {
      log.warn('retention failed; rows are kept until the next run', { error: String(err) });
    }
  }

  for (;;) {
    if (state.paused) {
      publish('paused');
      const pausedAt = Date.now();
      await condition(() => !state.paused);
      wake = false;
      skipMissedSlots('paused', { since: pausedAt });
      alerting.excuse(Date.now());
      publish(state.sessionQueue ? 'ready' : 'starting');
      continue;
    }

    const slotAt = slotTime(settings, state, state.nextSlot);
    const leadMs = cycleLeadMs(settings);
    const waitMs = slotAt - leadMs - Date.now();
    // How late this workflow task runs after the moment it was due: the timer's, or the end of the last cycle.
    let wokeLateByMs = 0;
    if (waitMs > 0) {
      wake = false;
      await condition(() => wake, waitMs, { summary: 'next cycle' });
      if (wake) continue; // a signal or update changed the plan; recompute
      wokeLateByMs = Date.now() - (slotAt - leadMs);
    } else if (lastCycleEndedAt !== null) {
      wokeLateByMs = Date.now() - lastCycleEndedAt;
    }
    const lateSlots = skipMissedSlots(
      lateSlotsReason({ wokeLateByMs, intervalMs: settings.intervalMs, afterSessionLoss: sessionJustLost }),
    );
    sessionJustLost = false;
    lastCycleEndedAt = null;
    if (lateSlots > 0) continue;

    // The slot's own instant decides: a timer may fire a little early, and the row is stamped with the slot.
    const window = activeResetWindow(slotAt, settings.reset);
    if (window) {
      await waitOutReset(window.start, window.end);
      continue;
    }

    if (!state.sessionQueue) {
      const grant = await alerting.during(shared.acquireSession({ account: settings.account, workflowId }), 'unknown');
      takeSession(grant);
    }

    const cycleKey = `${workflowId}:${slotAt}`;
    const gaps = state.pendingGaps;
    let replayDue = false;
    try {
      const summary = await cycleActivities().runCycle({
        workflowId,
        account: settings.account,
        cycleKey,
        slotAt,
        scheduledAt: Date.now(),
        gaps,
        ...alerting.cycleInput(),
      });
      state.pendingGaps = [];
      state.lastCycle = summary;
      state.cyclesTotal += 1;
      state.bufferedRows = summary.bufferedRows;
      lastCycleEndedAt = summary.slotAt + summary.latencyMs;
      if (summary.outcome === 'ib_unavailable') {
        const reason = summary.unavailableReason ?? 'ib_unavailable';
        recordGap({ from: slotAt, to: slotAt + settings.intervalMs, slots: 1, reason });
        publish('disconnected');
      } else {
        state.lastOkAt = slotAt;
        if (noSilentHoles) {
          // Postgres took this row: time to put the buffered ones back, outside this try (a failed replay is no gap).
          replayDue = state.bufferedRows > 0;
          // An empty buffer ends a replay failure, whoever replayed it (the worker replays on its own too).
          if (!replayDue) state.replayFailure = null;
        } else if (state.bufferedRows > 0) {
          const replay = await session({ heartbeatTimeout: '30s', startToCloseTimeout: '10m' }).replayBuffer();
          state.bufferedRows = replay.remainingRows;
        }
        publish(totalBufferedRows(state) > 0 ? 'degraded' : summary.connection === 'degraded' ? 'degraded' : 'ready');
      }
      alerting.observeCycle(summary);
    } catch (err) {
      if (!(await handleCycleFailure(err, slotAt))) throw err;
    }
    if (replayDue) startReplay();
    state.nextSlot += 1;
    cyclesThisRun += 1;

    const info = workflowInfo();
    const due =
      info.continueAsNewSuggested ||
      info.historyLength >= settings.maxHistoryEventsPerRun ||
      cyclesThisRun >= settings.maxCyclesPerRun;
    // An alert delivery still retrying would be cut off by continue-as-new (and sent again by the next run): wait
    // for it, a few cycles at most, unless the history really must be cut.
    const mustRollOver = info.continueAsNewSuggested || info.historyLength >= 2 * settings.maxHistoryEventsPerRun;
    if (due && ((alerting.settled() && !replayInFlight) || mustRollOver)) {
      await condition(allHandlersFinished);
      await continueAsNew<typeof ibkrBridge>({ settings, state });
    }
  }

  /** The cycle activity, with a retry policy sized to the interval (cycleRetryPlan). */
  function cycleActivities() {
    const plan = cycleRetryPlan(settings);
    return proxyActivities<BridgeActivities>({
      taskQueue: state.sessionQueue ?? undefined,
      scheduleToStartTimeout: settings.sessionScheduleToStartMs,
      startToCloseTimeout: plan.attemptTimeoutMs,
      retry: {
        initialInterval: plan.retryMs,
        backoffCoefficient: 2,
        maximumInterval: plan.maxRetryMs,
        maximumAttempts: plan.attempts,
      },
    });
  }

  /** The session worker's buffer has rows and Postgres just took a row: replay them, without holding up the grid. */
  function startReplay(): void {
    if (replayInFlight) return;
    replayInFlight = true;
    proxyActivities<BridgeActivities>({
      taskQueue: state.sessionQueue ?? undefined,
      scheduleToStartTimeout: settings.sessionScheduleToStartMs,
      startToCloseTimeout: '10m',
      heartbeatTimeout: '30s',
      // One attempt: the next written cycle tries again, and the worker replays on its own as soon as Postgres answers.
      retry: { maximumAttempts: 1 },
      summary: 'replay the fallback buffer',
    })
      .replayBuffer()
      .then(
        (replay) => {
          state.bufferedRows = replay.remainingRows;
          state.replayFailure = null;
        },
        (err: unknown) => {
          // The rows stay in the buffer: not a gap, not a disconnection, not a failed cycle for the alert rules.
          const message = String((err as ActivityFailure).cause?.message ?? (err as Error)?.message ?? err);
          state.replayFailure = {
            at: Date.now(),
            message: message.slice(0, 300),
            failures: (state.replayFailure?.failures ?? 0) + 1,
          };
          log.warn('replay of the fallback buffer failed; the rows stay buffered', { error: message });
        },
      )
      .finally(() => {
        replayInFlight = false;
        publish(settledState());
      });
  }

  /** After a change to the buffered rows: ready/degraded follow them; other states stay what they are. */
  function settledState(): BridgeStateName {
    if (state.paused) return 'paused';
    if (state.state !== 'ready' && state.state !== 'degraded') return state.state;
    return totalBufferedRows(state) > 0 || state.lastCycle?.connection === 'degraded' ? 'degraded' : 'ready';
  }

  function takeSession(grant: SessionGrant): void {
    state.sessionQueue = grant.queue;
    if (!noSilentHoles) return;
    const bufferId = grant.bufferId ?? null;
    const reports = { ...(state.bufferedElsewhere ?? {}) };
    // Its rows move from "elsewhere" to the session worker's count until its first cycle reports them afresh.
    state.bufferedRows = bufferId ? (reports[bufferId]?.rows ?? 0) : 0;
    if (bufferId) delete reports[bufferId];
    state.bufferedElsewhere = reports;
    state.sessionBufferId = bufferId;
  }

  /** The session worker is gone; its buffered rows are still on its disk, and still counted, until it reports. */
  function loseSession(): void {
    state.sessionQueue = null;
    if (!noSilentHoles) return;
    if (state.sessionBufferId && state.bufferedRows > 0) {
      state.bufferedElsewhere = {
        ...(state.bufferedElsewhere ?? {}),
        [state.sessionBufferId]: { bufferId: state.sessionBufferId, rows: state.bufferedRows, at: Date.now() },
      };
    }
    state.bufferedRows = 0;
    state.sessionBufferId = null;
  }

  /** Activities bound to the connection run on the worker that holds it. */
  function session(extra: { heartbeatTimeout?: Duration; startToCloseTimeout?: Duration } = {}) {
    return proxyActivities<BridgeActivities>({
      taskQueue: state.sessionQueue ?? undefined,
      scheduleToStartTimeout: settings.sessionScheduleToStartMs,
      startToCloseTimeout: extra.startToCloseTimeout ?? settings.cycleTimeoutMs,
      heartbeatTimeout: extra.heartbeatTimeout,
      retry: {
        initialInterval: settings.cycleRetryMs,
        backoffCoefficient: 2,
        maximumInterval: settings.cycleRetryMs * 4,
        maximumAttempts: settings.cycleAttempts,
      },
    });
  }

  /** True when the failure was handled (buffered, or a failover prepared). */
  async function handleCycleFailure(err: unknown, slotAt: number): Promise<boolean> {
    if (!(err instanceof ActivityFailure)) return false;
    const cause = err.cause;
    const sessionLost =
      (cause instanceof TimeoutFailure && cause.timeoutType === 'SCHEDULE_TO_START') ||
      (cause instanceof ApplicationFailure && cause.type === SESSION_HELD_ELSEWHERE);
    if (sessionLost) {
      // The connection holder did not pick the task up: it is gone. Another worker takes over next slot.
      log.warn('session worker unavailable; failing over', { queue: state.sessionQueue });
      loseSession();
      sessionJustLost = true;
      recordGap({ from: slotAt, to: slotAt + settings.intervalMs, slots: 1, reason: 'worker_unavailable' });
      publish('disconnected');
      alerting.observeFailure(slotAt, 'unknown');
      return true;
    }
    if (cause instanceof ApplicationFailure && cause.type === DB_WRITE_FAILED) {
      const rows = cause.details?.[0] as UnwrittenRows;
      try {
        const buffered = await bufferActivities().bufferRows(rows);
        // The gaps travelled with the rows into the buffer.
        state.pendingGaps = [];
        state.bufferedRows = buffered.bufferedRows;
        state.cyclesTotal += 1;
      } catch (bufferErr) {
        if (!(bufferErr instanceof ActivityFailure)) throw bufferErr;
        // Neither Postgres nor the disk took the snapshot (e.g. disk full). Blocking here would also stop the rows
        // that Postgres takes once it is back, so the slot becomes a gap with its reason and the grid goes on; the
        // pending gaps stay pending and reach api_logs with the next written cycle.
        log.error('fallback buffer failed; slot recorded as a gap', { error: String(bufferErr.cause?.message) });
        recordGap({ from: slotAt, to: slotAt + settings.intervalMs, slots: 1, reason: 'buffer_unavailable' });
      }
      publish('degraded');
      // The snapshot was taken, so the gateway answered; only Postgres refused.
      alerting.observeFailure(slotAt, 'up');
      return true;
    }
    // Anything else: this slot is lost; say why and go on. The cycle's only waits are Postgres and the disk, so an
    // attempt that timed out was held up by the database; the gateway's state is unknown, not down.
    const reason = failedCycleReason(cause);
    recordGap({ from: slotAt, to: slotAt + settings.intervalMs, slots: 1, reason });
    log.warn('cycle failed', { error: String(cause?.message ?? err.message), reason });
    publish(reason === 'db_unavailable' ? 'degraded' : 'disconnected');
    alerting.observeFailure(slotAt, 'unknown');
    return true;
  }

  function bufferActivities() {
    return proxyActivities<BridgeActivities>({
      taskQueue: state.sessionQueue ?? undefined,
      scheduleToStartTimeout: settings.sessionScheduleToStartMs,
      startToCloseTimeout: '10s',
      // Bounded: a full disk must not hold up the cycles after it (replaying older histories is unaffected, the
      // retry policy is not part of the determinism check).
      retry: { initialInterval: '500ms', maximumInterval: '2s', maximumAttempts: 3 },
    });
  }

  async function waitOutReset(windowStart: number, windowEnd: number): Promise<void> {
    publish('resetting');
    alerting.excuse(windowEnd, windowStart);
    try {
      if (!state.sessionQueue) {
        const grant = await shared.acquireSession({ account: settings.account, workflowId });
        takeSession(grant);
      }
      const reconnected = proxyActivities<BridgeActivities>({
        taskQueue: state.sessionQueue ?? undefined,
        scheduleToStartTimeout: settings.sessionScheduleToStartMs,
        startToCloseTimeout: windowEnd - windowStart + 20 * 60_000,
        heartbeatTimeout: '30s',
        retry: { initialInterval: '10s', maximumInterval: '60s' },
        summary: 'wait out the nightly gateway restart, then reconnect',
      }).waitOutReset({ account: settings.account, windowStart, windowEnd });
      // The activity returns once the gateway is back; a gateway still away past the window may need a human.
      await alerting.during(reconnected, 'down');
    } catch (err) {
      if (err instanceof ActivityFailure && err.cause instanceof TimeoutFailure) loseSession();
      else throw err;
    }
    // The window's slots are the restart's; those after it, until the gateway was back, are a restart that overran.
    skipMissedSlots('reset_window', { until: windowEnd });
    skipMissedSlots('reset_overrun', { until: Date.now() - settings.intervalMs });
    publish(state.sessionQueue ? 'ready' : 'disconnected');
  }

  function recordGap(gap: GapRecord): void {
    state.skippedSlotsTotal += gap.slots;
    const last = state.pendingGaps[state.pendingGaps.length - 1];
    if (last && last.reason === gap.reason && last.to === gap.from) {
      last.to = gap.to;
      last.slots += gap.slots;
    } else {
      state.pendingGaps.push(gap);
      if (state.pendingGaps.length > MAX_PENDING_GAPS) {
        // Never drop a gap: its slots would look lost. Fold the two oldest into one that keeps both reasons.
        const [first, second] = state.pendingGaps.splice(0, 2);
        const reasons = new Set([...(first.otherReasons ?? []), second.reason, ...(second.otherReasons ?? [])]);
        reasons.delete(first.reason);
        state.pendingGaps.unshift({
          from: first.from,
          to: second.to,
          slots: first.slots + second.slots,
          reason: first.reason,
          ...(reasons.size > 0 ? { otherReasons: [...reasons] } : {}),
        });
      }
    }
  }

  /**
   * Moves past the slots that can no longer run and records them as one gap; returns how many.
   * By default a slot is lost once its start lies more than one interval back (the slot that started less
   * than an interval ago may still run); `until` instead drops every slot that starts before that instant.
   */
  function skipMissedSlots(reason: GapRecord['reason'], options: { since?: number; until?: number } = {}): number {
    const firstRunnable =
      options.until !== undefined
        ? Math.ceil((options.until - state.gridStart) / settings.intervalMs)
        : Math.floor((Date.now() - state.gridStart) / settings.intervalMs);
    const skipped = Math.max(0, firstRunnable - state.nextSlot);
    if (skipped > 0) {
      const from = slotTime(settings, state, state.nextSlot);
      recordGap({
        from: options.since !== undefined ? Math.max(from, options.since) : from,
        to: slotTime(settings, state, firstRunnable),
        slots: skipped,
        reason,
      });
      state.nextSlot = firstRunnable;
    }
    return skipped;
  }
}

function slotTime(settings: BridgeSettings, state: BridgeState, slot: number): number {
  return state.gridStart + slot * settings.intervalMs;
}

function status(
  settings: BridgeSettings,
  state: BridgeState,
  cyclesThisRun: number,
  firing: FiringAlert[],
): BridgeStatus {
  const info = workflowInfo();
  return {
    workflowId: info.workflowId,
    account: settings.account,
    state: state.paused ? 'paused' : state.state,
    paused: state.paused,
    pauseReason: state.pauseReason,
    intervalMs: settings.intervalMs,
    lastCycle: state.lastCycle,
    lastOkAt: state.lastOkAt === null ? null : new Date(state.lastOkAt).toISOString(),
    bufferedRows: totalBufferedRows(state),
    bufferedByWorker: bufferedByWorker(state),
    replayFailure: state.replayFailure
      ? { ...state.replayFailure, at: new Date(state.replayFailure.at).toISOString() }
      : null,
    cyclesTotal: state.cyclesTotal,
    cyclesThisRun,
    skippedSlotsTotal: state.skippedSlotsTotal,
    nextResetAt: new Date(nextResetWindow(Date.now(), settings.reset).start).toISOString(),
    sessionQueue: state.sessionQueue,
    historyLength: info.historyLength,
    runs: state.runs,
    alertsFiring: firing.map((alert) => ({ ...alert, since: new Date(alert.since).toISOString() })),
  };
}
