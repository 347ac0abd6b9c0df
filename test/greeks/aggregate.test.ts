import type { BrokerSnapshot, OptionGreeks, Position, PriceQuote } from '../../src/broker/types';
import { aggregateGreeks, GREEKS_UNITS } from '../../src/greeks';
import { snapshotValues } from '../../src/db/rowValues';

const NOW = 1_700_000_000_000;
const MAX_AGE = 15_000;

let nextConId = 1000;
function position(overrides: Partial<Position> & Pick<Position, 'underlying' | 'secType' | 'quantity'>): Position {
  return {
    account: 'DU1',
    conId: nextConId++,
    localSymbol: `${overrides.underlying} ${overrides.secType}`,
    multiplier: 100,
    currency: 'USD',
    ...overrides,
  };
}

function greeks(conId: number, values: Partial<OptionGreeks>): OptionGreeks {
  return {
    conId,
    delta: null,
    gamma: null,
    vega: null,
    theta: null,
    impliedVol: 0.3,
    underlyingPrice: null,
    optionPrice: 1,
    computedAt: NOW - 1_000,
    marketDataType: 'live',
    stale: false,
    ...values,
  };
}

function snapshot(positions: Position[], greekList: OptionGreeks[] = [], quotes: PriceQuote[] = []): BrokerSnapshot {
  return {
    account: 'DU1',
    mode: 'SOCKET',
    takenAt: NOW,
    connection: 'ready',
    positions,
    greeks: Object.fromEntries(greekList.map((g) => [g.conId, g])),
    underlyingPrices: Object.fromEntries(quotes.map((q) => [q.conId, q])),
    pnl: { daily: 12.5, unrealized: -40, realized: null },
    marketDataType: 'live',
    positionsComplete: true,
  };
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    Object.values(value).forEach(deepFreeze);
    Object.freeze(value);
  }
  return value;
}

/** A book covering every case, with each figure computed by hand in the comments. */
function mixedBook(): BrokerSnapshot {
  const aaplCall = position({ underlying: 'AAPL', secType: 'OPT', right: 'C', quantity: 2 });
  const aaplPut = position({ underlying: 'AAPL', secType: 'OPT', right: 'P', quantity: -3 });
  const aaplStock = position({ underlying: 'AAPL', secType: 'STK', quantity: 50, multiplier: 0, conId: 265598 });
  const esFop = position({ underlying: 'ES', secType: 'FOP', right: 'C', quantity: 1, multiplier: 50 });
  const esFuture = position({ underlying: 'ES', secType: 'FUT', quantity: -1, multiplier: 50 });
  const msftMissing = position({ underlying: 'MSFT', secType: 'OPT', right: 'C', quantity: 1 });
  const msftOld = position({ underlying: 'MSFT', secType: 'OPT', right: 'P', quantity: 4 });
  const tslaFlagged = position({ underlying: 'TSLA', secType: 'OPT', right: 'C', quantity: 1 });
  const tslaSentinel = position({ underlying: 'TSLA', secType: 'OPT', right: 'P', quantity: -1 });
  const aaplClosed = position({ underlying: 'AAPL', secType: 'OPT', right: 'C', quantity: 0 });
  return snapshot(
    [aaplCall, aaplPut, aaplStock, esFop, esFuture, msftMissing, msftOld, tslaFlagged, tslaSentinel, aaplClosed],
    [
      // q·m = 200: delta 100, gamma 4, vega 30, theta -10, $delta 20,000, $gamma 4 × 200² × 0.01 = 1,600
      greeks(aaplCall.conId, { delta: 0.5, gamma: 0.02, vega: 0.15, theta: -0.05, underlyingPrice: 200 }),
      // q·m = -300: delta 120, gamma -9, vega -60, theta 12, $delta 24,000, $gamma -3,600
      greeks(aaplPut.conId, { delta: -0.4, gamma: 0.03, vega: 0.2, theta: -0.04, underlyingPrice: 200 }),
      // q·m = 50: delta 30, gamma 0.05, vega 600, theta -150, $delta 150,000, $gamma 0.05 × 5000² × 0.01 = 12,500
      greeks(esFop.conId, { delta: 0.6, gamma: 0.001, vega: 12, theta: -3, underlyingPrice: 5000 }),
      greeks(msftOld.conId, { delta: 0.3, gamma: 0.01, vega: 0.1, theta: -0.02, computedAt: NOW - 20_000 }),
      greeks(tslaFlagged.conId, { delta: 0.3, gamma: 0.01, vega: 0.1, theta: -0.02, stale: true }),
      greeks(tslaSentinel.conId, { delta: null, gamma: 0.01, vega: 0.1, theta: -0.02, computedAt: 0 }),
      greeks(aaplClosed.conId, { delta: 0.9, gamma: 0.9, vega: 0.9, theta: 0.9, underlyingPrice: 200 }),
    ],
    // stock: 50 shares (multiplier 0 means 1) → delta 50, $delta 50 × 201 = 10,050
    [{ conId: 265598, price: 201, at: NOW - 100, marketDataType: 'live' }],
  );
}

