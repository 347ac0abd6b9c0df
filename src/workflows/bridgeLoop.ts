import {
  ActivityFailure,
  allHandlersFinished,
  condition,
  continueAsNew,
  log,
  patched,
  proxyActivities,
  workflowInfo,
} from '@temporalio/workflow';
import type { BridgeActivities, CycleInput, SessionGrant } from '../activities/types';
import { activeResetWindow, nextResetWindow } from '../schedule/resetWindow';
import {
  SHARED_ACTIVITY_OPTIONS,
  bufferActivityOptions,
  cycleActivityOptions,
  inlineReplayActivityOptions,
  replayActivityOptions,
  resetActivityOptions,
} from './activityOptions';
import { createAlerting, type Alerting } from './alerting';
import { releaseSessionBuffer, takeSessionBuffer, totalBufferedRows, withBufferReport } from './bufferedRows';
import { cycleLeadMs } from './cycleRetryPlan';
import {
  MAX_FAILURE_MESSAGE_LENGTH,
  classifyCycleFailure,
  replayFailureMessage,
  resetLostSession,
} from './failureClassification';
import { lateSlotsReason } from './gapReasons';
import type { ibkrBridge } from './bridge';
import { firstRunnableSlot, firstSlotFrom, reanchorGrid, skipSlotsBefore, slotTime } from './grid';
import { withGap } from './pendingGaps';
import { StatePublisher } from './publisher';
import { statusOf } from './status';
import type {
  BridgeInput,
  BridgeSettings,
  BridgeState,
  BridgeStateName,
  BridgeStatus,
  BufferReport,
  CycleSummary,
  GapRecord,
  SessionRelease,
} from './types';

/** Slots that pass while the lease is being granted are skipped as lease_unavailable, not run late. */
export const LATE_GRANT_PATCH = 'late-lease-grant';
/**
 * Marks the commands that changed when replay moved out of the cycle (a replay never blocks the grid, and its failure
 * is not a gap) and the rows buffered by workers without the session began to count. Runs recorded before it replay
 * as they were.
 */
const NO_SILENT_HOLES_PATCH = 'no-silent-holes';
/**
 * A `sessionReleased` signal makes the workflow take the session on another worker at once. Runs recorded before it
 * (where such a signal, if one came, changed nothing) replay as they were.
 */
export const HANDOVER_PATCH = 'session-handover';

/** The smallest interval `setInterval` accepts. */
export const MIN_INTERVAL_MS = 100;

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
 * One run of the bridge workflow: its state, what its message handlers do to it, and the loop that runs the cycle
 * activity on the grid, waits out the nightly gateway restart, buffers rows the database refused and replays them.
 * The order of its commands (timers, activities, search attribute upserts, continue-as-new) is what recorded
 * histories replay against: a change to it needs patched().
 */
export class BridgeLoop {
  readonly settings: BridgeSettings;
  readonly state: BridgeState;
  private cyclesThisRun = 0;
  /** Set by a message that changes the plan: the loop stops waiting for the next slot and recomputes. */
  private wake = false;
  private readonly noSilentHoles: boolean;
  private replayInFlight = false;
  /** When the last cycle activity finished (its slot plus its latency): a workflow task much later found Temporal away. */
  private lastCycleEndedAt: number | null = null;
  /** The last cycle found the session worker gone: the slots that pass while another takes over are its gap. */
  private sessionJustLost = false;
  /** The lease came after the slot it was asked for had passed: the slots in between are lease_unavailable. */
  private grantedLate = false;
  /** The session worker stopped and released the lease: take the session elsewhere now, not at the next slot. */
  private handoverDue = false;
  private readonly workflowId: string;
  private readonly shared: BridgeActivities;
  private readonly alerting: Alerting;
  private readonly publisher: StatePublisher;

