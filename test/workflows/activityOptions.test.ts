import {
  bufferActivityOptions,
  cycleActivityOptions,
  replayActivityOptions,
  resetActivityOptions,
} from '../../src/workflows/activityOptions';
import { DEFAULT_SETTINGS } from '../../src/workflows/types';

const settings = { ...DEFAULT_SETTINGS, account: 'DU1' };

describe('activity options', () => {
  it('runs the cycle on the session worker’s queue with the retry plan sized to the interval', () => {
    // cycleRetryPlan at 5 s: two attempts of 1.5 s, 0.5 s backoff doubling up to 2 s.
    expect(cycleActivityOptions(settings, 'q@w1')).toEqual({
      taskQueue: 'q@w1',
      scheduleToStartTimeout: 4000,
      startToCloseTimeout: 1500,
      retry: { initialInterval: 500, backoffCoefficient: 2, maximumInterval: 2000, maximumAttempts: 2 },
    });
  });

  it('sends session activities to the shared queue before a session exists', () => {
    expect(bufferActivityOptions(settings, null).taskQueue).toBeUndefined();
    expect(bufferActivityOptions(settings, null).retry?.maximumAttempts).toBe(3);
  });

  it('tries a replay once: the next written cycle tries again', () => {
    expect(replayActivityOptions(settings, 'q@w1')).toMatchObject({ taskQueue: 'q@w1', retry: { maximumAttempts: 1 } });
  });

  it('gives the reset activity the window and twenty minutes more', () => {
    const window = { start: 1_700_000_000_000, end: 1_700_000_000_000 + 15 * 60_000 };
    expect(resetActivityOptions(settings, 'q@w1', window).startToCloseTimeout).toBe(35 * 60_000);
  });
});
