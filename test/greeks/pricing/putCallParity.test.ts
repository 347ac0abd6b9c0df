import { optionModelValues, type OptionPricingInput } from '../../../src/greeks/pricing';

// C − P is fixed by the forward alone (no model): checked to 1e-10 per 100 of strike, with the Greeks' parity too.
const TOLERANCE = 1e-10;

function pair(input: Omit<OptionPricingInput, 'right'>) {
  return { call: optionModelValues({ ...input, right: 'C' }), put: optionModelValues({ ...input, right: 'P' }) };
}

const cases: Array<[number, number, number]> = [];
for (const underlyingPrice of [60, 100, 170]) {
  for (const years of [0.01, 0.4, 3]) {
    for (const volatility of [0.1, 0.5]) cases.push([underlyingPrice, years, volatility]);
  }
}

describe('put-call parity of the European models', () => {
  it.each(cases)(
    'BSM with dividend yield: C − P = S·e^(−qT) − K·e^(−rT) (S=%d, T=%d, σ=%d)',
    (s, years, volatility) => {
      const rate = 0.05;
      const q = 0.02;
      const { call, put } = pair({
        style: 'european',
        model: 'bsm',
        underlyingPrice: s,
        strike: 100,
        years,
        rate,
        dividendYield: q,
        volatility,
      });
      expect(
        Math.abs(call.price - put.price - (s * Math.exp(-q * years) - 100 * Math.exp(-rate * years))),
      ).toBeLessThan(TOLERANCE);
      expect(call.delta - put.delta).toBeCloseTo(Math.exp(-q * years), 12);
      expect(call.gamma).toBeCloseTo(put.gamma, 12);
      expect(call.vega).toBeCloseTo(put.vega, 12);
    },
  );

  it.each(cases)('BSM with pvDividend: C − P = (S − D) − K·e^(−rT) (S=%d, T=%d, σ=%d)', (s, years, volatility) => {
    const rate = 0.05;
    const pvDividend = 2.4;
    const { call, put } = pair({
      style: 'european',
      model: 'bsm',
      underlyingPrice: s,
      strike: 100,
      years,
      rate,
      pvDividend,
      volatility,
    });
    expect(Math.abs(call.price - put.price - (s - pvDividend - 100 * Math.exp(-rate * years)))).toBeLessThan(TOLERANCE);
    expect(call.delta - put.delta).toBeCloseTo(1, 12);
  });

  it.each(cases)('Black-76: C − P = (F − K)·e^(−rT) (F=%d, T=%d, σ=%d)', (f, years, volatility) => {
    const rate = 0.05;
    const { call, put } = pair({
      style: 'european',
      model: 'black76',
      underlyingPrice: f,
      strike: 100,
      years,
      rate,
      volatility,
    });
    expect(Math.abs(call.price - put.price - (f - 100) * Math.exp(-rate * years))).toBeLessThan(TOLERANCE);
    expect(call.delta - put.delta).toBeCloseTo(Math.exp(-rate * years), 12);
  });

  it('lowers both sides by the dividends: a call on S with pvDividend D is the call on S − D with none', () => {
    const base: OptionPricingInput = {
      right: 'C',
      style: 'european',
      model: 'bsm',
      underlyingPrice: 100,
      strike: 95,
      years: 0.3,
      rate: 0.04,
      volatility: 0.3,
    };
    const withDividend = optionModelValues({ ...base, pvDividend: 3 });
    const onLowerSpot = optionModelValues({ ...base, underlyingPrice: 97 });
    expect(withDividend.price).toBeCloseTo(onLowerSpot.price, 12);
    expect(withDividend.delta).toBeCloseTo(onLowerSpot.delta, 12);
    // Theta differs: the escrowed amount accretes at r as time passes.
    expect(withDividend.theta).toBeCloseTo(onLowerSpot.theta - (onLowerSpot.delta * 0.04 * 3) / 365, 12);
  });
});
