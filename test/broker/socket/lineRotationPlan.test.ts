import { planRotation, type RotationMember, type RotationSettings } from '../../../src/broker/socket/lineRotation';

const SETTINGS: RotationSettings = { minDwellMs: 1_000, maxDwellMs: 10_000, changesPerSecond: 15, budgetRetryMs: 1 };

function waiting(key: number, lastTurnAt = 0, priority = 1): RotationMember {
  return { key, onLineSince: null, refreshed: false, lastTurnAt, priority };
}

function onLine(key: number, since: number, refreshed: boolean): RotationMember {
  return { key, onLineSince: since, refreshed, lastTurnAt: since, priority: 1 };
}

describe('planRotation', () => {
  it('fills free lines at once, whatever the change budget, never-served options first', () => {
    const plan = planRotation([waiting(3, 500), waiting(1), waiting(2)], 2, 10_000, 0, SETTINGS);
    expect(plan).toEqual({ release: [], start: [1, 2] });
  });

  it('hands a line on once its option held model Greeks for the minimum dwell, not before', () => {
    const members = [onLine(1, 9_500, true), onLine(2, 8_000, true), waiting(3)];
    // Option 1 got its Greeks 500 ms ago: too soon. Option 2 has held them 2 s.
    expect(planRotation(members, 2, 10_000, 5, SETTINGS)).toEqual({ release: [2], start: [3] });
  });

  it('keeps a line whose option has no model Greeks yet until the maximum dwell, then hands it on', () => {
    const members = [onLine(1, 0, false), waiting(2)];
    expect(planRotation(members, 1, 9_999, 5, SETTINGS)).toEqual({ release: [], start: [] });
    expect(planRotation(members, 1, 10_000, 5, SETTINGS)).toEqual({ release: [1], start: [2] });
  });

  it('makes at most the budgeted number of changes, longest turns first', () => {
    const members = [onLine(1, 3_000, true), onLine(2, 1_000, true), onLine(3, 2_000, true), waiting(4), waiting(5)];
    expect(planRotation(members, 3, 10_000, 1, SETTINGS)).toEqual({ release: [2], start: [4] });
    expect(planRotation(members, 3, 10_000, 0, SETTINGS)).toEqual({ release: [], start: [] });
  });

  it('goes round robin: the option whose last turn began longest ago goes next, larger exposure among equals', () => {
    const members = [onLine(1, 0, true), waiting(2, 4_000), waiting(3, 2_000, 1), waiting(4, 2_000, 9)];
    expect(planRotation(members, 1, 10_000, 5, SETTINGS).start).toEqual([4]);
  });

  it('gives up the longest turns when the lines shrank, without starting others', () => {
    const members = [onLine(1, 3_000, false), onLine(2, 1_000, false), onLine(3, 2_000, false), waiting(4)];
    expect(planRotation(members, 1, 3_100, 5, SETTINGS)).toEqual({ release: [2, 3], start: [] });
  });

  it('does nothing when every option fits or nobody waits', () => {
    expect(planRotation([onLine(1, 0, true), onLine(2, 0, true)], 2, 50_000, 5, SETTINGS)).toEqual({
      release: [],
      start: [],
    });
  });
});
