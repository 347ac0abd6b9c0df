import type { BridgeSettings } from './types';

/**
 * Share of the interval the cycle activity may use, from its scheduling to its last failed attempt. The rest is left
 * for the fallback activity (`bufferRows`) and the workflow's own tasks, so a slot whose write fails has its rows in
 * the buffer before the next slot is scheduled: a database that hangs or crawls costs no slot.
 */
export const CYCLE_SHARE_OF_INTERVAL = 0.7;
/** An attempt must leave at least this much for the work after waiting for its slot's instant. */
export const MIN_ATTEMPT_WORK_MS = 500;

export interface CycleRetryPlan {
  /** Start-to-close of one attempt (it includes the wait for the slot's instant on the first one). */
  attemptTimeoutMs: number;
  attempts: number;
  /** First backoff; it doubles up to maxRetryMs. */
  retryMs: number;
  maxRetryMs: number;
}

/** How long before its slot the workflow schedules a cycle (at most half the interval). */
export function cycleLeadMs(settings: Pick<BridgeSettings, 'cycleLeadMs' | 'intervalMs'>): number {
  return Math.min(settings.cycleLeadMs ?? 0, Math.floor(settings.intervalMs / 2));
}

/** Sum of the backoffs between `attempts` attempts: retryMs, doubling, capped at maxRetryMs. */
export function totalBackoffMs(retryMs: number, maxRetryMs: number, attempts: number): number {
  let total = 0;
  for (let retry = 0; retry < attempts - 1; retry++) total += Math.min(retryMs * 2 ** retry, maxRetryMs);
  return total;
}

/**
 * The cycle activity's retry policy, sized to the interval: the configured attempts and attempt timeout, reduced
 * until attempts × timeout + backoffs fit in CYCLE_SHARE_OF_INTERVAL of the interval. An interval too short for even
 * one attempt of MIN_ATTEMPT_WORK_MS after the lead (a test running at 500 ms) keeps the configured values.
 */
export function cycleRetryPlan(
  settings: Pick<BridgeSettings, 'intervalMs' | 'cycleLeadMs' | 'cycleTimeoutMs' | 'cycleAttempts' | 'cycleRetryMs'>,
): CycleRetryPlan {
  const retryMs = settings.cycleRetryMs;
  const maxRetryMs = retryMs * 4;
  const leadMs = cycleLeadMs(settings);
  const budgetMs = Math.floor(settings.intervalMs * CYCLE_SHARE_OF_INTERVAL);
  for (let attempts = Math.max(1, settings.cycleAttempts); attempts >= 1; attempts--) {
    const fitMs = Math.floor((budgetMs - totalBackoffMs(retryMs, maxRetryMs, attempts)) / attempts);
    const attemptTimeoutMs = Math.min(settings.cycleTimeoutMs, fitMs);
    if (attemptTimeoutMs - leadMs >= MIN_ATTEMPT_WORK_MS) return { attemptTimeoutMs, attempts, retryMs, maxRetryMs };
  }
  return {
    attemptTimeoutMs: settings.cycleTimeoutMs,
    attempts: Math.max(1, settings.cycleAttempts),
    retryMs,
    maxRetryMs,
  };
}
