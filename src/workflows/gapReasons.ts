import { TimeoutFailure } from '@temporalio/common';
import type { GapReason } from './types';

/**
 * The reason of a slot whose cycle activity failed without rows to buffer. The cycle activity's only waits are the
 * database and the local disk (the broker's snapshot is in memory), so an attempt that times out was held up by the
 * database; anything else is an error of the cycle itself, not a statement about the gateway.
 */
export function failedCycleReason(cause: unknown): GapReason {
  if (cause instanceof TimeoutFailure) return 'db_unavailable';
  return 'cycle_failed';
}

/** A workflow task this many intervals late means Temporal did not deliver it. */
export const TEMPORAL_LATE_INTERVALS = 2;

/**
 * Why slots whose time passed were not run. `wokeLateByMs` is how long after its due time the workflow task that
 * noticed them ran (the timer's due time, or the end of the activity it waited for): when that reaches two intervals,
 * Temporal did not deliver the workflow its task, so the slots fell while Temporal was unavailable (a busy worker
 * runs a task late by a fraction of an interval, not by two). No worker polling at all looks the same from here. `afterSessionLoss`
 * marks the slots spent noticing that the session worker was gone; `afterLateGrant` those spent waiting for a worker to
 * take the lease (PostgreSQL, which keeps it, not answering, say). Otherwise the workflow's own work ran long.
 */
export function lateSlotsReason(input: {
  wokeLateByMs: number;
  intervalMs: number;
  afterSessionLoss: boolean;
  /** The IB connection lease was granted after these slots' time: no worker could take it until then. */
  afterLateGrant?: boolean;
}): GapReason {
  if (input.afterLateGrant) return 'lease_unavailable';
  if (input.afterSessionLoss) return 'worker_unavailable';
  if (input.wokeLateByMs >= TEMPORAL_LATE_INTERVALS * input.intervalMs) return 'temporal_unavailable';
  return 'overrun';
}