  constructor(input: BridgeInput) {
    this.settings = { ...input.settings };
    this.state = input.state ?? initialState(Date.now());
    this.state.runs += 1;
    this.noSilentHoles = patched(NO_SILENT_HOLES_PATCH);
    this.shared = proxyActivities<BridgeActivities>(SHARED_ACTIVITY_OPTIONS);
    this.workflowId = workflowInfo().workflowId;
    // Its callback only runs on an alert transition, once the publisher below exists.
    this.alerting = createAlerting(this.settings, this.state, this.workflowId, () => this.publish(this.state.state));
    this.publisher = new StatePublisher(this.settings, this.state, () => this.alerting.firing());
  }

  pause(reason?: string): void {
    this.state.paused = true;
    this.state.pauseReason = reason ?? 'paused by operator';
    this.wake = true;
  }

  resume(): void {
    this.state.paused = false;
    this.state.pauseReason = null;
    this.wake = true;
  }

  status(): BridgeStatus {
    const info = workflowInfo();
    return statusOf(this.settings, this.state, {
      workflowId: info.workflowId,
      historyLength: info.historyLength,
      cyclesThisRun: this.cyclesThisRun,
      nextResetAt: nextResetWindow(Date.now(), this.settings.reset).start,
      firing: this.alerting.firing(),
    });
  }

  reportBuffer(report: BufferReport): void {
    const reports = withBufferReport(this.state, report);
    if (!reports) return;
    this.state.bufferedElsewhere = reports;
    this.publish(this.settledState());
  }

  /**
   * The session worker stopped gracefully after a cycle and let go of the IB connection and the lease. Its queue has no
   * poller any more: the loop takes the session on another worker right away, so that worker has most of an interval
   * to connect before the next slot. A release of an earlier grant (another queue) changes nothing.
   */
  sessionReleased(release: SessionRelease): void {
    if (release?.queue !== this.state.sessionQueue || !this.state.sessionQueue) return;
    if (!patched(HANDOVER_PATCH)) return;
    this.loseSession();
    this.handoverDue = true;
    this.wake = true;
  }

  validateInterval(intervalMs: number): void {
    if (!Number.isInteger(intervalMs) || intervalMs < MIN_INTERVAL_MS) {
      throw new Error(`intervalMs must be an integer >= ${MIN_INTERVAL_MS}`);
    }
  }

  setInterval(intervalMs: number): { previousMs: number; intervalMs: number } {
    const previousMs = this.settings.intervalMs;
    Object.assign(this.state, reanchorGrid(this.state, previousMs));
    this.settings.intervalMs = intervalMs;
    this.wake = true;
    return { previousMs, intervalMs };
  }