describe('aggregateGreeks', () => {
  it('sums mixed long/short calls and puts, FOP multipliers, stocks and futures by hand-computed figures', () => {
    const result = aggregateGreeks(deepFreeze(mixedBook()), { now: NOW, maxAgeMs: MAX_AGE });

    // ES: the future adds -1 × 50 = -50 shares at the FOP's underlying price 5000 → $delta -250,000
    expect(result.totals.delta).toBeCloseTo(100 + 120 + 50 + 30 - 50, 9);
    expect(result.totals.gamma).toBeCloseTo(4 - 9 + 0.05, 9);
    expect(result.totals.vega).toBeCloseTo(30 - 60 + 600, 9);
    expect(result.totals.theta).toBeCloseTo(-10 + 12 - 150, 9);
    expect(result.totals.dollarDelta).toBeCloseTo(20_000 + 24_000 + 10_050 + 150_000 - 250_000, 6);
    expect(result.totals.dollarGamma).toBeCloseTo(1_600 - 3_600 + 12_500, 6);

    const aapl = result.byUnderlying.find((b) => b.underlying === 'AAPL')!;
    expect(aapl).toMatchObject({ positionCount: 3, optionCount: 2, coveredOptionCount: 2, underlyingPrice: 201 });
    expect(aapl.delta).toBeCloseTo(270, 9);
    expect(aapl.dollarDelta).toBeCloseTo(54_050, 6);
    expect(aapl.dollarGamma).toBeCloseTo(-2_000, 6);
    const es = result.byUnderlying.find((b) => b.underlying === 'ES')!;
    expect(es).toMatchObject({ positionCount: 2, optionCount: 1, coveredOptionCount: 1, underlyingPrice: 5000 });
    expect(es.delta).toBeCloseTo(-20, 9);
    expect(es.vega).toBeCloseTo(600, 9);
    expect(result.byUnderlying.map((b) => b.underlying)).toEqual(['AAPL', 'ES', 'MSFT', 'TSLA']);
  });

  it('lists options with missing, stale, flagged-stale and not-computed Greeks and never counts them', () => {
    const book = mixedBook();
    const result = aggregateGreeks(book, { now: NOW, maxAgeMs: MAX_AGE });

    expect(result.positionCount).toBe(9);
    expect(result.optionCount).toBe(7);
    expect(result.coveredOptionCount).toBe(3);
    expect(result.coverage).toBeCloseTo(3 / 7, 12);
    const reasons = Object.fromEntries(result.excluded.map((e) => [`${e.underlying} ${e.quantity}`, e]));
    expect(reasons['MSFT 1']).toMatchObject({ reason: 'missing' });
    expect(reasons['MSFT 1'].ageMs).toBeUndefined();
    expect(reasons['MSFT 4']).toMatchObject({ reason: 'stale', ageMs: 20_000 });
    expect(reasons['TSLA 1']).toMatchObject({ reason: 'stale', ageMs: 1_000 });
    expect(reasons['TSLA -1']).toMatchObject({ reason: 'not_computed' });
    expect(result.excluded).toHaveLength(4);
    const msft = result.byUnderlying.find((b) => b.underlying === 'MSFT')!;
    expect(msft).toMatchObject({ optionCount: 2, coveredOptionCount: 0, delta: 0, underlyingPrice: null });
  });

  it('makes the age limit decide: the same Greeks count once maxAgeMs covers them', () => {
    const book = mixedBook();
    const strict = aggregateGreeks(book, { now: NOW, maxAgeMs: 999 });
    const lenient = aggregateGreeks(book, { now: NOW, maxAgeMs: 60_000 });
    expect(strict.coveredOptionCount).toBe(0);
    // No option counts. The stock (quote 100 ms old) adds 50 shares and 50 × 201 = 10,050; the ES future, which had
    // only its option's price, still adds its -50 share delta but nothing to the money figures.
    expect(strict.totals.delta).toBeCloseTo(50 - 50, 9);
    expect(strict.totals.dollarDelta).toBeCloseTo(10_050, 9);
    expect(strict.excluded.find((e) => e.underlying === 'ES' && e.quantity === -1)).toMatchObject({
      reason: 'no_underlying_price',
      excludedFrom: 'money',
    });
    // 20-second-old MSFT put now counts: 0.3 × 400 = 120 shares, but it has no price → listed instead.
    expect(lenient.coveredOptionCount).toBe(3);
    expect(lenient.excluded.find((e) => e.underlying === 'MSFT' && e.quantity === 4)?.reason).toBe(
      'no_underlying_price',
    );
  });

  it('treats NaN and infinite Greeks as not computed rather than poisoning the totals', () => {
    const call = position({ underlying: 'SPY', secType: 'OPT', quantity: 1 });
    const put = position({ underlying: 'SPY', secType: 'OPT', quantity: 1 });
    const result = aggregateGreeks(
      snapshot(
        [call, put],
        [
          greeks(call.conId, { delta: Number.NaN, gamma: 0.1, vega: 0.1, theta: 0.1, underlyingPrice: 500 }),
          greeks(put.conId, { delta: 0.1, gamma: Infinity, vega: 0.1, theta: 0.1, underlyingPrice: 500 }),
        ],
      ),
      { now: NOW, maxAgeMs: MAX_AGE },
    );
    expect(result.excluded.map((e) => e.reason)).toEqual(['not_computed', 'not_computed']);
    expect(result.totals).toEqual({ delta: 0, gamma: 0, vega: 0, theta: 0, dollarDelta: 0, dollarGamma: 0 });
    expect(result.marketDataType).toBeNull();
  });

  it('falls back to the underlying quote when a computation carries no underlying price', () => {
    const call = position({ underlying: 'QQQ', secType: 'OPT', quantity: 1, underlyingConId: 320227571 });
    const book = snapshot(
      [call],
      [greeks(call.conId, { delta: 0.5, gamma: 0.01, vega: 0.2, theta: -0.1, underlyingPrice: null })],
      [{ conId: 320227571, price: 400, at: NOW - 50, marketDataType: 'delayed' }],
    );
    const result = aggregateGreeks(book, { now: NOW, maxAgeMs: MAX_AGE });
    expect(result.totals.dollarDelta).toBeCloseTo(50 * 400, 9);
    expect(result.totals.dollarGamma).toBeCloseTo(1 * 400 * 400 * 0.01, 9);

    const staleQuote = { ...book, underlyingPrices: { 320227571: { ...book.underlyingPrices[320227571], at: 0 } } };
    const without = aggregateGreeks(staleQuote, { now: NOW, maxAgeMs: MAX_AGE });
    expect(without.excluded).toEqual([
      expect.objectContaining({ conId: call.conId, reason: 'no_underlying_price', ageMs: 1_000 }),
    ]);
    expect(without.totals.delta).toBe(0);
  });

  it('reproduces a hand-worked SPY example (two calls and 100 shares), including beta weighting', () => {
    const calls = position({ underlying: 'SPY', secType: 'OPT', right: 'C', quantity: 2 });
    const shares = position({ underlying: 'SPY', secType: 'STK', quantity: 100, multiplier: 0 });
    const book = snapshot(
      [calls, shares],
      [greeks(calls.conId, { delta: 0.5, gamma: 0.02, vega: 0.15, theta: -0.05, underlyingPrice: 500 })],
    );
    const result = aggregateGreeks(book, {
      now: NOW,
      maxAgeMs: MAX_AGE,
      betas: { SPY: 1 },
      betaBenchmark: 'SPX',
      benchmarkPrice: 5_000,
    });
    // 100 shares from the calls + 100 shares of stock (priced from the option's underlying price).
    expect(result.totals.delta).toBeCloseTo(200, 9);
    expect(result.totals.dollarDelta).toBeCloseTo(100_000, 9);
    expect(result.totals.gamma).toBeCloseTo(4, 9);
    expect(result.totals.dollarGamma).toBeCloseTo(10_000, 9);
    expect(result.totals.vega).toBeCloseTo(30, 9);
    expect(result.totals.theta).toBeCloseTo(-10, 9);
    expect(result.betaWeightedDelta).toBeCloseTo(20, 9);
    expect(result.betaBenchmark).toBe('SPX');
  });

  it('beta-weights per underlying and refuses a total when a contributing underlying has no beta', () => {
    const book = mixedBook();
    const withBetas = aggregateGreeks(book, {
      now: NOW,
      maxAgeMs: MAX_AGE,
      betas: { AAPL: 1.2, ES: 1 },
      betaBenchmark: 'SPY',
      benchmarkPrice: 500,
    });
    // AAPL 54,050 × 1.2 / 500 = 129.72; ES -100,000 × 1 / 500 = -200; MSFT and TSLA contribute nothing.
    expect(withBetas.betaWeightedDelta).toBeCloseTo(129.72 - 200, 9);
    expect(withBetas.byUnderlying.find((b) => b.underlying === 'AAPL')!.betaWeightedDelta).toBeCloseTo(129.72, 9);

    const missingEs = aggregateGreeks(book, {
      now: NOW,
      maxAgeMs: MAX_AGE,
      betas: { AAPL: 1.2 },
      betaBenchmark: 'SPY',
      benchmarkPrice: 500,
    });
    expect(missingEs.betaWeightedDelta).toBeNull();
    expect(missingEs.byUnderlying.find((b) => b.underlying === 'ES')!.betaWeightedDelta).toBeNull();
    expect(missingEs.byUnderlying.find((b) => b.underlying === 'AAPL')!.betaWeightedDelta).toBeCloseTo(129.72, 9);

    const noBenchmarkPrice = aggregateGreeks(book, {
      now: NOW,
      maxAgeMs: MAX_AGE,
      betas: { AAPL: 1.2, ES: 1 },
      betaBenchmark: 'SPY',
      benchmarkPrice: null,
    });
    expect(noBenchmarkPrice.betaWeightedDelta).toBeNull();
    expect(noBenchmarkPrice.betaBenchmark).toBe('SPY');
    expect(noBenchmarkPrice.units.betaWeightedDeltaReason).toMatch(/^no_benchmark_price: /);
  });

  it('returns zeros, full coverage and no market-data type for an empty or all-closed portfolio', () => {
    const empty = aggregateGreeks(snapshot([]), { now: NOW, maxAgeMs: MAX_AGE });
    const closed = position({ underlying: 'AAPL', secType: 'OPT', quantity: 0 });
    const allClosed = aggregateGreeks(
      snapshot([closed], [greeks(closed.conId, { delta: 1, gamma: 1, vega: 1, theta: 1, underlyingPrice: 1 })]),
      { now: NOW, maxAgeMs: MAX_AGE },
    );
    for (const result of [empty, allClosed]) {
      expect(result.totals).toEqual({ delta: 0, gamma: 0, vega: 0, theta: 0, dollarDelta: 0, dollarGamma: 0 });
      expect(result).toMatchObject({ positionCount: 0, optionCount: 0, coverage: 1, marketDataType: null });
      expect(result.byUnderlying).toEqual([]);
      expect(result.excluded).toEqual([]);
    }
  });

  it('reports a single market-data type, or mixed, and passes P&L, identity and units through', () => {
    const a = position({ underlying: 'SPY', secType: 'OPT', quantity: 1 });
    const b = position({ underlying: 'SPY', secType: 'OPT', quantity: 1 });
    const values = { delta: 0.1, gamma: 0.1, vega: 0.1, theta: 0.1, underlyingPrice: 500 };
    const same = aggregateGreeks(
      snapshot(
        [a, b],
        [
          greeks(a.conId, { ...values, marketDataType: 'delayed' }),
          greeks(b.conId, { ...values, marketDataType: 'delayed' }),
        ],
      ),
      { now: NOW, maxAgeMs: MAX_AGE },
    );
    expect(same.marketDataType).toBe('delayed');
    const mixed = aggregateGreeks(
      snapshot([a, b], [greeks(a.conId, values), greeks(b.conId, { ...values, marketDataType: 'frozen' })]),
      { now: NOW, maxAgeMs: MAX_AGE },
    );
    expect(mixed.marketDataType).toBe('mixed');
    expect(mixed).toMatchObject({ account: 'DU1', mode: 'SOCKET', takenAt: NOW });
    expect(mixed.pnl).toEqual({ daily: 12.5, unrealized: -40, realized: null });
    const { currency: _currency, pnl: _pnl, ...formulas } = GREEKS_UNITS;
    expect(mixed.units).toMatchObject(formulas);
    expect(mixed.units.dollarGamma).toMatch(/1 %/);
    expect(JSON.parse(JSON.stringify(mixed))).toEqual(mixed);
  });
  it('excludes an option, futures option or future whose multiplier is unknown; only stocks default to 1', () => {
    const option = position({ underlying: 'AAPL', secType: 'OPT', quantity: 2, multiplier: 0 });
    const fop = position({ underlying: 'ES', secType: 'FOP', quantity: 1, multiplier: 0 });
    const future = position({ underlying: 'ES', secType: 'FUT', quantity: -1, multiplier: 0, conId: 495512563 });
    const stock = position({ underlying: 'AAPL', secType: 'STK', quantity: 50, multiplier: 0, conId: 265598 });
    const values = { delta: 0.5, gamma: 0.02, vega: 0.15, theta: -0.05 };
    const result = aggregateGreeks(
      snapshot(
        [option, fop, future, stock],
        [
          greeks(option.conId, { ...values, underlyingPrice: 200 }),
          greeks(fop.conId, { ...values, underlyingPrice: 5000 }),
        ],
        [
          { conId: 495512563, price: 5000, at: NOW - 100, marketDataType: 'live' },
          { conId: 265598, price: 200, at: NOW - 100, marketDataType: 'live' },
        ],
      ),
      { now: NOW, maxAgeMs: MAX_AGE },
    );
    // Only the stock counts: 50 shares × 1, $delta 50 × 200 = 10,000. Counted ×1 the others would add
    // 0.5 × 2 + 0.5 × 1 - 1 = 0.5 share.
    expect(result.totals).toEqual({ delta: 50, gamma: 0, vega: 0, theta: 0, dollarDelta: 10_000, dollarGamma: 0 });
    expect(result.excluded.map((e) => [e.conId, e.reason, e.excludedFrom])).toEqual([
      [option.conId, 'unknown_multiplier', 'all'],
      [fop.conId, 'unknown_multiplier', 'all'],
      [future.conId, 'unknown_multiplier', 'all'],
    ]);
    expect(result).toMatchObject({ optionCount: 2, coveredOptionCount: 0, coverage: 0 });
  });

  it('excludes implausible inputs position by position and keeps the row storable', () => {
    const good = position({ underlying: 'SPY', secType: 'OPT', quantity: 1 });
    const absurdPrice = position({ underlying: 'SPY', secType: 'OPT', quantity: 1 });
    const bigDelta = position({ underlying: 'SPY', secType: 'OPT', quantity: 1 });
    const negativeGamma = position({ underlying: 'SPY', secType: 'OPT', quantity: 1 });
    const negativeVega = position({ underlying: 'SPY', secType: 'OPT', quantity: 1 });
    const hugeVol = position({ underlying: 'SPY', secType: 'OPT', quantity: 1 });
    const values = { delta: 0.5, gamma: 0.02, vega: 0.15, theta: -0.05, underlyingPrice: 500 };
    const result = aggregateGreeks(
      deepFreeze(
        snapshot(
          [good, absurdPrice, bigDelta, negativeGamma, negativeVega, hugeVol],
          [
            greeks(good.conId, values),
            greeks(absurdPrice.conId, { ...values, underlyingPrice: 1e160 }),
            greeks(bigDelta.conId, { ...values, delta: 1.5 }),
            greeks(negativeGamma.conId, { ...values, gamma: -0.02 }),
            greeks(negativeVega.conId, { ...values, vega: -0.15 }),
            greeks(hugeVol.conId, { ...values, impliedVol: 25 }),
          ],
        ),
      ),
      { now: NOW, maxAgeMs: MAX_AGE },
    );
    // The good call alone: q·m = 100 → delta 50, gamma 2, vega 15, theta -5, $delta 25,000, $gamma 2 × 500² × 0.01.
    expect(result.totals).toEqual({
      delta: 50,
      gamma: 2,
      vega: 15,
      theta: -5,
      dollarDelta: 25_000,
      dollarGamma: 5_000,
    });
    expect(result.excluded.map((e) => [e.conId, e.reason, e.excludedFrom, e.detail])).toEqual([
      [absurdPrice.conId, 'implausible', 'all', 'underlying price 1e+160 is not below 10000000'],
      [bigDelta.conId, 'implausible', 'all', 'delta 1.5 is outside [-1, 1]'],
      [negativeGamma.conId, 'implausible', 'all', 'gamma -0.02 is negative'],
      [negativeVega.conId, 'implausible', 'all', 'vega -0.15 is negative'],
      [hugeVol.conId, 'implausible', 'all', 'implied volatility 25 is outside (0, 20)'],
    ]);
    expect(result).toMatchObject({ optionCount: 6, coveredOptionCount: 1 });
    expect(() =>
      snapshotValues({ cycleKey: 'k', workflowId: 'w', cycleLatencyMs: 1, aggregated: result }),
    ).not.toThrow();
  });

  it('counts an absurdly priced stock in share delta only, and refuses contributions that could overflow a sum', () => {
    const absurd = position({ underlying: 'AAPL', secType: 'STK', quantity: 100, multiplier: 0, conId: 265598 });
    const huge = position({ underlying: 'MSFT', secType: 'STK', quantity: 1e300, multiplier: 0, conId: 272093 });
    const result = aggregateGreeks(
      snapshot(
        [absurd, huge],
        [],
        [
          { conId: 265598, price: 1e160, at: NOW - 100, marketDataType: 'live' },
          { conId: 272093, price: 400, at: NOW - 100, marketDataType: 'live' },
        ],
      ),
      { now: NOW, maxAgeMs: MAX_AGE },
    );
    expect(result.totals).toEqual({ delta: 100, gamma: 0, vega: 0, theta: 0, dollarDelta: 0, dollarGamma: 0 });
    expect(result.excluded).toEqual([
      expect.objectContaining({ conId: 265598, reason: 'implausible', excludedFrom: 'money' }),
      expect.objectContaining({ conId: 272093, reason: 'implausible', excludedFrom: 'all' }),
    ]);
    expect(result.byUnderlying.find((b) => b.underlying === 'AAPL')).toMatchObject({ underlyingPrice: null });
  });

  it("counts a stock's or future's delta when its price is stale and leaves it out of the money figures only", () => {
    const aapl = position({ underlying: 'AAPL', secType: 'STK', quantity: 100, multiplier: 0, conId: 265598 });
    const spy = position({ underlying: 'SPY', secType: 'STK', quantity: 50, multiplier: 0, conId: 756733 });
    const es = position({ underlying: 'ES', secType: 'FUT', quantity: -1, multiplier: 50, conId: 495512563 });
    const old = NOW - 60_000;
    const result = aggregateGreeks(
      snapshot(
        [aapl, spy, es],
        [],
        [
          { conId: 265598, price: 200, at: old, marketDataType: 'live' },
          { conId: 756733, price: 500, at: old, marketDataType: 'live' },
        ],
      ),
      { now: NOW, maxAgeMs: MAX_AGE },
    );
    // 100 + 50 - 1 × 50 = 100 share-equivalents; no price is fresh, so no money figure has anything to add.
    expect(result.totals).toEqual({ delta: 100, gamma: 0, vega: 0, theta: 0, dollarDelta: 0, dollarGamma: 0 });
    expect(result.excluded).toEqual([
      expect.objectContaining({ conId: 265598, reason: 'no_underlying_price', excludedFrom: 'money', ageMs: 60_000 }),
      expect.objectContaining({ conId: 756733, reason: 'no_underlying_price', excludedFrom: 'money', ageMs: 60_000 }),
      expect.objectContaining({ conId: 495512563, reason: 'no_underlying_price', excludedFrom: 'money' }),
    ]);
    const byName = Object.fromEntries(result.byUnderlying.map((b) => [b.underlying, b]));
    expect(byName.AAPL).toMatchObject({ delta: 100, dollarDelta: 0, underlyingPrice: null });
    expect(byName.ES).toMatchObject({ delta: -50, dollarDelta: 0 });
    expect(result.coverage).toBe(1);
  });

  it('says in the units that net delta and gamma add different underlyings and where to read exposure', () => {
    expect(GREEKS_UNITS.delta).toMatch(/adds share counts of different underlyings/);
    expect(GREEKS_UNITS.delta).toMatch(/by_underlying/);
    expect(GREEKS_UNITS.gamma).toMatch(/different underlyings/);
  });
});
