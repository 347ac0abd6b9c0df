import { ActivityFailure, ApplicationFailure, TimeoutFailure } from '@temporalio/common';
import { DB_WRITE_FAILED, SESSION_HELD_ELSEWHERE, type UnwrittenRows } from '../../src/activities/types';
import {
  classifyCycleFailure,
  replayFailureMessage,
  resetLostSession,
} from '../../src/workflows/failureClassification';

/** How a failed activity reaches the workflow: an ActivityFailure whose cause is what went wrong. */
function activityFailed(cause: Error): ActivityFailure {
  return new ActivityFailure('Activity task failed', 'runCycle', '7', 'MAXIMUM_ATTEMPTS_REACHED', 'worker-1', cause);
}

const rows: UnwrittenRows = { snapshots: [{ cycle_key: 'wf:1' }], apiLogs: [], reason: 'connection refused' };

describe('classifying a failed cycle', () => {
  it('fails over when the session worker never took the task', () => {
    const timeout = new TimeoutFailure('not started', undefined, 'SCHEDULE_TO_START');
    expect(classifyCycleFailure(activityFailed(timeout))).toEqual({ kind: 'session_lost' });
  });

  it('fails over when the worker says another one holds the connection', () => {
    const heldElsewhere = ApplicationFailure.create({ message: 'held by w2', type: SESSION_HELD_ELSEWHERE });
    expect(classifyCycleFailure(activityFailed(heldElsewhere))).toEqual({ kind: 'session_lost' });
  });

  it('buffers the rows a refused write carries as its first detail', () => {
    const refused = ApplicationFailure.create({ message: 'refused', type: DB_WRITE_FAILED, details: [rows] });
    expect(classifyCycleFailure(activityFailed(refused))).toEqual({ kind: 'db_write_failed', rows });
  });

  it('loses the slot to the database when an attempt timed out after it started', () => {
    const timeout = new TimeoutFailure('took too long', undefined, 'START_TO_CLOSE');
    expect(classifyCycleFailure(activityFailed(timeout))).toEqual({
      kind: 'slot_lost',
      reason: 'db_unavailable',
      message: 'took too long',
    });
  });

  it('loses the slot to the cycle itself on any other error, with its message', () => {
    const bug = ApplicationFailure.create({ message: 'x is undefined', type: 'TypeError' });
    expect(classifyCycleFailure(activityFailed(bug))).toEqual({
      kind: 'slot_lost',
      reason: 'cycle_failed',
      message: 'x is undefined',
    });
  });

  it('leaves an error that is not an activity’s to the workflow task (a bug in the workflow)', () => {
    expect(classifyCycleFailure(new TypeError('boom'))).toBeNull();
    expect(classifyCycleFailure(ApplicationFailure.create({ type: DB_WRITE_FAILED }))).toBeNull();
  });
});

describe('a failed reset and a failed replay', () => {
  it('loses the session when the reset activity timed out in any way, and only then', () => {
    for (const type of ['SCHEDULE_TO_START', 'HEARTBEAT', 'START_TO_CLOSE'] as const) {
      expect(resetLostSession(activityFailed(new TimeoutFailure('gone', undefined, type)))).toBe(true);
    }
    expect(resetLostSession(activityFailed(ApplicationFailure.create({ message: 'no' })))).toBe(false);
    expect(resetLostSession(new TimeoutFailure('not an activity', undefined, 'HEARTBEAT'))).toBe(false);
  });

  it('reports the replay activity’s own message, else the error’s', () => {
    const refused = ApplicationFailure.create({ message: 'replay refused: too many clients', type: 'ReplayFailed' });
    expect(replayFailureMessage(activityFailed(refused))).toBe('replay refused: too many clients');
    expect(replayFailureMessage(new Error('plain'))).toBe('plain');
    expect(replayFailureMessage('text')).toBe('text');
  });
});
