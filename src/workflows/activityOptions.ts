import type { ActivityOptions } from '@temporalio/common';
import { cycleRetryPlan } from './cycleRetryPlan';
import type { BridgeSettings } from './types';

/**
 * Timeouts and retries of each activity the workflow runs. Activities bound to the IB connection run on the session
 * worker's own queue (`sessionQueue`) and give up after `sessionScheduleToStartMs` when that worker does not take them:
 * that timeout is how the workflow notices a dead worker. Retry policies are not part of the determinism check:
 * changing one leaves the recorded histories replaying as they were.
 */

/** Activities on the shared queue (the session handshake, retention): any worker takes them. */
export const SHARED_ACTIVITY_OPTIONS: ActivityOptions = {
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1s', maximumInterval: '10s' },
};

type SessionSettings = Pick<BridgeSettings, 'sessionScheduleToStartMs'>;

function onSession(settings: SessionSettings, sessionQueue: string | null) {
  return { taskQueue: sessionQueue ?? undefined, scheduleToStartTimeout: settings.sessionScheduleToStartMs };
}

/** The cycle activity, with a retry policy sized to the interval (cycleRetryPlan). */
export function cycleActivityOptions(settings: BridgeSettings, sessionQueue: string | null): ActivityOptions {
  const plan = cycleRetryPlan(settings);
  return {
    ...onSession(settings, sessionQueue),
    startToCloseTimeout: plan.attemptTimeoutMs,
    retry: {
      initialInterval: plan.retryMs,
      backoffCoefficient: 2,
      maximumInterval: plan.maxRetryMs,
      maximumAttempts: plan.attempts,
    },
  };
}

/**
 * Replaying the session worker's buffer. One attempt: the next written cycle tries again, and the worker replays on
 * its own as soon as Postgres answers.
 */
export function replayActivityOptions(settings: SessionSettings, sessionQueue: string | null): ActivityOptions {
  return {
    ...onSession(settings, sessionQueue),
    startToCloseTimeout: '10m',
    heartbeatTimeout: '30s',
    retry: { maximumAttempts: 1 },
    summary: 'replay the fallback buffer',
  };
}

/**
 * The replay as runs recorded before replay moved out of the cycle scheduled it: inline, with the cycle's retries.
 * Kept so those histories replay as they were.
 */
export function inlineReplayActivityOptions(
  settings: Pick<BridgeSettings, 'sessionScheduleToStartMs' | 'cycleRetryMs' | 'cycleAttempts'>,
  sessionQueue: string | null,
): ActivityOptions {
  return {
    ...onSession(settings, sessionQueue),
    startToCloseTimeout: '10m',
    heartbeatTimeout: '30s',
    retry: {
      initialInterval: settings.cycleRetryMs,
      backoffCoefficient: 2,
      maximumInterval: settings.cycleRetryMs * 4,
      maximumAttempts: settings.cycleAttempts,
    },
  };
}

/** Writing unwritten rows to the fallback buffer. Bounded: a full disk must not hold up the cycles after it. */
export function bufferActivityOptions(settings: SessionSettings, sessionQueue: string | null): ActivityOptions {
  return {
    ...onSession(settings, sessionQueue),
    startToCloseTimeout: '10s',
    retry: { initialInterval: '500ms', maximumInterval: '2s', maximumAttempts: 3 },
  };
}

/** How long after the reset window the reconnect activity may still take (a gateway slow to come back). */
export const RESET_OVERRUN_ALLOWANCE_MS = 20 * 60_000;

/** Waiting out the nightly gateway restart, then reconnecting: the window plus an allowance, heartbeating. */
export function resetActivityOptions(
  settings: SessionSettings,
  sessionQueue: string | null,
  window: { start: number; end: number },
): ActivityOptions {
  return {
    ...onSession(settings, sessionQueue),
    startToCloseTimeout: window.end - window.start + RESET_OVERRUN_ALLOWANCE_MS,
    heartbeatTimeout: '30s',
    retry: { initialInterval: '10s', maximumInterval: '60s' },
    summary: 'wait out the nightly gateway restart, then reconnect',
  };
}
