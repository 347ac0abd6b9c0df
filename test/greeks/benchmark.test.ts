import type { BenchmarkQuote, BrokerSnapshot, OptionGreeks, Position } from '../../src/broker/types';
import { aggregateGreeks } from '../../src/greeks';
import { benchmarkPriceInBase, betaOf } from '../../src/greeks/benchmark';
import { moneyCurrencyOf } from '../../src/greeks/currency';

const NOW = 1_700_000_000_000;
const MAX_AGE = 15_000;

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    Object.values(value).forEach(deepFreeze);
    Object.freeze(value);
  }
  return value;
}

function option(conId: number, underlying: string, quantity: number, currency = 'USD'): Position {
  return {
    account: 'DU1',
    conId,
    localSymbol: `${underlying} C`,
    underlying,
    secType: 'OPT',
    right: 'C',
    multiplier: 100,
    quantity,
    currency,
  };
}

function greeks(conId: number, delta: number, underlyingPrice: number): OptionGreeks {
  return {
    conId,
    delta,
    gamma: 0.01,
    vega: 0.1,
    theta: -0.02,
    impliedVol: 0.3,
    underlyingPrice,
    optionPrice: 5,
    computedAt: NOW - 1_000,
    marketDataType: 'live',
    stale: false,
  };
}

const SPY_AT_500: BenchmarkQuote = {
  symbol: 'SPY',
  currency: 'USD',
  price: 500,
  at: NOW - 2_000,
  marketDataType: 'live',
};

/** AAPL: 2 × 100 × 0.5 at 200 = $20,000; MSFT: 1 × 100 × 0.4 at 400 = $16,000; SPY itself is not held. */
function book(benchmark: BenchmarkQuote | null | undefined, base = 'USD'): BrokerSnapshot {
  return deepFreeze({
    account: 'DU1',
    mode: 'SOCKET',
    takenAt: NOW,
    connection: 'ready',
    positions: [option(1, 'AAPL', 2), option(2, 'MSFT', 1)],
    greeks: { 1: greeks(1, 0.5, 200), 2: greeks(2, 0.4, 400) },
    underlyingPrices: {},
    pnl: null,
    marketDataType: 'live',
    positionsComplete: true,
    exchangeRates: { baseCurrency: base, rates: { USD: base === 'USD' ? 1 : 0.8 } },
    ...(benchmark !== undefined ? { benchmark } : {}),
  } satisfies BrokerSnapshot);
}

const BETAS = { AAPL: 1.2, MSFT: 0.9 };

