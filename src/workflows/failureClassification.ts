import { ActivityFailure, ApplicationFailure, TimeoutFailure } from '@temporalio/common';
import type { UnwrittenRows } from '../activities/types';
import { DB_WRITE_FAILED, SESSION_HELD_ELSEWHERE } from '../activities/types';
import { failedCycleReason } from './gapReasons';
import type { GapReason } from './types';

/** What a failed cycle activity tells the workflow to do. */
export type CycleFailure =
  /** The session worker did not take the task, or another worker holds the connection: fail over. */
  | { kind: 'session_lost' }
  /** The snapshot was taken but Postgres refused it: the rows go to the fallback buffer. */
  | { kind: 'db_write_failed'; rows: UnwrittenRows }
  /** The slot is lost: a gap with this reason. */
  | { kind: 'slot_lost'; reason: GapReason; message: string };

/**
 * Classifies the error a cycle activity threw; null when it is not an activity's failure (a bug in the workflow
 * itself, which must fail the workflow task rather than become a gap).
 *
 * A schedule-to-start timeout means the worker holding the connection never picked the task up; SessionHeldElsewhere
 * means it is not the holder (any more). DbWriteFailed carries the unwritten rows as its first detail. Anything else
 * loses the slot, with the reason failedCycleReason gives.
 */
export function classifyCycleFailure(err: unknown): CycleFailure | null {
  if (!(err instanceof ActivityFailure)) return null;
  const cause = err.cause;
  if (cause instanceof TimeoutFailure && cause.timeoutType === 'SCHEDULE_TO_START') return { kind: 'session_lost' };
  if (cause instanceof ApplicationFailure && cause.type === SESSION_HELD_ELSEWHERE) return { kind: 'session_lost' };
  if (cause instanceof ApplicationFailure && cause.type === DB_WRITE_FAILED) {
    return { kind: 'db_write_failed', rows: cause.details?.[0] as UnwrittenRows };
  }
  return { kind: 'slot_lost', reason: failedCycleReason(cause), message: String(cause?.message ?? err.message) };
}

/**
 * True when the reset activity failed because its worker did not answer in time (not scheduled, no heartbeat, or past
 * its deadline): the session is gone and another worker takes it over. Other failures are the workflow's to raise.
 */
export function resetLostSession(err: unknown): boolean {
  return err instanceof ActivityFailure && err.cause instanceof TimeoutFailure;
}

/** Longest failure message kept in the workflow state (it is shown in status and the Web UI, and lands in history). */
export const MAX_FAILURE_MESSAGE_LENGTH = 300;

/** The message of a failed replay: the activity's own error when there is one. */
export function replayFailureMessage(err: unknown): string {
  return String((err as ActivityFailure).cause?.message ?? (err as Error)?.message ?? err);
}
