import type { OptionPricingInput } from '../../../src/greeks/pricing';

/**
 * American options the approximation is measured on: calls and puts, on a stock without dividends, with a 3 %
 * dividend yield, with discrete dividends worth 2 (pvDividend), and on a futures price; 20 % under to 20 % over the
 * strike, from 5 weeks to 2 years, at 20 % and 45 % volatility; r = 5 %.
 */
export function americanGrid(): Array<[string, OptionPricingInput]> {
  const grid: Array<[string, OptionPricingInput]> = [];
  for (const right of ['C', 'P'] as const) {
    for (const [label, market] of [
      ['BSM no dividend', { model: 'bsm' }],
      ['BSM q=3%', { model: 'bsm', dividendYield: 0.03 }],
      ['BSM pvDividend=2', { model: 'bsm', pvDividend: 2 }],
      ['Black-76', { model: 'black76' }],
    ] as const) {
      for (const moneyness of [0.8, 1, 1.2]) {
        for (const years of [0.1, 0.5, 2]) {
          for (const volatility of [0.2, 0.45]) {
            grid.push([
              `${label} ${right} S/K=${moneyness} T=${years} σ=${volatility}`,
              {
                right,
                style: 'american',
                ...market,
                underlyingPrice: 100 * moneyness,
                strike: 100,
                years,
                rate: 0.05,
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
