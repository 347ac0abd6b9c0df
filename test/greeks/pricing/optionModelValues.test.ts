import {
  optionModelValues,
  pricingInputProblem,
  PricingInputError,
  type OptionPricingInput,
} from '../../../src/greeks/pricing';

const valid: OptionPricingInput = {
  right: 'P',
  style: 'american',
  model: 'bsm',
  underlyingPrice: 100,
  strike: 105,
  years: 0.25,
  rate: 0.04,
  dividendYield: 0.01,
  volatility: 0.3,
};

describe('optionModelValues input checks', () => {
  it('accepts a valid input', () => {
    expect(pricingInputProblem(valid)).toBeNull();
    expect(Number.isFinite(optionModelValues(valid).price)).toBe(true);
  });

  it.each([
    [{ right: 'X' }, 'right'],
    [{ style: 'bermudan' }, 'style'],
    [{ model: 'heston' }, 'model'],
    [{ underlyingPrice: 0 }, 'underlyingPrice'],
    [{ underlyingPrice: Number.NaN }, 'underlyingPrice'],
    [{ strike: -5 }, 'strike'],
    [{ years: -0.01 }, 'years'],
    [{ years: Number.POSITIVE_INFINITY }, 'years'],
    [{ rate: Number.NaN }, 'rate'],
    [{ dividendYield: Number.NaN }, 'dividendYield'],
    [{ pvDividend: -1 }, 'pvDividend'],
    [{ pvDividend: 100 }, 'pvDividend'],
    [{ volatility: 0 }, 'volatility'],
    [{ volatility: -0.2 }, 'volatility'],
    [{ model: 'black76' }, 'black76 takes no dividendYield'],
  ] as const)('rejects %j with a one-line PricingInputError naming %s', (change, named) => {
    const input = { ...valid, ...change } as OptionPricingInput;
    expect(pricingInputProblem(input)).toContain(named);
    expect(() => optionModelValues(input)).toThrow(PricingInputError);
    expect(() => optionModelValues(input)).toThrow(named);
    expect(pricingInputProblem(input)).not.toContain('\n');
  });

  it.each([
    ['C', 110, 10, 1],
    ['C', 90, 0, 0],
    ['P', 90, 10, -1],
    ['P', 110, 0, 0],
  ] as const)(
    'at expiry a %s on %d is worth its intrinsic value %d, delta %d, no gamma, vega or theta',
    (right, spot, price, delta) => {
      const values = optionModelValues({
        ...valid,
        right,
        underlyingPrice: spot,
        strike: 100,
        years: 0,
        volatility: Number.NaN,
      });
      expect(values).toEqual({ price, delta, gamma: 0, vega: 0, theta: 0 });
    },
  );
});

describe('optionModelValues in the early-exercise region', () => {
  it('gives a deep in-the-money American put a delta of −1 at most rounding away, never beyond', () => {
    // K = 230 and spots far below it: exercising now is optimal, so the value is K − S around the spot and its slope
    // is −1; the difference quotient lands on either side of it by rounding.
    let belowMinusOne = 0;
    for (let underlyingPrice = 120; underlyingPrice <= 170; underlyingPrice += 0.05) {
      const { delta, price } = optionModelValues({
        ...valid,
        dividendYield: 0,
        underlyingPrice,
        strike: 230,
        years: 55 / 365,
      });
      expect(price).toBeCloseTo(230 - underlyingPrice, 9);
      expect(delta).toBeCloseTo(-1, 9);
      if (delta < -1) belowMinusOne++;
    }
    expect(belowMinusOne).toBe(0);
  });
});
