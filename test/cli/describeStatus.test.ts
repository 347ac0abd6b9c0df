import { describeStatus } from '../../src/cli/describeStatus';
import type { BridgeStatus, CycleSummary } from '../../src/workflows/types';

const unmanaged: CycleSummary = {
  cycleKey: 'ibkr-bridge-DU0000000:1700000000000',
  slotAt: 1_700_000_000_000,
  outcome: 'ib_unavailable',
  unavailableReason: 'account_not_managed',
  unavailableMessage:
    'account DU0000000 is not among the accounts this login manages (DU1234567): set IB_ACCOUNT to one of them, ' +
    'or log in with a user that manages DU0000000',
  connection: 'ready',
  latencyMs: 1,
  netDelta: null,
  netGamma: null,
  netVega: null,
  netTheta: null,
  coverage: null,
  optionCount: 0,
  bufferedRows: 0,
};

function status(lastCycle: CycleSummary | null): BridgeStatus {
  return {
    workflowId: 'ibkr-bridge-DU0000000',
    account: 'DU0000000',
    state: 'disconnected',
    paused: false,
    pauseReason: null,
    intervalMs: 5000,
    lastCycle,
    lastOkAt: null,
    bufferedRows: 0,
    cyclesTotal: 3,
    cyclesThisRun: 3,
    skippedSlotsTotal: 3,
    nextResetAt: '2026-12-04T04:45:00.000Z',
    sessionQueue: 'ibkr-bridge@worker',
    historyLength: 40,
    runs: 1,
    alertsFiring: [],
  };
}

describe('bridge status, for a human', () => {
  it('says why the last cycle took no snapshot and what to fix', () => {
    const text = describeStatus(status(unmanaged));
    expect(text).toContain('ibkr-bridge-DU0000000: disconnected');
    expect(text).toContain(
      '  no snapshot    account_not_managed: account DU0000000 is not among the accounts this login manages ' +
        '(DU1234567): set IB_ACCOUNT to one of them',
    );
  });

  it('has no such line after a written cycle', () => {
    const written: CycleSummary = {
      ...unmanaged,
      outcome: 'written',
      unavailableReason: undefined,
      unavailableMessage: undefined,
      netDelta: 1,
      netGamma: 0,
      netVega: 0,
      netTheta: 0,
      coverage: 1,
    };
    expect(describeStatus(status(written))).not.toContain('no snapshot');
  });

  it('says that replaying the buffer fails, how often and why, while the rows wait', () => {
    const failing: BridgeStatus = {
      ...status(null),
      state: 'degraded',
      bufferedRows: 12,
      replayFailure: {
        at: '2026-12-03T14:00:05.000Z',
        message: 'replaying the fallback buffer failed: connection refused (ECONNREFUSED)',
        failures: 3,
      },
    };
    const lines = describeStatus(failing).split('\n');
    const buffered = lines.indexOf('  buffered rows  12');
    expect(lines[buffered + 1]).toBe(
      '  replay failed  3× in a row, last at 2026-12-03T14:00:05.000Z: ' +
        'replaying the fallback buffer failed: connection refused (ECONNREFUSED)',
    );
  });

  it('has no replay line once the replay works again', () => {
    expect(describeStatus({ ...status(null), replayFailure: null })).not.toContain('replay');
  });
});
