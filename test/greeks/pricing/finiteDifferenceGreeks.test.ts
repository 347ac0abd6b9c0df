import { optionModelValues, type OptionPricingInput } from '../../../src/greeks/pricing';
import { europeanGreeksGrid, finiteDifferenceGreeks } from './finiteDifferences';

/**
 * The closed-form Greeks against central finite differences of the price, in IB's units. Tolerance: 1e-5 absolute
 * when the Greek is below 1 in magnitude, 1e-5 relative above (|analytic − FD| ≤ 1e-5 · max(1, |analytic|)).
 */
const TOLERANCE = 1e-5;
const grid = europeanGreeksGrid();

function priceOf(input: OptionPricingInput): number {
  return optionModelValues(input).price;
}

describe('closed-form Greeks against central finite differences (IB units, 1e-5 absolute below 1, relative above)', () => {
  it.each(grid)('%s', (_name, input) => {
    const analytic = optionModelValues(input);
    const numeric = finiteDifferenceGreeks(input);
    for (const greek of ['delta', 'gamma', 'vega', 'theta'] as const) {
      const allowed = TOLERANCE * Math.max(1, Math.abs(analytic[greek]));
      expect({ greek, error: Math.abs(analytic[greek] - numeric[greek]) <= allowed }).toEqual({ greek, error: true });
    }
  });

  it('reports vega per vol point and theta per calendar day (IB units), not per 1.0 of σ or per year', () => {
    const input: OptionPricingInput = {
      right: 'C',
      style: 'european',
      model: 'bsm',
      underlyingPrice: 100,
      strike: 100,
      years: 0.5,
      rate: 0.05,
      volatility: 0.2,
    };
    const values = optionModelValues(input);
    const onePointUp = priceOf({ ...input, volatility: 0.21 }) - values.price;
    expect(values.vega).toBeCloseTo(onePointUp, 3);
    const oneDayLater = priceOf({ ...input, years: 0.5 - 1 / 365 }) - values.price;
    expect(values.theta).toBeCloseTo(oneDayLater, 3);
  });
});