  async run(): Promise<never> {
    const { settings, state } = this;
    this.publish(state.paused ? 'paused' : state.state);

    // Added after the first histories were recorded: runs that predate it replay without the activity.
    if (settings.retentionDays && patched('retention-at-run-start')) {
      try {
        await this.shared.applyRetention({ days: settings.retentionDays });
      } catch (err) {
        log.warn('retention failed; rows are kept until the next run', { error: String(err) });
      }
    }

    // Every await of the loop stays in this method, where it always was: a helper that awaited would move the loop's
    // next command behind those of a replay finishing in the same workflow task, and break the recorded histories.
    for (;;) {
      if (state.paused) {
        const pausedAt = this.enterPause();
        await condition(() => !state.paused);
        this.leavePause(pausedAt);
        continue;
      }

      if (this.handoverDue) {
        this.handoverDue = false;
        if (!state.sessionQueue) {
          this.takeSession(await this.requestSession());
          // Slots that passed before any worker took the session over were lost to the stopped one.
          this.sessionJustLost = firstRunnableSlot(state, settings.intervalMs, Date.now()) > state.nextSlot;
        }
        continue;
      }

      const slotAt = slotTime(state, settings.intervalMs, state.nextSlot);
      const leadMs = cycleLeadMs(settings);
      const waitMs = slotAt - leadMs - Date.now();
      // How late this workflow task runs after the moment it was due: the timer's, or the end of the last cycle.
      let wokeLateByMs = 0;
      if (waitMs > 0) {
        this.wake = false;
        await condition(() => this.wake, waitMs, { summary: 'next cycle' });
        if (this.wake) continue; // a signal or update changed the plan; recompute
        wokeLateByMs = Date.now() - (slotAt - leadMs);
      } else if (this.lastCycleEndedAt !== null) {
        wokeLateByMs = Date.now() - this.lastCycleEndedAt;
      }
      const lateSlots = this.skipMissedSlots(
        lateSlotsReason({
          wokeLateByMs,
          intervalMs: settings.intervalMs,
          afterSessionLoss: this.sessionJustLost,
          afterLateGrant: this.grantedLate,
        }),
        firstRunnableSlot(state, settings.intervalMs, Date.now()),
      );
      this.sessionJustLost = false;
      this.grantedLate = false;
      this.lastCycleEndedAt = null;
      if (lateSlots > 0) continue;

      // The slot's own instant decides: a timer may fire a little early, and the row is stamped with the slot.
      const window = activeResetWindow(slotAt, settings.reset);
      if (window) {
        await this.waitOutReset(window.start, window.end);
        continue;
      }

      if (!state.sessionQueue) {
        this.takeSession(await this.requestSession());
        // A lease granted after its slot's time (Postgres, which keeps it, away for a while) must not run a cycle for
        // that slot now and stamp it with the slot's instant: go round, and the passed slots become a lease gap.
        if (firstRunnableSlot(state, settings.intervalMs, Date.now()) > state.nextSlot && patched(LATE_GRANT_PATCH)) {
          this.grantedLate = true;
          continue;
        }
      }

      let replayDue = false;
      try {
        const summary = await proxyActivities<BridgeActivities>(
          cycleActivityOptions(settings, state.sessionQueue),
        ).runCycle(this.cycleInput(slotAt));
        if (this.recordCycle(summary, slotAt)) {
          if (this.noSilentHoles) {
            // Postgres took this row: time to put the buffered ones back, outside the cycle (a failed replay is no gap).
            replayDue = state.bufferedRows > 0;
            // An empty buffer ends a replay failure, whoever replayed it (the worker replays on its own too).
            if (!replayDue) state.replayFailure = null;
          } else if (state.bufferedRows > 0) {
            const replay = await proxyActivities<BridgeActivities>(
              inlineReplayActivityOptions(settings, state.sessionQueue),
            ).replayBuffer();
            state.bufferedRows = replay.remainingRows;
          }
          this.publish(
            totalBufferedRows(state) > 0 ? 'degraded' : summary.connection === 'degraded' ? 'degraded' : 'ready',
          );
        }
        this.alerting.observeCycle(summary);
      } catch (err) {
        if (!(await this.handleCycleFailure(err, slotAt))) throw err;
      }
      // Not while the session is being handed over: the replay needs the session worker's disk, and the next does it.
      if (replayDue && state.sessionQueue) this.startReplay();
      state.nextSlot += 1;
      this.cyclesThisRun += 1;

      if (this.continueAsNewDue()) {
        await condition(allHandlersFinished);
        await continueAsNew<typeof ibkrBridge>({ settings, state });
      }
    }
  }

  private publish(next: BridgeStateName): void {
    this.publisher.publish(next);
  }

  /** Shows the pause; returns when it began. */
  private enterPause(): number {
    this.publish('paused');
    return Date.now();
  }

  /** After `resume`: the slots that passed are a `paused` gap from the moment the pause began. */
  private leavePause(pausedAt: number): void {
    this.wake = false;
    const now = Date.now();
    this.skipMissedSlots('paused', firstRunnableSlot(this.state, this.settings.intervalMs, now), pausedAt);
    this.alerting.excuse(now);
    this.publish(this.state.sessionQueue ? 'ready' : 'starting');
  }

