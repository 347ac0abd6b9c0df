import type { BrokerSnapshot, OptionGreeks, Position } from '../../src/broker/types';
import { aggregateGreeks } from '../../src/greeks';
import { brokerSnapshot } from './brokerSnapshot';
import { STRICT_GREEKS_SOURCES, countSource, parseGreeksSources, type SourceCounts } from '../../src/greeks/sources';

const NOW = 1_700_000_000_000;

function option(conId: number, quantity: number): Position {
  return {
    account: 'DU1',
    conId,
    localSymbol: `AAPL C${conId}`,
    underlying: 'AAPL',
    secType: 'OPT',
    right: 'C',
    multiplier: 100,
    quantity,
    currency: 'USD',
  };
}

function greeks(conId: number, delta: number, ageMs: number, source?: OptionGreeks['source']): OptionGreeks {
  return {
    conId,
    delta,
    gamma: 0.01,
    vega: 0.1,
    theta: -0.05,
    impliedVol: 0.3,
    underlyingPrice: 200,
    optionPrice: 5,
    computedAt: NOW - ageMs,
    marketDataType: 'live',
    stale: false,
    ...(source ? { source } : {}),
  };
}

/** Four AAPL calls, one per source: IB's model (no source given), a quote computation, IB's calculation, the local model. */
function book(): BrokerSnapshot {
  const positions = [option(1, 1), option(2, 2), option(3, -1), option(4, 3)];
  const list = [greeks(1, 0.5, 1000), greeks(2, 0.4, 2000, 'ib_quote'), greeks(3, 0.3, 500, 'ib_calculation')];
  list.push(greeks(4, 0.2, 4000, 'local_model'));
  return brokerSnapshot(NOW, positions, list);
}

describe('sources of Greeks', () => {
  it('reads the GREEKS_SOURCES setting: all, strict, or a list kept in order of preference', () => {
    expect(parseGreeksSources('')).toEqual({ sources: ['ib_model', 'ib_quote', 'ib_calculation', 'local_model'] });
    expect(parseGreeksSources('ALL')).toEqual(parseGreeksSources(''));
    expect(parseGreeksSources('strict')).toEqual({ sources: [...STRICT_GREEKS_SOURCES] });
    expect(parseGreeksSources(' local_model, ib_model ')).toEqual({ sources: ['ib_model', 'local_model'] });
    expect(parseGreeksSources('ib_model,guess')).toEqual({
      error: 'unknown source guess: use all, strict, or a list of ib_model, ib_quote, ib_calculation, local_model',
    });
  });

  it('counts positions per source with the age of the oldest input', () => {
    const counts: SourceCounts = {};
    countSource(counts, 'ib_model', 300);
    countSource(counts, 'ib_model', 1200);
    countSource(counts, 'local_model', 40);
    expect(counts).toEqual({ ib_model: { positions: 2, maxAgeMs: 1200 }, local_model: { positions: 1, maxAgeMs: 40 } });
  });

  it('records each covered option under its source, and lists those that are not IB model values', () => {
    const result = aggregateGreeks(book(), { now: NOW, maxAgeMs: 15_000 });
    expect(result.coveredOptionCount).toBe(4);
    expect(result.sources).toEqual({
      ib_model: { positions: 1, maxAgeMs: 1000 },
      ib_quote: { positions: 1, maxAgeMs: 2000 },
      ib_calculation: { positions: 1, maxAgeMs: 500 },
      local_model: { positions: 1, maxAgeMs: 4000 },
    });
    expect(result.fallbackPositions).toEqual([
      { conId: 2, localSymbol: 'AAPL C2', source: 'ib_quote', ageMs: 2000 },
      { conId: 3, localSymbol: 'AAPL C3', source: 'ib_calculation', ageMs: 500 },
      { conId: 4, localSymbol: 'AAPL C4', source: 'local_model', ageMs: 4000 },
    ]);
    // 0.5×1×100 + 0.4×2×100 − 0.3×1×100 + 0.2×3×100 = 50 + 80 − 30 + 60
    expect(result.totals.delta).toBeCloseTo(160, 10);
  });

  it('in strict mode leaves the local model out of every total and lists it as source_not_allowed', () => {
    const result = aggregateGreeks(book(), { now: NOW, maxAgeMs: 15_000, allowedSources: STRICT_GREEKS_SOURCES });
    expect(result.coveredOptionCount).toBe(3);
    expect(result.coverage).toBe(0.75);
    expect(result.sources.local_model).toBeUndefined();
    expect(result.excluded).toEqual([
      expect.objectContaining({ conId: 4, reason: 'source_not_allowed', excludedFrom: 'all', ageMs: 4000 }),
    ]);
    // 50 + 80 − 30: the local model's 60 is not counted.
    expect(result.totals.delta).toBeCloseTo(100, 10);
  });
});
