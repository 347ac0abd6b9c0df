import { apiLogRow } from '../../../src/db/apiLogEvents';
import type { ApiLogRow, SnapshotRow } from '../../../src/db/types';
import { GREEKS_UNITS } from '../../../src/greeks/units';

const BASE_TIME = Date.UTC(2025, 0, 6, 14, 30, 0);

/** The n-th 5-second cycle's snapshot of one account, with numbers that are awkward for rounding. */
export function makeSnapshot(n: number, overrides: { account?: string; workflowId?: string } = {}): SnapshotRow {
  const account = overrides.account ?? 'DU1234567';
  const workflowId = overrides.workflowId ?? 'greeks-bridge-test';
  const takenAt = BASE_TIME + n * 5000;
  return {
    cycleKey: `${workflowId}:${takenAt}:${account}`,
    workflowId,
    cycleLatencyMs: 40 + (n % 7),
    aggregated: {
      account,
      mode: 'SOCKET',
      takenAt,
      marketDataType: 'live',
      totals: {
        delta: 123.45678901234567 + n,
        gamma: 0.1 + 0.2,
        vega: -987.6543210987654,
        theta: -1e-300,
        dollarDelta: 1.7976931348623157e308,
        dollarGamma: 5e-324,
      },
      betaWeightedDelta: n % 2 === 0 ? 42.000000000000014 : null,
      betaBenchmark: n % 2 === 0 ? 'SPY' : null,
      pnl: { daily: -12.34, unrealized: null, realized: 0 },
      positionCount: 3,
      optionCount: 2,
      coveredOptionCount: 1,
      coverage: 0.5,
      sources: { ib_quote: { positions: 1, maxAgeMs: 1250 } },
      fallbackPositions: [{ conId: 98, localSymbol: 'AAPL  250117P00180000', source: 'ib_quote', ageMs: 1250 }],
      excluded: [
        {
          conId: 99,
          localSymbol: 'AAPL  250117C00200000',
          underlying: 'AAPL',
          quantity: -1,
          reason: 'stale',
          excludedFrom: 'all',
          ageMs: 12000,
        },
      ],
      byUnderlying: [
        {
          underlying: 'AAPL',
          underlyingPrice: 187.25,
          positionCount: 3,
          optionCount: 2,
          coveredOptionCount: 1,
          betaWeightedDelta: null,
          delta: 123.45678901234567 + n,
          gamma: 0.30000000000000004,
          vega: -987.6543210987654,
          theta: -1e-300,
          dollarDelta: 23117.3,
          dollarGamma: 1.5,
        },
      ],
      units: GREEKS_UNITS,
    },
  };
}

export function makeApiLog(n: number, overrides: Partial<ApiLogRow> = {}): ApiLogRow {
  const { event = 'status_1100', ...fields } = overrides;
  return apiLogRow(event, {
    key: `greeks-bridge-test:log:${n}`,
    at: BASE_TIME + n * 1000,
    account: 'DU1234567',
    mode: 'SOCKET',
    code: 1100,
    message: 'Connectivity between IB and Trader Workstation has been lost.',
    details: { attempt: n },
    ...fields,
  });
}