  private cycleInput(slotAt: number): CycleInput {
    return {
      workflowId: this.workflowId,
      account: this.settings.account,
      cycleKey: `${this.workflowId}:${slotAt}`,
      slotAt,
      scheduledAt: Date.now(),
      gaps: this.state.pendingGaps,
      ...this.alerting.cycleInput(),
    };
  }

  /**
   * Takes in a cycle the broker answered; the pending gaps went with it. True when it took a snapshot and Postgres
   * took its row; a cycle without a snapshot is a one-slot gap with its reason.
   */
  private recordCycle(summary: CycleSummary, slotAt: number): boolean {
    const { state } = this;
    state.pendingGaps = [];
    state.lastCycle = summary;
    state.cyclesTotal += 1;
    state.bufferedRows = summary.bufferedRows;
    this.lastCycleEndedAt = summary.slotAt + summary.latencyMs;
    if (summary.outcome === 'ib_unavailable') {
      const reason = summary.unavailableReason ?? 'ib_unavailable';
      this.recordGap({ from: slotAt, to: slotAt + this.settings.intervalMs, slots: 1, reason });
      this.publish('disconnected');
      return false;
    }
    state.lastOkAt = slotAt;
    return true;
  }

  /**
   * True once the run is long enough to continue as new. An alert delivery still retrying would be cut off by
   * continue-as-new (and sent again by the next run): the run waits for it, a few cycles at most, unless the history
   * really must be cut.
   */
  private continueAsNewDue(): boolean {
    const { settings } = this;
    const info = workflowInfo();
    const due =
      info.continueAsNewSuggested ||
      info.historyLength >= settings.maxHistoryEventsPerRun ||
      this.cyclesThisRun >= settings.maxCyclesPerRun;
    const mustRollOver = info.continueAsNewSuggested || info.historyLength >= 2 * settings.maxHistoryEventsPerRun;
    return due && ((this.alerting.settled() && !this.replayInFlight) || mustRollOver);
  }

  /** The session worker's buffer has rows and Postgres just took a row: replay them, without holding up the grid. */
  private startReplay(): void {
    if (this.replayInFlight) return;
    this.replayInFlight = true;
    const { state } = this;
    proxyActivities<BridgeActivities>(replayActivityOptions(this.settings, state.sessionQueue))
      .replayBuffer()
      .then(
        (replay) => {
          state.bufferedRows = replay.remainingRows;
          state.replayFailure = null;
        },
        (err: unknown) => {
          // The rows stay in the buffer: not a gap, not a disconnection, not a failed cycle for the alert rules.
          const message = replayFailureMessage(err);
          state.replayFailure = {
            at: Date.now(),
            message: message.slice(0, MAX_FAILURE_MESSAGE_LENGTH),
            failures: (state.replayFailure?.failures ?? 0) + 1,
          };
          log.warn('replay of the fallback buffer failed; the rows stay buffered', { error: message });
        },
      )
      .finally(() => {
        this.replayInFlight = false;
        this.publish(this.settledState());
      });
  }

  /** After a change to the buffered rows: ready/degraded follow them; other states stay what they are. */
  private settledState(): BridgeStateName {
    const { state } = this;
    if (state.paused) return 'paused';
    if (state.state !== 'ready' && state.state !== 'degraded') return state.state;
    return totalBufferedRows(state) > 0 || state.lastCycle?.connection === 'degraded' ? 'degraded' : 'ready';
  }

  /** Asks any worker for the IB session (schedules the activity now); an alert may fire while it is pending. */
  private requestSession(): Promise<SessionGrant> {
    const request = this.shared.acquireSession({ account: this.settings.account, workflowId: this.workflowId });
    return this.alerting.during(request, 'unknown');
  }

  private takeSession(grant: SessionGrant): void {
    this.state.sessionQueue = grant.queue;
    if (!this.noSilentHoles) return;
    Object.assign(this.state, takeSessionBuffer(this.state, grant.bufferId ?? null));
  }

