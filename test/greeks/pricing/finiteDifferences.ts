import { optionModelValues, type OptionPricingInput } from '../../../src/greeks/pricing';

/**
 * Central finite differences of the price, in IB's units. Bumps: S ± 1e-4·S, σ ± 1e-5, calendar time ± 1e-6 years
 * (with the dividends' present value accreting at r, as the theta definition says). Their truncation and rounding
 * errors are below 1e-7 on the grid below.
 */
function priceOf(input: OptionPricingInput): number {
  return optionModelValues(input).price;
}

export function finiteDifferenceGreeks(input: OptionPricingInput) {
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

/** European calls and puts: BSM with a yield, BSM with pvDividend, Black-76; 20 % under to 25 % over the strike; T from 0.02 to 2 years; σ 15 % and 45 %; r = 4.5 %. */
export function europeanGreeksGrid(): Array<[string, OptionPricingInput]> {
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
  return grid;
}
