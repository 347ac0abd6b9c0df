import type { BrokerSnapshot, OptionGreeks, Position, PriceQuote } from '../../src/broker/types';
import { aggregateGreeks } from '../../src/greeks';
import { STRICT_GREEKS_SOURCES } from '../../src/greeks/sources';
import { optionModelValues } from '../../src/greeks/pricing';
import { brokerSnapshot } from './brokerSnapshot';

/** 2024-01-05 15:00 UTC; the options expire 2024-01-19, at 16:00 New York = 21:00 UTC (EST). */
const NOW = Date.UTC(2024, 0, 5, 15, 0, 0);
const YEARS = (Date.UTC(2024, 0, 19, 21, 0, 0) - NOW) / (365 * 24 * 3600_000);
const SETTINGS = { rate: 0.05, maxIvAgeMs: 600_000 };
const MAX_AGE = 15_000;

function option(conId: number, secType: 'OPT' | 'FOP', right: 'C' | 'P', strike: number, quantity: number): Position {
  return {
    account: 'DU1',
    conId,
    localSymbol: `${secType} ${right}${strike}`,
    underlying: secType === 'FOP' ? 'ES' : 'XYZ',
    underlyingConId: secType === 'FOP' ? 900 : 800,
    secType,
    right,
    strike,
    expiry: '20240119',
    multiplier: secType === 'FOP' ? 50 : 100,
    quantity,
    currency: 'USD',
  };
}

/** IB's last Greeks for the option: a good computation `ageMs` ago, flagged stale since ("not computed" after it). */
function lastIb(conId: number, impliedVol: number, ageMs: number): OptionGreeks {
  return {
    conId,
    delta: 0.9,
    gamma: 0.001,
    vega: 0.01,
    theta: -0.01,
    impliedVol,
    underlyingPrice: 90,
    optionPrice: 3,
    computedAt: NOW - ageMs,
    marketDataType: 'live',
    stale: true,
    source: 'ib_model',
  };
}

function quote(conId: number, price: number, ageMs = 200): PriceQuote {
  return { conId, price, at: NOW - ageMs, marketDataType: 'live' };
}

function book(positions: Position[], greeks: OptionGreeks[], quotes: PriceQuote[]): BrokerSnapshot {
  return brokerSnapshot(NOW, positions, greeks, quotes);
}