  /** The session worker is gone; its buffered rows are still on its disk, and still counted, until it reports. */
  private loseSession(): void {
    this.state.sessionQueue = null;
    if (!this.noSilentHoles) return;
    Object.assign(this.state, releaseSessionBuffer(this.state, Date.now()));
  }

  /** True when the failure was handled (buffered, a failover prepared, or the slot recorded as a gap). */
  private async handleCycleFailure(err: unknown, slotAt: number): Promise<boolean> {
    const { settings, state } = this;
    const failure = classifyCycleFailure(err);
    if (!failure) return false;
    const slot = { from: slotAt, to: slotAt + settings.intervalMs, slots: 1 };
    if (failure.kind === 'session_lost') {
      // The connection holder did not pick the task up: it is gone. Another worker takes over next slot.
      log.warn('session worker unavailable; failing over', { queue: state.sessionQueue });
      this.loseSession();
      this.sessionJustLost = true;
      this.recordGap({ ...slot, reason: 'worker_unavailable' });
      this.publish('disconnected');
      this.alerting.observeFailure(slotAt, 'unknown');
      return true;
    }
    if (failure.kind === 'db_write_failed') {
      try {
        const buffered = await proxyActivities<BridgeActivities>(
          bufferActivityOptions(settings, state.sessionQueue),
        ).bufferRows(failure.rows);
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
        this.recordGap({ ...slot, reason: 'buffer_unavailable' });
      }
      this.publish('degraded');
      // The snapshot was taken, so the gateway answered; only Postgres refused.
      this.alerting.observeFailure(slotAt, 'up');
      return true;
    }
    // This slot is lost; say why and go on. The cycle's only waits are Postgres and the disk, so an attempt that timed
    // out was held up by the database; the gateway's state is unknown, not down.
    this.recordGap({ ...slot, reason: failure.reason });
    log.warn('cycle failed', { error: failure.message, reason: failure.reason });
    this.publish(failure.reason === 'db_unavailable' ? 'degraded' : 'disconnected');
    this.alerting.observeFailure(slotAt, 'unknown');
    return true;
  }

  private async waitOutReset(windowStart: number, windowEnd: number): Promise<void> {
    const { settings, state } = this;
    this.publish('resetting');
    this.alerting.excuse(windowEnd, windowStart);
    try {
      if (!state.sessionQueue) {
        const grant = await this.shared.acquireSession({ account: settings.account, workflowId: this.workflowId });
        this.takeSession(grant);
      }
      const reconnected = proxyActivities<BridgeActivities>(
        resetActivityOptions(settings, state.sessionQueue, { start: windowStart, end: windowEnd }),
      ).waitOutReset({ account: settings.account, windowStart, windowEnd });
      // The activity returns once the gateway is back; a gateway still away past the window may need a human.
      await this.alerting.during(reconnected, 'down');
    } catch (err) {
      if (resetLostSession(err)) this.loseSession();
      else throw err;
    }
    // The window's slots are the restart's; those after it, until the gateway was back, are a restart that overran.
    this.skipMissedSlots('reset_window', firstSlotFrom(state, settings.intervalMs, windowEnd));
    this.skipMissedSlots('reset_overrun', firstSlotFrom(state, settings.intervalMs, Date.now() - settings.intervalMs));
    this.publish(state.sessionQueue ? 'ready' : 'disconnected');
  }

  private recordGap(gap: GapRecord): void {
    this.state.skippedSlotsTotal += gap.slots;
    this.state.pendingGaps = withGap(this.state.pendingGaps, gap);
  }

  /** Gives up the slots before `firstRunnable` as one gap (see skipSlotsBefore); returns how many. */
  private skipMissedSlots(reason: GapRecord['reason'], firstRunnable: number, since?: number): number {
    const { skipped, nextSlot, gap } = skipSlotsBefore(
      this.state,
      this.settings.intervalMs,
      firstRunnable,
      reason,
      since,
    );
    if (gap) this.recordGap(gap);
    this.state.nextSlot = nextSlot;
    return skipped;
  }
}