describe('beta-weighted delta from the streamed benchmark price', () => {
  it('computes Σ dollarDelta·β / S_B with the snapshot benchmark price, by hand', () => {
    const result = aggregateGreeks(book(SPY_AT_500), {
      now: NOW,
      maxAgeMs: MAX_AGE,
      betas: BETAS,
      betaBenchmark: 'SPY',
    });
    // AAPL 20,000 × 1.2 / 500 = 48; MSFT 16,000 × 0.9 / 500 = 28.8
    expect(result.byUnderlying.find((b) => b.underlying === 'AAPL')!.betaWeightedDelta).toBeCloseTo(48, 9);
    expect(result.byUnderlying.find((b) => b.underlying === 'MSFT')!.betaWeightedDelta).toBeCloseTo(28.8, 9);
    expect(result.betaWeightedDelta).toBeCloseTo(76.8, 9);
    expect(result.betaBenchmark).toBe('SPY');
    expect(result.units.betaWeightedDeltaReason).toBeUndefined();
  });

  it('converts a benchmark quoted in another currency before dividing (EUR base, SPY in USD at 0.8)', () => {
    const result = aggregateGreeks(book(SPY_AT_500, 'EUR'), {
      now: NOW,
      maxAgeMs: MAX_AGE,
      betas: BETAS,
      betaBenchmark: 'SPY',
    });
    // Dollar deltas become 16,000 and 12,800 EUR, the benchmark 400 EUR: the benchmark units do not change.
    expect(result.totals.dollarDelta).toBeCloseTo(28_800, 6);
    expect(result.betaWeightedDelta).toBeCloseTo(76.8, 9);
  });

  it('says why the figure is null: no price yet, an old price, a missing rate, a missing beta, not configured', () => {
    const options = { now: NOW, maxAgeMs: MAX_AGE, betas: BETAS, betaBenchmark: 'SPY' };
    const noPrice = aggregateGreeks(book(null), options);
    expect(noPrice.betaWeightedDelta).toBeNull();
    expect(noPrice.betaBenchmark).toBe('SPY');
    expect(noPrice.units.betaWeightedDeltaReason).toBe(
      'no_benchmark_price: no price for SPY from its market-data line yet',
    );

    const old = aggregateGreeks(book({ ...SPY_AT_500, at: NOW - 20_000 }), options);
    expect(old.betaWeightedDelta).toBeNull();
    expect(old.units.betaWeightedDeltaReason).toBe(
      'stale_benchmark_price: the price of SPY is 20000 ms old (limit 15000 ms)',
    );

    const noRate = aggregateGreeks(book({ ...SPY_AT_500, currency: 'GBP' }), options);
    expect(noRate.units.betaWeightedDeltaReason).toMatch(/^no_exchange_rate: .*GBP/);

    const noBeta = aggregateGreeks(book(SPY_AT_500), { ...options, betas: { AAPL: 1.2 } });
    expect(noBeta.betaWeightedDelta).toBeNull();
    expect(noBeta.units.betaWeightedDeltaReason).toBe('no_beta: no beta configured in BETAS for MSFT');
    expect(noBeta.byUnderlying.find((b) => b.underlying === 'AAPL')!.betaWeightedDelta).toBeCloseTo(48, 9);

    const absurd = aggregateGreeks(book({ ...SPY_AT_500, price: 1e160 }), options);
    expect(absurd.betaWeightedDelta).toBeNull();
    expect(absurd.units.betaWeightedDeltaReason).toMatch(/^implausible_benchmark_price: the price of SPY 1e\+160 /);

    // 36,000 / 1e-300 overflows: the figure is null with its reason and every per-underlying share is cleared.
    const tiny = aggregateGreeks(book({ ...SPY_AT_500, price: 1e-300 }), options);
    expect(tiny.betaWeightedDelta).toBeNull();
    expect(tiny.units.betaWeightedDeltaReason).toMatch(/^implausible_benchmark_price: betaWeightedDelta contribution/);
    expect(tiny.byUnderlying.map((b) => b.betaWeightedDelta)).toEqual([null, null]);

    const off = aggregateGreeks(book(SPY_AT_500), { now: NOW, maxAgeMs: MAX_AGE });
    expect(off.betaWeightedDelta).toBeNull();
    expect(off.betaBenchmark).toBeNull();
    expect(off.units.betaWeightedDeltaReason).toMatch(/^not_configured: /);
  });
});

describe('benchmarkPriceInBase and betaOf', () => {
  const money = moneyCurrencyOf({ baseCurrency: 'USD', rates: {} });
  const input = { betaBenchmark: 'SPY', betas: undefined, quote: SPY_AT_500, money, now: NOW, maxAgeMs: MAX_AGE };

  it('prefers an explicit price, else the fresh quote', () => {
    expect(benchmarkPriceInBase(input)).toEqual({ price: 500 });
    expect(benchmarkPriceInBase({ ...input, benchmarkPrice: 510 })).toEqual({ price: 510 });
    expect(benchmarkPriceInBase({ ...input, benchmarkPrice: -1 })).toHaveProperty('reason');
    expect(benchmarkPriceInBase({ ...input, quote: { ...SPY_AT_500, at: NOW - MAX_AGE } })).toEqual({ price: 500 });
  });

  it('gives the benchmark itself beta 1 unless configured otherwise', () => {
    expect(betaOf('SPY', { betaBenchmark: 'SPY', betas: undefined })).toBe(1);
    expect(betaOf('SPY', { betaBenchmark: 'SPY', betas: { SPY: 1.05 } })).toBe(1.05);
    expect(betaOf('QQQ', { betaBenchmark: 'SPY', betas: { AAPL: 1 } })).toBeNull();
  });
});
