import { statusOf } from '../../src/workflows/status';
import { DEFAULT_SETTINGS, type BridgeState } from '../../src/workflows/types';
import { initialState } from '../../src/workflows/bridgeLoop';
import { deepFreeze } from './deepFreeze';

const T = Date.UTC(2026, 0, 5, 14, 30);

describe('the status query', () => {
  it('answers with ISO instants, every worker’s buffered rows and the run’s facts', () => {
    const state: BridgeState = deepFreeze({
      ...initialState(T),
      state: 'degraded',
      lastOkAt: T + 5000,
      bufferedRows: 2,
      sessionBufferId: 'a',
      bufferedElsewhere: { b: { bufferId: 'b', rows: 3, at: T } },
      replayFailure: { at: T + 6000, message: 'refused', failures: 2 },
      cyclesTotal: 12,
      skippedSlotsTotal: 1,
      runs: 3,
    });
    const status = statusOf({ ...DEFAULT_SETTINGS, account: 'DU1' }, state, {
      workflowId: 'ibkr-bridge-DU1',
      historyLength: 140,
      cyclesThisRun: 4,
      nextResetAt: T + 3_600_000,
      firing: [{ rule: 'stale', severity: 'warning', since: T, message: 'no row for 30 s' }],
    });
    expect(status).toMatchObject({
      workflowId: 'ibkr-bridge-DU1',
      account: 'DU1',
      state: 'degraded',
      paused: false,
      intervalMs: 5000,
      lastOkAt: '2026-01-05T14:30:05.000Z',
      bufferedRows: 5,
      bufferedByWorker: { a: 2, b: 3 },
      replayFailure: { at: '2026-01-05T14:30:06.000Z', message: 'refused', failures: 2 },
      cyclesTotal: 12,
      cyclesThisRun: 4,
      skippedSlotsTotal: 1,
      nextResetAt: '2026-01-05T15:30:00.000Z',
      historyLength: 140,
      runs: 3,
      alertsFiring: [
        { rule: 'stale', severity: 'warning', since: '2026-01-05T14:30:00.000Z', message: 'no row for 30 s' },
      ],
    });
  });

  it('says paused whatever state the loop was in', () => {
    const state = deepFreeze({ ...initialState(T), state: 'ready' as const, paused: true, pauseReason: 'maintenance' });
    const status = statusOf({ ...DEFAULT_SETTINGS, account: 'DU1' }, state, {
      workflowId: 'w',
      historyLength: 1,
      cyclesThisRun: 0,
      nextResetAt: T,
      firing: [],
    });
    expect(status).toMatchObject({ state: 'paused', paused: true, pauseReason: 'maintenance', lastOkAt: null });
  });
});
