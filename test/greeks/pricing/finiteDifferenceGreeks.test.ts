import { optionModelValues, type OptionPricingInput } from '../../../src/greeks/pricing';

/**
 * The closed-form Greeks against central finite differences of the price, in IB's units. Tolerance: 1e-5 absolute
 * when the Greek is below 1 in magnitude, 1e-5 relative above (|analytic − FD| ≤ 1e-5 · max(1, |analytic|)).
 * Bumps: S ± 1e-4·S, σ ± 1e-5, calendar time ± 1e-6 years (with the dividends' present value accreting at r, as
 * the theta definition says). Their truncation and rounding errors are below 1e-7 on this grid.
 */
const TOLERANCE = 1e-5;

function priceOf(input: OptionPricingInput): number {
  return optionModelValues(input).price;
}

function finiteDifferenceGreeks(input: OptionPricingInput) {
  const ds = 1e-4 * input.underlyingPrice;
  const at = (underlyingPrice: number) => priceOf({ ...input, underlyingPrice });
  const up = at(input.underlyingPrice + ds);
  const mid = at(input.underlyingPrice);
  const down = at(input.underlyingPrice - ds);
  const dv = 1e-5;
  const vegaPerUnit =
    (priceOf({ ...input, volatility: input.volatility + dv }) -
      priceOf({ ...input, volatility: input.volatility - dv })) /
    (2 * dv);
  const dt = 1e-6;
  const pv = input.pvDividend ?? 0;
  const afterElapsed = (elapsed: number) =>
    priceOf({
      ...input,
      years: input.years - elapsed,
      // Dividends still to come: their present value grows at r while S is held.
      pvDividend: pv * Math.exp(input.rate * elapsed),
    });
  const thetaPerYear = (afterElapsed(dt) - afterElapsed(-dt)) / (2 * dt);
  return {
    delta: (up - down) / (2 * ds),
    gamma: (up - 2 * mid + down) / (ds * ds),
    vega: vegaPerUnit / 100,
    theta: thetaPerYear / 365,
  };
}

const grid: Array<[string, OptionPricingInput]> = [];
for (const right of ['C', 'P'] as const) {
  for (const [label, market] of [
    ['BSM q=3%', { model: 'bsm', dividendYield: 0.03 }],
    ['BSM pvDividend=1.8', { model: 'bsm', pvDividend: 1.8 }],
    ['Black-76', { model: 'black76' }],
  ] as const) {
    for (const moneyness of [0.8, 1, 1.25]) {
      for (const years of [0.02, 0.5, 2]) {
        for (const volatility of [0.15, 0.45]) {
          grid.push([
            `${label} ${right} S/K=${moneyness} T=${years} σ=${volatility}`,
            {
              right,
              style: 'european',
              ...market,
              underlyingPrice: 100 * moneyness,
              strike: 100,
              years,
              rate: 0.045,
              volatility,
            },
          ]);
        }
      }
    }
  }
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
