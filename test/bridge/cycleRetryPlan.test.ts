import { TimeoutFailure, ApplicationFailure } from '@temporalio/common';
import { cycleRetryPlan, totalBackoffMs } from '../../src/workflows/cycleRetryPlan';
import { failedCycleReason, lateSlotsReason } from '../../src/workflows/gapReasons';
import { DEFAULT_SETTINGS } from '../../src/workflows/types';

describe('the cycle retry policy is sized to the interval', () => {
  it('fits the default 5 s interval: two attempts of 1.5 s and one 0.5 s backoff inside 3.5 s', () => {
    // Budget 0.7 × 5000 = 3500 ms. Two attempts: (3500 − 500) / 2 = 1500 ≥ configured 1500 → 1500 each.
    expect(cycleRetryPlan(DEFAULT_SETTINGS)).toEqual({
      attemptTimeoutMs: 1500,
      attempts: 2,
      retryMs: 500,
      maxRetryMs: 2000,
    });
  });

  it('shortens the attempts of a faster grid, then drops attempts, never exceeding the budget', () => {
    // 4000 ms: budget 2800; two attempts (2800 − 500) / 2 = 1150; 1150 − 500 lead = 650 ≥ 500.
    expect(cycleRetryPlan({ ...DEFAULT_SETTINGS, intervalMs: 4000 })).toEqual({
      attemptTimeoutMs: 1150,
      attempts: 2,
      retryMs: 500,
      maxRetryMs: 2000,
    });
    // 3000 ms, lead 500: budget 2100; two attempts (2100 − 500) / 2 = 800, 300 of work < 500; one attempt of 1500.
    expect(cycleRetryPlan({ ...DEFAULT_SETTINGS, intervalMs: 3000 })).toEqual({
      attemptTimeoutMs: 1500,
      attempts: 1,
      retryMs: 500,
      maxRetryMs: 2000,
    });
    // The old defaults (4 s × 3 attempts, 0.5 s backoff) at 5 s: three attempts (3500 − 1500) / 3 = 666 → too short;
    // two: (3500 − 500) / 2 = 1500.
    expect(cycleRetryPlan({ ...DEFAULT_SETTINGS, cycleTimeoutMs: 4000, cycleAttempts: 3 })).toMatchObject({
      attemptTimeoutMs: 1500,
      attempts: 2,
    });
  });

  it('keeps the configured values when the interval cannot hold one attempt (a 500 ms test grid)', () => {
    const settings = {
      ...DEFAULT_SETTINGS,
      intervalMs: 500,
      cycleTimeoutMs: 2000,
      cycleAttempts: 2,
      cycleRetryMs: 200,
    };
    expect(cycleRetryPlan(settings)).toEqual({ attemptTimeoutMs: 2000, attempts: 2, retryMs: 200, maxRetryMs: 800 });
  });

  it('adds the doubling backoffs up to their cap', () => {
    expect(totalBackoffMs(500, 2000, 1)).toBe(0);
    expect(totalBackoffMs(500, 2000, 4)).toBe(500 + 1000 + 2000);
    expect(totalBackoffMs(500, 2000, 5)).toBe(500 + 1000 + 2000 + 2000);
  });
});

describe('gap reasons say what happened', () => {
  it('an attempt that timed out was held up by the database; another error is the cycle’s own', () => {
    expect(failedCycleReason(new TimeoutFailure('start-to-close', undefined, 'START_TO_CLOSE'))).toBe('db_unavailable');
    expect(failedCycleReason(ApplicationFailure.create({ message: 'bug', type: 'TypeError' }))).toBe('cycle_failed');
  });

  it('slots missed because the workflow task ran two intervals or more late are Temporal’s', () => {
    expect(lateSlotsReason({ wokeLateByMs: 30_000, intervalMs: 5000, afterSessionLoss: false })).toBe(
      'temporal_unavailable',
    );
    expect(lateSlotsReason({ wokeLateByMs: 10_000, intervalMs: 5000, afterSessionLoss: false })).toBe(
      'temporal_unavailable',
    );
    expect(lateSlotsReason({ wokeLateByMs: 9999, intervalMs: 5000, afterSessionLoss: false })).toBe('overrun');
    expect(lateSlotsReason({ wokeLateByMs: 30_000, intervalMs: 5000, afterSessionLoss: true })).toBe(
      'worker_unavailable',
    );
  });
});