describe('the local model in the chain of sources', () => {
  it('prices a stock option whose IB Greeks went stale from its last IV on the live price (American, BSM)', () => {
    const result = aggregateGreeks(
      book([option(1, 'OPT', 'P', 100, -2)], [lastIb(1, 0.3, 60_000)], [quote(800, 105)]),
      {
        now: NOW,
        maxAgeMs: MAX_AGE,
        localModel: SETTINGS,
      },
    );
    const expected = optionModelValues({
      right: 'P',
      style: 'american',
      model: 'bsm',
      underlyingPrice: 105,
      strike: 100,
      years: YEARS,
      rate: 0.05,
      volatility: 0.3,
    });
    expect(result.coveredOptionCount).toBe(1);
    expect(result.excluded).toEqual([]);
    // −2 contracts × 100: IB's stale delta of 0.9 plays no part.
    expect(result.totals.delta).toBeCloseTo(expected.delta * -200, 10);
    expect(result.totals.vega).toBeCloseTo(expected.vega * -200, 10);
    expect(result.sources).toEqual({ local_model: { positions: 1, maxAgeMs: 60_000 } });
    expect(result.fallbackPositions).toEqual([
      { conId: 1, localSymbol: 'OPT P100', source: 'local_model', ageMs: 60_000 },
    ]);
    expect(result.byUnderlying[0].underlyingPrice).toBe(105);
  });

  it('takes the live price from another option on the same underlying when the underlying has no line of its own', () => {
    const stale = option(6, 'OPT', 'C', 100, 1);
    const computing = option(7, 'OPT', 'P', 95, 1);
    const fresh: OptionGreeks = { ...lastIb(7, 0.28, 300), stale: false, underlyingPrice: 104, delta: -0.2 };
    const result = aggregateGreeks(book([stale, computing], [lastIb(6, 0.3, 60_000), fresh], []), {
      now: NOW,
      maxAgeMs: MAX_AGE,
      localModel: SETTINGS,
    });
    const expected = optionModelValues({
      right: 'C',
      style: 'american',
      model: 'bsm',
      underlyingPrice: 104,
      strike: 100,
      years: YEARS,
      rate: 0.05,
      volatility: 0.3,
    });
    expect(result.coveredOptionCount).toBe(2);
    // 1 × 100 × (modelled call delta) + 1 × 100 × (IB's put delta −0.2)
    expect(result.totals.delta).toBeCloseTo(expected.delta * 100 - 20, 10);
    expect(result.sources).toEqual({
      ib_model: { positions: 1, maxAgeMs: 300 },
      local_model: { positions: 1, maxAgeMs: 60_000 },
    });
  });

  it('takes no price from an option of another type on the same symbol (a future’s options are not the index’s)', () => {
    const withoutUnderlying = ({ underlyingConId: _, ...position }: Position): Position => position;
    const indexOption = { ...withoutUnderlying(option(8, 'OPT', 'C', 4800, 1)), underlying: 'ES' };
    const futureOption = withoutUnderlying(option(9, 'FOP', 'C', 4800, 1));
    const fresh: OptionGreeks = { ...lastIb(9, 0.2, 300), stale: false, underlyingPrice: 4750 };
    const result = aggregateGreeks(book([indexOption, futureOption], [lastIb(8, 0.3, 60_000), fresh], []), {
      now: NOW,
      maxAgeMs: MAX_AGE,
      localModel: SETTINGS,
    });
    expect(result.coveredOptionCount).toBe(1);
    expect(result.excluded).toEqual([expect.objectContaining({ conId: 8, reason: 'stale' })]);
  });

  it('takes the dividends IB’s model used (pvDividend) off a stock’s spot, and none off a future’s price', () => {
    const withDividend = (conId: number): OptionGreeks => ({ ...lastIb(conId, 0.3, 60_000), pvDividend: 1.8 });
    const result = aggregateGreeks(
      book(
        [option(1, 'OPT', 'C', 100, 1), option(2, 'FOP', 'C', 4800, 1)],
        [withDividend(1), withDividend(2)],
        [quote(800, 105), quote(900, 4750)],
      ),
      { now: NOW, maxAgeMs: MAX_AGE, localModel: SETTINGS },
    );
    const inputs = { right: 'C', style: 'american', years: YEARS, rate: 0.05 } as const;
    const stock = optionModelValues({
      ...inputs,
      model: 'bsm',
      underlyingPrice: 105,
      strike: 100,
      volatility: 0.3,
      pvDividend: 1.8,
    });
    const future = optionModelValues({
      ...inputs,
      model: 'black76',
      underlyingPrice: 4750,
      strike: 4800,
      volatility: 0.3,
    });
    const withoutDividend = optionModelValues({
      ...inputs,
      model: 'bsm',
      underlyingPrice: 105,
      strike: 100,
      volatility: 0.3,
    });
    expect(Math.abs(stock.delta - withoutDividend.delta)).toBeGreaterThan(0.01);
    expect(result.byUnderlying.find((b) => b.underlying === 'XYZ')?.delta).toBeCloseTo(stock.delta * 100, 10);
    expect(result.byUnderlying.find((b) => b.underlying === 'ES')?.delta).toBeCloseTo(future.delta * 50, 10);
  });

  it('prices a futures option with Black-76 on the future’s price', () => {
    const result = aggregateGreeks(
      book([option(2, 'FOP', 'C', 4800, 1)], [lastIb(2, 0.15, 5_000)], [quote(900, 4750)]),
      {
        now: NOW,
        maxAgeMs: 2_000, // IB's values, 5 s old, are past the age limit: the model takes over.
        localModel: SETTINGS,
      },
    );
    const expected = optionModelValues({
      right: 'C',
      style: 'american',
      model: 'black76',
      underlyingPrice: 4750,
      strike: 4800,
      years: YEARS,
      rate: 0.05,
      volatility: 0.15,
    });
    expect(result.totals.delta).toBeCloseTo(expected.delta * 50, 10);
    expect(result.totals.gamma).toBeCloseTo(expected.gamma * 50, 10);
  });

  it('keeps an option out, with IB’s reason, when the IV is too old, the price is not live, or the mode is strict', () => {
    const positions = [option(3, 'OPT', 'C', 100, 1)];
    const cases: Array<[string, OptionGreeks, PriceQuote[], Parameters<typeof aggregateGreeks>[1]]> = [
      ['IV too old', lastIb(3, 0.3, 700_000), [quote(800, 101)], { now: NOW, maxAgeMs: MAX_AGE, localModel: SETTINGS }],
      [
        'no live price',
        lastIb(3, 0.3, 1000),
        [quote(800, 101, 20_000)],
        { now: NOW, maxAgeMs: MAX_AGE, localModel: SETTINGS },
      ],
      [
        'strict',
        lastIb(3, 0.3, 1000),
        [quote(800, 101)],
        { now: NOW, maxAgeMs: MAX_AGE, localModel: SETTINGS, allowedSources: STRICT_GREEKS_SOURCES },
      ],
      ['no settings', lastIb(3, 0.3, 1000), [quote(800, 101)], { now: NOW, maxAgeMs: MAX_AGE }],
    ];
    for (const [what, last, quotes, options] of cases) {
      const result = aggregateGreeks(book(positions, [last], quotes), options);
      expect({ what, covered: result.coveredOptionCount, reasons: result.excluded.map((e) => e.reason) }).toEqual({
        what,
        covered: 0,
        reasons: ['stale'],
      });
    }
  });

  it('never models an expired option or one IB never gave an IV for', () => {
    const expired = { ...option(4, 'OPT', 'C', 100, 1), expiry: '20240105' };
    const noIv = { ...lastIb(5, 0.3, 1000), impliedVol: null };
    const result = aggregateGreeks(
      book([expired, option(5, 'OPT', 'C', 100, 1)], [lastIb(4, 0.3, 1000), noIv], [quote(800, 101)]),
      { now: Date.UTC(2024, 0, 5, 21, 30), maxAgeMs: 10 * 3600_000 + MAX_AGE, localModel: SETTINGS },
    );
    // Both are stale in IB's feed; neither can be modelled (expired at 21:00 UTC; no volatility).
    expect(result.coveredOptionCount).toBe(0);
    expect(result.excluded.map((e) => [e.conId, e.reason])).toEqual([
      [4, 'stale'],
      [5, 'stale'],
    ]);
  });
});
